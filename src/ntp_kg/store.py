"""The built graph as a pyoxigraph store: what `query` (and the server) read.

The store is loaded from dist/ntp-kg.nq, so what is queried is exactly what was published.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import NtpKgError

DUMP = "ntp-kg.nq"


def load_dist(dist: Path) -> ox.Store:
    path = dist / DUMP
    if not path.exists():
        raise NtpKgError(f"{path} does not exist: run `ntp-kg build` (or `make build`) first")
    store = ox.Store()
    with path.open("rb") as f:
        store.bulk_load(f, format=ox.RdfFormat.N_QUADS)
    return store


def count_by_graph(store: ox.Store, query: str, union: bool = False) -> list[tuple[str, int]]:
    """(graph IRI or '', count) rows of a `SELECT ?g (COUNT(*) AS ?n)` query: how the loader
    checks a new store version and how a worker reports what it serves."""
    out = []
    result = store.query(query, use_default_graph_as_union=union)
    assert isinstance(result, ox.QuerySolutions)
    for sol in result:
        g, n = sol[0], sol[1]
        assert isinstance(n, ox.Literal)
        out.append((g.value if isinstance(g, ox.NamedNode) else "", int(n.value)))
    return out
