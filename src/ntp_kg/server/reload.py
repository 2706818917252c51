"""`ntp-kg serve --store PATH`: serve a store folder's current version, and switch to the next
one when `ntp-kg load` moves the pointer, without dropping a query.

- The server polls PATH/current.json once a second (its inode and mtime: one stat). Polling
  rather than a signal: `ntp-kg load` need not know which servers read the folder (there may be
  several, or none), and nothing is missed if a load happens while the server is starting.
- On a new version, a second WorkerPool is started over it (workers open the database
  read-only: milliseconds, no copy of the data) and the in-process Describer opens it too. Only
  when both are ready do new queries go to the new pool; queries already admitted by the old
  pool (running or queued) finish there, with the old data (`WorkerPool.drain`); then the old
  workers are stopped, the old pages' store is closed and its private copy removed, and the old
  version is released (a later load may remove it). /health counts the old version as
  `draining` until all of that is done.
- Every step that touches the disk runs in a thread, not on the event loop, where every
  request would wait for it: the lease (a flock, which waits while `ntp-kg load` holds the
  version), opening the version and its pages' checkpoint (`Store.backup`, loading the
  catalogue), closing the old pages' store (RocksDB) and removing its copy. Only the switch
  itself (which pool and which store new requests get) happens on the loop, in one step.
- When the new version does not open or its workers do not start, the old one keeps serving;
  the error is logged and shown at /health (`reload_error`) until a later version succeeds.

`StoreEngine` implements the app's Engine protocol around the current WorkerPool; the pool's own
scheduling is untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import diskstore
from ..errors import NtpKgError
from ..union_view import read_as_union
from .engine import Answer, DatasetInfo, WorkerPool
from .limits import Limits
from .linked import Describer
from .worker import Job, WorkerConfig

log = logging.getLogger("ntp_kg.server")

POLL_INTERVAL = 1.0
"""Seconds between two looks at the store's pointer."""


class LiveDescriber(Describer):
    """The Describer over the served version, switched with it (`swap`)."""

    def swap(self, store: ox.Store, graphs: frozenset[str]) -> ox.Store:
        """Describe from `store` (whose named graphs are `graphs`) from now on, and return the
        store it replaces. Called on the event loop, between requests (the handlers that use a
        Describer do not await in between); the caller closes the returned store off the loop
        (`release_pages`), so it must keep no other reference to it."""
        old, self.store, self.graphs = self.store, store, graphs
        return old


@dataclass
class PagesCopy:
    """One version's store for the in-process Describer, prepared off the event loop.

    The store is held in a one-item list (`box`) so that its last reference can be handed on:
    to the Describer (`box.pop()`) or to the thread that closes it (`release_pages`)."""

    box: list[ox.Store]
    graphs: frozenset[str]
    folder: Path | None
    """The private checkpoint to remove once the store is closed (None: nothing to remove)."""


def prepare_pages(version: diskstore.Version, extra: list[Path]) -> PagesCopy:
    """`describer_store` and the named graphs the Describer lists, in one call for a thread
    (opening RocksDB, `Store.backup` and loading the catalogue take milliseconds to seconds)."""
    store, folder = describer_store(version, extra)
    graphs = Describer(store).graphs
    return PagesCopy([store], graphs, folder)


def release_pages(box: list[ox.Store], folder: Path | None, wait: float) -> None:
    """Close a pages' store that is no longer served, then remove its private copy. Blocking:
    run it in a thread.

    The store closes when its last reference goes, which `box` should hold. A page begun on the
    old version before the switch (the start page or the sitemap, drawn in a thread with its own
    reference) may still read it: the copy is removed only after that reference is gone too
    (waiting at most `wait` seconds; then it is removed anyway, and a warning logged), so that
    nothing is taken away from under a reader.

    No `gc.collect()` here (the switch used to run one before removing the copy): it holds the
    interpreter lock for the whole heap (tens of ms, every request waits), and run from this
    thread it frees pyoxigraph objects that other threads made, which pyoxigraph refuses
    ("unsendable") and leaks. A store kept only by a reference cycle (an exception's traceback)
    is freed by the interpreter's own collections if one runs while this waits, else its copy is
    removed after `wait` seconds as above."""
    store = box.pop() if box else None
    if store is not None:
        deadline = time.monotonic() + wait
        while sys.getrefcount(store) > 2:  # more than this name and getrefcount's own argument
            if time.monotonic() >= deadline:
                log.warning("the pages' store of a replaced version was still in use after %g s; its copy %s is removed anyway", wait, folder)
                break
            time.sleep(0.02)
        del store  # the last reference: the database closes here, in this thread
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def describer_store(version: diskstore.Version, extra: list[Path]) -> tuple[ox.Store, Path | None]:
    """The store the in-process Describer reads for `version`, and the folder to remove when it is
    no longer used (None: nothing to remove).

    Without `extra` files, the version's database read-only. With them (the build's catalogue,
    served with --dist, which in-memory serving adds to the Describer's default graph), a private
    writable checkpoint of the version (`Store.backup`: hard links to the version's immutable
    files, milliseconds and no extra space) with those files added: descriptions then join the
    catalogue and the data exactly as in memory, and the workers' data stays as loaded."""
    store, folder = _describer_store(version, extra)
    if version.default_graph_is_union:
        return read_as_union(store), folder
    return store, folder


def _describer_store(version: diskstore.Version, extra: list[Path]) -> tuple[ox.Store, Path | None]:
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
        self._retiring: set[WorkerPool] = set()
        """Old pools still finishing their queries, or whose workers, pages' store or lease are not yet gone."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._closed = False
        self.reloads = 0
        self.reload_error: str | None = None
        self.switching: str | None = None
        """The version being prepared (its lease, workers and pages' store), if any."""

    def _pool_for(self, version: diskstore.Version) -> WorkerPool:
        config = replace(
            self.config,
            sources=(),
            store_path=str(version.database),
            dataset_info=version.dataset_info(self.config.union_default_graph),
            default_graph_is_union=version.default_graph_is_union,
        )
        return WorkerPool(config, self.limits, startup_timeout=self.startup_timeout)

    @property
    def info(self) -> DatasetInfo:
        return self._pool.info

    @property
    def _drain_bound(self) -> float:
        """Seconds an old version may take to finish: its admitted queries end within a time
        limit (running) or two (queued), plus a worker's restart."""
        return 3 * self.limits.time_limit + 10

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start the current version's workers (a failure stops the server), then watch the pointer."""
        try:
            await self._pool.start()
        except BaseException:
            await self._release_current()
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
        await self._release_current()

    async def _release_current(self) -> None:
        """Close the served version's pages' store (the Describer describes nothing from now on),
        remove its copy, and release the version."""
        if self.describer is not None:
            box = [self.describer.swap(ox.Store(), frozenset())]
            await asyncio.to_thread(release_pages, box, self._describer_folder, 10.0)
        elif self._describer_folder is not None:
            await asyncio.to_thread(release_pages, [], self._describer_folder, 0.0)
        self._describer_folder = None
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
        self.switching = version.id
        try:
            return await self._switch_to(version)
        finally:
            self.switching = None

    async def _switch_to(self, version: diskstore.Version) -> bool:
        # In a thread: the flock waits while a load holds the version.
        lease_call = asyncio.ensure_future(asyncio.to_thread(version.lease))
        try:
            lease = await asyncio.shield(lease_call)
        except OSError as exc:
            return self._failed(f"version {version.id} is gone before it could be opened: {exc}")
        except asyncio.CancelledError:
            # Shutting down while the thread holds on: release what it gets once it returns.
            lease_call.add_done_callback(lambda f: None if f.cancelled() or f.exception() else f.result().release())
            raise
        pool = self._pool_for(version)
        pages: PagesCopy | None = None
        try:
            await pool.start()
            if self.describer is not None:
                pages = await _finish_in_thread(prepare_pages, version, self.extra)
        except BaseException as exc:
            await pool.close()
            lease.release()
            if isinstance(exc, NtpKgError | OSError):
                return self._failed(f"version {version.id} did not start: {exc}")
            raise
        # The switch: one step on the loop, so a request sees either all old or all new.
        old_pool, old_version, old_lease, old_folder = self._pool, self.version, self._lease, self._describer_folder
        old_pages: list[ox.Store] = []
        self._pool, self.version, self._lease = pool, version, lease
        if self.describer is not None and pages is not None:
            self._describer_folder = pages.folder
            old_pages.append(self.describer.swap(pages.box.pop(), pages.graphs))
        self._retiring.add(old_pool)  # counted as draining from this step on
        self.reloads += 1
        self.reload_error = None
        log.warning("now serving version %s of %s (%d quads); version %s finishes its queries", version.id, self.root, version.quads, old_version.id)
        task = asyncio.get_running_loop().create_task(self._retire(old_pool, old_lease, old_pages, old_folder))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def _failed(self, message: str) -> bool:
        self.reload_error = f"{message}; still serving version {self.version.id}"
        log.error("store %s: %s", self.root, self.reload_error)
        return False

    async def _retire(self, pool: WorkerPool, lease: diskstore.Lease, pages: list[ox.Store], folder: Path | None) -> None:
        """Let the old pool finish what it admitted, then stop its workers, close the old pages'
        store and remove its copy (in a thread), and release its version."""
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._drain_bound):
                    await pool.drain()
        finally:
            try:
                await pool.close()
                await asyncio.to_thread(release_pages, pages, folder, self._drain_bound)
                lease.release()
            finally:
                # Counted as draining (/health) until its workers, pages' copy and lease are gone.
                self._retiring.discard(pool)

    # --- queries ------------------------------------------------------------------------

    async def run(self, job: Job) -> Answer:
        # A query stays on the pool that admitted it: `WorkerPool.run` counts it before its
        # first await, in this same step, so the switch's `drain` waits for it.
        return await self._pool.run(job)

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
            "switching": self.switching,
            "draining": len(self._retiring),
            "reload_error": self.reload_error,
        }


async def _finish_in_thread(prepare: Callable[..., PagesCopy], *args: Any) -> PagesCopy:
    """`prepare(*args)` in a thread. When the caller is cancelled (the server shutting down)
    meanwhile, the thread still finishes: what it made is then released once it returns."""
    call = asyncio.ensure_future(asyncio.to_thread(prepare, *args))
    try:
        return await asyncio.shield(call)
    except asyncio.CancelledError:

        def discard(done: asyncio.Future[PagesCopy]) -> None:
            if not done.cancelled() and done.exception() is None:
                made = done.result()
                release_pages(made.box, made.folder, 0.0)

        call.add_done_callback(discard)
        raise


def open_store(root: Path, config: WorkerConfig, limits: Limits, base: str, extra: list[Path]) -> tuple[StoreEngine, LiveDescriber]:
    """The engine and the Describer over the current version of the store folder `root` (extra:
    Turtle files described too, the build's catalogue). Raises StoreError when there is none."""
    version = diskstore.current(root)
    store, folder = describer_store(version, extra)
    describer = LiveDescriber(store, base)
    return StoreEngine(root, config, limits, describer, version=version, extra=extra, describer_folder=folder), describer
