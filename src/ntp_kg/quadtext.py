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
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from rdflib.namespace import DefinedNamespace

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
    """The whole mapped graph: named graphs of statement texts. Duplicates are allowed here (the
    same period in two sources' graphs); `sort` drops them, as a set of quads would."""

    graphs: list[GraphText] = field(default_factory=list)

    def graph(self, name: str) -> GraphText:
        g = GraphText(name)
        self.graphs.append(g)
        return g

    def sort(self) -> SortedQuads:
        """One hash of every statement and one sort: both N-Triples and N-Quads follow from it
        (a quad's line sorts by its statement first, then its graph)."""
        graphs_of: dict[bytes, bytes | list[bytes]] = {}
        get = graphs_of.get
        by_graph: dict[bytes, list[bytes]] = {}
        for g in self.graphs:
            name = g.name.encode()
            by_graph.setdefault(name, []).extend(g.statements)
            for st in g.statements:
                have = get(st)
                if have is None:
                    graphs_of[st] = name
                elif isinstance(have, bytes):
                    if have != name:
                        graphs_of[st] = [have, name]
                elif name not in have:
                    have.append(name)
        return SortedQuads(sorted(graphs_of), graphs_of, {n: sorted(set(ss)) for n, ss in sorted(by_graph.items()) if ss})


@dataclass(frozen=True)
class SortedQuads:
    """The distinct quads in the orders the writers use. Built once per build by `DatasetText.sort`."""

    statements: list[bytes]  # the union graph: distinct statements, sorted
    graphs_of: dict[bytes, bytes | list[bytes]]  # statement -> its graph (or graphs, in mapping order)
    by_graph: dict[bytes, list[bytes]]  # graph -> its distinct statements, sorted; graphs sorted

    def __len__(self) -> int:
        return sum(len(ss) for ss in self.by_graph.values())

    def graph_names(self) -> list[str]:
        return [n.decode() for n in self.by_graph]

    def ntriples(self) -> bytes:
        """The union graph as N-Triples, sorted (ntp-kg.nt)."""
        return b"".join(_interleave(self.statements, b" .\n"))

    def nquads(self) -> bytes:
        """Every quad as N-Quads, lines sorted (ntp-kg.nq)."""
        tails: dict[bytes, bytes] = {}  # graph -> b" <graph> .\n", made once per graph
        parts: list[bytes] = []
        add = parts.append
        for st in self.statements:
            g = self.graphs_of[st]
            for name in (g,) if isinstance(g, bytes) else sorted(g):
                tail = tails.get(name)
                if tail is None:
                    tail = tails[name] = b" " + name + b" .\n"
                add(st)
                add(tail)
        return b"".join(parts)

    def nquads_by_graph(self) -> bytes:
        """N-Quads sorted by graph, then statement: the order of ntp-kg.trig."""
        return b"".join(part for name, ss in self.by_graph.items() for part in _interleave(ss, b" " + name + b" .\n"))

    def quads(self) -> Iterator[ox.Quad]:
        """Every distinct quad as pyoxigraph parses it (exact lexical forms), sorted by graph."""
        return parse_quads(self.nquads_by_graph())


def _interleave(items: list[bytes], tail: bytes) -> list[bytes]:
    """[a, tail, b, tail, ...]: lines to join without making each line first."""
    out = [tail] * (2 * len(items))
    out[::2] = items
    return out


def ntriples_store(ntriples: bytes) -> ox.Store:
    """N-Triples text in a new Store's default graph. pyoxigraph parses and loads text without
    holding the GIL, so a thread can do this beside Python work (the gate's index)."""
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return store


def parse_triples(ntriples: bytes) -> list[ox.Triple]:
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
