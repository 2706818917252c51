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
