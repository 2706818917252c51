"""The SHACL gate on a graph too large to index at once: the core screen, part by part.

`gate.validate_triples` indexes the whole union in rdflib terms, about 650 bytes a triple: 22 GB
at 1M observations, beside the pyoxigraph store of the SPARQL screen. Here the same two phases
run with the memory of the largest part, and give the same findings:

* **Core screen, part by part.** The union comes as parts (the build's named graphs, grouped up
  to a budget) in which each subject's whole description lies in one part, except the subjects
  listed as *split* (described in several graphs: code lists, organisations, the dataset), which
  are screened after the parts. A part is indexed as `gate._Index` indexes the whole graph, and
  `gate._Screen` runs its checks unchanged over `_PartIndex`, which answers every lookup as the
  whole index would: a description outside the part (an area, a period, a class, a split
  subject) is read from the sorted union file by binary search (`_SortedNTriples`, cached), an
  inverse step (`sh:inversePath`, subclasses) is asked of the union's pyoxigraph Store. Each
  (shape, focus node) pair is screened once, in the part that holds the focus node's
  description; focus nodes that need not be subjects (`sh:targetNode`, `sh:targetObjectsOf`) and
  split subjects are screened after the parts, with nothing preloaded. A lookup the store cannot
  answer as rdflib would (an inverse step to a literal) makes the pair a candidate: pySHACL
  decides it, as it decides everything the screen cannot.
* **SPARQL screen** on that Store, as in `gate` (in memory: on disk it took 5x longer at 100k
  observations), its queries run ahead in a thread while the parts are screened (`_Ahead`:
  pyoxigraph evaluates without the GIL, so the two use both cores); the literals pyoxigraph stores differently from rdflib are accounted part by
  part (`_PartForms`) with memory bounded by the distinct integer values.
* **Report**: pySHACL on the candidates, as in `gate`, over the rdflib graph of the whole union
  parsed from the file: the one step whose memory grows with the graph, reached only when the
  screen has candidates (a graph with findings, or features the screen does not model).

Where the parts cannot be screened this way (blank nodes, which the Store renames; shapes the
screen does not model; SPARQL-based targets), `validate_parts` runs `gate.validate_triples` on the
whole union file instead, and says why in `GateStats.fallback`.
"""

from __future__ import annotations

import mmap
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shape import Shape
from rdflib import Graph, Literal, URIRef

from . import blankfree, gate, rdfio
from . import validate as _v
from .gate import PASS, UNKNOWN, GateStats, _Index, _no_gc, _Oxi, _Queryable, _Screen, _Timer

DEFAULT_PART_BYTES = 128 << 20  # N-Quads text per part: ~600k quads, ~400 MB of index
_FETCH_CACHE = 200_000  # descriptions read from the file and kept (areas, periods, classes...)
_MEMO_NODES = 2_000_000  # nested-shape memo entries kept across parts before they are dropped
_RDF_TYPE = gate._RDF_TYPE


class NotPartitionable(Exception):
    """The data or shapes need the whole-graph gate (the reason is the message)."""


class _Inexact(BaseException):
    """A lookup the store cannot answer exactly as rdflib would: the pair becomes a candidate.
    A BaseException, so that it crosses the `except Exception` of pySHACL's components run by
    the screen (`gate`'s c_delegate reads "any trouble" as FAIL, which an sh:not would turn into
    a pass) and reaches the screen's loop."""


# --- the union file: sorted N-Triples, looked up by subject ------------------------------------


class _SortedNTriples:
    """The build's ntp-kg.nt (lines sorted bytewise, so by subject: an IRI holds no '>' and no
    space) as an on-disk spo index: a subject's lines are found by binary search over the mapped
    file, without reading the rest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        size = os.fstat(self._fd).st_size
        self._mm: mmap.mmap | None = mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ) if size else None
        self.size = size

    def close(self) -> None:
        if self._mm is not None:
            self._mm.close()
            self._mm = None
        os.close(self._fd)

    def _line_from(self, pos: int) -> tuple[int, int]:
        """(start, end) of the first line starting at or after `pos` (end excludes the newline)."""
        mm = self._mm
        assert mm is not None
        if pos > 0:
            nl = mm.find(b"\n", pos - 1)
            pos = self.size if nl < 0 else nl + 1
        end = mm.find(b"\n", pos) if pos < self.size else -1
        return pos, (self.size if end < 0 else end)

    def lines_of(self, subject: bytes) -> bytes:
        """The lines (with their newlines) whose subject is `subject`, an N-Triples term."""
        mm = self._mm
        if mm is None:
            return b""
        key = subject + b" "
        lo, hi = 0, self.size  # the first line >= key starts in [lo, hi]; lo, hi are line starts
        while lo < hi:
            start, end = self._line_from((lo + hi) // 2)
            if start >= hi:  # no line starts in the upper half: walk the lower one
                start, end = self._line_from(lo)
                while start < hi and mm[start:end][: len(key)] < key:
                    start, end = self._line_from(end + 1)
                lo = hi = min(start, hi)
                break
            if mm[start:end][: len(key)] < key:
                lo = min(end + 1, self.size)
            else:
                hi = start
        out = lo
        while out < self.size and mm[out : out + len(key)] == key:
            nl = mm.find(b"\n", out)
            out = self.size if nl < 0 else nl + 1
        return mm[lo:out]


# --- the index of one part, answering for the whole union --------------------------------------


class _PartIndex(_Index):
    """`gate._Index` of one part, whose lookups answer for the whole union (module docstring).
    `pos` stays the part's own (the part's targets are read from it); `subjects` is global."""

    def __init__(
        self, part: _Index, union: _SortedNTriples, store: Callable[[], ox.Store], fetched: dict[Any, dict[Any, dict[Any, Any]]], stats: GateStats
    ) -> None:
        super().__init__(part.spo, None, part.triples)
        self._union, self._store, self._fetched, self._stats = union, store, fetched, stats
        self._inverse: dict[tuple[Any, Any], list[Any]] = {}

    def row(self, s: Any) -> dict[Any, dict[Any, Any]]:
        r = self.spo.get(s)
        if r is not None:
            return r
        r = self._fetched.get(s)
        if r is None:
            if type(s) is not URIRef:  # a literal is no subject (and the parts hold no blank node)
                return self._EMPTY
            if len(self._fetched) >= _FETCH_CACHE:
                self._fetched.clear()
            lines = self._union.lines_of(b"<" + s.encode("utf-8") + b">")
            self._stats.fetched += 1
            r = self._fetched[s] = _index_of(ox.parse(lines, format=ox.RdfFormat.N_TRIPLES))[0].spo.get(s, {}) if lines else {}
        return r

    def objects(self, s: Any = None, p: Any = None) -> Iterable[Any]:
        r = self.spo.get(s)  # the screen's hottest call: the part's own rows without a second call
        if r is None:
            r = self.row(s)
        return r.get(p, self._EMPTY).keys()

    def subjects(self, p: Any = None, o: Any = None) -> Iterable[Any]:
        key = (p, o)
        hit = self._inverse.get(key)
        if hit is None:
            if isinstance(o, Literal) or type(p) is not URIRef:
                raise _Inexact(f"inverse step from a literal or a non-IRI predicate: {p} {o!r}")
            new_str = str.__new__
            hit = []
            for q in self._store().quads_for_pattern(None, ox.NamedNode(p), ox.NamedNode(o), ox.DefaultGraph()):
                if type(q.subject) is not ox.NamedNode:
                    raise _Inexact("a blank node in the store")
                hit.append(new_str(URIRef, q.subject.value))
            self._stats.inverse_lookups += 1
            self._inverse[key] = hit
        return hit


# --- literals the store keeps differently, part by part -------------------------------------------


class _PartForms:
    """`gate._StoredForms`'s verdict (does every literal keep its rdflib form in the Store, and
    its datatype?) with memory bounded by the distinct integer values, not by the literals: a
    literal whose lexical form the Store keeps collides with another only when both are stored
    as xsd:integer (xsd:nonNegativeInteger "5" and xsd:integer "5"), so only those are kept."""

    def __init__(self) -> None:
        self.identity = self.datatype = False
        self.count = 0
        self._ints: dict[str, Any] = {}  # lexical form stored as xsd:integer -> rdflib term

    def _lossy(self) -> None:
        self.identity = True
        self.count += 1

    def _as_integer(self, lex: str, t: Literal) -> None:
        prev = self._ints.setdefault(lex, t)
        if prev is not t and prev != t:
            self._lossy()

    def add(self, terms: dict[Any, Any]) -> None:
        """The literals of one part (pyoxigraph term -> rdflib term, `_Index.of_ox`)."""
        unpredicted: list[tuple[Literal, Any]] = []
        for o, t in terms.items():
            if type(o) is not ox.Literal:
                continue
            if o.value != str(t) or (o.language and o.language != t.language):  # pyoxigraph lower-cases tags
                self._lossy()
                continue
            if o.language:
                continue
            form = gate.predicted_form(o)
            if form is None:
                unpredicted.append((t, o))
            elif form[1] == gate._XSD_INTEGER_S:
                self.datatype = self.datatype or o.datatype.value != gate._XSD_INTEGER_S
                self._as_integer(form[0], t)
        for (t, _o), got in zip(unpredicted, gate.read_back([o for _t, o in unpredicted]), strict=True):
            if got.value != str(t):
                self._lossy()
            elif got.datatype.value != str(t.datatype):
                self.datatype = True
                if got.datatype.value == gate._XSD_INTEGER_S:
                    self._as_integer(got.value, t)
                else:  # re-typed to a type not tracked here: assume the worst
                    self._lossy()
            elif got.datatype.value == gate._XSD_INTEGER_S:
                self._as_integer(got.value, t)

    def oxi(self, store: _Queryable) -> _Oxi:
        return _Oxi(store, _FromStore(self), self.identity, self.datatype, self.count)


class _FromStore:
    """`_Oxi.back` without a table of every literal. When no two rdflib literals share a stored
    form and every lexical form is kept, a stored literal converts back directly (`rdfio._from_ox`,
    as the parts were converted), except an xsd:integer, which may have been re-typed: its rdflib
    term is the one noted for its lexical form."""

    def __init__(self, forms: _PartForms) -> None:
        self._forms = forms

    def get(self, t: Any) -> Any:
        if type(t) is not ox.Literal or self._forms.identity:
            return None
        if self._forms.datatype and not t.language and t.datatype.value == gate._XSD_INTEGER_S:
            return self._forms._ints.get(t.value)
        return rdfio._from_ox(t)


# --- the SPARQL screen, run ahead -------------------------------------------------------------------

_AHEAD_ROWS = 10_000
"""Rows of one query kept when it is run ahead; a query with more (a graph with many findings) is
run again when the screen asks for it."""


class _Ahead:
    """The union's Store, with the SPARQL screen's queries (`gate.screen_queries`) run ahead in a
    thread while the parts are screened in Python. pyoxigraph evaluates a query without the GIL,
    so on two cores the screen's queries (20 s at 100k observations) and the core screen
    (37 s) no longer follow each other. The store is read only, so a row run ahead is the row the
    screen would get; a query that failed, or had more than `_AHEAD_ROWS` rows, is run again when
    asked for (and fails, or is read, where the screen handles it). A query in `empty` is not run:
    its answer is known to have no row (`blankfree`, on a union without blank nodes); each is one
    of `texts`."""

    def __init__(self, store: ox.Store | Future[ox.Store], texts: list[str], empty: Collection[str] = ()) -> None:
        self._source = store
        self._rows: dict[str, Future[list[Any] | None]] = {t: Future() for t in texts}
        for t in empty:
            self._rows[t].set_result([])
        texts = [t for t in texts if t not in empty]
        self._stop = False
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, args=(texts,), name="ntp-kg-gate-sparql", daemon=True)
        self._thread.start()

    def _store(self) -> ox.Store:
        return self._source.result() if isinstance(self._source, Future) else self._source

    def _run(self, texts: list[str]) -> None:
        try:
            st = self._store()
        except BaseException:  # the gate meets the same failure when it waits for the store
            st = None
        for text in texts:
            rows: list[Any] | None = None
            if st is not None and not self._stop:
                t0 = time.perf_counter()
                try:
                    rows = list(islice(st.query(text, use_default_graph_as_union=True), _AHEAD_ROWS + 1))  # type: ignore[arg-type]
                except Exception:  # noqa: BLE001 - asked again by the screen, which handles it
                    rows = None
                self.seconds += time.perf_counter() - t0
            self._rows[text].set_result(rows if rows is not None and len(rows) <= _AHEAD_ROWS else None)

    def query(self, query: str, *, use_default_graph_as_union: bool = False) -> Any:
        ahead = self._rows.get(query) if use_default_graph_as_union else None
        rows = ahead.result() if ahead is not None else None
        if rows is not None:
            return iter(rows)
        return self._store().query(query, use_default_graph_as_union=use_default_graph_as_union)

    def stop(self) -> None:
        """No further query is started (the gate ended early); the one running finishes."""
        self._stop = True


# --- the gate -------------------------------------------------------------------------------------


def _index_of(quads: Iterable[Any]) -> tuple[_Index, dict[Any, Any]]:
    """`_Index.of_ox` of parsed quads (their graphs ignored)."""
    return _Index.of_ox((q.subject, q.predicate, q.object) for q in quads)


def _target_key(shape: Shape) -> tuple[Any, ...]:
    return tuple(tuple(sorted(map(str, x))) for x in shape.target())


def _subclasses(index: _PartIndex, classes: dict[Any, set[Any]], c: Any) -> set[Any]:
    """c and its subclasses (asked of the store once per class for the whole run)."""
    subs = classes.get(c)
    if subs is None:
        subs = classes[c] = index.subclasses(c)
    return subs


def _part_targets(index: _PartIndex, shape: Shape, *, classes: dict[Any, set[Any]]) -> set[Any]:
    """The shape's focus nodes among the part's subjects: class and subjects-of targets
    (`gate._targets` on the whole graph, restricted to the subjects the part describes)."""
    _nodes, cls, implicit, _objects_of, subjects_of = shape.target()
    out: set[Any] = set()
    by_type = index.pos(_RDF_TYPE)
    for tc in {*cls, *implicit}:
        for sub in _subclasses(index, classes, tc):
            out.update(by_type.get(sub, index._EMPTY))
    for p in subjects_of:
        for os_ in index.pos(p).values():
            out.update(os_)
    return out


def _loose_targets(index: _PartIndex, shape: Shape, *, split: Collection[Any], classes: dict[Any, set[Any]], store: ox.Store, forms: _PartForms) -> set[Any]:
    """Focus nodes no part screens: sh:targetNode, sh:targetObjectsOf, and split subjects that
    are class or subjects-of targets."""
    nodes, cls, implicit, objects_of, subjects_of = shape.target()
    out: set[Any] = set(nodes)
    for p in objects_of:
        out.update(_focus(q.object, shape, forms) for q in store.quads_for_pattern(None, ox.NamedNode(p), None, ox.DefaultGraph()))
    wanted = set().union(*(_subclasses(index, classes, tc) for tc in {*cls, *implicit}))
    for s in split:
        if any(t in wanted for t in index.objects(s, _RDF_TYPE)) or any(p in index.row(s) for p in subjects_of):
            out.add(s)
    return out


def _store_targets(shape: Shape, store: ox.Store, forms: _PartForms) -> set[Any]:
    """The shape's focus nodes as the store finds them (`gate._target_pattern`), as rdflib terms."""
    pattern = gate._target_pattern(shape)
    if pattern is None:
        raise NotPartitionable(f"the targets of {shape.node} cannot be asked of the store")
    return {_focus(row["this"], shape, forms) for row in store.query(f"SELECT ?this WHERE {pattern}")}  # type: ignore[union-attr]


def _focus(t: Any, shape: Shape, forms: _PartForms) -> Any:
    """A focus node the store gave, as the rdflib term the parts have."""
    if type(t) is ox.NamedNode:
        return URIRef(t.value)
    r = _FromStore(forms).get(t)
    if r is None:
        raise NotPartitionable(f"a focus node of {shape.node} is a literal the store keeps in another form, or a blank node")
    return r


def _part_text(blocks: Iterable[bytes], part_bytes: int) -> Iterator[bytes]:
    """Blocks (graphs, or runs of whole subjects) joined into parts of about `part_bytes`."""
    buf: list[bytes] = []
    size = 0
    for b in blocks:
        buf.append(b)
        size += len(b)
        if size >= part_bytes:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


def subject_blocks(union: Path, block_bytes: int = 16 << 20) -> Iterator[bytes]:
    """The sorted union file in blocks that end where a subject ends: parts for data without
    named graphs (each subject's description is then in one block)."""
    with open(union, "rb") as f:
        carry = b""
        while chunk := f.read(block_bytes):
            data = carry + chunk
            last = data.rfind(b"\n")
            if last < 0:
                carry = data
                continue
            cut = data.rfind(b"\n", 0, last) + 1  # the start of the last whole line
            subject = data[cut : data.index(b" ", cut)] + b" "
            while cut > 0:  # back to the start of the last subject's lines, which may go on
                prev = data.rfind(b"\n", 0, cut - 1) + 1
                if not data.startswith(subject, prev):
                    break
                cut = prev
            if cut == 0:
                carry = data
                continue
            yield data[:cut]
            carry = data[cut:]
        if carry:
            yield carry


def validate_parts(
    union: Path,
    parts: Iterable[bytes],
    store: ox.Store | Future[ox.Store],
    *,
    split: Collection[bytes] = (),
    blank_nodes: bool = False,
    quads: bool = True,
    part_bytes: int = DEFAULT_PART_BYTES,
    shapes: Graph | None = None,
    stats: GateStats | None = None,
    screen_sparql: bool = True,
    screen_core: bool = True,
    progress: Callable[[str], None] | None = None,
) -> _v.ValidationReport:
    """The findings of `gate.validate_triples` on the union in `union` (sorted, de-duplicated
    N-Triples, as the build writes ntp-kg.nt), with the memory of one part.

    `parts`: the same statements as N-Quads (`quads=True`, graphs ignored) or N-Triples text, in
    blocks joined up to `part_bytes`; every subject's lines lie in one block, except subjects in
    `split` (N-Triples terms, e.g. b"<https://...>"). `store`: the union in a pyoxigraph Store's
    default graph (or its loading), read only. `blank_nodes`: whether the union has any (then the
    whole-graph gate runs). `progress` is told as each part is screened."""
    stats = stats if stats is not None else GateStats()
    tell = progress if progress is not None else (lambda _step: None)
    t0 = time.perf_counter()
    with _Timer(stats, "load shapes"):
        eng = gate.engine(shapes)
    top = [s for s in eng.shapes if not s.deactivated]
    why = (
        "blank nodes (the store renames them)" if blank_nodes
        else f"shapes the screen does not model: {eng.unsupported}" if eng.unsupported
        else "SPARQL-based targets" if any(s.advanced_target() for s in top)
        else None
    )
    if why is not None:
        return _whole(union, shapes, stats, why)
    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    texts = gate.screen_queries(eng) if screen_sparql else []
    empty = {t for t in texts if blankfree.empty_without_blank_nodes(t)}
    stats.known_empty = len(empty)
    ahead = _Ahead(store, texts, empty)
    file = _SortedNTriples(union)
    loaded: list[ox.Store] = []

    def union_store() -> ox.Store:
        """The Store, waited for when first needed: its loading goes on beside the first parts'
        screens until an inverse step (or the SPARQL screen) asks for it."""
        if not loaded:
            with _Timer(stats, "wait for the union's store"):
                loaded.append(store.result() if isinstance(store, Future) else store)
        return loaded[0]

    try:
        split_iris = {URIRef(s[1:-1].decode("utf-8")) for s in split}
        fetched: dict[Any, dict[Any, dict[Any, Any]]] = {}
        forms = _PartForms()
        classes: dict[Any, set[Any]] = {}
        candidates: dict[Any, set[Any]] = {}
        screened = [(s, eng.compiled(s)) for s in top]
        memo_owner: _Screen | None = None

        def screen_all(index: _PartIndex, targets: Callable[[Shape], set[Any]]) -> None:
            nonlocal memo_owner
            screen = _Screen(eng, index)
            if memo_owner is not None and sum(len(m) for m in memo_owner._conforms.values()) < _MEMO_NODES:
                screen._conforms = memo_owner._conforms  # nested verdicts are the whole graph's: keep them
            memo_owner = screen
            for shape, c in screened:
                if not (c.checks or c.unknown):
                    continue
                tgts = targets(shape)
                if not tgts:
                    continue
                if c.unknown and str(shape.node) not in stats.unknown_shapes:
                    stats.unknown_shapes.append(str(shape.node))
                if c.unknown or not screen_core:
                    candidates.setdefault(shape.node, set()).update(tgts)
                    continue
                stats.focus_pairs += len(tgts)
                hits = []
                for f in tgts:
                    try:
                        r = screen.top_level(c, f)
                    except _Inexact:
                        r = UNKNOWN
                    if r != PASS:
                        hits.append(f)
                if hits:
                    candidates.setdefault(shape.node, set()).update(hits)

        triples = 0
        with _Timer(stats, "screen: core (Python), part by part"), _no_gc():
            for text in _part_text(parts, part_bytes):
                stats.parts += 1
                rows = ox.parse(text, format=fmt)
                part, terms = _index_of(rows)
                forms.add(terms)
                del terms
                for s in split_iris:
                    part.spo.pop(s, None)
                index = _PartIndex(part, file, union_store, fetched, stats)
                screen_all(index, partial(_part_targets, index, classes=classes))
                tell(f"SHACL gate: part {stats.parts} screened ({part.triples:,} triples)")
                del part, index
            index = _PartIndex(_Index({}, None, 0), file, union_store, fetched, stats)
            st = union_store()
            screen_all(index, partial(_loose_targets, index, split=split_iris, classes=classes, store=st, forms=forms))
            triples = len(st)
        tell("SHACL gate: every part screened; the SPARQL constraints next, on the whole graph")
        stats.triples = triples
        stats.lossy_literals = forms.count

        target_cache: dict[tuple[Any, ...], set[Any]] = {}

        def targets_of(shape: Shape) -> set[Any]:
            """A SPARQL shape's focus nodes, from the store: asked for only when its screen has
            rows (a finding, normally none) or its shape has sh:targetNode."""
            key = _target_key(shape)
            hit = target_cache.get(key)
            if hit is None:
                hit = target_cache[key] = _store_targets(shape, st, forms)
            return hit

        made: list[DataGraph] = []

        def dg() -> DataGraph:
            if not made:
                with _Timer(stats, "rdflib graph for pySHACL"):
                    made.append(DataGraph.from_rdflib(_index_of(ox.parse(path=union, format=ox.RdfFormat.N_TRIPLES))[0].to_graph()))
            return made[0]

        report = gate._sparql_and_report(eng, stats, t0, candidates, targets_of, lambda: forms.oxi(ahead), dg, screen_sparql=screen_sparql, reference=None)
        stats.add("(thread) SPARQL screen run ahead", ahead.seconds)
        return report
    except NotPartitionable as exc:
        return _whole(union, shapes, stats, str(exc))
    finally:
        ahead.stop()
        file.close()


def _whole(union: Path, shapes: Graph | None, stats: GateStats, why: str) -> _v.ValidationReport:
    """The whole-graph gate on the union file (all in memory)."""
    report = gate.validate_triples(list(ox.parse(path=union, format=ox.RdfFormat.N_TRIPLES)), shapes, stats=stats)
    stats.fallback = stats.fallback or f"whole graph: {why}"
    return report
