"""A store whose default graph already holds the union of its named graphs, read as the union.

pyoxigraph's union default graph (`use_default_graph_as_union=True`, as is `default_graph=[every
graph]`) is no RDF merge: it yields a triple once per graph that holds it, so a triple in two
sources' graphs is counted twice. It is also slower: at 100k observations on disk the queries of
sparql/ took 1.2-1.4x longer through it than over the same triples in a default graph, and
capital-2025-vs-2024 more than 40 s against 0.09 s (benchmarks/README.md). So `ntp-kg load` of a
build puts ntp-kg.nt (every graph's triples, each once) in the default graph beside ntp-kg.nq
(diskstore.Version.default_graph_is_union), and whatever reads such a store (the workers' queries,
the pages, the sitemap, the charts) reads its default graph as it is where the union is asked for:
the union, each triple once (and whatever was added to it, such as the catalogue the pages
describe). Asking pyoxigraph for the union there would meet each triple once more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox


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
