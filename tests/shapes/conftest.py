"""Fixtures of the shape tests: the valid graph (fixtures/valid.trig + ontology/*.ttl), a fresh
copy of it for each mutation, and a parse cache for rdflib's SPARQL engine.

pySHACL hands every SPARQL constraint to rdflib as a string, once per focus node, and rdflib
parses it every time: parsing is about 80 % of the validation time (2.3 s -> 0.4 s per
validation of the fixture with the cache). The cache memoises the translated query per
(query text, base, namespaces); evaluation is unchanged: rdflib's prepared queries are meant
to be evaluated with different initial bindings. It is installed per test with monkeypatch, so
it never leaks into other test packages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import rdflib.plugins.sparql.processor as sparql_processor
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

from ntp_kg import resources
from ntp_kg.validate import union_graph

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid.trig"
ONTOLOGY_GRAPH = URIRef("https://w3id.org/ntp-kg/graph/ontology")

_original_query = sparql_processor.SPARQLProcessor.query
_translated: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}


def _cached_query(
    self: sparql_processor.SPARQLProcessor,
    strOrQuery: str | Query,  # noqa: N803 - rdflib's parameter name
    initBindings: Mapping[str, Any] | None = None,  # noqa: N803
    initNs: Mapping[str, Any] | None = None,  # noqa: N803
    base: str | None = None,
    DEBUG: bool = False,  # noqa: N803
) -> Mapping[str, Any]:
    if isinstance(strOrQuery, str):
        key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
        query = _translated.get(key)
        if query is None:
            query = _translated[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
        strOrQuery = query
    return _original_query(self, strOrQuery, initBindings, initNs, base, DEBUG)


@pytest.fixture(autouse=True)
def _sparql_parse_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sparql_processor.SPARQLProcessor, "query", _cached_query)
    yield


def load_valid_dataset() -> Dataset:
    """The fixture's named graphs plus the ontology graph, loaded the way the mapper loads it."""
    ds = Dataset()
    ds.parse(source=str(VALID), format="trig")
    onto = ds.graph(ONTOLOGY_GRAPH)
    for f in resources.ontology_files():
        onto.parse(source=str(f), format="turtle")
    return ds


@pytest.fixture(scope="session")
def valid_dataset() -> Dataset:
    return load_valid_dataset()


@pytest.fixture(scope="session")
def valid_graph(valid_dataset: Dataset) -> Graph:
    return union_graph(valid_dataset)


@pytest.fixture
def graph(valid_graph: Graph) -> Graph:
    """A private copy of the valid union graph, for one mutation."""
    g = Graph()
    for t in valid_graph:
        g.add(t)
    return g
