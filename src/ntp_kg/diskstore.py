"""Persistent stores on disk: `ntp-kg load` writes them, `ntp-kg serve --store` reads them.

A store folder (`--store PATH`) holds versions of the served data, each a pyoxigraph (RocksDB)
database, and a pointer to the one to serve:

    PATH/.ntp-kg-store                  marker: this folder is ours (anything else is refused)
    PATH/current.json                   the pointer: the version to serve and its figures
    PATH/versions/<id>/oxigraph/        the RocksDB database of version <id>
    PATH/versions/<id>/manifest.json    what was loaded: files, quads, named graphs, counts
    PATH/.lock                          held (flock) by the `ntp-kg load` writing into PATH
    PATH/.new-<id>/                     a load in progress (never served, removed if it fails)

The default graph holds the union of the graphs, each triple once, where the files left it empty
(union_view.fill_empty_default_graph) or gave it (a build's ntp-kg.nt): the manifest says so
(`default_graph_is_union`), and servers then read it as the union (union_view).

Why versions and a pointer: a server keeps reading the version it opened while the next one is
written beside it, and switches when the pointer changes. A load writes into `.new-<id>/`,
closes the database, reopens it read-only to verify it (the same quad count and named graphs it
wrote; at least one quad), then renames it into versions/ and replaces current.json by
rename (atomic). A load that fails at any point removes its folder and leaves current.json as it
was, so the served data never changes half-way.

Old versions are removed by later loads: the current one and the one before it are always
kept (a server may still be switching), older ones only when no server holds them (a server
takes a shared flock on a version's manifest.json while it serves it).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import secrets
import shutil
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import NtpKgError, UnsafeOutput
from .server.sources import DataSource, DataSourceError
from .store import count_by_graph as _count
from .store import union_triples as _union_triples
from .union_view import fill_empty_default_graph, read_as_union

MARKER = ".ntp-kg-store"
POINTER = "current.json"
VERSIONS = "versions"
DATABASE = "oxigraph"
MANIFEST = "manifest.json"
LOCK = ".lock"
NEW_PREFIX = ".new-"
KEEP = 2
"""Versions always kept: the current one and the one before it."""
FORMAT = 1


class StoreError(NtpKgError):
    """A store folder that cannot be loaded into or served (the message says which and why)."""


@dataclass(frozen=True)
class Version:
    """One loaded version of a store folder, as its manifest describes it."""

    root: Path
    id: str
    manifest: dict[str, Any]

    @property
    def folder(self) -> Path:
        return self.root / VERSIONS / self.id

    @property
    def database(self) -> Path:
        return self.folder / DATABASE

    @property
    def quads(self) -> int:
        return int(self.manifest["quads"])

    @property
    def named_graphs(self) -> list[tuple[str, int]]:
        return [(str(g), int(n)) for g, n in self.manifest["named_graphs"]]

    def dataset_info(self, union_default_graph: bool) -> dict[str, Any]:
        """What a worker reports once ready (worker.describe), computed once at load time, so a
        worker over this version starts without counting."""
        key = "union_default_graph_triples" if union_default_graph else "default_graph_triples"
        return {"graphs": self.named_graphs, "default_graph_triples": int(self.manifest[key])}

    @property
    def default_graph_is_union(self) -> bool:
        """The store's default graph holds every triple of every graph (a build's ntp-kg.nt, or
        the copy `fill_empty_default_graph` made): a query over the union of the graphs then reads
        the default graph alone, each triple once and faster (union_view). False for versions
        loaded before this was noted."""
        return bool(self.manifest.get("default_graph_is_union", False))

    def open(self) -> ox.Store:
        """The database, read-only (several processes may open it at once)."""
        try:
            return ox.Store.read_only(str(self.database))
        except OSError as exc:
            raise StoreError(f"{self.database}: cannot open version {self.id} of the store: {exc}") from exc

    def lease(self) -> Lease:
        """Hold this version against removal by later loads while it is served."""
        return Lease(self)

    def open_for_queries(self) -> ox.Store:
        """The database read-only, as queries read it: where the default graph holds the union
        (`default_graph_is_union`), through union_view.read_as_union, so that asking for the
        union reads it, each triple once (`ntp-kg query --store`; the server's workers do the same)."""
        store = self.open()
        return read_as_union(store) if self.default_graph_is_union else store


class Lease:
    """A shared flock on a version's manifest: `ntp-kg load` does not remove a version held so."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self._fd: int | None = os.open(version.folder / MANIFEST, os.O_RDONLY | os.O_CLOEXEC)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None


@dataclass(frozen=True)
class LoadResult:
    version: Version
    seconds: float
    removed: tuple[str, ...]
    """Old versions this load removed."""
    previous: str | None


# --- the folder ---------------------------------------------------------------------------


def is_store(root: Path) -> bool:
    return (root / MARKER).is_file()


def check_target(root: Path) -> Path:
    """A folder `ntp-kg load` may write into: ours (the marker), empty, or new. As
    publish.check_target does for dist/: pointing --store at a source tree is refused."""
    root = root.resolve()
    if root.exists() and (not root.is_dir() or (any(root.iterdir()) and not is_store(root))):
        raise UnsafeOutput(
            f"refusing to load into {root}: it is not empty and is not an ntp-kg store (no {MARKER} file); "
            "choose a new or empty folder for --store"
        )
    return root


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pointer_stamp(root: Path) -> tuple[int, int] | None:
    """The pointer file's identity (inode, mtime): changes when a load switches versions. Cheap
    enough to poll every second."""
    try:
        st = (root / POINTER).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def current(root: Path) -> Version:
    """The version the pointer names. Raises StoreError when there is none to serve."""
    root = root.resolve()
    if not root.is_dir():
        raise StoreError(f"{root}: no such store folder; create it with `ntp-kg load DUMP --store {root}`")
    if not is_store(root):
        raise StoreError(f"{root} is not an ntp-kg store (no {MARKER} file); create one with `ntp-kg load DUMP --store {root}`")
    try:
        pointer = json.loads((root / POINTER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{root}: no version has been loaded yet; run `ntp-kg load DUMP --store {root}`") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{root / POINTER}: cannot read the store's pointer: {exc}") from exc
    return read_version(root, str(pointer.get("version", "")))


def read_version(root: Path, version_id: str) -> Version:
    if not version_id or "/" in version_id or version_id.startswith("."):
        raise StoreError(f"{root / POINTER}: names no valid version ({version_id!r})")
    path = root / VERSIONS / version_id / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read version {version_id} of the store: {exc}") from exc
    return Version(root, version_id, manifest)


def versions(root: Path) -> list[str]:
    """Loaded versions, oldest first (ids sort by load time)."""
    folder = root / VERSIONS
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.is_dir() else []


@contextlib.contextmanager
def _writer_lock(root: Path) -> Iterator[None]:
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{root}: another `ntp-kg load` is writing into this store ({root / LOCK} is locked); wait for it to finish") from None
        yield
    finally:
        os.close(fd)


# --- loading ------------------------------------------------------------------------------




_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_DEFAULT = "SELECT ('' AS ?g) (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # the default graph alone: a set already


def _write_database(database: Path, sources: Sequence[DataSource]) -> tuple[bool, float, float]:
    """Bulk-load every file into a new database at `database`, give an empty default graph the
    union of the graphs (`union_view.fill_empty_default_graph`: so that queries read each triple
    once, and faster), compact it, then close it; whether the union was copied, and the seconds
    that and the compaction took.

    The bulk loader writes its sorted runs as files that RocksDB leaves side by side, so a lookup
    reads each of them: at 100k observations the queries of sparql/ took 2-3.6x longer over the
    loaded database than once `Store.optimize` had merged them, which took 4.5 s
    (benchmarks/README.md). A version is written once and read many times."""
    store = ox.Store(str(database))
    try:
        for source in sources:
            source.load_into(store)
        started = time.monotonic()
        copied = fill_empty_default_graph(store)
        filled = time.monotonic()
        store.optimize()
        store.flush()
        return copied, filled - started, time.monotonic() - filled
    finally:
        del store  # closes the database (the only reference)


def _figures(database: Path, union_triples: Callable[[], int] | None = None) -> dict[str, Any]:
    """Reopen the written database read-only and count what it holds: the check that what is
    on disk is readable, and the figures workers report without counting again. `union_triples`:
    the union's distinct triples from elsewhere (else counted here, `store.union_triples`)."""
    store = ox.Store.read_only(str(database))
    try:
        graphs = _count(store, _GRAPHS)
        default = _count(store, _DEFAULT)[0][1]
        union = union_triples() if union_triples is not None else _union_triples(store)
        return {
            "quads": len(store),
            "named_graphs": graphs,
            "default_graph_triples": default,
            "union_default_graph_triples": union,
            # The default graph is part of the union: as many triples means the same triples.
            "default_graph_is_union": default == union,
        }
    finally:
        del store


def load(root: Path, sources: Sequence[DataSource]) -> LoadResult:
    """Load `sources` as a new version of the store at `root` and make it current. All or nothing:
    on any failure the new version is removed and the current one stays as it was."""
    pending = prepare(root, sources)
    try:
        return pending.commit()
    finally:
        pending.discard()  # after a commit: nothing left to remove


def prepare(root: Path, sources: Sequence[DataSource], union_triples: Callable[[], int] | None = None) -> Pending:
    """Load and verify `sources` as a new version of the store at `root`, not yet current: the
    first half of `load`, for a caller that makes it current only once something else has passed
    (`ntp-kg build --store`: the SHACL gate). Holds the store's writer lock until the returned
    version is committed or discarded. `union_triples`: gives the distinct triples of the
    sources' union, asked once they are loaded, when the caller has them (the build: the size
    of its own in-memory Store of the union, which keeps literals in the same canonical forms as
    this one, so the figure is the one counted here), so they are not counted again beside it."""
    if not sources:
        raise StoreError("nothing to load: give at least one RDF file")
    root = check_target(root)
    root.mkdir(parents=True, exist_ok=True)
    marker = root / MARKER
    if not marker.is_file():
        _write_atomic(marker, b"an ntp-kg store: written by `ntp-kg load`, served by `ntp-kg serve --store`\n")
    started = time.monotonic()
    lock = contextlib.ExitStack()
    lock.enter_context(_writer_lock(root))
    try:
        for stale in root.glob(NEW_PREFIX + "*"):  # a load that was killed (we hold the lock: none is running)
            shutil.rmtree(stale, ignore_errors=True)
        previous = _current_id(root)
        now = datetime.now(UTC)
        version_id = f"{now:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"
        tmp = root / (NEW_PREFIX + version_id)
        tmp.mkdir()
        try:
            try:
                copied, union, compacted = _write_database(tmp / DATABASE, sources)
            except BaseException as exc:
                traceback.clear_frames(exc.__traceback__)  # the frames hold the open database
                gc.collect()
                if isinstance(exc, DataSourceError):
                    raise StoreError(f"{exc}; the store at {root} was not changed") from None
                if isinstance(exc, OSError):
                    raise StoreError(f"{tmp}: cannot write the new version: {exc}; the store at {root} was not changed") from None
                raise
            loaded = time.monotonic()
            try:
                figures = _figures(tmp / DATABASE, union_triples)
            except OSError as exc:
                raise StoreError(f"{tmp}: the new version cannot be read back: {exc}; the store at {root} was not changed") from exc
            if figures["quads"] == 0:
                raise StoreError(f"{', '.join(str(s.path) for s in sources)}: no triples to load; the current version is kept")
            manifest = {
                "format": FORMAT,
                "version": version_id,
                "loaded_at": now.isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - started, 3),
                "seconds_bulk_load": round(loaded - started - union - compacted, 3),
                "seconds_union": round(union, 3),
                "default_graph_copied": copied,
                "seconds_compact": round(compacted, 3),
                "seconds_verify": round(time.monotonic() - loaded, 3),
                "sources": [{"path": str(s.path.resolve()), "graph": s.graph, "bytes": s.path.stat().st_size} for s in sources],
                **figures,
            }
            _write_atomic(tmp / MANIFEST, (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except BaseException:
        lock.close()
        raise
    return Pending(root, version_id, tmp, manifest, previous, started, lock)


class Pending:
    """A loaded and verified version, not yet current (`prepare`). `commit` makes it current as
    `load` does; `discard` removes it. Either releases the writer lock."""

    def __init__(self, root: Path, version_id: str, folder: Path, manifest: dict[str, Any], previous: str | None, started: float, lock: contextlib.ExitStack) -> None:
        self.root, self.id, self.folder, self.manifest, self.previous = root, version_id, folder, manifest, previous
        self._started, self._lock, self._open = started, lock, True

    def commit(self, sources_as: Sequence[Path] | None = None) -> LoadResult:
        """Make this version current. `sources_as`: where the loaded files are now, to name them
        in the manifest (the build loads its dump from its staging folder, renamed into dist/)."""
        assert self._open, "this version was already committed or discarded"
        if sources_as is not None:
            for entry, path in zip(self.manifest["sources"], sources_as, strict=True):
                entry["path"] = str(path.resolve())
            _write_atomic(self.folder / MANIFEST, (json.dumps(self.manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
        (self.root / VERSIONS).mkdir(exist_ok=True)
        os.replace(self.folder, self.root / VERSIONS / self.id)
        self._open = False
        try:
            _fsync_dir(self.root / VERSIONS)
            pointer = {"version": self.id, "loaded_at": self.manifest["loaded_at"], "quads": self.manifest["quads"]}
            _write_atomic(self.root / POINTER, (json.dumps(pointer, indent=1) + "\n").encode("utf-8"))
            removed = prune(self.root)
        finally:
            self._lock.close()
        return LoadResult(Version(self.root, self.id, self.manifest), time.monotonic() - self._started, removed, self.previous)

    def discard(self) -> None:
        """Remove this version (nothing, once committed) and release the lock."""
        if self._open:
            self._open = False
            shutil.rmtree(self.folder, ignore_errors=True)
        self._lock.close()


def _current_id(root: Path) -> str | None:
    try:
        return str(json.loads((root / POINTER).read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prune(root: Path, keep: int = KEEP) -> tuple[str, ...]:
    """Remove versions older than the last `keep` that no server holds. Call with the writer lock."""
    current_id = _current_id(root)
    ids = [v for v in versions(root) if v != current_id]
    removable = ids[: max(0, len(ids) - (keep - 1))]
    removed = []
    for version_id in removable:
        folder = root / VERSIONS / version_id
        try:
            fd = os.open(folder / MANIFEST, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(version_id)
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a server still reads it: a later load removes it
            # Out of versions/ first (one rename), so a half-removed folder is never listed.
            trash = root / f"{NEW_PREFIX}removed-{version_id}"
            os.replace(folder, trash)
            shutil.rmtree(trash, ignore_errors=True)
            removed.append(version_id)
        finally:
            os.close(fd)
    return tuple(removed)

