"""The W3C SPARQL 1.1 Protocol test suite, driven from its manifest (w3c-protocol/manifest.ttl)
against a live server serving data1..3.nt as the named graphs the manifest names.

Every one of the 34 tests runs: the 13 query tests and the 14 tests expecting a 4xx must pass
as written; the 7 update tests expect 2xx from a store that accepts updates, and are answered
here with a clear refusal (403, "read-only"), after which their follow-up queries show that
nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from .conftest import W3C_DIR, LiveServer

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[Request, ...]

    @property
    def kind(self) -> str:
        if self.name.startswith("update_"):
            return "update"
        return "4xx" if self.requests[0].statuses == {"StatusCode4xx"} else "query"


def _value(g: Graph, node: Any, prop: URIRef) -> Any:
    return g.value(node, prop)


def load_manifest() -> list[ProtocolTest]:
    g = Graph()
    g.parse(W3C_DIR / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, _value(g, manifest, MF.entries)):
        requests = []
        for req in Collection(g, _value(g, _value(g, entry, MF.action), HT.requests)):
            headers: dict[str, str] = {}
            header_list = _value(g, req, HT.headers)
            if header_list is not None:
                for h in Collection(g, header_list):
                    headers[str(_value(g, h, HT.fieldName))] = str(_value(g, h, HT.fieldValue))
            body = None
            body_node = _value(g, req, HT.body)
            if body_node is not None:
                encoding = str(_value(g, body_node, CNT.characterEncoding) or "UTF-8")
                body = str(_value(g, body_node, CNT.chars)).encode(encoding.lower())
            resp = _value(g, req, HT.resp)
            boolean = _value(g, resp, MF.expectedBoolean)
            fmt = _value(g, resp, MF.expectedFormat)
            requests.append(
                Request(
                    method=str(_value(g, req, HT.methodName)),
                    path=str(_value(g, req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=frozenset(str(s).removeprefix(str(HTS)) for s in g.objects(resp, MF.expectedStatus)),
                    format=None if fmt is None else str(fmt),
                    boolean=None if boolean is None else bool(boolean.toPython()) if isinstance(boolean, Literal) else None,
                )
            )
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(_value(g, entry, MF.name)), tuple(requests)))
    return tests


TESTS = load_manifest()


def send(server: LiveServer, req: Request) -> httpx.Response:
    assert req.path.startswith("/sparql/")
    url = server.base + "/sparql" + req.path[len("/sparql/") :]
    return httpx.request(req.method, url, headers=req.headers, content=req.body, timeout=30)


def check_result(response: httpx.Response, req: Request) -> None:
    media = response.headers["content-type"].split(";")[0]
    if req.format in ("boolean", "tabular"):
        assert media in RESULT_TYPES, media
        if req.format == "boolean":
            assert media in ("application/sparql-results+json", "application/sparql-results+xml")
        parsed = ox.parse_query_results(response.content, format=RESULT_TYPES[media])
        if req.boolean is not None:
            assert isinstance(parsed, ox.QueryBoolean)
            assert bool(parsed) is req.boolean
        elif req.format == "tabular":
            assert isinstance(parsed, ox.QuerySolutions)
            assert [[t.value for t in s if t is not None] for s in parsed] == [["1"]]  # SELECT (1 AS ?value) {}
    elif req.format == "RDF":
        assert media in RDF_TYPES, media
        list(ox.parse(response.content, format=RDF_TYPES[media]))


def test_the_manifest_has_34_tests_13_queries_14_bad_requests_7_updates() -> None:
    kinds = [t.kind for t in TESTS]
    assert (len(TESTS), kinds.count("query"), kinds.count("4xx"), kinds.count("update")) == (34, 13, 14, 7)


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(w3c_server: LiveServer, test: ProtocolTest) -> None:
    if test.kind == "update":
        first, *follow_up = test.requests
        r = send(w3c_server, first)
        assert r.status_code == 403, r.text
        assert "SPARQL Update is not allowed: this endpoint is read-only" in r.text
        for req in follow_up:  # the checks of the update's effect: there is none
            r = send(w3c_server, req)
            assert r.status_code == 200, r.text
            assert bool(ox.parse_query_results(r.content, format=RESULT_TYPES[r.headers["content-type"].split(";")[0]])) is False
        return
    for req in test.requests:
        r = send(w3c_server, req)
        if req.statuses == {"StatusCode4xx"}:
            assert 400 <= r.status_code < 500, (r.status_code, r.text)
            assert "<html" not in r.text.lower()
        else:
            assert "StatusCode2xx" in req.statuses
            assert 200 <= r.status_code < 300, (r.status_code, r.text)
            check_result(r, req)


def test_the_data_is_unchanged_after_the_suite(w3c_server: LiveServer) -> None:
    r = httpx.get(w3c_server.endpoint, params={"query": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"})
    rows = [(b["g"]["value"], b["n"]["value"]) for b in r.json()["results"]["bindings"]]
    assert rows == [(f"http://kasei.us/2009/09/sparql/data/data{i}.rdf", "1") for i in (1, 2, 3)]
