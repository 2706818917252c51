"""The limits that keep one hostile or careless query from hurting the endpoint.

Each is a flag of `ntp-kg serve` and an environment variable (`NTP_KG_<NAME>`, e.g.
`NTP_KG_TIME_LIMIT=5`); the defaults suit a public endpoint on a small machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

MIB = 1024 * 1024


def _default_workers() -> int:
    """One worker per CPU, plus one: with `long_query`, one worker is kept for short queries,
    so that on 2 CPUs two long queries can still run at once."""
    return max(1, os.cpu_count() or 1) + 1


@dataclass(frozen=True)
class Limits:
    time_limit: float = 10.0
    """Seconds a query may run; then its worker process is killed and the client gets 504."""
    max_rows: int = 10_000
    """Rows (SELECT) or triples (CONSTRUCT/DESCRIBE) returned; more are cut and the cut signalled."""
    max_query_length: int = 100_000
    """Characters in one query (413 beyond)."""
    max_body: int = 1 * MIB
    """Bytes in one request body (413 beyond)."""
    workers: int = field(default_factory=_default_workers)
    """Worker processes, at most this many queries run at once [CPU count + 1]. Each worker
    holds its own copy of the data in memory (it is what lets a runaway query be killed without
    harming the others): memory is about `workers` times one loaded store."""
    queue_size: int = 16
    """Queries that may wait for a worker; beyond, 503 with Retry-After at once."""
    memory_limit: int = 2048 * MIB
    """Bytes of address space a worker process may take for answering queries, above what its
    loaded data takes (0: no limit). It stops a runaway query (its worker dies and is replaced),
    not the data a user serves: each worker loads its data (or opens its store) first, then
    bounds its address space to its size then plus this limit. Loading is bounded only by the
    machine."""
    max_nesting: int = 128
    """Deepest nesting of { ( [ in a query (the parser crashes on about 3,000 braces)."""
    retry_after: int = 1
    """Seconds in the Retry-After header of a 503."""
    long_query: float = 0.5
    """Seconds after which a running query counts as long. At most `workers - 1` long queries
    run at once, so one worker is always free for short queries within this time; a query that
    would be one long query too many is stopped here (worker replaced, 503 + Retry-After); while
    `workers - 1` long queries run, one spare worker is kept loaded to replace it at once.
    0 (or a single worker) switches the reserve off: every query may run to `time_limit`."""

    @property
    def max_long_queries(self) -> int | None:
        """Long queries allowed at once; None when the reserve is off."""
        if self.long_query == 0 or self.workers < 2 or self.long_query >= self.time_limit:
            return None
        return self.workers - 1

    def __post_init__(self) -> None:
        checks = {
            "time_limit": self.time_limit > 0,
            "max_rows": self.max_rows >= 1,
            "max_query_length": self.max_query_length >= 1,
            "max_body": self.max_body >= 1,
            "workers": self.workers >= 1,
            "queue_size": self.queue_size >= 0,
            "memory_limit": self.memory_limit == 0 or self.memory_limit >= 64 * MIB,
            "max_nesting": self.max_nesting >= 1,
            "retry_after": self.retry_after >= 0,
            "long_query": self.long_query >= 0,
        }
        hints = {"memory_limit": "0 or at least 64 MiB", "long_query": "seconds, 0 for no reserve"}
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            shown = [f"{name}={getattr(self, name)!r}" + (f" ({hints[name]})" if name in hints else "") for name in bad]
            raise ValueError(f"invalid limits: {', '.join(shown)}")

    def describe(self) -> dict[str, float | int | None]:
        """The limits in force, as published at /limits."""
        return {
            "time_limit_seconds": self.time_limit,
            "max_rows": self.max_rows,
            "max_query_length": self.max_query_length,
            "max_body_bytes": self.max_body,
            "workers": self.workers,
            "queue_size": self.queue_size,
            "memory_limit_bytes": self.memory_limit,
            "max_nesting": self.max_nesting,
            "long_query_seconds": self.long_query,
            "max_long_queries": self.max_long_queries,
        }
