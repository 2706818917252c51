"""The result formats the endpoint speaks: one table, used by negotiation, writers and the
Service Description alike. Order within a query form is the server's preference on ties.

`format=` names (and each format's extension and media type) override Accept. `json` and
`xml` mean JSON-LD and RDF/XML for CONSTRUCT/DESCRIBE, as most endpoints read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

W3C_FORMATS = "http://www.w3.org/ns/formats/"


class Form(Enum):
    """The query forms, grouped by the kind of result they give."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def is_graph(self) -> bool:
        return self in (Form.CONSTRUCT, Form.DESCRIBE)


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    forms: frozenset[Form]
    w3c: str
    extension: str
    aliases: tuple[str, ...] = ()
    """Other media types that select this format in Accept (answered with `media_type`)."""
    charset: bool = False
    """Whether Content-Type carries `; charset=utf-8` (text/* types)."""

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def iri(self) -> str:
        return W3C_FORMATS + self.w3c


_RESULTS = frozenset({Form.SELECT, Form.ASK})
_TABLE = frozenset({Form.SELECT})
_GRAPH = frozenset({Form.CONSTRUCT, Form.DESCRIBE})

FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", _RESULTS, "SPARQL_Results_JSON", "srj", ("application/json",)),
    Format("xml", "application/sparql-results+xml", _RESULTS, "SPARQL_Results_XML", "srx", ("application/xml", "text/xml")),
    Format("csv", "text/csv", _TABLE, "SPARQL_Results_CSV", "csv", charset=True),
    Format("tsv", "text/tab-separated-values", _TABLE, "SPARQL_Results_TSV", "tsv", charset=True),
    Format("turtle", "text/turtle", _GRAPH, "Turtle", "ttl", ("application/x-turtle",), charset=True),
    Format("ntriples", "application/n-triples", _GRAPH, "N-Triples", "nt"),
    Format("jsonld", "application/ld+json", _GRAPH, "JSON-LD", "jsonld", ("application/json",)),
    Format("rdfxml", "application/rdf+xml", _GRAPH, "RDF_XML", "rdf", ("application/xml", "text/xml")),
    Format("trig", "application/trig", _GRAPH, "TriG", "trig"),
    Format("nquads", "application/n-quads", _GRAPH, "N-Quads", "nq"),
)
BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}

# format= values other than the names, per kind of result.
_GRAPH_SYNONYMS = {
    "json": "jsonld",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "nq": "nquads",
    "n-quads": "nquads",
}
_RESULT_SYNONYMS = {"srj": "json", "srx": "xml"}


def for_form(form: Form) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if form in f.forms)


def graph_formats() -> tuple[Format, ...]:
    return for_form(Form.CONSTRUCT)


def known_format_value(value: str) -> bool:
    v = value.strip().lower()
    return v in BY_NAME or v in _GRAPH_SYNONYMS or v in _RESULT_SYNONYMS or any(v == f.media_type or v in f.aliases for f in FORMATS)


def from_parameter(value: str, offered: Sequence[Format]) -> Format | None:
    """The format a `format=` value names among `offered`, or None (the caller answers 406)."""
    v = value.strip().lower()
    graph = bool(offered) and all(Form.CONSTRUCT in f.forms for f in offered)
    v = (_GRAPH_SYNONYMS if graph else _RESULT_SYNONYMS).get(v, v)
    for f in offered:
        if v == f.name or v == f.media_type:
            return f
    for f in offered:
        if v in f.aliases:
            return f
    return None
