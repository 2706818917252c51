"""Golden answers of the named queries in sparql/: encoding, reading, writing and comparing.

A golden file is tests/sparql/expected/<query name>.json:

* SELECT: ``{"variables": [...], "ordered": true|false, "rows": [[...], ...]}``; ``ordered`` is
  true when the query has ORDER BY (rows are then compared in order, else as a multiset);
* ASK: ``{"boolean": true|false}``;
* CONSTRUCT: ``{"triples": ["<s> <p> <o> .", ...]}``, N-Triples lines compared by graph
  isomorphism.

Terms in rows are encoded as strings: an IRI as ``<iri>``; a literal as its lexical value, followed
by ``@lang`` when it has a language tag, or by ``^^<datatype>`` when its datatype is not
xsd:string (a plain xsd:string literal is its bare lexical value); a blank node as ``_:id``; an
unbound variable as ``null``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

EXPECTED = Path(__file__).parent / "expected"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
REGENERATE_ENV = "NTP_KG_REGENERATE_GOLDEN"

Row = list[str | None]


def encode(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        if term.datatype.value != XSD_STRING:
            return f"{term.value}^^<{term.datatype.value}>"
        return term.value
    raise TypeError(f"unexpected term {term!r}")


def query_body(text: str) -> str:
    """The query without its comment lines (a '#' inside an IRI is not a comment)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def is_ordered(text: str) -> bool:
    return re.search(r"\bORDER\s+BY\b", query_body(text), re.IGNORECASE) is not None


def answer(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, text: str) -> dict[str, Any]:
    """A query result as golden data."""
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    if isinstance(result, ox.QueryTriples):
        nt = result.serialize(format=ox.RdfFormat.N_TRIPLES)
        assert nt is not None
        return {"triples": sorted({line for line in nt.decode("utf-8").splitlines() if line.strip()})}
    variables = [v.value for v in result.variables]
    rows = [[encode(sol[v]) for v in variables] for sol in result]
    return {"variables": variables, "ordered": is_ordered(text), "rows": rows}


def path(name: str) -> Path:
    return EXPECTED / f"{name}.json"


def names() -> list[str]:
    return sorted(p.stem for p in EXPECTED.glob("*.json"))


def read(name: str) -> dict[str, Any]:
    data = json.loads(path(name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def dumps(data: dict[str, Any]) -> str:
    """Stable, reviewable JSON: one row (or triple) per line, Unicode unescaped."""

    def j(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    if "rows" in data:
        rows = ",\n".join(f"  {j(r)}" for r in data["rows"])
        return f'{{\n "variables": {j(data["variables"])},\n "ordered": {j(data["ordered"])},\n "rows": [\n{rows}\n ]\n}}\n'
    if "triples" in data:
        triples = ",\n".join(f"  {j(t)}" for t in data["triples"])
        return f'{{\n "triples": [\n{triples}\n ]\n}}\n'
    return j(data) + "\n"


def write(name: str, data: dict[str, Any]) -> None:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    path(name).write_text(dumps(data), encoding="utf-8")


def _graph(lines: list[str]) -> Graph:
    g = Graph()
    g.parse(data="\n".join(lines) + "\n", format="nt")
    return g


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> str | None:
    """None when the answers agree, else a readable account of what differs."""
    if set(expected) != set(actual):
        return f"answer kinds differ: expected keys {sorted(expected)}, got {sorted(actual)}"
    if "boolean" in expected:
        return None if expected["boolean"] == actual["boolean"] else f"expected {expected['boolean']}, got {actual['boolean']}"
    if "triples" in expected:
        g_exp, g_act = _graph(expected["triples"]), _graph(actual["triples"])
        if isomorphic(g_exp, g_act):
            return None
        _, only_exp, only_act = graph_diff(to_isomorphic(g_exp), to_isomorphic(g_act))
        lines = [f"- {t}" for t in sorted(only_exp.serialize(format="nt").splitlines()) if t.strip()]
        lines += [f"+ {t}" for t in sorted(only_act.serialize(format="nt").splitlines()) if t.strip()]
        return "graphs are not isomorphic (- expected only, + actual only):\n" + "\n".join(lines)
    if expected["variables"] != actual["variables"]:
        return f"variables differ: expected {expected['variables']}, got {actual['variables']}"
    if expected["ordered"] != actual["ordered"]:
        return f"golden says ordered={expected['ordered']}, but the query {'has' if actual['ordered'] else 'has no'} ORDER BY"
    exp = [json.dumps(r, ensure_ascii=False) for r in expected["rows"]]
    act = [json.dumps(r, ensure_ascii=False) for r in actual["rows"]]
    if expected["ordered"]:
        if exp == act:
            return None
        diff = difflib.unified_diff(exp, act, "expected", "actual", lineterm="", n=2)
        return "rows differ (in order):\n" + "\n".join(diff)
    missing = Counter(exp) - Counter(act)
    extra = Counter(act) - Counter(exp)
    if not missing and not extra:
        return None
    lines = [f"- {r}" + (f"  (x{n})" if n > 1 else "") for r, n in sorted(missing.items())]
    lines += [f"+ {r}" + (f"  (x{n})" if n > 1 else "") for r, n in sorted(extra.items())]
    return "rows differ (as multisets; - expected only, + actual only):\n" + "\n".join(lines)
