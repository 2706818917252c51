"""Limits that really hold. Against a server with 3 workers, a queue of 1 and a 2 s time limit: a
runaway query is stopped and its worker process replaced; /health and a cheap query answer
while slow queries run; a full queue gets 503 with Retry-After at once. Against one worker with
384 MiB (and a long time limit, so that only memory can stop it): the memory limit and a parser
crash cost one worker process, not the server.

No figure is asserted as performance: the 1 s bounds are request timeouts (a request that
does not answer within 1 s fails), and the time limit is checked by its effect.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import LiveServer

# Six patterns over the 47 triples: 1e10 rows to count, far beyond any time limit.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?q ?r ?s }"
CHEAP = "ASK { ?s ?p ?o }"
MEMORY_BOMB = "SELECT (STRLEN(?s30) AS ?n) WHERE { BIND(\"xxxxxxxxxx\" AS ?s0) " + " ".join(
    f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30)
) + " }"


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


def health(server: LiveServer) -> dict[str, object]:
    r = httpx.get(server.base + "/health", timeout=1.0)  # must answer within 1 s, whatever runs
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def wait_for(server: LiveServer, key: str, value: int, deadline: float = 10.0) -> dict[str, object]:
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


def test_slow_queries_do_not_block_health_cheap_queries_or_refusals(limited_server: LiveServer) -> None:
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
    assert r.text.startswith("500 Internal Server Error: the query stopped its worker process (killed by SIGABRT): it may need more than the memory limit of 384 MiB per query")
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


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_each_worker_runs_under_its_memory_limit(fragile_server: LiveServer) -> None:
    wait_for(fragile_server, "idle", 1)
    for pid in worker_pids(fragile_server):
        limits = Path(f"/proc/{pid}/limits").read_text()
        line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
        assert line.split()[3:5] == [str(384 * 2**20), str(384 * 2**20)]
        core = next(x for x in limits.splitlines() if x.startswith("Max core file size"))
        assert core.split()[4] == "0"
    assert os.getpid() not in worker_pids(fragile_server)
