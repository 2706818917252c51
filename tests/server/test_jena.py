"""A Java client: Apache Jena's `rsparql --post` (Debian's libapache-jena-java) against the live
server. Java's HTTP client sends `Upgrade: h2c` with its POSTs; with uvicorn's httptools parser
the body was dropped (uvicorn issue 2722). The answers are compared, as data, with the same
queries run in process on the same file.

Skipped, with the install command, only when java or Debian's Jena is not installed.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from .conftest import LiveServer
from .jena import JenaMissing, classpath

QUERIES = Path(__file__).resolve().parent / "data" / "jena"


@pytest.fixture(scope="module")
def jena(tmp_path_factory: pytest.TempPathFactory) -> str:
    try:
        return classpath(tmp_path_factory.mktemp("jena"))
    except JenaMissing as exc:
        pytest.skip(str(exc))


def rsparql(cp: str, endpoint: str, query: Path, results: str) -> bytes:
    cmd = ["java", "-cp", cp, "arq.rsparql", "--post", "--service", endpoint, "--query", str(query), f"--results={results}"]
    done = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, f"rsparql failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}"
    return done.stdout


def oracle(store: ox.Store, query: Path) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    return store.query(query.read_text(encoding="utf-8"), use_default_graph_as_union=True)


def rows(solutions: object) -> list[tuple[str, ...]]:
    """Rows as text, blank nodes reduced to one token (their labels are local to each answer)."""
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple("_:b" if isinstance(t, ox.BlankNode) else str(t) for t in s) for s in solutions]


def test_select_over_post(sample_server: LiveServer, sample_store: ox.Store, jena: str) -> None:
    query = QUERIES / "select.rq"
    out = rsparql(jena, sample_server.endpoint, query, "JSON")
    got = ox.parse_query_results(out, format=ox.QueryResultsFormat.JSON)
    expected = rows(oracle(sample_store, query))
    assert len(expected) == 13
    assert rows(got) == expected


@pytest.mark.parametrize(("name", "answer"), [("ask.rq", True), ("ask-false.rq", False)])
def test_ask_over_post(sample_server: LiveServer, sample_store: ox.Store, jena: str, name: str, answer: bool) -> None:
    query = QUERIES / name
    assert bool(oracle(sample_store, query)) is answer
    out = rsparql(jena, sample_server.endpoint, query, "JSON")
    got = ox.parse_query_results(out, format=ox.QueryResultsFormat.JSON)
    assert isinstance(got, ox.QueryBoolean) and bool(got) is answer


def test_construct_over_post(sample_server: LiveServer, sample_store: ox.Store, jena: str) -> None:
    query = QUERIES / "construct.rq"
    out = rsparql(jena, sample_server.endpoint, query, "TTL")
    got = {q.triple for q in ox.parse(out, format=ox.RdfFormat.TURTLE)}
    expected = set(oracle(sample_store, query))  # type: ignore[arg-type]
    assert len(expected) == 12
    assert got == expected


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback HTTP listener that records one request and answers an ASK with true."""
    seen: list[bytes] = []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(60)

    def serve() -> None:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(v) for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")) if k.strip().lower() == b"content-length"), 0)
            while len(body) < length:
                body += conn.recv(65536)
            seen.append(head + b"\r\n\r\n" + body)
            answer = b'{"head":{},"boolean":true}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nConnection: close\r\n"
                         b"Content-Length: " + str(len(answer)).encode() + b"\r\n\r\n" + answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", seen
    sock.close()
    thread.join(5)


def test_the_java_client_does_send_an_h2c_upgrade_with_its_post(recorder: tuple[str, list[bytes]], jena: str) -> None:
    """What the tests above exercise: the request rsparql --post sends, as a listener sees it."""
    url, seen = recorder
    query = QUERIES / "ask.rq"
    rsparql(jena, url, query, "JSON")
    (request,) = seen
    head, _, body = request.partition(b"\r\n\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.decode("latin-1").partition(":") for line in head.split(b"\r\n")[1:])}
    assert head.startswith(b"POST /sparql HTTP/1.1")
    assert headers["upgrade"] == "h2c"
    assert "upgrade" in headers["connection"].lower()
    assert headers["content-type"].startswith("application/sparql-query")
    # Jena sends the query as it re-prints it after parsing, not the file's bytes.
    assert int(headers["content-length"]) == len(body)
    assert b"<http://example.org/>" in body and b"ASK" in body and b"ex:alice ex:knows ex:bob" in body.replace(b"  ", b" ")
