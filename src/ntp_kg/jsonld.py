"""The JSON-LD dump: rdflib's compaction with our context, computed straight from sorted triples.

The published ntp-kg.jsonld is what rdflib's serializer writes for the union graph with
`context=<our prefixes>, auto_compact=True`, read back and written with every array sorted
(`stable`). rdflib gets there by loading the triples into a Graph and probing it per
object (is it a list? which term?); on a million observations that is most of the build. Our
graph needs none of the probing: no blank nodes, no RDF lists, a context of prefixes only. Here
nodes are built in one pass over the sorted triples with rdflib's own rules for each value
(its Context compacts the IRIs, its Literal gives the lexical form and native value), so the
document is the same, byte for byte.

Whatever falls outside that case (a blank node, rdf:first or rdf:nil, a context term that
matches an IRI, two values of a property where one is falsy, which rdflib drops depending on
its iteration order, fewer than two nodes) returns None, and the caller uses rdflib.
tests/test_publish.py compares both on the real graph and on literals of every kind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.plugins.serializers.jsonld import PLAIN_LITERAL_TYPES
from rdflib.plugins.shared.jsonld.context import UNDEF, Context
from rdflib.plugins.shared.jsonld.keys import ID, VOCAB

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE, _RDF_FIRST, _RDF_NIL = _RDF + "type", _RDF + "first", _RDF + "nil"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_NATIVE = frozenset(str(t) for t in PLAIN_LITERAL_TYPES)
# A triple's object as pyoxigraph gives it: blank nodes and quoted triples reach `key` (and
# `value`, which refuses them).
_Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class _Unsupported(Exception):
    """The graph needs rdflib's general algorithm."""


class _Compactor:
    """rdflib's Converter rules for IRIs and literals, memoised per term."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.context = Context(ctx)
        self.ids: dict[str, str] = {}
        self.keys: dict[tuple[str, str | None, str | None], str] = {}
        self.types: dict[str, str] = {}
        self.literals: dict[ox.Literal, Any] = {}

    def node_id(self, iri: str) -> str:
        out = self.ids.get(iri)
        if out is None:
            out = self.ids[iri] = self.context.shrink_iri(iri)
        return out

    def key(self, p: str, o: _Object) -> str:
        """The property's key. rdflib looks for a context term first (by datatype and language for
        a literal), which a context of prefixes never has: a term found is left to rdflib."""
        if isinstance(o, ox.Literal):
            dt = None if o.language or o.datatype.value == _XSD_STRING else o.datatype.value
            probe: tuple[str, str | None, str | None] = (p, dt, o.language)
        else:
            probe = (p, "", None)
        out = self.keys.get(probe)
        if out is None:
            ctx = self.context
            # Container None, as rdflib's Converter passes it (find_term treats any falsy one
            # alike); rdflib's annotation leaves None out.
            found = ctx.find_term(p, probe[1], language=probe[2]) if isinstance(o, ox.Literal) else any(ctx.find_term(p, c, None) for c in (ID, VOCAB, UNDEF))  # type: ignore[arg-type]
            if found:
                raise _Unsupported(f"a context term matches {p}")
            if p == _RDF_TYPE:
                out = ctx.type_key
            else:
                out = ctx.to_symbol(p)
                assert out is not None  # rdflib annotates Optional, but every branch returns a str
                key_term = ctx.terms.get(out)
                if key_term and (key_term.type or key_term.container):
                    raise _Unsupported(f"context term {out} has a type or container")
            self.keys[probe] = out
        return out

    def value(self, p: str, o: _Object) -> Any:
        if isinstance(o, ox.NamedNode):
            if o.value == _RDF_NIL:
                raise _Unsupported("rdf:nil (an RDF list)")
            if p == _RDF_TYPE:
                out = self.types.get(o.value)
                if out is None:
                    symbol = self.context.to_symbol(o.value)
                    assert symbol is not None  # rdflib annotates Optional, but every branch returns a str
                    out = self.types[o.value] = symbol
                return out
            return {"@id": self.node_id(o.value)}
        if not isinstance(o, ox.Literal):
            raise _Unsupported("a blank node")
        out = self.literals.get(o)
        if out is None:
            out = self.literals[o] = self._literal(o)
        return out

    def _literal(self, o: ox.Literal) -> Any:
        """rdflib's Converter.to_raw_value for a literal, on the Literal rdflib would hold."""
        ctx = self.context
        if o.language:  # rdflib keeps a string's text as is: no Literal needed
            return {ctx.lang_key: o.language, ctx.value_key: o.value} if o.language != ctx.language else o.value
        if o.datatype.value == _XSD_STRING:
            return o.value
        lit = Literal(o.value, datatype=URIRef(o.datatype.value))  # rdflib may normalise the text
        if str(lit.datatype) in _NATIVE:
            v = lit.toPython()
            return str.__str__(v) if isinstance(v, str) else v  # an ill-typed literal is written as its text
        return {ctx.type_key: ctx.to_symbol(str(lit.datatype)), ctx.value_key: str(lit)}  # to_symbol takes str() of it too


def document(ts: Sequence[ox.Triple], ctx: dict[str, Any]) -> dict[str, Any] | None:
    """rdflib's compacted JSON-LD document of the triples (as json.loads would read it back), or
    None when rdflib's general algorithm is needed."""
    c = _Compactor(ctx)
    nodes: dict[str, dict[str, Any]] = {}
    try:
        prev_s = None
        node: dict[str, Any] = {}
        for t in ts:
            s, p, o = t.subject, t.predicate.value, t.object
            if not isinstance(s, ox.NamedNode):
                raise _Unsupported("a blank node")
            if p == _RDF_FIRST:
                raise _Unsupported("rdf:first (an RDF list)")
            if s is not prev_s and (prev_s is None or s != prev_s):
                sid = c.node_id(s.value)
                if sid in nodes:
                    raise _Unsupported(f"two subjects compact to {sid}")
                node = nodes[sid] = {"@id": sid}
                prev_s = s
            k = c.key(p, o)
            v = c.value(p, o)
            have = node.get(k)
            if have is None:
                node[k] = v
            elif not have or not v:
                raise _Unsupported("a falsy value among several (rdflib keeps one, by iteration order)")
            elif isinstance(have, list):
                have.append(v)
            else:
                node[k] = [have, v]
    except _Unsupported:
        return None
    if len(nodes) < 2:
        return None
    return {"@context": ctx, "@graph": list(nodes.values())}


def dumps(doc: dict[str, Any]) -> bytes:
    """The published bytes: `json.dumps(stable(doc), ensure_ascii=False, indent=1, sort_keys=True)`
    and a newline. A document of a context and a @graph array (what `document` returns) is
    written node by node (`pretty`), so that the whole document never exists twice in memory."""
    if set(doc) != {"@context", "@graph"} or not isinstance(doc["@graph"], list) or not doc["@graph"]:
        return (json.dumps(stable(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    ctx = json.dumps(stable(doc["@context"]), ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n ")
    out = [f'{{\n "@context": {ctx},\n "@graph": [\n'.encode()]
    nodes = doc["@graph"]
    last = len(nodes) - 1
    for i, node in enumerate(_in_order(nodes)):
        parts = ["  "]
        pretty(node, "  ", parts)
        parts.append(",\n" if i < last else "\n")
        out.append("".join(parts).encode("utf-8"))
    out.append(b" ]\n}\n")
    return b"".join(out)


_COMPACT = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_compact = _COMPACT.encode  # C-accelerated; a str goes straight to the C string encoder


def pretty(value: Any, indent: str, out: list[str]) -> None:
    """Append `json.dumps(stable(value), ensure_ascii=False, indent=1, sort_keys=True)`, its lines
    after the first prefixed with `indent`. json's indenting encoder is pure Python (the C one
    only writes compact JSON) and took most of the JSON-LD writer's time; here scalars, keys and
    the sort keys of array items go through the C encoder, and tests/test_publish.py checks the
    text against json.dumps on the real graph and on nested values of every JSON type."""
    items: list[tuple[str, Any]]
    if isinstance(value, dict):
        items, brackets = [(_compact(k) + ": ", value[k]) for k in sorted(value)], "{}"
    elif isinstance(value, list):
        items, brackets = [("", v) for v in _in_order(value)], "[]"
    else:
        out.append(_compact(value))
        return
    if not items:
        out.append(brackets)
        return
    inner = indent + " "
    out.append(brackets[0] + "\n")
    for i, (head, item) in enumerate(items):
        if i:
            out.append(",\n")
        out.append(inner + head)
        pretty(item, inner, out)
    out.append("\n" + indent + brackets[1])


def stable(node: Any) -> Any:
    """JSON-LD with nodes and value arrays in a fixed order (rdflib's order follows hashing).

    Arrays in our JSON-LD are unordered sets of values (we publish no @list), so sorting them
    changes no triple. An array is ordered by each item's JSON text (sorted keys); for the
    @graph array of node objects whose first key is "@id" (ids are unique), that is the order of
    their ids' JSON text, which is much cheaper to compute.
    """
    if isinstance(node, dict):
        return {k: stable(v) for k, v in node.items()}
    if isinstance(node, list):
        return _in_order([stable(v) for v in node])
    return node


def _in_order(items: list[Any]) -> list[Any]:
    """Items ordered by their JSON text (sorted keys), as `stable` orders an array whose items are
    already stable (for items that are node objects with unique ids, stable or not: their order)."""
    if len(items) > 1 and all(isinstance(v, dict) and "@id" in v and min(v) == "@id" for v in items):
        ids = [json.dumps(v["@id"], ensure_ascii=False) for v in items]
        if len(set(ids)) == len(ids):
            return [v for _k, v in sorted(zip(ids, items, strict=True), key=lambda kv: kv[0])]
    return sorted(items, key=lambda v: _compact(stable(v)))
