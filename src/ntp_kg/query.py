"""SPARQL over the built graph: named queries from sparql/, results as tables or standard formats.

The default graph is the union of all named graphs, as researchers expect when they do not
name a graph (Fuseki's `unionDefaultGraph`), each triple once: the stores given here hold it
(`union_view.hold_union`), since pyoxigraph's `use_default_graph_as_union` repeats a triple once
per graph that holds it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .errors import NtpKgError, QueryError

_MAX_NESTING = 128  # the endpoint's default: deeper nesting crashes pyoxigraph's parser

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str

    @property
    def question(self) -> str:
        """The plain-English question in the query's opening comment lines."""
        lines = []
        for line in self.text.splitlines():
            if not line.startswith("#"):
                break
            if not line.lstrip("#").strip():
                break
            lines.append(line.lstrip("#").strip())
        return " ".join(lines)


def named_queries() -> dict[str, NamedQuery]:
    return {n: NamedQuery(n, p, p.read_text(encoding="utf-8")) for n, p in resources.query_files().items()}


_NAME = re.compile(r"[\w.-]+")


def resolve(query_or_file: str) -> str:
    """A query name from sparql/, a path to a .rq file, or the query text itself."""
    named = resources.query_files()
    if query_or_file in named:
        return named[query_or_file].read_text(encoding="utf-8")
    p = Path(query_or_file)
    if len(query_or_file) < 4096 and "\n" not in query_or_file and p.suffix in (".rq", ".sparql"):
        if not p.exists():
            raise QueryError(f"no query file {p} (and no query named '{p.stem}' in sparql/)")
        return p.read_text(encoding="utf-8")
    if _NAME.fullmatch(query_or_file):
        # A single word is never a SPARQL query: say it is an unknown name, not a syntax error.
        raise QueryError(f"no query named '{query_or_file}' in sparql/ (`ntp-kg queries` lists them)")
    return query_or_file


def run(store: ox.Store, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run a read-only query locally, under the same guard as the endpoint.

    Updates and SERVICE are refused (pyoxigraph would send SERVICE requests over the network);
    a query with FROM / FROM NAMED gets exactly that dataset, otherwise the union of all graphs.
    """
    from .server.guard import inspect

    try:
        dataset_clause = inspect(text, max_nesting=_MAX_NESTING).dataset
    except NtpKgError as exc:
        raise QueryError(str(exc)) from exc
    try:
        return store.query(text, use_default_graph_as_union=not dataset_clause)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from exc
    except (ValueError, OSError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc


Term = ox.NamedNode | ox.BlankNode | ox.Literal | None


def rows(result: ox.QuerySolutions) -> tuple[list[str], list[list[Term]]]:
    variables = [v.value for v in result.variables]
    return variables, [[sol[v] for v in variables] for sol in result]


def _show(term: object, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in prefixes.items():
            if ns and term.value.startswith(ns):
                return f"{p}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term)


def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(c) else 1 for c in s)


def table(result: ox.QuerySolutions | ox.QueryBoolean) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    prefixes = resources.prefixes()
    variables, data = rows(result)
    cells = [[_show(t, prefixes) for t in row] for row in data]
    widths = [max([_width(v), *(_width(r[i]) for r in cells)]) for i, v in enumerate(variables)]

    def fmt(row: list[str]) -> str:
        return " | ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip()

    lines = [fmt(variables), "-+-".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def serialize(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> bytes:
    if isinstance(result, ox.QueryTriples):
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"format '{fmt}' is not for CONSTRUCT/DESCRIBE results; use one of {', '.join(GRAPH_FORMATS)}")
        out = result.serialize(format=GRAPH_FORMATS[fmt])
    else:
        if fmt not in RESULT_FORMATS:
            raise QueryError(f"format '{fmt}' is not for SELECT/ASK results; use one of table, {', '.join(RESULT_FORMATS)}")
        out = result.serialize(format=RESULT_FORMATS[fmt])
    assert out is not None
    return out
