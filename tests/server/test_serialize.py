"""The result writers: JSON, CSV and TSV byte-identical to pyoxigraph's writers, XML equal as
XML, each re-read by pyoxigraph and rdflib; truncation signalled; graphs in every format."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from rdflib.query import Result

from ntp_kg.server import serialize
from ntp_kg.server.formats import BY_NAME

QUERIES = [
    "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o",
    "SELECT ?s ?label ?age WHERE { ?s a <http://example.org/Person> OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } OPTIONAL { ?s <http://example.org/age> ?age } } ORDER BY ?s ?label",
    "SELECT * WHERE { VALUES (?x ?y) { (1 UNDEF) (UNDEF \"b\") (\"1.5e3\"^^<http://www.w3.org/2001/XMLSchema#double> 2.50) (true \"01\"^^<http://www.w3.org/2001/XMLSchema#integer>) } }",
    "SELECT ?x WHERE { VALUES ?x { \"tab\\there\" \"back\\\\slash\" \"q\\\"uote\" \"cr\\rlf\\n\" \"a,b\" \" lead\" \"\" \"Lào Cai\"@vi \"x\"@en--rtl <<( <http://a> <http://b> \"c\"@en )>> } }",
    "SELECT ?nothing WHERE { FILTER(false) }",
    "SELECT * WHERE {}",
    "SELECT (COUNT(*) AS ?n) (SUM(?v) AS ?total) WHERE { ?o <http://example.org/value> ?v }",
]
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}


def _ours(store: ox.Store, query: str, name: str, link: str | None = None) -> bytes:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables]
    return serialize.solutions(BY_NAME[name], variables, [tuple(s) for s in result], link)


def _theirs(store: ox.Store, query: str, name: str) -> bytes:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    out = result.serialize(format=RESULT_FORMATS[name])
    assert out is not None
    return out


def _xml_tree(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    return [(e.tag, dict(e.attrib), e.text or "") for e in ET.fromstring(data).iter()]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("name", ["json", "csv", "tsv"])
def test_byte_identical_to_pyoxigraph(sample_store: ox.Store, query: str, name: str) -> None:
    assert _ours(sample_store, query, name) == _theirs(sample_store, query, name)


@pytest.mark.parametrize("query", QUERIES)
def test_xml_equal_to_pyoxigraph_as_xml(sample_store: ox.Store, query: str) -> None:
    assert _xml_tree(_ours(sample_store, query, "xml")) == _xml_tree(_theirs(sample_store, query, "xml"))


@pytest.mark.parametrize("query", QUERIES[:3] + QUERIES[4:])
@pytest.mark.parametrize("name", ["json", "xml", "tsv"])
def test_reread_by_pyoxigraph_and_rdflib(sample_store: ox.Store, query: str, name: str) -> None:
    data = _ours(sample_store, query, name)
    expected = [tuple(s) for s in sample_store.query(query)]  # type: ignore[union-attr]
    reread = ox.parse_query_results(data, format=RESULT_FORMATS[name])
    assert [tuple(s) for s in reread] == expected  # type: ignore[union-attr]
    if reread.variables or name != "tsv":  # type: ignore[union-attr]  # rdflib cannot read a TSV without columns
        assert len(Result.parse(io.BytesIO(data), format=name)) == len(expected)


def test_truncated_results_link_to_the_limits(sample_store: ox.Store) -> None:
    link = "http://127.0.0.1:8000/limits"
    head = json.loads(_ours(sample_store, QUERIES[0], "json", link))["head"]
    assert head == {"vars": ["s", "p", "o"], "link": [link]}
    xml = ET.fromstring(_ours(sample_store, QUERIES[0], "xml", link))
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert [e.get("href") for e in xml.iter(f"{ns}link")] == [link]
    assert ox.parse_query_results(_ours(sample_store, QUERIES[0], "xml", link), format=ox.QueryResultsFormat.XML)


def test_booleans() -> None:
    for value in (True, False):
        ask = ox.Store().query("ASK {}" if value else "ASK { FILTER(false) }")
        assert isinstance(ask, ox.QueryBoolean)
        assert serialize.boolean(BY_NAME["json"], value) == ask.serialize(format=ox.QueryResultsFormat.JSON)
        assert bool(ox.parse_query_results(serialize.boolean(BY_NAME["json"], value), format=ox.QueryResultsFormat.JSON)) is value
        assert bool(ox.parse_query_results(serialize.boolean(BY_NAME["xml"], value), format=ox.QueryResultsFormat.XML)) is value
    with pytest.raises(ValueError, match="not a format for ASK"):
        serialize.boolean(BY_NAME["csv"], True)


CONTEXT = {"ex": "http://example.org/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#"}
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "trig": "trig", "nquads": "nquads", "jsonld": "json-ld"}


@pytest.mark.parametrize("name", sorted(RDFLIB_FORMATS))
def test_graphs_in_every_format(sample_store: ox.Store, name: str) -> None:
    triples = list(sample_store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))  # type: ignore[arg-type]
    data = serialize.graph(BY_NAME[name], triples, CONTEXT)
    expected = Graph()
    expected.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    parsed = Graph()
    if name in ("trig", "nquads"):
        ds = Dataset()
        ds.parse(data=data, format=RDFLIB_FORMATS[name])
        for s, p, o, _g in ds.quads((None, None, None, None)):
            parsed.add((s, p, o))
    else:
        parsed.parse(data=data, format=RDFLIB_FORMATS[name])
    assert isomorphic(parsed, expected)
    oxfmt = {"jsonld": ox.RdfFormat.JSON_LD, "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
             "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[name]
    assert len(list(ox.parse(data, format=oxfmt))) == len(expected)


def test_jsonld_is_compacted_with_the_context(sample_store: ox.Store) -> None:
    triples = list(sample_store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://example.org/people> { ?s ?p ?o } }"))  # type: ignore[arg-type]
    doc = json.loads(serialize.graph(BY_NAME["jsonld"], triples, CONTEXT))
    assert doc["@context"] == CONTEXT
    nodes = {n["@id"]: n for n in doc["@graph"]}
    assert "ex:alice" in nodes and "rdfs:label" in nodes["ex:alice"]
    assert not any(k.startswith("http") for n in nodes.values() for k in n)


@pytest.mark.parametrize("name", ["turtle", "ntriples", "trig", "nquads", "rdfxml"])
def test_a_cut_graph_says_so_in_a_comment(sample_store: ox.Store, name: str) -> None:
    triples = list(sample_store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True))  # type: ignore[arg-type]
    data = serialize.graph(BY_NAME[name], triples[:3], CONTEXT, note="truncated: only the first 3 triples; see http://x/limits")
    assert b"truncated: only the first 3 triples" in data
    oxfmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "rdfxml": ox.RdfFormat.RDF_XML}[name]
    assert len(list(ox.parse(data, format=oxfmt))) == 3
