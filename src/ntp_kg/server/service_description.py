"""The SPARQL 1.1 Service Description (sd:) served at GET /sparql without a query.

The fixed part is the Turtle template templates/service-description.ttl, parsed with the
endpoint's URL as base IRI (no string formatting); what depends on the running server -- the
result formats, the union default graph, the named graphs and their sizes -- is added as
triples here.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources as importlib_resources
from typing import Any

import pyoxigraph as ox

from . import serialize
from .engine import DatasetInfo
from .formats import FORMATS, Format

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TEMPLATE = "service-description.ttl"
_PREFIXES = {"sd": SD, "void": VOID, "dcterms": "http://purl.org/dc/terms/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def template() -> bytes:
    return (importlib_resources.files(__package__) / "templates" / TEMPLATE).read_bytes()


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def triples(endpoint: str, info: DatasetInfo) -> list[ox.Triple]:
    """The description of the endpoint at URL `endpoint`, serving `info`."""
    out = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(template(), format=ox.RdfFormat.TURTLE, base_iri=endpoint)]
    service = ox.NamedNode(endpoint)
    out += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(f.iri)) for f in FORMATS]
    if info.union_default_graph:
        out.append(ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")))
    dataset = ox.NamedNode(endpoint + "#dataset")
    default_graph = ox.NamedNode(endpoint + "#default-graph")
    if info.default_graph_triples is not None:
        out.append(ox.Triple(default_graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(info.default_graph_triples), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    for i, (name, size) in enumerate(info.graphs, start=1):
        named = ox.NamedNode(f"{endpoint}#named-graph-{i}")
        graph = ox.NamedNode(f"{endpoint}#named-graph-{i}-graph")
        out += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(name)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(size), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ]
    return out


def render(fmt: Format, endpoint: str, info: DatasetInfo, context: Mapping[str, Any]) -> bytes:
    return serialize.graph(fmt, triples(endpoint, info), {**context, **_PREFIXES})
