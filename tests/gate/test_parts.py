"""gate_parts.validate_parts: the gate part by part (the build's) finds exactly what the
whole-graph gate finds, hence pySHACL.

The parts are made as small as they go (each named graph, or each subject, its own part), so that
nearly every lookup leaves the part: descriptions are read from the sorted union file, inverse
steps asked of the store, split subjects screened after the parts. Equality is checked on the
planted corpus (against pySHACL, with the build's own spool making the parts) and on every
mutation of the shape-test fixture (against `gate.validate_triples`, itself checked against
pySHACL in test_gate.py).
"""

from __future__ import annotations

import random
from concurrent.futures import Future
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from ntp_kg import gate, gate_parts, quadtext, rdfio
from ntp_kg.spool import SpooledQuads, spool
from ntp_kg.validate import ValidationReport
from tests.shapes.test_mutations import ALL, Case

from .conftest import Planted, union_triples
from .test_gate import _mutated, assert_same


def _sorted_ntriples(triples: list[ox.Triple]) -> bytes:
    text: bytes = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return b"".join(sorted(text.splitlines(keepends=True)))


def _store(path: Path) -> ox.Store:
    return quadtext.ntriples_store(path)


# --- the planted corpus, parts made by the build's spool ----------------------------------------


def _spooled(quads: list[ox.Quad], tmp_path: Path) -> tuple[Path, SpooledQuads]:
    """Quads through the build's spool (1-byte budget: every graph spills), the union written."""
    mapped = spool(quadtext.from_quads(quads).graphs, tmp_path, 1)
    union = tmp_path / "ntp-kg.nt"
    with open(union, "wb") as f:
        mapped.write_nt_nq(f, None)
    return union, mapped


def test_planted_corpus_graph_by_graph(planted: Planted, tmp_path: Path) -> None:
    """Each named graph its own part. The planted blank nodes are left out (the store renames
    them: such a graph goes to the whole-graph gate, next test)."""
    quads = [q for q in rdfio.quads_and_triples(planted.dataset)[0] if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))]
    union, mapped = _spooled(quads, tmp_path)
    assert mapped.split_subjects and not mapped.blank_nodes
    stats, whole = gate.GateStats(), gate.GateStats()
    report = gate_parts.validate_parts(union, mapped.graph_blocks(), _store(union), split=mapped.split_subjects, part_bytes=1, stats=stats)
    reference = gate.validate_triples(list(ox.parse(path=union, format=ox.RdfFormat.N_TRIPLES)), stats=whole)
    assert not report.conforms and len(report.findings) == len(reference.findings) > 20
    assert_same(report, reference, exact=False)
    assert stats.fallback is None and stats.parts == len(mapped.graph_names())
    assert stats.fetched > 0 and stats.inverse_lookups > 0
    assert stats.candidates == whole.candidates > 0  # the screen is as sharp part by part: pySHACL gets the same pairs
    assert stats.known_empty == 2  # shapes:NoBlankNodes' queries, not run: the spool saw no blank node
    mapped.close()


def test_planted_corpus_with_blank_nodes_goes_whole(planted: Planted, planted_reference: ValidationReport, tmp_path: Path) -> None:
    union, mapped = _spooled(rdfio.quads_and_triples(planted.dataset)[0], tmp_path)
    assert mapped.blank_nodes
    stats = gate.GateStats()
    report = gate_parts.validate_parts(union, mapped.graph_blocks(), _store(union), split=mapped.split_subjects, blank_nodes=True, stats=stats)
    assert_same(report, planted_reference, exact=False)
    assert stats.fallback == "whole graph: blank nodes (the store renames them)" and stats.parts == 0
    mapped.close()


def test_split_subjects_are_those_of_several_graphs(tmp_path: Path) -> None:
    a, b = quadtext.GraphText("<https://example.org/g/a>"), quadtext.GraphText("<https://example.org/g/b>")
    a.add("<https://example.org/s>", "<https://example.org/p>", '"1"')
    a.add("<https://example.org/t>", "<https://example.org/p>", '"1"')
    b.add("<https://example.org/s>", "<https://example.org/q>", '"2"')  # s: another statement in b
    b.add("<https://example.org/t>", "<https://example.org/p>", '"1"')  # t: the same statement in b
    b.add("<https://example.org/u>", "<https://example.org/p>", '"3"')
    with spool([a, b], tmp_path) as mapped:
        assert mapped.split_subjects == {b"<https://example.org/s>", b"<https://example.org/t>"}


# --- every mutation of the shape-test fixture, one subject per part ----------------------------------


@pytest.fixture(scope="module")
def mutated_unions(valid_union: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[ox.Triple]]]:
    folder = tmp_path_factory.mktemp("unions")
    out = {}
    for case in ALL:
        triples = union_triples(_mutated(valid_union, case.update))
        path = folder / f"{case.id}.nt"
        path.write_bytes(_sorted_ntriples(triples))
        out[case.id] = (path, triples)
    return out


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_mutation_subject_by_subject(mutated_unions: dict[str, tuple[Path, list[ox.Triple]]], case: Case) -> None:
    path, triples = mutated_unions[case.id]
    blank_nodes = b"_:" in path.read_bytes()
    stats, whole = gate.GateStats(), gate.GateStats()
    report = gate_parts.validate_parts(
        path, gate_parts.subject_blocks(path, 1), _store(path), quads=False, blank_nodes=blank_nodes, part_bytes=1, stats=stats
    )
    assert_same(report, gate.validate_triples(triples, stats=whole), exact=False)
    assert stats.candidates == whole.candidates  # the screen as sharp: pySHACL gets the same pairs
    if blank_nodes:
        assert stats.fallback == "whole graph: blank nodes (the store renames them)"
    else:
        assert stats.fallback is None and stats.parts > 100


# --- the union file as an index, and its subject blocks ------------------------------------------------

SUBJECTS = ["<a>", "<a/b>", "<a/b/c>", "<ab>", "<b>", "<b#1>", "<b#10>", "<b#2>", "<c>"]


def _lines(rng: random.Random) -> list[bytes]:
    lines = []
    for s in SUBJECTS:
        for i in range(rng.randint(1, 4)):
            o = '"' + "x" * rng.choice([1, 10, 5000]) + '"'  # some lines longer than the rest together
            lines.append(f"{s} <p{i}> {o} .\n".encode())
    return sorted(lines)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("trailing_newline", [True, False])
def test_sorted_ntriples_finds_each_subjects_lines(tmp_path: Path, seed: int, trailing_newline: bool) -> None:
    lines = _lines(random.Random(seed))
    text = b"".join(lines)
    path = tmp_path / "u.nt"
    path.write_bytes(text if trailing_newline else text[:-1])
    f = gate_parts._SortedNTriples(path)
    try:
        for s in SUBJECTS:
            want = b"".join(x for x in lines if x.startswith(s.encode() + b" "))
            got = f.lines_of(s.encode())
            assert got == (want if trailing_newline or s != SUBJECTS[-1] else want[:-1])
        for absent in ["<0>", "<a/>", "<a/b/c/d>", "<b#>", "<b#3>", "<bb>", "<d>", "<~>"]:
            assert f.lines_of(absent.encode()) == b""
    finally:
        f.close()


def test_sorted_ntriples_of_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.nt").write_bytes(b"")
    f = gate_parts._SortedNTriples(tmp_path / "e.nt")
    assert f.lines_of(b"<a>") == b""
    f.close()


@pytest.mark.parametrize("block", [1, 7, 100, 6000, 1 << 20])
def test_subject_blocks_keep_each_subject_whole(tmp_path: Path, block: int) -> None:
    lines = _lines(random.Random(block))
    path = tmp_path / "u.nt"
    path.write_bytes(b"".join(lines))
    blocks = list(gate_parts.subject_blocks(path, block))
    assert b"".join(blocks) == path.read_bytes()
    seen: dict[bytes, int] = {}
    for i, b in enumerate(blocks):
        assert b.endswith(b"\n")
        for line in b.splitlines():
            assert seen.setdefault(line.split(b" ")[0], i) == i, "a subject in two blocks"
    if block == 1:
        assert len(blocks) == len(SUBJECTS)


# --- a lookup the store cannot answer as rdflib would -------------------------------------------------

SHAPES_INVERSE_TO_LITERAL = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/test/> .
ex:OneOwnerPerCode a sh:NodeShape ;
    sh:targetObjectsOf ex:code ;
    sh:property [ sh:path [ sh:inversePath ex:code ] ; sh:maxCount 1 ] .
"""
DATA_INVERSE_TO_LITERAL = """
<https://example.org/test/a> <https://example.org/test/code> "x" .
<https://example.org/test/b> <https://example.org/test/code> "x" .
<https://example.org/test/b> <https://example.org/test/code> "y" .
<https://example.org/test/c> <https://example.org/test/code> "010"^^<http://www.w3.org/2001/XMLSchema#integer> .
<https://example.org/test/d> <https://example.org/test/code> "10"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""


def _run(tmp_path: Path, data: str, shapes_text: str) -> tuple[ValidationReport, ValidationReport, gate.GateStats, gate.GateStats]:
    shapes = Graph().parse(data=shapes_text, format="turtle")
    path = tmp_path / "u.nt"
    path.write_bytes(b"".join(sorted(data.strip().encode().splitlines(keepends=True))) + b"\n")
    stats, whole = gate.GateStats(), gate.GateStats()
    report = gate_parts.validate_parts(path, gate_parts.subject_blocks(path, 1), _store(path), quads=False, part_bytes=1, shapes=shapes, stats=stats)
    reference = gate.validate_triples(list(ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES)), shapes, stats=whole)
    assert_same(report, reference, exact=False)
    return report, reference, stats, whole


def test_inverse_step_from_a_literal_is_left_to_pyshacl(tmp_path: Path) -> None:
    """The parts' screen does not answer an inverse step from a literal from the Store (which
    matches literals by value); those pairs go to pySHACL, whose findings are the whole gate's."""
    data = "\n".join(line for line in DATA_INVERSE_TO_LITERAL.strip().splitlines() if '"010"' not in line)
    report, _ref, stats, whole = _run(tmp_path, data, SHAPES_INVERSE_TO_LITERAL)
    assert {str(f.focus) for f in report.findings} == {"x"} and stats.fallback is None
    assert stats.candidates == 3 and whole.candidates == 1  # "x", "y", "10": pySHACL decides each


def test_literal_focus_nodes_the_store_rewrites_go_whole(tmp_path: Path) -> None:
    """"010"^^xsd:integer is "10" in the Store: the focus nodes of sh:targetObjectsOf cannot be
    read back from it as rdflib has them, so the whole-graph gate runs, and says why."""
    report, _ref, stats, _whole = _run(tmp_path, DATA_INVERSE_TO_LITERAL, SHAPES_INVERSE_TO_LITERAL)
    assert {str(f.focus) for f in report.findings} == {"x", "10"}
    assert stats.fallback == (
        "whole graph: a focus node of https://example.org/test/OneOwnerPerCode is a literal the store keeps in another form, or a blank node"
    )


# --- the SPARQL screen, run ahead in a thread ------------------------------------------------------


def test_every_query_of_the_sparql_screen_is_run_ahead(planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`gate.screen_queries` lists the queries the screen sends (the thread runs them while the
    parts are screened): on the planted corpus, whose SPARQL constraints have findings, the
    screen asks for none that was not run ahead, and the findings are the whole gate's (first test)."""
    asked: list[str] = []
    missed: list[str] = []
    query = gate_parts._Ahead.query

    def recording(self: gate_parts._Ahead, text: str, *, use_default_graph_as_union: bool = False) -> object:
        asked.append(text)
        ahead = self._rows.get(text)
        if ahead is None or ahead.result() is None:
            missed.append(text)
        return query(self, text, use_default_graph_as_union=use_default_graph_as_union)

    monkeypatch.setattr(gate_parts._Ahead, "query", recording)
    quads = [q for q in rdfio.quads_and_triples(planted.dataset)[0] if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))]
    union, mapped = _spooled(quads, tmp_path)
    stats = gate.GateStats()
    report = gate_parts.validate_parts(union, mapped.graph_blocks(), _store(union), split=mapped.split_subjects, part_bytes=1, stats=stats)
    assert not report.conforms
    assert len(asked) >= 3 and missed == []
    assert stats.seconds["(thread) SPARQL screen run ahead"] > 0
    mapped.close()


ALL_ROWS = "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?o"


def _small_store() -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i))) for i in range(5))
    return store


def _rows(result: object) -> list[tuple[str, str]]:
    return [(row["s"].value, row["o"].value) for row in result]  # type: ignore[attr-defined]


def test_ahead_answers_as_the_store_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows run ahead are the store's; a query with more rows than kept, a query that fails and
    one not run ahead are asked of the store when the screen asks (failing there as they would)."""
    monkeypatch.setattr(gate_parts, "_AHEAD_ROWS", 3)
    store = _small_store()
    few = "SELECT ?s ?o WHERE { ?s <urn:p> ?o FILTER(?o < '2') } ORDER BY ?o"
    broken = "SELECT ?s WHERE { ?s <urn:p> "
    ahead = gate_parts._Ahead(store, [few, ALL_ROWS, broken])
    ahead._thread.join()
    assert ahead._rows[few].result() is not None
    assert ahead._rows[ALL_ROWS].result() is None and ahead._rows[broken].result() is None
    assert _rows(ahead.query(few, use_default_graph_as_union=True)) == [("urn:s0", "0"), ("urn:s1", "1")]
    assert _rows(ahead.query(ALL_ROWS, use_default_graph_as_union=True)) == [(f"urn:s{i}", str(i)) for i in range(5)]
    with pytest.raises(SyntaxError):
        ahead.query(broken, use_default_graph_as_union=True)
    assert _rows(ahead.query("SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?o LIMIT 1", use_default_graph_as_union=True)) == [("urn:s0", "0")]


def test_a_stopped_ahead_runs_no_query() -> None:
    """A gate that ends early stops the thread: with the store still loading, nothing is run
    ahead, and a query asked anyway is answered by the store."""
    loading: Future[ox.Store] = Future()
    ahead = gate_parts._Ahead(loading, [ALL_ROWS])
    ahead.stop()
    loading.set_result(_small_store())
    ahead._thread.join()
    assert ahead.seconds == 0 and ahead._rows[ALL_ROWS].result() is None
    assert len(_rows(ahead.query(ALL_ROWS, use_default_graph_as_union=True))) == 5
