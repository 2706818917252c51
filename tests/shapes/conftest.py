"""Fixtures of the shape tests: the valid graph (fixtures/valid.trig + ontology/*.ttl) and a
fresh copy of it for each mutation. (Validation parses each SPARQL constraint once: see
ntp_kg.validate._parse_each_query_once.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from ntp_kg import resources
from ntp_kg.validate import union_graph

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid.trig"
ONTOLOGY_GRAPH = URIRef("https://w3id.org/ntp-kg/graph/ontology")


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
