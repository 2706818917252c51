"""A minimal SPARQL 1.1 store for the publish tests: the Graph Store Protocol (PUT/GET/DELETE
`?graph=`) at /data and the query protocol at /sparql, over a pyoxigraph store, served by a real
uvicorn on 127.0.0.1 in a thread.

It checks HTTP Basic credentials or a bearer token when configured, and records every request,
and the text of every query, so tests can assert what `publish` or the server sent. `drop_one_triple_from` makes a PUT of that graph keep one
triple fewer than it was sent (a store that loses data), to test the count check.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pyoxigraph as ox
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_RDF = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}


@dataclass
class MiniStore:
    user: str | None = None
    password: str | None = None
    token: str | None = None
    drop_one_triple_from: str | None = None
    store: ox.Store = field(default_factory=ox.Store)
    hold: tuple[str, threading.Event] | None = None
    """(text, event): a query containing the text waits until the event is set (at most 30 s),
    as a slow store would; other requests go on."""
    requests: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    """(method, path, graph, content type) of every request, in order."""
    queries: list[str] = field(default_factory=list)
    """The text of every query sent to /sparql, in order."""

    def authorised(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        if self.token is not None:
            return given == f"Bearer {self.token}"
        if self.user is not None:
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return given == f"Basic {expected}"
        return True

    def app(self) -> Starlette:
        def refuse() -> Response:
            return Response("credentials required\n", 401, {"WWW-Authenticate": 'Basic realm="mini"'}, media_type="text/plain")

        async def data(request: Request) -> Response:
            graph = request.query_params.get("graph")
            self.requests.append((request.method, "/data", graph, request.headers.get("content-type", "")))
            if not self.authorised(request):
                return refuse()
            if graph is None:
                return Response("give ?graph=<iri>\n", 400, media_type="text/plain")
            name = ox.NamedNode(graph)
            if request.method == "PUT":
                media = request.headers.get("content-type", "").split(";")[0].strip()
                if media not in _RDF:
                    return Response(f"unsupported media type {media}\n", 415, media_type="text/plain")
                try:
                    quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(await request.body(), format=_RDF[media])]
                except SyntaxError as exc:
                    return Response(f"bad RDF: {exc}\n", 400, media_type="text/plain")
                if graph == self.drop_one_triple_from:
                    quads = sorted(quads, key=str)[1:]
                existed = name in set(self.store.named_graphs())
                if existed:
                    self.store.remove_graph(name)
                self.store.add_graph(name)
                self.store.extend(quads)
                return Response(status_code=204 if existed else 201)
            if request.method == "DELETE":
                self.store.remove_graph(name)
                return Response(status_code=204)
            body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(None, None, None, name)], format=ox.RdfFormat.N_TRIPLES)
            return Response(body, media_type="application/n-triples")

        async def sparql(request: Request) -> Response:
            """The query protocol (GET or form POST), with default-graph-uri / named-graph-uri;
            SPARQL JSON results, or N-Triples for graphs."""
            form = parse_qs((await request.body()).decode("utf-8"))  # no python-multipart here
            params = {k: v for k, v in parse_qs(request.url.query).items()} | form
            query = (params.get("query") or [""])[0]
            self.requests.append((request.method, "/sparql", None, request.headers.get("content-type", "")))
            self.queries.append(query)
            if not self.authorised(request):
                return refuse()
            if self.hold is not None and self.hold[0] in query:
                await asyncio.to_thread(self.hold[1].wait, 30)
            kwargs: dict[str, object] = {}
            if "default-graph-uri" in params or "named-graph-uri" in params:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in params.get("default-graph-uri", [])]
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in params.get("named-graph-uri", [])]
            try:
                result = self.store.query(query, **kwargs)  # type: ignore[arg-type]
            except SyntaxError as exc:
                return Response(f"syntax error: {exc}\n", 400, media_type="text/plain")
            if isinstance(result, ox.QueryTriples):
                return Response(result.serialize(format=ox.RdfFormat.N_TRIPLES), media_type="application/n-triples")
            return Response(result.serialize(format=ox.QueryResultsFormat.JSON), media_type="application/sparql-results+json")

        return Starlette(routes=[Route("/data", data, methods=["GET", "PUT", "DELETE"]), Route("/sparql", sparql, methods=["GET", "POST"])])

    def counts(self) -> dict[str, int]:
        return {g.value: sum(1 for _ in self.store.quads_for_pattern(None, None, None, g)) for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}


@contextmanager
def running(mini: MiniStore) -> Iterator[str]:
    """Serve `mini` on a free loopback port; yields its base URL (http://127.0.0.1:PORT)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(mini.app(), http="h11", lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the mini graph store did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
