"""Writing dist/: every dump, gzipped twins, the validation report, checksums; all or nothing.

Dumps are written into a fresh sibling folder and swapped in by rename, so a reader (or a
crashed build) never sees a half-written dist/. Only a folder that a build wrote (it holds the
marker file) or an empty one is ever replaced: pointing --dist at a source tree is refused, not
obeyed. Output is deterministic: the same seeds give the same bytes (sorted quads, gzip without
timestamps, JSON-LD arrays in a fixed order: jsonld.stable).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import jsonld, quadtext, rdfio, resources
from .errors import UnsafeOutput
from .quadtext import SortedQuads
from .validate import ValidationReport

BASENAME = "ntp-kg"
MARKER = ".ntp-kg-dist"


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


@dataclass(frozen=True)
class Union:
    """The union graph, sorted: its N-Triples (ntp-kg.nt) and the same triples parsed once by
    pyoxigraph, shared by the Turtle and JSON-LD writers, the SHACL gate and the catalogue."""

    ntriples: bytes
    triples: list[ox.Triple]

    @classmethod
    def of(cls, graph: SortedQuads) -> Union:
        nt = graph.ntriples()
        return cls(nt, quadtext.parse_triples(nt))


def render(graph: SortedQuads, union: Union | None = None) -> dict[str, bytes]:
    """Every dump's bytes, from the mapper's statement texts, sorted."""
    return dict(rendered(graph, union))


def rendered(graph: SortedQuads, union: Union | None = None) -> Iterator[tuple[str, bytes]]:
    """Each dump's name and bytes as soon as it is written (the caller can compress one while the
    next is rendered)."""
    union = union if union is not None else Union.of(graph)
    ts = union.triples
    prefixes = resources.prefixes()
    yield f"{BASENAME}.nt", union.ntriples
    yield f"{BASENAME}.nq", graph.nquads()
    # pyoxigraph's stub says `bytes | None` for every call: None only when it writes to an output
    turtle = ox.serialize(ts, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert turtle is not None
    yield f"{BASENAME}.ttl", turtle
    trig = ox.serialize(graph.quads(), format=ox.RdfFormat.TRIG, prefixes=prefixes)
    assert trig is not None
    yield f"{BASENAME}.trig", trig
    ctx = resources.context()
    yield f"{BASENAME}.jsonld", jsonld.dumps(jsonld_document(ts, ctx))
    yield "context.jsonld", (json.dumps({"@context": ctx}, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def jsonld_document(ts: list[ox.Triple], ctx: dict[str, Any]) -> dict[str, Any]:
    """rdflib's compacted JSON-LD of the union graph: computed directly where our graph allows
    (module jsonld), else by rdflib's serializer."""
    doc = jsonld.document(ts, ctx)
    if doc is None:
        doc = json.loads(rdfio.to_rdflib_graph(ts).serialize(format="json-ld", context=ctx, auto_compact=True))
    return doc


_DUMP_NAMES = frozenset(d.name for d in DUMPS)


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def check_target(dist: Path) -> Path:
    """Refuse to replace anything that a build did not write."""
    dist = dist.resolve()
    if dist.exists() and (not dist.is_dir() or (any(dist.iterdir()) and not (dist / MARKER).is_file())):
        raise UnsafeOutput(
            f"refusing to replace {dist}: it is not empty and was not written by `ntp-kg build` "
            f"(no {MARKER} file); choose a new or empty folder for --dist"
        )
    return dist


CATALOG_FILES = {"catalog.ttl": "turtle", "catalog.jsonld": "jsonld", "catalog.rdf": "rdfxml"}


def write_dist(
    graph: SortedQuads,
    report: ValidationReport,
    dist: Path,
    base: str = "https://w3id.org/ntp-kg/",
    union: Union | None = None,
    store: ox.Store | None = None,
) -> dict[str, str]:
    """Write all files to a temporary folder, then swap it in place of `dist`. Returns checksums.

    Besides the dumps: the DCAT-AP/VoID catalogue describing them (sizes, checksums), which
    portals harvest, uncompressed. Each dump is written, compressed and hashed on another core
    (zlib and hashlib release the GIL) while the next one is rendered, and its bytes are dropped
    once on disk: at 100k observations the dumps and their twins are 2.5 GB.
    """
    dist = check_target(dist)
    union = union if union is not None else Union.of(graph)
    dist.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dist.name}-new-", dir=dist.parent))
    try:
        written: dict[str, tuple[int, str]] = {}
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
            jobs = [pool.submit(_write, tmp, name, data, name in _DUMP_NAMES) for name, data in rendered(graph, union)]
            for job in jobs:
                written.update(job.result())
        others = catalogue(store if store is not None else quadtext.ntriples_store(union.ntriples), dump_files(written), base)
        others["validation-report.ttl"] = report.graph.serialize(format="turtle").encode("utf-8")
        for name, data in others.items():
            written.update(_write(tmp, name, data, False))
        digests = {name: written[name][1] for name in sorted(written)}
        (tmp / "SHA256SUMS").write_bytes("".join(f"{h}  {n}\n" for n, h in digests.items()).encode("ascii"))
        (tmp / MARKER).write_bytes(b"written by ntp-kg build; this folder is replaced whole by the next build\n")
        os.chmod(tmp, 0o755)
        _swap(tmp, dist)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return digests


def _write(folder: Path, name: str, data: bytes, twin: bool) -> dict[str, tuple[int, str]]:
    """Write one file (and its gzip twin): the size and SHA-256 of each."""
    (folder / name).write_bytes(data)
    out = {name: (len(data), _sha256(data))}
    if twin:
        packed = _gzip(data)
        (folder / (name + ".gz")).write_bytes(packed)
        out[name + ".gz"] = (len(packed), _sha256(packed))
    return out


def dump_files(written: dict[str, tuple[int, str]]) -> list[Any]:
    """The catalogue's facts about each dump and twin (catalog.DumpFile), from what was written."""
    from . import catalog

    return catalog.dump_files({name: written[name] for d in DUMPS for name in (d.name, d.name + ".gz") if name in written})


def catalogue(store: ox.Store, dumps: list[Any], base: str) -> dict[str, bytes]:
    """The DCAT-AP/VoID catalogue files describing the dumps (catalog.DumpFile facts) of the union
    graph in `store` (`quadtext.ntriples_store` of the union)."""
    from . import catalog  # catalog describes the dumps this module defines

    cat = catalog.catalog_graph(store, dumps, base)
    return {name: catalog.serialize(cat, fmt) for name, fmt in CATALOG_FILES.items()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
