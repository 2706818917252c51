"""SPARQL queries that cannot have a solution on a graph without blank nodes.

The SHACL gate's SPARQL screen sends the union's Store every query of the shapes' SPARQL
constraints. Two of ours (shapes:NoBlankNodes) look for blank nodes with a FILTER (isBlank(?x))
over every triple: 4.8 of the screen's 23.6 s at 100k observations, for an answer the build
already knows, since the mapper records whether it wrote any blank node
(`SpooledQuads.blank_nodes`), and a graph with one is gated by the whole-graph path anyway.

A query is known empty when a FILTER that every solution must pass has isBlank(?var) among its
conjuncts: on data without blank nodes, isBlank is false for every bound term and an error for an
unbound one, and either way the FILTER removes the row. "Every solution must pass" is read from
rdflib's algebra of the query, walking only the operators whose result is empty when their
(required) input is: projections, modifiers, BIND, filters, joins (either side), the left side of
OPTIONAL and MINUS, both sides of UNION. Aggregation stops the walk (COUNT over nothing is a row),
as does anything not listed. A query that could make a blank node itself (BNODE) or ask another
endpoint (SERVICE) is never called empty, nor is a test of $currentShape or $shapesGraph, which
SHACL binds to nodes of the shapes graph.
"""

from __future__ import annotations

import re
from typing import Any

from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

_MENTIONS = re.compile(r"\bisblank\s*\(", re.I)
_MAKES_OR_FETCHES = re.compile(r"\b(bnode|service)\b", re.I)
_PASS_THROUGH = frozenset({"SelectQuery", "AskQuery", "ConstructQuery", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "ToMultiSet", "Extend"})


def empty_without_blank_nodes(query: str) -> bool:
    """True if `query` has no solution on any graph without blank nodes (module docstring).
    False when in doubt, including a query rdflib cannot parse (whoever runs it reports that)."""
    if not _MENTIONS.search(query) or _MAKES_OR_FETCHES.search(query):
        return False  # most queries: decided without parsing
    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # noqa: BLE001 - not ours to report: the query is run as it is
        return False
    return _required_blank(algebra)


def _required_blank(node: Any) -> bool:
    if not isinstance(node, CompValue):
        return False
    name = node.name
    if name in _PASS_THROUGH:
        return _required_blank(node.p)
    if name == "Filter":
        return any(_is_blank_test(c) for c in _conjuncts(node.expr)) or _required_blank(node.p)
    if name == "Join":
        return _required_blank(node.p1) or _required_blank(node.p2)
    if name in ("LeftJoin", "Minus"):
        return _required_blank(node.p1)
    if name == "Union":
        return _required_blank(node.p1) and _required_blank(node.p2)
    return False


def _conjuncts(expr: Any) -> list[Any]:
    if isinstance(expr, CompValue) and expr.name == "ConditionalAndExpression":
        return [c for e in [expr.expr, *(expr.other or [])] for c in _conjuncts(e)]
    return [expr]


_FROM_SHAPES = frozenset({"currentShape", "shapesGraph"})
"""Variables SHACL pre-binds to nodes of the shapes graph (a shape may be a blank node): not data."""


def _is_blank_test(expr: Any) -> bool:
    return isinstance(expr, CompValue) and expr.name == "Builtin_isBLANK" and isinstance(expr.arg, Variable) and str(expr.arg) not in _FROM_SHAPES
