"""The map shared with a forked worker: the same spooled quads as one process, its failures raised."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench_corpus import load_corpus_module

from ntp_kg import forkmap, resources
from ntp_kg.errors import SeedError
from ntp_kg.facts import Seeds, load_seeds
from ntp_kg.forkmap import MapWorkerFailed, halves, spool_seeds, workers_for
from ntp_kg.iris import DEFAULT_BASE
from ntp_kg.lint import lint
from ntp_kg.spool import SpooledQuads
from test_spool import _open_in

ONTOLOGY = resources.ontology_files()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    root = tmp_path_factory.mktemp("corpus")
    load_corpus_module().generate(root, 3000, seed=1, per_source=100)
    s = load_seeds(root / "seeds")
    assert lint(s).ok and len(s.facts) == 30
    return s


def _all(q: SpooledQuads) -> tuple[Any, ...]:
    return q.ntriples(), q.nquads(), q.nquads_by_graph(), q.graph_names(), len(q), q.blank_nodes, q.split_subjects


def test_two_workers_spool_the_same_quads_as_one(seeds: Seeds, tmp_path: Path) -> None:
    with spool_seeds(seeds, ONTOLOGY, DEFAULT_BASE, None, 1 << 30, workers=1) as one:
        expected = _all(one)
        assert not one.spilled
    # A small budget: both processes spill blocks and several runs each
    with spool_seeds(seeds, ONTOLOGY, DEFAULT_BASE, tmp_path, 200_000, workers=2) as two:
        assert two.spilled
        assert _all(two) == expected
        assert _all(two) == expected  # read again
        assert list(tmp_path.iterdir()) == []  # anonymous files only
    assert _open_in(tmp_path) == 0  # the worker's files too are closed with the spooled quads
    assert len(expected[3]) == 32  # ontology, reference and 30 sources


def test_the_halves_weigh_alike_and_keep_key_order(seeds: Seeds) -> None:
    first, second = halves(seeds)
    assert first + second == sorted(seeds.facts)
    weigh = lambda sids: sum(len(seeds.facts[s].facts.observations) + len(seeds.facts[s].facts.statements) for s in sids)  # noqa: E731
    assert first and second and abs(weigh(first) - weigh(second)) <= max(weigh([s]) for s in seeds.facts)


def _break_source(seeds: Seeds, sid: str) -> Iterator[None]:
    src = seeds.sources[sid]
    meta = src.meta
    object.__setattr__(src, "meta", meta.model_copy(update={"url": "not an url"}))
    try:
        yield
    finally:
        object.__setattr__(src, "meta", meta)


def test_a_seed_error_in_the_workers_half_is_raised_as_one_process_raises_it(seeds: Seeds) -> None:
    """The last source is mapped by the worker alone (the parent maps the first half): its error
    reaches the caller as the same SeedError, with its file and message."""
    sid = halves(seeds)[1][-1]
    for _ in _break_source(seeds, sid):
        with pytest.raises(SeedError) as alone:
            spool_seeds(seeds, ONTOLOGY, DEFAULT_BASE, None, 1 << 30, workers=1)
        with pytest.raises(SeedError) as shared:
            spool_seeds(seeds, ONTOLOGY, DEFAULT_BASE, None, 1 << 30, workers=2)
    assert str(shared.value) == str(alone.value)
    assert f"source {sid}: url" in str(shared.value)


def test_a_worker_killed_fails_the_map_with_its_signal(seeds: Seeds, monkeypatch: pytest.MonkeyPatch) -> None:
    real = forkmap.map_graphs

    def dying(*args: Any, shared: bool = True, **kw: Any) -> Any:
        if not shared:  # only the worker maps without the shared graphs
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, shared=shared, **kw)

    monkeypatch.setattr(forkmap, "map_graphs", dying)
    with pytest.raises(MapWorkerFailed, match=r"exit code -9: .* Nothing was written"):
        spool_seeds(seeds, ONTOLOGY, DEFAULT_BASE, None, 1 << 30, workers=2)


def test_no_fork_while_another_thread_runs(seeds: Seeds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forkmap, "FORK_MIN_OBSERVATIONS", 1)
    monkeypatch.setattr(forkmap, "_cores", lambda: 2)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert workers_for(seeds) == 1
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize(("cores", "minimum", "workers"), [(2, 3000, 2), (1, 3000, 1), (2, 3001, 1), (8, 1, 2)])
def test_a_fork_from_two_cores_and_the_minimum_of_observations_on(
    seeds: Seeds, monkeypatch: pytest.MonkeyPatch, cores: int, minimum: int, workers: int
) -> None:
    """(This process counted as running no other thread: other tests' servers may run in it.)"""
    monkeypatch.setattr(forkmap.threading, "active_count", lambda: 1)
    monkeypatch.setattr(forkmap, "_cores", lambda: cores)
    monkeypatch.setattr(forkmap, "FORK_MIN_OBSERVATIONS", minimum)
    assert workers_for(seeds) == workers


def test_the_cores_are_those_this_process_may_run_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container's CPU set, not the host's count (which os.cpu_count gives)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert forkmap._cores() == 1
