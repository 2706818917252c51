"""The guard: updates and SERVICE refused wherever they are keywords, never inside IRIs,
strings, comments, variables or prefixed names; nesting bounded; the query form read."""

from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest

from ntp_kg.server.errors import QueryTooComplex, ServiceRefused, UpdateRefused
from ntp_kg.server.formats import Form
from ntp_kg.server.guard import UPDATE_KEYWORDS, inspect

from .conftest import Listener

UPDATES = [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "DELETE DATA { <http://a> <http://b> <http://c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <http://g>",
    "CLEAR ALL",
    "clear default",
    "DROP GRAPH <http://g>",
    "CREATE GRAPH <http://g>",
    "ADD DEFAULT TO <http://g>",
    "MOVE <http://a> TO <http://b>",
    "COPY DEFAULT TO <http://g>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\n# a comment\nInSeRt { ex:a ex:b ex:c } WHERE {}",
    "DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
    "SELECT * {} ; INSERT DATA {}",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_form_is_refused(update: str) -> None:
    with pytest.raises(UpdateRefused, match="read-only"):
        inspect(update, 100)


def test_the_refusal_names_keyword_and_position() -> None:
    with pytest.raises(UpdateRefused, match=r"found CLEAR at line 3, column 2"):
        inspect("PREFIX a: <http://a/>\n\n CLEAR ALL", 100)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { service ?x { ?s ?p ?o } }",
        "SELECT * {SERVICE<http://x/>{}}",
        "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:x { ?s ?p ?o } }",
        "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE: { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(ServiceRefused, match="SERVICE is not allowed: this endpoint makes no outbound requests"):
        inspect(query, 100)


def test_the_engine_reads_service_glued_to_a_prefixed_name_as_the_keyword(listener: Listener) -> None:
    """Why `SERVICE:x` is refused although it looks like a prefixed name: pyoxigraph reads it
    as SERVICE + `:x` and connects (pinned here, in-process, against a loopback listener)."""
    query = f"PREFIX : <{listener.url}> SELECT * {{ SERVICE SILENT:x {{ ?s ?p ?o }} }}"
    worker = threading.Thread(target=lambda: list(ox.Store().query(query)), daemon=True)
    worker.start()
    assert listener.connections(wait=2.0) == 1
    worker.join(5)


def test_escaped_keywords_are_not_keywords_for_the_engine() -> None:
    r"""The guard reads the raw text; pinned: pyoxigraph does not unescape \u outside strings and IRIs."""
    with pytest.raises(SyntaxError):
        ox.Store().query("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * {}", Form.SELECT),
        ("select ?insert ?delete { ?insert <http://x/load> ?delete }", Form.SELECT),
        ("PREFIX insert: <http://x/> PREFIX drop: <http://y/> ASK { insert:a drop:b insert:clear }", Form.ASK),
        ("BASE <http://x/> PREFIX ex: <http://example.org/> CONSTRUCT { ?s ex:service ?o } WHERE { ?s ?p ?o }", Form.CONSTRUCT),
        ("DESCRIBE <http://example.org/service>", Form.DESCRIBE),
        ('SELECT * { ?s ?p "INSERT DATA { <a> <b> <c> }" }', Form.SELECT),
        ("SELECT * { ?s ?p 'SERVICE' . ?s ?p '''CLEAR\nALL''' . ?s ?p \"\"\"a \"\" \"DROP\" b\"\"\" }", Form.SELECT),
        ("SELECT * { ?s ?p ?o } # DROP ALL ; SERVICE <x>", Form.SELECT),
        ("SELECT * { ?s ?p \"x\"@en-GB . ?s ?p _:load . ?s ?p $with }", Form.SELECT),
        ("SELECT * { ?s ?p <http://example.org/\\u0041insert> }", Form.SELECT),
        ("SELECT * WHERE { ?a ?b ?c FILTER(?a<?b && ?b>?c) }", Form.SELECT),
        ("PREFIX ex: <http://example.org/> SELECT * { ex:a ex:b ex:add.more }", Form.SELECT),
        ("not a query at all", None),
        ("", None),
    ],
)
def test_reads_the_form_and_ignores_words_that_are_not_keywords(query: str, form: Form | None) -> None:
    assert inspect(query, 100).form is form


def test_update_keywords_are_not_query_keywords() -> None:
    """Every word refused as an update keyword is a syntax error in a SPARQL query."""
    for word in sorted(UPDATE_KEYWORDS):
        with pytest.raises(SyntaxError):
            ox.Store().query(f"SELECT * WHERE {{ {word} }}")


def test_nesting_is_bounded() -> None:
    assert inspect("SELECT * " + "{" * 10 + "}" * 10, 10).depth == 10
    with pytest.raises(QueryTooComplex, match="more than 10 levels"):
        inspect("SELECT * " + "{" * 11 + "}" * 11, 10)
    with pytest.raises(QueryTooComplex):
        inspect("SELECT (" + "(" * 200 + "1" + ")" * 200 + " AS ?x) {}", 128)
    deep = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
    with pytest.raises(QueryTooComplex):
        inspect(deep, 128)


def test_from_is_noticed() -> None:
    assert inspect("SELECT * FROM <http://g> { ?s ?p ?o }", 10).dataset
    assert inspect("SELECT * from named <http://g> { GRAPH ?g { ?s ?p ?o } }", 10).dataset
    assert not inspect("SELECT * { ?s <http://x/from> 'FROM' }", 10).dataset


def test_graph_patterns_are_noticed() -> None:
    """A query without GRAPH (and without a dataset) reads the default graph alone, and may be
    answered from the union copy (worker.reads_default_graph_only): a GRAPH missed here would
    be answered from a store with no named graphs, so every spelling must be seen."""
    for query in (
        "SELECT * { GRAPH ?g { ?s ?p ?o } }",
        "select * { graph<http://g>{ ?s ?p ?o } }",
        "ASK { ?s ?p ?o . OPTIONAL { GrApH ?g { ?s ?p ?o } } }",
        "SELECT * { { SELECT ?g { GRAPH ?g {} } } }",
    ):
        assert inspect(query, 10).graph_patterns, query
    for query in (
        "SELECT ?graph { ?graph <http://x/graph> 'GRAPH' } # GRAPH ?g { }",
        "PREFIX graph: <http://x/> SELECT * { graph:g <http://x/GRAPH> ?o }",
        "SELECT * { ?s ?p ?o }",
    ):
        assert not inspect(query, 10).graph_patterns, query
