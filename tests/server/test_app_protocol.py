"""The protocol matrix against a live server: the three ways to send a query, every result
format re-parsed by a real parser and compared with the in-process answer, negotiation
(q-values, wildcards, format=), 405/406/415, error bodies, CORS, gzip, h2c, datasets."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from .conftest import LiveServer, raw_request

EX = "http://example.org/"
PEOPLE = f"""PREFIX ex: <{EX}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?person ?label ?age WHERE {{ ?person a ex:Person ; rdfs:label ?label OPTIONAL {{ ?person ex:age ?age }} }}
ORDER BY ?person ?label"""
CONSTRUCT = f"PREFIX ex: <{EX}> CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ex:people {{ ?s ?p ?o }} }}"
ASK_TRUE = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"
CORS = {"access-control-allow-origin": "*", "access-control-expose-headers": "X-SPARQL-Truncated, Retry-After, Link, Content-Length"}

SELECT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
GRAPH_TYPES = {
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "trig": "application/trig",
    "nquads": "application/n-quads",
}
OX_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
OX_GRAPHS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
RDFLIB_GRAPHS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml", "trig": "trig", "nquads": "nquads"}


def expected_rows(store: ox.Store, query: str) -> list[tuple[object, ...]]:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(s) for s in result]


def rows_of(response: httpx.Response, fmt: str) -> list[tuple[object, ...]]:
    parsed = ox.parse_query_results(response.content, format=OX_RESULTS[fmt])
    assert isinstance(parsed, ox.QuerySolutions)
    return [tuple(s) for s in parsed]


def graph_of(data: bytes, fmt: str) -> Graph:
    g = Graph()
    if fmt in ("trig", "nquads"):
        ds = Dataset()
        ds.parse(data=data, format=RDFLIB_GRAPHS[fmt])
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        g.parse(data=data, format=RDFLIB_GRAPHS[fmt])
    return g


def oracle_graph(store: ox.Store, query: str) -> Graph:
    triples = list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    g = Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


# --- the three ways in --------------------------------------------------------------------


def test_get_post_form_and_post_direct_agree(sample: httpx.Client, sample_store: ox.Store) -> None:
    expected = expected_rows(sample_store, PEOPLE)
    answers = [
        sample.get("/sparql", params={"query": PEOPLE}),
        sample.post("/sparql", data={"query": PEOPLE}),
        sample.post("/sparql", content=PEOPLE.encode(), headers={"Content-Type": "application/sparql-query"}),
        sample.post("/sparql/", content=PEOPLE.encode(), headers={"Content-Type": "application/sparql-query; charset=utf-8"}),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert rows_of(r, "json") == expected
    assert len(expected) == 7


def test_expected_answer_spelled_out(sample: httpx.Client) -> None:
    """Not only "the same as the engine": the labels and ages as written in the data."""
    r = sample.get("/sparql", params={"query": PEOPLE, "format": "json"})
    rows = [
        (b["person"]["value"].removeprefix(EX), b["label"]["value"], b["label"].get("xml:lang"), b.get("age", {}).get("value"))
        for b in r.json()["results"]["bindings"]
    ]
    assert rows == [
        ("alice", "Alice", "en", "42"),
        ("alice", "أليس", "ar", "42"),
        ("bob", "Bob", "en", "7"),
        ("bob", "Bốp", "vi", "7"),
        ("carol", "Carol", "en", "35"),
        ("dave", 'Dave "the brave", of Hanoi', "en", None),
        ("erin", "Erin <&> 'quoted'", None, None),
    ]


# --- every format, re-parsed -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(SELECT_TYPES))
def test_select_in_every_format(sample: httpx.Client, sample_store: ox.Store, fmt: str) -> None:
    r = sample.get("/sparql", params={"query": PEOPLE}, headers={"Accept": SELECT_TYPES[fmt].split(";")[0]})
    assert r.status_code == 200
    assert r.headers["content-type"] == SELECT_TYPES[fmt]
    assert r.headers["vary"].startswith("Accept")
    expected = expected_rows(sample_store, PEOPLE)
    if fmt == "csv":  # CSV loses types: compare the lexical values
        table = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
        assert table[0] == ["person", "label", "age"]
        assert table[1:] == [["" if t is None else t.value for t in row] for row in expected]  # type: ignore[union-attr]
        assert r.content.endswith(b"\r\n")
        return
    assert rows_of(r, fmt) == expected
    if fmt == "xml":
        root = ET.fromstring(r.content)
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert [v.get("name") for v in root.iter(f"{ns}variable")] == ["person", "label", "age"]
        assert len(list(root.iter(f"{ns}result"))) == len(expected)
    if fmt == "json":
        assert json.loads(r.content)["head"]["vars"] == ["person", "label", "age"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask(sample: httpx.Client, fmt: str) -> None:
    for query, value in ((ASK_TRUE, True), (ASK_TRUE.replace("bob", "carol"), False)):
        r = sample.get("/sparql", params={"query": query, "format": fmt})
        assert r.status_code == 200
        assert r.headers["content-type"] == SELECT_TYPES[fmt]
        assert bool(ox.parse_query_results(r.content, format=OX_RESULTS[fmt])) is value


@pytest.mark.parametrize("fmt", sorted(GRAPH_TYPES))
def test_construct_in_every_format(sample: httpx.Client, sample_store: ox.Store, fmt: str) -> None:
    r = sample.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": GRAPH_TYPES[fmt].split(";")[0]})
    assert r.status_code == 200
    assert r.headers["content-type"] == GRAPH_TYPES[fmt]
    expected = oracle_graph(sample_store, CONSTRUCT)
    assert len(expected) == 23
    assert isomorphic(graph_of(r.content, fmt), expected)
    assert len(list(ox.parse(r.content, format=OX_GRAPHS[fmt]))) == len(expected)


def test_describe(sample: httpx.Client, sample_store: ox.Store) -> None:
    query = f"DESCRIBE <{EX}carol>"
    r = sample.get("/sparql", params={"query": query})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert isomorphic(graph_of(r.content, "turtle"), oracle_graph(sample_store, query))


def test_jsonld_is_compacted_with_the_published_context(sample_server: LiveServer) -> None:
    from ntp_kg import resources

    r = httpx.get(sample_server.endpoint, params={"query": CONSTRUCT, "format": "jsonld"})
    doc = r.json()
    assert doc["@context"] == dict(resources.context())  # inline: never a remote context
    assert "@graph" in doc
    nodes = {n["@id"]: n for n in doc["@graph"]}
    assert "rdfs:label" in nodes[f"{EX}alice"]  # properties compacted with the context's prefixes


# --- negotiation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "params", "content_type"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", {}, SELECT_TYPES["xml"]),
        ("text/*", {}, SELECT_TYPES["csv"]),
        ("text/*;q=0.9, text/tab-separated-values", {}, SELECT_TYPES["tsv"]),
        ("application/sparql-results+json;q=0, */*;q=0.1", {}, SELECT_TYPES["xml"]),
        ("application/json", {}, SELECT_TYPES["json"]),
        ("application/xml", {}, SELECT_TYPES["xml"]),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", {}, SELECT_TYPES["xml"]),
        ("application/sparql-results+json", {"format": "tsv"}, SELECT_TYPES["tsv"]),
        ("image/png", {"format": "csv"}, SELECT_TYPES["csv"]),
        ("*/*", {"format": "application/sparql-results+xml"}, SELECT_TYPES["xml"]),
        ("*/*", {"format": "srj"}, SELECT_TYPES["json"]),
    ],
)
def test_select_negotiation(sample: httpx.Client, accept: str, params: dict[str, str], content_type: str) -> None:
    r = sample.get("/sparql", params={"query": PEOPLE, **params}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("accept", "params", "content_type"),
    [
        ("application/rdf+xml;q=0.5, text/turtle;q=0.4", {}, GRAPH_TYPES["rdfxml"]),
        ("application/*", {}, GRAPH_TYPES["ntriples"]),
        ("text/turtle;q=0, */*", {}, GRAPH_TYPES["ntriples"]),
        ("application/sparql-results+json, application/json;q=0.5", {}, GRAPH_TYPES["jsonld"]),
        ("*/*", {"format": "json"}, GRAPH_TYPES["jsonld"]),
        ("*/*", {"format": "xml"}, GRAPH_TYPES["rdfxml"]),
        ("text/turtle", {"format": "nquads"}, GRAPH_TYPES["nquads"]),
        ("*/*", {"format": "ttl"}, GRAPH_TYPES["turtle"]),
    ],
)
def test_graph_negotiation(sample: httpx.Client, accept: str, params: dict[str, str], content_type: str) -> None:
    r = sample.get("/sparql", params={"query": CONSTRUCT, **params}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("query", "accept", "params", "message"),
    [
        (PEOPLE, "image/png", {}, "none of the Accept header's types fits SELECT results"),
        (PEOPLE, "text/turtle", {}, "fits SELECT results"),
        (CONSTRUCT, "application/sparql-results+json", {}, "fits CONSTRUCT results"),
        (ASK_TRUE, "text/csv", {}, "fits ASK results"),
        (CONSTRUCT, "*/*", {"format": "csv"}, "format=csv is not available for CONSTRUCT results"),
        (PEOPLE, "*/*", {"format": "turtle"}, "format=turtle is not available for SELECT results"),
    ],
)
def test_406(sample: httpx.Client, query: str, accept: str, params: dict[str, str], message: str) -> None:
    r = sample.get("/sparql", params={"query": query, **params}, headers={"Accept": accept})
    assert r.status_code == 406
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert message in r.text


def test_unknown_format_is_400(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": PEOPLE, "format": "yaml"})
    assert r.status_code == 400
    assert "unknown format='yaml'" in r.text


# --- methods, media types, errors ----------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_405_with_allow(sample: httpx.Client, method: str) -> None:
    r = sample.request(method, "/sparql", params={"query": "ASK {}"})
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert r.text == f"405 Method Not Allowed: method {method} is not allowed on the SPARQL endpoint: use GET or POST\n"


def test_405_on_other_paths(sample: httpx.Client) -> None:
    r = sample.post("/health")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/plain", b"ASK {}"), ("application/json", b'{"query": "ASK {}"}'), ("multipart/form-data; boundary=x", b"--x--"), (None, b"query=ASK%20%7B%7D")],
)
def test_415(sample: httpx.Client, content_type: str | None, body: bytes) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = sample.post("/sparql", content=body, headers=headers)
    assert r.status_code == 415
    assert "POST a query as application/x-www-form-urlencoded or application/sparql-query" in r.text


def test_syntax_error_gives_the_parsers_message_and_position(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.text.startswith("400 Bad Request: SPARQL syntax error: error at 1:26: expected")


def test_error_body_is_json_when_asked(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": "ASK {"}, headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["status"] == 400 and body["error"] == "Bad Request"
    assert body["message"].startswith("SPARQL syntax error: error at 1:6")


def test_missing_query_in_post(sample: httpx.Client) -> None:
    r = sample.post("/sparql", data={"default-graph-uri": f"{EX}people"})
    assert r.status_code == 400
    assert "no query" in r.text


def test_unknown_path_is_404_without_html(sample: httpx.Client) -> None:
    r = sample.get("/nothing/here", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "<" not in r.text


def test_head(sample: httpx.Client) -> None:
    r = sample.head("/sparql", params={"query": ASK_TRUE})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert r.content == b""


# --- CORS, gzip, h2c -----------------------------------------------------------------------


def test_cors_preflight(sample: httpx.Client) -> None:
    r = sample.options(
        "/sparql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert "Content-Type" in r.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in r.headers
    assert r.headers["allow"] == "GET, HEAD, POST, OPTIONS"


@pytest.mark.parametrize("origin", ["https://yasgui.example", "null"])
def test_cors_never_reflects_the_origin(sample: httpx.Client, origin: str) -> None:
    for r in (
        sample.get("/sparql", params={"query": ASK_TRUE}, headers={"Origin": origin}),
        sample.post("/sparql", data={"query": "ASK {"}, headers={"Origin": origin}),
        sample.post("/sparql", data={"update": "CLEAR ALL"}, headers={"Origin": origin}),
    ):
        assert {k: r.headers[k] for k in CORS} == CORS
        assert "access-control-allow-credentials" not in r.headers


def test_gzip_when_accepted(sample_server: LiveServer) -> None:
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    with httpx.Client(headers={"Accept-Encoding": "gzip"}) as client:
        r = client.get(sample_server.endpoint, params={"query": query})
    assert r.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["vary"]
    assert len(r.json()["results"]["bindings"]) == 44
    with httpx.Client(headers={"Accept-Encoding": "identity"}) as client:
        plain = client.get(sample_server.endpoint, params={"query": query})
    assert "content-encoding" not in plain.headers
    assert [v.strip() for v in plain.headers["vary"].split(",")] == ["Accept", "Accept-Encoding"]  # caches keep both apart
    assert plain.json() == r.json()


def test_post_with_h2c_upgrade_headers_keeps_its_body(sample_server: LiveServer) -> None:
    """What Java's HTTP client (Jena rsparql --post) sends; uvicorn's httptools parser dropped the body."""
    body = ASK_TRUE.encode()
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        b"HTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\nContent-Type: application/sparql-query\r\n"
        b"Accept: application/sparql-results+json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    status, headers, payload = raw_request(sample_server, request)
    assert status == 200
    assert headers["content-type"] == "application/sparql-results+json"
    assert json.loads(payload) == {"head": {}, "boolean": True}


# --- datasets ------------------------------------------------------------------------------


def _count(client: httpx.Client, query: str, **params: object) -> int:
    r = client.get("/sparql", params={"query": query, **params})  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_union(sample: httpx.Client) -> None:
    assert _count(sample, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == 47


def test_protocol_dataset(sample: httpx.Client) -> None:
    q = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    assert _count(sample, q, **{"default-graph-uri": f"{EX}people"}) == 23
    assert _count(sample, q, **{"default-graph-uri": [f"{EX}people", f"{EX}stats"]}) == 44
    assert _count(sample, q, **{"default-graph-uri": "http://127.0.0.1:9/unknown"}) == 0
    assert _count(sample, q, **{"named-graph-uri": f"{EX}people"}) == 0  # default graph empty then
    g = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert _count(sample, g, **{"named-graph-uri": f"{EX}stats"}) == 21
    assert _count(sample, g, **{"default-graph-uri": f"{EX}people"}) == 0


def test_from_and_from_named_read_local_graphs(sample: httpx.Client) -> None:
    assert _count(sample, f"SELECT (COUNT(*) AS ?n) FROM <{EX}stats> {{ ?s ?p ?o }}") == 21
    assert _count(sample, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{EX}people> {{ GRAPH ?g {{ ?s ?p ?o }} }}") == 23
    assert _count(sample, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{EX}people> {{ ?s ?p ?o }}") == 0
    assert _count(sample, "SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:9/elsewhere> { ?s ?p ?o }") == 0
    # protocol dataset wins over FROM
    assert _count(sample, f"SELECT (COUNT(*) AS ?n) FROM <{EX}stats> {{ ?s ?p ?o }}", **{"default-graph-uri": f"{EX}people"}) == 23


def test_relative_iris_resolve_against_the_endpoint(sample_server: LiveServer) -> None:
    r = httpx.get(sample_server.endpoint, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}", "format": "ntriples"})
    assert r.text == f"<{sample_server.base}/s> <{sample_server.base}/p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"


def test_invalid_graph_iri(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400
    assert "default-graph-uri='not an iri' is not an absolute IRI" in r.text


# --- truncation ------------------------------------------------------------------------------

ROWS_64 = "SELECT ?x ?y WHERE { VALUES ?x { 1 2 3 4 5 6 7 8 } VALUES ?y { 1 2 3 4 5 6 7 8 } }"


def test_results_over_the_row_limit_are_cut_and_say_so(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": ROWS_64})
    assert r.status_code == 200
    assert r.headers["x-sparql-truncated"] == "true"
    limits_url = str(sample.base_url).rstrip("/") + "/limits"
    assert r.headers["link"] == f'<{limits_url}>; rel="describedby"'
    body = r.json()
    assert len(body["results"]["bindings"]) == 50
    assert body["head"]["link"] == [limits_url]
    csv_r = sample.get("/sparql", params={"query": ROWS_64, "format": "csv"})
    assert csv_r.headers["x-sparql-truncated"] == "true"
    assert len(csv_r.text.splitlines()) == 51
    xml_r = sample.get("/sparql", params={"query": ROWS_64, "format": "xml"})
    assert f'<link href="{limits_url}"/>' in xml_r.text


def test_results_within_the_limit_are_not_marked(sample: httpx.Client) -> None:
    r = sample.get("/sparql", params={"query": ROWS_64 + " LIMIT 50"})
    assert "x-sparql-truncated" not in r.headers
    assert "link" not in r.json()["head"]


def test_graphs_over_the_limit_are_cut_with_a_comment(sample: httpx.Client) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o . ?s <{EX}copy> ?o }} WHERE {{ ?s ?p ?o }}"
    r = sample.get("/sparql", params={"query": query, "format": "ntriples"})
    assert r.headers["x-sparql-truncated"] == "true"
    assert r.text.startswith("# truncated: only the first 50 triples; see ")
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == 50


def test_limits_page(sample: httpx.Client) -> None:
    r = sample.get("/limits")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json()["limits"]["max_rows"] == 50
