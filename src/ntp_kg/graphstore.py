"""Publish the build into an external SPARQL 1.1 store (`ntp-kg publish --graph-store URL`).

Each named graph of the build (dist/ntp-kg.nq) replaces the graph of the same name in the store
through the SPARQL 1.1 Graph Store HTTP Protocol: one `PUT <graph-store>?graph=<iri>` per graph,
its triples as the body (N-Triples by default, or Turtle). PUT replaces, so publishing twice
leaves the store as publishing once; graphs of the store that the build does not name are left
alone. Afterwards every graph's triple count is read back through the store's SPARQL query
endpoint (`--sparql URL`: required, because stores put it at different paths -- see the README)
and compared with what was sent. The dump is split into one N-Triples file per graph in a
temporary folder in one streaming pass, so memory holds one graph's body at a time, not the build.

    NtpKgError (ntp_kg.errors)
    └── GraphStoreError              exit 2  cannot run: no dump, bad option, unreachable store
        ├── GraphStoreHTTPError      exit 2  the store answered an error status (status + body excerpt)
        └── CountMismatch            exit 1  the store holds a different number of triples than sent

Auth: HTTP Basic or Digest (`--user`, `--password` / NTP_KG_GRAPH_STORE_PASSWORD, `--auth`), or a
bearer token (`--token` / NTP_KG_GRAPH_STORE_TOKEN). Timeouts are httpx's (connect, read, write);
connection failures are retried by httpx's transport (`retries=`, with backoff: only failures to
connect, never a request the store may have received -- a PUT is idempotent, but a count is read
after all PUTs, so a half-applied PUT is caught there anyway).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO

import httpx
import pyoxigraph as ox

from .errors import NtpKgError
from .sparqltext import bind, template
from .store import DUMP

CONNECT_RETRIES = 2
"""Connection attempts httpx's transport repeats (with exponential backoff) before failing."""
EXCERPT = 500
"""Characters of an error response body quoted in the message."""


class GraphStoreError(NtpKgError):
    """`publish` cannot run or cannot reach the store (the message says which and why)."""


class GraphStoreHTTPError(GraphStoreError):
    """The store answered a request with an error status."""

    def __init__(self, what: str, response: httpx.Response) -> None:
        self.status = response.status_code
        body = response.text.strip()
        excerpt = body[:EXCERPT] + (" ..." if len(body) > EXCERPT else "")
        hint = _auth_hint(response)
        super().__init__(
            f"{what}: {response.request.method} {response.request.url} answered {response.status_code} {response.reason_phrase}"
            + (f"; {hint}" if hint else "")
            + (f"; body: {excerpt}" if excerpt else "; empty body")
        )


class CountMismatch(GraphStoreError):
    """After publishing, a graph in the store does not hold the number of triples sent."""

    exit_code = 1


def _auth_hint(response: httpx.Response) -> str:
    """What to change when the store refused the credentials (401/403)."""
    if response.status_code not in (401, 403):
        return ""
    challenge = response.headers.get("www-authenticate", "")
    scheme = challenge.split(" ", 1)[0].lower()
    sent = response.request.headers.get("authorization", "").split(" ", 1)[0].lower()
    if response.status_code == 401 and not sent:
        return f"the store asks for credentials ({challenge or 'no challenge given'}): give --user/--password or --token"
    if scheme in ("basic", "digest") and sent and scheme != sent:
        return f"the store asks for {scheme.title()} authentication, {sent.title()} was sent: use --auth {scheme}"
    if response.status_code == 401 and sent in ("basic", "digest") and not challenge:
        other = "digest" if sent == "basic" else "basic"
        return f"the store refused the {sent.title()} credentials and named no scheme: check --user/--password, or try --auth {other} (Virtuoso's /sparql-graph-crud-auth takes only digest)"
    return "the store refused the credentials: check --user/--password (or --token) and the user's write permission"


class AuthScheme(str, Enum):
    basic = "basic"
    digest = "digest"


class BodyFormat(str, Enum):
    """How a graph is sent in the PUT body."""

    ntriples = "ntriples"
    turtle = "turtle"

    @property
    def rdf_format(self) -> ox.RdfFormat:
        return ox.RdfFormat.N_TRIPLES if self is BodyFormat.ntriples else ox.RdfFormat.TURTLE

    @property
    def media_type(self) -> str:
        return "application/n-triples" if self is BodyFormat.ntriples else "text/turtle; charset=utf-8"


@dataclass(frozen=True)
class Target:
    """Where and how to publish: the store's two endpoints, credentials, limits."""

    graph_store: str
    sparql: str
    user: str | None = None
    password: str | None = None
    auth: AuthScheme = AuthScheme.basic
    token: str | None = None
    body_format: BodyFormat = BodyFormat.ntriples
    timeout: float = 300.0
    """Seconds to wait for the store to read a body or to answer (connect: at most 10 s)."""
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("graph_store", "sparql"):
            url = getattr(self, name)
            parts = httpx.URL(url) if re.match(r"https?://", url) else None
            if parts is None or not parts.host:
                raise GraphStoreError(f"invalid {name.replace('_', '-')} URL {url!r}: give http(s)://host[:port]/path")
        if self.token is not None and self.user is not None:
            raise GraphStoreError("give either --user/--password or --token, not both")
        if self.user is not None and self.password is None:
            raise GraphStoreError(f"--user {self.user} needs a password: --password or the NTP_KG_GRAPH_STORE_PASSWORD variable")
        if self.timeout <= 0:
            raise GraphStoreError(f"invalid timeout {self.timeout!r}: give seconds > 0")

    def client(self) -> httpx.Client:
        auth: httpx.Auth | None = None
        headers = dict(self.headers)
        if self.user is not None:
            assert self.password is not None
            auth = httpx.DigestAuth(self.user, self.password) if self.auth is AuthScheme.digest else httpx.BasicAuth(self.user, self.password)
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return httpx.Client(
            auth=auth,
            headers=headers,
            timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
            transport=httpx.HTTPTransport(retries=CONNECT_RETRIES),
            follow_redirects=False,
        )


@dataclass(frozen=True)
class GraphResult:
    graph: str
    sent: int
    status: int
    stored: int | None = None


# --- reading the build ----------------------------------------------------------------------

OPEN_SPOOLS = 64
"""Graph spool files kept open at once while the dump is split (more graphs: reopened to append)."""


@dataclass(frozen=True)
class GraphFile:
    """One named graph of the build, as N-Triples in a spool file, and its number of triples."""

    graph: str
    path: Path
    triples: int


def split_graphs(dist: Path, folder: Path) -> dict[str, GraphFile]:
    """The named graphs of dist/ntp-kg.nq, each written as N-Triples to a file in `folder`.

    One streaming pass: the dump's lines are sorted (not grouped by graph) and may be millions,
    so graphs go to disk rather than into memory; a PUT then holds one graph at a time. The terms
    are written as the dump has them (a pyoxigraph Store would rewrite derived datatypes such as
    xsd:nonNegativeInteger as xsd:integer). The dump has no duplicate quads (the build writes a
    set), so lines count triples."""
    path = dist / DUMP
    if not path.is_file():
        raise GraphStoreError(f"{path} does not exist: run `ntp-kg build` (or give --dist) first")
    counts: dict[str, int] = {}
    files: dict[str, Path] = {}
    handles: dict[str, IO[str]] = {}
    default = 0
    try:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode):
                default += 1
                continue
            graph = quad.graph_name.value
            out = handles.get(graph)
            if out is None:
                if len(handles) >= OPEN_SPOOLS:
                    handles.pop(next(iter(handles))).close()
                target = files.setdefault(graph, folder / f"graph-{len(files)}.nt")
                out = handles[graph] = target.open("a", encoding="utf-8")
            out.write(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            counts[graph] = counts.get(graph, 0) + 1
    except SyntaxError as exc:
        raise GraphStoreError(f"{path}: cannot parse as N-Quads: {exc}") from exc
    finally:
        for out in handles.values():
            out.close()
    if default:
        raise GraphStoreError(f"{path}: {default} triples are in the default graph; publish only writes named graphs (rebuild with `ntp-kg build`)")
    if not counts:
        raise GraphStoreError(f"{path}: no named graph to publish")
    return {g: GraphFile(g, files[g], counts[g]) for g in sorted(counts)}


def graph_sizes(dist: Path) -> dict[str, int]:
    """Triples per named graph of the build (what `publish` sends)."""
    with tempfile.TemporaryDirectory(prefix="ntp-kg-publish-") as tmp:
        return {g: f.triples for g, f in split_graphs(dist, Path(tmp)).items()}


# --- talking to the store -------------------------------------------------------------------


def put_graph(client: httpx.Client, target: Target, graph: GraphFile) -> int:
    """Replace the graph in the store with the file's triples; the HTTP status (200, 201 or 204)."""
    body = graph.path.read_bytes()
    if target.body_format is BodyFormat.turtle:
        out = ox.serialize(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE)
        assert out is not None
        body = out
    try:
        response = client.put(target.graph_store, params={"graph": graph.graph}, content=body, headers={"Content-Type": target.body_format.media_type})
    except httpx.TimeoutException as exc:
        raise GraphStoreError(f"PUT of graph <{graph.graph}> ({graph.triples} triples) to {target.graph_store} timed out after {target.timeout:g} s ({type(exc).__name__}): raise --timeout") from exc
    except httpx.TransportError as exc:
        raise GraphStoreError(f"cannot reach the graph store {target.graph_store} for graph <{graph.graph}>: {exc}") from exc
    if response.status_code not in (200, 201, 204):
        raise GraphStoreHTTPError(f"replacing graph <{graph.graph}>", response)
    return response.status_code


def count_triples(client: httpx.Client, target: Target, graph: str) -> int:
    """The number of triples the store's SPARQL endpoint counts in `graph` (templates/graph-size.rq)."""
    query = bind(template("graph-size"), {"graph": ox.NamedNode(graph)})
    try:
        response = client.post(target.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    except httpx.TimeoutException as exc:
        raise GraphStoreError(f"counting the triples of <{graph}> at {target.sparql} timed out after {target.timeout:g} s: raise --timeout") from exc
    except httpx.TransportError as exc:
        raise GraphStoreError(f"cannot reach the SPARQL endpoint {target.sparql}: {exc}") from exc
    if response.status_code != 200:
        raise GraphStoreHTTPError(f"counting the triples of <{graph}>", response)
    try:
        bindings = json.loads(response.content)["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        got = response.headers.get("content-type", "no content type")
        raise GraphStoreError(
            f"counting the triples of <{graph}>: {target.sparql} did not answer SPARQL JSON results ({got}: {response.text[:200]!r}); "
            "is --sparql the store's query endpoint?"
        ) from exc


def publish(dist: Path, target: Target) -> Iterator[GraphResult]:
    """PUT every named graph of the build, then verify each graph's count; yields one result per
    graph and step (stored=None after the PUT, then the count). Raises CountMismatch naming every
    graph whose count differs, after checking them all."""
    with tempfile.TemporaryDirectory(prefix="ntp-kg-publish-") as tmp:
        graphs = split_graphs(dist, Path(tmp))
        statuses: dict[str, int] = {}
        with target.client() as client:
            for name, graph in graphs.items():
                statuses[name] = put_graph(client, target, graph)
                yield GraphResult(name, graph.triples, statuses[name])
            wrong = []
            for name, graph in graphs.items():
                stored = count_triples(client, target, name)
                yield GraphResult(name, graph.triples, statuses[name], stored)
                if stored != graph.triples:
                    wrong.append(f"<{name}>: sent {graph.triples} triples, the store counts {stored}")
    if wrong:
        raise CountMismatch(f"{len(wrong)} of {len(graphs)} graphs differ in {target.sparql} after publishing: " + "; ".join(wrong))
