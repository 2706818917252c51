"""A store whose default graph holds the union of its named graphs, read as the union.

pyoxigraph's union default graph (`use_default_graph_as_union=True`, as is `default_graph=[every
graph]`) is no RDF merge: it yields a triple once per graph that holds it, so a triple in two
sources' graphs is counted twice (a date or an area that several sources describe: at 100k
synthetic observations, 757 triples held by several graphs make 68,607 extra solutions of
`?s ?p ?o`, and every join through them repeats rows). It is also slower: at 100k observations
on disk the queries of sparql/ took 1.2-1.4x longer through it than over the same triples in a
default graph, and capital-2025-vs-2024 more than 40 s against 0.09 s (benchmarks/README.md).

So a store read as the union holds that union, each triple once, in its default graph:
`ntp-kg load` of a build puts ntp-kg.nt there beside ntp-kg.nq, a load of other files whose
default graph stays empty gets it from `fill_empty_default_graph`
(diskstore.Version.default_graph_is_union), and an in-memory store (the workers', the pages',
`ntp-kg query`'s) is given it by `hold_union` after loading. Whatever reads such a store reads its
default graph as it is where the union is asked for: the union, each triple
once (and whatever was added to it, such as the catalogue the pages describe): `read_as_union`.
Asking pyoxigraph for the union there would meet each triple once more.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

import pyoxigraph as ox

from .sparqltext import bind, template


class DefaultGraphUnion:
    """`store`'s methods, with `query` reading the default graph where the union is asked for."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def query(self, query: str, *, use_default_graph_as_union: bool = False, **kwargs: Any) -> Any:
        return self._store.query(query, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __len__(self) -> int:
        return len(self._store)

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._store)


def _in_default_graph(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """Each quad's triple, in the default graph."""
    return (ox.Quad(q.subject, q.predicate, q.object) for q in quads)


def read_as_union(store: ox.Store) -> ox.Store:
    """`store`, whose default graph holds the union of its graphs, read as that union (typed as
    the Store it wraps: only `query` differs)."""
    return cast("ox.Store", DefaultGraphUnion(store))


def holds_union(store: object) -> bool:
    """Whether `store` is read as the union held in its default graph (`read_as_union`)."""
    return isinstance(store, DefaultGraphUnion)


def hold_union(store: ox.Store) -> ox.Store:
    """Copy every named graph's triples into `store`'s default graph and return the store read as
    that union (`read_as_union`).

    One SPARQL update per graph: at 100k observations (3,435,690 quads in 1,002 graphs, in
    memory) 16.1 s and no memory beyond the copy (2,199 MB after, 1,342 MB before), where one
    update over every graph took 13.6 s but peaked at 3,016 MB (it gathers every solution before
    inserting) and loading ntp-kg.nt took 14.0 s and peaked at 2,417 MB. A graph named by a blank
    node cannot be named in SPARQL: its triples are copied through the Python API."""
    each = template("union-of-graph", ".ru")
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode):
            store.update(bind(each, {"g": graph}))
        else:
            store.bulk_extend(list(_in_default_graph(store.quads_for_pattern(None, None, None, graph))))
    return read_as_union(store)


def union_alone(store: ox.Store) -> ox.Store:
    """A new in-memory store holding only `store`'s default graph (the union `hold_union` put
    there), read as that union (`read_as_union`), for the queries that read nothing else
    (`serve --union-copy`).

    Why a second copy: in memory pyoxigraph reads a default graph that sits beside named graphs
    more slowly than the same triples alone (measured; the cause inside pyoxigraph was not
    examined). At 100k observations the GROUP BY of
    observations-by-status-and-nature took 0.84 s over the held union and 0.54 s over this copy,
    which took 22.7 s to fill and 1,261 MB (benchmarks/README.md, "A copy of the union alone")."""
    alone = ox.Store()
    alone.bulk_extend(_in_default_graph(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    return read_as_union(alone)


def fill_empty_default_graph(store: ox.Store) -> bool:
    """Copy every named graph's triples into an on-disk `store`'s default graph if that graph is
    empty (files that hold only named graphs: N-Quads, TriG); True if it did. A default graph the
    files filled is left as it is: it is theirs, and `--no-union-default-graph` serves it.

    Through the bulk loader, from one pass over the store: at 100k observations on disk
    (3,435,690 quads loaded in 21-23 s) 40.2 s, where one SPARQL update per graph (`hold_union`'s
    way, which keeps an in-memory store's peak down) took 74.2 s and bulk-loading ntp-kg.nt, the
    same triples as a file, 16.8 s (what `ntp-kg load` of a build does instead)."""
    if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
        return False
    if next(iter(store.named_graphs()), None) is None:
        return False
    store.bulk_extend(_in_default_graph(store.quads_for_pattern(None, None, None, None)))
    return True
