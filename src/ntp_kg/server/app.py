"""The HTTP application: a router over an injected query engine.

    /sparql, /sparql/   the SPARQL 1.1 Protocol (query); GET without a query: the Service
                        Description, or the query page for a browser (`?edit=<query>` prefills
                        it: a link to share; `#run` runs it)
    /                   the start page (with a describer; else the query page)
    /id/..., /def/..., /graph/...
                        every IRI we mint, dereferenced (linked.py): 200 + Vary + Content-Location
    /queries/<name>     the named query sparql/<name>.rq as text
    /dumps/, /dumps/<file>   the build's files (dumps.py): ETag, Last-Modified, 304s, HEAD
    /catalog, /.well-known/void   the build's DCAT-AP 3 + VoID catalogue by Accept (uncompressed)
    /robots.txt, /sitemap.xml     for crawlers: the sitemap lists the start page and resource pages
                                  (past 50,000: an index of /sitemap-N.xml, sitemap.py)
    /health             liveness and the pool's state (never waits for a worker)
    /limits             the limits in force (where a truncated result points)
    /static/<file>      the page's script and style

Handlers are small; each failure is an `EndpointError` with one status code, written as plain
text or JSON by Accept (never an HTML traceback). /sparql answers CORS requests from any origin
without credentials (`Access-Control-Allow-Origin: *`, never a reflected origin).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..query import named_queries
from . import guard, page, protocol, resource_page, serialize, service_description, sitemap, start_page
from .dumps import DumpFile, Dumps
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
from .linked import EXTENSION_OF, RDF_VARIANTS, Describer, Target
from .memo import VersionMemo
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


_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _with_our_headers(headers: list[tuple[bytes, bytes]], vary: bytes | None = None) -> list[tuple[bytes, bytes]]:
    """`headers` with `X-Content-Type-Options: nosniff`, and `vary` added to Vary if given."""
    out = [*headers, _NOSNIFF]
    if vary is not None:
        for i, (name, value) in enumerate(out):
            if name.lower() == b"vary":
                out[i] = (name, value + b", " + vary)
                break
        else:
            out.append((b"vary", vary))
    return out


class ResponseHeaders(GZipMiddleware):
    """Pure ASGI middleware: `X-Content-Type-Options: nosniff` on every response, and gzip on the
    fly when asked for, except for downloads and the catalogue: they are sent as the bytes on disk
    (their Content-Length and ETag name those bytes; harvesters such as ckanext-dcat do not
    decompress). One layer for both, adding headers to the raw list: a point query's answer
    went through two wrappers that each parsed and rebuilt its headers (Starlette's
    MutableHeaders), the largest item of the app's own time when profiled."""

    UNCOMPRESSED = ("/dumps/", "/catalog", "/.well-known/void")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        compressible = not scope["path"].startswith(self.UNCOMPRESSED)
        if compressible and "gzip" in Headers(scope=scope).get("accept-encoding", ""):
            async def send_nosniff(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = _with_our_headers(message.get("headers", []))
                await send(message)

            await super().__call__(scope, receive, send_nosniff)
            return
        # No gzip wanted (most SPARQL clients), or not to be compressed: no responder that would
        # only copy the messages; a compressible answer says that it depends on Accept-Encoding,
        # as a compressed one would.
        vary = b"Accept-Encoding" if compressible else None

        async def send_plain(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_our_headers(message.get("headers", []), vary)
            await send(message)

        await self.app(scope, receive, send_plain)


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


_inspect_cached = lru_cache(maxsize=1024)(guard.inspect)


def _inspect(query: str, max_nesting: int) -> guard.Inspection:
    """guard.inspect, cached for queries up to 4,096 characters: clients repeat their queries
    (dashboards, the query page's examples), and the guard's scan of the text was the largest
    item of the handler's own time when profiled. Refusals raise, so they are not cached."""
    if len(query) <= 4096:
        return _inspect_cached(query, max_nesting)
    return guard.inspect(query, max_nesting)


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
    describer: Describer | None = None,
    dumps: Dumps | None = None,
) -> Starlette:
    """The app over `engine`. `endpoint_url` fixes the public URL of /sparql (else from the request).
    With a `describer`, the IRIs under its base dereference at /id/, /def/ and /graph/ (linked.py)."""
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
                return page_response(request, shared_query(request))
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
        inspection = _inspect(req.query, limits.max_nesting)
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
            graph_patterns=inspection.graph_patterns,
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

    def shared_query(request: Request, param: str = "edit") -> str | None:
        """The query of a shared link to the page (`/sparql?edit=...`; `#run` runs it), if not too long."""
        query = request.query_params.get(param)
        if query is not None and len(query) > limits.max_query_length:
            return None
        return query

    async def home(request: Request) -> Response:
        """Without a describer (bare endpoint): the query page; `/?query=...` opens it with that query."""
        return page_response(request, shared_query(request, "query"))

    # Drawn from the describer's data, once per version: `serve --store` switches it to each new
    # version, which comes with a new `graphs` set (the version's token: no reference to an old store).
    start_data: VersionMemo[start_page.StartData] = VersionMemo()
    start_pages: VersionMemo[str] = VersionMemo()

    async def start_html(lang: str) -> str:
        """Off the event loop, once per version: aggregate queries over all the data (network
        round trips over a SPARQL backend); then drawn once per language."""
        assert describer is not None
        store, local_path, version = describer.store, describer.local_path, describer.graphs
        data = await start_data.get(version, "data", lambda: start_page.gather(store))
        return await start_pages.get(version, lang, lambda: start_page.render(data, lang, local_path))

    async def start(request: Request) -> Response:
        """The start page for people; an old shared link `/?query=...` moves to `/sparql?edit=...`."""
        assert describer is not None
        query = shared_query(request, "query")
        if query is not None:
            return RedirectResponse("/sparql?" + urlencode({"edit": query}), 301)
        lang = resource_page.choose_language(request.headers.get("accept-language"))
        html = await start_html(lang)
        headers = {"Vary": "Accept-Language", "Content-Language": lang, "Content-Security-Policy": resource_page.CSP}
        return Response(html, headers=headers, media_type="text/html; charset=utf-8")

    async def named_query(request: Request) -> Response:
        """/queries/<name>: the named query sparql/<name>.rq as text."""
        name = request.path_params["name"].removesuffix(".rq")
        found = named_queries().get(name)
        if found is None:
            raise NotFound(f"no named query {name!r}; they are listed on the query page /sparql")
        return Response(found.text, headers={"Access-Control-Allow-Origin": "*"}, media_type="text/plain; charset=utf-8")

    async def health(request: Request) -> Response:
        status = engine.status()
        alive = status.get("idle", 0) + status.get("busy", 0) + status.get("starting", 0)
        body: dict[str, Any] = {"status": "ok" if alive else "unavailable", **status}
        if describer is not None:  # the start page and the sitemap of the served version are drawn (keep_warm)
            body["pages_drawn"] = start_data.has(describer.graphs, "data") and sitemap_paths.has(describer.graphs, "paths")
        return Response(json.dumps(body), 200 if alive else 503, {"Cache-Control": "no-store"}, media_type="application/json")

    def long_queries_doc() -> str:
        if engine.execution == "remote":
            return ("Queries run on the SPARQL backend, which has its own limits: no worker is reserved for short "
                    "queries and no memory limit applies here; set the backend's own query time and memory limits.")
        allowed = limits.max_long_queries
        if allowed is None:
            return ("No worker is reserved for short queries (one worker, or long_query is 0): every query may run "
                    "to the time limit, and a cheap query waits while slow ones hold every worker.")
        return (
            f"A query that has run {limits.long_query:g} s counts as long. At most {allowed} of the {limits.workers} "
            "workers run long queries at once, so one always takes short queries: while slow queries run, a cheap "
            f"query gets a worker within {limits.long_query:g} s (plus the queries queued before it). A query that "
            "would be one long query too many is stopped when it becomes long: 503 with Retry-After. While the long "
            "queries run (and one time limit after), a spare worker is kept loaded to replace a stopped one at "
            "once. " + ("Each worker holds its own copy of the data." if engine.execution == "memory"
                        else "The workers open the same on-disk store read-only and share its pages.")
        )

    def described_limits() -> dict[str, float | int | None]:
        """The limits that hold for this engine: a remote backend has no workers, memory limit or long-query rule here."""
        described = limits.describe()
        if engine.execution == "remote":
            for name in ("workers", "memory_limit_bytes", "long_query_seconds", "max_long_queries"):
                described.pop(name, None)
            described["max_backend_queries"] = limits.workers
        return described

    async def limits_doc(request: Request) -> Response:
        body = {
            "execution": engine.execution,
            "limits": described_limits(),
            "truncation": (
                f"A SELECT result longer than {limits.max_rows} rows (or a graph of more triples) is cut there: the "
                "response has the header X-SPARQL-Truncated: true, a Link to this page, and in SPARQL JSON and XML "
                "a link to this page in its head. Use LIMIT/OFFSET to page through longer results."
            ),
            "timeout": f"A query running longer than {limits.time_limit:g} s is stopped and answered with 504."
            + (" The request to the backend is dropped; the backend may go on with it until its own limit." if engine.execution == "remote" else ""),
            "overload": ("When " + (f"{limits.workers} queries are at the backend" if engine.execution == "remote" else "every worker is busy")
                         + " and the queue is full, the answer is 503 with Retry-After."),
            "long_queries": long_queries_doc(),
        }
        return Response(json.dumps(body, indent=1), media_type="application/json")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in page.STATIC_FILES:
            raise NotFound(f"no static file {name}")
        return Response(page.static_file(name), media_type=page.STATIC_FILES[name], headers={"Cache-Control": "public, max-age=86400"})

    ontology_page: list[str] = []

    def ontology_html(variants: dict[str, str]) -> str | None:
        """ontodoc's page of ontology/ (with the concepts of the served reference graph), once."""
        if not ontology_page:
            from rdflib import Graph

            from .. import ontodoc
            from ..errors import NtpKgError

            assert describer is not None
            try:
                onto = ontodoc.ontology_graph()
            except (NtpKgError, OSError):
                return None
            concepts = Graph()
            for t in describer.describe(describer.base + "graph/reference", "graph"):
                concepts.add(tuple(serialize._to_rdflib(x) for x in (t.subject, t.predicate, t.object)))
            ontology_page.append(ontodoc.page(onto, concepts=concepts, alternates=variants))
        return ontology_page[0]

    def variants_of(target: Target) -> dict[str, str]:
        return {f.media_type: f"{target.path}.{EXTENSION_OF[f.name]}" for f in RDF_VARIANTS}

    def not_found_page(request: Request, iri: str | None) -> Response:
        lang = resource_page.choose_language(request.headers.get("accept-language"))
        headers = {"Vary": "Accept, Accept-Language"}
        if negotiate([("html", _HTML), ("text", ("text/plain",))], request.headers.get("accept")) == "html":
            body = resource_page.not_found(request.url.path, iri, lang)
            return Response(body, 404, {**headers, "Content-Security-Policy": resource_page.CSP}, media_type="text/html; charset=utf-8")
        about = f" (no resource <{iri}> is described here)" if iri else ""
        text = f"404 Not Found: nothing at {request.url.path}{about}. Resources are under /id/, the vocabulary under /def/ (the ontology at /def/ontology), named graphs under /graph/; query them at /sparql.\n"
        return Response(text, 404, headers, media_type="text/plain; charset=utf-8")

    async def linked(request: Request) -> Response:
        """A minted IRI's path (or a variant's: path.ttl etc.): 200 with the representation asked for.
        In process a description takes about a millisecond; over a SPARQL backend it is network
        round trips, which must not hold the event loop (and every other request) meanwhile."""
        if engine.execution == "remote":
            return await asyncio.to_thread(describe_page, request)
        return describe_page(request)

    def describe_page(request: Request) -> Response:
        assert describer is not None
        path = request.scope["path"]
        target = describer.target(path)
        if target is None:
            return not_found_page(request, describer.iri_for(path))
        variants = variants_of(target)
        links = [f'<{target.path}.html>; rel="alternate"; type="text/html"', *(f'<{u}>; rel="alternate"; type="{t}"' for t, u in variants.items())]
        headers: dict[str, str] = {"Link": ", ".join(links)}
        choice: Format | str | None
        if target.fixed is not None:
            choice = "html" if target.fixed == "html" else next(f for f in RDF_VARIANTS if f.name == target.fixed)
            if choice == "html":
                headers["Vary"] = "Accept-Language"
        else:
            offers: list[tuple[Format | str, tuple[str, ...]]] = [("html", _HTML), *((f, (f.media_type, *f.aliases)) for f in RDF_VARIANTS)]
            choice = negotiate(offers, request.headers.get("accept"))
            headers["Vary"] = "Accept, Accept-Language"
            if choice is None:
                listed = ", ".join(["text/html", *(f.media_type for f in RDF_VARIANTS)])
                raise NotAcceptable(f"{target.path} is available as {listed} (or at {', '.join(variants.values())})")
            headers["Content-Location"] = f"{target.path}.{'html' if choice == 'html' else EXTENSION_OF[choice.name]}"  # type: ignore[union-attr]
        if isinstance(choice, Format):
            triples = describer.describe(target.iri, target.kind)
            body = serialize.graph(choice, triples, context)
            return Response(body, headers={**headers, "Access-Control-Allow-Origin": "*"}, media_type=choice.content_type)
        lang = resource_page.choose_language(request.headers.get("accept-language"))
        html_body = ontology_html(variants) if target.kind == "ontology" else None
        if html_body is None:
            triples = describer.describe(target.iri, target.kind)
            members: list[str] = []
            if target.kind == "graph":
                members = sorted({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})
            html_body = resource_page.render(target.iri, triples, lang, describer.local_path, variants, graph_members=members)
        headers["Content-Security-Policy"] = resource_page.CSP
        headers["Content-Language"] = lang
        return Response(html_body, headers=headers, media_type="text/html; charset=utf-8")

    def file_response(request: Request, f: DumpFile, extra: Mapping[str, str] | None = None) -> Response:
        assert dumps is not None
        headers = {**f.headers(), **(extra or {})}
        if f.not_modified(request.headers.get("if-none-match"), request.headers.get("if-modified-since")):
            kept = {k: v for k, v in headers.items() if k in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Location")}
            return Response(status_code=304, headers=kept)
        # Streamed from disk (HEAD: headers only); Range / If-Range answered against our ETag.
        return FileResponse(dumps.path(f.name), headers=headers, media_type=f.media_type)

    async def dump_listing(request: Request) -> Response:
        if dumps is None:
            raise NotFound("this server serves no build folder (ntp-kg serve --dist): no dumps")
        listing = await asyncio.to_thread(dumps.listing)  # may hash files: off the event loop
        return Response(listing, headers={"Content-Security-Policy": resource_page.CSP}, media_type="text/html; charset=utf-8")

    async def dump_file(request: Request) -> Response:
        name = request.path_params["name"]
        if dumps is None:
            raise NotFound("this server serves no build folder (ntp-kg serve --dist): no dumps")
        f = await asyncio.to_thread(dumps.get, name)
        if f is None:
            raise NotFound(f"no dump {name!r}: the files are listed at /dumps/")
        return file_response(request, f)

    catalog_offers = [(name, (media,)) for name, media in (("catalog.ttl", "text/turtle"), ("catalog.jsonld", "application/ld+json"), ("catalog.rdf", "application/rdf+xml"))]

    async def catalogue(request: Request) -> Response:
        """The build's DCAT-AP/VoID catalogue (Turtle unless Accept prefers JSON-LD or RDF/XML), never gzip-encoded."""
        accept = request.headers.get("accept")
        ranked = negotiate(catalog_offers, accept)
        name = ranked if ranked is not None else "catalog.ttl"  # a discovery document: Turtle rather than 406
        f = await asyncio.to_thread(dumps.get, name) if dumps is not None else None
        if f is None:
            raise NotFound("no catalogue: this server serves no build folder with catalog.ttl (ntp-kg build, then serve --dist)")
        return file_response(request, f, {"Vary": "Accept", "Content-Location": f"/dumps/{name}", "Access-Control-Allow-Origin": "*"})

    async def robots(request: Request) -> Response:
        base = str(request.base_url)
        body = f"User-agent: *\nAllow: /\nDisallow: /sparql\nSitemap: {base}sitemap.xml\n"
        return Response(body, media_type="text/plain; charset=utf-8")

    sitemap_paths: VersionMemo[list[str]] = VersionMemo()

    async def local_pages() -> list[str]:
        """The start page and every resource page, read once per served version (a query over
        all the data: seconds at national scale, so off the event loop, and not per request)."""
        assert describer is not None
        current = describer
        return await sitemap_paths.get(current.graphs, "paths", lambda: sitemap.pages(current))

    async def keep_warm(interval: float = 1.0) -> None:
        """Draw the start page and the sitemap as soon as a version is served (at start, and after
        each switch of `serve --store` or re-reading of a backend), instead of for the first
        visitor and the first crawler: at 1M observations they took 49 s and 138 s. Runs until
        cancelled; the version's token (the describer's graph set) is looked at every `interval`
        seconds. One at a time, in the memos' threads, so requests that arrive meanwhile wait
        for the same computation (memo.py) and the workers keep answering queries."""
        assert describer is not None
        warmed: object = None
        while True:
            version = describer.graphs
            if version is not warmed:
                warmed = version
                began = time.perf_counter()
                try:
                    await start_html(resource_page.choose_language(None))
                    paths = await local_pages()
                except Exception as exc:  # the next request computes it again (memo.py keeps no failure)
                    log.warning("the start page and sitemap could not be drawn ahead of requests: %s", exc)
                else:
                    log.info("start page and sitemap (%d pages) drawn in %.1f s", len(paths), time.perf_counter() - began)
            await asyncio.sleep(interval)

    async def sitemap_doc(request: Request) -> Response:
        """/sitemap.xml: the pages themselves, or past 50,000 of them an index of /sitemap-N.xml."""
        base = str(request.base_url).rstrip("/")
        paths = await local_pages()
        pages = sitemap.page_count(paths)
        body = sitemap.urlset(base, paths) if pages == 1 else sitemap.index(base, pages)
        return Response(body, media_type="application/xml")

    async def sitemap_part(request: Request) -> Response:
        paths = await local_pages()
        part = sitemap.page(paths, request.path_params["number"])
        if part is None:
            raise NotFound("no such sitemap file: /sitemap.xml lists them")
        return Response(sitemap.urlset(str(request.base_url).rstrip("/"), part), media_type="application/xml")

    publishing_routes = [
        Route("/dumps/", dump_listing, methods=["GET", "HEAD"]),
        Route("/dumps/{name}", dump_file, methods=["GET", "HEAD"]),
        Route("/catalog", catalogue, methods=["GET", "HEAD"]),
        Route("/.well-known/void", catalogue, methods=["GET", "HEAD"]),
        Route("/robots.txt", robots, methods=["GET", "HEAD"]),
    ]
    if describer is not None:
        publishing_routes.append(Route("/sitemap.xml", sitemap_doc, methods=["GET", "HEAD"]))
        publishing_routes.append(Route("/sitemap-{number:int}.xml", sitemap_part, methods=["GET", "HEAD"]))

    linked_routes = (
        [Route(f"/{prefix}/{{rest:path}}", linked, methods=["GET", "HEAD"]) for prefix in ("id", "def", "graph")] if describer is not None else []
    )
    every_method = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]  # sparql() answers 405 itself
    app = Starlette(
        routes=[
            *linked_routes,
            *publishing_routes,
            Route("/sparql", sparql, methods=every_method),
            Route("/sparql/", sparql, methods=every_method),
            Route("/", start if describer is not None else home, methods=["GET", "HEAD"]),
            Route("/queries/{name}", named_query, methods=["GET", "HEAD"]),
            Route("/health", health, methods=["GET"]),
            Route("/limits", limits_doc, methods=["GET"]),
            Route("/static/{name}", static, methods=["GET"]),
        ],
        middleware=[Middleware(ResponseHeaders, minimum_size=1000, compresslevel=6)],
        exception_handlers={EndpointError: endpoint_error, StarletteHTTPException: http_error, Exception: internal_error},
    )
    app.state.keep_warm = keep_warm if describer is not None else None
    return app
