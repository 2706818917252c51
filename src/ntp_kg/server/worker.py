"""One worker process: its own copy of the data, one query at a time, results written here.

Started by `engine.WorkerPool` as `python -c ...child()` with a socket to the parent. Before loading anything the worker
1. asks to be killed with its parent (PR_SET_PDEATHSIG) and ignores Ctrl-C (the parent stops it);
2. leaves the network: a new, empty network namespace (unshare CLONE_NEWNET, or with
   CLONE_NEWUSER when not root). Where the system refuses, it runs on and says so in /health;
   the guard still refuses SERVICE before any worker sees it;
3. turns core dumps off (RLIMIT_CORE 0).
Once its data is loaded (or its store opened), and before it answers anything, it bounds its
memory: RLIMIT_AS at its address space then plus the memory limit. The limit is what a query may
take above the loaded data (it is there to stop a runaway query, not to cap the data served): a
query that needs more gets MemoryError or dies, and the parent replaces the worker. Loading itself
is bounded only by the machine.

Messages to the parent are a JSON header (and raw result bytes) in one frame, never pickles:
the parent does not unpickle what a worker sends. Frames are multiprocessing's (`send_bytes`).
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import struct
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from .. import children
from ..store import count_by_graph as _count
from ..union_view import hold_union, read_as_union, union_alone
from . import serialize
from .formats import BY_NAME, Format
from .sources import DataSource

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class WorkerConfig:
    sources: tuple[DataSource, ...]
    union_default_graph: bool
    memory_limit: int
    context: Mapping[str, Any] = field(default_factory=dict)
    isolate_network: bool = True
    store_path: str | None = None
    """An on-disk store (`ntp-kg serve --store`: a loaded version's database) to open read-only
    instead of loading `sources`: it opens in milliseconds and its pages are shared by every
    worker through the page cache."""
    dataset_info: Mapping[str, Any] | None = None
    """The figures `describe` would count (from the version's manifest), so a worker over a
    store starts without scanning it."""
    default_graph_is_union: bool = False
    """The store's default graph holds the union of its graphs (a version's manifest says so):
    it is then read as it is (`union_view`)."""
    union_copy: bool = False
    """With the union default graph: also keep the union alone in a second, in-memory store, and
    answer there the queries that read only the default graph (`serve --union-copy`;
    `reads_default_graph_only`): faster for them, at the memory of that copy. Over an on-disk
    store, only where its default graph holds the union (`default_graph_is_union`)."""


@dataclass(frozen=True)
class Job:
    query: str
    select_format: str | None
    """Format name for SELECT results (None: the client accepts none: 406)."""
    ask_format: str | None
    graph_format: str | None
    default_graphs: tuple[str, ...] | None = None
    """The protocol dataset (default-graph-uri / named-graph-uri); None when not given."""
    named_graphs: tuple[str, ...] | None = None
    query_dataset: bool = False
    """The query has FROM / FROM NAMED: its own dataset, not the union default graph."""
    graph_patterns: bool = True
    """The query may read named graphs (a GRAPH pattern; guard.py); False only when the guard saw
    none."""
    base_iri: str | None = None
    max_rows: int = 10_000
    limits_url: str | None = None
    """Where a cut result points (JSON/XML head link, comment in graphs)."""


def _leave_network() -> bool:
    """Move into a new network namespace with no interfaces up. True when it worked."""
    if not sys.platform.startswith("linux"):
        return False
    libc = children.libc()
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _no_core_dumps() -> None:
    """A worker's memory holds the data and other clients' queries: it is never dumped to disk."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _address_space() -> int | None:
    """This process's address space in bytes (VmSize: /proc/self/statm's first field, in pages);
    None where there is no /proc (not Linux)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize()


def _bound_memory(limit: int) -> None:
    """Limit the address space to what the process has now (its loaded data) plus `limit` bytes,
    so that the limit is what queries may take, whatever the size of the data; 0: no limit. Never
    above a hard limit already set on the server (a process cannot raise its own). Without /proc
    (not Linux) the loaded data cannot be measured, and no address-space limit is set."""
    current = _address_space() if limit > 0 else None
    if current is None:
        return
    bound = current + limit
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        bound = min(bound, hard)
    resource.setrlimit(resource.RLIMIT_AS, (bound, bound))


def _send(conn: Connection, header: Mapping[str, Any], body: bytes | None = None) -> None:
    """One frame: the JSON header's length (4 bytes), the header, then the body's bytes. One
    frame, not two, so that an answer costs one write here and one wake-up in the parent."""
    head = json.dumps(header).encode("utf-8")
    conn.send_bytes(struct.pack("!I", len(head)) + head + (body or b""))




def describe(store: ox.Store) -> dict[str, Any]:
    """Triples per named graph, and in the default graph as queries see it: the store's default
    graph, which holds the union where queries read the union (`union_view.hold_union`)."""
    graphs = _count(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    default = _count(store, "SELECT ('' AS ?g) (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0][1]
    return {"graphs": graphs, "default_graph_triples": default}


def reads_default_graph_only(job: Job) -> bool:
    """Whether `job` reads nothing but the default graph: no protocol dataset, no FROM / FROM
    NAMED, no GRAPH pattern. Over the union default graph such a query has the same answer from
    a store holding the union alone."""
    return job.default_graphs is None and job.named_graphs is None and not job.query_dataset and not job.graph_patterns


def execute(
    store: ox.Store, job: Job, context: Mapping[str, Any], union_default_graph: bool, union_copy: ox.Store | None = None
) -> tuple[dict[str, Any], bytes | None]:
    """Run one query; the header (and body) to send. Never raises for a bad query. `union_copy`
    (the union alone, `union_view.union_alone`) answers the queries that read only the default
    graph, when given."""
    if union_copy is not None and reads_default_graph_only(job):
        store = union_copy
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
    elif not job.query_dataset:
        kwargs["use_default_graph_as_union"] = union_default_graph  # (it would override FROM)
    try:
        result = store.query(job.query, base_iri=job.base_iri, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            if job.ask_format is None:
                return _not_acceptable("ASK"), None
            fmt = BY_NAME[job.ask_format]
            return _answer(fmt.content_type, False, 1), serialize.boolean(fmt, bool(result))
        if isinstance(result, ox.QuerySolutions):
            if job.select_format is None:
                return _not_acceptable("SELECT"), None
            return _solutions(result, BY_NAME[job.select_format], job)
        if job.graph_format is None:
            return _not_acceptable("CONSTRUCT/DESCRIBE"), None
        fmt = BY_NAME[job.graph_format]
        triples: list[ox.Triple] = []
        truncated = False
        for triple in result:
            if len(triples) >= job.max_rows:
                truncated = True
                break
            triples.append(triple)
        note = f"truncated: only the first {job.max_rows} triples; see {job.limits_url}" if truncated else None
        return _answer(fmt.content_type, truncated, len(triples)), serialize.graph(fmt, triples, context, note)
    except SyntaxError as exc:
        return {"type": "error", "kind": "syntax", "message": f"SPARQL syntax error: {exc}"}, None
    except MemoryError:
        return {"type": "error", "kind": "memory", "message": "the query needed more memory than the memory limit per query, above the loaded data"}, None
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        return {"type": "error", "kind": "query", "message": f"query evaluation failed: {exc}"}, None


_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


class _RowLimitReached(Exception):
    pass


class _TsvSink(io.RawIOBase):
    """Collects TSV output and stops it once it has more than `max_lines` lines. In TSV results
    every solution is one line (newlines in literals are escaped), so lines count rows."""

    def __init__(self, max_lines: int) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.lines = 0
        self.max_lines = max_lines

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.lines += chunk.count(b"\n")
        if self.lines > self.max_lines:
            raise _RowLimitReached
        return len(chunk)


def _solutions(result: ox.QuerySolutions, fmt: Format, job: Job) -> tuple[dict[str, Any], bytes]:
    """SELECT results, cut at max_rows. The engine writes them as TSV into a sink that stops at
    max_rows + 1 lines; a complete result is re-read and written in the asked format by
    pyoxigraph (its own writers, no Python per term: half the cost of the Python writers); a cut
    one goes through serialize.solutions, which adds the link to /limits."""
    sink = _TsvSink(job.max_rows + 1)  # the header line and max_rows solutions
    try:
        result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except _RowLimitReached:
        lines = b"".join(sink.chunks).split(b"\n", job.max_rows + 1)[: job.max_rows + 1]
        cut = ox.parse_query_results(b"\n".join(lines) + b"\n", format=ox.QueryResultsFormat.TSV)
        assert isinstance(cut, ox.QuerySolutions)
        variables = [v.value for v in cut.variables]
        rows = [tuple(s) for s in cut]
        return _answer(fmt.content_type, True, len(rows)), serialize.solutions(fmt, variables, rows, job.limits_url)
    tsv = b"".join(sink.chunks)
    count = tsv.count(b"\n") - 1
    if fmt.name == "tsv":
        return _answer(fmt.content_type, False, count), tsv
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    body = parsed.serialize(format=_RESULT_FORMATS[fmt.name])
    assert body is not None
    return _answer(fmt.content_type, False, count), body


def _answer(content_type: str, truncated: bool, count: int) -> dict[str, Any]:
    return {"type": "answer", "content_type": content_type, "truncated": truncated, "count": count}


def _not_acceptable(form: str) -> dict[str, Any]:
    return {"type": "error", "kind": "not-acceptable", "message": f"no acceptable format for {form} results"}


def child() -> None:
    """Entry point of a worker process: `python -c "...child()" FD`, FD a socket to the parent."""
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    children.die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above
        return
    conn = Connection(int(sys.argv[1]))
    try:
        config = conn.recv()
    except (EOFError, OSError):
        return
    main(conn, config)


def main(conn: Connection, config: WorkerConfig) -> None:
    """Serve queries over `conn` until the parent closes it."""
    isolated = _leave_network() if config.isolate_network else False
    _no_core_dumps()
    union_copy: ox.Store | None = None
    try:
        if config.store_path is not None:
            store = ox.Store.read_only(config.store_path)
            if config.default_graph_is_union:
                store = read_as_union(store)
                if config.union_copy:  # read from disk into this worker's memory
                    union_copy = union_alone(store)
        else:
            store = ox.Store()
            for source in config.sources:
                source.load_into(store)
            if config.union_default_graph:
                store = hold_union(store)
                if config.union_copy:
                    union_copy = union_alone(store)
        info = dict(config.dataset_info) if config.dataset_info is not None else describe(store)
    except MemoryError:  # no limit of ours holds yet: the machine (or a limit on the server) is short
        _send(conn, {"type": "load-error", "message": "the machine ran out of memory while a worker process loaded the data "
                     "(the memory limit applies to queries, above the loaded data): use fewer --workers, or serve a --store"})
        return
    except Exception as exc:  # any failure to load is reported to the parent, which stops the server
        _send(conn, {"type": "load-error", "message": str(exc)})
        return
    _bound_memory(config.memory_limit)  # after loading: the limit is for queries, above the data
    copied = len(union_copy) if union_copy is not None else None
    _send(conn, {"type": "ready", "pid": os.getpid(), "network_isolated": isolated, "union_copy_triples": copied, **info})
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        header, body = execute(store, job, config.context, config.union_default_graph, union_copy)
        del job
        try:
            _send(conn, header, body)
        except MemoryError:
            _send(conn, {"type": "error", "kind": "memory", "message": "the result needed more memory than the memory limit per query, above the loaded data"})
        except (BrokenPipeError, OSError):
            return
