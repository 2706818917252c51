"""Run inside the ckanext-dcat virtualenv: parse a catalogue as a CKAN DCAT harvester does.

    python ckan_parse.py CONTENT-TYPE < catalogue

The harvester (ckanext.dcat.harvesters.DCATRDFHarvester) takes the response's Content-Type up to
the first ';' as the rdflib format, hands the body to `RDFParser.parse`, and reads every
`?s a dcat:Dataset` with the profile `euro_dcat_ap_3`. This script does the same with the body on
standard input, and prints what it found as JSON: one object per dataset with its identifier, its
URI, its title and every resource (distribution) with its format, download URL and URL.
Nothing here may use the network: connections fail.
"""

import json
import socket
import sys


def _no_network(*args, **kwargs):
    raise RuntimeError("ckan_parse.py must not use the network")


socket.socket.connect = _no_network  # type: ignore[method-assign]
socket.create_connection = _no_network  # type: ignore[assignment]

from ckanext.dcat.processors import RDFParser  # noqa: E402


def _extra(dataset, key):
    for e in dataset.get("extras", []):
        if e["key"] == key:
            return e["value"]
    return None


def main():
    content_type = sys.argv[1].split(";", 1)[0].strip()
    body = sys.stdin.buffer.read()
    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    parser.parse(body, _format=content_type)
    found = []
    for d in parser.datasets():
        found.append(
            {
                "identifier": _extra(d, "identifier") or d.get("identifier"),
                "uri": _extra(d, "uri") or d.get("uri"),
                "title": d.get("title"),
                "resources": [
                    {
                        "format": r.get("format"),
                        "download_url": r.get("download_url"),
                        "url": r.get("url"),
                        "mimetype": r.get("mimetype"),
                        "size": r.get("size"),
                        "hash": r.get("hash"),
                    }
                    for r in d.get("resources", [])
                ],
            }
        )
    json.dump(found, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
