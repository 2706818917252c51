"""SPARQL 1.1 Protocol, query operation (https://www.w3.org/TR/sparql11-protocol/#query-operation).

Three ways to send a query, all answered alike:
- GET with `query=` in the URL (§2.1.1);
- POST `application/x-www-form-urlencoded` with `query=` in the body (§2.1.2);
- POST `application/sparql-query` with the query as the body (§2.1.3).
`default-graph-uri` / `named-graph-uri` (in the URL, or in a form body) give the dataset.
Bodies must be UTF-8. The update operation (`update=`, `application/sparql-update`,
`using-graph-uri`...) is refused: the endpoint is read-only.

`parse()` is pure (method, URL query bytes, Content-Type, body -> QueryRequest or an error),
so every rule is tested without a server; `read_body()` reads a body up to the size limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pyoxigraph as ox

from .errors import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpdateRefused,
)
from .limits import Limits

ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
_UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
_READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"


@dataclass(frozen=True)
class QueryRequest:
    query: str | None
    """None: no query given (GET: the Service Description or the query page)."""
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: tuple[str, ...] = ()
    """The `format=` values (distinct, non-empty), which override Accept."""


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """`type/subtype` in lower case, and the parameters (names lower-cased, values unquoted)."""
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    out: dict[str, str] = {}
    for p in params:
        k, _, v = p.partition("=")
        out[k.strip().lower()] = v.strip().strip('"')
    return main.strip().lower(), out


def _text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the {where} is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _pairs(data: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(_text(data, where), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the {where} is not valid UTF-8 once percent-decoded ({exc.reason} at byte {exc.start})") from None


def _check_charset(charset: str | None) -> None:
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset={charset} is not supported: send the query in UTF-8")


def _graphs(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...] | None:
    values = tuple(v for k, v in pairs if k == name)
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError as exc:
            raise BadRequest(f"{name}={v!r} is not an absolute IRI: {exc}") from None
    return values or None


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise BadRequest(f"{len(values)} '{name}' parameters: send exactly one")
    return values[0] if values else None


def parse(method: str, url_query: bytes, content_type: str | None, body: bytes) -> QueryRequest:
    method = method.upper()
    if method not in ALLOWED_METHODS or method == "OPTIONS":
        raise MethodNotAllowed(
            f"method {method} is not allowed on the SPARQL endpoint: use GET or POST", {"Allow": ", ".join(ALLOWED_METHODS)}
        )
    url_pairs = _pairs(url_query, "URL query string")
    mt, params = media_type(content_type)
    if mt == SPARQL_UPDATE:
        raise UpdateRefused(f"{_READ_ONLY} (application/sparql-update)")
    pairs = list(url_pairs)
    direct: str | None = None
    if method == "POST":
        if mt == FORM:
            _check_charset(params.get("charset"))
            pairs += _pairs(body, "form body")
        elif mt == SPARQL_QUERY:
            _check_charset(params.get("charset"))
            direct = _text(body, "request body")
        elif mt or body:
            shown = mt or "no Content-Type"
            raise UnsupportedMediaType(f"POST a query as {FORM} or {SPARQL_QUERY} (got {shown})")
    for name in _UPDATE_PARAMS:
        if any(k == name for k, _ in pairs):
            raise UpdateRefused(f"{_READ_ONLY} (parameter '{name}')")
    query = _one(pairs, "query")
    if direct is not None:
        if query is not None:
            raise BadRequest(f"a query in the body ({SPARQL_QUERY}) and a 'query' parameter: send exactly one")
        query = direct
    if method == "POST" and query is None:
        raise BadRequest("no query: POST a form with a 'query' field, or the query as application/sparql-query")
    if query is not None and not query.strip():
        raise BadRequest("the query is empty")
    return QueryRequest(
        query=query,
        default_graphs=_graphs(pairs, "default-graph-uri"),
        named_graphs=_graphs(pairs, "named-graph-uri"),
        # Several format= values may name one format (SPARQLWrapper sends "rdf+xml" and
        # "application/rdf+xml"); the app checks that they agree.
        formats=tuple(dict.fromkeys(v for k, v in pairs if k == "format" and v.strip())),
    )


def check_length(query: str, limits: Limits) -> None:
    if len(query) > limits.max_query_length:
        raise PayloadTooLarge(f"the query has {len(query)} characters; the limit is {limits.max_query_length}")


async def read_body(declared_length: str | None, chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body, or 413 as soon as it (or its declared length) passes `limit` bytes."""
    if declared_length is not None:
        try:
            declared = int(declared_length)
        except ValueError:
            raise BadRequest(f"invalid Content-Length: {declared_length!r}") from None
        if declared > limit:
            raise PayloadTooLarge(f"the request body has {declared} bytes; the limit is {limit}")
    buf = bytearray()
    async for chunk in chunks:
        buf += chunk
        if len(buf) > limit:
            raise PayloadTooLarge(f"the request body has more than {limit} bytes (the limit)")
    return bytes(buf)
