"""union_view: the union of a store's graphs held once per triple in its default graph."""

from __future__ import annotations

import pyoxigraph as ox

from ntp_kg.union_view import hold_union, holds_union


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

