"""`ntp-kg serve --sparql-backend URL`: our protocol front over an external SPARQL 1.1 store.

The app is unchanged: it sees an `Engine` (RemoteEngine instead of the worker pool) and a
`Describer` whose store is a `RemoteStore` (the same methods as a pyoxigraph Store, answered by
the backend). What stays ours, whatever the store:

- the guard (guard.py) has looked at the query before it gets here: updates and SERVICE never
  reach the backend, even when the backend would take them;
- the query is parsed by pyoxigraph first (on an empty store: parsing only), so syntax errors
  read as with the embedded engine, and only standard SPARQL 1.1 goes out (no vendor dialect);
- the dataset is ours: unless the request names graphs (protocol or FROM), the query runs over
  the backend's graphs under `<base>graph/` -- the graphs `ntp-kg publish` writes -- sent as
  `default-graph-uri` (all of them: the union default graph) and `named-graph-uri`; a store's own
  system graphs (Virtuoso keeps several) stay out of answers. Graphs named by the protocol that
  are not ours are replaced by an empty one. The list is read at start and again every
  `--backend-refresh` seconds, so a later `ntp-kg publish` is served without a restart;
- limits: at most `workers` queries at the backend at once, `queue_size` waiting, 503 beyond;
  `time_limit` seconds per query, then 504 (the request is dropped; the store's own timeout
  should stop its side); `max_rows` rows or triples, then the same cut as the embedded engine;
- formats: the backend is asked for SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT,
  DESCRIBE), re-read by pyoxigraph and written with the endpoint's own writers (serialize.py and
  worker._solutions), so clients get the same bytes for the same answer.

Every request is a form-encoded POST (Virtuoso hangs on `application/sparql-query` POSTs, its
issue 842; a GET would not hold thousands of graph parameters). Credentials for the backend go
in its URL (`http://user:pass@host/sparql`, HTTP Basic).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from ..errors import NtpKgError
from ..sparqltext import bind, template
from . import serialize
from .engine import Answer, DatasetInfo
from .errors import BadRequest, NotAcceptable, Overloaded, QueryFailed, QuerySyntaxError, QueryTimeout
from .formats import BY_NAME
from .limits import Limits
from .linked import Describer
from .worker import Job, _solutions

log = logging.getLogger("ntp_kg.server")

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
EMPTY_GRAPH = "urn:x-ntp-kg:no-graph"
"""Stands in for a graph that is not ours, or for an empty list of graphs (an empty protocol list
would mean 'the backend's default dataset')."""
EXCERPT = 300
STARTUP_TIMEOUT = 600.0
"""Seconds the backend may take to list and count our graphs when the server starts (a GROUP BY
over every triple: much longer than one query's time limit on a large store)."""

# Virtuoso writes blank nodes as nodeID://b123 in SPARQL JSON, which is not a blank node label.
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_VIRTUOSO_NT_BNODE = re.compile(rb"<nodeID://([A-Za-z0-9_]+)>")


class BackendError(NtpKgError):
    """The SPARQL backend cannot be used (unreachable at start, or it answers nonsense)."""


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:EXCERPT] + (" ..." if len(text) > EXCERPT else "")


@dataclass(frozen=True)
class Backend:
    """Where the store answers queries, and which of its graphs are ours."""

    url: str
    base: str
    timeout: float = STARTUP_TIMEOUT
    """Seconds for the start-up listing of our graphs (queries have the endpoint's time limit)."""

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/]+", self.url):
            raise BackendError(f"invalid --sparql-backend URL {self.url!r}: give the store's query endpoint, http(s)://host[:port]/path")

    @property
    def graph_prefix(self) -> str:
        return self.base + "graph/"

    def graphs_query(self) -> str:
        """templates/remote-graphs.rq with our graph prefix bound."""
        return bind(template("remote-graphs"), {"prefix": ox.Literal(self.graph_prefix)})


_EMPTY = ox.Store()
"""Queries are parsed (and their form learnt) here, never evaluated over data."""


def _parse_form(query: str, job: Job | None = None) -> type[ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples]:
    """The kind of result `query` gives (QuerySolutions, QueryBoolean or QueryTriples), from
    pyoxigraph's parser on an empty store; raises QuerySyntaxError / BadRequest as the worker does."""
    kwargs: dict[str, Any] = {}
    if job is not None and (job.default_graphs is not None or job.named_graphs is not None):
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
    try:
        result = _EMPTY.query(query, base_iri=job.base_iri if job else None, **kwargs)
    except SyntaxError as exc:
        raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        raise BadRequest(f"query evaluation failed: {exc}") from None
    return type(result)


def _dataset(job: Job, ours: Sequence[str], union: bool) -> dict[str, list[str]]:
    """The protocol dataset to send: the request's (limited to our graphs), none when the query
    names its own (FROM), else our graphs (as the union default graph, unless switched off)."""
    known = set(ours)

    def only_ours(graphs: Sequence[str]) -> list[str]:
        return [g if g in known else EMPTY_GRAPH for g in graphs] or [EMPTY_GRAPH]

    if job.default_graphs is not None or job.named_graphs is not None:
        return {"default-graph-uri": only_ours(job.default_graphs or ()), "named-graph-uri": only_ours(job.named_graphs or ())}
    if job.query_dataset:
        return {}
    return {"default-graph-uri": list(ours) if union and ours else [EMPTY_GRAPH], "named-graph-uri": list(ours) or [EMPTY_GRAPH]}


def _read_solutions(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(_VIRTUOSO_BNODE.sub(rb"\1", body), format=ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise QueryFailed(f"the SPARQL backend's results could not be read as SPARQL JSON: {exc}") from None


def _read_triples(body: bytes) -> Iterator[ox.Triple]:
    try:
        for quad in ox.parse(_VIRTUOSO_NT_BNODE.sub(rb"_:\1", body), format=ox.RdfFormat.N_TRIPLES):
            yield ox.Triple(quad.subject, quad.predicate, quad.object)
    except SyntaxError as exc:
        raise QueryFailed(f"the SPARQL backend's graph could not be read as N-Triples: {exc}") from None


def _answer(kind: type, body: bytes, job: Job, context: Mapping[str, Any]) -> Answer:
    """The backend's answer in the client's format, cut at max_rows (the worker's writers)."""
    if kind is ox.QueryTriples:
        assert job.graph_format is not None
        fmt = BY_NAME[job.graph_format]
        triples: list[ox.Triple] = []
        truncated = False
        for triple in _read_triples(body):
            if len(triples) >= job.max_rows:
                truncated = True
                break
            triples.append(triple)
        note = f"truncated: only the first {job.max_rows} triples; see {job.limits_url}" if truncated else None
        return Answer(fmt.content_type, serialize.graph(fmt, triples, context, note), truncated, len(triples))
    result = _read_solutions(body)
    if isinstance(result, ox.QueryBoolean):
        if kind is not ox.QueryBoolean or job.ask_format is None:
            raise QueryFailed("the SPARQL backend answered a boolean to a query that is not ASK")
        fmt = BY_NAME[job.ask_format]
        return Answer(fmt.content_type, serialize.boolean(fmt, bool(result)), False, 1)
    if kind is not ox.QuerySolutions or job.select_format is None:
        raise QueryFailed("the SPARQL backend answered solutions to a query that is not SELECT")
    header, out = _solutions(result, BY_NAME[job.select_format], job)
    return Answer(header["content_type"], out, bool(header["truncated"]), int(header["count"]))


def discover(backend: Backend, union_default_graph: bool) -> DatasetInfo:
    """Our graphs in the backend (under <base>graph/) and their sizes; raises BackendError when
    the backend cannot be reached or holds none (nothing to serve: publish first)."""
    try:
        response = httpx.post(backend.url, data={"query": backend.graphs_query()}, headers={"Accept": RESULTS_JSON}, timeout=backend.timeout)
    except httpx.TransportError as exc:
        raise BackendError(f"cannot reach the SPARQL backend {backend.url}: {exc or type(exc).__name__}") from exc
    if response.status_code != 200:
        raise BackendError(f"the SPARQL backend {backend.url} answered {response.status_code} to the list of graphs: {_excerpt(response)}")
    try:
        result = _read_solutions(response.content)
    except QueryFailed as exc:
        raise BackendError(f"{backend.url} is not a SPARQL query endpoint? {exc}") from exc
    if not isinstance(result, ox.QuerySolutions):
        raise BackendError(f"the SPARQL backend {backend.url} did not answer the list of graphs with solutions")
    graphs = tuple((s["g"].value, int(s["n"].value)) for s in result if s["g"] is not None and s["n"] is not None)
    if not graphs:
        raise BackendError(f"the SPARQL backend {backend.url} holds no graph under {backend.graph_prefix}: publish the build first (ntp-kg publish)")
    # The union's size is not the sum of the graphs' (a triple in two graphs is one triple of it),
    # and counting it there is a DISTINCT over every quad: not known, not described.
    return DatasetInfo(graphs, None if union_default_graph else 0, union_default_graph, False)


def open_backend(
    url: str, base: str, limits: Limits, context: Mapping[str, Any], union_default_graph: bool, extra: Sequence[Path] = (), refresh: float = 0.0
) -> tuple[RemoteEngine, Describer]:
    """The engine and the describer over the backend at `url` (serve.build's remote branch).
    `extra` Turtle files (the build's catalogue, with --dist) are held locally beside the
    backend's data, as the embedded Describer holds them in its default graph. `refresh`: seconds
    between two readings of the backend's graphs (0: only now)."""
    backend = Backend(url, base, STARTUP_TIMEOUT)
    info = discover(backend, union_default_graph)
    local = ox.Store()
    for path in extra:
        local.load(path=str(path), format=ox.RdfFormat.TURTLE)
    store = RemoteStore(backend, [g for g, _ in info.graphs], limits.time_limit, local)
    describer = Describer(store, base)  # type: ignore[arg-type]

    def adopt(graphs: Sequence[str]) -> None:
        store.graphs = list(graphs)
        describer.graphs = frozenset(graphs)  # a new version for the pages (memo.VersionMemo)

    return RemoteEngine(backend, limits, context, info, store, refresh, adopt), describer


class RemoteEngine:
    """The Engine over a remote SPARQL endpoint (see the module's docstring)."""

    execution = "remote"

    def __init__(
        self,
        backend: Backend,
        limits: Limits,
        context: Mapping[str, Any],
        info: DatasetInfo,
        pages: RemoteStore | None = None,
        refresh: float = 0.0,
        adopt: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self.backend = backend
        self.pages = pages
        """The pages' store over the same backend: its connections are closed with the engine's."""
        self.refresh = refresh
        """Seconds between two readings of the backend's graphs (0: the ones read at start, always)."""
        self._adopt_graphs = adopt
        """Told the graphs when they change (open_backend: the pages' store and describer)."""
        self._refresher: asyncio.Task[None] | None = None
        self.limits = limits
        self.context = dict(context)
        self.union_default_graph = info.union_default_graph
        self.info = info
        self._client: httpx.AsyncClient | None = None
        self._running = 0
        self._waiting = 0
        self._slots = asyncio.Semaphore(limits.workers)
        self.failures = 0

    async def start(self) -> None:
        """Open the connection pool (the graphs were learnt by `discover`, before the app was
        built), and read them again every `refresh` seconds."""
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.limits.time_limit, connect=min(10.0, self.limits.time_limit)),
            limits=httpx.Limits(max_connections=self.limits.workers),
        )
        if self.refresh > 0:
            self._refresher = asyncio.create_task(self._refresh_graphs())

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._client is not None:
            await self._client.aclose()
        if self.pages is not None:
            self.pages.close()

    async def _refresh_graphs(self) -> None:
        """Read the backend's graphs every `refresh` seconds and serve the new list when it
        changed: a graph that `ntp-kg publish` added is in the union default graph and has its
        page, one it removed is gone, new sizes are in the service description. A backend that
        cannot be read keeps the list it had (and says so in the log)."""
        # The listing under the queries' time limit, not the start's: a hung backend must not hold
        # the thread (and the server's shutdown, which waits for it) for minutes.
        backend = replace(self.backend, timeout=max(self.limits.time_limit, 10.0))
        while True:
            await asyncio.sleep(self.refresh)
            try:
                info = await asyncio.to_thread(discover, backend, self.union_default_graph)
            except BackendError as exc:
                log.warning("the backend's graphs were not read again (the ones read before are served): %s", exc)
                continue
            if info.graphs != self.info.graphs:
                before, after = set(self.graphs), {g for g, _ in info.graphs}
                self.info = info
                if self._adopt_graphs is not None:
                    self._adopt_graphs([g for g, _ in info.graphs])
                log.info("the backend's graphs changed: %d added, %d removed, %d served", len(after - before), len(before - after), len(after))

    @property
    def graphs(self) -> list[str]:
        return [g for g, _ in self.info.graphs]

    async def _acquire(self) -> None:
        if self._running >= self.limits.workers and self._waiting >= self.limits.queue_size:
            raise Overloaded(
                f"{self._running} queries are at the SPARQL backend (the most at once) and {self._waiting} are waiting: retry later",
                {"Retry-After": str(self.limits.retry_after)},
            )
        self._waiting += 1
        wait = 2 * self.limits.time_limit
        try:
            async with asyncio.timeout(wait):
                await self._slots.acquire()
        except TimeoutError:
            raise Overloaded(f"no query slot became free within {wait:g} s: retry later", {"Retry-After": str(self.limits.retry_after)}) from None
        finally:
            self._waiting -= 1
        self._running += 1

    def _release(self) -> None:
        self._running -= 1
        self._slots.release()

    async def run(self, job: Job) -> Answer:
        kind = _parse_form(job.query, job)
        wanted = {ox.QuerySolutions: (job.select_format, "SELECT"), ox.QueryBoolean: (job.ask_format, "ASK"), ox.QueryTriples: (job.graph_format, "CONSTRUCT/DESCRIBE")}
        fmt, form = wanted[kind]
        if fmt is None:
            raise NotAcceptable(f"no acceptable format for {form} results")
        assert self._client is not None, "RemoteEngine.start() was not awaited"
        query = job.query if job.base_iri is None else f"BASE <{job.base_iri}>\n{job.query}"
        data = {"query": query, **_dataset(job, self.graphs, self.union_default_graph)}
        accept = N_TRIPLES if kind is ox.QueryTriples else RESULTS_JSON
        await self._acquire()
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.time_limit):
                response = await self._client.post(self.backend.url, data=data, headers={"Accept": accept})
        except (TimeoutError, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
            log.warning("query stopped at the time limit of %g s (request to the backend dropped)", self.limits.time_limit)
            raise QueryTimeout(f"the query ran longer than the time limit of {self.limits.time_limit:g} s and was stopped") from None
        except httpx.TransportError as exc:
            self.failures += 1
            raise QueryFailed(f"the SPARQL backend could not be reached ({type(exc).__name__}: {exc}); retry later") from None
        finally:
            self._release()
        if response.status_code != 200:
            self.failures += 1
            cls = BadRequest if 400 <= response.status_code < 500 else QueryFailed
            raise cls(f"the SPARQL backend answered {response.status_code}: {_excerpt(response)}")
        got = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if got != accept:
            raise QueryFailed(f"the SPARQL backend answered {got or 'no content type'} where {accept} was asked for")
        log.debug("backend answered in %.3f s", time.monotonic() - started)
        return await asyncio.to_thread(_answer, kind, response.content, job, self.context)

    def status(self) -> dict[str, Any]:
        return {
            "backend": self.backend.url,
            "workers": self.limits.workers,
            "idle": self.limits.workers - self._running,
            "busy": self._running,
            "starting": 0,
            "queued": self._waiting,
            "queue_size": self.limits.queue_size,
            "backend_failures": self.failures,
            "network_isolated": False,
        }


class RemoteStore:
    """What the Describer and the start page call on a pyoxigraph Store, answered by the
    backend over our graphs: `query` (with `substitutions` written into the text, as remote
    engines take no bound values), `quads_for_pattern`, `named_graphs` and `len`. Not iteration:
    a walk over every quad would bring the whole store over the network (the sitemap asks for
    the distinct subjects instead, sitemap.subjects). Results are real pyoxigraph values (a
    CONSTRUCT's triples come back as a QueryTriples of a small local store), so callers cannot
    tell the difference. Synchronous, like Store, with the endpoint's time limit per request.

    `local` holds what the server adds to the data (the build's catalogue): patterns and
    CONSTRUCTs are answered from both stores; SELECT and ASK (the start page's figures, places
    and programmes) from the backend alone. A CONSTRUCT runs on the backend, on the local store,
    and on the backend's answer together with the local store: a description joins the two
    where the backend's answer holds the link (the catalogue's label of a place an observation
    names), but not where only the local data does (the backend's labels of the places the
    catalogue's dataset names are not fetched)."""

    def __init__(self, backend: Backend, graphs: Sequence[str], timeout: float, local: ox.Store | None = None) -> None:
        self.backend = backend
        self.graphs = list(graphs)
        self.local = local if local is not None else ox.Store()
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)))

    def close(self) -> None:
        self._client.close()

    def _post(self, query: str, accept: str, union: bool) -> bytes:
        ours = self.graphs or [EMPTY_GRAPH]
        data = {"query": query, "default-graph-uri": ours if union else [EMPTY_GRAPH], "named-graph-uri": ours}
        try:
            response = self._client.post(self.backend.url, data=data, headers={"Accept": accept})
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the SPARQL backend did not answer within {self._client.timeout.read} s") from exc
        except httpx.TransportError as exc:
            raise QueryFailed(f"the SPARQL backend could not be reached ({type(exc).__name__}: {exc}); retry later") from exc
        if response.status_code != 200:
            raise QueryFailed(f"the SPARQL backend answered {response.status_code}: {_excerpt(response)}")
        return response.content

    def query(
        self,
        query: str,
        *,
        substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
        use_default_graph_as_union: bool = False,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        text = bind(query, {v.value: t for v, t in (substitutions or {}).items()})
        if base_iri is not None:
            text = f"BASE <{base_iri}>\n{text}"
        kind = _parse_form(text)
        if kind is ox.QueryTriples:
            remote = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in _read_triples(self._post(text, N_TRIPLES, use_default_graph_as_union))]
            answer = ox.Store()
            answer.extend(remote)
            if len(self.local):
                # The query again over the backend's answer with the local data: what joins the two
                # (a label in one for a link in the other) when the backend's answer holds the link.
                joined = ox.Store()
                joined.extend(remote)
                joined.extend(self.local)
                for store in (self.local, joined):
                    more = store.query(text, use_default_graph_as_union=use_default_graph_as_union)
                    assert isinstance(more, ox.QueryTriples)
                    answer.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in more)
            result = answer.query(template("remote-all-triples"))
            assert isinstance(result, ox.QueryTriples)
            return result
        return _read_solutions(self._post(text, RESULTS_JSON, use_default_graph_as_union))

    def quads_for_pattern(
        self, subject: ox.NamedNode | None, predicate: ox.NamedNode | None, object: ox.NamedNode | ox.Literal | None, graph_name: ox.NamedNode | ox.DefaultGraph | None = None
    ) -> Iterator[ox.Quad]:
        """The quads matching the pattern (None: any): of our named graphs in the backend (our
        data has no default graph there), then of the local store."""
        local = list(self.local.quads_for_pattern(subject, predicate, object, graph_name))
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(local)
        bound = {k: v for k, v in (("s", subject), ("p", predicate), ("o", object), ("g", graph_name)) if v is not None}
        result = _read_solutions(self._post(bind(template("remote-quads"), bound), RESULTS_JSON, False))
        assert isinstance(result, ox.QuerySolutions)

        def remote() -> Iterator[ox.Quad]:
            for row in result:
                s, p, o, g = (bound.get(v) or row[v] for v in ("s", "p", "o", "g"))
                yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]

        return itertools.chain(remote(), local)

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        return itertools.chain((ox.NamedNode(g) for g in self.graphs), self.local.named_graphs())

    def __len__(self) -> int:
        result = _read_solutions(self._post(template("remote-size"), RESULTS_JSON, False))
        assert isinstance(result, ox.QuerySolutions)
        return next(int(row["n"].value) for row in result) + len(self.local)
