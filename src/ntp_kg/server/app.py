"""The HTTP application: a router over an injected query engine.

    /sparql, /sparql/   the SPARQL 1.1 Protocol (query); GET without a query: the Service
                        Description, or the query page for a browser
    /                   the query page
    /health             liveness and the pool's state (never waits for a worker)
    /limits             the limits in force (where a truncated result points)
    /static/<file>      the page's script and style

Handlers are small; each failure is an `EndpointError` with one status code, written as plain
text or JSON by Accept (never an HTML traceback). /sparql answers CORS requests from any origin
without credentials (`Access-Control-Allow-Origin: *`, never a reflected origin).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import guard, page, protocol, service_description
from .engine import Engine
from .errors import (
    BadRequest,
    EndpointError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    QueryFailed,
)
from .formats import (
    FORMATS,
    Form,
    Format,
    for_form,
    from_parameter,
    graph_formats,
    known_format_value,
)
from .limits import Limits
from .negotiation import negotiate
from .worker import Job

log = logging.getLogger("ntp_kg.server")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-SPARQL-Truncated, Retry-After, Link, Content-Length",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, X-Requested-With, Cache-Control",
    "Access-Control-Max-Age": "86400",
}
_HTML = ("text/html", "application/xhtml+xml")
_METHOD_ORDER = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH")


class NoSniff:
    """Pure ASGI middleware: `X-Content-Type-Options: nosniff` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]
            await send(message)

        await self.app(scope, receive, send_with_header)


def _error_response(request: Request, exc: EndpointError) -> Response:
    kind = negotiate([("text", ["text/plain"]), ("json", ["application/json"])], request.headers.get("accept"))
    headers = {**exc.headers, "Vary": "Accept"}
    if request.url.path.rstrip("/") == "/sparql":
        headers.update(CORS_HEADERS)
    if kind == "json":
        body = json.dumps({"status": exc.status, "error": exc.title, "message": exc.message}, ensure_ascii=False)
        return Response(body, exc.status, headers, media_type="application/json")
    return Response(f"{exc.status} {exc.title}: {exc.message}\n", exc.status, headers, media_type="text/plain; charset=utf-8")


@lru_cache(maxsize=512)
def _pick(form: Form, accept: str | None, format_params: tuple[str, ...]) -> Format | None:
    """The format for `form`: named by format= (all values must agree), else by Accept.
    (Cached: clients send few distinct Accept headers.)"""
    offered = for_form(form)
    if format_params:
        chosen = {from_parameter(v, offered) for v in format_params}
        if len(chosen) > 1:
            if None in chosen:
                return None
            raise BadRequest(f"the format parameters {', '.join(format_params)} disagree: send one")
        return chosen.pop()
    return negotiate([(f, (f.media_type, *f.aliases)) for f in offered], accept)


def _not_acceptable(form: Form, format_params: tuple[str, ...]) -> NotAcceptable:
    offered = for_form(form)
    names = ", ".join(f.name for f in offered)
    if format_params:
        return NotAcceptable(f"format={'/'.join(format_params)} is not available for {form.value} results; use one of {names}")
    types = ", ".join(f.media_type for f in offered)
    return NotAcceptable(f"none of the Accept header's types fits {form.value} results; this endpoint gives {types} (or format={names})")


def create_app(
    engine: Engine,
    limits: Limits,
    *,
    endpoint_url: str | None = None,
    context: Mapping[str, Any] | None = None,
    questions: list[page.Question] | None = None,
) -> Starlette:
    """The app over `engine`. `endpoint_url` fixes the public URL of /sparql (else from the request)."""
    context = dict(context or {})
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and not k.startswith("@")}
    questions = page.research_questions() if questions is None else questions
    def endpoint_of(request: Request) -> str:
        return endpoint_url or str(request.base_url) + "sparql"

    async def endpoint_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EndpointError)
        return _error_response(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return _error_response(request, NotFound(f"nothing at {request.url.path}: the SPARQL endpoint is /sparql"))
        if exc.status_code == 405:
            given = {m.strip() for m in (exc.headers or {}).get("Allow", "GET, HEAD").split(",")}
            allow = ", ".join(sorted(given, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))
            return _error_response(request, MethodNotAllowed(f"method {request.method} is not allowed here", {"Allow": allow}))
        return _error_response(request, BadRequest(str(exc.detail)))

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error_response(request, QueryFailed("internal error (logged on the server)"))

    def page_response(request: Request, query: str | None = None) -> Response:
        base = str(request.base_url)
        html = page.render(endpoint_of(request), base + "static", base + "limits", questions, prefixes, query)
        headers = {"Content-Security-Policy": page.CSP, "Referrer-Policy": "same-origin", "Vary": "Accept"}
        return Response(html, headers=headers, media_type="text/html; charset=utf-8")

    def description(request: Request, format_params: tuple[str, ...]) -> Response:
        if format_params:
            fmt = _pick(Form.CONSTRUCT, None, format_params)
            if fmt is None:
                raise _not_acceptable(Form.CONSTRUCT, format_params)
        else:
            offers: list[tuple[Format | str, tuple[str, ...]]] = [(f, (f.media_type, *f.aliases)) for f in graph_formats()]
            choice = negotiate([*offers, ("page", _HTML)], request.headers.get("accept"))
            if choice == "page":
                return page_response(request)
            # Nothing acceptable: a description in Turtle rather than 406 (it is a discovery document).
            fmt = choice if isinstance(choice, Format) else graph_formats()[0]
        body = service_description.render(fmt, endpoint_of(request), engine.info, context)
        return Response(body, headers={**CORS_HEADERS, "Vary": "Accept"}, media_type=fmt.content_type)

    async def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={**PREFLIGHT_HEADERS, "Allow": ", ".join(protocol.ALLOWED_METHODS)})
        body = b""
        if request.method == "POST":
            body = await protocol.read_body(request.headers.get("content-length"), request.stream(), limits.max_body)
        req = protocol.parse(request.method, request.scope.get("query_string", b""), request.headers.get("content-type"), body)
        for value in req.formats:
            if not known_format_value(value):
                raise BadRequest(f"unknown format={value!r}; use one of {', '.join(f.name for f in FORMATS)}")
        if req.query is None:
            return description(request, req.formats)
        protocol.check_length(req.query, limits)
        inspection = guard.inspect(req.query, limits.max_nesting)
        accept = request.headers.get("accept")
        # The guard told the form: negotiate for it (for all three when it could not tell).
        forms = [Form.CONSTRUCT if inspection.form.is_graph else inspection.form] if inspection.form else [Form.SELECT, Form.ASK, Form.CONSTRUCT]
        chosen = {form: _pick(form, accept, req.formats) for form in forms}
        if inspection.form is not None and chosen[forms[0]] is None:
            raise _not_acceptable(inspection.form, req.formats)
        endpoint = endpoint_of(request)
        limits_url = endpoint.rsplit("/", 1)[0] + "/limits"

        def name(form: Form) -> str | None:
            f = chosen.get(form)
            return f.name if f else None

        job = Job(
            query=req.query,
            select_format=name(Form.SELECT),
            ask_format=name(Form.ASK),
            graph_format=name(Form.CONSTRUCT),
            default_graphs=req.default_graphs,
            named_graphs=req.named_graphs,
            query_dataset=inspection.dataset,
            base_iri=endpoint,
            max_rows=limits.max_rows,
            limits_url=limits_url,
        )
        answer = await engine.run(job)
        headers = {**CORS_HEADERS, "Vary": "Accept"}
        if answer.truncated:
            headers["X-SPARQL-Truncated"] = "true"
            headers["Link"] = f'<{limits_url}>; rel="describedby"'
        return Response(answer.body, headers=headers, media_type=answer.content_type)

    async def home(request: Request) -> Response:
        """The page; `/?query=...` opens it with that query (a link to share), `#run` runs it."""
        query = request.query_params.get("query")
        if query is not None and len(query) > limits.max_query_length:
            query = None
        return page_response(request, query)

    async def health(request: Request) -> Response:
        status = engine.status()
        alive = status.get("idle", 0) + status.get("busy", 0) + status.get("starting", 0)
        body = {"status": "ok" if alive else "unavailable", **status}
        return Response(json.dumps(body), 200 if alive else 503, {"Cache-Control": "no-store"}, media_type="application/json")

    async def limits_doc(request: Request) -> Response:
        body = {
            "limits": limits.describe(),
            "truncation": (
                f"A SELECT result longer than {limits.max_rows} rows (or a graph of more triples) is cut there: the "
                "response has the header X-SPARQL-Truncated: true, a Link to this page, and in SPARQL JSON and XML "
                "a link to this page in its head. Use LIMIT/OFFSET to page through longer results."
            ),
            "timeout": f"A query running longer than {limits.time_limit:g} s is stopped and answered with 504.",
            "overload": "When every worker is busy and the queue is full, the answer is 503 with Retry-After.",
        }
        return Response(json.dumps(body, indent=1), media_type="application/json")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in page.STATIC_FILES:
            raise NotFound(f"no static file {name}")
        return Response(page.static_file(name), media_type=page.STATIC_FILES[name], headers={"Cache-Control": "public, max-age=86400"})

    every_method = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]  # sparql() answers 405 itself
    return Starlette(
        routes=[
            Route("/sparql", sparql, methods=every_method),
            Route("/sparql/", sparql, methods=every_method),
            Route("/", home, methods=["GET", "HEAD"]),
            Route("/health", health, methods=["GET"]),
            Route("/limits", limits_doc, methods=["GET"]),
            Route("/static/{name}", static, methods=["GET"]),
        ],
        middleware=[Middleware(NoSniff), Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)],
        exception_handlers={EndpointError: endpoint_error, StarletteHTTPException: http_error, Exception: internal_error},
    )
