"""A store whose default graph already holds the union of its named graphs, read as the union.

`ntp-kg load` of a build puts ntp-kg.nt (every graph's triples, each once) in the store's default
graph beside ntp-kg.nq (diskstore.Version.default_graph_is_union). Code that asks pyoxigraph for
the union default graph (`use_default_graph_as_union=True`: the pages, the sitemap, the charts)
would then meet each triple once more: pyoxigraph's union does not merge the graphs as a set, it
yields a triple once per graph that holds it, the default graph included. Over such a store the
default graph is read as it is: the union, each triple once (and whatever was added to it, such
as the catalogue the pages describe).
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
