"""Hostile and broken requests: updates refused everywhere with the data unchanged, no outbound
connection for SERVICE / FROM / FROM NAMED / LOAD / dataset IRIs, clear 4xx for malformed,
empty, oversized, deeply nested, non-UTF-8 and mistyped requests, and the server still answers."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from .conftest import Listener, LiveServer, raw_request
from .test_guard import UPDATES

COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o BIND('union' AS ?g) } } GROUP BY ?g ORDER BY ?g"


def counts(client: httpx.Client) -> list[tuple[str, str]]:
    r = client.get("/sparql", params={"query": COUNTS})
    assert r.status_code == 200
    return [(b["g"]["value"], b["n"]["value"]) for b in r.json()["results"]["bindings"]]


def alive(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert (r.status_code, r.json()) == (200, {"head": {}, "boolean": True})
    assert client.get("/health").json()["status"] == "ok"


def update_requests(update: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    """Every way to send `update`: as the protocol's update operation, and smuggled as a query."""
    enc = quote(update, safe="")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    out = []
    for path in ("/sparql", "/sparql/"):
        out += [
            ("GET", f"{path}?update={enc}", {}, b""),
            ("GET", f"{path}?query={enc}", {}, b""),
            ("POST", path, form, f"update={enc}".encode()),
            ("POST", path, form, f"query={enc}".encode()),
            ("POST", path, {"Content-Type": "application/sparql-update"}, update.encode()),
            ("POST", path, {"Content-Type": "application/sparql-query"}, update.encode()),
            ("POST", f"{path}?update={enc}", {}, b""),
        ]
    return out


def test_every_update_form_is_refused_and_nothing_changes(sample: httpx.Client) -> None:
    before = counts(sample)
    assert before == [("http://example.org/people", "23"), ("http://example.org/stats", "21"), ("union", "47")]
    for update in UPDATES:
        for method, url, headers, body in update_requests(update):
            r = sample.request(method, url, headers=headers, content=body)
            assert r.status_code == 403, (method, url, r.status_code, r.text)
            assert "SPARQL Update is not allowed: this endpoint is read-only" in r.text
    assert counts(sample) == before
    alive(sample)


def test_other_routes_take_no_updates(sample: httpx.Client) -> None:
    for path in ("/", "/health", "/limits"):
        r = sample.post(path, data={"update": "CLEAR ALL"})
        assert r.status_code == 405
    assert sample.get("/", params={"update": "CLEAR ALL"}).status_code == 200  # the page ignores it
    assert counts(sample)[-1] == ("union", "47")


def test_no_outbound_request_for_any_iri_in_a_query(sample: httpx.Client, listener: Listener) -> None:
    url = listener.url
    refused = {
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}": 400,
        f"SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}": 400,
        f"PREFIX : <{url}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}": 400,
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ service silent <{url}> {{ ?s ?p ?o }} }} }}": 400,
        f"LOAD <{url}data.ttl>": 403,
        f"LOAD SILENT <{url}data.ttl> INTO GRAPH <http://example.org/g>": 403,
        "LOAD <file:///etc/passwd>": 403,
    }
    for query, status in refused.items():
        r = sample.get("/sparql", params={"query": query})
        assert r.status_code == status, (query, r.text)
    assert "SERVICE is not allowed: this endpoint makes no outbound requests" in sample.get("/sparql", params={"query": next(iter(refused))}).text
    local = [
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}> FROM NAMED <{url}g> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        f"DESCRIBE <{url}>",
        f"CONSTRUCT {{ <{url}> ?p ?o }} WHERE {{ <{url}> ?p ?o }}",
    ]
    for query in local:
        r = sample.get("/sparql", params={"query": query})
        assert r.status_code == 200, r.text
    for params in ({"default-graph-uri": url}, {"named-graph-uri": url}, {"default-graph-uri": "file:///etc/hostname"}):
        r = sample.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", **params})
        assert r.status_code == 200
        assert r.json()["results"]["bindings"] == []
    assert sample.get("/sparql", params={"query": f"CONSTRUCT {{ <{url}> <{url}p> 1 }} WHERE {{}}", "format": "jsonld"}).status_code == 200
    assert listener.connections() == 0


def test_file_iris_are_never_read(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) FROM <file:///etc/passwd> FROM NAMED <file:///etc/hosts> WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"})
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "0"


MALFORMED = [
    "SELEC * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o ",
    "SELECT * WHERE { ?s ?p }",
    "ASK { FILTER( }",
    "PREFIX ex <http://x/> SELECT * {}",
    "SELECT * WHERE { ?s ?p \"unterminated }",
    "SELECT * WHERE { <http://bad iri> ?p ?o }",
    "{}",
    "\x00\x01\x02",
    "SELECT (COUNT(?x AS ?n) {}",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_get_400_with_the_parsers_message(sample: httpx.Client, query: str) -> None:
    r = sample.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    assert r.text.startswith("400 Bad Request: SPARQL syntax error: error at ")


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "status", "message"),
    [
        ("GET", "/sparql?query=", {}, b"", 400, "the query is empty"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"", 400, "the query is empty"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"   \n\t ", 400, "the query is empty"),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=", 400, "the query is empty"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK { ?s ?p \"\xc3\x28\" }", 400, "not valid UTF-8"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"\xff\xfeA\x00S\x00K\x00", 400, "not valid UTF-8"),
        ("GET", "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D", {}, b"", 400, "not valid UTF-8"),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=%C3%28", 400, "not valid UTF-8"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=utf-16"}, "ASK {}".encode("utf-16"), 415, "charset=utf-16"),
        ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415, "got text/plain"),
        ("POST", "/sparql", {"Content-Type": "application/xml"}, b"<query>ASK {}</query>", 415, "got application/xml"),
        ("POST", "/sparql", {}, b"ASK {}", 415, "no Content-Type"),
        ("GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}, b"", 400, "2 'query' parameters"),
        ("POST", "/sparql?query=ASK", {"Content-Type": "application/sparql-query"}, b"ASK {}", 400, "exactly one"),
        ("GET", "/sparql?query=ASK%20%7B%7D&default-graph-uri=%3Cnot%3E", {}, b"", 400, "not an absolute IRI"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query", "Content-Length": "abc"}, None, 400, "Bad Request"),
    ],
)
def test_broken_requests_get_clear_4xx(sample_server: LiveServer, method: str, url: str, headers: dict[str, str], body: bytes | None, status: int, message: str) -> None:
    if body is None:  # a request httpx would not send
        request = f"{method} {url} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: abc\r\n\r\nASK"
        assert raw_request(sample_server, request.encode())[0] == status
        return
    with sample_server.client() as client:
        r = client.request(method, url, headers=headers, content=body)
        assert r.status_code == status, r.text
        assert message in r.text
        assert "<html" not in r.text.lower() and "Traceback" not in r.text
        alive(client)


def test_oversized_queries(sample: httpx.Client) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_100_000
    r = sample.post("/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert r.text == f"413 Content Too Large: the request body has {len(big)} bytes; the limit is 1048576\n"
    r = sample.post("/sparql", data={"query": big})
    assert r.status_code == 413
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 150_000
    r = sample.post("/sparql", content=long_query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert r.text == f"413 Content Too Large: the query has {len(long_query)} characters; the limit is 100000\n"
    alive(sample)


def test_a_1_mb_url_is_refused_by_the_http_parser(sample_server: LiveServer) -> None:
    url = "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_000_000, safe="")
    status, _, _ = raw_request(sample_server, f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status == 400
    with sample_server.client() as client:
        alive(client)


def test_a_chunked_body_over_the_limit_is_cut_off(sample: httpx.Client) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"#" + b"x" * 65535

    r = sample.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert "more than 1048576 bytes" in r.text
    alive(sample)


def test_deeply_nested_queries_are_refused_before_the_parser(sample: httpx.Client) -> None:
    for query in ("SELECT * WHERE " + "{" * 3000 + "}" * 3000, "SELECT (" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) {}"):
        r = sample.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 400
        assert "query nested too deeply: more than 128 levels" in r.text
    alive(sample)
