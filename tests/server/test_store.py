"""`ntp-kg serve --store`: the same answers and pages as in-memory serving, and switching to a new
store version while queries run (real `ntp-kg load` and `ntp-kg serve` processes, real HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import uvicorn
from rdflib import Graph
from rdflib.compare import isomorphic

from ntp_kg import diskstore
from ntp_kg import query as q
from ntp_kg.server.app import create_app
from ntp_kg.server.limits import Limits
from ntp_kg.server.reload import LiveDescriber, StoreEngine, open_store
from ntp_kg.server.worker import WorkerConfig
from ntp_kg.store import load_dist

from .conftest import SAMPLE, LiveServer, start_server, stop_server

DATA = Path(__file__).parent / "data"
QUERIES = {name: nq.text for name, nq in q.named_queries().items()}
COUNT = (DATA / "count-quads.rq").read_text(encoding="utf-8")
JSON = {"Accept": "application/sparql-results+json"}


def load(root: Path, *files: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ntp_kg", "load", "--store", str(root), *map(str, files)], capture_output=True, text=True, timeout=120)


def rows(result: ox.QuerySolutions) -> list[tuple[str, ...]]:
    return [tuple("" if t is None else str(t) for t in s) for s in result]


def select(server: LiveServer, text: str) -> list[tuple[str, ...]]:
    r = httpx.post(server.endpoint, data={"query": text}, headers=JSON, timeout=120)
    assert r.status_code == 200, r.text
    got = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
    assert isinstance(got, ox.QuerySolutions)
    return rows(got)


def health(server: LiveServer) -> dict[str, Any]:
    r = httpx.get(server.base + "/health", timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def wait_for(server: LiveServer, check: Any, what: str, timeout: float = 60) -> dict[str, Any]:
    """Poll /health until check(body) holds (a bound, not a timing assertion: a failure names what never happened)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = health(server)
        if check(body):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s; /health: {health(server)}\n{server.logs()}")


def _quads(path: Path) -> int:
    return sum(1 for _ in ox.parse(path=path, format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def dist_store(dist: Path) -> ox.Store:
    return load_dist(dist)


@pytest.fixture(scope="module", params=["graphs and a default graph of their own", "graphs and union"])
def store_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, dist: Path) -> Iterator[LiveServer]:
    """The session build loaded into a store, served with its dumps and catalogue (--dist):
    ntp-kg.nq with one of its triples in the default graph too (which the load leaves as the
    files made it: queries read pyoxigraph's union of the graphs, the same triples), and with
    ntp-kg.nt in the default graph, as `ntp-kg load` loads a build (queries read the default graph)."""
    work = tmp_path_factory.mktemp("store")
    own = work / "own.nt"
    own.write_bytes((dist / "ntp-kg.nt").read_bytes().splitlines(keepends=True)[0])
    dumps = [dist / "ntp-kg.nq"] + ([dist / "ntp-kg.nt"] if request.param == "graphs and union" else [own])
    r = load(work / "store", *dumps)
    assert r.returncode == 0, r.stderr
    assert diskstore.current(work / "store").default_graph_is_union is (request.param == "graphs and union")
    server = start_server(["--store", str(work / "store"), "--dist", str(dist), "--workers", "2"], work, "store")
    yield server
    assert stop_server(server) == 0, server.logs()
    assert describer_copies(work / "store") == []  # the pages' private copy is removed at shutdown


def describer_copies(root: Path) -> list[str]:
    """The private checkpoints the server's Describer made (with --dist) under each version."""
    return sorted(f"{p.parent.name}/{p.name.split('-')[0]}" for p in root.glob("versions/*/describer-*"))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_same_answer_as_ntp_kg_query(store_server: LiveServer, dist_store: ox.Store, name: str) -> None:
    text = QUERIES[name]
    expected = q.run(dist_store, text)
    if isinstance(expected, ox.QueryTriples):
        r = httpx.post(store_server.endpoint, data={"query": text}, headers={"Accept": "application/n-triples"}, timeout=30)
        assert r.status_code == 200, r.text
        want = Graph().parse(data=ox.serialize(list(expected), format=ox.RdfFormat.N_TRIPLES), format="nt")
        assert isomorphic(Graph().parse(data=r.content, format="nt"), want)
        return
    r = httpx.post(store_server.endpoint, data={"query": text}, headers=JSON, timeout=30)
    assert r.status_code == 200, r.text
    got = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
    if isinstance(expected, ox.QueryBoolean):
        assert bool(got) is bool(expected)
        return
    assert isinstance(got, ox.QuerySolutions)
    assert [v.value for v in got.variables] == [v.value for v in expected.variables]
    got_rows, want_rows = rows(got), rows(expected)
    assert "x-sparql-truncated" not in r.headers
    assert got_rows == want_rows if "ORDER BY" in text.upper() else sorted(got_rows) == sorted(want_rows)


def test_health_names_the_store(store_server: LiveServer, dist: Path) -> None:
    body = health(store_server)
    version = diskstore.current(Path(body["store"]["path"]))
    assert body["store"] == {"path": str(version.root), "version": version.id, "loaded_at": version.manifest["loaded_at"], "quads": _quads(dist / "ntp-kg.nq") + version.manifest["default_graph_triples"]}
    assert (body["status"], body["workers"], body["reloads"], body["draining"], body["reload_error"]) == ("ok", 2, 0, 0, None)


def test_limits_say_the_workers_share_the_store(store_server: LiveServer) -> None:
    doc = httpx.get(store_server.base + "/limits").json()
    assert (doc["execution"], doc["limits"]["workers"]) == ("store", 2)
    assert "own copy of the data" not in doc["long_queries"]
    assert doc["long_queries"].endswith("The workers open the same on-disk store read-only and share its pages.")


def test_the_service_description_lists_the_graphs(store_server: LiveServer, dist_server: LiveServer) -> None:
    def described(server: LiveServer) -> Graph:
        r = httpx.get(server.endpoint, headers={"Accept": "application/n-triples"}, timeout=30)
        assert r.status_code == 200
        return Graph().parse(data=r.text.replace(server.base, "http://server"), format="nt")

    assert isomorphic(described(store_server), described(dist_server))


def test_every_page_as_in_memory(store_server: LiveServer, dist_server: LiveServer) -> None:
    """Every IRI in the sitemap (data and catalogue) dereferences to the same description, and the
    start page and sitemap are the same, as when the build is served from memory."""
    with store_server.client() as disk, dist_server.client() as memory:
        for path in ("/", "/sitemap.xml", "/catalog"):
            a, b = disk.get(path), memory.get(path)
            assert (a.status_code, a.text.replace(store_server.base, "")) == (b.status_code, b.text.replace(dist_server.base, "")), path
        paths = [loc.split(dist_server.base, 1)[1] for loc in memory.get("/sitemap.xml").text.split("<loc>")[1:]]
        paths = [p.split("</loc>", 1)[0] for p in paths]
        assert len(paths) > 100
        for path in paths:
            a = disk.get(path, headers={"Accept": "application/n-triples"})
            b = memory.get(path, headers={"Accept": "application/n-triples"})
            assert (a.status_code, sorted(a.text.splitlines())) == (b.status_code, sorted(b.text.splitlines())), path
        assert disk.get("/id/no-such-thing").status_code == 404


@pytest.fixture
def switching(tmp_path: Path, dist: Path) -> Iterator[tuple[LiveServer, Path]]:
    """A store holding the build, served with its catalogue by 2 workers with a long time limit;
    stopped after the test."""
    root = tmp_path / "store"
    assert load(root, dist / "ntp-kg.nq").returncode == 0
    server = start_server(["--store", str(root), "--dist", str(dist), "--workers", "2", "--time-limit", "120"], tmp_path, "switching")
    yield server, root
    assert stop_server(server) == 0, server.logs()
    assert describer_copies(root) == []


def workers_of(server: LiveServer) -> list[int]:
    """The worker processes of a server (its children, Linux /proc)."""
    pids: list[int] = []
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        pids += [int(c) for c in (task / "children").read_text().split()]
    return pids


def test_a_new_load_switches_while_a_query_runs(switching: tuple[LiveServer, Path], sample_store: ox.Store) -> None:
    """A query in flight when the new version is served ends with the old data; the next query
    sees the new data. To keep the query in flight for as long as the test needs (not for a
    duration that depends on the machine's load), the old workers are paused with SIGSTOP and
    resumed with SIGCONT once the new version serves."""
    server, root = switching
    old = diskstore.current(root).id
    old_counts = select(server, COUNT)
    observation = "/id/obs/kinhtedothi-2025-03-07-lao-cai-ntp/capital-plan-2025"  # an observation: in the data, not in the catalogue
    assert httpx.get(server.base + observation, headers={"Accept": "text/turtle"}).status_code == 200
    start = httpx.get(server.base + "/").text
    old_workers = workers_of(server)
    assert old_workers
    answers: list[Any] = []

    def in_flight() -> None:
        try:
            answers.append(select(server, COUNT))
        except BaseException as exc:  # the assertion below shows it
            answers.append(exc)

    for pid in old_workers:
        os.kill(pid, signal.SIGSTOP)
    thread = threading.Thread(target=in_flight)
    try:
        thread.start()
        wait_for(server, lambda b: b["busy"] == 1, "the query reaching an old worker")
        r = load(root, SAMPLE)
        assert r.returncode == 0, r.stderr
        new = diskstore.current(root).id
        switched = wait_for(server, lambda b: b["store"]["version"] == new, "the switch to the new version")
        assert (switched["draining"], answers) == (1, [])  # the old pool still holds the query
        assert select(server, COUNT) == rows(q.run(sample_store, COUNT))  # type: ignore[arg-type]
        assert not set(workers_of(server)) <= set(old_workers)  # new workers answered
    finally:
        for pid in old_workers:
            os.kill(pid, signal.SIGCONT)
    thread.join(60)
    assert answers == [old_counts]
    assert old_counts != select(server, COUNT)
    done = wait_for(server, lambda b: b["draining"] == 0, "the old workers stopping")
    assert (done["reloads"], done["reload_error"], done["store"]["quads"]) == (1, None, len(sample_store))
    assert not set(workers_of(server)) & set(old_workers)
    assert diskstore.versions(root) == [old, new]  # the previous version is kept
    assert "now serving version " + new in server.logs()
    # The pages follow: drawn for the new version before anyone asks (keep_warm); the observation
    # is not in the new data; the start page is drawn again.
    wait_for(server, lambda b: b["pages_drawn"] is True, "the new version's start page and sitemap drawn unasked")
    assert httpx.get(server.base + observation, headers={"Accept": "text/turtle"}).status_code == 404
    assert httpx.get(server.base + "/").text != start
    assert describer_copies(root) == [f"{new}/describer"]


def test_a_failed_load_leaves_the_old_version_serving(switching: tuple[LiveServer, Path], tmp_path: Path) -> None:
    server, root = switching
    before = health(server)["store"]
    counts = select(server, COUNT)
    bad = tmp_path / "bad.trig"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace("ex:stats {", "ex:stats {{"), encoding="utf-8")
    r = load(root, bad)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: {bad}: cannot load as TriG: Parser error at line ")
    assert r.stderr.endswith(f"the store at {root.resolve()} was not changed\n")
    time.sleep(1.5)  # more than one look at the pointer: nothing must have changed (not a timing assertion)
    body = health(server)
    assert (body["store"], body["reloads"], body["reload_error"]) == (before, 0, None)
    assert select(server, COUNT) == counts


def test_a_version_that_does_not_open_leaves_the_old_one_serving(switching: tuple[LiveServer, Path], sample_store: ox.Store) -> None:
    """A damaged version (its database gone) behind the pointer: the error is shown at /health,
    the old version keeps serving, and the next good load is served."""
    server, root = switching
    serving = diskstore.current(root).id
    counts = select(server, COUNT)
    damaged = root / "versions" / "20000101T000000000000Z-damage"
    damaged.mkdir()
    shutil.copy(root / "versions" / serving / "manifest.json", damaged / "manifest.json")
    (damaged / "oxigraph").mkdir()
    pointer = root / "current.json"
    (root / "pointer.tmp").write_text(json.dumps({"version": damaged.name}), encoding="utf-8")
    (root / "pointer.tmp").replace(pointer)
    body = wait_for(server, lambda b: b["reload_error"] is not None, "the failed switch being reported")
    assert body["reload_error"].startswith(f"version {damaged.name} did not start: ")
    assert body["reload_error"].endswith(f"; still serving version {serving}")
    assert (body["status"], body["store"]["version"], body["reloads"]) == ("ok", serving, 0)
    assert select(server, COUNT) == counts
    assert f"version {damaged.name} did not start" in server.logs()
    assert load(root, SAMPLE).returncode == 0
    new = diskstore.current(root).id
    body = wait_for(server, lambda b: b["store"]["version"] == new, "the switch to the next good version")
    assert (body["reloads"], body["reload_error"]) == (1, None)
    assert select(server, COUNT) == rows(q.run(sample_store, COUNT))  # type: ignore[arg-type]


def test_a_switch_waiting_for_its_version_does_not_hold_requests(switching: tuple[LiveServer, Path], tmp_path: Path, sample_store: ox.Store) -> None:
    """The switch's disk work runs off the event loop. Here the new version's lease waits (its
    manifest is flock-ed, as `ntp-kg load` does while it removes a version): meanwhile /health
    says which version is being prepared, and queries and pages are answered from the old one.
    Once the lock goes, the switch completes. (Held by a lock, not by a duration.)"""
    server, root = switching
    old = diskstore.current(root).id
    counts = select(server, COUNT)
    other = tmp_path / "other"
    assert load(other, SAMPLE).returncode == 0
    new = diskstore.current(other).id
    shutil.copytree(other / "versions" / new, root / "versions" / new)
    lock = os.open(root / "versions" / new / "manifest.json", os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (root / "pointer.tmp").write_text(json.dumps({"version": new}), encoding="utf-8")
        (root / "pointer.tmp").replace(root / "current.json")
        held = wait_for(server, lambda b: b["switching"] == new, "the switch reaching the held version")
        assert (held["store"]["version"], held["draining"], held["reloads"], held["reload_error"]) == (old, 0, 0, None)
        assert select(server, COUNT) == counts
        assert httpx.get(server.base + "/id/area/lao-cai", headers={"Accept": "text/turtle"}, timeout=10).status_code == 200
        assert health(server)["switching"] == new  # still held: what was answered came from the old version
    finally:
        os.close(lock)
    done = wait_for(server, lambda b: b["store"]["version"] == new and b["draining"] == 0, "the switch once the lock went")
    assert (done["switching"], done["reloads"], done["reload_error"]) == (None, 1, None)
    assert select(server, COUNT) == rows(q.run(sample_store, COUNT))  # type: ignore[arg-type]
    assert describer_copies(root) == [f"{new}/describer"]


@dataclass
class InProcess:
    """`serve --store` built as serve.py builds it, run by a real uvicorn on 127.0.0.1 in a
    thread of the test process: so the test can hold what only this process can hold (a
    reference to the pages' store, as a page being drawn holds it)."""

    base: str
    engine: StoreEngine
    describer: LiveDescriber


@contextmanager
def in_process(root: Path, extra: list[Path]) -> Iterator[InProcess]:
    limits = Limits(workers=2, time_limit=120.0)
    config = WorkerConfig((), True, limits.memory_limit)
    engine, describer = open_store(root, config, limits, "https://w3id.org/ntp-kg/", extra)
    app = create_app(engine, limits, describer=describer)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http="h11", lifespan="off", log_level="warning"))
    failed: list[BaseException] = []

    async def main() -> None:
        await engine.start()
        try:
            await server.serve(sockets=[sock])
        finally:
            await engine.close()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # shown by the start check or at the end
            failed.append(exc)

    thread = threading.Thread(target=run, name="in-process-server")
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, f"the in-process server did not start: {failed}"
        time.sleep(0.02)
    try:
        yield InProcess(f"http://127.0.0.1:{sock.getsockname()[1]}", engine, describer)
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()
    assert not thread.is_alive() and failed == [], failed


def worker_children() -> set[int]:
    """This process's query workers (its children running the worker entry, Linux /proc)."""
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            listed = (task / "children").read_text().split()
        except OSError:  # the thread ended after it was listed (its children go to another thread)
            continue
        for pid in listed:
            with contextlib.suppress(OSError):
                if b"ntp_kg.server.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    pids.add(int(pid))
    return pids


def test_health_is_answered_while_a_switch_cleans_up(tmp_path: Path, dist: Path, sample_store: ox.Store) -> None:
    """After a switch, the old version's pages' store is closed and its copy removed in a thread,
    once nothing reads it any more. Here the test holds a reference to that store (as a start
    page or sitemap begun before the switch would): the cleanup waits for it, and meanwhile
    /health (the old version still draining), queries and pages are answered. When the
    reference goes, the copy is removed and only then does /health stop counting the old
    version."""
    root = tmp_path / "store"
    assert load(root, dist / "ntp-kg.nq").returncode == 0
    old = diskstore.current(root).id
    with in_process(root, [dist / "catalog.ttl"]) as live:
        client = httpx.Client(base_url=live.base, timeout=30)
        held = live.describer.store  # the old version's pages' store
        old_workers = worker_children()
        assert len(old_workers) == 2
        assert load(root, SAMPLE).returncode == 0
        new = diskstore.current(root).id
        deadline = time.monotonic() + 60
        # The old workers gone (the old pool drained and closed): the cleanup is at the pages' store.
        while old_workers & worker_children() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not old_workers & worker_children(), "the old workers were not stopped"
        body = client.get("/health").json()
        assert (body["store"]["version"], body["draining"], body["reloads"]) == (new, 1, 1)
        assert describer_copies(root) == sorted([f"{old}/describer", f"{new}/describer"])  # not removed under the reader
        r = client.post("/sparql", data={"query": COUNT}, headers=JSON)
        assert r.status_code == 200
        assert rows(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)) == rows(q.run(sample_store, COUNT))  # type: ignore[arg-type]
        observation = "/id/obs/kinhtedothi-2025-03-07-lao-cai-ntp/capital-plan-2025"  # in the old data only
        assert client.get(observation, headers={"Accept": "text/turtle"}).status_code == 404  # pages from the new version
        assert len(held) > 0  # the held store still reads
        del held
        deadline = time.monotonic() + 60
        while client.get("/health").json()["draining"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/health").json()["draining"] == 0
        assert describer_copies(root) == [f"{new}/describer"]
        client.close()
    assert describer_copies(root) == []


@pytest.mark.parametrize("dumps", [("ntp-kg.nq", "sample.trig"), ("ntp-kg.nq",), ("ntp-kg.nq", "ntp-kg.nt")])
def test_the_workers_are_told_whether_the_default_graph_is_the_union(tmp_path: Path, dist: Path, dumps: tuple[str, ...]) -> None:
    """The workers over a version whose default graph holds the union are told so (they read it
    as it is: test_a_triple_in_two_graphs_is_one_triple_of_the_default_graph): a build's load,
    or files that left the default graph empty; a version whose files filled the default graph
    with triples of their own is read through pyoxigraph's union."""
    folders = {"sample.trig": Path(__file__).parent / "data"}
    r = load(tmp_path / "store", *(folders.get(d, dist) / d for d in dumps))
    assert r.returncode == 0, r.stderr
    limits = Limits(workers=1, time_limit=60.0)
    engine, _describer = open_store(tmp_path / "store", WorkerConfig((), True, limits.memory_limit), limits, "https://w3id.org/ntp-kg/", [])
    config = engine._pool.config
    assert (config.union_default_graph, config.default_graph_is_union) == (True, "sample.trig" not in dumps)


def test_a_triple_in_two_graphs_is_one_triple_of_the_default_graph(tmp_path: Path) -> None:
    """The default graph is a set. pyoxigraph's union of the graphs yields a triple once per graph
    holding it; over a store whose default graph holds the union, queries read that graph, each
    triple once; the in-memory server holds the union so, and so does its copy of the union alone
    (`--union-copy`, the default there) (real `ntp-kg load`, `ntp-kg serve --store` and `--data`,
    real HTTP)."""
    s, p = "<http://example.org/s>", "<http://example.org/p>"
    (tmp_path / "data.trig").write_text(f"<http://example.org/g1> {{ {s} {p} 1 , 2 . }}\n<http://example.org/g2> {{ {s} {p} 1 . }}\n", encoding="utf-8")
    (tmp_path / "union.nt").write_text(f'{s} {p} "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n{s} {p} "2"^^<http://www.w3.org/2001/XMLSchema#integer> .\n', encoding="utf-8")
    count = "SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?sum) WHERE { ?s ?p ?o }"
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    answers = {}
    copies = {}
    (tmp_path / "own.nt").write_text('<http://example.org/t> <http://example.org/q> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .\n', encoding="utf-8")
    for name, files in (("graphs", ["data.trig"]), ("union", ["data.trig", "union.nt"]), ("own default graph", ["data.trig", "own.nt"])):
        assert load(tmp_path / name, *(tmp_path / f for f in files)).returncode == 0
    for name, args in (
        ("graphs", ["--store", str(tmp_path / "graphs")]),
        ("union", ["--store", str(tmp_path / "union")]),
        ("union, copy", ["--store", str(tmp_path / "union"), "--union-copy"]),
        ("own default graph, copy asked", ["--store", str(tmp_path / "own default graph"), "--union-copy"]),
        ("own default graph", ["--store", str(tmp_path / "own default graph")]),
        ("memory", ["--data", str(tmp_path / "data.trig")]),
        ("memory, own default graph", ["--data", str(tmp_path / "data.trig"), "--no-union-default-graph"]),
        ("memory, no union copy", ["--data", str(tmp_path / "data.trig"), "--no-union-copy"]),
    ):
        server = start_server([*args, "--workers", "1"], tmp_path, name)
        try:
            answers[name] = (select(server, count), select(server, per_graph))
            copies[name] = health(server)["union_copy_triples"]
        finally:
            assert stop_server(server) == 0, server.logs()
    xsd = "http://www.w3.org/2001/XMLSchema#integer"
    graphs = [("<http://example.org/g1>", f'"2"^^<{xsd}>'), ("<http://example.org/g2>", f'"1"^^<{xsd}>')]
    assert answers["union"] == ([(f'"2"^^<{xsd}>', f'"3"^^<{xsd}>')], graphs)
    assert answers["union, copy"] == answers["union"]  # the count from the copy in memory, the graphs from disk
    assert answers["memory"] == ([(f'"2"^^<{xsd}>', f'"3"^^<{xsd}>')], graphs)
    assert answers["memory, no union copy"] == answers["memory"]  # the count from the held union, not the copy of it
    assert answers["memory, own default graph"] == ([(f'"0"^^<{xsd}>', f'"0"^^<{xsd}>')], graphs)
    assert answers["graphs"] == ([(f'"2"^^<{xsd}>', f'"3"^^<{xsd}>')], graphs)  # the load filled the empty default graph
    # A default graph the files filled is theirs: the load leaves it, and pyoxigraph's union counts "1" twice.
    assert answers["own default graph"] == ([(f'"4"^^<{xsd}>', f'"9"^^<{xsd}>')], graphs)
    assert answers["own default graph, copy asked"] == answers["own default graph"]  # no union held: nothing to copy
    assert copies == {
        "graphs": None, "union": None, "union, copy": 2, "own default graph": None, "own default graph, copy asked": None,
        "memory": 2, "memory, own default graph": None, "memory, no union copy": None,
    }
