"""ckanext-dcat, the parser CKAN's DCAT harvesters use, finds our dataset and every dump.

The parser runs in its own virtualenv (ckan_venv.py), made on the first run and reused after;
it reads the catalogue as a harvester fetching /catalog would: Turtle, the parser chosen by the
Content-Type, uncompressed, at most 50 MB.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS

from . import ckan_venv
from .test_catalog import BASE, DATASET, DUMP_NAMES, EXPECTED_FORMATS, FILE_TYPE

PARSE = Path(__file__).with_name("ckan_parse.py")
MAX_BYTES = 50 * 1024 * 1024  # ckanext.dcat.max_file_size default: 50 MB


@pytest.fixture(scope="session")
def ckan() -> ckan_venv.CkanVenv:
    try:
        venv = ckan_venv.ensure()
    except ckan_venv.IndexUnreachable as exc:
        pytest.skip(f"ckanext-dcat cannot be installed here: {exc}")
    if venv.created:
        print(f"\nmade {venv.python.parent.parent} in {venv.seconds:.1f} s:\n  " + "\n  ".join(venv.commands))
    return venv


def _parse(ckan: ckan_venv.CkanVenv, body: bytes, content_type: str) -> list[dict[str, object]]:
    r = subprocess.run([str(ckan.python), str(PARSE), content_type], input=body, capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    found = json.loads(r.stdout)
    assert isinstance(found, list)
    return found


def test_ckanext_dcat_finds_the_dataset_with_every_distribution(ckan: ckan_venv.CkanVenv, catalog_turtle: bytes, catalog_graph: Graph) -> None:
    assert len(catalog_turtle) < MAX_BYTES
    found = _parse(ckan, catalog_turtle, "text/turtle; charset=utf-8")
    assert len(found) == 1, f"expected exactly one dataset, got {[d.get('uri') for d in found]}"
    dataset = found[0]
    assert dataset["identifier"] == str(DATASET)
    assert dataset["uri"] == str(DATASET)
    titles = {str(t) for t in catalog_graph.objects(DATASET, DCTERMS.title) if isinstance(t, Literal)}
    assert dataset["title"] in titles
    resources = dataset["resources"]
    assert isinstance(resources, list)
    by_url = {r["download_url"]: r for r in resources}
    assert sorted(by_url) == sorted(BASE + "dumps/" + n for n in DUMP_NAMES)
    for name in DUMP_NAMES:
        r = by_url[BASE + "dumps/" + name]
        media, file_type = EXPECTED_FORMATS[name.removesuffix(".gz")]
        assert r["format"] == FILE_TYPE + file_type, name
        assert r["url"] == r["download_url"], name
        assert r["mimetype"] == "https://www.iana.org/assignments/media-types/" + media, name
        assert isinstance(r["size"], int) and r["size"] > 0, name
        assert isinstance(r["hash"], str) and len(r["hash"]) == 64, name


def test_ckanext_dcat_reads_the_rdfxml_serialisation_too(ckan: ckan_venv.CkanVenv, catalog_graph: Graph) -> None:
    """CKAN's default format when a server sends no usable Content-Type is RDF/XML."""
    from ntp_kg import catalog

    found = _parse(ckan, catalog.serialize(catalog_graph, "rdfxml"), "application/rdf+xml")
    assert [d["uri"] for d in found] == [str(DATASET)]
    assert len(found[0]["resources"]) == len(DUMP_NAMES)  # type: ignore[arg-type]


def test_the_venv_is_reused_when_the_requirements_are_unchanged(ckan: ckan_venv.CkanVenv) -> None:
    again = ckan_venv.ensure()
    assert not again.created and again.python == ckan.python
