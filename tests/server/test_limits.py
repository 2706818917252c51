"""Limits that really hold. Against a server with 3 workers, a queue of 1 and a 2 s time limit: a
runaway query is stopped and its worker process replaced. With 3 workers and the reserve for
short queries (at most 2 long queries, `--long-query 0.5`): a burst of slow queries gets 504 (the
two long ones) and 503 (the ones that would be long too many), while /health and a cheap query are
answered, correctly, before the long ones end. Without the reserve: a full queue gets 503 with
Retry-After at once. Against one worker with 384 MiB (and a long time limit, so that only memory
can stop it): the memory limit and a parser crash cost one worker process, not the server. The
memory limit counts above the loaded data: a worker's address-space limit is its size once
loaded plus the limit, so a limit smaller than what loading takes still serves, and still stops a
query that needs more.

No figure is asserted as performance: the 1 s bounds on /health are request timeouts (a request
that does not answer within 1 s fails), the time limit is checked by its effect, and the reserve
by the order of events (the cheap answer comes while the long queries still run).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from ntp_kg.server.limits import MIB, Limits

from .conftest import SAMPLE, LiveServer, start_server, stop_server

COUNT = (Path(__file__).parent / "data" / "count-quads.rq").read_text(encoding="utf-8")

# Six patterns over the 47 triples: 1e10 rows to count, far beyond any time limit.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?q ?r ?s }"
CHEAP = "ASK { ?s ?p ?o }"
CHEAP_ANSWER = {"head": {}, "boolean": True}
MEMORY_BOMB = "SELECT (STRLEN(?s30) AS ?n) WHERE { BIND(\"xxxxxxxxxx\" AS ?s0) " + " ".join(
    f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30)
) + " }"


def _module_server(tmp_path_factory: pytest.TempPathFactory, name: str, args: list[str]) -> Iterator[LiveServer]:
    server = start_server(["--data", str(SAMPLE), *args], tmp_path_factory.mktemp(name), name)
    yield server
    code = stop_server(server)
    assert code == 0, f"{name} did not shut down cleanly (exit {code}):\n{server.logs()}"


@pytest.fixture(scope="module")
def reserve_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """3 workers, at most 2 long queries (past 0.5 s), a queue of 1, a 10 s time limit."""
    yield from _module_server(tmp_path_factory, "reserve", ["--workers", "3", "--queue-size", "1", "--time-limit", "10", "--long-query", "0.5"])


@pytest.fixture(scope="module")
def no_reserve_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """3 workers, a queue of 1, a 2 s time limit, no worker kept for short queries."""
    yield from _module_server(tmp_path_factory, "no-reserve", ["--workers", "3", "--queue-size", "1", "--time-limit", "2", "--long-query", "0"])


def worker_pids(server: LiveServer) -> set[int]:
    """The server's child processes (its workers), from /proc."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == server.process.pid and fields[0] != "Z":
                out.add(int(entry.name))
    return out


def health(server: LiveServer) -> dict[str, Any]:
    r = httpx.get(server.base + "/health", timeout=1.0)  # must answer within 1 s, whatever runs
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def wait_for(server: LiveServer, key: str, value: int, deadline: float = 10.0) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while True:
        status = health(server)
        if status[key] == value:
            return status
        assert time.monotonic() < end, f"/health never showed {key}={value}: {status}"
        time.sleep(0.05)


def cheap(server: LiveServer, timeout: float = 30.0) -> httpx.Response:
    return httpx.get(server.endpoint, params={"query": CHEAP}, timeout=timeout)


def test_a_runaway_query_is_stopped_and_its_worker_replaced(limited_server: LiveServer) -> None:
    wait_for(limited_server, "idle", 3)
    before = worker_pids(limited_server)
    assert len(before) == 3
    started = time.monotonic()
    r = httpx.get(limited_server.endpoint, params={"query": CARTESIAN}, timeout=30)
    elapsed = time.monotonic() - started
    assert r.status_code == 504
    assert r.text == "504 Gateway Timeout: the query ran longer than the time limit of 2 s and was stopped\n"
    assert elapsed >= 2.0  # stopped by the limit, not before
    assert cheap(limited_server).status_code == 200  # the next query is answered
    status = wait_for(limited_server, "idle", 3)
    assert status["replaced"] >= 1
    after = worker_pids(limited_server)
    assert len(after) == 3 and len(before - after) == 1  # one worker process killed and replaced
    (killed,) = before - after
    assert not Path(f"/proc/{killed}").exists()  # gone: it does not burn a core any more


STOPPED = (
    "503 Service Unavailable: the query ran longer than 0.5 s while 2 other long queries were running; at most 2 of "
    "the 3 query workers run long queries, so that one stays free for short ones. It was stopped: retry later, or "
    "make it cheaper (a LIMIT, a more selective pattern)\n"
)


def test_a_burst_of_slow_queries_leaves_a_worker_for_a_cheap_query(reserve_server: LiveServer) -> None:
    server = reserve_server
    wait_for(server, "idle", 3)
    assert health(server)["max_long"] == 2
    responses: dict[str, httpx.Response] = {}

    def slow(name: str) -> None:
        responses[name] = httpx.get(server.endpoint, params={"query": CARTESIAN}, timeout=60)

    # A bounded burst: 4 slow queries for 3 workers and a queue of 1. Two become long and run to
    # the time limit; the third running one, then the queued one, would be long queries too many.
    burst = {name: threading.Thread(target=slow, args=(name,)) for name in "ABCD"}
    for t in burst.values():
        t.start()
    status = wait_for(server, "stopped_long", 2, deadline=30.0)
    assert status["long"] == 2
    wait_for(server, "spare", 1)  # a loaded spare, to take the place of the next worker killed
    # While the two long queries run: a cheap query is answered, correctly.
    r = cheap(server)
    assert (r.status_code, r.json()) == (200, CHEAP_ANSWER)
    # One more slow query takes the free worker; a cheap query sent with it waits at most until
    # it is stopped (when it would become long), then runs on the spare, which took its place.
    late: dict[str, httpx.Response] = {}
    e = threading.Thread(target=lambda: late.setdefault("E", httpx.get(server.endpoint, params={"query": CARTESIAN}, timeout=60)))
    e.start()
    wait_for(server, "busy", 3)
    r = cheap(server)
    assert (r.status_code, r.json()) == (200, CHEAP_ANSWER)
    e.join(30)
    # All of that happened while the long queries still ran: the cheap ones did not wait for them.
    assert health(server)["long"] == 2
    assert sorted(r.status_code for r in responses.values()) == [503, 503]  # the long ones have not answered yet
    for t in burst.values():
        t.join(60)
    codes = sorted(r.status_code for r in responses.values())
    assert codes == [503, 503, 504, 504]
    for r in (*responses.values(), late["E"]):
        if r.status_code == 503:
            assert r.text == STOPPED
            assert r.headers["retry-after"] == "1"
            assert r.headers["access-control-allow-origin"] == "*"
        else:
            assert r.text == "504 Gateway Timeout: the query ran longer than the time limit of 10 s and was stopped\n"
    assert late["E"].status_code == 503
    status = wait_for(server, "idle", 3)
    assert (status["long"], status["stopped_long"], status["replaced"]) == (0, 3, 5)
    wait_for(server, "spare", 0, deadline=30.0)  # no long query for a time limit: no spare
    r = cheap(server)
    assert (r.status_code, r.json()) == (200, CHEAP_ANSWER)


def test_the_reserve_is_documented_at_limits(reserve_server: LiveServer, no_reserve_server: LiveServer) -> None:
    doc = httpx.get(reserve_server.base + "/limits").json()
    assert (doc["limits"]["long_query_seconds"], doc["limits"]["max_long_queries"], doc["limits"]["workers"]) == (0.5, 2, 3)
    assert doc["long_queries"].startswith("A query that has run 0.5 s counts as long. At most 2 of the 3 workers run long queries at once")
    assert (doc["execution"], doc["long_queries"].endswith("Each worker holds its own copy of the data.")) == ("memory", True)
    doc = httpx.get(no_reserve_server.base + "/limits").json()
    assert (doc["limits"]["long_query_seconds"], doc["limits"]["max_long_queries"]) == (0, None)
    assert doc["long_queries"].startswith("No worker is reserved for short queries")


def test_without_the_reserve_slow_queries_fill_the_workers_and_the_queue(no_reserve_server: LiveServer) -> None:
    limited_server = no_reserve_server
    wait_for(limited_server, "idle", 3)
    results: dict[str, int] = {}

    def slow(name: str) -> None:
        results[name] = httpx.get(limited_server.endpoint, params={"query": CARTESIAN}, timeout=30).status_code

    threads = {name: threading.Thread(target=slow, args=(name,)) for name in "ABCD"}
    threads["A"].start()
    threads["B"].start()
    wait_for(limited_server, "busy", 2)
    # Two slow queries run: /health and a cheap query on the third worker answer within 1 s.
    for _ in range(3):
        assert health(limited_server)["busy"] == 2
    assert cheap(limited_server, timeout=1.0).status_code == 200
    threads["C"].start()
    wait_for(limited_server, "busy", 3)
    threads["D"].start()
    wait_for(limited_server, "queued", 1)
    # Every worker busy and the queue full: 503 with Retry-After, at once.
    r = cheap(limited_server, timeout=1.0)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.text == "503 Service Unavailable: all 3 query workers are busy and 1 queries are waiting: retry later\n"
    assert health(limited_server)["queued"] == 1
    for t in threads.values():
        t.join(30)
    assert results == {"A": 504, "B": 504, "C": 504, "D": 504}  # D waited for a replaced worker, then ran
    assert cheap(limited_server).status_code == 200
    wait_for(limited_server, "idle", 3)


def test_the_memory_limit_costs_one_worker_not_the_server(fragile_server: LiveServer) -> None:
    wait_for(fragile_server, "idle", 1)
    r = httpx.get(fragile_server.endpoint, params={"query": MEMORY_BOMB}, timeout=60)
    assert r.status_code == 500
    assert r.text == (
        "500 Internal Server Error: the query stopped its worker process (killed by SIGABRT): it may need more than the "
        "memory limit of 384 MiB per query, above the loaded data, or it hit an engine failure. The worker was replaced.\n"
    )
    assert cheap(fragile_server).status_code == 200
    assert health(fragile_server)["replaced"] >= 1


def test_a_parser_crash_costs_one_worker_not_the_server(fragile_server: LiveServer) -> None:
    """This server has the nesting guard off, so the query reaches the parser, which overflows its stack."""
    wait_for(fragile_server, "idle", 1)
    query = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    r = httpx.post(fragile_server.endpoint, content=query.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 500
    assert "the query stopped its worker process (killed by SIGSEGV)" in r.text
    assert "The worker was replaced." in r.text
    assert cheap(fragile_server).status_code == 200
    wait_for(fragile_server, "idle", 1)


SLACK = 16 * MIB
"""How far a worker's address space may have moved since it set its limit (right after loading):
sending "ready" and answering small queries over the sample data take a few pages, if any. Less
than half the worker's own size (asserted), so a limit set without the loaded data fails the check."""


def proc_status(pid: int) -> dict[str, int]:
    """/proc/<pid>/status's memory lines (VmPeak, VmSize, ...), in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Vm") and value.strip().endswith(" kB"):
            out[key] = int(value.split()[0]) * 1024
    return out


def proc_limit(pid: int, name: str) -> tuple[str, str]:
    """The soft and hard limit of `name` ("Max address space") from /proc/<pid>/limits."""
    line = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines() if x.startswith(name))
    soft, hard = line[len(name):].split()[:2]
    return soft, hard


def doc_limit(server: LiveServer) -> object:
    """memory_limit_bytes as /limits publishes it."""
    return httpx.get(server.base + "/limits", timeout=10).json()["limits"]["memory_limit_bytes"]


def assert_bounded_above_its_data(pid: int, limit: int) -> dict[str, int]:
    """The worker's address-space limit is its address space once loaded plus `limit`: the soft
    limit (equal to the hard one) minus `limit` is its VmSize now, within SLACK. No core dumps."""
    soft, hard = proc_limit(pid, "Max address space")
    status = proc_status(pid)
    assert soft == hard
    assert abs(int(soft) - limit - status["VmSize"]) <= SLACK, (soft, status)
    assert proc_limit(pid, "Max core file size") == ("0", "0")
    return status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_each_worker_runs_under_its_memory_limit(fragile_server: LiveServer) -> None:
    wait_for(fragile_server, "idle", 1)
    pids = worker_pids(fragile_server)
    assert len(pids) == 1
    for pid in pids:
        status = assert_bounded_above_its_data(pid, 384 * MIB)
        assert status["VmSize"] > 2 * SLACK  # so the check above tells "above the data" from an absolute limit
    assert os.getpid() not in pids


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_memory_limit_below_what_loading_takes_still_serves(tmp_path: Path, sample_store: ox.Store) -> None:
    """64 MiB (the least allowed): loading the sample data takes more address space than that at
    its peak (the parser's buffers), so when the limit was absolute and set before loading the
    worker died loading it (SIGABRT) and the server did not start. Now the limit counts above the
    loaded data: the server answers, and a query that needs more than 64 MiB is still stopped."""
    server = start_server(["--data", str(SAMPLE), "--workers", "1", "--time-limit", "60", "--memory-limit", "64"], tmp_path, "small-limit")
    try:
        wait_for(server, "idle", 1)
        (pid,) = worker_pids(server)
        status = assert_bounded_above_its_data(pid, 64 * MIB)  # before any query
        assert status["VmPeak"] > 64 * MIB  # loading went past the limit
        r = httpx.post(server.endpoint, data={"query": COUNT}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert r.status_code == 200, r.text
        got = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        want = sample_store.query(COUNT)
        assert isinstance(got, ox.QuerySolutions) and isinstance(want, ox.QuerySolutions)
        assert [tuple(map(str, s)) for s in got] == [tuple(map(str, s)) for s in want]
        r = httpx.get(server.endpoint, params={"query": MEMORY_BOMB}, timeout=60)
        assert (r.status_code, r.text) == (500, (
            "500 Internal Server Error: the query stopped its worker process (killed by SIGABRT): it may need more than the "
            "memory limit of 64 MiB per query, above the loaded data, or it hit an engine failure. The worker was replaced.\n"
        ))
        r = cheap(server)
        assert (r.status_code, r.json()) == (200, CHEAP_ANSWER)
        status_now = wait_for(server, "idle", 1)
        assert status_now["replaced"] == 1
        (replacement,) = worker_pids(server)
        assert replacement != pid
        assert_bounded_above_its_data(replacement, 64 * MIB)  # a replaced worker too
        assert doc_limit(server) == 64 * MIB  # /limits: the limit as given, per query
    finally:
        code = stop_server(server)
    assert code == 0, f"the server did not shut down cleanly (exit {code}):\n{server.logs()}"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_memory_limit_of_0_sets_none(tmp_path: Path) -> None:
    """0: no address-space limit (core dumps stay off); a dead worker's 500 names no limit."""
    args = ["--data", str(SAMPLE), "--workers", "1", "--memory-limit", "0", "--max-nesting", "100000"]
    server = start_server(args, tmp_path, "no-limit")
    try:
        wait_for(server, "idle", 1)
        (pid,) = worker_pids(server)
        assert proc_limit(pid, "Max address space") == ("unlimited", "unlimited")
        assert proc_limit(pid, "Max core file size") == ("0", "0")
        query = "SELECT * WHERE " + "{" * 5000 + "}" * 5000  # the parser's stack overflows (nesting guard off)
        r = httpx.post(server.endpoint, content=query.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=60)
        assert (r.status_code, r.text) == (500, (
            "500 Internal Server Error: the query stopped its worker process (killed by SIGSEGV): it may need more memory "
            "than the machine has, or it hit an engine failure. The worker was replaced.\n"
        ))
        assert doc_limit(server) == 0
    finally:
        code = stop_server(server)
    assert code == 0, f"the server did not shut down cleanly (exit {code}):\n{server.logs()}"


def test_the_reserve_needs_two_workers_and_a_threshold_below_the_time_limit() -> None:
    assert Limits(workers=3).max_long_queries == 2
    assert Limits(workers=2).max_long_queries == 1
    assert Limits(workers=1).max_long_queries is None  # one worker cannot keep one free
    assert Limits(workers=3, long_query=0).max_long_queries is None  # switched off
    assert Limits(workers=3, time_limit=2, long_query=2).max_long_queries is None  # no query gets that long
    with pytest.raises(ValueError, match=r"^invalid limits: long_query=-1 "):
        Limits(long_query=-1)
