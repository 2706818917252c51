"""Content negotiation: q-values, wildcards, specificity, aliases, refusals (RFC 9110 §12.5.1)."""

from __future__ import annotations

import pytest

from ntp_kg.server.formats import Form, for_form
from ntp_kg.server.negotiation import MediaRange, negotiate, parse_accept, quality

RESULTS = [(f.name, (f.media_type, *f.aliases)) for f in for_form(Form.SELECT)]
GRAPHS = [(f.name, (f.media_type, *f.aliases)) for f in for_form(Form.CONSTRUCT)]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("text/*", "csv"),
        ("text/*, text/tab-separated-values", "tsv"),  # named beats matched by a wildcard
        ("application/sparql-results+json;q=0.5, application/sparql-results+xml", "xml"),
        ("application/sparql-results+xml;q=0.9, text/csv;q=0.95", "csv"),
        ("application/sparql-results+json;q=0, */*", "xml"),
        ("application/sparql-results+json;q=0, application/json", None),  # refused by name, not let in by alias
        ("application/sparql-results+json;q=0, application/json, text/csv;q=0.1", "csv"),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml;q=0.4, application/json;q=0.3", "xml"),
        ("application/sparql-results+json, application/json, text/javascript, application/javascript", "json"),
        ("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", "json"),  # Java's default
        ("TEXT/CSV", "csv"),
        ("text/csv; charset=utf-8; q=0.8, application/sparql-results+xml; q=0.7", "csv"),
        ("image/png", None),
        ("text/csv;q=0", None),
        ("*/*;q=0", None),
        ("application/sparql-results+json;q=abc, text/csv", "csv"),  # bad q: entry skipped
        ("garbage, ;;, /", "json"),  # nothing parsable: as if */*
    ],
)
def test_select_results(accept: str | None, expected: str | None) -> None:
    assert negotiate(RESULTS, accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "turtle"),
        ("application/rdf+xml", "rdfxml"),
        ("application/ld+json", "jsonld"),
        ("application/json", "jsonld"),
        ("application/n-triples", "ntriples"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("application/*", "ntriples"),
        ("text/turtle;q=0.1, application/rdf+xml;q=0.2", "rdfxml"),
        ("application/rdf+xml, text/turtle;q=0.9, */*;q=0.1", "rdfxml"),
        ("text/turtle;q=0, */*;q=0.5", "ntriples"),
        ("application/sparql-results+json", None),
    ],
)
def test_graph_results(accept: str, expected: str | None) -> None:
    assert negotiate(GRAPHS, accept) == expected


def test_parse_accept_reads_ranges_and_q() -> None:
    assert parse_accept("text/turtle;q=0.5, */*; Q=0.1 ;level=1") == [MediaRange("text", "turtle", 0.5), MediaRange("*", "*", 0.1)]
    assert parse_accept("*/html") == [MediaRange("*", "*", 1.0)]  # invalid: type wildcard only with */*
    assert parse_accept("text/plain;q=2") == [MediaRange("*", "*", 1.0)]  # q out of range: skipped


def test_quality_uses_the_most_specific_range() -> None:
    ranges = parse_accept("text/*;q=0.3, text/csv;q=0.7, */*;q=0.1")
    assert quality("text/csv", ranges) == (0.7, 2)
    assert quality("text/turtle", ranges) == (0.3, 1)
    assert quality("application/json", ranges) == (0.1, 0)
    assert quality("application/json", parse_accept("text/*")) is None
