"""Moving RDF between rdflib (mapper, pySHACL) and pyoxigraph (fast, canonical writers).

rdflib is the lingua franca of pySHACL; pyoxigraph writes canonical N-Triples and Turtle/TriG
an order of magnitude faster. Conversion happens here, once, in a deterministic order.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to an RDF term")


def quads(ds: Dataset) -> list[ox.Quad]:
    """All quads of the named graphs, sorted: the order every writer uses."""
    out: list[ox.Quad] = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        if g is None or (isinstance(g, Graph) and g.identifier == ds.default_graph.identifier):
            graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
        else:
            gid = g.identifier if isinstance(g, Graph) else g
            graph = ox.NamedNode(str(gid))
        out.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph))
    out.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return out


def triples(qs: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The union graph as sorted, de-duplicated triples."""
    seen = {ox.Triple(q.subject, q.predicate, q.object) for q in qs}
    return sorted(seen, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines()))
    return b"".join(line + b"\n" for line in lines if line)


def to_rdflib_graph(ts: Iterable[ox.Triple]) -> Graph:
    g = Graph()
    for t in ts:
        g.add((_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)))
    return g


def _from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r}")
