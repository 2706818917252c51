"""`ntp-kg serve --sparql-backend` over the in-process mini store (gsp_server.py: pyoxigraph
behind the SPARQL protocol), so the remote engine and store are covered without Virtuoso: with
the same engine behind it, the front must give exactly the embedded engine's answers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from ntp_kg import resources
from ntp_kg.graphstore import Target, publish, template
from ntp_kg.server.remote import Backend, BackendError, discover
from tests.server.conftest import LiveServer, dist_server, start_server, stop_server  # noqa: F401 - dist_server: the in-memory server to compare with
from tests.sparql import golden

from .gsp_server import MiniStore, running
from .test_graphstore import socket_closed_port

NAMES = sorted(p.stem for p in (resources.data_root() / "sparql").glob("*.rq"))


@pytest.fixture(scope="module")
def mini(dist: Path) -> Iterator[tuple[MiniStore, str]]:
    m = MiniStore()
    # Not ours: a graph outside <base>graph/, which the front must never show.
    other = ox.NamedNode("http://example.org/system")
    m.store.add(ox.Quad(other, other, ox.Literal("system data"), other))
    with running(m) as base:
        list(publish(dist, Target(base + "/data", base + "/sparql")))
        yield m, base


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory, mini: tuple[MiniStore, str], dist: Path) -> Iterator[LiveServer]:
    server = start_server(["--sparql-backend", mini[1] + "/sparql", "--dist", str(dist), "--workers", "2", "--max-rows", "1000"], tmp_path_factory.mktemp("front"), "front")
    yield server
    assert stop_server(server) == 0, server.logs()


@pytest.mark.parametrize("name", NAMES)
def test_every_research_query_gives_its_golden_answer(front: LiveServer, name: str) -> None:
    text = (resources.data_root() / "sparql" / f"{name}.rq").read_text(encoding="utf-8")
    r = httpx.post(front.endpoint, data={"query": text}, headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}, timeout=60)
    assert r.status_code == 200, r.text
    if r.headers["content-type"] == "application/n-triples":
        actual = {"triples": sorted({line for line in r.text.splitlines() if line.strip()})}
    else:
        actual = golden.answer(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON), text)
    problem = golden.differences(golden.read(name), actual)
    assert problem is None, f"sparql/{name}.rq through the remote engine: {problem}"


def test_only_our_graphs_are_served(front: LiveServer, mini: tuple[MiniStore, str]) -> None:
    r = httpx.post(front.endpoint, data={"query": "SELECT ?g WHERE { GRAPH ?g {} } ORDER BY ?g"}, headers={"Accept": "text/csv"})
    assert r.text == "g\r\nhttps://w3id.org/ntp-kg/graph/ontology\r\nhttps://w3id.org/ntp-kg/graph/reference\r\nhttps://w3id.org/ntp-kg/graph/source/kinhtedothi-2025-03-07-lao-cai-ntp\r\n"
    r = httpx.post(front.endpoint, data={"query": "ASK { ?s ?p 'system data' }"}, headers={"Accept": "application/sparql-results+json"})
    assert r.content == b'{"head":{},"boolean":false}'
    # The guard runs before the backend hears anything.
    before = len(mini[0].requests)
    r = httpx.post(front.endpoint, data={"query": "DROP ALL"}, headers={"Accept": "text/plain"})
    assert (r.status_code, r.text) == (403, "403 Forbidden: SPARQL Update is not allowed: this endpoint is read-only (found DROP at line 1, column 1)\n")
    assert len(mini[0].requests) == before
    health = httpx.get(front.base + "/health").json()
    assert (health["status"], health["backend"], health["workers"]) == ("ok", mini[1] + "/sparql", 2)


def test_the_service_description_gives_no_size_it_does_not_know(front: LiveServer) -> None:
    """Each named graph's size is the backend's count; the union default graph's is not their sum
    (a triple in two graphs is one triple of it), and counting it there would be a DISTINCT over
    every quad: its void:triples is left out rather than wrong."""
    r = httpx.get(front.endpoint, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE, base_iri=front.endpoint)
    prefixes = "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> PREFIX void: <http://rdfs.org/ns/void#> "
    sizes = store.query(prefixes + "SELECT ?n WHERE { ?d sd:defaultGraph ?g . OPTIONAL { ?g void:triples ?n } }")
    assert isinstance(sizes, ox.QuerySolutions)
    assert [row["n"] for row in sizes] == [None]
    named = store.query(prefixes + "SELECT (COUNT(*) AS ?graphs) (MIN(?n) AS ?least) WHERE { ?d sd:namedGraph [ sd:graph [ void:triples ?n ] ] }")
    assert isinstance(named, ox.QuerySolutions)
    row = next(named)
    assert (row["graphs"].value, int(row["least"].value) > 0) == ("3", True)  # type: ignore[union-attr]


def test_pages_over_the_remote_store(front: LiveServer) -> None:
    r = httpx.get(front.base + "/id/area/lao-cai", headers={"Accept": "text/turtle"})
    assert (r.status_code, r.headers["content-location"]) == (200, "/id/area/lao-cai.ttl")
    assert '"Lào Cai"@vi' in r.text
    assert httpx.get(front.base + "/").status_code == 200
    assert "/id/area/lao-cai</loc>" in httpx.get(front.base + "/sitemap.xml").text


def test_the_sitemap_asks_the_backend_for_distinct_subjects(tmp_path: Path, mini: tuple[MiniStore, str], dist: Path, dist_server: LiveServer) -> None:
    """The sitemap's list of pages is one SELECT DISTINCT ?s sent to the backend (templates/
    sitemap-subjects.rq: the backend does the DISTINCT, one row per subject comes back), not a
    walk over every quad; and it lists the same pages as in-memory serving of the same build.
    A server of its own, without the warm-up: the list is read once per server, at the first
    request for it."""
    store, backend = mini
    server = start_server(["--sparql-backend", backend + "/sparql", "--dist", str(dist), "--workers", "2", "--no-warm-up"], tmp_path, "sitemap-front")
    try:
        before = len(store.queries)
        r = httpx.get(server.base + "/sitemap.xml", timeout=60)
        sent = store.queries[before:]
        again = httpx.get(server.base + "/sitemap.xml", timeout=60)
        assert store.queries[before:] == sent  # read once, then kept
    finally:
        assert stop_server(server) == 0, server.logs()
    assert sent == [template("sitemap-subjects")]
    memory = httpx.get(dist_server.base + "/sitemap.xml", timeout=60)
    assert (r.status_code, r.headers["content-type"]) == (200, "application/xml")
    assert r.text.replace(server.base, "") == memory.text.replace(dist_server.base, "")
    assert again.text == r.text
    assert r.text.count("<loc>") > 100


def test_limits_say_the_backend_runs_the_queries(front: LiveServer) -> None:
    """No worker processes here: /limits names no memory limit, workers or long-query reserve."""
    doc = httpx.get(front.base + "/limits").json()
    assert doc["execution"] == "remote"
    assert not {"workers", "memory_limit_bytes", "long_query_seconds", "max_long_queries"} & set(doc["limits"])
    assert doc["limits"]["max_backend_queries"] >= 1
    assert doc["long_queries"].startswith("Queries run on the SPARQL backend, which has its own limits")
    assert doc["timeout"].endswith("the backend may go on with it until its own limit.")


def test_a_page_waiting_on_the_backend_does_not_hold_other_requests(front: LiveServer, mini: tuple[MiniStore, str]) -> None:
    """Pages are described over the backend off the event loop: while one waits for a slow
    answer, /health and a query are answered (their answers arrive before the page's)."""
    store, _ = mini
    iri = "https://w3id.org/ntp-kg/id/area/lao-cai"
    release = threading.Event()
    store.hold = (f"<{iri}>", release)
    page: list[int] = []
    thread = threading.Thread(target=lambda: page.append(httpx.get(front.base + "/id/area/lao-cai", headers={"Accept": "text/turtle"}, timeout=60).status_code))
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while not any(r[1] == "/sparql" for r in store.requests[-3:]) and time.monotonic() < deadline:
            time.sleep(0.01)  # the page's description reached the backend and waits there
        health = httpx.get(front.base + "/health", timeout=20)
        ask = httpx.post(front.endpoint, data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}, timeout=20)
        assert (health.status_code, ask.status_code, ask.json()["boolean"]) == (200, 200, True)
        assert thread.is_alive() and page == []  # the page is still waiting for the backend
    finally:
        release.set()
        thread.join(60)
        store.hold = None
    assert page == [200]


def test_a_backend_without_our_graphs_or_unreachable_stops_serve(mini: tuple[MiniStore, str]) -> None:
    with pytest.raises(BackendError, match=r"holds no graph under https://example\.org/other/graph/: publish the build first \(ntp-kg publish\)$"):
        discover(Backend(mini[1] + "/sparql", "https://example.org/other/"), True)
    with pytest.raises(BackendError, match=r"^the SPARQL backend .*/data answered 405 to the list of graphs: Method Not Allowed$"):
        discover(Backend(mini[1] + "/data", "https://w3id.org/ntp-kg/"), True)
    with socket_closed_port() as port, pytest.raises(BackendError, match=f"^cannot reach the SPARQL backend http://127.0.0.1:{port}/sparql: "):
        discover(Backend(f"http://127.0.0.1:{port}/sparql", "https://w3id.org/ntp-kg/"), True)
    with pytest.raises(BackendError, match="^invalid --sparql-backend URL '127.0.0.1:1/sparql': give the store's query endpoint"):
        Backend("127.0.0.1:1/sparql", "https://w3id.org/ntp-kg/")


def test_serve_cli_refuses_data_with_a_backend_and_names_an_unreachable_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    cli = [sys.executable, "-c", "from ntp_kg.cli import app; app()", "serve"]
    with socket_closed_port() as port:
        r = subprocess.run([*cli, "--sparql-backend", f"http://127.0.0.1:{port}/sparql"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == f"error: cannot reach the SPARQL backend http://127.0.0.1:{port}/sparql: [Errno 111] Connection refused\n"
    data = tmp_path / "x.nt"
    data.write_text("<http://x/s> <http://x/p> <http://x/o> .\n", encoding="utf-8")
    r = subprocess.run([*cli, "--sparql-backend", "http://127.0.0.1:1/sparql", "--data", str(data)], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (2, "error: give either --sparql-backend or --data/--store: the backend holds the data (write it there with `ntp-kg publish`)\n")


def test_a_later_publish_is_served_without_a_restart(tmp_path: Path, dist: Path) -> None:
    """The front reads the backend's graphs again (`--backend-refresh`): a graph published after
    it started is in the union default graph and has its page; one removed is gone."""
    m = MiniStore()
    with running(m) as base:
        list(publish(dist, Target(base + "/data", base + "/sparql")))
        server = start_server(["--sparql-backend", base + "/sparql", "--workers", "1", "--backend-refresh", "0.2"], tmp_path, "front")
        try:
            graph = ox.NamedNode("https://w3id.org/ntp-kg/graph/source/later")
            count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:example:p> ?o }"

            def served() -> tuple[str, int]:
                r = httpx.post(server.endpoint, data={"query": count}, headers={"Accept": "text/csv"}, timeout=30)
                page = httpx.get(server.base + "/graph/source/later", headers={"Accept": "text/turtle"}, timeout=30)
                return r.text.splitlines()[1], page.status_code

            assert served() == ("0", 404)
            m.store.add(ox.Quad(ox.NamedNode("urn:example:s"), ox.NamedNode("urn:example:p"), ox.Literal("published later"), graph))
            assert _eventually(served, ("1", 200)), served()
            m.store.remove_graph(graph)
            assert _eventually(served, ("0", 404)), served()
        finally:
            assert stop_server(server) == 0, server.logs()


def _eventually(probe: Callable[[], object], want: object, within: float = 20.0) -> bool:
    """Whether `probe()` gives `want` before `within` seconds (a bound, not a timing assertion)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if probe() == want:
            return True
        time.sleep(0.1)
    return False


def test_a_negative_backend_refresh_is_refused() -> None:
    r = subprocess.run([sys.executable, "-m", "ntp_kg", "serve", "--sparql-backend", "http://127.0.0.1:9/sparql", "--backend-refresh", "-1"], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (2, "error: --backend-refresh must be 0 or more seconds, not -1.0\n")
