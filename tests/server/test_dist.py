"""The project's own graph through the endpoint: every sparql/ query gives the same answer as
`ntp-kg query` (ntp_kg.query.run over dist/ntp-kg.nq)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from ntp_kg import query as q
from ntp_kg import resources
from ntp_kg.store import load_dist

from .conftest import LiveServer


QUERIES = {name: nq.text for name, nq in q.named_queries().items()}


@pytest.fixture(scope="module")
def dist_store(dist: Path) -> ox.Store:
    return load_dist(dist)


def _terms(row: object) -> tuple[str, ...]:
    return tuple("" if t is None else str(t) for t in row)  # type: ignore[attr-defined]


def test_there_are_research_questions() -> None:
    assert len(QUERIES) >= 3


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_same_answer_as_ntp_kg_query(dist_server: LiveServer, dist_store: ox.Store, name: str) -> None:
    text = QUERIES[name]
    expected = q.run(dist_store, text)
    if isinstance(expected, ox.QueryTriples):
        r = httpx.post(dist_server.endpoint, data={"query": text}, headers={"Accept": "application/n-triples"}, timeout=30)
        assert r.status_code == 200, r.text
        want = Graph().parse(data=ox.serialize(list(expected), format=ox.RdfFormat.N_TRIPLES), format="nt")
        assert isomorphic(Graph().parse(data=r.content, format="nt"), want)
        return
    r = httpx.post(dist_server.endpoint, data={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200, r.text
    got = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
    if isinstance(expected, ox.QueryBoolean):
        assert bool(got) is bool(expected)
        return
    assert isinstance(got, ox.QuerySolutions)
    assert [v.value for v in got.variables] == [v.value for v in expected.variables]
    got_rows, want_rows = [_terms(s) for s in got], [_terms(s) for s in expected]
    assert "x-sparql-truncated" not in r.headers
    if "ORDER BY" in text.upper():
        assert got_rows == want_rows
    else:
        assert sorted(got_rows) == sorted(want_rows)


def test_the_description_lists_our_graphs(dist_server: LiveServer, dist_store: ox.Store) -> None:
    r = httpx.get(dist_server.endpoint, headers={"Accept": "application/n-triples"})
    sd = ox.Store()
    sd.load(r.content, format=ox.RdfFormat.N_TRIPLES)
    listed = {(s["g"].value, int(s["n"].value)) for s in sd.query(  # type: ignore[index, union-attr]
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> PREFIX void: <http://rdfs.org/ns/void#> "
        "SELECT ?g ?n { ?ng sd:name ?g ; sd:graph/void:triples ?n }"
    )}
    expected = {(str(s["g"].value), int(s["n"].value)) for s in dist_store.query(  # type: ignore[index, union-attr]
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )}
    assert listed == expected
    assert any(g.endswith("/graph/ontology") for g, _ in listed)


def test_jsonld_of_our_data_uses_our_context(dist_server: LiveServer) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRENDS(STR(?g), '/graph/reference')) } LIMIT 200"
    doc = httpx.get(dist_server.endpoint, params={"query": query, "format": "jsonld"}, timeout=30).json()
    assert doc["@context"] == dict(resources.context())
    keys = {k for node in doc["@graph"] for k in node}
    assert "rdfs:label" in keys
    assert not any(k.startswith("http") for k in keys)
