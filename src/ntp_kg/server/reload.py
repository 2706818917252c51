"""`ntp-kg serve --store PATH`: serve a store folder's current version, and switch to the next
one when `ntp-kg load` moves the pointer, without dropping a query.

- The server polls PATH/current.json once a second (its inode and mtime: one stat). Polling
  rather than a signal: `ntp-kg load` need not know which servers read the folder (there may be
  several, or none), and nothing is missed if a load happens while the server is starting.
- On a new version, a second WorkerPool is started over it (workers open the database
  read-only: milliseconds, no copy of the data) and the in-process Describer opens it too. Only
  when both are ready do new queries go to the new pool; queries already admitted by the old
  pool (running or queued) finish there, with the old data; then the old workers are stopped and
  the old version is released (a later load may remove it).
- When the new version does not open or its workers do not start, the old one keeps serving;
  the error is logged and shown at /health (`reload_error`) until a later version succeeds.

`StoreEngine` implements the app's Engine protocol around the current WorkerPool; the pool's own
scheduling is untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import diskstore
from ..errors import NtpKgError
from .engine import Answer, DatasetInfo, WorkerPool
from .limits import Limits
from .linked import Describer
from .worker import Job, WorkerConfig

log = logging.getLogger("ntp_kg.server")

POLL_INTERVAL = 1.0
"""Seconds between two looks at the store's pointer."""


class LiveDescriber(Describer):
    """The Describer over the served version, switched with it (`swap`)."""

    def swap(self, store: ox.Store) -> None:
        """Describe from `store` from now on (called on the event loop, between requests: the
        handlers that use a Describer do not await in between)."""
        fresh = Describer(store, self.base)
        self.store, self.graphs = fresh.store, fresh.graphs


def describer_store(version: diskstore.Version, extra: list[Path]) -> tuple[ox.Store, Path | None]:
    """The store the in-process Describer reads for `version`, and the folder to remove when it is
    no longer used (None: nothing to remove).

    Without `extra` files, the version's database read-only. With them (the build's catalogue,
    served with --dist, which in-memory serving adds to the Describer's default graph), a private
    writable checkpoint of the version (`Store.backup`: hard links to the version's immutable
    files, milliseconds and no extra space) with those files added: descriptions then join the
    catalogue and the data exactly as in memory, and the workers' data stays as loaded."""
    store = version.open()
    if not extra:
        return store, None
    folder = version.folder / f"describer-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        store.backup(str(folder))
        del store
        private = ox.Store(str(folder))
        for path in extra:
            private.load(path=str(path), format=ox.RdfFormat.TURTLE)
    except (OSError, SyntaxError, ValueError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise diskstore.StoreError(f"{folder}: cannot prepare the pages' copy of version {version.id} with {', '.join(map(str, extra))}: {exc}") from exc
    return private, folder


class StoreEngine:
    """The Engine over a store folder: the current version's WorkerPool, replaced by the next
    version's when a load switches the pointer."""

    execution = "store"

    def __init__(
        self,
        root: Path,
        config: WorkerConfig,
        limits: Limits,
        describer: LiveDescriber | None = None,
        *,
        version: diskstore.Version | None = None,
        extra: list[Path] | None = None,
        describer_folder: Path | None = None,
        poll_interval: float = POLL_INTERVAL,
        startup_timeout: float = 600.0,
    ) -> None:
        self.root = root.resolve()
        self.config = config
        self.limits = limits
        self.describer = describer
        self.extra = list(extra or [])
        """Files the Describer adds to each version (describer_store)."""
        self._describer_folder = describer_folder
        self.poll_interval = poll_interval
        self.startup_timeout = startup_timeout
        self._stamp: tuple[int, int] | None = None  # the first look compares versions (a load may have switched since `version` was read)
        self.version = version if version is not None else diskstore.current(self.root)
        self._lease = self.version.lease()
        self._pool = self._pool_for(self.version)
        self._inflight: dict[WorkerPool, int] = {}
        self._drained: dict[WorkerPool, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._closed = False
        self.reloads = 0
        self.reload_error: str | None = None

    def _pool_for(self, version: diskstore.Version) -> WorkerPool:
        config = replace(
            self.config,
            sources=(),
            store_path=str(version.database),
            dataset_info=version.dataset_info(self.config.union_default_graph),
        )
        return WorkerPool(config, self.limits, startup_timeout=self.startup_timeout)

    @property
    def info(self) -> DatasetInfo:
        return self._pool.info

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start the current version's workers (a failure stops the server), then watch the pointer."""
        try:
            await self._pool.start()
        except BaseException:
            if self.describer is not None:
                self.describer.swap(ox.Store())
            _remove(self._describer_folder)
            self._lease.release()
            raise
        self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def close(self) -> None:
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._pool.close()
        if self.describer is not None:
            self.describer.swap(ox.Store())  # closes the version's database in this process
        _remove(self._describer_folder)
        self._lease.release()

    async def _watch(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.poll_interval)
            stamp = diskstore.pointer_stamp(self.root)
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    await self.reload()
                except Exception:  # the watcher must outlive any one failed switch
                    log.exception("switching to the store's new version failed")

    async def reload(self) -> bool:
        """Switch to the version the pointer names, if it is new. True when switched; on a failure
        the current version keeps serving and `reload_error` says why."""
        try:
            version = diskstore.current(self.root)
        except NtpKgError as exc:
            return self._failed(str(exc))
        if version.id == self.version.id:
            return False
        try:
            lease = version.lease()
        except OSError as exc:
            return self._failed(f"version {version.id} is gone before it could be opened: {exc}")
        pool = self._pool_for(version)
        store: ox.Store | None = None
        folder: Path | None = None
        try:
            await pool.start()
            if self.describer is not None:
                store, folder = describer_store(version, self.extra)
        except (NtpKgError, OSError) as exc:
            await pool.close()
            lease.release()
            return self._failed(f"version {version.id} did not start: {exc}")
        except BaseException:
            await pool.close()
            _remove(folder)
            lease.release()
            raise
        old_pool, old_version, old_lease, old_folder = self._pool, self.version, self._lease, self._describer_folder
        self._pool, self.version, self._lease, self._describer_folder = pool, version, lease, folder
        if self.describer is not None and store is not None:
            self.describer.swap(store)  # the old version's store has no other reference: closed here
            del store
        self.reloads += 1
        self.reload_error = None
        log.warning("now serving version %s of %s (%d quads); version %s finishes its queries", version.id, self.root, version.quads, old_version.id)
        task = asyncio.get_running_loop().create_task(self._retire(old_pool, old_lease, old_folder))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def _failed(self, message: str) -> bool:
        self.reload_error = f"{message}; still serving version {self.version.id}"
        log.error("store %s: %s", self.root, self.reload_error)
        return False

    async def _retire(self, pool: WorkerPool, lease: diskstore.Lease, folder: Path | None) -> None:
        """Let the old pool finish what it admitted, then stop its workers and release its version.
        Admitted queries end within a time limit (running) or two (queued) plus a restart."""
        drained = asyncio.Event()
        self._drained[pool] = drained
        if not self._inflight.get(pool):
            drained.set()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(3 * self.limits.time_limit + 10):
                    await drained.wait()
        finally:
            try:
                await pool.close()
                _remove(folder)
                lease.release()
            finally:
                # Counted as draining (/health) until its workers, pages' copy and lease are gone.
                self._drained.pop(pool, None)

    # --- queries ------------------------------------------------------------------------

    async def run(self, job: Job) -> Answer:
        pool = self._pool  # a query stays on the pool that admitted it
        self._inflight[pool] = self._inflight.get(pool, 0) + 1
        try:
            return await pool.run(job)
        finally:
            left = self._inflight[pool] - 1
            if left:
                self._inflight[pool] = left
            else:
                del self._inflight[pool]
                drained = self._drained.get(pool)
                if drained is not None:
                    drained.set()

    def status(self) -> dict[str, Any]:
        return {
            **self._pool.status(),
            "store": {
                "path": str(self.root),
                "version": self.version.id,
                "loaded_at": self.version.manifest.get("loaded_at"),
                "quads": self.version.quads,
            },
            "reloads": self.reloads,
            "draining": len(self._drained),
            "reload_error": self.reload_error,
        }


def _remove(folder: Path | None) -> None:
    """Remove a Describer's private checkpoint once its store is closed (no reference is left)."""
    if folder is not None:
        gc.collect()
        shutil.rmtree(folder, ignore_errors=True)


def open_store(root: Path, config: WorkerConfig, limits: Limits, base: str, extra: list[Path]) -> tuple[StoreEngine, LiveDescriber]:
    """The engine and the Describer over the current version of the store folder `root` (extra:
    Turtle files described too, the build's catalogue). Raises StoreError when there is none."""
    version = diskstore.current(root)
    store, folder = describer_store(version, extra)
    describer = LiveDescriber(store, base)
    return StoreEngine(root, config, limits, describer, version=version, extra=extra, describer_folder=folder), describer
