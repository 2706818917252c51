"""Look at a query before any engine does: refuse updates and SERVICE, bound the nesting, and
tell the query form (to negotiate the result format before running it).

A small tokenizer skips what cannot hold a keyword -- comments, IRIs, strings, variables,
prefixed names, blank node labels, language tags -- so `?insert`, `ex:Service`,
`<http://x/load>` and `"DROP"` pass while a bare `INSERT` or `SERVICE` is refused.
Keywords are case-insensitive. (The engine does not unescape \\u sequences outside strings
and IRIs, so `\\u0053ERVICE` is a syntax error there, not a keyword: tests pin that.)

Only `Store.query` is ever called, so an update cannot run whatever this says; the guard turns
it into a clear 403. SERVICE is the one construct that makes pyoxigraph connect out (even
SILENT): it is refused here, and the worker processes also run without a network where the
system allows it (see worker.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryTooComplex, ServiceRefused, UpdateRefused
from .formats import Form

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"})
_FORMS = {f.value: f for f in Form}
_PROLOGUE = frozenset({"BASE", "PREFIX"})

_PN = r"[^\W\d][\w\-\u00B7\u0300-\u036F\u203F\u2040.]*"
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'
               |"(?:[^"\\\r\n]|\\.)*")
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<bnode>_:[\w\-\u00B7.]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:"""
    + _PN
    + r""")?:(?:[\w\-\u00B7:.%]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Inspection:
    form: Form | None
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None when the query is not recognisable (the
    engine will then report the syntax error)."""
    depth: int
    dataset: bool = False
    """Whether the query names its dataset (FROM / FROM NAMED)."""
    graph_patterns: bool = False
    """Whether the query has a GRAPH pattern (reads named graphs). A query with neither this nor
    a dataset reads the default graph alone (worker.py's union copy answers it)."""


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def inspect(query: str, max_nesting: int) -> Inspection:
    """The query's form and nesting depth; raises UpdateRefused, ServiceRefused, QueryTooComplex."""
    form: Form | None = None
    seen_form = False
    dataset = graphs = False
    depth = deepest = 0
    previous = ""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        word = ""
        if kind == "word":
            word = m.group().upper()
        elif kind == "pname" and m.group().partition(":")[0].upper() == "SERVICE":
            # The engine reads `SERVICE:x` as the keyword and the IRI `:x` (tested).
            word = "SERVICE"
        elif kind == "lang" and previous != "string":
            word = m.group()[1:].partition("-")[0].upper()  # not a language tag: look at the word
        previous = kind or ""
        if word:
            if word in UPDATE_KEYWORDS:
                raise UpdateRefused(
                    f"SPARQL Update is not allowed: this endpoint is read-only (found {word} at {_position(query, m.start())})"
                )
            if word == "SERVICE":
                raise ServiceRefused(
                    f"SERVICE is not allowed: this endpoint makes no outbound requests (found at {_position(query, m.start())})"
                )
            if word == "FROM":
                dataset = True
            elif word == "GRAPH":
                graphs = True
            if kind == "word" and not seen_form and word not in _PROLOGUE:
                seen_form = True
                form = _FORMS.get(word)
        elif kind == "open":
            depth += 1
            if depth > max_nesting:
                raise QueryTooComplex(
                    f"query nested too deeply: more than {max_nesting} levels of {{ ( [ (at {_position(query, m.start())})"
                )
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
    return Inspection(form, deepest, dataset, graphs)
