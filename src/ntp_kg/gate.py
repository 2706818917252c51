"""A fast SHACL gate: the findings of `validate.validate`, in a fraction of the time.

pySHACL evaluates every shape on every focus node in Python: nested shapes are re-validated per
value node with a full report built for each nested failure, and a SPARQL constraint is run once
per focus node. On our graphs nearly every (shape, focus node) pair conforms, so the gate works in
two phases:

1. **Screen** (fast, whole graph): find the (shape, focus node) pairs that *may* have results.
   * SPARQL constraints (Data Cube ICs, duplicates, consistency, provenance) run ONCE each, as
     SPARQL on pyoxigraph over the union of all graphs, with the shape's targets joined in front
     of the query's pattern (`{ SELECT DISTINCT ?this { <targets> } }`), which for these queries
     gives the rows pySHACL's pre-binding of `$this` gives; a focus node with a row is a candidate.
     A query that does not use `$this` (shapes:NoBlankNodes) runs once and its rows become the
     results directly, through pySHACL's own result builder. shapes:IC-12-sparql (quadratic as a
     join in pyoxigraph) has an equivalent GROUP BY screen, used while its text is unchanged.
   * Core constraints (counts, classes, datatypes, patterns, qualified and logical shapes...) are
     checked in Python straight on rdflib's store indexes, with a three-valued logic (pass, fail,
     unknown): a check only answers "pass" where pySHACL certainly reports nothing. Nested shapes
     are evaluated without building reports, their conformance memoised per (shape, node).
2. **Report** (exact): pySHACL itself validates each shape on its candidate focus nodes only, on the
   same data (a zero-copy union view of the dataset), with the shapes parsed once and each SPARQL
   constraint parsed once. A (shape, focus node) pair's results do not depend on the other focus
   nodes, so the findings are those of a full run: same severity, focus node, path, value, source
   shape, constraint component and message.

Whatever the screen cannot decide is a candidate (it costs time, never correctness): features it
does not model (custom constraint components, sh:rule, SPARQL targets, recursive shapes, nested
SPARQL, shapes of severity other than sh:Violation used inside other shapes), literals that
pyoxigraph would store differently from rdflib (it canonicalises "062"^^xsd:integer to "62"...),
and SPARQL constraints whose `$this` sits where a join is not the same as pre-binding (in a UNION
branch, a sub-select, MINUS, GRAPH, SERVICE, or a FILTER/BIND of a nested group).

Two differences with `validate.validate`, both in its disfavour: (1) a GROUP_CONCAT in a message
(shapes:TotalAgreesWithSummands lists the summands) lists terms in rdflib's iteration order, which
for `validate.validate` (a union copy cloned by pySHACL) follows Python's string hashing and so
changes between runs; the gate's follows insertion order and does not (`reference_order=True`
reproduces `validate.validate`'s order in this process); (2) where rdflib raises on an ill-typed
literal inside a SPARQL constraint (ABS("46.4"^^xsd:integer) is a TypeError that aborts
`validate.validate`), pyoxigraph's screen treats it as a SPARQL error (no row), so the gate reports
the datatype violation instead of crashing, unless that focus node is a candidate for the shape.

`validate(data)` is a drop-in replacement for `ntp_kg.validate.validate(data)`. The build has no
rdflib Dataset: `validate_triples(triples)` (pyoxigraph triples of the union graph) and
`validate_ntriples(text)` run the same phases on the same data, with the rdflib index built from
the pyoxigraph terms, the SPARQL screen's store loaded from the text in a thread meanwhile, and an
rdflib Graph made only for pySHACL's report phase when it has work (normally it has none). The
build itself screens the graph a part at a time (`gate_parts`, over this module's index, checks
and SPARQL screen), so that its memory does not grow with the whole graph's index.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, cast
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.stores.memory import Memory

from . import quadtext, rdfio
from . import validate as _v

# pySHACL internals (pinned by pyproject: pyshacl >= 0.30, < 1; the gate's tests compare it with
# a full pySHACL run, so a change of behaviour shows there).
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.core.cardinality_constraints import MaxCountConstraintComponent, MinCountConstraintComponent
from pyshacl.constraints.core.logical_constraints import (
    AndConstraintComponent,
    NotConstraintComponent,
    OrConstraintComponent,
    XoneConstraintComponent,
)
from pyshacl.constraints.core.other_constraints import HasValueConstraintComponent, InConstraintComponent
from pyshacl.constraints.core.shape_based_constraints import (
    NodeConstraintComponent,
    PropertyConstraintComponent,
    QualifiedValueShapeConstraintComponent,
)
from pyshacl.constraints.core.string_based_constraints import (
    LanguageInConstraintComponent,
    MaxLengthConstraintComponent,
    MinLengthConstraintComponent,
    PatternConstraintComponent,
    StringBasedConstraintBase,
    UniqueLangConstraintComponent,
)
from pyshacl.constraints.core.value_constraints import (
    ClassConstraintComponent,
    DatatypeConstraintComponent,
    NodeKindConstraintComponent,
)
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.errors import ConstraintLoadWarning
from pyshacl.functions import gather_functions
from pyshacl.graph_abstraction import DataGraph
from pyshacl.helper.expression_helper import value_nodes_from_path
from pyshacl.pytypes import SHACLExecutor
from pyshacl.rules import gather_rules
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.target import apply_target_types, gather_target_types
from pyshacl.validator import Validator

PASS, UNKNOWN, FAIL = 0, 1, 2
_RDF_TYPE, _SUBCLASS = RDF.type, RDFS.subClassOf
_XSD = str(XSD)


@dataclass
class GateStats:
    """What the gate did, for benchmarks: seconds per phase and counts. Phases do not overlap (an
    rdflib graph made on demand by `validate_triples`, only when pySHACL has work, is its own
    phase), except "(thread) ..." phases: work done in a thread while the others ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    triples: int = 0
    focus_pairs: int = 0  # (shape, focus node) pairs screened in Python
    candidates: int = 0  # (shape, focus node) pairs handed to pySHACL
    sparql_fallbacks: list[str] = field(default_factory=list)  # constraints screened as "all targets"
    unknown_shapes: list[str] = field(default_factory=list)  # shapes the Python screen cannot model
    lossy_literals: int = 0
    fallback: str | None = None  # why the whole graph went to pySHACL, if it did
    parts: int = 0  # parts screened one at a time (gate_parts)
    fetched: int = 0  # descriptions read from the union file, outside their part (gate_parts)
    inverse_lookups: int = 0  # inverse steps asked of the store (gate_parts)
    known_empty: int = 0  # SPARQL screen queries not run: no row possible without blank nodes (gate_parts)
    _nested: float = field(default=0.0, repr=False)  # seconds of inner phases, taken out of outer ones

    def add(self, phase: str, seconds: float) -> None:
        self.seconds[phase] = self.seconds.get(phase, 0.0) + seconds


class _Timer:
    """Adds a phase's seconds to the stats, less those of phases timed inside it."""

    def __init__(self, stats: GateStats, phase: str) -> None:
        self.stats, self.phase = stats, phase

    def __enter__(self) -> None:
        self.t, self.nested = time.perf_counter(), self.stats._nested

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.t
        inner = self.stats._nested - self.nested
        self.stats.add(self.phase, elapsed - inner)
        self.stats._nested = self.nested + elapsed


# --- the data: a union view for pySHACL, indexes for the screen --------------------------------


class _Index:
    """spo and pos dictionaries of the union, in rdflib terms. Offers the `objects`/`subjects`
    calls of pySHACL's path walker, so the screen reads no rdflib Graph. Without a complete pos
    (`pos=None`), each predicate's pos is made from spo the first time it is asked for: the screen
    asks for a few predicates (rdf:type, rdfs:subClassOf, those of targets and inverse paths), so
    most triples never need one."""

    def __init__(self, spo: dict[Any, dict[Any, dict[Any, Any]]], pos: dict[Any, dict[Any, dict[Any, Any]]] | None, triples: int) -> None:
        self.spo, self.triples = spo, triples
        self._pos, self._pos_complete = (pos, True) if pos is not None else ({}, False)
        self._sup: dict[Any, frozenset[Any]] = {}
        self._inst: dict[Any, dict[Any, bool]] = {}

    @classmethod
    def of_graph(cls, g: Graph, union_of_store: bool) -> _Index:
        """rdflib Memory's own indexes when they are exactly the union (no copy), else built once."""
        store = g.store
        if union_of_store and type(store) is Memory:
            return cls(store._Memory__spo, store._Memory__pos, len(store))  # type: ignore[attr-defined]
        spo: dict[Any, dict[Any, dict[Any, Any]]] = {}
        for s, p, o in g.triples((None, None, None)):
            spo.setdefault(s, {}).setdefault(p, {})[o] = 1
        return cls(spo, None, sum(len(os_) for po in spo.values() for os_ in po.values()))

    @classmethod
    def of_ox(cls, triples: Iterable[Any]) -> tuple[_Index, dict[Any, Any]]:
        """The index of pyoxigraph triples (or quads: their graph is ignored), each distinct term
        converted to rdflib once, as rdflib parses N-Triples (`rdfio._from_ox`: a ^^xsd:string
        literal is a plain one, lexical forms normalised by rdflib's Literal). Also returns the
        conversion of blank nodes and literals (for `_Oxi.back`). Dictionaries keep the triples'
        order: the order rdflib iterates later (GROUP_CONCAT in messages).

        Made for speed (the build's whole graph passes here): an IRI's URIRef is made without
        rdflib's validity check (pyoxigraph has checked it; URIRef is a str with no state), and
        a subject's row is looked up once per run of triples (sorted input keeps them together)."""
        iris: dict[Any, URIRef] = {}
        others: dict[Any, Any] = {}
        from_ox = rdfio._from_ox
        named, new_str = ox.NamedNode, str.__new__

        def conv(t: Any) -> Any:
            if type(t) is named:
                r = iris.get(t)
                if r is None:
                    r = iris[t] = new_str(URIRef, t.value)
                return r
            other = others.get(t)
            if other is None:
                other = others[t] = from_ox(t)  # TypeError for a quoted triple (RDF-star)
            return other

        spo: dict[Any, dict[Any, dict[Any, Any]]] = {}
        n = 0
        last_s: Any = None
        po: dict[Any, Any] = {}
        rows: Iterable[Any] = triples
        if isinstance(triples, Sequence) and triples and type(triples[0]) is not ox.Triple:
            rows = ((qs, qp, qo) for qs, qp, qo, _g in triples)  # quads unpack to four
        for ts, tp, to in rows:
            if ts != last_s:
                last_s = ts
                s = conv(ts)
                row = spo.get(s)
                if row is None:
                    row = spo[s] = {}
                po = row
            p, o = conv(tp), conv(to)
            os_ = po.get(p)
            if os_ is None:
                os_ = po[p] = {}
            if o not in os_:
                os_[o] = 1
                n += 1
        return cls(spo, None, n), others

    def pos(self, p: Any) -> dict[Any, dict[Any, Any]]:
        """object -> subjects for predicate p."""
        by_o = self._pos.get(p)
        if by_o is None:
            if self._pos_complete:
                return self._EMPTY
            by_o = self._pos[p] = {}
            for s, po in self.spo.items():
                os_ = po.get(p)
                if os_ is not None:
                    for o in os_:
                        subs = by_o.get(o)
                        if subs is None:
                            subs = by_o[o] = {}
                        subs[s] = 1
        return by_o

    _EMPTY: dict[Any, dict[Any, Any]] = {}  # a missing row, at either depth

    def to_graph(self) -> Graph:
        """The indexed triples as an rdflib Graph (for pySHACL's report phase), in index order."""
        g = Graph()
        g.addN((s, p, o, g) for s, po in self.spo.items() for p, os_ in po.items() for o in os_)
        return g

    def objects(self, s: Any = None, p: Any = None) -> Iterable[Any]:
        return self.spo.get(s, self._EMPTY).get(p, self._EMPTY).keys()

    def subjects(self, p: Any = None, o: Any = None) -> Iterable[Any]:
        return self.pos(p).get(o, self._EMPTY).keys()

    def superclasses(self, t: Any) -> frozenset[Any]:
        """t and everything it is rdfs:subClassOf+ (rdflib's transitive_objects)."""
        sup = self._sup.get(t)
        if sup is None:
            seen, todo = {t}, [t]
            while todo:
                for c in self.objects(todo.pop(), _SUBCLASS):
                    if c not in seen:
                        seen.add(c)
                        todo.append(c)
            sup = self._sup[t] = frozenset(seen)
        return sup

    def subclasses(self, c: Any) -> set[Any]:
        seen, todo = {c}, [c]
        while todo:
            for s in self.subjects(_SUBCLASS, todo.pop()):
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return seen

    def is_instance(self, v: Any, cls: Any) -> bool:
        """pySHACL's sh:class test: a type of v is cls or has cls among its superclasses."""
        memo = self._inst.get(cls)
        if memo is None:
            memo = self._inst[cls] = {}
        r = memo.get(v)
        if r is None:
            r = memo[v] = (not isinstance(v, Literal)) and any(
                t == cls or cls in self.superclasses(t) for t in self.objects(v, _RDF_TYPE)
            )
        return r


# --- the shapes: pySHACL's, plus a compiled screen per shape -----------------------------------

_SEARCH = [*ALL_CONSTRAINT_PARAMETERS]
_PARAM_MAP = dict(CONSTRAINT_PARAMETERS_MAP)
try:  # SHACL-AF node expressions, as pySHACL adds them in advanced mode
    from pyshacl.constraints.advanced import ExpressionConstraint, SH_expression

    _SEARCH.append(SH_expression)
    _PARAM_MAP[SH_expression] = ExpressionConstraint
except ImportError:  # pragma: no cover
    pass

Check = Callable[["_Screen", Any, Any], int]  # (screen, focus, value nodes) -> state


@dataclass
class _Compiled:
    shape: Shape
    deactivated: bool
    checks: list[Check]
    sparql: list[Any]  # pySHACL SPARQLQueryHelper objects (top-level only)
    nested_ok: bool  # conformance as a nested shape is "no results" (all sh:Violation, modelled)
    unknown: bool  # some constraint is not modelled: every focus node is a candidate
    sparql_comp: Any = None  # the shape's pySHACL SPARQLBasedConstraint (builds its results)
    path: Any = None  # property shapes: the sh:path (a predicate IRI or a path node)

    def __post_init__(self) -> None:
        if self.shape.is_property_shape:
            self.path = self.shape.path()


class _Engine:
    """pySHACL's shapes graph, loaded once per shapes Graph, and the gate's compiled screens."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes_graph = shapes
        # As pyshacl.validate(..., advanced=True, inference="none", allow_warnings=True, allow_infos=True).
        self.validator = Validator(
            DataGraph.from_rdflib(Graph()),
            shacl_graph=shapes,
            options={"advanced": True, "inference": "none", "inplace": True, "allow_warnings": True, "allow_infos": True},
        )
        self.sg: ShapesGraph = self.validator.shacl_graph
        self.executor: SHACLExecutor = self.validator.make_executor()
        self.shapes: list[Shape] = list(self.sg.shapes)
        apply_target_types(gather_target_types(self.sg))
        for s in self.shapes:
            s.set_advanced(True)
        self.unsupported: str | None = None
        if gather_functions(self.executor, self.sg) or gather_rules(self.executor, self.sg):
            self.unsupported = "the shapes use SHACL functions or rules"
        elif self.sg.custom_constraints:
            self.unsupported = "the shapes declare custom constraint components"
        self._compiled: dict[Any, _Compiled] = {}
        self._compiling: set[Any] = set()

    # -- compiling --------------------------------------------------------------------------------
    def compiled(self, shape: Shape) -> _Compiled:
        c = self._compiled.get(shape.node)
        if c is None:
            if shape.node in self._compiling:  # recursive shapes: not modelled
                return _Compiled(shape, False, [], [], False, True)
            self._compiling.add(shape.node)
            try:
                c = self._compiled[shape.node] = self._compile(shape)
            finally:
                self._compiling.discard(shape.node)
        return c

    def _other(self, shape: Shape, node: Any) -> _Compiled | None:
        if self.sg.is_filtered_out_shape(node):
            return None
        other = shape.get_other_shape(node)
        return None if other is None else self.compiled(other)

    def _compile(self, shape: Shape) -> _Compiled:
        sg = self.sg
        params = [p for p, _o in sg.predicate_objects(shape.node) if p in _SEARCH]
        classes: list[type] = []
        for p in params:
            cls = _PARAM_MAP[p]
            if cls not in classes:
                classes.append(cls)
        checks: list[Check] = []
        sparql: list[Any] = []
        sparql_comp = None
        unknown = False
        nested_ok = shape.severity == SH.Violation
        for cls in classes:
            try:
                comp = cls(shape)  # parses the parameters exactly as pySHACL does
            except ConstraintLoadWarning:
                continue  # pySHACL skips such a component too
            if isinstance(comp, SPARQLBasedConstraint):
                sparql.extend(h for h in comp.sparql_constraints if not h.deactivated)
                sparql_comp = comp
                nested_ok = False  # a nested SPARQL constraint is screened as "unknown"
                continue
            check, ok = self._check_for(shape, comp)
            if check is None:
                unknown = True
            else:
                checks.append(check)
            nested_ok = nested_ok and ok
        if shape.find_custom_constraints():
            unknown = True
        return _Compiled(shape, bool(shape.deactivated), checks, sparql, nested_ok and not unknown, unknown, sparql_comp)

    def _check_for(self, shape: Shape, comp: Any) -> tuple[Check | None, bool]:
        """A screen for one constraint component, and whether nested shapes it uses are modelled."""
        if isinstance(comp, ClassConstraintComponent):
            rules = list(comp.class_rules)

            def c_class(sc: _Screen, f: Any, vn: Any) -> int:
                inst = sc.index.is_instance
                return FAIL if any(not inst(v, r) for r in rules for v in vn) else PASS

            return c_class, True
        if isinstance(comp, DatatypeConstraintComponent):
            rule = comp.datatype_rule

            def c_datatype(sc: _Screen, f: Any, vn: Any) -> int:
                for v in vn:
                    if not _datatype_matches(comp, v, rule):
                        return FAIL
                return PASS

            return c_datatype, True
        if isinstance(comp, NodeKindConstraintComponent):
            kinds = _NODE_KINDS.get(comp.nodekind_rule, ())

            def c_nodekind(sc: _Screen, f: Any, vn: Any) -> int:
                for v in vn:
                    kind = "B" if isinstance(v, BNode) else "L" if isinstance(v, Literal) else "I"
                    if kind not in kinds:
                        return FAIL
                return PASS

            return c_nodekind, True
        if isinstance(comp, MinCountConstraintComponent):
            n = int(comp.min_count.value)
            return (lambda sc, f, vn: FAIL if len(vn) < n else PASS), True
        if isinstance(comp, MaxCountConstraintComponent):
            m = int(comp.max_count.value)
            return (lambda sc, f, vn: FAIL if len(vn) > m else PASS), True
        if isinstance(comp, InConstraintComponent):
            vals = comp.in_vals
            return (lambda sc, f, vn: FAIL if any(v not in vals for v in vn) else PASS), True
        if isinstance(comp, HasValueConstraintComponent):
            hvs = list(comp.has_value_set)
            return (lambda sc, f, vn: FAIL if any(not any(v == hv for v in vn) for hv in hvs) else PASS), True
        if isinstance(comp, (PatternConstraintComponent, MinLengthConstraintComponent, MaxLengthConstraintComponent, LanguageInConstraintComponent, UniqueLangConstraintComponent)):
            return self._string_check(comp), True
        if isinstance(comp, (PropertyConstraintComponent, NodeConstraintComponent)):
            # sh:property and sh:node both fail when a nested shape does not conform for a value node
            # (pySHACL fails sh:node on any nested result too: the worst state of the nested shapes).
            names = comp.property_shapes if isinstance(comp, PropertyConstraintComponent) else comp.node_shapes
            subs = [s for s in (self._other(shape, n) for n in names) if s is not None]

            def c_nested(sc: _Screen, f: Any, vn: Any) -> int:
                state = PASS
                for sub in subs:
                    for v in vn:
                        st = sc.results(sub, v)
                        if st == FAIL:
                            return FAIL
                        state = max(state, st)
                return state

            return c_nested, all(s.nested_ok for s in subs)
        if isinstance(comp, QualifiedValueShapeConstraintComponent):
            if comp.is_disjoint:
                return None, False
            subs = [s for s in (self._other(shape, n) for n in comp.value_shapes) if s is not None]
            lo, hi = comp.min_count, comp.max_count

            def c_qualified(sc: _Screen, f: Any, vn: Any) -> int:
                if not vn and (lo is None or lo < 1):
                    return PASS
                state = PASS
                for sub in subs:
                    sure = maybe = 0
                    for v in vn:
                        st = sc.conforms(sub, v)
                        sure += st == PASS
                        maybe += st != FAIL
                    if (hi is not None and sure > hi) or (lo is not None and maybe < lo):
                        return FAIL
                    if (hi is not None and maybe > hi) or (lo is not None and sure < lo):
                        state = UNKNOWN
                return state

            return c_qualified, True
        if isinstance(comp, (OrConstraintComponent, AndConstraintComponent, XoneConstraintComponent)):
            lists = comp.or_list if isinstance(comp, OrConstraintComponent) else comp.and_list if isinstance(comp, AndConstraintComponent) else comp.xone_nodes
            groups: list[list[_Compiled]] = []
            for lst in lists:
                found = [self._other(shape, n) for n in self.sg.graph.items(lst)]
                members = [m for m in found if m is not None]
                if not isinstance(comp, XoneConstraintComponent):  # pySHACL uses sets for or/and
                    members = list({id(m): m for m in members}.values())
                groups.append(members)
            kind = type(comp)

            def c_logical(sc: _Screen, f: Any, vn: Any) -> int:
                state = PASS
                for members in groups:
                    if not members:
                        continue
                    for v in vn:
                        sts = [sc.conforms(m, v) for m in members]
                        if kind is OrConstraintComponent:
                            st = PASS if PASS in sts else FAIL if all(s == FAIL for s in sts) else UNKNOWN
                        elif kind is AndConstraintComponent:
                            st = FAIL if FAIL in sts else PASS if all(s == PASS for s in sts) else UNKNOWN
                        else:
                            sure, maybe = sts.count(PASS), sum(s != FAIL for s in sts)
                            st = PASS if sure == 1 and maybe == 1 else FAIL if maybe == 0 or sure >= 2 else UNKNOWN
                        if st == FAIL:
                            return FAIL
                        state = max(state, st)
                return state

            return c_logical, True
        if isinstance(comp, NotConstraintComponent):
            subs = [s for s in (self._other(shape, n) for n in comp.not_list) if s is not None]

            def c_not(sc: _Screen, f: Any, vn: Any) -> int:
                state = PASS
                for sub in subs:
                    for v in vn:
                        st = sc.conforms(sub, v)
                        if st == PASS:
                            return FAIL
                        state = max(state, UNKNOWN if st == UNKNOWN else PASS)
                return state

            return c_not, True
        if type(comp).__module__.startswith("pyshacl.constraints.core."):
            # Value ranges, property pairs, closed shapes...: pySHACL's own component, per focus
            # node, reading the index (objects/subjects) instead of rdflib. Building a result (or
            # anything else the index cannot answer) raises or reports: then it is a candidate, and
            # the report phase runs the component on the real graph.
            def c_delegate(sc: _Screen, f: Any, vn: Any) -> int:
                try:
                    ok, reports = comp.evaluate(sc.executor, sc.index, {f: set(vn)}, [])
                except Exception:  # noqa: BLE001 - any trouble means "let pySHACL decide"
                    return FAIL
                return FAIL if (reports or not ok) else PASS

            return c_delegate, True
        return None, False

    def _string_check(self, comp: Any) -> Check:
        to_str: Callable[[Any], str] = StringBasedConstraintBase.value_node_to_string  # untyped in pySHACL
        if isinstance(comp, PatternConstraintComponent):
            # pySHACL types string_rules as any node; for sh:pattern it has checked each is a Literal
            rules = [comp.compiled_cache[r] for r in cast("list[Literal]", comp.string_rules)]
            if not comp.allow_multi_rules:
                rules = rules[:1]

            def c_pattern(sc: _Screen, f: Any, vn: Any) -> int:
                for rx in rules:
                    for v in vn:
                        if isinstance(v, BNode):
                            return FAIL
                        s = to_str(v)
                        if not (rx.match(s) or rx.search(s)):
                            return FAIL
                return PASS

            return c_pattern
        if isinstance(comp, (MinLengthConstraintComponent, MaxLengthConstraintComponent)):
            # pySHACL types string_rules as any node; for sh:minLength/maxLength it has checked a Literal
            n = cast(Literal, comp.string_rules[0]).value
            is_min = isinstance(comp, MinLengthConstraintComponent)

            def c_length(sc: _Screen, f: Any, vn: Any) -> int:
                for v in vn:
                    if is_min and n == 0:
                        continue
                    if isinstance(v, BNode):
                        return FAIL
                    k = len(to_str(v))
                    if (k < n) if is_min else (k > n):
                        return FAIL
                return PASS

            return c_length
        if isinstance(comp, LanguageInConstraintComponent):
            members = list(self.sg.graph.items(comp.string_rules[0]))
            if not all(isinstance(x, Literal) and not x.language and x.datatype in (None, XSD.string) for x in members):
                # A member that is not a plain string (an IRI, a blank node, a typed literal) is
                # an error pySHACL reports when it runs the component: every focus node goes to
                # pySHACL (a candidate), which reports it.
                return lambda sc, f, vn: UNKNOWN
            need = {str(cast(Literal, x).value).lower() for x in members}
            wildcard = "*" in need

            def c_lang(sc: _Screen, f: Any, vn: Any) -> int:
                for v in vn:
                    lang = v.language if isinstance(v, Literal) else None
                    if not lang:
                        return FAIL
                    low = str(lang).lower()
                    if not (wildcard or low in need or low.split("-")[0] in need):
                        return FAIL
                return PASS

            return c_lang
        unique = next(iter(comp.string_rules))  # UniqueLang

        def c_unique(sc: _Screen, f: Any, vn: Any) -> int:
            if not unique:
                return PASS
            seen: set[str] = set()
            for v in vn:
                if isinstance(v, Literal) and v.language:
                    low = str(v.language).lower()
                    if low in seen:
                        return FAIL
                    seen.add(low)
            return PASS

        return c_unique


_NODE_KINDS = {
    SH.BlankNode: ("B",), SH.IRI: ("I",), SH.Literal: ("L",),
    SH.BlankNodeOrIRI: ("B", "I"), SH.BlankNodeOrLiteral: ("B", "L"), SH.IRIOrLiteral: ("I", "L"),
}


_RDFS_LITERAL, _RDFS_DATATYPE, _XSD_STRING, _RDF_LANGSTRING = RDFS.Literal, RDFS.Datatype, XSD.string, RDF.langString


def _datatype_matches(comp: DatatypeConstraintComponent, v: Any, rule: Any) -> bool:
    """pySHACL's DatatypeConstraintComponent.evaluate, for one value node."""
    if not isinstance(v, Literal):
        return False
    datatype, lang = v.datatype, v.language
    if datatype == rule:
        if getattr(v, "ill_typed", None) is True:
            return False
        return bool(comp._assert_actual_datatype(v, rule))
    if rule == _RDFS_LITERAL:
        return True
    if rule == _RDFS_DATATYPE and datatype:
        return True
    if datatype is None and lang is None and rule == _XSD_STRING:
        return bool(comp._assert_actual_datatype(v, rule))
    if rule == _RDF_LANGSTRING and lang:
        return bool(comp._assert_actual_datatype(v, rule))
    return False


# --- phase 1a: core constraints in Python ---------------------------------------------------------


class _Screen:
    def __init__(self, engine: _Engine, index: _Index) -> None:
        self.engine, self.index, self.executor = engine, index, engine.executor
        self._conforms: dict[int, dict[Any, int]] = {}

    def value_nodes(self, c: _Compiled, f: Any) -> Any:
        path = c.path
        if path is None:
            return (f,)
        if type(path) is URIRef:
            return self.index.objects(f, path)
        return value_nodes_from_path(self.engine.sg, f, path, self.index)

    def results(self, c: _Compiled, f: Any) -> int:
        """Does validating f against c give any result? PASS (certainly none), FAIL, UNKNOWN."""
        if c.deactivated:
            return PASS
        if c.unknown or (c.sparql and not c.checks):
            return UNKNOWN
        vn = self.value_nodes(c, f)
        st = UNKNOWN if c.sparql else PASS
        for check in c.checks:
            r = check(self, f, vn)
            if r == FAIL:
                return FAIL
            if r > st:
                st = r
        return st

    def conforms(self, c: _Compiled, f: Any) -> int:
        """Does f conform to c as a nested shape? PASS (conforms), FAIL (does not), UNKNOWN.
        Memoised: nested shapes meet the same nodes again (periods, codes, areas)."""
        if c.deactivated:
            return PASS
        if not c.nested_ok:
            return UNKNOWN
        memo = self._conforms.get(id(c))
        if memo is None:
            memo = self._conforms[id(c)] = {}
        st = memo.get(f)
        if st is None:
            r = self.results(c, f)
            st = memo[f] = FAIL if r == FAIL else PASS if r == PASS else UNKNOWN
        return st

    def top_level(self, c: _Compiled, f: Any) -> int:
        """Results of the core constraints of a top-level shape (its SPARQL ones are screened apart)."""
        if c.unknown:
            return UNKNOWN
        vn = self.value_nodes(c, f)
        st = PASS
        for check in c.checks:
            r = check(self, f, vn)
            if r == FAIL:
                return FAIL
            st = max(st, r)
        return st


def _targets(index: _Index, shape: Shape, dg: Callable[[], DataGraph]) -> set[Any]:
    """pySHACL's Shape.focus_nodes, on the index (SPARQL targets through pySHACL itself, on the
    data graph, made for them if need be)."""
    if shape.advanced_target():
        return set(shape.focus_nodes(dg()))
    nodes, classes, implicit, objects_of, subjects_of = shape.target()
    out: set[Any] = set(nodes)
    for tc in {*classes, *implicit}:
        for sub in index.subclasses(tc):
            out.update(index.subjects(_RDF_TYPE, sub))
    for p in subjects_of:
        for os_ in index.pos(p).values():
            out.update(os_)
    for p in objects_of:
        out.update(index.pos(p).keys())
    return out


# --- phase 1b: SPARQL constraints on pyoxigraph ---------------------------------------------------

_NATIVE = {_XSD + t for t in (
    "boolean float double decimal integer nonPositiveInteger negativeInteger long int short byte "
    "nonNegativeInteger unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger dateTime "
    "dateTimeStamp time date gYearMonth gYear gMonthDay gDay gMonth duration yearMonthDuration dayTimeDuration"
).split()}
_INTEGERS = {_XSD + t for t in (
    "integer nonPositiveInteger negativeInteger long int short byte nonNegativeInteger unsignedLong "
    "unsignedInt unsignedShort unsignedByte positiveInteger"
).split()}
_CANON = {
    _XSD + "decimal": re.compile(r"0|-?[1-9][0-9]*(\.[0-9]*[1-9])?|-?0\.[0-9]*[1-9]"),
    _XSD + "date": re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"),
    _XSD + "gYear": re.compile(r"[0-9]{4}"),
    _XSD + "boolean": re.compile(r"true|false"),
}
_INT_CANON = re.compile(r"0|-?[1-9][0-9]*")


class _Back(Protocol):
    def get(self, t: Any, /) -> Any: ...


class _Queryable(Protocol):
    """A read-only Store as the SPARQL screen uses it (a Store, or gate_parts' `_Ahead`)."""

    def query(self, query: str, *, use_default_graph_as_union: bool = ...) -> Any: ...


@dataclass
class _Oxi:
    store: _Queryable
    back: _Back  # pyoxigraph term -> rdflib term, for blank nodes and literals (a dict, or gate_parts' conversion)
    lossy_identity: bool  # two rdflib terms became one, or a lexical form / language tag changed
    lossy_datatype: bool  # a datatype changed (e.g. xsd:nonNegativeInteger -> xsd:integer)
    lossy_count: int


class _StoredForms:
    """What pyoxigraph's Store will hold for each literal, against the rdflib term pySHACL reads.

    The Store keeps valid literals of its native datatypes in canonical form ("1.50"^^xsd:decimal
    becomes "1.5", "5"^^xsd:nonNegativeInteger becomes "5"^^xsd:integer) and a plain literal and
    its explicit ^^xsd:string twin as one term; rdflib keeps them apart (and normalises some
    lexical forms itself: "062"^^xsd:integer is "62" once parsed). Each literal's stored form is
    predicted (or read back from a scratch store, `finish`) to see whether the mapping stays
    one-to-one and keeps rdflib's lexical forms (else `lossy_identity`) and datatypes (else
    `lossy_datatype`). Both ways into the gate (an rdflib Dataset, pyoxigraph triples) feed it."""

    def __init__(self) -> None:
        self.back: dict[Any, Any] = {}  # pyoxigraph term (given and stored forms) -> rdflib term
        self.identity = self.datatype = False
        self.count = 0
        self._native: list[tuple[Literal, Any]] = []  # stored form not predicted: read back
        self._keys: dict[tuple[str, str], Any] = {}

    def _stored(self, lex: str, datatype: str, t: Literal) -> None:
        """The Store holds (lex, datatype) for rdflib term t: same lexical form, and no other term?"""
        prev = self._keys.setdefault((lex, datatype), t)
        if lex != str(t) or (prev is not t and prev != t):
            self.identity = True
            self.count += 1

    def blank(self, t: BNode, o: Any) -> None:
        self.back[o] = t

    def literal(self, t: Literal, o: Any) -> None:
        """Note rdflib literal `t`, given to the Store as pyoxigraph literal `o`."""
        lex, lang = o.value, o.language
        if lang:
            if lang != t.language or lex != str(t):  # pyoxigraph lower-cases language tags
                self.identity = True
                self.count += 1
        else:
            form = predicted_form(o)
            if form is None:
                self._native.append((t, o))
            else:
                if form[1] != o.datatype.value:  # an integer subtype, stored as xsd:integer
                    self.datatype = True
                    self.back[ox.Literal(form[0], datatype=ox.NamedNode(form[1]))] = t
                self._stored(*form, t)
        self.back[o] = t

    def finish(self, store: ox.Store) -> _Oxi:
        """The store with what is known of its literals, once the unpredicted ones are read back."""
        native = self._native
        for (t, _o), got in zip(native, read_back([o for _t, o in native]), strict=True):
            if got.value == str(t) and got.datatype.value != str(t.datatype):
                self.datatype = True
            self._stored(got.value, got.datatype.value, t)
            self.back.setdefault(got, t)
        return _Oxi(store, self.back, self.identity, self.datatype, self.count)


_XSD_INTEGER_S = _XSD + "integer"


def predicted_form(o: ox.Literal) -> tuple[str, str] | None:
    """(lexical form, datatype IRI) that a Store keeps for a literal without a language tag; None
    when it cannot be predicted (a native datatype in a form that is not canonical: `read_back`)."""
    lex, sdt = o.value, o.datatype.value
    if sdt not in _NATIVE:  # xsd:string (a plain literal) included: kept as is
        return lex, sdt
    rx = _INT_CANON if sdt in _INTEGERS else _CANON.get(sdt)
    if rx is None or not rx.fullmatch(lex):
        return None
    return lex, (_XSD_INTEGER_S if sdt in _INTEGERS else sdt)


def read_back(literals: Sequence[ox.Literal]) -> list[ox.Literal]:
    """What a Store keeps for each of `literals`, read back from a scratch Store."""
    if not literals:
        return []
    scratch = ox.Store()
    subj = [ox.NamedNode(f"urn:x-ntp-kg:gate:lit:{i}") for i in range(len(literals))]
    p = ox.NamedNode("urn:x-ntp-kg:gate:value")
    scratch.bulk_extend([ox.Quad(s, p, o) for s, o in zip(subj, literals, strict=True)])
    stored = {q.subject.value: q.object for q in scratch}
    return [stored[s.value] for s in subj]


def _to_oxigraph(index: _Index) -> _Oxi:
    """The union of an rdflib index as one pyoxigraph default graph (`validate`), each term
    converted once, noting literals pyoxigraph would not keep as is (`_StoredForms`)."""
    cache: dict[Any, Any] = {}
    forms = _StoredForms()
    iri_cache: dict[str, Any] = {}
    plain = str.__str__

    def conv(t: Any) -> Any:
        if type(t) is URIRef:  # the common case, keyed by the plain string (rdflib's hash is slow)
            k = plain(t)
            o = iri_cache.get(k)
            if o is None:
                o = iri_cache[k] = ox.NamedNode(k)
            return o
        o = cache.get(t)
        if o is not None:
            return o
        if isinstance(t, URIRef):
            o = ox.NamedNode(str(t))
        elif isinstance(t, BNode):
            try:
                o = ox.BlankNode(str(t))
            except ValueError:
                o = ox.BlankNode()
            forms.blank(t, o)
        elif isinstance(t, Literal):
            lex = str(t)
            if t.language:
                o = ox.Literal(lex, language=t.language)
            elif t.datatype is None:
                o = ox.Literal(lex)
            else:
                o = ox.Literal(lex, datatype=ox.NamedNode(str(t.datatype)))
            forms.literal(t, o)
        else:  # pragma: no cover - rdflib graphs hold no other terms
            raise TypeError(f"cannot convert {t!r}")
        cache[t] = o
        return o

    quads: list[ox.Quad] = []
    add, quad = quads.append, ox.Quad
    for s, po in index.spo.items():
        cs = conv(s)
        for p, os_ in po.items():
            cp = conv(p)
            for o in os_:
                add(quad(cs, cp, conv(o)))
    store = ox.Store()
    store.bulk_extend(quads)
    return forms.finish(store)


def _ox_store(triples: Sequence[Any]) -> ox.Store:
    """pyoxigraph triples (or quads, whose graph is ignored) in one Store's default graph."""
    store = ox.Store()
    quad, default = ox.Quad, ox.DefaultGraph()
    store.bulk_extend(t if type(t) is quad and t.graph_name == default else quad(t.subject, t.predicate, t.object) for t in triples)
    return store


def _load_store(ntriples: bytes, stats: GateStats) -> ox.Store:
    """N-Triples text in a Store, timed. Runs in a thread beside the index (`bulk_extend` of
    Python terms would hold the GIL)."""
    t = time.perf_counter()
    store = quadtext.ntriples_store(ntriples)
    stats.add(_THREAD_PHASE, time.perf_counter() - t)
    return store


_THREAD_PHASE = "(thread) pyoxigraph store load"


def _oxi_of_triples(store: ox.Store, terms: dict[Any, Any]) -> _Oxi:
    """`_Oxi` of pyoxigraph triples: their blank nodes and literals (and the rdflib terms they were
    converted to, `_Index.of_ox`) noted exactly as `_to_oxigraph` notes an rdflib graph's."""
    forms = _StoredForms()
    lit, blank = ox.Literal, ox.BlankNode
    for o, t in terms.items():
        if type(o) is lit:
            forms.literal(t, o)
        elif type(o) is blank:
            forms.blank(t, o)
    return forms.finish(store)


def _strip(text: str) -> str:
    """The query with IRIs, strings and comments blanked (same length), for structural scans."""
    out = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>', lambda m: " " * len(m.group(0)), text)
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)), out)


_THIS = re.compile(r"[$?]this\b")


def _this_is_joinable(q: str) -> bool:
    """True when joining the targets in front of the WHERE pattern gives the rows pySHACL's
    pre-binding of $this gives: every $this is in a triple pattern of the top group, of a plain
    nested group or of an OPTIONAL (joined on ?this); in a FILTER of the top group or of an OPTIONAL
    (a left-join condition); in a BIND of the top group; or anywhere inside an EXISTS whose FILTER
    is itself in such a place (EXISTS substitutes the solution's bindings). Anything else (UNION
    branches, sub-selects, MINUS, GRAPH, SERVICE, VALUES, FILTER of a nested group) is refused."""
    s = _strip(q)
    where = re.search(r"\bWHERE\s*\{", s, re.I) or re.search(r"\{", s)
    if where is None:
        return False
    body_start = where.end() - 1
    if re.search(r"\b(MINUS|SERVICE|GRAPH|VALUES)\b", s, re.I) or len(re.findall(r"\bSELECT\b", s, re.I)) > 1:
        return not _THIS.search(s, body_start)
    match: dict[int, int] = {}
    opened: list[int] = []
    for i in range(body_start, len(s)):
        if s[i] == "{":
            opened.append(i)
        elif s[i] == "}" and opened:
            match[opened.pop()] = i
    # frames: (triples ok, FILTER ok, BIND ok, open-paren positions in this block)
    frames: list[tuple[bool, bool, bool, list[int]]] = []
    i = body_start
    end = match.get(body_start, len(s) - 1)
    while i <= end:
        ch = s[i]
        if ch == "{":
            before = s[:i]
            if not frames:
                frame = (True, True, True)
            else:
                t_ok, f_ok, b_ok, parens = frames[-1]
                close = match.get(i, len(s) - 1)
                if re.search(r"\bEXISTS\s*$", before, re.I):
                    kind = _expression_kind(s, parens[0] if parens else i)
                    ok = (f_ok if kind != "BIND" else b_ok) if kind else False
                    frame = (ok, ok, ok)
                elif re.search(r"\bUNION\s*$", before, re.I) or re.match(r"\s*UNION\b", s[close + 1:], re.I):
                    frame = (False, False, False)
                elif re.search(r"\bOPTIONAL\s*$", before, re.I):
                    frame = (t_ok, t_ok, False)
                elif len(frames) > 1 and all(frames[-1][:3]):
                    frame = (True, True, True)  # inside an EXISTS: substitution reaches everything
                else:
                    frame = (t_ok, False, False)
            frames.append((*frame, []))
        elif ch == "}":
            frames.pop()
        elif ch == "(":
            frames[-1][3].append(i)
        elif ch == ")":
            if frames[-1][3]:
                frames[-1][3].pop()
        elif _THIS.match(s, i):
            t_ok, f_ok, b_ok, parens = frames[-1]
            if parens:
                kind = _expression_kind(s, parens[0])
                if not (f_ok if kind == "FILTER" else b_ok if kind == "BIND" else False):
                    return False
            elif not t_ok:
                return False
        i += 1
    return True


def _expression_kind(s: str, paren: int) -> str | None:
    """FILTER or BIND: the keyword an expression starting at `paren` belongs to."""
    m = re.search(r"\b(FILTER|BIND)\s*(NOT\s+EXISTS|EXISTS|[A-Za-z_][\w:]*)?\s*$", s[:paren], re.I)
    return m.group(1).upper() if m else None


def _target_pattern(shape: Shape) -> str | None:
    """The shape's targets as a SPARQL group binding ?this (SHACL instances: rdf:type/rdfs:subClassOf*);
    None when they cannot be written so (SPARQL-based targets, blank-node classes)."""
    try:
        return _target_pattern_or_raise(shape)
    except ValueError:
        return None


def _target_pattern_or_raise(shape: Shape) -> str | None:
    if shape.advanced_target():
        return None
    nodes, classes, implicit, objects_of, subjects_of = shape.target()
    parts = []
    nodes = list(nodes)
    if nodes:
        parts.append("VALUES ?this { " + " ".join(_n3(n) for n in nodes) + " }")
    for c in sorted({*classes, *implicit}, key=str):
        parts.append(f"?this <{RDF.type}>/<{RDFS.subClassOf}>* {_n3(c)} .")
    for p in subjects_of:
        parts.append(f"?this {_n3(p)} ?gate_target_o .")
    for p in objects_of:
        parts.append(f"?gate_target_s {_n3(p)} ?this .")
    if not parts:
        return None
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join("{ " + x + " }" for x in parts) + " } }"


def _n3(t: Any) -> str:
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, Literal):
        return t.n3()
    raise ValueError(f"cannot write {t!r} in a target pattern")


_QB, _DIM, _NTP = "http://purl.org/linked-data/cube#", "http://purl.org/linked-data/sdmx/2009/dimension#", "https://w3id.org/ntp-kg/def/ontology#"
_IC12_DIMS = f"<{_QB}dataSet> ?dataset ; <{_DIM}refArea> ?area ; <{_DIM}refPeriod> ?period ; <{_NTP}indicator> ?indicator ; <{_NTP}programme> ?programme ; <{_NTP}status> ?status"

# Faster screens for particular constraints, used only while the constraint's query and prefixes
# are exactly those they were written for (`_query_key`); a changed shape gets the generic screen.
# Each returns ?this for exactly the focus nodes whose pre-bound query has a row (the gate's tests
# plant the violations they find).
_SCREEN_OVERRIDES: dict[str, str] = {
    # shapes:IC-12-sparql joins each observation to every observation sharing its indicator
    # (pyoxigraph: 2 s at 10k observations, quadratic). Same answer by grouping: $this has a row
    # iff some ?value != $this shares its data set and five dimensions, i.e. iff one of $this's
    # (data set, dimensions) tuples is shared by two or more distinct observations.
    "8253d7d73f90c08331fc42a8f7b0781947e7ceb142a453c1c4a74aeaceae33f7": (
        "SELECT DISTINCT ?this WHERE { "
        "{ SELECT ?dataset ?area ?period ?indicator ?programme ?status WHERE { ?o " + _IC12_DIMS + " . } "
        "GROUP BY ?dataset ?area ?period ?indicator ?programme ?status HAVING (COUNT(DISTINCT ?o) > 1) } "
        "?this " + _IC12_DIMS + " . }"
    ),
}


def _query_key(helper: Any, text: str) -> str:
    """A constraint's query (whitespace-normalised) and its prefixes, hashed."""
    import hashlib

    key = " ".join(text.split()) + "\n" + "\n".join(f"{k} {v}" for k, v in sorted(helper.prefixes.items()))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _sparql_candidates(helper: Any, shape: Shape, oxi: _Oxi, all_targets: Callable[[], set[Any]]) -> tuple[set[Any] | None, str | None]:
    """Focus nodes for which one SPARQL constraint returns a row; None if it cannot be screened."""
    _binds, text = helper.pre_bind_variables(URIRef(_THIS_PLACEHOLDER))  # checks it, substitutes $PATH
    if re.search(r"\b(DATATYPE|sameTerm)\s*\(", _strip(text), re.I) and oxi.lossy_datatype:
        return None, "datatype-sensitive query on literals pyoxigraph re-types"
    if oxi.lossy_identity:
        return None, "literals pyoxigraph stores differently"
    kind, query = screen_query(helper, shape)
    if kind == "none":
        return None, query
    rows = oxi.store.query(query, use_default_graph_as_union=True)
    if kind == "override":
        return {_back(oxi, row["this"]) for row in rows}, None
    if kind == "plain":
        for row in rows:
            if any(_bound(row, v) for v in ("this", "path", "value", "failure")):
                return all_targets(), None
        return set(), None
    out: set[Any] = set()
    for row in rows:
        t = row["this"]
        if isinstance(t, ox.Literal):  # its stored form may differ from rdflib's
            return None, "literal focus nodes"
        if t is not None:
            out.add(_back(oxi, t))
    return out, None


_THIS_PLACEHOLDER = "urn:x-ntp-kg:gate:this"
ScreenKind = TypingLiteral["override", "plain", "rewritten", "none"]


def screen_query(helper: Any, shape: Shape) -> tuple[ScreenKind, str]:
    """The query the SPARQL screen sends the store for one constraint of `shape`, and its kind:
    our own rewrite ("override"), the constraint as it is when it does not use $this ("plain"),
    or with the shape's targets joined in ("rewritten"); or "none" and why it cannot be screened.
    It depends on the shapes alone, not on the data: the queries can be run ahead (gate_parts
    runs them beside the core screen)."""
    _binds, text = helper.pre_bind_variables(URIRef(_THIS_PLACEHOLDER))
    if re.search(r"\$(shapesGraph|currentShape)\b|\?(shapesGraph|currentShape)\b", text):
        return "none", "uses $shapesGraph or $currentShape"
    override = _SCREEN_OVERRIDES.get(_query_key(helper, text))
    if override is not None:
        return "override", override
    query: str = helper.apply_prefixes(text)
    if not helper.bind_this_regex.search(text):
        return "plain", query
    proj = re.search(r"\bSELECT\b(.*?)\bWHERE\b|\bSELECT\b(.*?)\{", _strip(text), re.I | re.S)
    if proj is None or not _THIS.search(proj.group(1) or proj.group(2) or "") or not _this_is_joinable(text):
        return "none", "$this not projected, or not where a join equals pre-binding"
    targets = _target_pattern(shape)
    if targets is None:
        return "none", "SPARQL-based targets"
    s = _strip(query)
    m = re.search(r"\bWHERE\s*\{", s, re.I) or re.search(r"\{", s)
    assert m is not None
    return "rewritten", query[: m.end()] + " " + targets + " " + query[m.end():]


def screen_queries(eng: _Engine) -> list[str]:
    """Every query `_sparql_and_report`'s screen may send the store (`screen_query`, and the
    whole-graph rows of constraints without $this), in the order it sends them."""
    out: dict[str, None] = {}
    for shape in eng.shapes:
        if shape.deactivated:
            continue
        for helper in eng.compiled(shape).sparql:
            kind, text = screen_query(helper, shape)
            if kind == "override":  # a constraint without $this is also asked as it is (_whole_graph_rows)
                _binds, raw = helper.pre_bind_variables(URIRef(_THIS_PLACEHOLDER))
                if not helper.bind_this_regex.search(raw):
                    out[helper.apply_prefixes(raw)] = None
            if kind != "none":
                out[text] = None
    return list(out)


_PLAIN_PROJECTION = re.compile(r"^\s*SELECT\s+(DISTINCT\s+|REDUCED\s+)?((?:[?$]\w+\s*)+)(WHERE\s*)?\{", re.I)


def _whole_graph_rows(helper: Any, oxi: _Oxi) -> list[dict[str, Any]] | None:
    """The rows of a SPARQL constraint that does not use $this, as rdflib terms, when pyoxigraph
    gives exactly rdflib's rows: a plain projection of data terms (no expression, aggregate,
    BIND, sub-select or VALUES) over data that pyoxigraph stores as is. Else None."""
    if oxi.lossy_identity:
        return None
    _binds, text = helper.pre_bind_variables(URIRef(_THIS_PLACEHOLDER))
    if helper.bind_this_regex.search(text):
        return None
    body = _strip(text)
    m = _PLAIN_PROJECTION.match(body)
    if m is None or re.search(r"\b(BIND|GROUP|HAVING|VALUES|SERVICE|MINUS|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b", body, re.I) or len(re.findall(r"\bSELECT\b", body, re.I)) > 1:
        return None
    names = [v[1:] for v in m.group(2).split()]
    rows: list[dict[str, Any]] = []
    for sol in oxi.store.query(helper.apply_prefixes(text), use_default_graph_as_union=True):
        row: dict[str, Any] = {}
        for name in names:
            t = sol[name]
            if t is None:
                continue
            if isinstance(t, ox.NamedNode):
                row[name] = URIRef(t.value)
            else:
                back = oxi.back.get(t)
                if back is None:
                    return None
                row[name] = back
        rows.append(row)
    return rows


def _sparql_results(comp: Any, helper: Any, shape: Shape, rows: list[dict[str, Any]], focus: Iterable[Any], data_graph: Callable[[], DataGraph]) -> list[Any]:
    """pySHACL's SPARQLBasedConstraint._validate_sparql_query and _evaluate_sparql_constraint, on
    rows computed once (the query does not depend on the focus node). The data graph (which the
    report reads blank nodes from) is asked for only when there are results."""
    if not rows:
        return []
    violations: list[Any] = []
    dedup: set[bool] = set()
    for r in rows:
        var_dict = dict(r)
        f = var_dict.pop("failure", None)
        if f is not None:
            if True in dedup:
                continue
            violations.append((True, var_dict))
            dedup.add(True)
        else:
            p, v, t = var_dict.pop("path", None), var_dict.pop("value", None), var_dict.pop("this", None)
            if (p is not None) or (v is not None) or (t is not None):
                if (t, p, v, var_dict) in violations:
                    continue
                violations.append((t, p, v, var_dict))
    kwargs = {"source_constraint": helper.node, "extra_messages": helper.messages or None}
    reports: list[Any] = []
    if not violations:
        return reports
    dg = data_graph()
    for f in focus:
        result_val = None if shape.is_property_shape else f
        for viol in violations:
            if viol[0] is True and len(viol) == 2:
                reports.append(comp.make_v_result(dg, f, value_node=result_val, bound_vars=viol[1], **kwargs))
            else:
                t, p, v, vars_dict = viol
                if v is None:
                    v = result_val
                reports.append(comp.make_v_result(dg, t or f, value_node=v, result_path=p, bound_vars=(t, p, v, vars_dict), **kwargs))
    return reports


def _bound(row: Any, var: str) -> bool:
    try:
        return row[var] is not None
    except (KeyError, IndexError):
        return False


def _back(oxi: _Oxi, t: Any) -> Any:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    b = oxi.back.get(t)
    return b if b is not None else BNode(t.value)


# --- the gate --------------------------------------------------------------------------------------

_ENGINES: dict[int, tuple[Graph, _Engine]] = {}


def engine(shapes: Graph | None = None) -> _Engine:
    """The gate's engine for a shapes graph (the project's by default), made once per process."""
    g = shapes if shapes is not None else _v.shapes_graph()
    hit = _ENGINES.get(id(g))
    if hit is None or hit[0] is not g:
        hit = _ENGINES[id(g)] = (g, _Engine(g))
    return hit[1]


@contextmanager
def _no_gc() -> Iterator[None]:
    """Python's cyclic GC off while millions of objects are made (terms, dictionaries: none in a
    cycle): each full collection walks the whole heap, and the build's heap is large (at 100k
    observations, next to the mapper's rdflib data, the index took 119 s with the GC on)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Data:
    """The data as the phases need it: the index always; the pyoxigraph store for the SPARQL
    screen; an rdflib Graph and pySHACL DataGraph only when pySHACL has work (candidates, results
    of whole-graph queries, SPARQL targets), made at most once."""

    def __init__(self, index: _Index, graph: Graph | Callable[[], Graph], oxi: Callable[[], _Oxi], stats: GateStats) -> None:
        """`graph`: the rdflib graph itself, or how to make it (timed as its own phase)."""
        self.index, self._oxi, self._stats = index, oxi, stats
        self._g: Graph | None
        self._make: Callable[[], Graph] | None
        self._g, self._make = (graph, None) if isinstance(graph, Graph) else (None, graph)
        self._dg: DataGraph | None = None

    def graph(self) -> Graph:
        if self._g is None:
            assert self._make is not None
            with _Timer(self._stats, "rdflib graph for pySHACL"):
                self._g = self._make()
        return self._g

    def dg(self) -> DataGraph:
        if self._dg is None:
            self._dg = DataGraph.from_rdflib(self.graph())
        return self._dg

    def oxi(self) -> _Oxi:
        return self._oxi()


def validate(
    data: Graph | Dataset,
    shapes: Graph | None = None,
    *,
    stats: GateStats | None = None,
    screen_sparql: bool = True,
    screen_core: bool = True,
    reference_order: bool = False,
) -> _v.ValidationReport:
    """Validate like `ntp_kg.validate.validate`, with the same findings, much faster on big graphs.

    The report phase reads the data in rdflib's insertion order (the mapper's order: deterministic).
    `validate.validate` reads a union copy cloned by pySHACL, whose order follows Python's string
    hashing, so a message built with GROUP_CONCAT (shapes:TotalAgreesWithSummands lists the
    summands) can list its terms in another order there, and from one run to the next.
    `reference_order=True` builds that same copy for the report phase (when it has candidates),
    so that such messages match `validate.validate`'s in this process, term for term; it costs the
    copy. `screen_sparql` / `screen_core` switch a screen off (every target becomes a candidate
    for pySHACL), for measuring what each one buys."""
    stats = stats if stats is not None else GateStats()
    t0 = time.perf_counter()
    with _Timer(stats, "load shapes"):
        eng = engine(shapes)
    if eng.unsupported:
        stats.fallback = eng.unsupported
        with _Timer(stats, "pySHACL (fallback)"):
            report = _v.validate(data, shapes)
        stats.add("total", time.perf_counter() - t0)
        return report
    with _Timer(stats, "index"):
        if isinstance(data, Dataset):
            graph: Graph = rdfio.UnionView(data)
            union_of_store = True
        else:
            graph = data
            ctxs = list(graph.store.contexts()) if type(graph.store) is Memory else []
            union_of_store = bool(ctxs) and all(c.identifier == graph.identifier for c in ctxs)
        index = _Index.of_graph(graph, union_of_store)
    source = _Data(index, graph, lambda: _to_oxigraph(index), stats)
    reference = (lambda: _v.union_graph(data)) if reference_order else None
    return _gate(eng, source, stats, t0, screen_sparql=screen_sparql, screen_core=screen_core, reference=reference)


def validate_triples(
    triples: Sequence[Any],
    shapes: Graph | None = None,
    *,
    stats: GateStats | None = None,
    screen_sparql: bool = True,
    screen_core: bool = True,
    ntriples: bytes | None = None,
    store: Future[ox.Store] | None = None,
    blank_nodes: bool | None = None,
) -> _v.ValidationReport:
    """`validate` for the union graph given as pyoxigraph triples (or quads: graphs ignored), as the
    build has it, with no rdflib Dataset: the findings of `validate(dataset)` when `triples` are
    the de-duplicated union of the dataset's named graphs (as rdflib reads them: see
    `_Index.of_ox`).

    Terms are converted to rdflib once each for the Python screen, while a thread loads the same
    triples, serialised as N-Triples, into pyoxigraph for the SPARQL screen (not with blank nodes,
    which loading text renames: then the terms themselves are loaded); an rdflib Graph is made
    only if pySHACL has work (normally it has none). A GROUP_CONCAT in a message lists terms in the
    triples' order (see `validate`). The build passes the same triples' `ntriples` text (no
    serialising) and the `store` it is loading from that text for the catalogue too (no second
    load), or the store and whether the text has any blank node (`blank_nodes`: loading text
    renames them, so a store of text with blank nodes is not used); the gate only reads that store."""
    return _validate_ox(triples, ntriples, shapes, stats, screen_sparql, screen_core, store, blank_nodes)


def validate_ntriples(
    data: bytes,
    shapes: Graph | None = None,
    *,
    stats: GateStats | None = None,
    screen_sparql: bool = True,
    screen_core: bool = True,
) -> _v.ValidationReport:
    """`validate_triples` for N-Triples text (the build's sorted union dump): a thread loads the
    text into pyoxigraph for the SPARQL screen while it is parsed (by pyoxigraph) for the Python
    screen. A syntax error raises pyoxigraph's SyntaxError with its line and column."""
    return _validate_ox(None, data, shapes, stats, screen_sparql, screen_core)


def _validate_ox(
    triples: Sequence[Any] | None,
    ntriples: bytes | None,
    shapes: Graph | None,
    stats: GateStats | None,
    screen_sparql: bool,
    screen_core: bool,
    store: Future[ox.Store] | None = None,
    blank_nodes: bool | None = None,
) -> _v.ValidationReport:
    """The gate on pyoxigraph terms: `triples`, or the N-Triples text `ntriples` (or both, the same)."""
    stats = stats if stats is not None else GateStats()
    t0 = time.perf_counter()
    with _Timer(stats, "load shapes"):
        eng = engine(shapes)
    threaded = (
        screen_sparql
        and not eng.unsupported
        and (ntriples is not None or (bool(triples) and type(triples[0]) is ox.Triple))  # type: ignore[index]
        and any(eng.compiled(s).sparql for s in eng.shapes if not s.deactivated)
    )
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntp-kg-gate-store") if threaded else None
    try:
        # loading text renames blank nodes: a store loaded from text with any is not used
        no_blanks = blank_nodes is False if blank_nodes is not None else ntriples is not None and b"_:" not in ntriples
        given = threaded and store is not None and no_blanks
        loading: Future[ox.Store] | None = store if given else None
        if pool is not None and loading is None:
            if ntriples is None:
                assert triples is not None  # `threaded` needs triples when there is no text
                with _Timer(stats, "serialise for pyoxigraph"):
                    ntriples = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
                assert ntriples is not None  # pyoxigraph returns the bytes when given no output
            # Loading text renames blank nodes (the screen maps the store's terms back to the
            # index's): with any "_:" in the text, the terms themselves are loaded, in this thread.
            if b"_:" not in ntriples:
                loading = pool.submit(_load_store, ntriples, stats)
        if triples is None:
            assert ntriples is not None
            with _Timer(stats, "parse N-Triples"), _no_gc():
                triples = list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
        with _Timer(stats, "index"), _no_gc():
            index, terms = _Index.of_ox(triples)
        if eng.unsupported:
            stats.fallback = eng.unsupported
            with _Timer(stats, "pySHACL (fallback)"):
                report = _v.validate(index.to_graph(), shapes)
            stats.add("total", time.perf_counter() - t0)
            return report
        ts = triples

        def oxi() -> _Oxi:
            return _oxi_of_triples(loading.result() if loading is not None else _ox_store(ts), terms)

        return _gate(eng, _Data(index, index.to_graph, oxi, stats), stats, t0, screen_sparql=screen_sparql, screen_core=screen_core, reference=None)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _gate(
    eng: _Engine,
    data: _Data,
    stats: GateStats,
    t0: float,
    *,
    screen_sparql: bool,
    screen_core: bool,
    reference: Callable[[], Graph] | None,
) -> _v.ValidationReport:
    """The two phases (module docstring) on indexed data, whichever way it came in."""
    index = data.index
    stats.triples = index.triples
    screen = _Screen(eng, index)
    target_cache: dict[tuple[Any, ...], set[Any]] = {}

    def targets_of(shape: Shape) -> set[Any]:
        key = tuple(tuple(sorted(map(str, x))) for x in shape.target()) if not shape.advanced_target() else (shape.node,)
        hit = target_cache.get(key)
        if hit is None:
            hit = target_cache[key] = _targets(index, shape, data.dg)
        return hit

    candidates: dict[Any, set[Any]] = {}
    top = [s for s in eng.shapes if not s.deactivated]
    with _Timer(stats, "screen: core (Python)"), _no_gc():  # memo dictionaries, no cycles
        for shape in top:
            c = eng.compiled(shape)
            if not (c.checks or c.unknown):
                continue
            tgts = targets_of(shape)
            if not tgts:
                continue
            if c.unknown:
                stats.unknown_shapes.append(str(shape.node))
            if c.unknown or not screen_core:
                candidates.setdefault(shape.node, set()).update(tgts)
                continue
            stats.focus_pairs += len(tgts)
            hits = [f for f in tgts if screen.top_level(c, f) != PASS]
            if hits:
                candidates.setdefault(shape.node, set()).update(hits)
    return _sparql_and_report(eng, stats, t0, candidates, targets_of, data.oxi, data.dg, screen_sparql=screen_sparql, reference=reference)


def _sparql_and_report(
    eng: _Engine,
    stats: GateStats,
    t0: float,
    candidates: dict[Any, set[Any]],
    targets_of: Callable[[Shape], set[Any]],
    oxi_of: Callable[[], _Oxi],
    dg_of: Callable[[], DataGraph],
    *,
    screen_sparql: bool,
    reference: Callable[[], Graph] | None,
) -> _v.ValidationReport:
    """The SPARQL screen and the report phase, after the core screen found `candidates` (shape
    -> focus nodes). `targets_of` gives a shape's focus nodes (asked for shapes with SPARQL
    constraints only), `oxi_of` the union's store, `dg_of` pySHACL's data graph (made only when
    pySHACL has work)."""
    direct: list[Any] = []  # results built from pyoxigraph rows (whole-graph queries)
    direct_conforms = True
    top = [s for s in eng.shapes if not s.deactivated]
    oxi: _Oxi | None = None
    sparql_shapes = [s for s in top if eng.compiled(s).sparql]
    if sparql_shapes:
        if screen_sparql:
            with _Timer(stats, "screen: to pyoxigraph"), _no_gc():
                try:
                    oxi = oxi_of()
                    stats.lossy_literals = oxi.lossy_count
                except (ValueError, TypeError, SyntaxError) as exc:  # e.g. an IRI pyoxigraph refuses
                    stats.sparql_fallbacks.append(f"all: {exc}")
                    oxi = None
        with _Timer(stats, "screen: SPARQL (pyoxigraph)"):
            for shape in sparql_shapes:
                c = eng.compiled(shape)
                if oxi is not None and not (c.checks or c.unknown) and shape.node not in candidates:
                    # Whole-graph queries (no $this, e.g. shapes:NoBlankNodes): pyoxigraph's rows, once.
                    all_rows = [(h, _whole_graph_rows(h, oxi)) for h in c.sparql]
                    if all(rows is not None for _h, rows in all_rows):
                        tg = targets_of(shape)
                        for h, rows in all_rows:
                            rs = _sparql_results(c.sparql_comp, h, shape, rows or [], sorted(tg, key=_sort_key), dg_of)
                            direct.extend(rs)
                            if rs and shape.severity == SH.Violation:
                                direct_conforms = False
                        continue
                for helper in c.sparql:
                    found, why = (None, "SPARQL screen off") if oxi is None else _sparql_candidates(helper, shape, oxi, partial(targets_of, shape))
                    if found is None:
                        if screen_sparql:
                            stats.sparql_fallbacks.append(f"{helper.node}: {why}")
                        found = targets_of(shape)
                    if found:
                        tg = targets_of(shape)
                        candidates.setdefault(shape.node, set()).update(f for f in found if f in tg)
    with _Timer(stats, "report: pySHACL on candidates"):
        reports: list[Any] = list(direct)
        conforms = direct_conforms
        if candidates:
            # as pyshacl.validate(advanced=True) reads it, or the data itself
            dg = DataGraph.from_rdflib(reference()).clone() if reference is not None else dg_of()
            with _v._parse_each_query_once():
                for shape in eng.shapes:  # pySHACL's order
                    focus = candidates.get(shape.node)
                    if not focus:
                        continue
                    stats.candidates += len(focus)
                    ok, rs = shape.validate(eng.executor, dg, focus=sorted(focus, key=_sort_key))
                    conforms = conforms and ok
                    reports.extend(rs)
        report_graph, _text = Validator.create_validation_report(eng.sg, conforms, reports)
    stats.add("total", time.perf_counter() - t0)
    return _v.ValidationReport(conforms=conforms, findings=_v._findings(report_graph), graph=report_graph)


def _sort_key(n: Any) -> tuple[str, str]:
    return (type(n).__name__, str(n))
