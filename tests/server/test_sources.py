"""--data FILE[=GRAPH]: parsing, formats, graph targets, load errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg.server.sources import DataSource, DataSourceError

from .conftest import KASEI, SAMPLE, W3C_DIR


def test_file_into_a_named_graph() -> None:
    src = DataSource.parse(f"{W3C_DIR / 'data1.nt'}={KASEI.format(1)}")
    assert src == DataSource(W3C_DIR / "data1.nt", KASEI.format(1))
    store = ox.Store()
    src.load_into(store)
    assert [q.graph_name for q in store] == [ox.NamedNode(KASEI.format(1))]


def test_quad_file_keeps_its_graphs() -> None:
    store = ox.Store()
    DataSource.parse(str(SAMPLE)).load_into(store)
    graphs = {str(g) for g in store.named_graphs()}
    assert graphs == {"<http://example.org/people>", "<http://example.org/stats>"}
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 3


def test_graph_iri_with_equals_sign_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "x=y.ttl.gz"
    path.write_bytes(gzip.compress(b"<s> <http://p> <o> ."))
    src = DataSource.parse(f"{path}=http://example.org/g?a=b")
    assert src.graph == "http://example.org/g?a=b"
    store = ox.Store()
    src.load_into(store)
    assert next(iter(store)).subject == ox.NamedNode("http://example.org/s")  # relative IRIs against the graph IRI


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.ttl", "no such file"),
        (f"{W3C_DIR / 'PROVENANCE.md'}", "unknown RDF format"),
        (f"{SAMPLE}=http://example.org/g", "keeps its own graphs"),
        (f"{W3C_DIR / 'data1.nt'}=http://exa mple.org/", "no such file"),
    ],
)
def test_bad_sources(spec: str, message: str) -> None:
    with pytest.raises(DataSourceError, match=message):
        DataSource.parse(spec)


def test_unparsable_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text("<http://a> <http://b> .", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"bad.ttl: cannot load as Turtle"):
        DataSource.parse(str(path)).load_into(ox.Store())


def test_remote_jsonld_context_is_never_fetched(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://a", "name": "x"}', encoding="utf-8")
    with pytest.raises(DataSourceError, match="remote context"):
        DataSource.parse(str(path)).load_into(ox.Store())
