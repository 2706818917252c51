"""Moving RDF between rdflib (pySHACL, `ntp-kg validate`, inspection) and pyoxigraph.

The build no longer makes an rdflib Dataset (the mapper writes text: quadtext.py); these
conversions serve pySHACL on arbitrary files, the gate's `validate(dataset)` entry and tests that
inspect the graph with rdflib, in a deterministic order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NoReturn

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from .spool import SpooledQuads

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_STRING_IRI = URIRef(_XSD_STRING)
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


class UnionView(Graph):
    """Every triple of a Dataset's store as one read-only rdflib Graph, without copying.

    `validate.union_graph` copies each named graph into a new Graph; this reads the store with no
    context, which is the same set of triples (used by the SHACL gate's `validate(dataset)`)."""

    def __init__(self, ds: Dataset) -> None:
        super().__init__(store=ds.store, identifier=URIRef("urn:x-ntp-kg:union"), namespace_manager=ds.namespace_manager)

    def triples(self, triple: Any) -> Iterator[Any]:  # type: ignore[override]
        s, p, o = triple
        if p is not None and not isinstance(p, Node):  # a property path object
            yield from super().triples(triple)
            return
        for t, _ctx in self.store.triples((s, p, o), context=None):
            yield t

    def __len__(self) -> int:
        return len(self.store)

    def add(self, triple: Any) -> NoReturn:  # pragma: no cover - the view is read-only
        raise TypeError("the union view is read-only")

    def remove(self, triple: Any) -> NoReturn:  # pragma: no cover
        raise TypeError("the union view is read-only")


def to_ox(term: Node) -> OxTerm:
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


def graph_triples(ds: Dataset) -> Iterator[tuple[Node, Iterable[tuple[Node, Node, Node]]]]:
    """Each graph's identifier with its triples, in no particular order.

    rdflib's iterators look up every triple's contexts (most of the time of reading a big
    Dataset); its Memory store keeps the triples of each graph as a set, read here directly.
    tests/test_publish.py checks this against the public API."""
    store = ds.store
    if type(store) is Memory:
        by_ctx = store._Memory__contextTriples  # type: ignore[attr-defined]
        ctx_obj = store._Memory__context_obj_map  # type: ignore[attr-defined]
        for key, ts in by_ctx.items():
            if key is not None and ts:  # the None key is the union of all graphs
                yield ctx_obj[key].identifier, ts
        return
    for g in ds.graphs():  # pragma: no cover - other stores
        yield g.identifier, g.triples((None, None, None))


def quads_and_triples(ds: Dataset) -> tuple[list[ox.Quad], list[ox.Triple]]:
    """All quads of the named graphs, sorted (the order every writer uses), and the union graph
    as sorted, de-duplicated triples. A quad's sort key is the N-Triples text of its terms, each
    term converted and printed once."""
    conv: dict[Node, tuple[OxTerm, str]] = {}
    iris: dict[str, tuple[OxTerm, str]] = {}
    plain = str.__str__

    def term(t: Node) -> tuple[OxTerm, str]:
        if type(t) is URIRef:  # the common case, keyed by its text (rdflib's hash is slower)
            k = plain(t)
            hit = iris.get(k)
            if hit is None:
                o: OxTerm = ox.NamedNode(k)
                hit = iris[k] = (o, str(o))
            return hit
        hit = conv.get(t)
        if hit is None:
            o = to_ox(t)
            hit = conv[t] = (o, str(o))
        return hit

    rows: list[tuple[tuple[str, str, str, str], ox.Quad]] = []
    union: dict[tuple[str, str, str], ox.Triple] = {}
    add, quad, triple = rows.append, ox.Quad, ox.Triple
    default_id = ds.default_graph.identifier
    for gid, ts in graph_triples(ds):
        graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if gid == default_id else ox.NamedNode(str(gid))
        gk = str(graph)
        for s, p, o in ts:
            (os_, ks), (op, kp), (oo, ko) = term(s), term(p), term(o)
            # rdflib types every position as Node; a graph of RDF holds no literal subject or predicate
            assert not isinstance(os_, ox.Literal) and isinstance(op, ox.NamedNode)
            add(((gk, ks, kp, ko), quad(os_, op, oo, graph)))
            tk = (ks, kp, ko)
            if tk not in union:
                union[tk] = triple(os_, op, oo)
    rows.sort(key=lambda r: r[0])
    return [q for _k, q in rows], [union[k] for k in sorted(union)]


def quads(ds: Dataset) -> list[ox.Quad]:
    """All quads of the named graphs, sorted: the order every writer uses."""
    return quads_and_triples(ds)[0]


def triples(qs: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The union graph as sorted, de-duplicated triples."""
    seen: dict[tuple[str, str, str], ox.Triple] = {}
    for q in qs:
        k = (str(q.subject), str(q.predicate), str(q.object))
        if k not in seen:
            seen[k] = ox.Triple(q.subject, q.predicate, q.object)
    return [seen[k] for k in sorted(seen)]


def sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines()))
    return b"".join(line + b"\n" for line in lines if line)


def to_rdflib_dataset(graph: SpooledQuads) -> Dataset:
    """The mapped graph as an rdflib Dataset (for pySHACL and inspection; the build does not need it)."""
    ds = Dataset()
    graphs: dict[str, Graph] = {}
    for q in graph.quads():
        graph_name = q.graph_name
        assert not isinstance(graph_name, ox.DefaultGraph)  # the mapper puts every statement in a named graph
        name = graph_name.value
        g = graphs.get(name)
        if g is None:
            g = graphs[name] = ds.graph(URIRef(name))
        g.add((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object)))
    return ds


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
