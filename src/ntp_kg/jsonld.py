"""The JSON-LD dump: rdflib's compaction with our context, computed straight from sorted triples.

The published ntp-kg.jsonld is what rdflib's serializer writes for the union graph with
`context=<our prefixes>, auto_compact=True`, read back and written with every array sorted
(`stable`). rdflib gets there by loading the triples into a Graph and probing it per
object (is it a list? which term?); on a million observations that is most of the build. Our
graph needs none of the probing: no blank nodes, no RDF lists, a context of prefixes only. Here
nodes are built in one pass over the sorted triples with rdflib's own rules for each value
(its Context compacts the IRIs, its Literal gives the lexical form and native value), so the
document is the same, byte for byte.

Two ways to the same bytes share the node builder (`_nodes`) and the node writer (`_node_text`):
`dumps(document(triples))` holds the whole graph in memory (small graphs, and the tests'
reference); `write` streams, holding one node at a time: each node's text is sorted by its id on
disk (`extsort.ExternalSort`) and the merge is copied out, so memory stays within the sort's run
budget whatever the size of the graph (at a million observations the in-memory document is many
GB).

Whatever falls outside that case (a blank node, rdf:first or rdf:nil, a context term that
matches an IRI, two values of a property where one is falsy, which rdflib drops depending on
its iteration order, two subjects compacting to one id, fewer than two nodes) gives None
(`document`) or False (`write`), and the caller uses rdflib.
tests/test_publish.py compares both on the real graph and on literals of every kind;
tests/test_jsonld_stream.py holds `write` to `dumps(document(...))`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.plugins.serializers.jsonld import PLAIN_LITERAL_TYPES
from rdflib.plugins.shared.jsonld.context import UNDEF, Context
from rdflib.plugins.shared.jsonld.keys import ID, VOCAB

from .extsort import DEFAULT_RUN_BYTES, ExternalSort

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE, _RDF_FIRST, _RDF_NIL = _RDF + "type", _RDF + "first", _RDF + "nil"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_NATIVE = frozenset(str(t) for t in PLAIN_LITERAL_TYPES)
# A triple's object as pyoxigraph gives it: blank nodes and quoted triples reach `member`, which
# refuses them.
_Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
# Entries per memo of _Compactor. Terms repeat (classes, codes, units) but most ids occur once or
# twice: a memo that is cleared when full keeps the repeats' benefit with memory that does not
# grow with the graph (at 100k observations, 4096 to 65536 entries ran alike).
_MEMO_LIMIT = 1 << 14
_K = TypeVar("_K")
_V = TypeVar("_V")


class _Unsupported(Exception):
    """The graph needs rdflib's general algorithm."""


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store in a memo of at most `_MEMO_LIMIT` entries (emptied when full): bounded memory on a
    graph of any size."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


class _Compactor:
    """rdflib's Converter rules for IRIs and literals, memoised per term (bounded: `_MEMO_LIMIT`)."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.context = Context(ctx)
        # rdflib's Context computes these on every access
        self.type_key: str = self.context.type_key
        self.lang_key: str = self.context.lang_key
        self.value_key: str = self.context.value_key
        self.ids: dict[str, str] = {}  # IRI of a reference -> its compacted id (codes recur throughout)
        self.types: dict[str, str] = {}  # class IRI -> its compacted name
        self.iri_keys: dict[str, str] = {}  # property IRI -> its key, for an IRI value
        self.literal_keys: dict[tuple[str, str | None, str | None], str] = {}  # (property IRI, datatype, language) -> key
        self.literals: dict[ox.Literal, tuple[str | None, str | None, Any]] = {}  # -> (datatype, language, value)

    def subject_id(self, iri: str) -> str:
        """A subject's @id (not memoised: a subject comes once)."""
        return self.context.shrink_iri(iri)

    def member(self, p: str, o: _Object) -> tuple[str, Any]:
        """The key and the value that the triple (_, p, o) puts in its subject's node."""
        if isinstance(o, ox.NamedNode):
            iri = o.value
            if iri == _RDF_NIL:
                raise _Unsupported("rdf:nil (an RDF list)")
            k = self.iri_keys.get(p)
            if k is None:
                k = _remember(self.iri_keys, p, self._key(p, None))
            if p == _RDF_TYPE:
                v: Any = self.types.get(iri)
                if v is None:
                    symbol = self.context.to_symbol(iri)
                    assert symbol is not None  # rdflib annotates Optional, but every branch returns a str
                    v = _remember(self.types, iri, symbol)
                return k, v
            ref = self.ids.get(iri)
            if ref is None:
                ref = _remember(self.ids, iri, self.context.shrink_iri(iri))
            return k, {"@id": ref}
        if not isinstance(o, ox.Literal):
            raise _Unsupported("a blank node")
        lit = self.literals.get(o)
        if lit is None:
            dt = None if o.language or o.datatype.value == _XSD_STRING else o.datatype.value
            lit = _remember(self.literals, o, (dt, o.language, self._literal(o)))
        probe = (p, lit[0], lit[1])
        k = self.literal_keys.get(probe)
        if k is None:
            k = _remember(self.literal_keys, probe, self._key(p, probe))
        return k, lit[2]

    def _key(self, p: str, literal: tuple[str, str | None, str | None] | None) -> str:
        """The property's key, for an IRI value or a literal of that (_, datatype, language).
        rdflib looks for a context term first (by datatype and language for a literal), which a
        context of prefixes never has: a term found is left to rdflib."""
        if p == _RDF_FIRST:
            raise _Unsupported("rdf:first (an RDF list)")
        ctx = self.context
        # Container None, as rdflib's Converter passes it (find_term treats any falsy one
        # alike); rdflib's annotation leaves None out.
        found = ctx.find_term(p, literal[1], language=literal[2]) if literal is not None else any(ctx.find_term(p, c, None) for c in (ID, VOCAB, UNDEF))  # type: ignore[arg-type]
        if found:
            raise _Unsupported(f"a context term matches {p}")
        if p == _RDF_TYPE:
            return self.type_key
        out = ctx.to_symbol(p)
        assert out is not None  # rdflib annotates Optional, but every branch returns a str
        key_term = ctx.terms.get(out)
        if key_term and (key_term.type or key_term.container):
            raise _Unsupported(f"context term {out} has a type or container")
        return out

    def _literal(self, o: ox.Literal) -> Any:
        """rdflib's Converter.to_raw_value for a literal, on the Literal rdflib would hold."""
        ctx = self.context
        if o.language:  # rdflib keeps a string's text as is: no Literal needed
            return {self.lang_key: o.language, self.value_key: o.value} if o.language != ctx.language else o.value
        if o.datatype.value == _XSD_STRING:
            return o.value
        lit = Literal(o.value, datatype=URIRef(o.datatype.value))  # rdflib may normalise the text
        if str(lit.datatype) in _NATIVE:
            v = lit.toPython()
            return str.__str__(v) if isinstance(v, str) else v  # an ill-typed literal is written as its text
        return {self.type_key: ctx.to_symbol(str(lit.datatype)), self.value_key: str(lit)}  # to_symbol takes str() of it too


def _nodes(ts: Iterable[ox.Triple], c: _Compactor) -> Iterator[dict[str, Any]]:
    """Each subject's node object, in input order, one at a time (so that `write` can stream).

    A subject's triples must be adjacent, as in sorted N-Triples; a subject met again later starts
    another node with the same @id, which the callers refuse like two IRIs compacting to one id.
    Raises _Unsupported."""
    member = c.member
    prev_s: ox.NamedNode | ox.BlankNode | ox.Triple | None = None
    node: dict[str, Any] = {}
    for t in ts:
        s = t.subject
        if s != prev_s:
            if not isinstance(s, ox.NamedNode):
                raise _Unsupported("a blank node")
            if prev_s is not None:
                yield node
            node = {"@id": c.subject_id(s.value)}
            prev_s = s
        k, v = member(t.predicate.value, t.object)
        have = node.get(k)
        if have is None:
            node[k] = v
        elif not have or not v:
            raise _Unsupported("a falsy value among several (rdflib keeps one, by iteration order)")
        elif have.__class__ is list:
            have.append(v)
        else:
            node[k] = [have, v]
    if prev_s is not None:
        yield node


def document(ts: Iterable[ox.Triple], ctx: dict[str, Any]) -> dict[str, Any] | None:
    """rdflib's compacted JSON-LD document of the triples (as json.loads would read it back), or
    None when rdflib's general algorithm is needed."""
    nodes: dict[str, dict[str, Any]] = {}
    try:
        for node in _nodes(ts, _Compactor(ctx)):
            if nodes.setdefault(node["@id"], node) is not node:
                return None  # two subjects compact to one id
    except _Unsupported:
        return None
    if len(nodes) < 2:
        return None
    return {"@context": ctx, "@graph": list(nodes.values())}


def write(triples: Iterable[ox.Triple], ctx: dict[str, Any], out: BinaryIO, workdir: Path | None, run_bytes: int = DEFAULT_RUN_BYTES) -> bool:
    """Write `dumps(document(list(triples), ctx))` to `out` holding one node at a time, and return
    True; or return False where `document` gives None or where the nodes are not ordered by their
    ids (a key sorting before "@id"): then what reached `out` is to be discarded.

    `triples` in sorted N-Triples order (a subject's triples adjacent). Each node's text is a
    record of the external sort, `<id's JSON>\\0<text, line breaks as \\x01>\\n` (JSON text holds
    no raw control character), so the merge gives the nodes in the order of their ids' JSON text, the
    order `dumps` writes; two subjects with one id come out adjacent. Sort runs are anonymous
    files in `workdir` (see ExternalSort), closed, and so gone, before returning; `run_bytes`
    bounds the memory of the nodes' texts waiting to be sorted."""
    with ExternalSort(workdir, run_bytes) as sorter:
        try:
            for node in _nodes(triples, _Compactor(ctx)):
                if min(node) != "@id":
                    return False  # dumps would order the nodes by their whole text
                sorter.add((_string(node["@id"]) + "\0" + _node_text(node, "\x01") + "\n").encode("utf-8"))
        except _Unsupported:
            return False
        if sorter.count < 2:
            return False
        out.write(_head(ctx))
        prev = b""
        for i, line in enumerate(sorter.merged()):
            cut = line.index(b"\0")
            key = line[:cut]
            if key == prev:
                return False  # two subjects compact to one id
            prev = key
            if i:
                out.write(b",\n")
            out.write(line[cut + 1 : -1].replace(b"\x01", b"\n"))
        out.write(_TAIL)
    return True


def dumps(doc: dict[str, Any]) -> bytes:
    """The published bytes: `json.dumps(stable(doc), ensure_ascii=False, indent=1, sort_keys=True)`
    and a newline. A document of a context and a @graph array (what `document` returns) is
    written node by node (`_node_text`, as `write` writes them), so that the whole document never
    exists twice in memory as text."""
    if set(doc) != {"@context", "@graph"} or not isinstance(doc["@graph"], list) or not doc["@graph"]:
        return (json.dumps(stable(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    body = [_head(doc["@context"])]
    for i, node in enumerate(_in_order(doc["@graph"])):
        body.append(((",\n" if i else "") + _node_text(node)).encode("utf-8"))
    body.append(_TAIL)
    return b"".join(body)


def _head(ctx: Any) -> bytes:
    """A document's text up to its first node."""
    text = json.dumps(stable(ctx), ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n ")
    return f'{{\n "@context": {text},\n "@graph": [\n'.encode()


_TAIL = b"\n ]\n}\n"  # after the last node


def _node_text(node: Any, newline: str = "\n") -> str:
    """One item of the @graph array as `dumps` writes it: indented, without its comma; its line
    breaks are `newline` (`write` sorts it as one line)."""
    return "  " + _pretty(node, newline + "  ")


def _compact_encoder() -> Callable[[Any], str]:
    """`json.dumps(value, ensure_ascii=False, sort_keys=True)`. JSONEncoder.encode builds json's C
    encoder anew on every call, most of the cost for a small value: this builds it once (json's
    own encode where the C accelerator is missing)."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    # As JSONEncoder.iterencode calls it, without the check for circular references (markers)
    chunks = make(None, encoder.default, json.encoder.encode_basestring, None, encoder.key_separator, encoder.item_separator, True, False, True)

    def compact(value: Any) -> str:
        return "".join(chunks(value, 0))

    return compact


_compact = _compact_encoder()
_string = json.encoder.encode_basestring  # the C string encoder, for a str without `_compact`'s call
_SCALARS = frozenset({str, int, float, bool, type(None)})


def pretty(value: Any, indent: str, out: list[str]) -> None:
    """Append `json.dumps(stable(value), ensure_ascii=False, indent=1, sort_keys=True)`, its lines
    after the first prefixed with `indent`."""
    out.append(_pretty(value, "\n" + indent))


def _pretty(value: Any, brk: str) -> str:
    """`pretty`'s text, `brk` being the line break and the indent of the line after it.

    json's indenting encoder is pure Python (the C one only writes compact JSON) and took most of
    the JSON-LD writer's time; here strings, other scalars and the sort keys of array items go
    through the C encoder, and each container is one join. Anything else (a subclass, a tuple, a
    key that is not a string) gets json's own text. tests/test_publish.py checks the text against
    json.dumps on the real graph and on nested values of every JSON type."""
    cls = value.__class__
    if cls is str:
        return _string(value)
    if cls is dict:
        if not value:
            return "{}"
        inner = brk + " "
        members = []
        for k in sorted(value):
            if k.__class__ is not str:
                return _exact(value, brk)
            v = value[k]
            vc = v.__class__
            members.append(_string(k) + ": " + (_string(v) if vc is str else _compact(v) if vc in _SCALARS else _pretty(v, inner)))
        return "{" + inner + ("," + inner).join(members) + brk + "}"
    if cls is list:
        if not value:
            return "[]"
        inner = brk + " "
        return "[" + inner + ("," + inner).join([_pretty(v, inner) for v in _in_order(value)]) + brk + "]"
    if cls in _SCALARS:
        return _compact(value)
    return _exact(value, brk)


def _exact(value: Any, brk: str) -> str:
    """json's own text, for what `_pretty` does not model."""
    return json.dumps(stable(value), ensure_ascii=False, indent=1, sort_keys=True).replace("\n", brk)


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
    if len(items) > 1:
        ids = _unique_ids(items)
        if ids is not None:
            return [v for _k, v in sorted(zip(ids, items, strict=True), key=lambda kv: kv[0])]
    return sorted(items, key=_sort_text)


def _unique_ids(items: list[Any]) -> list[str] | None:
    """The JSON text of each item's @id, if every item is a node object whose first key is "@id"
    and no two ids are the same (the order of the ids is then the order of the items' text)."""
    ids = []
    for v in items:
        if not (isinstance(v, dict) and "@id" in v and min(v) == "@id"):
            return None
        i = v["@id"]
        ids.append(_string(i) if i.__class__ is str else json.dumps(i, ensure_ascii=False))
    return ids if len(set(ids)) == len(ids) else None


def _sort_text(value: Any) -> str:
    """The JSON text of `stable(value)` (sorted keys): a scalar's or a dict of scalars' straight
    from the C encoder, since `stable` changes them in nothing."""
    cls = value.__class__
    if cls is dict:
        for v in value.values():
            if v.__class__ not in _SCALARS:
                return _compact(stable(value))
        return _compact(value)
    return _compact(value if cls in _SCALARS else stable(value))
