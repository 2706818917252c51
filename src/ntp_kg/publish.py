"""Writing dist/: every dump, gzipped twins, the validation report, checksums; all or nothing.

Dumps are written into a fresh sibling folder (`Staging`) and swapped in by rename, so a reader
(or a crashed build) never sees a half-written dist/. Every dump is streamed to its file from the
spooled graph (`spool.SpooledQuads`) or from a streaming parse of ntp-kg.nt, so writing them takes
the same memory at a million observations as at a thousand. Only a folder that a build wrote (it holds the
marker file) or an empty one is ever replaced: pointing --dist at a source tree is refused, not
obeyed. Output is deterministic: the same seeds give the same bytes (sorted quads, gzip without
timestamps, JSON-LD arrays in a fixed order: jsonld.stable).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from zlib_ng import gzip_ng

from . import children, jsonld, quadtext, rdfio, resources
from .errors import UnsafeOutput
from .follow import GrowingFile
from .spool import SpooledQuads
from .validate import ValidationReport

if TYPE_CHECKING:
    from . import catalog
    from .dumps_process import DumpsProcess

BASENAME = "ntp-kg"
MARKER = ".ntp-kg-dist"
BUILDING = ".ntp-kg-building"  # in a staging folder while its build runs: "<pid> <host>"


@dataclass(frozen=True)
class Dump:
    name: str
    media_type: str
    description: str


DUMPS: tuple[Dump, ...] = (
    Dump(f"{BASENAME}.nt", "application/n-triples", "all graphs merged, sorted canonical N-Triples"),
    Dump(f"{BASENAME}.ttl", "text/turtle", "all graphs merged, Turtle"),
    Dump(f"{BASENAME}.jsonld", "application/ld+json", "all graphs merged, JSON-LD compacted with context.jsonld"),
    Dump(f"{BASENAME}.trig", "application/trig", "named graphs, TriG"),
    Dump(f"{BASENAME}.nq", "application/n-quads", "named graphs, sorted N-Quads"),
)


_CHUNK = 4 << 20
CONTEXT = "context.jsonld"
TWIN_LEVEL = 6
"""The twins are made with zlib-ng (`zlib_ng.gzip_ng`, the gzip format, read by any gunzip) at
gzip's default level. On 300 MB of our N-Quads (CPU seconds, one core): zlib at level 6 177 MB/s
into 3.85 % of the size, zlib-ng at level 6 319 MB/s into 3.60 %, at level 1 1,122 MB/s into
6.69 %; on our JSON-LD, 150 MB/s (4.70 %), 267 MB/s (4.68 %) and 796 MB/s (9.35 %). Level 6
takes 45 % less CPU than zlib's, for files no larger: at 1M observations the twins of
22 GB of dumps take minutes of a core that the build's other steps need. (zlib at level 9 was
2.2x slower than at 6, for files 9 % smaller.) zlib-ng's bytes depend on how its input is cut
(`twin` keeps the cut fixed) and, as its maintainers say, may differ on another CPU
architecture: the same bytes every build on one machine, equally valid gzip elsewhere (zlib
promises no more across versions and platforms)."""
CATALOG_FILES = {"catalog.ttl": "turtle", "catalog.jsonld": "jsonld", "catalog.rdf": "rdfxml"}


def check_target(dist: Path) -> Path:
    """Refuse to replace anything that a build did not write."""
    dist = dist.resolve()
    if dist.exists() and (not dist.is_dir() or (any(dist.iterdir()) and not (dist / MARKER).is_file())):
        raise UnsafeOutput(
            f"refusing to replace {dist}: it is not empty and was not written by `ntp-kg build` "
            f"(no {MARKER} file); choose a new or empty folder for --dist"
        )
    return dist


class Staging:
    """A new dist/ being written: a temporary sibling folder, swapped in place of `dist` by
    `commit()`, removed on any exit without it. With `dist=None` it is a private temporary folder
    (a build that only validates), removed at the end.

    Each dump's gzip twin and the SHA-256 of both are made in a thread (zlib-ng and hashlib release
    the GIL) from the file once it is written, while the next dump is written."""

    def __init__(self, dist: Path | None) -> None:
        self.dist = check_target(dist) if dist is not None else None
        if self.dist is not None:
            self.dist.parent.mkdir(parents=True, exist_ok=True)
            self.abandoned = remove_abandoned(self.dist)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.dist.name}-new-", dir=self.dist.parent))
            (self.folder / BUILDING).write_text(f"{os.getpid()} {socket.gethostname()}\n")
        else:
            self.abandoned = []
            self.folder = Path(tempfile.mkdtemp(prefix="ntp-kg-build-"))
        # The twins are needed only by commit(): their threads yield to the build's own work.
        self._pool = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 1) - 1), thread_name_prefix="ntp-kg-twin", initializer=children.lower_this_thread)
        self._jobs: list[Future[dict[str, tuple[int, str]]]] = []
        self._written: dict[str, tuple[int, str]] = {}
        self._committed = False
        self._beside: DumpsProcess | None = None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._beside is not None:  # a failed build: its files are about to be removed
            self._beside.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if not self._committed:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def nt(self) -> Path:
        return self.folder / f"{BASENAME}.nt"

    def _done(self, name: str) -> None:
        """A dump is on disk: hash it and write its twin in a thread."""
        self._jobs.append(self._pool.submit(twin, self.folder, name))

    def write_union(self, graph: SpooledQuads) -> Path:
        """ntp-kg.nt and ntp-kg.nq, in one pass over the sorted quads. Returns ntp-kg.nt's path:
        the validation and the other writers read the union from it."""
        with open(self.nt, "wb", buffering=_CHUNK) as nt, open(self.folder / f"{BASENAME}.nq", "wb", buffering=_CHUNK) as nq:
            graph.write_nt_nq(nt, nq)
        self._done(f"{BASENAME}.nt")
        self._done(f"{BASENAME}.nq")
        return self.nt

    def union(self) -> Iterable[ox.Triple]:
        """The union graph's triples, parsed as they are read from ntp-kg.nt."""
        return union_of(self.folder)

    def write_dumps(self, graph: SpooledQuads, triples: Sequence[ox.Triple] | None = None) -> None:
        """Turtle, TriG, JSON-LD and its context. `triples`: the union already parsed, if the
        caller has it (read by each writer; else each writer parses ntp-kg.nt as it goes)."""
        self.write_turtle(triples)
        self.write_trig(graph)
        self.write_jsonld(triples)

    def write_dumps_beside(self, graph: SpooledQuads) -> None:
        """Start writing the same Turtle, TriG and JSON-LD (and their twins) in a second process,
        from ntp-kg.nt (`write_union` first) and `graph`'s graph-major quads: the caller's own
        Python work (the gate) goes on meanwhile on the other core. `written()` waits for it;
        leaving the staging without `commit()` stops it."""
        from .dumps_process import DumpsProcess  # it imports this module

        self._beside = DumpsProcess.start(self.folder, graph.graph_blocks())

    def write_turtle(self, triples: Sequence[ox.Triple] | None = None) -> None:
        self._done(write_turtle(self.folder, triples))

    def write_trig(self, graph: SpooledQuads) -> None:
        self._done(write_trig(self.folder, graph.quads()))

    def write_jsonld(self, triples: Sequence[ox.Triple] | None = None) -> None:
        """ntp-kg.jsonld and the context it is compacted with (context.jsonld)."""
        name, context = write_jsonld_dump(self.folder, triples)
        self._done(name)
        self.write(CONTEXT, context)

    def write(self, name: str, data: bytes) -> None:
        """A small file, written whole (no twin)."""
        (self.folder / name).write_bytes(data)
        self._written[name] = size_and_sha256(data)

    def written(self) -> dict[str, tuple[int, str]]:
        """Size and SHA-256 of every file so far (waits for the twins, and for the dumps being
        written beside)."""
        if self._beside is not None:
            self._written.update(self._beside.result())
            self._beside = None
        for job in self._jobs:
            self._written.update(job.result())
        self._jobs = []
        return dict(self._written)

    def write_catalogue(self, facts: catalog.DataFacts, report: ValidationReport, base: str) -> None:
        """The DCAT-AP/VoID catalogue of the dumps written (their sizes and checksums: waits for
        the dumps beside, if any), with what it says of the data (`catalog.data_facts`), and the
        validation report."""
        files = dump_files(self.written())
        for name, text in catalogue(facts, files, base).items():
            self.write(name, text)
        self.write("validation-report.ttl", report.graph.serialize(format="turtle").encode("utf-8"))

    def commit(self) -> dict[str, str]:
        """SHA256SUMS and the marker, then the swap. Returns each file's SHA-256."""
        assert self.dist is not None, "a build without --dist has nothing to publish"
        digests = {name: sha for name, (_size, sha) in sorted(self.written().items())}
        (self.folder / "SHA256SUMS").write_bytes("".join(f"{h}  {n}\n" for n, h in digests.items()).encode("ascii"))
        (self.folder / MARKER).write_bytes(b"written by ntp-kg build; this folder is replaced whole by the next build\n")
        (self.folder / BUILDING).unlink()
        os.chmod(self.folder, 0o755)
        _swap(self.folder, self.dist)
        self._committed = True
        return digests


def size_and_sha256(data: bytes) -> tuple[int, str]:
    return len(data), _sha256(data)


def union_of(folder: Path) -> Iterable[ox.Triple]:
    """The union graph's triples, parsed as they are read from `folder`'s ntp-kg.nt."""
    return ox.parse(path=folder / f"{BASENAME}.nt", format=ox.RdfFormat.N_TRIPLES, lenient=True)  # our own output: already checked


def write_turtle(folder: Path, triples: Iterable[ox.Triple] | None = None) -> str:
    """ntp-kg.ttl in `folder`, from `triples` or its ntp-kg.nt. Returns the file's name."""
    path = folder / f"{BASENAME}.ttl"
    ox.serialize(triples if triples is not None else union_of(folder), path, format=ox.RdfFormat.TURTLE, prefixes=resources.prefixes())
    return path.name


def write_trig(folder: Path, quads: Iterable[ox.Quad]) -> str:
    """ntp-kg.trig in `folder`, from the sorted quads. Returns the file's name."""
    path = folder / f"{BASENAME}.trig"
    ox.serialize(quads, path, format=ox.RdfFormat.TRIG, prefixes=resources.prefixes())
    return path.name


def write_jsonld_dump(folder: Path, triples: Sequence[ox.Triple] | None = None, reader: GrowingFile | None = None) -> tuple[str, bytes]:
    """ntp-kg.jsonld in `folder`, from `triples` or its ntp-kg.nt. Returns the file's name and the
    bytes of context.jsonld (not written: a small file the caller registers). `reader`: one
    reading the file as it is written (see `write_jsonld`)."""
    ctx = resources.context()
    path = folder / f"{BASENAME}.jsonld"
    write_jsonld((lambda: triples) if triples is not None else (lambda: union_of(folder)), ctx, path, folder, reader)
    return path.name, (json.dumps({"@context": ctx}, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_jsonld(triples: Callable[[], Iterable[ox.Triple]], ctx: dict[str, Any], path: Path, workdir: Path | None = None, reader: GrowingFile | None = None) -> None:
    """rdflib's compacted JSON-LD of the union graph: written node by node where our graph allows
    (`jsonld.write`: nodes re-sorted by id on disk past its budget, under `workdir`), else by
    rdflib's serializer over the whole graph in memory. `triples` gives the union's triples,
    afresh for each call. `reader` (of `path` as it grows, e.g. for its gzip twin) is told when the
    streamed file is whole, or that it failed when rdflib's document replaces that first attempt;
    on an exception its caller fails it (dumps_process)."""
    with open(path, "wb", buffering=_CHUNK) as out:
        streamed = jsonld.write(triples(), ctx, out, workdir)
    if streamed:
        if reader is not None:
            reader.finish()
        return
    if reader is not None:
        reader.fail()  # it read the discarded attempt
    path.write_bytes(jsonld.dumps(_rdflib_jsonld(list(triples()), ctx)))


def _rdflib_jsonld(ts: list[ox.Triple], ctx: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(rdfio.to_rdflib_graph(ts).serialize(format="json-ld", context=ctx, auto_compact=True))
    return doc


def write_dist(
    graph: SpooledQuads,
    report: ValidationReport,
    dist: Path,
    base: str = "https://w3id.org/ntp-kg/",
    store: ox.Store | None = None,
) -> dict[str, str]:
    """Write all files to a temporary folder, then swap it in place of `dist`. Returns checksums.

    Besides the dumps: the DCAT-AP/VoID catalogue describing them (sizes, checksums), which
    portals harvest, uncompressed."""
    from . import catalog  # catalog describes the dumps this module defines

    with Staging(dist) as stage:
        stage.write_union(graph)
        stage.write_dumps(graph)
        stage.write_catalogue(catalog.data_facts(store if store is not None else quadtext.ntriples_store(stage.nt), base), report, base)
        return stage.commit()


def render(graph: SpooledQuads) -> dict[str, bytes]:
    """Every dump's bytes (and context.jsonld), in memory: for tests and small graphs."""
    with Staging(None) as stage:
        stage.write_union(graph)
        stage.write_dumps(graph)
        return {name: (stage.folder / name).read_bytes() for name in [d.name for d in DUMPS] + [CONTEXT]}


def twin(folder: Path, name: str, source: GrowingFile | None = None) -> dict[str, tuple[int, str]]:
    """Hash a written dump and write its gzip twin (no timestamp, and the dump handed to zlib-ng in
    pieces of `_CHUNK` bytes however it is read: the same bytes every build; zlib-ng, unlike zlib,
    compresses the same bytes into other bytes when they come in other pieces). `source`: the dump
    read as it is written (a `follow.GrowingFile`, closed here), so that the twin is made
    alongside, not after; a buffered reader's `read(n)` waits for n bytes or the end."""
    raw, packed = hashlib.sha256(), hashlib.sha256()
    size = 0
    with io.BufferedReader(source, _CHUNK) if source is not None else open(folder / name, "rb") as src, open(folder / (name + ".gz"), "wb") as dst:
        with gzip_ng.GzipFile(filename="", mode="wb", fileobj=_Hashing(dst, packed), mtime=0, compresslevel=TWIN_LEVEL) as gz:
            while chunk := src.read(_CHUNK):
                raw.update(chunk)
                size += len(chunk)
                gz.write(chunk)
        packed_size = dst.tell()
    return {name: (size, raw.hexdigest()), name + ".gz": (packed_size, packed.hexdigest())}


class _Hashing:
    """A write-only file that hashes what passes through it."""

    def __init__(self, f: Any, h: Any) -> None:
        self._f, self._h = f, h

    def write(self, data: bytes) -> int:
        self._h.update(data)
        return int(self._f.write(data))

    def flush(self) -> None:
        self._f.flush()


def dump_files(written: dict[str, tuple[int, str]]) -> list[Any]:
    """The catalogue's facts about each dump and twin (catalog.DumpFile), from what was written."""
    from . import catalog

    return catalog.dump_files({name: written[name] for d in DUMPS for name in (d.name, d.name + ".gz") if name in written})


def catalogue(data: Any, dumps: list[Any], base: str) -> dict[str, bytes]:
    """The DCAT-AP/VoID catalogue files describing the dumps (catalog.DumpFile facts) of the union
    graph in a Store (`quadtext.ntriples_store` of the union), or its `catalog.DataFacts`."""
    from . import catalog  # catalog describes the dumps this module defines

    cat = catalog.catalog_graph(data, dumps, base)
    return {name: catalog.serialize(cat, fmt) for name, fmt in CATALOG_FILES.items()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remove_abandoned(dist: Path) -> list[Path]:
    """Remove the staging folders of builds of `dist` that were killed (a crash or an exception
    removes its own; SIGKILL, the out-of-memory killer or a power cut cannot): at a million
    observations one holds over 20 GB. Only a folder whose BUILDING file names a process of this
    host that no longer runs is removed; a build still running keeps its folder."""
    removed = []
    host = socket.gethostname()
    for folder in sorted(dist.parent.glob(f".{dist.name}-new-*")):
        try:
            pid_text, _, their_host = (folder / BUILDING).read_text().partition(" ")
            pid = int(pid_text)
        except (OSError, ValueError):
            continue  # no record of who writes it: not ours to judge
        if their_host.strip() == host and not _running(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _swap(new: Path, dist: Path) -> None:
    if not dist.exists():
        os.replace(new, dist)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dist.name}-old-", dir=dist.parent))
    os.rmdir(old)
    os.replace(dist, old)
    try:
        os.replace(new, dist)
    except BaseException:
        os.replace(old, dist)
        raise
    shutil.rmtree(old, ignore_errors=True)
