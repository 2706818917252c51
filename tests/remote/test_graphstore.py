"""`ntp-kg publish` against a minimal Graph Store Protocol server run in-process on 127.0.0.1
(gsp_server.py): what is PUT, that a second publish replaces rather than adds, the count check,
auth, and the messages of every failure. Virtuoso runs the same command in test_virtuoso.py."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg.graphstore import (
    AuthScheme,
    BodyFormat,
    CountMismatch,
    GraphStoreError,
    GraphStoreHTTPError,
    Target,
    publish,
    graph_sizes,
    split_graphs,
)
from ntp_kg.sparqltext import bind

from .gsp_server import MiniStore, running

CLI = "from ntp_kg.cli import app; app()"


@pytest.fixture(scope="module")
def expected(dist: Path) -> dict[str, int]:
    """Triples per named graph of the session build, counted by pyoxigraph."""
    store = ox.Store()
    store.load(path=str(dist / "ntp-kg.nq"), format=ox.RdfFormat.N_QUADS)
    return {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs() if isinstance(g, ox.NamedNode)}


def target(base: str, **kwargs: object) -> Target:
    return Target(base + "/data", base + "/sparql", **kwargs)  # type: ignore[arg-type]


@pytest.fixture()
def mini() -> Iterator[tuple[MiniStore, str]]:
    m = MiniStore()
    with running(m) as base:
        yield m, base


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, "publish", *args], capture_output=True, text=True, timeout=120)


def test_split_graphs_writes_every_named_graph_of_the_build_as_it_is(dist: Path, expected: dict[str, int], tmp_path: Path) -> None:
    graphs = split_graphs(dist, tmp_path)
    assert {g: f.triples for g, f in graphs.items()} == expected == graph_sizes(dist)
    # The terms as the dump writes them (a Store would turn xsd:nonNegativeInteger into xsd:integer).
    dump = {q for q in ox.parse(path=str(dist / "ntp-kg.nq"), format=ox.RdfFormat.N_QUADS)}
    split = {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, f in graphs.items() for t in ox.parse(path=str(f.path), format=ox.RdfFormat.N_TRIPLES)}
    assert split == dump
    assert any(isinstance(q.object, ox.Literal) and q.object.datatype.value.endswith("#nonNegativeInteger") for q in split)
    assert sorted(expected) == [
        "https://w3id.org/ntp-kg/graph/ontology",
        "https://w3id.org/ntp-kg/graph/reference",
        "https://w3id.org/ntp-kg/graph/source/kinhtedothi-2025-03-07-lao-cai-ntp",
    ]


def test_publish_puts_each_graph_and_checks_its_count(dist: Path, expected: dict[str, int], mini: tuple[MiniStore, str]) -> None:
    m, base = mini
    results = list(publish(dist, target(base)))
    assert m.counts() == expected
    puts = [(method, graph, ctype) for method, path, graph, ctype in m.requests if method == "PUT"]
    assert puts == [("PUT", g, "application/n-triples") for g in sorted(expected)]
    assert [(r.graph, r.sent, r.status, r.stored) for r in results] == [
        *((g, n, 201, None) for g, n in sorted(expected.items())),
        *((g, n, 201, n) for g, n in sorted(expected.items())),
    ]
    # What the store holds is exactly the build's triples, graph by graph.
    built = ox.Store()
    built.load(path=str(dist / "ntp-kg.nq"), format=ox.RdfFormat.N_QUADS)
    assert set(m.store) == set(built)


def test_publishing_twice_replaces_and_keeps_other_graphs(dist: Path, expected: dict[str, int], mini: tuple[MiniStore, str]) -> None:
    m, base = mini
    other = ox.NamedNode("http://example.org/not-ours")
    m.store.add(ox.Quad(other, other, ox.Literal("kept"), other))
    stale = ox.NamedNode("https://w3id.org/ntp-kg/graph/reference")
    m.store.add(ox.Quad(stale, stale, ox.Literal("stale"), stale))
    list(publish(dist, target(base, body_format=BodyFormat.turtle)))
    second = list(publish(dist, target(base)))
    assert m.counts() == {**expected, other.value: 1}
    assert not list(m.store.quads_for_pattern(stale, stale, None, stale))
    assert [r.status for r in second if r.stored is None] == [204, 204, 204]
    assert {ctype for method, _, _, ctype in m.requests if method == "PUT"} == {"text/turtle; charset=utf-8", "application/n-triples"}


def test_a_store_that_loses_a_triple_fails_the_check_naming_graph_and_counts(dist: Path, expected: dict[str, int]) -> None:
    lossy = "https://w3id.org/ntp-kg/graph/reference"
    m = MiniStore(drop_one_triple_from=lossy)
    with running(m) as base, pytest.raises(CountMismatch) as err:
        list(publish(dist, target(base)))
    n = expected[lossy]
    assert str(err.value) == f"1 of 3 graphs differ in {base}/sparql after publishing: <{lossy}>: sent {n} triples, the store counts {n - 1}"
    assert err.value.exit_code == 1


def test_cli_publishes_with_basic_auth_and_reports_each_graph(dist: Path, expected: dict[str, int]) -> None:
    m = MiniStore(user="writer", password="s3cret")
    with running(m) as base:
        r = subprocess.run(
            [sys.executable, "-c", CLI, "publish", "--graph-store", base + "/data", "--sparql", base + "/sparql", "--dist", str(dist), "--user", "writer"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NTP_KG_GRAPH_STORE_PASSWORD": "s3cret"},
        )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines == [
        *(f"PUT <{g}>: {n} triples -> 201" for g, n in sorted(expected.items())),
        *(f"checked <{g}>: {n} triples in the store" for g, n in sorted(expected.items())),
        f"published {dist} to {base}/data",
    ]
    assert m.counts() == expected


def test_cli_bearer_token(dist: Path, expected: dict[str, int]) -> None:
    m = MiniStore(token="t0ken")
    with running(m) as base:
        r = run_cli("--graph-store", base + "/data", "--sparql", base + "/sparql", "--dist", str(dist), "--token", "t0ken")
    assert r.returncode == 0, r.stderr
    assert m.counts() == expected


def test_wrong_credentials_exit_2_with_status_and_body(dist: Path) -> None:
    m = MiniStore(user="writer", password="s3cret")
    with running(m) as base:
        r = run_cli("--graph-store", base + "/data", "--sparql", base + "/sparql", "--dist", str(dist), "--user", "writer", "--password", "wrong")
        no_credentials = run_cli("--graph-store", base + "/data", "--sparql", base + "/sparql", "--dist", str(dist))
    first = "https://w3id.org/ntp-kg/graph/ontology"
    assert r.returncode == 2
    assert r.stderr == (
        f"error: replacing graph <{first}>: PUT {base}/data?graph=https%3A%2F%2Fw3id.org%2Fntp-kg%2Fgraph%2Fontology answered 401 Unauthorized; "
        "the store refused the credentials: check --user/--password (or --token) and the user's write permission; body: credentials required\n"
    )
    assert no_credentials.returncode == 2
    assert 'answered 401 Unauthorized; the store asks for credentials (Basic realm="mini"): give --user/--password or --token' in no_credentials.stderr
    assert m.counts() == {}


def test_digest_sent_where_basic_is_asked_says_which_scheme_to_use(dist: Path) -> None:
    m = MiniStore(user="writer", password="s3cret")
    with running(m) as base, pytest.raises(GraphStoreHTTPError) as err:
        list(publish(dist, target(base, user="writer", password="s3cret", auth=AuthScheme.digest)))
    # httpx's DigestAuth answers only Digest challenges: it sends no credentials to a Basic one.
    assert err.value.status == 401
    assert "the store asks for credentials (Basic realm=\"mini\")" in str(err.value)


def test_unreachable_store_and_bad_options(dist: Path, tmp_path: Path) -> None:
    with socket_closed_port() as port:
        with pytest.raises(GraphStoreError) as err:
            list(publish(dist, Target(f"http://127.0.0.1:{port}/data", f"http://127.0.0.1:{port}/sparql", timeout=5)))
    assert str(err.value).startswith(f"cannot reach the graph store http://127.0.0.1:{port}/data for graph <https://w3id.org/ntp-kg/graph/ontology>: ")
    with pytest.raises(GraphStoreError, match=r"^invalid graph-store URL 'localhost:1/data': give http\(s\)://host\[:port\]/path$"):
        Target("localhost:1/data", "http://127.0.0.1:1/sparql")
    with pytest.raises(GraphStoreError, match="^--user u needs a password: --password or the NTP_KG_GRAPH_STORE_PASSWORD variable$"):
        Target("http://127.0.0.1:1/data", "http://127.0.0.1:1/sparql", user="u")
    with pytest.raises(GraphStoreError, match="^give either --user/--password or --token, not both$"):
        Target("http://127.0.0.1:1/data", "http://127.0.0.1:1/sparql", user="u", password="p", token="t")
    with pytest.raises(GraphStoreError, match=f"^{tmp_path / 'ntp-kg.nq'} does not exist: run `ntp-kg build` \\(or give --dist\\) first$"):
        split_graphs(tmp_path, tmp_path)
    r = run_cli("--graph-store", "http://127.0.0.1:1/data", "--sparql", "http://127.0.0.1:1/sparql", "--dist", str(dist), "--auth", "kerberos")
    assert r.returncode == 2
    assert r.stderr == "error: 'kerberos' is not a valid AuthScheme: --auth is basic or digest, --format is ntriples or turtle\n"


def test_a_sparql_url_that_is_not_a_query_endpoint_is_named(dist: Path, mini: tuple[MiniStore, str]) -> None:
    m, base = mini
    with pytest.raises(GraphStoreError) as err:
        list(publish(dist, Target(base + "/data", base + "/data")))
    assert "counting the triples of <https://w3id.org/ntp-kg/graph/ontology>: POST" in str(err.value)
    assert "answered 405 Method Not Allowed" in str(err.value)


def test_bind_replaces_only_variables() -> None:
    q = '# ?g in a comment\nSELECT ?g ("?g" AS ?s) WHERE { GRAPH ?g { <http://x/?g> ?p $g } }'
    out = bind(q, {"g": ox.NamedNode("http://example.org/g")})
    assert out == '# ?g in a comment\nSELECT <http://example.org/g> ("?g" AS ?s) WHERE { GRAPH <http://example.org/g> { <http://x/?g> ?p <http://example.org/g> } }'
    assert bind("ASK { ?s ?p ?o }", {"o": ox.Literal('say "hi"\n', language="vi")}) == 'ASK { ?s ?p "say \\"hi\\"\\n"@vi }'


@contextmanager
def socket_closed_port() -> Iterator[int]:
    """A loopback port with nothing listening (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    yield port


def test_the_package_queries_on_disk_are_the_ones_used() -> None:
    """src/ntp_kg/templates/*.rq are loaded by name (sparqltext.template): the names in the code
    and the files agree, each opens with the question it answers and parses."""
    from importlib import resources as importlib_resources

    from ntp_kg.sparqltext import template

    used = {"graph-size", "remote-graphs", "remote-quads", "remote-size", "remote-all-triples", "sitemap-subjects", "union-predicates", "union-predicate-triples"}
    folder = importlib_resources.files("ntp_kg") / "templates"
    assert {p.name.removesuffix(".rq") for p in folder.iterdir() if p.name.endswith(".rq")} == used
    for name in sorted(used):
        text = template(name)
        opening = " ".join(line for line in text.splitlines() if line.startswith("#"))
        assert text.startswith("# ") and re.search(r"\w\?(\s|$)", opening), f"{name}.rq must open with the question it answers"
        ox.Store().query(bind(text, {"prefix": ox.Literal("x")}) if "?prefix" in text else text)
