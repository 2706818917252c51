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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset

from . import jsonld, rdfio, resources
from .errors import UnsafeOutput
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


def render(ds: Dataset) -> dict[str, bytes]:
    """Every dump's bytes, from one sorted list of quads."""
    qs, ts = rdfio.quads_and_triples(ds)
    prefixes = resources.prefixes()
    out: dict[str, bytes] = {}
    out[f"{BASENAME}.nt"] = rdfio.sorted_lines(ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES))
    out[f"{BASENAME}.nq"] = rdfio.sorted_lines(ox.serialize(qs, format=ox.RdfFormat.N_QUADS))
    out[f"{BASENAME}.ttl"] = ox.serialize(ts, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    out[f"{BASENAME}.trig"] = ox.serialize(qs, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    ctx = resources.context()
    out[f"{BASENAME}.jsonld"] = jsonld.dumps(jsonld_document(ts, ctx))
    out["context.jsonld"] = (json.dumps({"@context": ctx}, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    return out


def jsonld_document(ts: list[ox.Triple], ctx: dict[str, Any]) -> dict[str, Any]:
    """rdflib's compacted JSON-LD of the union graph: computed directly where our graph allows
    (module jsonld), else by rdflib's serializer."""
    doc = jsonld.document(ts, ctx)
    if doc is None:
        doc = json.loads(rdfio.to_rdflib_graph(ts).serialize(format="json-ld", context=ctx, auto_compact=True))
    return doc


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


def write_dist(ds: Dataset, report: ValidationReport, dist: Path, base: str = "https://w3id.org/ntp-kg/") -> dict[str, str]:
    """Write all files to a temporary folder, then swap it in place of `dist`. Returns checksums.

    Besides the dumps: the DCAT-AP/VoID catalogue describing them (sizes, checksums), which
    portals harvest, uncompressed.
    """
    from . import catalog  # catalog describes the dumps this module defines

    dist = check_target(dist)
    files = render(ds)
    for d in DUMPS:
        files[d.name + ".gz"] = _gzip(files[d.name])
    cat = catalog.catalog_graph(ds, catalog.dump_files(files), base)
    for name, fmt in CATALOG_FILES.items():
        files[name] = catalog.serialize(cat, fmt)
    files["validation-report.ttl"] = report.graph.serialize(format="turtle").encode("utf-8")
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    files["SHA256SUMS"] = "".join(f"{h}  {n}\n" for n, h in sums.items()).encode("ascii")
    files[MARKER] = b"written by ntp-kg build; this folder is replaced whole by the next build\n"
    dist.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dist.name}-new-", dir=dist.parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        os.chmod(tmp, 0o755)
        _swap(tmp, dist)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sums


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
