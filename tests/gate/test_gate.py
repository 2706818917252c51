"""The fast SHACL gate (ntp_kg.gate) finds exactly what ntp_kg.validate finds.

Equality is checked on the real graph, on the shape-test fixture with each of its mutations, and on
a generated corpus with planted violations. Findings are compared as sets (severity, focus node,
path, value, source shape, constraint component, message) together with `conforms`.

One caveat, measured and documented in ntp_kg.gate: a message built with GROUP_CONCAT lists its
terms in the order rdflib iterates the data, which for `validate.validate` (a union copy cloned by
pySHACL) follows Python's string hashing and changes from run to run. `reference_order=True` makes
the gate read the same copy, so equality is exact; the default mode is compared with the terms of
such lists sorted.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from ntp_kg import gate
from ntp_kg.pipeline import BuildResult
from ntp_kg.validate import Finding, ValidationReport, validate
from tests.shapes.conftest import load_valid_dataset
from tests.shapes.test_mutations import ALL, PREFIXES, Case

from .conftest import Planted, build_dataset, union_triples

S = "https://w3id.org/ntp-kg/def/shapes#"


def _sorted_lists(message: str) -> str:
    """Terms of "(a + b + c)" and "(a, b, c)" in sorted order: the GROUP_CONCAT lists of
    shapes:TotalAgreesWithSummands and shapes:IC-12-dimensions, in no particular order."""

    def sort(m: re.Match[str]) -> str:
        body = m.group(1)
        sep = " + " if " + " in body else ", "
        return "(" + sep.join(sorted(body.split(sep))) + ")"

    return re.sub(r"\(([^()]*(?: \+ |, )[^()]*)\)", sort, message)


def _canonical(findings: tuple[Finding, ...]) -> Counter[tuple[Any, ...]]:
    return Counter((f.severity, f.focus, f.path, f.value, f.shape, f.component, _sorted_lists(f.message)) for f in findings)


def assert_same(fast: ValidationReport, ref: ValidationReport, exact: bool = True) -> None:
    if exact:
        missing, extra = set(ref.findings) - set(fast.findings), set(fast.findings) - set(ref.findings)
        assert not missing and not extra, f"missing: {[str(f) for f in missing]}\nextra: {[str(f) for f in extra]}"
        assert len(fast.findings) == len(ref.findings)
    else:
        assert _canonical(fast.findings) == _canonical(ref.findings)
    assert fast.conforms == ref.conforms


# --- (a) the real graph ----------------------------------------------------------------------------


def test_real_graph(built: BuildResult) -> None:
    stats = gate.GateStats()
    fast = gate.validate(built.dataset, stats=stats)
    assert_same(fast, built.validation)
    assert not stats.sparql_fallbacks and not stats.unknown_shapes and stats.fallback is None
    assert_same(gate.validate(built.dataset, reference_order=True), built.validation)


def test_report_graph_is_a_shacl_report(built: BuildResult) -> None:
    report = gate.validate(built.dataset)
    assert isinstance(report.graph, Graph)
    assert report.text().splitlines()[0] == built.validation.text().splitlines()[0]
    ask = "ASK { ?r a <http://www.w3.org/ns/shacl#ValidationReport> ; <http://www.w3.org/ns/shacl#conforms> ?c }"
    assert report.graph.query(ask).askAnswer


# --- (b) the shape-test fixture, one mutation at a time ----------------------------------------------


def _mutated(base: Graph, update: str) -> Graph:
    g = Graph()
    for t in base:
        g.add(t)
    g.update(PREFIXES + update)
    return g


def _reference(triples: list[Any]) -> tuple[bool, tuple[Finding, ...]]:
    """validate() on one mutated fixture, given as its triples (runs in a worker process)."""
    g = Graph()
    for t in triples:
        g.add(t)
    report = validate(g)
    return report.conforms, report.findings


@pytest.fixture(scope="module")
def mutated(valid_union: Graph) -> dict[str, Graph]:
    return {c.id: _mutated(valid_union, c.update) for c in ALL}


@pytest.fixture(scope="module")
def references(mutated: dict[str, Graph]) -> dict[str, tuple[bool, tuple[Finding, ...]]]:
    """validate() of every mutation (the oracle is the slow half of these tests), on two cores when
    the platform can fork. Blank nodes keep their ids on the way (pickled terms)."""
    ids = list(mutated)
    work = [list(mutated[i]) for i in ids]
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - no fork on this platform
        return {i: _reference(w) for i, w in zip(ids, work, strict=True)}
    with ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)), mp_context=ctx) as pool:
        return dict(zip(ids, pool.map(_reference, work, chunksize=4), strict=True))


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_mutation(mutated: dict[str, Graph], references: dict[str, tuple[bool, tuple[Finding, ...]]], case: Case) -> None:
    """Same findings as validate(). (The oracle ran on a copy in another process, where rdflib may
    iterate in another order: GROUP_CONCAT lists are compared sorted, see the module docstring.)"""
    g = mutated[case.id]
    conforms, findings = references[case.id]
    ref = ValidationReport(conforms=conforms, findings=findings, graph=Graph())
    assert_same(gate.validate(g), ref, exact=False)
    assert_same(gate.validate(g, reference_order=True), ref, exact=False)
    assert_same(gate.validate_triples(union_triples(g)), ref, exact=False)  # the build's way in


def test_valid_fixture_as_dataset() -> None:
    """A Dataset is read through the zero-copy union view, a Graph directly: same findings."""
    ds = load_valid_dataset()
    assert_same(gate.validate(ds), validate(ds))


def test_literals_pyoxigraph_would_rewrite(valid_union: Graph) -> None:
    """Non-canonical literals ("062"^^xsd:integer) and a plain/^^xsd:string pair make the SPARQL
    screen give up (every target is a candidate) rather than guess."""
    g = _mutated(
        valid_union,
        'INSERT DATA { obs:capital-plan-2024 ex:count "062"^^xsd:integer ; ex:label "x" , "x"^^xsd:string ; '
        'ntp:statedScale "billion"^^xsd:string }',
    )
    stats = gate.GateStats()
    fast = gate.validate(g, stats=stats, reference_order=True)
    assert stats.lossy_literals > 0 and stats.sparql_fallbacks
    assert_same(fast, validate(g))


def test_screens_switched_off(valid_union: Graph) -> None:
    """With both screens off every target goes to pySHACL: the gate is then pySHACL itself."""
    g = _mutated(valid_union, 'DELETE DATA { obs:capital-plan-2024 rdfs:label "Central-budget capital plan, Lao Cai, 2024"@en }')
    ref = validate(g)
    assert not ref.conforms
    assert_same(gate.validate(g, screen_core=False, screen_sparql=False, reference_order=True), ref)


# --- (c) a generated corpus with planted violations ----------------------------------------------------


def test_planted_corpus_lints_clean(planted: Planted) -> None:
    assert planted.lint.ok, planted.lint.text()
    assert all(c.percent == 100.0 for c in planted.lint.coverage)
    kinds = {"negative-amount", "share-over-100", "actual-after-publication", "total-mismatch", "share-mismatch"}
    assert kinds <= set(planted.in_seeds), planted.in_seeds
    assert {"duplicate", "missing-label", "value-integer", "blank-node", "offset-shifted", "annotation-without-body"} <= set(planted.in_graph)


def test_planted_corpus(planted: Planted, planted_reference: ValidationReport) -> None:
    ref = planted_reference
    shapes = {f.shape.removeprefix(S) for f in ref.findings}
    expected = {
        "NonNegativeUnlessChange", "ShareWithinRange", "ActualNotAfterPublication", "TotalAgreesWithSummands",
        "ShareAgreesWithParts", "IC-12", "label-en", "Observation-value", "NoBlankNodes",
        "SelectorsMatchSourceText", "Annotation-body", "Fact-annotated",
    }
    assert expected <= shapes, f"planted violations not found by validate(): {expected - shapes}"
    stats = gate.GateStats()
    assert_same(gate.validate(planted.dataset, stats=stats, reference_order=True), ref)
    assert not stats.sparql_fallbacks and not stats.unknown_shapes
    assert stats.candidates < stats.focus_pairs / 10  # the screens leave little to pySHACL
    assert_same(gate.validate(planted.dataset), ref, exact=False)


def test_gate_messages_do_not_depend_on_hashing(planted: Planted) -> None:
    """The gate reads the data in insertion order: two runs give identical messages."""
    a, b = gate.validate(planted.dataset), gate.validate(planted.dataset)
    assert [str(f) for f in a.findings] == [str(f) for f in b.findings]


# --- the corpus generator -----------------------------------------------------------------------------


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "seeds").rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_corpus_is_deterministic_and_lints_clean(corpus: Any, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    info = corpus.generate(a, 120, seed=3, per_source=40)
    corpus.generate(b, 120, seed=3, per_source=40)
    corpus.generate(c, 120, seed=4, per_source=40)
    assert _digest(a) == _digest(b) != _digest(c)
    assert (info.n_obs, info.n_sources, info.planted) == (120, 3, {})
    report, ds = build_dataset(a)
    assert report.ok, report.text()
    assert report.counts["observations"] == 120
    assert all(cov.percent == 100.0 and cov.total > 0 for cov in report.coverage)
    fast = gate.validate(ds)
    assert fast.conforms and not fast.findings


def test_corpus_shape(corpus: Any, tmp_path: Path) -> None:
    """Shaped like the real data: ~700 areas, 200 synthetic indicators, 7 programme keys,
    labels in en/vi/ar, periods between 2010 and 2030."""
    from ntp_kg.facts import load_seeds

    corpus.generate(tmp_path / "r", 100, seed=0)
    seeds = load_seeds(tmp_path / "r" / "seeds")
    ref = seeds.reference
    assert 650 <= len(ref.areas) <= 800
    assert sum(k.endswith(tuple(t[0] for t in corpus.TOPICS)) for k in ref.indicators) >= 200
    assert set(ref.programmes) >= {"all-ntps", "none", "ntp-em", "ntp-nrd", "ntp-pr"}
    assert all(a.labels.vi for a in ref.areas.values() if a.type != "area-group")
    periods = {o.period for d in seeds.facts.values() for o in d.facts.observations}
    years = {int(y) for p in periods for y in re.findall(r"\d{4}", p)}
    assert years and min(years) >= 2010 and max(years) <= 2030


# --- the SPARQL screen's structural test ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ("SELECT $this WHERE { $this <p> ?o . FILTER (?o != $this) BIND ($this AS ?x) }", True),
        ("SELECT $this WHERE { OPTIONAL { $this <p> ?o FILTER (?o != $this) } }", True),
        ("SELECT $this WHERE { FILTER NOT EXISTS { $this <p> ?o FILTER (?o = $this) } }", True),
        ("SELECT $this WHERE { FILTER (NOT EXISTS { $this <p> ?n } || NOT EXISTS { $this <q> ?d }) }", True),
        ("SELECT $this WHERE { { $this <p> ?s } { ?s <q> ?t } }", True),
        ("SELECT $this WHERE { { ?s <p> ?o } UNION { ?s <q> ?o } FILTER NOT EXISTS { $this ?p ?o } }", True),
        ("SELECT $this WHERE { { $this <p> ?o } UNION { ?s <q> ?o } }", False),
        ("SELECT $this WHERE { ?s <p> ?o . { ?o <q> ?t FILTER (?t = $this) } }", False),
        ("SELECT $this WHERE { OPTIONAL { ?s <p> ?o BIND ($this AS ?x) } }", False),
        ("SELECT $this WHERE { { SELECT ?o WHERE { $this <p> ?o } } }", False),
        ("SELECT $this WHERE { MINUS { $this <p> ?o } }", False),
        ("SELECT ?s WHERE { ?s <p> \"{ $this }\" }", True),
    ],
)
def test_this_is_joinable(query: str, ok: bool) -> None:
    assert gate._this_is_joinable(query) is ok
