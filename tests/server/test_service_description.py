"""GET /sparql without a query: the SPARQL 1.1 Service Description, by content negotiation,
including the three W3C service-description tests (returns-rdf, has-endpoint-triple,
conforms-to-schema), and the query page for a browser."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from ntp_kg.server.formats import FORMATS

from .conftest import LiveServer

SD = "http://www.w3.org/ns/sparql-service-description#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def description(server: LiveServer, accept: str | None = None) -> tuple[httpx.Response, ox.Store]:
    headers = {"Accept": accept} if accept else {}
    r = httpx.get(server.endpoint, headers=headers)
    assert r.status_code == 200
    store = ox.Store()
    fmt = ox.RdfFormat.from_media_type(r.headers["content-type"].split(";")[0])
    assert fmt is not None
    store.load(r.content, format=fmt)
    return r, store


def ask(store: ox.Store, query: str, endpoint: str) -> bool:
    result = store.query(f"PREFIX sd: <{SD}> PREFIX void: <http://rdfs.org/ns/void#> " + query, substitutions={ox.Variable("endpoint"): ox.NamedNode(endpoint)})
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"])
def test_returns_rdf(sample_server: LiveServer, accept: str | None) -> None:
    r, store = description(sample_server, accept)
    expected = {None: "text/turtle; charset=utf-8", "*/*": "text/turtle; charset=utf-8"}.get(accept, accept)
    assert r.headers["content-type"].startswith(expected or "")
    assert len(store) > 20


def test_has_endpoint_triple(sample_server: LiveServer) -> None:
    _, store = description(sample_server)
    assert ask(store, "ASK { ?endpoint a sd:Service ; sd:endpoint ?endpoint }", sample_server.endpoint)


def test_conforms_to_schema(sample_server: LiveServer) -> None:
    _, store = description(sample_server)
    endpoint = sample_server.endpoint
    assert ask(store, "ASK { ?endpoint sd:supportedLanguage sd:SPARQL11Query ; sd:feature sd:UnionDefaultGraph ; sd:defaultDataset ?d . ?d a sd:Dataset ; sd:defaultGraph ?dg . ?dg a sd:Graph ; void:triples 47 }", endpoint)
    assert not ask(store, "ASK { ?endpoint sd:supportedLanguage sd:SPARQL11Update }", endpoint)
    assert not ask(store, "ASK { ?endpoint sd:feature sd:BasicFederatedQuery }", endpoint)
    formats = {s["f"].value for s in store.query(f"PREFIX sd: <{SD}> SELECT ?f {{ ?s sd:resultFormat ?f }}")}  # type: ignore[index, union-attr]
    assert formats == {f.iri for f in FORMATS}
    graphs = {(s["name"].value, int(s["n"].value)) for s in store.query(  # type: ignore[index, union-attr]
        f"PREFIX sd: <{SD}> PREFIX void: <http://rdfs.org/ns/void#> SELECT ?name ?n {{ ?d sd:namedGraph ?ng . ?ng a sd:NamedGraph ; sd:name ?name ; sd:graph [ a sd:Graph ; void:triples ?n ] }}"
    )}
    assert graphs == {("http://example.org/people", 23), ("http://example.org/stats", 21)}


def test_every_rdf_format_describes_the_same_graph(sample_server: LiveServer) -> None:
    graphs = []
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("application/n-triples", "nt")):
        r = httpx.get(sample_server.endpoint, headers={"Accept": accept})
        graphs.append(Graph().parse(data=r.content, format=fmt))
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    r = httpx.get(sample_server.endpoint, params={"format": "ntriples"}, headers={"Accept": "text/html"})
    assert r.headers["content-type"] == "application/n-triples"


def test_a_browser_gets_the_query_page(sample_server: LiveServer) -> None:
    for path in ("/sparql", "/sparql/"):
        r = httpx.get(sample_server.base + path, headers={"Accept": BROWSER})
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert '<textarea id="query" name="query"' in r.text
    # / is the start page, which links to the query page
    r = httpx.get(sample_server.base + "/", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert '<textarea' not in r.text and '<a href="/sparql">' in r.text


def test_unacceptable_accept_still_gets_turtle(sample_server: LiveServer) -> None:
    r = httpx.get(sample_server.endpoint, headers={"Accept": "image/png"})
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
