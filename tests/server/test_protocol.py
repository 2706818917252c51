"""SPARQL 1.1 Protocol request parsing, rule by rule (no server: `protocol.parse` is pure)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest

from ntp_kg.server.errors import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpdateRefused,
)
from ntp_kg.server.limits import Limits
from ntp_kg.server.protocol import (
    QueryRequest,
    check_length,
    media_type,
    parse,
    read_body,
)

Q = "SELECT * { ?s ?p ?o }"
G1, G2 = "http://example.org/g1", "http://example.org/g2"


def qs(**params: str) -> bytes:
    return "&".join(f"{k.replace('_', '-')}={quote(v, safe='')}" for k, v in params.items()).encode()


def test_get() -> None:
    assert parse("GET", qs(query=Q), None, b"") == QueryRequest(Q, None, None)


def test_get_without_query_asks_for_the_description() -> None:
    assert parse("GET", b"", None, b"").query is None
    assert parse("HEAD", b"format=turtle&format=", None, b"") == QueryRequest(None, None, None, ("turtle",))


def test_post_form_with_dataset_in_body_and_url() -> None:
    body = qs(query=Q, default_graph_uri=G1)
    req = parse("POST", qs(named_graph_uri=G2), "application/x-www-form-urlencoded", body)
    assert req == QueryRequest(Q, (G1,), (G2,))


def test_post_form_charset_utf8_is_fine() -> None:
    assert parse("POST", b"", "Application/X-WWW-Form-Urlencoded; charset=UTF-8", qs(query=Q)).query == Q


def test_post_direct() -> None:
    req = parse("POST", qs(default_graph_uri=G1, format="xml"), "application/sparql-query", Q.encode())
    assert req == QueryRequest(Q, (G1,), None, ("xml",))
    assert parse("POST", b"", 'application/sparql-query; charset="utf-8"', "ASK { ?s ?p \"Lào Cai\" }".encode()).query


def test_post_without_body_but_query_in_url_is_accepted() -> None:
    assert parse("POST", qs(query=Q), None, b"").query == Q


def test_format_values_are_kept_once_each() -> None:
    req = parse("POST", b"format=rdf%2Bxml", "application/x-www-form-urlencoded", b"query=ASK&format=rdf%2Bxml&format=application%2Frdf%2Bxml")
    assert req.formats == ("rdf+xml", "application/rdf+xml")


def test_repeated_graph_parameters_keep_their_order() -> None:
    req = parse("GET", qs(query=Q) + b"&" + qs(default_graph_uri=G2) + b"&" + qs(default_graph_uri=G1), None, b"")
    assert req.default_graphs == (G2, G1)


@pytest.mark.parametrize(
    ("method", "url", "ctype", "body", "error", "message"),
    [
        ("GET", b"", None, b"", None, None),
        ("GET", b"query=a&query=b", None, b"", BadRequest, "2 'query' parameters"),
        ("GET", b"query=", None, b"", BadRequest, "empty"),
        ("GET", b"query=%20%0A", None, b"", BadRequest, "empty"),
        ("GET", b"query=%FF", None, b"", BadRequest, "not valid UTF-8"),
        ("POST", b"format=json", "application/x-www-form-urlencoded", b"query=ASK&format=json", None, None),
        ("GET", b"query=ASK&default-graph-uri=not%20an%20iri", None, b"", BadRequest, "not an absolute IRI"),
        ("GET", b"update=CLEAR%20ALL", None, b"", UpdateRefused, "read-only"),
        ("GET", b"query=ASK&using-graph-uri=http%3A%2F%2Fg", None, b"", UpdateRefused, "using-graph-uri"),
        ("POST", b"", "application/x-www-form-urlencoded", b"update=CLEAR+ALL", UpdateRefused, "parameter 'update'"),
        ("POST", b"", "application/sparql-update", b"CLEAR ALL", UpdateRefused, "application/sparql-update"),
        ("POST", b"", "application/sparql-update; charset=UTF-16", "CLEAR".encode("utf-16"), UpdateRefused, "read-only"),
        ("POST", b"", "text/plain", b"ASK {}", UnsupportedMediaType, "got text/plain"),
        ("POST", b"", None, b"query=ASK%20%7B%7D", UnsupportedMediaType, "got no Content-Type"),
        ("POST", b"", None, b"ASK {}", UnsupportedMediaType, "no Content-Type"),
        ("POST", b"", "application/json", b'{"query": "ASK {}"}', UnsupportedMediaType, "application/json"),
        ("POST", b"", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), UnsupportedMediaType, "UTF-16"),
        ("POST", b"", "application/x-www-form-urlencoded; charset=latin1", b"query=ASK", UnsupportedMediaType, "latin1"),
        ("POST", b"", "application/sparql-query", b"ASK { ?s ?p \"\xff\" }", BadRequest, "not valid UTF-8"),
        ("POST", b"", "application/x-www-form-urlencoded", b"query=ASK%20%7B%FF%7D", BadRequest, "not valid UTF-8"),
        ("POST", b"query=ASK", "application/sparql-query", b"ASK {}", BadRequest, "exactly one"),
        ("POST", b"", "application/x-www-form-urlencoded", b"default-graph-uri=http%3A%2F%2Fg", BadRequest, "no query"),
        ("POST", b"", "application/sparql-query", b"", BadRequest, "empty"),
        ("PUT", b"query=ASK", None, b"", MethodNotAllowed, "PUT"),
        ("DELETE", b"", None, b"", MethodNotAllowed, "use GET or POST"),
        ("PATCH", b"", None, b"", MethodNotAllowed, "PATCH"),
    ],
)
def test_rules(method: str, url: bytes, ctype: str | None, body: bytes, error: type[Exception] | None, message: str | None) -> None:
    if error is None:
        parse(method, url, ctype, body)
        return
    with pytest.raises(error, match=message):
        parse(method, url, ctype, body)


def test_405_names_the_allowed_methods() -> None:
    with pytest.raises(MethodNotAllowed) as info:
        parse("PUT", b"", None, b"")
    assert info.value.headers == {"Allow": "GET, HEAD, POST, OPTIONS"}


def test_media_type() -> None:
    assert media_type(' Application/SPARQL-Query ; Charset="UTF-8"') == ("application/sparql-query", {"charset": "UTF-8"})
    assert media_type(None) == ("", {})


def test_query_length() -> None:
    check_length("x" * 10, Limits(max_query_length=10))
    with pytest.raises(PayloadTooLarge, match="11 characters; the limit is 10"):
        check_length("x" * 11, Limits(max_query_length=10))


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


def test_read_body_stops_at_the_limit() -> None:
    assert asyncio.run(read_body("6", _chunks(b"abc", b"def"), 6)) == b"abcdef"
    with pytest.raises(PayloadTooLarge, match="100 bytes; the limit is 6"):
        asyncio.run(read_body("100", _chunks(b"x"), 6))
    with pytest.raises(PayloadTooLarge, match="more than 6 bytes"):
        asyncio.run(read_body(None, _chunks(b"abcd", b"efgh"), 6))
    with pytest.raises(BadRequest, match="Content-Length"):
        asyncio.run(read_body("ten", _chunks(b""), 6))
