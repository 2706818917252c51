"""The build, top to bottom: source -> facts -> graph -> validation -> dumps.

The mapper hands over one named graph at a time, on two cores from 20k observations on (`forkmap`:
a forked worker maps half of the sources); the spool (`spool.SpooledQuads`) sorts them
within a fixed memory budget, spilling to disk past it. ntp-kg.nt and ntp-kg.nq are written from
its merge into the staging folder of the new dist/ (`publish.Staging`); the union graph is
loaded into a Store in a thread as ntp-kg.nt is written (`follow.GrowingFile`), and read back
from it by the other writers: on big graphs a second process (`dumps_process`) while the gate runs.
Validation in the build is `gate_parts.validate_parts`, one named graph group at a time over that
file and Store: the findings of `gate.validate_triples` and so of pySHACL (`validate.validate`,
kept for `ntp-kg validate` on arbitrary files), tested finding for finding in tests/gate, in a
fraction of the time and with the memory of one part. Only a conforming graph is swapped into
dist/. No rdflib Dataset is made (`BuildResult.dataset` makes one on demand).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from . import catalog, diskstore, gate_parts, quadtext, rdfio, resources
from .diskstore import LoadResult
from .errors import LintError, OutputError, ValidationFailed
from .extsort import DEFAULT_RUN_BYTES
from .facts import load_seeds
from .follow import GrowingFile
from .iris import DEFAULT_BASE
from .lint import LintReport, lint
from .forkmap import spool_seeds
from .publish import BASENAME, Staging, check_target
from .server.sources import DataSource
from .spool import SpooledQuads
from .validate import ValidationReport


@dataclass(frozen=True)
class BuildResult:
    lint: LintReport
    validation: ValidationReport
    graph: SpooledQuads
    checksums: dict[str, str]
    dist: Path | None
    abandoned: tuple[Path, ...] = ()  # staging folders of killed builds, removed (publish.remove_abandoned)
    store: LoadResult | None = None  # the store version loaded beside the build (`build(store=...)`)
    union: ox.Store | None = None  # the union graph's in-memory Store (the gate's and the catalogue's)

    @cached_property
    def dataset(self) -> Dataset:
        """The graph as an rdflib Dataset, made on first use (inspection and tests; costly when big)."""
        return rdfio.to_rdflib_dataset(self.graph)


def graph(base: str = DEFAULT_BASE, workdir: Path | None = None, sort_buffer: int = DEFAULT_RUN_BYTES) -> tuple[LintReport, SpooledQuads]:
    """Seeds to RDF, refusing facts that fail lint. `workdir`: where sorted runs spill past
    `sort_buffer` bytes. Mapped on two cores where `forkmap.workers_for` says so."""
    seeds = load_seeds(resources.seeds_dir())
    report = lint(seeds)
    if not report.ok:
        raise LintError(report.text())
    return report, spool_seeds(seeds, resources.ontology_files(), base, workdir, sort_buffer)


Progress = Callable[[str], None]

BESIDE_BYTES = 32 << 20
"""From this size of ntp-kg.nt on (about 6k observations: 10k give 58 MB) the Turtle, TriG and
JSON-LD dumps are written by a second process beside the gate (`dumps_process`). A judgement, not
a measured break-even: the process takes 0.25-0.3 s to start and import, the dumps of 10k
observations a few seconds (35.7 s at 100k)."""


def build(
    dist: Path | None,
    base: str = DEFAULT_BASE,
    sort_buffer: int = DEFAULT_RUN_BYTES,
    progress: Progress | None = None,
    store: Path | None = None,
    dumps_beside: bool | None = None,
) -> BuildResult:
    """Lint, map, validate; only a conforming graph reaches dist/ (written atomically).
    `progress` is told each step as it ends (a build of 1M observations takes most of an hour).
    `store`: also load ntp-kg.nq as a new version of that store (`ntp-kg load`), beside the rest
    of the build; it becomes current only with dist/, all or nothing. `dumps_beside`: write the
    Turtle, TriG and JSON-LD dumps in a second process while the gate runs (None: from
    `BESIDE_BYTES` of N-Triples on); the bytes are the same either way."""
    if dist is not None:
        check_target(dist)  # fail before the work, not after it
    if store is not None:
        if dist is None:
            raise ValueError("a build loads a store only from the dumps it publishes: give a dist/")
        diskstore.check_target(store)
    try:
        return _build(dist, base, sort_buffer, _timed(progress), store, dumps_beside)
    except OSError as exc:  # seeds are read before: a SeedError names their problems
        where = f"beside {dist}" if dist is not None else "in the temporary folder"
        raise OutputError(
            f"could not write the build {where}: {exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}. "
            f"Nothing was replaced{f'; {dist} is as it was' if dist is not None else ''}. The build writes every dump, its "
            "gzip twin and its sort runs in a sibling folder before swapping it in: over 40 GB at 1M observations."
        ) from exc


def _timed(progress: Progress | None) -> Progress:
    """`progress` with the seconds since the build started in front of each step."""
    if progress is None:
        return lambda _step: None
    t0 = time.monotonic()
    return lambda step: progress(f"[{time.monotonic() - t0:7.1f} s] {step}")


def _size(store: Future[ox.Store]) -> int:
    """The union's distinct triples as a Store keeps them (literals in canonical form)."""
    return len(store.result())


def _facts_of(union: Future[ox.Store], base: str) -> catalog.DataFacts:
    return catalog.data_facts(union.result(), base)


def _store_of(growing: GrowingFile) -> ox.Store:
    with io.BufferedReader(growing, 1 << 20) as f:
        return quadtext.ntriples_store(f)


def _build(dist: Path | None, base: str, sort_buffer: int, progress: Progress, store_root: Path | None, beside: bool | None) -> BuildResult:
    with Staging(dist) as stage, ThreadPoolExecutor(max_workers=3, thread_name_prefix="ntp-kg-build") as pool:
        lint_report, mapped = graph(base, stage.folder, sort_buffer)
        progress(f"seeds linted and mapped: {len(mapped):,} quads in {len(mapped.graph_names()):,} named graphs")
        # The union in a Store (the gate's SPARQL screen and inverse steps, the catalogue's
        # statistics), loaded without the GIL from ntp-kg.nt as it is written, and while the
        # dumps are written: they are only swapped in if the gate passes. In memory: an on-disk
        # Store took the SPARQL screen 5x longer at 100k observations (154 s against 30 s).
        growing = GrowingFile(stage.nt)
        union = pool.submit(_store_of, growing)
        try:
            nt = stage.write_union(mapped)
        except BaseException:
            growing.fail()
            raise
        growing.finish()
        progress("ntp-kg.nt and ntp-kg.nq written")
        nq = stage.folder / f"{BASENAME}.nq"
        if beside is None:
            beside = nt.stat().st_size >= BESIDE_BYTES
        if dist is not None and beside:
            stage.write_dumps_beside(mapped)
            progress("ntp-kg.ttl, ntp-kg.trig and ntp-kg.jsonld being written by a second process")
        # The on-disk store's load (`ntp-kg load`, into a version not yet current) runs from here
        # to the end; pyoxigraph loads without the GIL, beside the gate.
        # ntp-kg.nt too, into the default graph: the union there lets the server read the union
        # default graph as a plain default graph (diskstore.Version.default_graph_is_union).
        pending = pool.submit(diskstore.prepare, store_root, [DataSource(nq), DataSource(nt)], partial(_size, union)) if store_root is not None else None
        # What the catalogue says of the data, asked of the Store as soon as it is loaded, beside
        # the gate: after it, nothing else was left to do (50-60 s on one core at 1M observations).
        # Used only if the gate passes.
        facts = pool.submit(_facts_of, union, base) if dist is not None else None
        try:
            if dist is not None and not beside:
                stage.write_dumps(mapped)
                progress("ntp-kg.ttl, ntp-kg.trig and ntp-kg.jsonld written")
            validation = gate_parts.validate_parts(
                nt, mapped.graph_blocks(), union, split=mapped.split_subjects, blank_nodes=mapped.blank_nodes, progress=progress
            )
            progress(f"SHACL gate: {'conforms' if validation.conforms else 'does not conform'}")
            if not validation.conforms:
                raise ValidationFailed(validation.text())
            if dist is None:
                return BuildResult(lint_report, validation, mapped, {}, None, union=union.result())
            assert facts is not None
            stage.write_catalogue(facts.result(), validation, base)  # waits for the dumps beside, if any
            progress("catalogue written" + (" (and the dumps by the second process)" if beside else ""))
            loaded = pending.result() if pending is not None else None  # its failure fails the build: all or nothing
            if loaded is not None:
                progress(f"store version {loaded.id} loaded and verified: {loaded.manifest['quads']:,} quads")
            checksums = stage.commit()
            result = loaded.commit([dist / nq.name, dist / nt.name]) if loaded is not None else None
            if result is not None:
                progress(f"store version {result.version.id} is current in {result.version.root}")
        except BaseException:
            if pending is not None:
                with contextlib.suppress(BaseException):  # its own failure is not the one to report
                    pending.result().discard()
            raise
    # The Store is handed back, not freed before the commit: freeing the Store of 1M observations
    # took about 27 s, which held back dist/ and a caller about to exit need not spend (cli.build_cmd).
    return BuildResult(lint_report, validation, mapped, checksums, dist, tuple(stage.abandoned), result, union.result())
