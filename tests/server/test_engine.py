"""The worker pool driven directly (no HTTP): defence in depth for SERVICE, load failures,
protocol datasets, the memory-error path."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ntp_kg.server.engine import StartupError, WorkerPool
from ntp_kg.server.errors import BadRequest, NotAcceptable, QuerySyntaxError
from ntp_kg.server.limits import Limits
from ntp_kg.server.sources import DataSource
import pyoxigraph as ox

from ntp_kg.server.guard import inspect
from ntp_kg.server.worker import Job, WorkerConfig, execute

from .conftest import KASEI, SAMPLE, W3C_DIR, Listener


def pool(*sources: DataSource, workers: int = 1) -> WorkerPool:
    return WorkerPool(WorkerConfig(tuple(sources), True, 512 * 2**20, {}), Limits(workers=workers, time_limit=5, queue_size=2))


def job(query: str, **kw: object) -> Job:
    return Job(query, "json", "json", "ntriples", **kw)  # type: ignore[arg-type]


def test_workers_have_no_network_even_for_service_past_the_guard(listener: Listener) -> None:
    """The guard refuses SERVICE; this sends it straight to a worker to show the second wall."""

    async def main() -> tuple[bool, bytes]:
        p = pool(DataSource(SAMPLE))
        await p.start()
        try:
            answer = await p.run(job(f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}"))
            return p.info.network_isolated, answer.body
        finally:
            await p.close()

    isolated, body = asyncio.run(main())
    if not isolated:
        pytest.skip("this system lets no process leave the network namespace (unshare refused)")
    assert json.loads(body)["results"]["bindings"] == [{}]  # SILENT: the failed call gives one empty solution
    assert listener.connections() == 0


def test_a_file_that_does_not_load_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> .", encoding="utf-8")
    with pytest.raises(StartupError, match=r"bad\.ttl: cannot load as Turtle"):
        asyncio.run(pool(DataSource(bad), workers=2).start())


def test_answers_errors_and_datasets() -> None:
    async def main() -> None:
        p = pool(*(DataSource(W3C_DIR / f"data{i}.nt", KASEI.format(i)) for i in (1, 2, 3)), workers=2)
        await p.start()
        try:
            assert [g for g, _ in p.info.graphs] == [KASEI.format(i) for i in (1, 2, 3)]
            count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
            for kw, expected in (({}, "3"), ({"default_graphs": (KASEI.format(2),)}, "1"), ({"named_graphs": (KASEI.format(2),)}, "0")):
                body = json.loads((await p.run(job(count, **kw))).body)
                assert body["results"]["bindings"][0]["n"]["value"] == expected
            with pytest.raises(QuerySyntaxError, match="error at 1:7"):
                await p.run(job("SELECT"))
            with pytest.raises(BadRequest, match="query evaluation failed"):
                await p.run(job("SELECT * { SERVICE ?unbound { ?s ?p ?o } }"))
            with pytest.raises(NotAcceptable):
                await p.run(Job("ASK {}", "csv", None, None))
            answers = await asyncio.gather(*(p.run(job("ASK { ?s ?p ?o }")) for _ in range(4)))  # 2 run, 2 queue
            assert {a.body for a in answers} == {b'{"head":{},"boolean":true}'}
            assert p.status() | {"network_isolated": None} == {
                "workers": 2, "idle": 2, "busy": 0, "starting": 0, "queued": 0, "queue_size": 2, "replaced": 0, "spare": 0,
                "long": 0, "max_long": 1, "stopped_long": 0, "network_isolated": None, "union_copy_triples": None,
            }
        finally:
            await p.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("query", "protocol_dataset", "answered_by"),
    [
        ("SELECT ?o WHERE { ?s ?p ?o }", False, "copy"),
        ("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", False, "store"),
        ("SELECT ?o FROM <http://example.org/g> WHERE { ?s ?p ?o }", False, "store"),
        ("SELECT ?o WHERE { ?s ?p ?o }", True, "store"),
    ],
)
def test_only_queries_of_the_default_graph_alone_go_to_the_union_copy(query: str, protocol_dataset: bool, answered_by: str) -> None:
    """`serve --union-copy`: the copy holds no named graphs, so a query that names one (GRAPH,
    FROM, the protocol's dataset) must be answered by the store. Here the copy holds a marker
    the store does not, to see which one answered (the real copy holds the store's default graph:
    same answers, tests/server/test_store.py)."""
    g, s, p = ox.NamedNode("http://example.org/g"), ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    store = ox.Store()
    store.extend([ox.Quad(s, p, ox.Literal("store"), g), ox.Quad(s, p, ox.Literal("store"))])
    copy = ox.Store()
    copy.add(ox.Quad(s, p, ox.Literal("copy")))
    seen = inspect(query, 10)
    dataset = {"default_graphs": ("http://example.org/g",), "named_graphs": ()} if protocol_dataset else {}
    header, body = execute(store, job(query, query_dataset=seen.dataset, graph_patterns=seen.graph_patterns, **dataset), {}, False, copy)
    assert header["type"] == "answer" and body is not None
    assert [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]] == [answered_by]
