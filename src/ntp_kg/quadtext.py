"""The mapped graph as N-Quads text: what the build sorts and writes, with no RDF objects between.

Making an rdflib term per value costs the mapper ~28 µs a quad and a pyoxigraph one ~4 µs; the
text of a statement costs ~0.5 µs. So the mapper writes each statement as the N-Triples text
pyoxigraph would print for it, the dumps are sorted text, and RDF objects are made once, by
pyoxigraph's parser, only where a writer or the SHACL gate needs them.

The text is pyoxigraph's own: a literal with a character pyoxigraph escapes is printed by
pyoxigraph (`literal`); tests/test_quadtext.py checks the escaped set against pyoxigraph over
every code point, and every helper against `str()` of the pyoxigraph term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from .extsort import DEFAULT_RUN_BYTES

if TYPE_CHECKING:
    from rdflib.namespace import DefinedNamespace

    from .spool import SpooledQuads

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# The characters pyoxigraph 0.5 escapes in a quoted string (U+0000-U+001F, '"', '\', U+007F,
# U+FFFE, U+FFFF): a string without them is printed as is between quotes.
ESCAPED = re.compile('[\x00-\x1f"\\\\\x7f\ufffe\uffff]')
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")


class Terms:
    """A namespace's IRIs as N-Triples text: `Terms(RDF).type == "<...22-rdf-syntax-ns#type>"`."""

    def __init__(self, namespace: str | type[DefinedNamespace]) -> None:
        """`namespace`: its IRI, or one of rdflib's namespace classes (whose str() is the IRI)."""
        self._ns = str(namespace)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        text = self.__dict__[name] = f"<{self._ns}{name}>"
        return text

    def __getitem__(self, name: str) -> str:
        return f"<{self._ns}{name}>"


def checked_iri(value: str) -> str:
    """An IRI from input data (a URL in a seed), validated by pyoxigraph; ValueError if invalid."""
    return str(ox.NamedNode(value))


def literal(value: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal's N-Triples text, as `str(pyoxigraph.Literal(...))` prints it."""
    body = f'"{value}"' if ESCAPED.search(value) is None else str(ox.Literal(value))
    if lang:
        if _LANG.fullmatch(lang) is None:  # pyoxigraph checks (and lower-cases) the tag
            return str(ox.Literal(value, language=lang))
        return f"{body}@{lang}"
    if datatype and datatype != XSD_STRING:
        return f"{body}^^<{datatype}>"
    return body


@dataclass
class GraphText:
    """One named graph: its IRI text and its statements (b'<s> <p> o', UTF-8), in mapping order.

    Statements are kept as UTF-8 bytes, the dumps' encoding: joining them needs no copy to encode,
    and a statement with one Arabic letter does not take two bytes for every character as a str
    would. Bytes sort as their text does (UTF-8 keeps code point order)."""

    name: str
    statements: list[bytes] = field(default_factory=list)

    def add(self, s: str, p: str, o: str) -> None:
        self.statements.append(f"{s} {p} {o}".encode())


@dataclass
class DatasetText:
    """The whole mapped graph in memory: named graphs of statement texts. Duplicates are allowed
    here (the same period in two sources' graphs); `sort` drops them, as a set of quads would."""

    graphs: list[GraphText] = field(default_factory=list)

    def graph(self, name: str) -> GraphText:
        g = GraphText(name)
        self.graphs.append(g)
        return g

    def sort(self, workdir: Path | None = None, run_bytes: int = DEFAULT_RUN_BYTES) -> SpooledQuads:
        """The distinct quads in the writers' orders (`spool.SpooledQuads`)."""
        from .spool import spool  # spool builds on this module's GraphText

        return spool(self.graphs, workdir, run_bytes)


def ntriples_store(ntriples: bytes | Path | BinaryIO) -> ox.Store:
    """N-Triples text (or a file of it, or a readable binary file) in a new Store's default graph.
    pyoxigraph parses and loads without holding the GIL, so a thread can do this beside Python
    work (the gate's index, the writing of the file itself: `follow.GrowingFile`)."""
    store = ox.Store()
    if isinstance(ntriples, Path):
        store.bulk_load(path=ntriples, format=ox.RdfFormat.N_TRIPLES)
    else:
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return store


def parse_triples(ntriples: bytes | Path) -> list[ox.Triple]:
    if isinstance(ntriples, Path):
        return list(ox.parse(path=ntriples, format=ox.RdfFormat.N_TRIPLES))
    return list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))


def parse_quads(nquads: bytes) -> Iterator[ox.Quad]:
    return iter(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))


def from_quads(quads: Iterable[ox.Quad]) -> DatasetText:
    """Quads (e.g. parsed from a dump) as graph texts, for code that takes what the mapper makes."""
    graphs: dict[str, GraphText] = {}
    out = DatasetText()
    for q in quads:
        name = str(q.graph_name)
        g = graphs.get(name)
        if g is None:
            g = graphs[name] = out.graph(name)
        g.add(str(q.subject), str(q.predicate), str(q.object))
    return out
