"""Dereferenceable IRIs on a real server over the built graph: every minted IRI answers at its
path with 200, `Vary: Accept` and `Content-Location` naming the variant (one pattern, no 303);
each RDF variant re-parsed and checked to hold the resource's triples; extensions; pages in the
language asked for; 404s."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from ntp_kg.iris import DEF, DEFAULT_BASE, OA
from ntp_kg.server.linked import Describer
from ntp_kg.server.resource_page import choose_language
from ntp_kg.server.sources import DataSource
from ntp_kg.store import load_dist

from .conftest import LiveServer

OBS = "id/obs/kinhtedothi-2025-03-07-lao-cai-ntp/advanced-nrd-target-base-communes-2025"
RESOURCES = {
    "area": DEFAULT_BASE + "id/area/lao-cai",
    "observation": DEFAULT_BASE + OBS,
    "programme": DEFAULT_BASE + "id/programme/ntp-nrd",
    "code": DEF + "code/status/target",
    "scheme": DEF + "code/status",
    "indicator": DEF + "indicator/advanced-nrd-target-base-communes",
    "unit": DEF + "unit/number",
    "dsd": DEF + "dsd/observations",
    "ontology": DEF + "ontology",
    "graph": DEFAULT_BASE + "graph/reference",
}
FORMATS = {  # media type: (extension, rdflib parser)
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


def path_of(iri: str) -> str:
    return "/" + iri.removeprefix(DEFAULT_BASE)


@pytest.fixture(scope="module")
def store(dist: Path) -> ox.Store:
    return load_dist(dist)


def own_triples(store: ox.Store, iri: str) -> set[tuple[URIRef, URIRef, object]]:
    """What the description must hold: the subject's own triples (a graph: all of its triples)."""
    node = ox.NamedNode(iri)
    graph = node if any(True for _ in store.quads_for_pattern(None, None, None, node)) else None
    quads = store.quads_for_pattern(None, None, None, graph) if graph else store.quads_for_pattern(node, None, None, None)
    out = set()
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal):
            plain = o.language or o.datatype.value == "http://www.w3.org/2001/XMLSchema#string"
            obj: object = Literal(o.value, lang=o.language) if plain else Literal(o.value, datatype=URIRef(o.datatype.value))
        elif isinstance(o, ox.NamedNode):
            obj = URIRef(o.value)
        else:
            continue  # blank nodes are compared by the subject's IRI triples only
        if isinstance(q.subject, ox.NamedNode):
            out.add((URIRef(q.subject.value), URIRef(q.predicate.value), obj))
    return out


@pytest.mark.parametrize("media_type", sorted(FORMATS))
@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_conneg_gives_the_description_in_each_format(dist_server: LiveServer, store: ox.Store, name: str, media_type: str) -> None:
    iri = RESOURCES[name]
    ext, parser = FORMATS[media_type]
    r = httpx.get(dist_server.base + path_of(iri), headers={"Accept": media_type}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    assert [v.strip() for v in r.headers["vary"].split(",")][:2] == ["Accept", "Accept-Language"]
    assert r.headers["content-location"] == f"{path_of(iri)}.{ext}"
    assert f'<{path_of(iri)}.{ext}>; rel="alternate"; type="{media_type}"' in r.headers["link"]
    g = Graph().parse(data=r.content, format=parser)
    missing = own_triples(store, iri) - set(g)  # type: ignore[operator]
    assert not missing, sorted(missing)[:5]
    if name != "graph":
        assert len(own_triples(store, iri)) > 0
    # The variant's own URL gives the same graph, whatever Accept says.
    v = httpx.get(dist_server.base + r.headers["content-location"], headers={"Accept": "text/html"}, timeout=30)
    assert v.status_code == 200
    assert v.headers["content-type"].split(";")[0] == media_type
    assert "content-location" not in v.headers
    assert len(Graph().parse(data=v.content, format=parser)) == len(g)


def test_a_browser_gets_the_page_and_curl_too(dist_server: LiveServer) -> None:
    for accept in ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        r = httpx.get(dist_server.base + "/id/area/lao-cai", headers=headers)
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert r.headers["content-location"] == "/id/area/lao-cai.html"
        assert "Accept" in r.headers["vary"]
    r = httpx.get(dist_server.base + "/id/area/lao-cai.html", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "Accept-Language" in r.headers["vary"]


def test_linked_data_clients_preferences(dist_server: LiveServer) -> None:
    # What rdflib and Jena send: RDF wins over HTML by q-value.
    accept = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8, text/html;q=0.1"
    r = httpx.get(dist_server.base + "/id/area/lao-cai", headers={"Accept": accept})
    assert r.headers["content-type"].startswith("text/turtle")
    r = httpx.get(dist_server.base + "/id/area/lao-cai", headers={"Accept": "application/json"})
    assert r.headers["content-type"] == "application/ld+json"
    r = httpx.get(dist_server.base + "/id/area/lao-cai", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "/id/area/lao-cai.ttl" in r.text


def test_jsonld_is_compacted_with_our_context(dist_server: LiveServer) -> None:
    doc = httpx.get(dist_server.base + "/id/area/lao-cai.jsonld").json()
    assert doc["@context"]["ntp"] == DEF + "ontology#"
    assert "rdfs:label" in {k for node in doc["@graph"] for k in node}


def test_the_description_has_labels_incoming_links_and_provenance(dist_server: LiveServer) -> None:
    g = Graph().parse(data=httpx.get(dist_server.base + "/" + OBS + ".ttl").content, format="turtle")
    obs = URIRef(DEFAULT_BASE + OBS)
    area = URIRef(DEFAULT_BASE + "id/area/lao-cai")
    assert (area, RDFS.label, Literal("Lao Cai", lang="en")) in g or any(g.objects(area, RDFS.label))
    annotations = list(g.subjects(URIRef(OA + "hasBody"), obs))
    assert len(annotations) == 1
    target = g.value(annotations[0], URIRef(OA + "hasTarget"))
    selectors = set(g.objects(target, URIRef(OA + "hasSelector")))
    types = {g.value(s, RDF.type) for s in selectors}
    assert types == {URIRef(OA + "TextQuoteSelector"), URIRef(OA + "TextPositionSelector")}
    assert any("84" in str(x) for s in selectors for x in g.objects(s, URIRef(OA + "exact")))
    assert g.value(target, URIRef(OA + "hasSource")) is not None
    # incoming: observations point at the area
    ga = Graph().parse(data=httpx.get(dist_server.base + "/id/area/lao-cai.nt").content, format="nt")
    assert len(set(ga.subjects(None, area))) > 10


def test_hash_terms_resolve_through_the_ontology_document(dist_server: LiveServer) -> None:
    g = Graph().parse(data=httpx.get(dist_server.base + "/def/ontology", headers={"Accept": "text/turtle"}).content, format="turtle")
    assert (URIRef(DEF + "ontology#Programme"), RDF.type, None) in g
    page = httpx.get(dist_server.base + "/def/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'id="Programme"' in page.text


@pytest.mark.parametrize(("header", "lang"), [("ar", "ar"), ("vi-VN,vi;q=0.9,en;q=0.8", "vi"), ("fr, en;q=0.5", "en"), (None, "en"), ("de", "en")])
def test_accept_language_picks_the_page_language(dist_server: LiveServer, header: str | None, lang: str) -> None:
    headers = {"Accept": "text/html", **({"Accept-Language": header} if header else {})}
    r = httpx.get(dist_server.base + "/id/area/lao-cai", headers=headers)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in r.text
    assert r.headers["content-language"] == lang
    titles = {"en": "Lao Cai", "vi": "Lào Cai", "ar": "لاو كاي"}
    assert f"<h1>{titles[lang]}" in r.text


def test_choose_language() -> None:
    assert choose_language("en;q=0.2, ar;q=0.9, vi;q=0.5") == "ar"
    assert choose_language("vi;q=0, *;q=0.1") == "en"
    assert choose_language("ar-EG") == "ar"
    assert choose_language("") == "en"


def test_resource_page_links_properties_incoming_and_marks_the_figure(dist_server: LiveServer) -> None:
    html = httpx.get(dist_server.base + "/" + OBS, headers={"Accept": "text/html"}).text
    assert 'href="/id/area/lao-cai"' in html  # our IRIs link to our own paths
    assert 'href="/def/ontology#indicator"' in html
    assert 'href="/id/source/kinhtedothi-2025-03-07-lao-cai-ntp"' in html  # the source's page
    assert "<mark>84</mark>" in html
    assert '<a class="original" href="https://kinhtedothi.vn/' in html  # where the source was published
    assert '<link rel="alternate" type="text/turtle" href="/' + OBS + '.ttl">' in html
    area = httpx.get(dist_server.base + "/id/area/lao-cai", headers={"Accept": "text/html"}).text
    assert 'class="incoming"' in area
    assert "<script" not in area


def test_graph_page_lists_its_resources(dist_server: LiveServer) -> None:
    html = httpx.get(dist_server.base + "/graph/reference.html").text
    assert 'href="/id/area/lao-cai"' in html


@pytest.mark.parametrize("path", ["/id/area/nowhere", "/def/code/status/nope", "/graph/nope", "/id/area/lao-cai.xyz", "/id/"])
def test_unknown_iris_are_404_with_a_helpful_page(dist_server: LiveServer, path: str) -> None:
    r = httpx.get(dist_server.base + path, headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert 'href="/sparql"' in r.text and 'href="/"' in r.text
    t = httpx.get(dist_server.base + path, headers={"Accept": "text/turtle"})
    assert t.status_code == 404
    assert t.headers["content-type"] == "text/plain; charset=utf-8"
    assert "/sparql" in t.text


def test_head_answers_without_a_body(dist_server: LiveServer) -> None:
    r = httpx.head(dist_server.base + "/id/area/lao-cai", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-location"] == "/id/area/lao-cai.ttl"


def test_the_base_is_stripped_whatever_it_is() -> None:
    store = ox.Store()
    s, p = ox.NamedNode("https://data.example.org/kg/id/area/x"), ox.NamedNode(str(RDFS.label))
    store.add(ox.Quad(s, p, ox.Literal("X"), ox.NamedNode("https://data.example.org/kg/graph/g")))
    d = Describer(store, "https://data.example.org/kg/")
    t = d.target("/id/area/x.ttl")
    assert t is not None and (t.iri, t.fixed, t.path) == (s.value, "turtle", "/id/area/x")
    g = d.target("/graph/g")
    assert g is not None and g.kind == "graph"
    assert d.local_path(DEF + "ontology#X") == "/def/ontology#X"
    assert d.local_path("https://data.example.org/kg/id/area/x") == "/id/area/x"
    assert d.local_path("https://w3id.org/ntp-kg/id/area/x") is None
    assert d.target("/id/area/y") is None
    assert d.target("/elsewhere") is None
    with pytest.raises(ValueError):
        Describer(store, "not a base")


def test_the_server_queries_on_disk_are_the_ones_used() -> None:
    """templates/*.rq are loaded by name: the names in the code and the files agree, each file
    opens with what it answers and parses."""
    from importlib import resources as importlib_resources

    from ntp_kg.server.linked import query_text

    used = {"describe", "graph", "ontology", "start-figures", "start-areas", "start-programmes"}
    folder = importlib_resources.files("ntp_kg.server") / "templates"
    on_disk = {p.name.removesuffix(".rq") for p in folder.iterdir() if p.name.endswith(".rq")} - {"default-query"}
    assert on_disk == used
    store = ox.Store()
    for name in sorted(used):
        text = query_text(name)
        assert text.startswith("# ")
        store.query(text, substitutions={ox.Variable("this"): ox.NamedNode(DEF + "ontology")} if "?this" in text else None)


def test_pages_read_a_triple_in_two_graphs_once(tmp_path: Path) -> None:
    """The pages (and the start page's charts, which sum) read the union of the graphs, each
    triple once, whatever graphs hold it."""
    data = tmp_path / "data.trig"
    data.write_text("<http://example.org/g1> { <http://example.org/s> <http://example.org/p> 1 , 2 . }\n<http://example.org/g2> { <http://example.org/s> <http://example.org/p> 1 . }\n", encoding="utf-8")
    store = Describer.load([DataSource(data)]).store
    result = store.query("SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?sum) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    assert [(row["n"].value, row["sum"].value) for row in result] == [("2", "3")]
    assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode("http://example.org/g1")))) == 2
