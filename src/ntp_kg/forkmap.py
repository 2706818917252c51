"""The map on two cores: a forked worker maps half of the sources while this process maps the rest.

Seeds to sorted quads (`mapper.map_graphs` into a `spool.Spool`) is pure Python, so one process
runs it on one core, with the other idle: at 100k observations 8.2 s, after 6.6 s of loading and
linting the seeds; at 1M the whole step took 220 s. A source's named graph depends on nothing but that source and the reference
data, so the sources can be shared out: the worker, forked once the seeds are loaded and linted
(it inherits them, nothing is pickled), maps the second half of the sources into a spool whose
files this process made for it before the fork, and hands back where it wrote (`SpoolExport`: a
graph's name and three numbers per graph, and each run's offsets); this process maps the first half and the ontology and reference
graphs, then takes the worker's blocks and sorted runs into its own spool (`Spool.absorb`). The
merge of every run is the same sorted stream as from one spool, so the dumps are the same bytes
(tests/test_forkmap.py). IRI collisions (`iris.Minter`) are still found: a collision between two
sources' IRIs is impossible, as every IRI minted for a source holds that source's key as a path
segment of its own (keys are slugs) and the shared IRIs (areas, programmes, ...) are one meaning
per path.

The worker is a fork, so this is used only where fork is safe and pays: Linux or another POSIX
system with the fork start method, this process running no other thread (a fork copies a lock
held by another thread as locked), two cores or more, and at least `FORK_MIN_OBSERVATIONS`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import tempfile
import threading
from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, BinaryIO

from .children import die_with_parent
from .errors import NtpKgError
from .facts import Seeds
from .mapper import map_graphs
from .quadtext import GraphText
from .spool import Spool, SpooledQuads, SpoolExport, spool

FORK_MIN_OBSERVATIONS = 20_000
"""Below this the map takes about 1.6 s (scaled from 8.2 s at 100k observations, 4.5 s with the
worker, measured on a quiet machine), and a fork's start and a second spool are not worth it: a
judgement."""


class MapWorkerFailed(NtpKgError):
    """The worker process mapping half of the sources died without a word (killed, out of memory)."""


def workers_for(seeds: Seeds) -> int:
    """2 where the map can and should be shared with a forked worker (see the module), else 1."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods() or _cores() < 2:
        return 1
    observations = sum(len(doc.facts.observations) for doc in seeds.facts.values())
    return 2 if observations >= FORK_MIN_OBSERVATIONS and len(seeds.facts) >= 2 else 1


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def halves(seeds: Seeds) -> tuple[list[str], list[str]]:
    """The sources in key order, cut where the facts before and after weigh about the same (the
    map's time goes with the facts)."""
    sids = sorted(seeds.facts)
    totals = list(accumulate(1 + len(seeds.facts[s].facts.observations) + len(seeds.facts[s].facts.statements) for s in sids))
    cut = min(bisect_left(totals, totals[-1] / 2) + 1, len(sids) - 1)  # each half holds one source at least, given two
    return sids[:cut], sids[cut:]


def spool_seeds(seeds: Seeds, ontology: list[Path], base: str, workdir: Path | None, run_bytes: int, workers: int | None = None) -> SpooledQuads:
    """The spooled quads of the seeds, mapped by this process alone or with a forked worker
    (`workers`: 1 or 2; None: `workers_for`). Each of the two spools may hold `run_bytes` of
    pending quads."""
    if (workers_for(seeds) if workers is None else workers) < 2 or len(seeds.facts) < 2:
        return spool(map_graphs(seeds, ontology, base), workdir, run_bytes)
    mine, theirs = halves(seeds)
    blocks_file = tempfile.TemporaryFile(prefix="ntp-kg-blocks-", dir=workdir)  # noqa: SIM115 - closed with the spooled quads
    run_file = tempfile.TemporaryFile(prefix="ntp-kg-run-", dir=workdir, buffering=1 << 20)  # noqa: SIM115 - likewise
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_work, args=(send, seeds, ontology, base, theirs, run_bytes, blocks_file, run_file), name="ntp-kg-map", daemon=True)
    try:
        # The worker shares this process's memory until either writes to it; the cyclic garbage
        # collector would write to every object it tracks (the seeds) on its first full pass
        # in the worker, so they are set aside from it for the fork (the worker keeps them so).
        gc.freeze()
        try:
            worker.start()
        finally:
            gc.unfreeze()
        send.close()  # the worker's end: an EOF here if it dies
        ours = _spool(Spool(workdir, run_bytes), map_graphs(seeds, ontology, base, mine))
        ours.absorb(_result(receive, worker), blocks_file, run_file)
    except BaseException:
        if worker.is_alive():
            worker.kill()
        blocks_file.close()
        run_file.close()
        raise
    finally:
        worker.join()
        receive.close()
    return ours.finish()


def _spool(spool: Spool, graphs: Iterable[GraphText]) -> Spool:
    for g in graphs:
        spool.add(g)
    return spool


def _work(send: Connection, seeds: Seeds, ontology: list[Path], base: str, sids: list[str], run_bytes: int, blocks_file: BinaryIO, run_file: IO[bytes]) -> None:
    """In the worker: map `sids` (not the shared graphs) into the two files and send back where."""
    die_with_parent()
    try:
        send.send(_spool(Spool(None, run_bytes, blocks_file, run_file), map_graphs(seeds, ontology, base, sids, shared=False)).export())
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            pickle.loads(pickle.dumps(exc))  # one that would not unpickle in the parent: its text
        except Exception:  # noqa: BLE001
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        send.send(exc)
    finally:
        send.close()


def _result(receive: Connection, worker: multiprocessing.process.BaseProcess) -> SpoolExport:
    try:
        got = receive.recv()
    except EOFError:
        worker.join()
        raise MapWorkerFailed(
            f"the worker process mapping half of the sources ended without a result (exit code {worker.exitcode}: "
            "a negative code is the signal that ended it, -9 often the kernel out of memory). Nothing was written."
        ) from None
    if isinstance(got, BaseException):
        raise got
    assert isinstance(got, SpoolExport)
    return got
