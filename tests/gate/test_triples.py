"""gate.validate_triples: the union graph as pyoxigraph triples (what the build holds, no rdflib
Dataset) gives the findings of gate.validate on the same data as rdflib terms, hence of pySHACL.
"The same data" is the data as rdflib reads it: rdflib's parsers normalise some lexical forms
("062"^^xsd:integer is "62"), and so does the conversion of the triples to rdflib terms.

The triples are those the build would hand over: the de-duplicated union of the named graphs,
sorted (conftest.union_triples, which also checks that they are the same data). Compared as in
test_gate: findings and `conforms`; a GROUP_CONCAT list in a message follows the order the data is
read in (the mapper's insertion order for a Dataset, the triples' order here), so where such a
message can occur the lists are compared sorted.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import XSD

from ntp_kg import gate, rdfio
from ntp_kg.pipeline import BuildResult
from ntp_kg.validate import ValidationReport, validate

from .conftest import Planted, union_triples
from .test_gate import _mutated, assert_same

DATA = Path(__file__).parent / "data"
S = "https://w3id.org/ntp-kg/def/shapes#"
EX = "https://example.org/test/"
ON_DEMAND = "rdflib graph for pySHACL"  # the GateStats phase of the rdflib graph made on demand
THREAD = "(thread) pyoxigraph store load"  # the GateStats phase of loading N-Triples in a thread


def _ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def _same_work(a: gate.GateStats, b: gate.GateStats) -> None:
    """Both ways into the gate screened the same pairs and handed pySHACL the same candidates."""
    assert (a.triples, a.focus_pairs, a.candidates, a.lossy_literals) == (b.triples, b.focus_pairs, b.candidates, b.lossy_literals)
    assert a.sparql_fallbacks == b.sparql_fallbacks and a.unknown_shapes == b.unknown_shapes


# --- the real graph -------------------------------------------------------------------------------


def test_real_graph(built: BuildResult) -> None:
    """The build's own union N-Triples, parsed by pyoxigraph: the same terms as the rdflib Dataset
    of the same build, and the same findings. Conforms, nothing for pySHACL to do: no rdflib graph
    is made, and the store is loaded from text in a thread (no blank nodes)."""
    text = built.graph.ntriples()
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]
    assert set(triples) == set(union_triples(built.dataset))
    stats, ref_stats = gate.GateStats(), gate.GateStats()
    fast = gate.validate_triples(triples, stats=stats)
    assert_same(fast, built.validation)
    assert_same(fast, gate.validate(built.dataset, stats=ref_stats))
    _same_work(stats, ref_stats)
    assert stats.triples == len(triples)
    assert stats.candidates == 0 and not stats.sparql_fallbacks and stats.fallback is None
    assert ON_DEMAND not in stats.seconds
    assert stats.seconds[THREAD] > 0


def test_real_graph_as_ntriples(built: BuildResult) -> None:
    stats = gate.GateStats()
    fast = gate.validate_ntriples(built.graph.ntriples(), stats=stats)
    assert_same(fast, built.validation)
    assert stats.seconds["parse N-Triples"] > 0 and stats.seconds[THREAD] > 0 and ON_DEMAND not in stats.seconds


# --- the generated corpus with planted violations ---------------------------------------------------


def test_planted_corpus(planted: Planted, planted_reference: ValidationReport) -> None:
    triples = union_triples(planted.dataset)
    stats, ds_stats = gate.GateStats(), gate.GateStats()
    fast = gate.validate_triples(triples, stats=stats)
    assert not fast.conforms and len(fast.findings) == len(planted_reference.findings) > 20
    assert_same(fast, planted_reference, exact=False)
    assert_same(fast, gate.validate(planted.dataset, stats=ds_stats), exact=False)
    _same_work(stats, ds_stats)
    assert not stats.sparql_fallbacks and stats.candidates > 0 and stats.seconds[ON_DEMAND] > 0


def test_planted_corpus_any_order_and_form(planted: Planted, planted_reference: ValidationReport) -> None:
    """Unsorted triples, parsed quads (what `pyoxigraph.parse` gives) and N-Triples text: the same
    findings. Two runs on the same triples give identical messages (no hashing order)."""
    triples = union_triples(planted.dataset)
    nt = _ntriples(triples)
    parsed = list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))
    assert parsed and all(isinstance(q, ox.Quad) for q in parsed)
    for report in (gate.validate_triples(triples[::-1]), gate.validate_triples(parsed), gate.validate_ntriples(nt)):
        assert_same(report, planted_reference, exact=False)
    a, b = gate.validate_triples(triples), gate.validate_triples(list(triples))
    assert [str(f) for f in a.findings] == [str(f) for f in b.findings]


# --- literals pyoxigraph stores differently, blank nodes -----------------------------------------------

# "062"^^xsd:integer (an obsValue must be an xsd:decimal) is "62" for rdflib's parsers and for
# pyoxigraph's Store alike; "5017"^^xsd:nonNegativeInteger is an xsd:integer in the Store (the
# SPARQL screens that test datatypes give up); "1.50"^^xsd:decimal is "1.5" in the Store but not
# in rdflib (every SPARQL screen gives up). A blank node as subject and one as object.
BLANKS = 'INSERT DATA { [] rdfs:label "an orphan blank node"@en . obs:capital-plan-2024 ex:note [ rdfs:label "a blank node"@en ] }'
NON_CANONICAL = (
    'DELETE DATA { obs:ntm-communes-2024 sdmx-measure:obsValue "62"^^xsd:decimal } ;\n'
    'INSERT DATA { obs:ntm-communes-2024 sdmx-measure:obsValue "062"^^xsd:integer . obs:capital-plan-2024 ex:count "5017"^^xsd:nonNegativeInteger }'
)
DECIMAL = 'INSERT DATA { obs:capital-plan-2024 ex:ratio "1.50"^^xsd:decimal }'


def _published(g: Graph) -> tuple[list[ox.Triple], Graph]:
    """g as the build publishes it (sorted N-Triples, lexical forms kept: "062" stays "062") parsed
    by pyoxigraph, and the same text parsed by rdflib (the reference), its blank nodes given back
    their labels (rdflib's parser mints fresh ones) so that findings name the same nodes."""
    nt = _ntriples(rdfio.triples(ox.Quad(rdfio.to_ox(s), rdfio.to_ox(p), rdfio.to_ox(o)) for s, p, o in g))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
    labels: dict[str, BNode] = {}
    parsed = Graph().parse(data=nt.decode("utf-8"), format="nt", bnode_context=labels)
    back = {b: BNode(label) for label, b in labels.items()}
    ref = Graph()
    for t in parsed:
        ref.add(tuple(back.get(x, x) for x in t))  # type: ignore[arg-type]
    return triples, ref


@pytest.mark.parametrize(
    ("update", "identity_lost"),
    [(BLANKS + " ;\n" + NON_CANONICAL, False), (BLANKS + " ;\n" + NON_CANONICAL + " ;\n" + DECIMAL, True)],
    ids=["blank-nodes-062-nonNegativeInteger", "blank-nodes-062-nonNegativeInteger-1.50-decimal"],
)
def test_literals_pyoxigraph_rewrites(valid_union: Graph, update: str, identity_lost: bool) -> None:
    """The triples path notes the literals the Store rewrites as the rdflib path does (same lossy
    count, same screens given up), reports the datatype violation with rdflib's "62", and the
    blank nodes with their own ids."""
    triples, parsed = _published(_mutated(valid_union, update))
    assert any(t.object == ox.Literal("062", datatype=ox.NamedNode(str(XSD.integer))) for t in triples)
    stats, g_stats = gate.GateStats(), gate.GateStats()
    fast = gate.validate_triples(triples, stats=stats)
    assert_same(fast, validate(parsed))
    assert_same(fast, gate.validate(parsed, stats=g_stats))
    _same_work(stats, g_stats)
    assert stats.lossy_literals == (1 if identity_lost else 0)
    assert bool(stats.sparql_fallbacks) == identity_lost
    assert [f.value for f in fast.findings if f.component == "DatatypeConstraintComponent"] == ["62"]
    blanks = sorted(str(n) for n in set(parsed.subjects()) if isinstance(n, BNode))
    assert len(blanks) == 2
    no_blank = [f for f in fast.findings if f.shape == S + "NoBlankNodes"]
    assert sorted(f.value or "" for f in no_blank) == blanks and {f.focus for f in no_blank} == {S + "DataGraph"}
    assert stats.seconds[ON_DEMAND] > 0  # results to report: the rdflib graph was made
    assert THREAD not in stats.seconds  # loading text would rename the blank nodes: terms loaded


# --- shapes the screens leave to pySHACL ----------------------------------------------------------------


def _small(shapes_file: str) -> tuple[Graph, Graph]:
    """The small data (in a Graph with rdflib's default prefixes only, as the mapper's Dataset and
    the gate's on-demand graph have: pySHACL's generic messages print nodes with the data graph's
    prefixes) and a shapes file."""
    data = Graph()
    data += Graph().parse(DATA / "small-data.ttl", format="turtle")
    return data, Graph().parse(DATA / shapes_file, format="turtle")


def test_custom_component_falls_back_to_pyshacl() -> None:
    data, shapes = _small("custom-component-shapes.ttl")
    stats = gate.GateStats()
    fast = gate.validate_triples(union_triples(data), shapes, stats=stats)
    ref = validate(data, shapes)
    assert stats.fallback == "the shapes declare custom constraint components"
    assert_same(fast, ref)
    assert [(f.focus, f.path) for f in fast.findings] == [(EX + "b", EX + "label")]


def test_sparql_target() -> None:
    """Focus nodes from a SPARQL target are pySHACL's, found on an rdflib graph made for them."""
    data, shapes = _small("sparql-target-shapes.ttl")
    stats = gate.GateStats()
    fast = gate.validate_triples(union_triples(data), shapes, stats=stats)
    ref = validate(data, shapes)
    assert_same(fast, ref)
    assert_same(fast, gate.validate(data, shapes))
    assert sorted((f.focus, f.component) for f in fast.findings) == [
        (EX + "b", "DatatypeConstraintComponent"),
        (EX + "b", "MaxCountConstraintComponent"),
    ]
    assert stats.fallback is None and stats.seconds[ON_DEMAND] > 0


def test_ntriples_syntax_error_names_the_line() -> None:
    """Text that is not N-Triples: pyoxigraph's SyntaxError, with the line and column of the fault
    (the thread loading the same text is waited for, its own error dropped)."""
    text = b"<https://example.org/test/a> <https://example.org/test/p> <https://example.org/test/b> .\n<https://example.org/test/a> <https://example.org/test/p> .\n"
    with pytest.raises(SyntaxError) as err:
        gate.validate_ntriples(text)
    assert (err.value.lineno, err.value.offset) == (2, 59)


def test_language_in_with_an_iri_is_pyshacls_error_not_a_crash_of_the_screen() -> None:
    data, shapes = _small("language-in-iri-shapes.ttl")
    with pytest.raises(Exception) as reference:
        validate(data, shapes)
    for run in (lambda: gate.validate_triples(union_triples(data), shapes), lambda: gate.validate(data, shapes)):
        with pytest.raises(type(reference.value)) as got:
            run()
        assert str(got.value) == str(reference.value)
