"""Dumps, catalogue and crawler files on a real server over the built dist/: media types,
Content-Length, ETag (SHA-256, as SHA256SUMS), Last-Modified, 304s, HEAD, no on-the-fly gzip;
the DCAT/VoID catalogue by Accept; robots.txt and sitemap.xml."""

from __future__ import annotations

import hashlib
import os
import re
import time
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from ntp_kg.publish import DUMPS

from catalog.test_ckan import _parse, ckan  # noqa: F401 - the fixture that makes the ckanext-dcat venv

from .conftest import LiveServer

GZIP = {"Accept-Encoding": "gzip"}


def sums(dist: Path) -> dict[str, str]:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_the_listing_names_every_file(dist_server: LiveServer, dist: Path) -> None:
    r = httpx.get(dist_server.base + "/dumps/")
    assert r.status_code == 200
    listed = set(re.findall(r'<a href="/dumps/([^"]+)">', r.text))
    assert listed == {p.name for p in dist.iterdir() if p.is_file() and not p.name.startswith(".")}


@pytest.mark.parametrize("name", [*(d.name for d in DUMPS), *(d.name + ".gz" for d in DUMPS), "catalog.ttl", "SHA256SUMS"])
def test_each_file_with_its_headers(dist_server: LiveServer, dist: Path, name: str) -> None:
    r = httpx.get(f"{dist_server.base}/dumps/{name}", headers=GZIP)
    assert r.status_code == 200
    data = (dist / name).read_bytes()
    assert r.content == data
    assert "content-encoding" not in r.headers  # the bytes on disk, never re-encoded
    assert int(r.headers["content-length"]) == len(data)
    want = {d.name: d.media_type for d in DUMPS}.get(name, "application/gzip" if name.endswith(".gz") else None)
    if want:
        assert r.headers["content-type"].split(";")[0] == want
    assert r.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    if name != "SHA256SUMS":
        assert r.headers["etag"] == f'"{sums(dist)[name]}"'
    modified = parsedate_to_datetime(r.headers["last-modified"])
    assert int(modified.timestamp()) == int((dist / name).stat().st_mtime)


def test_conditional_get_and_head(dist_server: LiveServer) -> None:
    url = dist_server.base + "/dumps/ntp-kg.nt.gz"
    first = httpx.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    r = httpx.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    assert httpx.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert httpx.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert httpx.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    assert httpx.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200
    h = httpx.head(url)
    assert h.status_code == 200 and h.content == b""
    assert h.headers["content-length"] == first.headers["content-length"]
    assert h.headers["etag"] == etag
    assert httpx.head(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_download_resumes_with_range_requests(dist_server: LiveServer, dist: Path) -> None:
    """A 7.5 GB dump (1M observations) is fetched in pieces: curl -C -, wget -c, download managers."""
    url = dist_server.base + "/dumps/ntp-kg.nt.gz"
    data = (dist / "ntp-kg.nt.gz").read_bytes()
    n = len(data)
    full = httpx.get(url)
    assert full.headers["accept-ranges"] == "bytes"
    etag = full.headers["etag"]
    head = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert head.status_code == 206
    assert head.headers["content-range"] == f"bytes 0-99/{n}"
    assert head.headers["content-length"] == "100" and head.headers["etag"] == etag
    assert head.content == data[:100]
    rest = httpx.get(url, headers={"Range": "bytes=100-", "If-Range": etag})
    assert rest.status_code == 206 and rest.headers["content-range"] == f"bytes 100-{n - 1}/{n}"
    assert head.content + rest.content == data
    assert httpx.get(url, headers={"Range": "bytes=-10"}).content == data[-10:]
    changed = httpx.get(url, headers={"Range": "bytes=100-", "If-Range": '"an older version"'})
    assert (changed.status_code, changed.content) == (200, data)  # the file changed: all of it
    beyond = httpx.get(url, headers={"Range": f"bytes={n}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{n}"


def _next_tick(path: Path) -> None:
    """Wait until a file written now gets a later change time than `path`'s (file times are
    clock ticks of a few milliseconds)."""
    probe = path.with_name(".tick")
    for _ in range(1000):
        probe.write_bytes(b"")
        if probe.stat().st_ctime_ns > path.stat().st_ctime_ns:
            break
        time.sleep(0.002)
    probe.unlink()


def test_the_etag_is_read_from_sha256sums_where_it_changed_after_the_file(dist: Path, tmp_path: Path) -> None:
    """A dump that has not changed since SHA256SUMS was written takes its digest from there,
    unread (7.5 GB at 1M): here an entry that is not the file's own digest shows it was not
    hashed. A file put there afterwards gets its own digest, as the ETag must name the bytes
    served: written anew, and copied in with the same size and an older modification time
    (`cp -p`), which a cache by size and modification time, or trusting SHA256SUMS by
    modification times, would miss."""
    from ntp_kg.server.dumps import Dumps

    for name in ("ntp-kg.nt", "ntp-kg.ttl"):
        (tmp_path / name).write_bytes((dist / name).read_bytes())
    listed = {**sums(dist), "ntp-kg.ttl": "ab" * 32}
    _next_tick(tmp_path / "ntp-kg.ttl")
    (tmp_path / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in listed.items()), encoding="utf-8")
    dumps = Dumps(tmp_path)
    got = dumps.get("ntp-kg.ttl")
    assert got is not None and got.sha256 == "ab" * 32 != hashlib.sha256((dist / "ntp-kg.ttl").read_bytes()).hexdigest()
    got = dumps.get("ntp-kg.nt")
    assert got is not None and got.sha256 == listed["ntp-kg.nt"]

    _next_tick(tmp_path / "SHA256SUMS")
    lines = (dist / "ntp-kg.nt").read_bytes().splitlines(keepends=True)
    same_size = b"".join(reversed(lines))
    assert len(same_size) == len(b"".join(lines)) and same_size != b"".join(lines)
    old = (tmp_path / "ntp-kg.nt").stat()
    (tmp_path / "copy.nt").write_bytes(same_size)
    os.utime(tmp_path / "copy.nt", ns=(old.st_atime_ns, old.st_mtime_ns))  # cp -p of an older file
    os.replace(tmp_path / "copy.nt", tmp_path / "ntp-kg.nt")
    now = (tmp_path / "ntp-kg.nt").stat()
    assert (now.st_size, now.st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    got = dumps.get("ntp-kg.nt")
    assert got is not None and got.sha256 == hashlib.sha256(same_size).hexdigest() != listed["ntp-kg.nt"]

    changed = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n" + same_size
    (tmp_path / "ntp-kg.ttl").write_bytes(changed)
    got = dumps.get("ntp-kg.ttl")
    assert got is not None and got.sha256 == hashlib.sha256(changed).hexdigest()
    got = dumps.get("SHA256SUMS")  # never its own entry
    assert got is not None and got.sha256 == hashlib.sha256((tmp_path / "SHA256SUMS").read_bytes()).hexdigest()


@pytest.mark.parametrize("path", ["/dumps/nope.nt", "/dumps/.ntp-kg-dist", "/dumps/..%2Fpyproject.toml"])
def test_unknown_dumps_are_404(dist_server: LiveServer, path: str) -> None:
    assert httpx.get(dist_server.base + path).status_code == 404


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        (None, "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/html", "text/turtle", "turtle"),
    ],
)
@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void"])
def test_catalogue_by_accept_uncompressed(dist_server: LiveServer, path: str, accept: str | None, media_type: str, parser: str) -> None:
    headers = {**GZIP, **({"Accept": accept} if accept else {})}
    r = httpx.get(dist_server.base + path, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    assert "content-encoding" not in r.headers
    assert r.headers["vary"].startswith("Accept")
    assert r.headers["content-location"].startswith("/dumps/catalog.")
    g = Graph().parse(data=r.content, format=parser)
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert datasets
    urls = {str(u) for d in datasets for dist in g.objects(d, DCAT.distribution) for u in g.objects(dist, DCAT.downloadURL)}
    assert {f"https://w3id.org/ntp-kg/dumps/{d.name}" for d in DUMPS} <= urls
    assert (None, RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in g


def test_catalogue_iris_dereference(dist_server: LiveServer) -> None:
    r = httpx.get(dist_server.base + "/id/dataset/ntp-kg", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.content, format="turtle")
    assert (URIRef("https://w3id.org/ntp-kg/id/dataset/ntp-kg"), RDF.type, DCAT.Dataset) in g


def test_robots_and_sitemap(dist_server: LiveServer) -> None:
    robots = httpx.get(dist_server.base + "/robots.txt")
    assert robots.status_code == 200
    assert f"Sitemap: {dist_server.base}/sitemap.xml" in robots.text
    r = httpx.get(dist_server.base + "/sitemap.xml")
    assert r.headers["content-type"] == "application/xml"
    locs = re.findall(r"<loc>([^<]+)</loc>", r.text)
    assert f"{dist_server.base}/" in locs
    assert f"{dist_server.base}/id/area/lao-cai" in locs
    assert f"{dist_server.base}/def/ontology" in locs
    assert not any("#" in loc for loc in locs)
    for loc in locs[:: max(1, len(locs) // 25)]:
        assert httpx.get(loc, headers={"Accept": "text/html"}).status_code == 200, loc


def test_a_server_without_a_build_has_no_dumps(sample_server: LiveServer) -> None:
    for path in ("/dumps/", "/dumps/ntp-kg.nt", "/catalog", "/.well-known/void"):
        r = httpx.get(sample_server.base + path)
        assert r.status_code == 404
        assert "build" in r.text


def test_ckanext_dcat_harvests_the_served_catalogue(dist_server: LiveServer, ckan: object) -> None:
    """As CKAN's DCAT harvester does: GET /catalog (it accepts gzip), pick the parser from the
    Content-Type, parse the body as sent (it does not decompress)."""
    r = httpx.get(dist_server.base + "/catalog", headers={"Accept-Encoding": "gzip, deflate"})
    assert "content-encoding" not in r.headers
    found = _parse(ckan, r.content, r.headers["content-type"])  # type: ignore[arg-type]
    assert [d["uri"] for d in found] == ["https://w3id.org/ntp-kg/id/dataset/ntp-kg"]
    urls = {res["download_url"] for res in found[0]["resources"]}  # type: ignore[union-attr]
    assert {f"https://w3id.org/ntp-kg/dumps/{d.name}" for d in DUMPS} <= urls


def test_every_response_says_nosniff_and_only_compressible_ones_vary_by_encoding(dist_server: LiveServer) -> None:
    """One middleware adds `X-Content-Type-Options: nosniff` to every response, gzips on the fly
    when asked, and never for downloads and the catalogue (sent as the bytes on disk)."""
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100"}
    cases = [
        ("/sparql", query, {"Accept-Encoding": "identity"}, (None, "Accept, Accept-Encoding")),
        ("/sparql", query, GZIP, ("gzip", "Accept, Accept-Encoding")),
        ("/", {}, GZIP, ("gzip", "Accept-Language, Accept-Encoding")),
        ("/dumps/ntp-kg.ttl", {}, GZIP, (None, None)),
        ("/catalog", {}, GZIP, (None, "Accept")),
        ("/nowhere", {}, {"Accept-Encoding": "identity"}, (None, "Accept, Accept-Encoding")),
    ]
    for path, params, headers, (encoding, vary) in cases:
        r = httpx.get(dist_server.base + path, params=params, headers=headers)
        assert r.headers.get_list("x-content-type-options") == ["nosniff"], path
        assert (r.headers.get("content-encoding"), r.headers.get("vary")) == (encoding, vary), (path, headers)
