"""Pages drawn from all the data, computed once per served version however many ask at once.

The start page (aggregates and charts over every observation) and the sitemap (every subject)
take seconds to minutes at national scale. Cached per version alone, they were still computed
once per request that arrived before the first computation ended: at a restart, every crawler and
visitor in that window started the same scans, each in its own thread, and the cores went to
copies of one answer. Here the first request starts the computation in a thread and the others
await the same one (single flight); a client that goes away does not cancel it for the rest. A
failure reaches every waiter and is not kept: the next request tries again. A new version
(`serve --store` switching) starts afresh; a computation of the old one still running is left to
finish for the requests that wait for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class VersionMemo(Generic[T]):
    """Values per key for one data version, each computed once in a thread."""

    def __init__(self) -> None:
        self._version: object = None
        self._done: dict[Hashable, T] = {}
        self._pending: dict[Hashable, asyncio.Future[T]] = {}

    async def get(self, version: object, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for `key` under `version` (compared by identity: the describer's graph set,
        new with each version), computing it with `compute` off the event loop if no one has."""
        if version is not self._version:
            self._version, self._done, self._pending = version, {}, {}
        if key in self._done:
            return self._done[key]
        future = self._pending.get(key)
        if future is None:
            future = asyncio.ensure_future(asyncio.to_thread(compute))
            self._pending[key] = future
            future.add_done_callback(self._settle(key, self._done, self._pending))
        return await asyncio.shield(future)

    def has(self, version: object, key: Hashable) -> bool:
        """Whether the value for `key` under `version` is computed (not pending)."""
        return version is self._version and key in self._done

    @staticmethod
    def _settle(key: Hashable, done: dict[Hashable, T], pending: dict[Hashable, asyncio.Future[T]]) -> Callable[[asyncio.Future[T]], None]:
        """Keep a value in the dictionaries of the version it was computed for (a switched memo
        has new ones, so an old version's value is dropped with them)."""

        def settle(future: asyncio.Future[T]) -> None:
            if pending.get(key) is future:
                del pending[key]
            if not future.cancelled() and future.exception() is None:
                done[key] = future.result()

        return settle
