"""Real SPARQL clients against the live server: SPARQLWrapper (JSON, XML, CSV, CONSTRUCT, POST)
and rdflib's SPARQLStore get the expected answers."""

from __future__ import annotations

import csv
import io
import xml.dom.minidom

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, RDFXML, TURTLE, XML, SPARQLWrapper

from .conftest import LiveServer

EX = "http://example.org/"
AGES = f"PREFIX ex: <{EX}> SELECT ?person ?age WHERE {{ ?person ex:age ?age }} ORDER BY ?person"
EXPECTED_AGES = [(f"{EX}alice", "42"), (f"{EX}bob", "7"), (f"{EX}carol", "35")]
CONSTRUCT = f"PREFIX ex: <{EX}> CONSTRUCT {{ ?a ex:knows ?b }} WHERE {{ ?a ex:knows ?b }}"
EXPECTED_KNOWS = {(URIRef(f"{EX}alice"), URIRef(f"{EX}knows"), URIRef(f"{EX}bob")), (URIRef(f"{EX}bob"), URIRef(f"{EX}knows"), URIRef(f"{EX}carol"))}


def wrapper(server: LiveServer, fmt: str, query: str, method: str | None = None) -> object:
    sw = SPARQLWrapper(server.endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    return sw.query().convert()


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_json(sample_server: LiveServer, method: str | None) -> None:
    result = wrapper(sample_server, JSON, AGES, method)
    assert isinstance(result, dict)
    assert [(b["person"]["value"], b["age"]["value"]) for b in result["results"]["bindings"]] == EXPECTED_AGES


def test_sparqlwrapper_xml(sample_server: LiveServer) -> None:
    doc = wrapper(sample_server, XML, AGES)
    assert isinstance(doc, xml.dom.minidom.Document)
    values = [n.firstChild.data for n in doc.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert values == ["42", "7", "35"]


def test_sparqlwrapper_csv(sample_server: LiveServer) -> None:
    data = wrapper(sample_server, CSV, AGES)
    assert isinstance(data, bytes)
    assert list(csv.reader(io.StringIO(data.decode("utf-8")))) == [["person", "age"], *map(list, EXPECTED_AGES)]


def test_sparqlwrapper_ask(sample_server: LiveServer) -> None:
    result = wrapper(sample_server, JSON, f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}")
    assert result == {"head": {}, "boolean": True}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # inside SPARQLWrapper
@pytest.mark.parametrize("fmt", [RDFXML, TURTLE])
def test_sparqlwrapper_construct(sample_server: LiveServer, fmt: str) -> None:
    result = wrapper(sample_server, fmt, CONSTRUCT)
    if fmt == TURTLE:
        assert isinstance(result, bytes)
        result = Graph().parse(data=result, format="turtle")
    assert isinstance(result, Graph)
    assert set(result) == EXPECTED_KNOWS


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(sample_server: LiveServer, method: str) -> None:
    store = SPARQLStore(sample_server.endpoint, method=method, returnFormat="json")
    rows = [(str(r[0]), r[1]) for r in store.query(AGES)]  # type: ignore[index]
    assert rows == [(p, Literal(int(a))) for p, a in EXPECTED_AGES]
    store.close()


def test_rdflib_sparqlstore_construct_and_ask(sample_server: LiveServer) -> None:
    g = Graph(store=SPARQLStore(sample_server.endpoint, returnFormat="xml"))
    assert set(g.query(CONSTRUCT)) == EXPECTED_KNOWS  # type: ignore[arg-type]
    assert g.query(f"ASK {{ <{EX}bob> <{EX}knows> <{EX}carol> }}").askAnswer is True
    assert len(g) == 47  # SPARQLStore's own COUNT over the union default graph
