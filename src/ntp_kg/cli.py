"""The `ntp-kg` command. Exit codes: 0 ok, 1 invalid data (lint or SHACL), 2 usage or load error."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from . import resources
from .errors import NtpKgError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Publish Vietnam's National Target Programme facts as linked open data.")

DistOpt = Annotated[Optional[Path], typer.Option("--dist", help="Build output folder (default: dist/ in the checkout).", envvar="NTP_KG_DIST")]  # noqa: UP045 - typer needs Optional; no [lowercase...] in help texts: rich reads it as markup and drops it
BaseOpt = Annotated[str, typer.Option("--base", help="Base IRI of instance data (ends with '/').", envvar="NTP_KG_BASE")]


def _fail(exc: NtpKgError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def _dist(dist: Path | None) -> Path:
    """The explicit --dist, else dist/ beside the data (never the working directory)."""
    return dist if dist is not None else resources.data_root() / "dist"


@app.command("lint")
def lint_cmd() -> None:
    """Check every fact against its source: quotes, values, keys, coverage of every number."""
    from .facts import load_seeds
    from .lint import lint

    try:
        report = lint(load_seeds(resources.seeds_dir()))
    except NtpKgError as exc:
        _fail(exc)
    typer.echo(report.text(), err=not report.ok)
    raise typer.Exit(0 if report.ok else 1)


@app.command("build")
def build_cmd(
    dist: DistOpt = None,
    base: BaseOpt = "https://w3id.org/ntp-kg/",
    sort_buffer: Annotated[
        int,
        typer.Option(
            "--sort-buffer",
            min=1,
            envvar="NTP_KG_SORT_BUFFER",
            help="MiB of pending quads the build sorts in memory (twice: sort and graph order); past it, sorted runs go to "
            "temporary files beside --dist, merged at the end. The output is the same bytes whatever the value.",
        ),
    ] = 256,
    progress: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--progress/--no-progress",
            help="Report each step on stderr as it ends, with the seconds since the start [on when stderr is a terminal].",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--store",
            help="Also load ntp-kg.nq into this on-disk store (as `ntp-kg load` does) while the build goes on, on the core it "
            "leaves idle; the new version becomes current with dist/, only if the whole build succeeds.",
        ),
    ] = None,
) -> None:
    """Lint, map, validate with SHACL, and write every dump to dist/ (atomically)."""
    from .iris import check_base
    from .pipeline import build

    try:
        check_base(base)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        out = _dist(dist)
        tell = progress if progress is not None else sys.stderr.isatty()
        result = build(out, base, sort_buffer=sort_buffer << 20, progress=(lambda step: typer.echo(step, err=True)) if tell else None, store=store)
    except NtpKgError as exc:
        _fail(exc)
    for folder in result.abandoned:
        typer.echo(f"removed {folder}: the unfinished output of a build that was killed", err=True)
    typer.echo(result.lint.text().splitlines()[-1])
    typer.echo(result.validation.text().splitlines()[0])
    for w in result.validation.warnings:
        typer.echo(f"  {w}")
    typer.echo(f"{len(result.graph)} quads in {len(result.graph.graph_names())} named graphs -> {out}")
    for name in sorted(result.checksums):
        typer.echo(f"  {name}")
    if result.store is not None:
        _loaded(result.store, result.store.version.manifest["seconds"])  # the load's own time, not the build's
    if len(result.graph) >= _EXIT_WITHOUT_FREEING:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)  # everything is written and committed; see _EXIT_WITHOUT_FREEING


_EXIT_WITHOUT_FREEING = 1_000_000
"""From this many quads on, `ntp-kg build` ends its process as soon as its output is written,
without freeing its objects one by one: the in-memory Store of the union alone took 1.6 s to
free at 100k observations (3.4M quads) and tens of seconds at 1M, memory the kernel takes back
at once when the process ends. (Under this size, a normal exit: the CLI's in-process tests.)"""


@app.command("validate")
def validate_cmd(files: Annotated[list[Path], typer.Argument(help="RDF files (format from extension).")]) -> None:
    """Validate RDF files against the project's SHACL shapes; exit 1 on violations."""
    from rdflib import Dataset
    from rdflib.util import guess_format

    from .validate import validate

    ds = Dataset()
    for f in files:
        fmt = guess_format(str(f))
        if fmt is None:
            typer.echo(f"error: {f}: unknown RDF format (use .ttl, .nt, .nq, .trig, .jsonld, .rdf)", err=True)
            raise typer.Exit(2)
        try:
            ds.parse(f, format=fmt)
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            typer.echo(f"error: {f}: cannot parse as {fmt}: {exc}", err=True)
            raise typer.Exit(2) from exc
    try:
        report = validate(ds)
    except NtpKgError as exc:
        _fail(exc)
    typer.echo(report.text())
    raise typer.Exit(0 if report.conforms else 1)


@app.command("query")
def query_cmd(
    query: Annotated[str, typer.Argument(help="A query name from sparql/, a .rq file, or SPARQL text.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xml, csv, tsv; turtle, ntriples, jsonld, rdfxml for graphs.")] = "table",
    dist: DistOpt = None,
    store_root: Annotated[Optional[Path], typer.Option("--store", help="Query the current version of this on-disk store (made by `ntp-kg load`) instead of loading the build's ntp-kg.nq: it opens in milliseconds whatever its size.")] = None,  # noqa: UP045
) -> None:
    """Run SPARQL over the built graph, or a --store (default graph = union of all graphs, each triple once)."""
    import pyoxigraph as ox

    from . import diskstore
    from . import query as q
    from .store import load_dist

    lease = None
    try:
        text = q.resolve(query)
        if store_root is not None:
            if dist is not None:
                raise NtpKgError("give either --store or --dist: the store holds what was loaded from a build")
            version = diskstore.current(store_root)
            lease = version.lease()  # not removed by a load while the query runs
            store = version.open_for_queries()
        else:
            store = load_dist(_dist(dist))
        result = q.run(store, text)
        if fmt == "table" and not isinstance(result, ox.QueryTriples):
            typer.echo(q.table(result))
        else:
            sys.stdout.buffer.write(q.serialize(result, "turtle" if fmt == "table" else fmt))
            sys.stdout.buffer.flush()
    except NtpKgError as exc:
        _fail(exc)
    finally:
        if lease is not None:
            lease.release()


@app.command("queries")
def queries_cmd() -> None:
    """List the named research queries in sparql/ with the question each answers."""
    from .query import named_queries

    for name, nq in named_queries().items():
        typer.echo(f"{name}: {nq.question}")


@app.command("publish")
def publish_cmd(
    graph_store: Annotated[str, typer.Option("--graph-store", help="The store's Graph Store Protocol endpoint (e.g. Virtuoso http://host:8890/sparql-graph-crud-auth, Fuseki http://host:3030/ds/data).", envvar="NTP_KG_GRAPH_STORE")],
    sparql: Annotated[str, typer.Option("--sparql", help="The store's SPARQL query endpoint, where the counts are checked (e.g. http://host:8890/sparql, http://host:3030/ds/sparql).", envvar="NTP_KG_GRAPH_STORE_SPARQL")],
    dist: DistOpt = None,
    user: Annotated[Optional[str], typer.Option("--user", help="User name for HTTP Basic or Digest authentication.", envvar="NTP_KG_GRAPH_STORE_USER")] = None,  # noqa: UP045
    password: Annotated[Optional[str], typer.Option("--password", help="Password (better: the environment variable).", envvar="NTP_KG_GRAPH_STORE_PASSWORD", show_envvar=True)] = None,  # noqa: UP045
    auth: Annotated[str, typer.Option("--auth", help="basic or digest (Virtuoso's /sparql-graph-crud-auth wants digest).")] = "basic",
    token: Annotated[Optional[str], typer.Option("--token", help="Bearer token instead of a user (better: the environment variable).", envvar="NTP_KG_GRAPH_STORE_TOKEN", show_envvar=True)] = None,  # noqa: UP045
    body_format: Annotated[str, typer.Option("--format", help="Body of each PUT: ntriples or turtle.")] = "ntriples",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the store to take a graph or answer a count.")] = 300.0,
) -> None:
    """Replace each named graph of the build in an external SPARQL 1.1 store (Graph Store Protocol PUT), then check every graph's triple count through its SPARQL endpoint. Exit 1 when a count differs, 2 when the store cannot be reached or answers an error."""
    from .graphstore import AuthScheme, BodyFormat, GraphStoreError, Target, publish

    try:
        try:
            scheme, fmt = AuthScheme(auth.lower()), BodyFormat(body_format.lower())
        except ValueError as exc:
            raise GraphStoreError(f"{exc}: --auth is basic or digest, --format is ntriples or turtle") from exc
        target = Target(graph_store, sparql, user=user, password=password, auth=scheme, token=token, body_format=fmt, timeout=timeout)
        out = _dist(dist)
        for r in publish(out, target):
            if r.stored is None:
                typer.echo(f"PUT <{r.graph}>: {r.sent} triples -> {r.status}")
            else:
                typer.echo(f"checked <{r.graph}>: {r.stored} triples in the store")
    except NtpKgError as exc:
        _fail(exc)
    typer.echo(f"published {out} to {graph_store}")


@app.command("load")
def load_cmd(
    store: Annotated[Path, typer.Option("--store", help="The store folder: created if new; an existing folder must be an ntp-kg store.", envvar="NTP_KG_STORE")],
    files: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional
        typer.Argument(
            metavar="FILE[=GRAPH]",
            help="RDF files (format from the extension, .gz too; N-Quads/TriG keep their graphs, other files go into GRAPH if given, "
            "else into the default graph; default: the build's ntp-kg.nq, and its ntp-kg.nt into the default graph, where the union "
            "of the graphs makes queries over it faster).",
        ),
    ] = None,
    dist: DistOpt = None,
) -> None:
    """Bulk-load RDF files into an on-disk store as a new version, and make it the one `ntp-kg serve --store` serves. All or nothing: a file that does not load leaves the store as it was."""
    from . import diskstore
    from .server.sources import DataSource
    from .store import DUMP, UNION_DUMP

    try:
        specs = list(files or [])
        if not specs:
            folder = _dist(dist)
            if not (folder / DUMP).is_file():
                raise NtpKgError(f"{folder / DUMP} does not exist: run `ntp-kg build` (or `make build`) first, or name the files to load")
            specs = [str(folder / name) for name in (DUMP, UNION_DUMP) if (folder / name).is_file()]
        result = diskstore.load(store, [DataSource.parse(spec) for spec in specs])
    except NtpKgError as exc:
        _fail(exc)
    _loaded(result, result.seconds)


def _loaded(result: Any, seconds: float) -> None:
    """What `load` (and `build --store`) report of a store version made current (a LoadResult)."""
    v = result.version
    typer.echo(f"loaded {v.quads} quads in {len(v.named_graphs)} named graphs into {v.root} in {seconds:.2f} s (version {v.id})")
    if v.named_graphs and v.default_graph_is_union:  # the quads above count it: say why there are more than in the files
        how = f"copied from the graphs in {v.manifest['seconds_union']:.2f} s" if v.manifest.get("default_graph_copied") else "as loaded"
        typer.echo(f"  default graph: the union of the named graphs, each triple once ({v.manifest['default_graph_triples']} triples, {how})")
    if result.previous is not None:
        typer.echo(f"  previous version {result.previous} kept (a server finishes its queries on it)")
    for removed in result.removed:
        typer.echo(f"  removed old version {removed}")


@app.command("serve")
def serve_cmd(
    data: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional
        typer.Option(
            "--data",
            metavar="FILE[=GRAPH]",
            help="Serve this RDF file instead of the build (format from the extension, .gz too), into named graph GRAPH if given. Repeatable.",
        ),
    ] = None,
    dist: DistOpt = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Serve this on-disk store (made by `ntp-kg load`) instead; a new load is served as soon as it is complete. --dist adds the build's dumps and catalogue.", envvar="NTP_KG_STORE")] = None,  # noqa: UP045
    sparql_backend: Annotated[Optional[str], typer.Option("--sparql-backend", metavar="URL", help="Answer queries and pages from this external SPARQL endpoint (where `ntp-kg publish` wrote the build; its graphs under <base>graph/) instead of loading data; --workers is then the queries sent at once. --dist adds the build's dumps and catalogue.", envvar="NTP_KG_SPARQL_BACKEND")] = None,  # noqa: UP045
    backend_refresh: Annotated[float, typer.Option("--backend-refresh", metavar="SECONDS", help="With --sparql-backend: read the backend's list of our graphs again every SECONDS (0: only at start), so that a later `ntp-kg publish` is served without a restart.", envvar="NTP_KG_BACKEND_REFRESH")] = 60.0,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.", envvar="NTP_KG_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", envvar="NTP_KG_PORT")] = 8000,
    base: BaseOpt = "https://w3id.org/ntp-kg/",
    public_url: Annotated[Optional[str], typer.Option("--public-url", help="Public base URL behind a proxy (the endpoint is <URL>/sparql).", envvar="NTP_KG_PUBLIC_URL")] = None,  # noqa: UP045
    union: Annotated[bool, typer.Option("--union-default-graph/--no-union-default-graph", help="Default graph = union of all graphs, each triple once (--no-union-default-graph: the store's or the files' own default graph, which `ntp-kg load` fills with that union for a build, or for files that leave it empty).", envvar="NTP_KG_UNION_DEFAULT_GRAPH")] = True,
    union_copy: Annotated[Optional[bool], typer.Option("--union-copy/--no-union-copy", help="Each worker also keeps the union alone in memory and answers there the queries that read only the default graph (no GRAPH, FROM or dataset): at 100k observations a GROUP BY over every observation 0.59 s instead of 0.88 s in memory, for 1.25 GB more per worker. Default: on where the workers load the data into memory and read the union; off with --store unless given; not with --sparql-backend.", envvar="NTP_KG_UNION_COPY", show_default=False)] = None,  # noqa: UP045
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Seconds per query [10].", envvar="NTP_KG_TIME_LIMIT", show_default=False)] = None,  # noqa: UP045
    max_rows: Annotated[Optional[int], typer.Option("--max-rows", help="Rows (or triples) per result; more are cut [10000].", envvar="NTP_KG_MAX_ROWS", show_default=False)] = None,  # noqa: UP045
    max_query_length: Annotated[Optional[int], typer.Option("--max-query-length", help="Characters per query [100000].", envvar="NTP_KG_MAX_QUERY_LENGTH", show_default=False)] = None,  # noqa: UP045
    max_body: Annotated[Optional[int], typer.Option("--max-body", help="Bytes per request body [1048576].", envvar="NTP_KG_MAX_BODY", show_default=False)] = None,  # noqa: UP045
    workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes = queries at once, each with its own copy of the data (with --store: sharing the store's pages) [CPU count + 1].", envvar="NTP_KG_WORKERS", show_default=False)] = None,  # noqa: UP045
    queue_size: Annotated[Optional[int], typer.Option("--queue-size", help="Queries that may wait; beyond, 503 [16].", envvar="NTP_KG_QUEUE_SIZE", show_default=False)] = None,  # noqa: UP045
    memory_limit: Annotated[Optional[int], typer.Option("--memory-limit", help="MiB of address space a worker may take per query, above its loaded data (which this does not limit); a query needing more is stopped with 500; 0 for none [2048].", envvar="NTP_KG_MEMORY_LIMIT", show_default=False)] = None,  # noqa: UP045
    max_nesting: Annotated[Optional[int], typer.Option("--max-nesting", help="Deepest nesting of { ( [ in a query [128].", envvar="NTP_KG_MAX_NESTING", show_default=False)] = None,  # noqa: UP045
    long_query: Annotated[Optional[float], typer.Option("--long-query", help="Seconds after which a query counts as long; at most workers-1 long queries run at once (one worker stays free for short ones), one more is stopped with 503; 0 for no reserve [0.5].", envvar="NTP_KG_LONG_QUERY", show_default=False)] = None,  # noqa: UP045
    warm_up: Annotated[bool, typer.Option("--warm-up/--no-warm-up", help="Draw the start page and the sitemap as soon as a version is served, so that the first visitor and crawler do not wait for them (at 1M observations: 49 s and 138 s).", envvar="NTP_KG_WARM_UP")] = True,
    log_level: Annotated[str, typer.Option("--log-level", help="critical, error, warning, info or debug.", envvar="NTP_KG_LOG_LEVEL")] = "info",
) -> None:
    """Serve the build (or --data files, a --store, a --sparql-backend): the SPARQL 1.1 endpoint and query page at /sparql, a start page at /, every minted IRI at its path, dumps and catalogue."""
    try:
        from .server import DataSource, Limits, Settings
        from .server.serve import serve
    except ImportError as exc:  # pragma: no cover - the serve extra is missing
        typer.echo(f"error: {exc}: install the server with pip install -e '.[serve]'", err=True)
        raise typer.Exit(2) from exc
    from .store import DUMP

    # Limits' fields as typer parsed them, each of its field's type (int or float); the ones
    # given override the defaults.
    given: dict[str, Any] = {
        "time_limit": time_limit,
        "max_rows": max_rows,
        "max_query_length": max_query_length,
        "max_body": max_body,
        "workers": workers,
        "queue_size": queue_size,
        "memory_limit": None if memory_limit is None else memory_limit * 1024 * 1024,
        "max_nesting": max_nesting,
        "long_query": long_query,
    }
    try:
        sources = [DataSource.parse(spec) for spec in data or []]
        served_dist = None
        if sparql_backend is not None:
            if sources or store is not None:
                raise NtpKgError("give either --sparql-backend or --data/--store: the backend holds the data (write it there with `ntp-kg publish`)")
            served_dist = dist  # only the dumps and catalogue, when asked for
        elif store is not None:
            if sources:
                raise NtpKgError("give either --store or --data: a store is served as it was loaded (load more files with `ntp-kg load`)")
            served_dist = dist  # only the dumps and catalogue, when asked for
        elif dist is not None or not sources:
            served_dist = _dist(dist)
            dump = served_dist / DUMP
            if not dump.is_file():
                raise NtpKgError(f"{dump} does not exist: run `ntp-kg build` (or `make build`) first, or serve files with --data")
            sources.append(DataSource.parse(str(dump)))
        settings = Settings(
            sources=tuple(sources),
            host=host,
            port=port,
            public_url=public_url,
            base=base,
            dist=served_dist,
            union_default_graph=union,
            union_copy=union_copy,
            limits=Limits(**{k: v for k, v in given.items() if v is not None}),
            log_level=log_level,
            warm_up=warm_up,
            store=store,
            sparql_backend=sparql_backend,
            backend_refresh=backend_refresh,
        )
        serve(settings)
    except NtpKgError as exc:
        _fail(exc)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
