"""Our own SPARQL text: the queries in templates/*.rq, and values bound into them.

Queries are data and live in files (templates/); a value is bound into the text where the engine
takes no bound values (a remote store) or where pyoxigraph's substitutions do not reach (a
variable inside a sub-select)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources as importlib_resources

import pyoxigraph as ox


@functools.cache
def template(name: str, suffix: str = ".rq") -> str:
    """templates/<name>.rq (or an update's .ru) of this package (read once: descriptions over a
    backend use them per page)."""
    return (importlib_resources.files(__package__) / "templates" / f"{name}{suffix}").read_text(encoding="utf-8")


def bind(query: str, values: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """`query` with each variable named in `values` replaced by that term, for engines that take
    no bound values (a remote store). Only variable tokens change: comments, strings and IRIs
    are left as they are (the tokenizer of server/guard.py, which knows them)."""
    from .server.guard import _TOKEN  # the one SPARQL tokenizer of the project

    out: list[str] = []
    for m in _TOKEN.finditer(query):
        if m.lastgroup == "var" and m.group()[1:] in values:
            term = values[m.group()[1:]]
            if not isinstance(term, ox.NamedNode | ox.Literal):
                raise ValueError(f"only IRIs and literals can be bound into query text, not {term!r}")
            out.append(str(term))
        else:
            out.append(m.group())
    return "".join(out)
