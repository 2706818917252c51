"""union_view: the union of a store's graphs held once per triple in its default graph."""

from __future__ import annotations

import pyoxigraph as ox

from ntp_kg.union_view import hold_union, holds_union, union_alone


def test_hold_union_copies_graphs_named_by_iris_and_by_blank_nodes_once() -> None:
    """A blank node cannot be named in a SPARQL update: such a graph is copied through the API."""
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    one, two = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    store = ox.Store()
    store.extend([ox.Quad(s, p, one, ox.NamedNode("http://example.org/g")), ox.Quad(s, p, one, ox.BlankNode("b")), ox.Quad(s, p, two, ox.BlankNode("b"))])
    held = hold_union(store)
    assert holds_union(held) and not holds_union(store)
    count = held.query("SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?sum) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(count, ox.QuerySolutions)
    assert [(row["n"].value, row["sum"].value) for row in count] == [("2", "3")]  # type: ignore[union-attr]
    assert len(held) == 5  # the three quads and the two triples of the default graph



def test_union_alone_holds_the_default_graph_only_and_is_read_as_it() -> None:
    """The copy answers queries that read only the default graph: the union, each triple once,
    whatever the flag asking for pyoxigraph's union (which over a store with no named graphs
    would be empty)."""
    g, s, p = ox.NamedNode("http://example.org/g"), ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    store = ox.Store()
    store.extend([ox.Quad(s, p, ox.Literal("1"), g), ox.Quad(s, p, ox.Literal("2"), ox.NamedNode("http://example.org/h")), ox.Quad(s, p, ox.Literal("1"), ox.NamedNode("http://example.org/h"))])
    alone = union_alone(hold_union(store))
    assert holds_union(alone) and list(alone.named_graphs()) == []
    assert sorted(q.object.value for q in alone) == ["1", "2"]
    assert all(q.graph_name == ox.DefaultGraph() for q in alone)
    answer = alone.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    assert [row["n"].value for row in answer] == ["2"]  # type: ignore[union-attr]
