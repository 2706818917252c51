"""blankfree: which queries cannot have a row on a graph without blank nodes. Each verdict is
checked against pyoxigraph's answers on data with and without a blank node, so that a query
called empty really is, and the data really could give it rows."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ntp_kg import gate
from ntp_kg.blankfree import empty_without_blank_nodes

P = ox.NamedNode("urn:p")
IRIS = [ox.NamedNode(f"urn:s{i}") for i in range(3)]

# (query, empty on data without blank nodes?)
CASES = [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER (isBlank(?o)) }", True),
    ("SELECT ?p ?v WHERE { { ?v ?p ?o . FILTER (isBlank(?v)) } FILTER NOT EXISTS { ?x ?y ?v } }", True),
    ("SELECT ?s WHERE { ?s ?p ?o FILTER (isBLANK(?s) && ?p = <urn:p>) }", True),
    ("SELECT DISTINCT ?s WHERE { ?s ?p ?o . BIND (STR(?p) AS ?l) FILTER (isBlank(?o)) } ORDER BY ?s LIMIT 5", True),
    ("SELECT ?s WHERE { { ?s ?p ?o FILTER isBlank(?o) } UNION { ?o ?p ?s FILTER isBlank(?o) } }", True),
    ("SELECT ?s WHERE { ?s ?p ?o . { SELECT ?o WHERE { ?x ?q ?o FILTER isBlank(?o) } } }", True),
    ("SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?z } FILTER isBlank(?z) }", True),
    ("ASK { ?s ?p ?o FILTER isBlank(?s) }", True),
    # not empty, or not provably so
    ("SELECT ?s WHERE { ?s ?p ?o FILTER (isIRI(?s) || isBlank(?s)) }", False),
    ("SELECT ?s WHERE { ?s ?p ?o FILTER (!isBlank(?o)) }", False),
    ("SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?z FILTER isBlank(?z) } }", False),
    ("SELECT ?s WHERE { { ?s ?p ?o FILTER isBlank(?o) } UNION { ?s ?p ?o } }", False),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER isBlank(?o) }", False),
    ("SELECT ?s WHERE { ?s ?p ?o BIND (BNODE() AS ?b) FILTER isBlank(?b) }", False),
    ("SELECT ?s WHERE { ?s ?p ?o FILTER EXISTS { ?o ?q ?z FILTER isBlank(?z) } }", False),
    ("SELECT ?s WHERE { ?s ?p ?o }", False),
    ("SELECT $this WHERE { $this ?p ?o FILTER isBlank($currentShape) }", False),  # a shape may be a blank node
    ("SELECT ?s WHERE { ?s ?p ?o FILTER isBlank(", False),  # not parsed: run, and reported, as it is
]


def _store(blank: bool) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(s, P, o) for s in IRIS for o in IRIS)
    if blank:
        b, orphan = ox.BlankNode("b"), ox.BlankNode("orphan")
        store.extend([ox.Quad(IRIS[0], P, b), ox.Quad(b, P, IRIS[1]), ox.Quad(b, P, b), ox.Quad(orphan, P, IRIS[2])])
    return store


def _has_rows(store: ox.Store, query: str) -> bool:
    result = store.query(query)
    return bool(result) if isinstance(result, ox.QueryBoolean) else any(True for _ in result)  # type: ignore[union-attr]


@pytest.mark.parametrize(("query", "empty"), CASES)
def test_verdict(query: str, empty: bool) -> None:
    assert empty_without_blank_nodes(query) is empty


@pytest.mark.parametrize("query", [q for q, empty in CASES if empty])
def test_a_query_called_empty_has_no_row_without_blank_nodes_and_rows_with_one(query: str) -> None:
    assert not _has_rows(_store(blank=False), query)
    assert _has_rows(_store(blank=True), query)


def test_among_our_shapes_the_two_blank_node_checks() -> None:
    """Of the SPARQL screen's queries for shapes/, exactly shapes:NoBlankNodes' two."""
    flagged = [q for q in gate.screen_queries(gate.engine()) if empty_without_blank_nodes(q)]
    assert len(flagged) == 2
    assert all("FILTER (isBlank(?value))" in q for q in flagged)
