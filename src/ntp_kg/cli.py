"""The `ntp-kg` command. Exit codes: 0 ok, 1 invalid data (lint or SHACL), 2 usage or load error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from . import resources
from .errors import NtpKgError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Publish Vietnam's National Target Programme facts as linked open data.")

DistOpt = Annotated[Optional[Path], typer.Option("--dist", help="Build output folder [default: dist/ in the checkout].", envvar="NTP_KG_DIST")]  # noqa: UP045 - typer needs Optional
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
def build_cmd(dist: DistOpt = None, base: BaseOpt = "https://w3id.org/ntp-kg/") -> None:
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
        result = build(out, base)
    except NtpKgError as exc:
        _fail(exc)
    typer.echo(result.lint.text().splitlines()[-1])
    typer.echo(result.validation.text().splitlines()[0])
    for w in result.validation.warnings:
        typer.echo(f"  {w}")
    graphs = {g.identifier for g in result.dataset.graphs() if len(g)}
    typer.echo(f"{len(result.dataset)} quads in {len(graphs)} named graphs -> {out}")
    for name in sorted(result.checksums):
        typer.echo(f"  {name}")


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
) -> None:
    """Run SPARQL over the built graph (default graph = union of all graphs)."""
    import pyoxigraph as ox

    from . import query as q
    from .store import load_dist

    try:
        text = q.resolve(query)
        store = load_dist(_dist(dist))
        result = q.run(store, text)
        if fmt == "table" and not isinstance(result, ox.QueryTriples):
            typer.echo(q.table(result))
        else:
            sys.stdout.buffer.write(q.serialize(result, "turtle" if fmt == "table" else fmt))
            sys.stdout.buffer.flush()
    except NtpKgError as exc:
        _fail(exc)


@app.command("queries")
def queries_cmd() -> None:
    """List the named research queries in sparql/ with the question each answers."""
    from .query import named_queries

    for name, nq in named_queries().items():
        typer.echo(f"{name}: {nq.question}")
