"""SHACL validation: the gate between the mapper and publication.

Validation returns a report value rather than raising, like pySHACL itself: a graph with
violations is an expected outcome the CLI reports, not a crash. Warnings (the cross-fact
consistency checks) never block publication but are printed with their numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rdflib.plugins.sparql.processor as _sparql_processor
from pyshacl import validate as _pyshacl_validate
from rdflib import Dataset, Graph
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from . import resources
from .errors import SeedError


@dataclass(frozen=True)
class Finding:
    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str | None
    value: str | None
    shape: str
    component: str
    message: str

    def __str__(self) -> str:
        where = f"{self.focus}" + (f" {self.path}" if self.path else "")
        val = f" (value: {self.value})" if self.value is not None else ""
        return f"[{self.severity}] {where}{val}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    findings: tuple[Finding, ...]
    graph: Graph

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Violation")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Warning")

    def text(self) -> str:
        head = "Conforms" if self.conforms else "Does not conform"
        counts = f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        return "\n".join([f"{head}: {counts}", *map(str, self.findings)])


def parse_turtle_files(paths: list[Path]) -> Graph:
    g = Graph()
    for p in paths:
        try:
            g.parse(p, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad syntax
            raise SeedError(str(p), f"cannot parse Turtle: {exc}") from exc
    return g


@cache
def shapes_graph() -> Graph:
    """The project's shapes, parsed once per process."""
    return parse_turtle_files(resources.shapes_files())


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _findings(report: Graph) -> tuple[Finding, ...]:
    out: list[Finding] = []
    # Top-level results only: nested sh:detail results explain a result, they are not findings.
    results = [r for rep in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(rep, SH.result)]
    for r in results:
        sev = report.value(r, SH.resultSeverity)
        msgs = sorted(str(m) for m in report.objects(r, SH.resultMessage))
        out.append(
            Finding(
                severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
                focus=str(report.value(r, SH.focusNode)),
                path=_text(report.value(r, SH.resultPath)),
                value=_text(report.value(r, SH.value)),
                shape=str(report.value(r, SH.sourceShape)),
                component=str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                message="; ".join(msgs),
            )
        )
    out.sort(key=lambda f: (f.severity != "Violation", f.severity, f.focus, f.path or "", f.component, f.message))
    return tuple(out)


def union_graph(data: Graph | Dataset) -> Graph:
    """Validation sees every named graph at once: facts link to reference data and ontology."""
    if isinstance(data, Dataset):
        g = Graph()
        for ctx in data.graphs():
            for t in ctx:
                g.add(t)
        return g
    return data


_PARSED: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}


@contextmanager
def _parse_each_query_once() -> Iterator[None]:
    """pySHACL hands rdflib a SPARQL constraint's text once per focus node, and rdflib parses it
    every time: about 80 % of validation time. While validating, parsed queries are memoised by
    (text, base, prefixes); evaluation is unchanged (rdflib prepares queries for exactly this
    reuse with different initial bindings)."""
    original = _sparql_processor.SPARQLProcessor.query

    def query(
        self: _sparql_processor.SPARQLProcessor,
        strOrQuery: str | Query,  # noqa: N803 - rdflib's parameter names
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            parsed = _PARSED.get(key)
            if parsed is None:
                parsed = _PARSED[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = parsed
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    _sparql_processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        _sparql_processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def validate(data: Graph | Dataset, shapes: Graph | None = None) -> ValidationReport:
    data_graph = union_graph(data)
    with _parse_each_query_once():
        conforms, report, _text_report = _pyshacl_validate(
            data_graph,
            shacl_graph=shapes if shapes is not None else shapes_graph(),
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
        )
    assert isinstance(report, Graph)
    return ValidationReport(conforms=bool(conforms), findings=_findings(report), graph=report)
