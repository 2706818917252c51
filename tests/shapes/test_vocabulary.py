"""The ontology, the DSD, the shapes and the valid fixture themselves: they parse (rdflib and
Oxigraph), carry the metadata ontology/README.md asks for, and the valid fixture conforms with
no finding at all. Also checks that every shape is documented and exercised by a mutation test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from ntp_kg import resources
from ntp_kg.validate import shapes_graph, validate

from .conftest import ONTOLOGY_GRAPH, VALID
from .test_mutations import ALL, S

ROOT = resources.data_root()
NTP = "https://w3id.org/ntp-kg/def/ontology#"
ONTOLOGY = URIRef("https://w3id.org/ntp-kg/def/ontology")
QB = "http://purl.org/linked-data/cube#"
VANN = "http://purl.org/vocab/vann/"
OWN_FILES = [ROOT / "ontology" / "ntp.ttl", ROOT / "ontology" / "dsd.ttl"]


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", resources.ontology_files() + resources.shapes_files(), ids=_ids(resources.ontology_files() + resources.shapes_files()))
def test_turtle_parses_with_rdflib_and_oxigraph(path: Path) -> None:
    g = Graph().parse(source=str(path), format="turtle")
    with path.open("rb") as f:
        quads = list(pyoxigraph.parse(f, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(g) > 0
    assert len(quads) == len(g)


@pytest.mark.parametrize("path", OWN_FILES, ids=_ids(OWN_FILES))
def test_ontology_has_no_blank_nodes(path: Path) -> None:
    g = Graph().parse(source=str(path), format="turtle")
    assert [t for t in g if any(isinstance(x, BNode) for x in t)] == []


def test_valid_fixture_conforms_without_any_finding(valid_dataset: Dataset) -> None:
    report = validate(valid_dataset)
    assert report.findings == (), report.text()
    assert report.conforms


def test_valid_fixture_has_the_named_graphs_of_the_readme() -> None:
    ds = Dataset()
    ds.parse(source=str(VALID), format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {
        "https://w3id.org/ntp-kg/graph/reference",
        "https://w3id.org/ntp-kg/graph/source/test-source",
    }
    assert str(ONTOLOGY_GRAPH) == "https://w3id.org/ntp-kg/graph/ontology"


# ---------------------------------------------------------------------------------------------
# The ontology
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(source=str(ROOT / "ontology" / "ntp.ttl"), format="turtle")


def test_ontology_header(ontology: Graph) -> None:
    o = ONTOLOGY
    assert (o, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(o, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(o, OWL.versionIRI) == URIRef("https://w3id.org/ntp-kg/def/ontology/0.1.0")
    assert ontology.value(o, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert ontology.value(o, DCTERMS.creator) == Literal("ntp-kg project")
    assert ontology.value(o, URIRef(VANN + "preferredNamespacePrefix")) == Literal("ntp")
    assert ontology.value(o, URIRef(VANN + "preferredNamespaceUri")) == Literal(NTP)
    for p in (RDFS.label, DCTERMS.title, DCTERMS.description):
        assert any(isinstance(v, Literal) and v.language == "en" for v in ontology.objects(o, p)), p
    refs = {str(r) for r in ontology.objects(o, DCTERMS.references)}
    for ns in ("cube", "sdmx/2009/dimension", "sdmx/2009/measure", "sdmx/2009/attribute", "prov#", "org#",
               "skos/core", "oa#", "2006/time", "dc/terms", "schema.org", "spdx.org", "qudt.org", "dcat", "void"):
        assert any(ns in r for r in refs), ns


CLASSES = ["Province", "District", "Town", "AreaGroup", "Programme", "NationalTargetProgramme", "ProgrammeGroup", "Task"]
PROPERTIES = [
    "indicator", "programme", "status", "qualifier", "nature", "statedValue", "statedScale", "numerator",
    "denominator", "summand", "chairedBy", "reportedBy", "launchedIn", "dueDate", "administrativeLevels",
    "hasMemberProgramme", "programmeStatus",
]


@pytest.mark.parametrize("term", CLASSES + PROPERTIES)
def test_own_term_declared_and_documented(ontology: Graph, term: str) -> None:
    t = URIRef(NTP + term)
    kinds = set(ontology.objects(t, RDF.type))
    assert kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}, term
    assert (t, RDFS.isDefinedBy, ONTOLOGY) in ontology
    for p in (RDFS.label, RDFS.comment):
        assert [v for v in ontology.objects(t, p) if isinstance(v, Literal) and v.language == "en"], (term, p)
    if OWL.Class not in kinds and term not in ("programme", "reportedBy"):  # both: two kinds, left open
        assert ontology.value(t, RDFS.domain) is not None, term
    if OWL.Class not in kinds and term != "reportedBy":
        assert ontology.value(t, RDFS.range) is not None, term


def test_every_ntp_term_in_use_is_declared(ontology: Graph) -> None:
    """Terms of the ntp: namespace named in the README, the fixture or the shapes all exist."""
    declared = {str(s)[len(NTP):] for s in ontology.subjects() if str(s).startswith(NTP)}
    assert set(CLASSES + PROPERTIES) == declared
    used: set[str] = set()
    for f in [ROOT / "ontology" / "README.md", VALID, *resources.shapes_files()]:
        used |= set(re.findall(r"(?<![\w/])ntp:([A-Za-z]\w*)", f.read_text(encoding="utf-8")))
    assert used - declared == set()


def test_area_classes_are_administrative_areas(ontology: Graph) -> None:
    for c in ("Province", "District", "Town", "AreaGroup"):
        assert (URIRef(NTP + c), RDFS.subClassOf, URIRef("https://schema.org/AdministrativeArea")) in ontology
    assert (URIRef(NTP + "chairedBy"), RDFS.subPropertyOf, URIRef("http://www.w3.org/ns/prov#wasAssociatedWith")) in ontology


def test_coded_dimensions(ontology: Graph) -> None:
    qb = lambda n: URIRef(QB + n)  # noqa: E731
    for prop, scheme in (
        ("indicator", "https://w3id.org/ntp-kg/def/indicator"),
        ("status", "https://w3id.org/ntp-kg/def/code/status"),
        ("qualifier", "https://w3id.org/ntp-kg/def/code/qualifier"),
        ("nature", "https://w3id.org/ntp-kg/def/code/nature"),
    ):
        p = URIRef(NTP + prop)
        assert ontology.value(p, qb("codeList")) == URIRef(scheme)
        assert (p, RDF.type, OWL.ObjectProperty) in ontology
        assert ontology.value(p, RDFS.range) == SKOS.Concept
    for prop in ("indicator", "programme", "status"):
        assert (URIRef(NTP + prop), RDF.type, qb("DimensionProperty")) in ontology
    for prop in ("qualifier", "nature"):
        assert (URIRef(NTP + prop), RDF.type, qb("AttributeProperty")) in ontology


# ---------------------------------------------------------------------------------------------
# The DSD
# ---------------------------------------------------------------------------------------------


def test_dsd_components_exactly_as_the_readme() -> None:
    g = Graph().parse(source=str(ROOT / "ontology" / "dsd.ttl"), format="turtle")
    qb = lambda n: URIRef(QB + n)  # noqa: E731
    dsd = URIRef("https://w3id.org/ntp-kg/def/dsd/observations")
    base = str(dsd) + "/"
    sdmx = "http://purl.org/linked-data/sdmx/2009/"
    assert (dsd, RDF.type, qb("DataStructureDefinition")) in g
    expected = {
        "area": ("dimension", sdmx + "dimension#refArea", 1),
        "period": ("dimension", sdmx + "dimension#refPeriod", 2),
        "indicator": ("dimension", NTP + "indicator", 3),
        "programme": ("dimension", NTP + "programme", 4),
        "status": ("dimension", NTP + "status", 5),
        "value": ("measure", sdmx + "measure#obsValue", None),
        "unit": ("attribute", sdmx + "attribute#unitMeasure", None),
        "qualifier": ("attribute", NTP + "qualifier", None),
        "nature": ("attribute", NTP + "nature", None),
    }
    assert {str(c) for c in g.objects(dsd, qb("component"))} == {base + k for k in expected}
    for key, (kind, prop, order) in expected.items():
        spec = URIRef(base + key)
        assert (spec, RDF.type, qb("ComponentSpecification")) in g
        assert g.value(spec, qb(kind)) == URIRef(prop), key
        assert [v for v in g.objects(spec, RDFS.label) if v.language == "en"], key
        if order is not None:
            assert g.value(spec, qb("order")) == Literal(order)
        if kind == "attribute":
            assert g.value(spec, qb("componentRequired")) == Literal(True)
            assert g.value(spec, qb("componentAttachment")) == qb("Observation")


# ---------------------------------------------------------------------------------------------
# The shapes
# ---------------------------------------------------------------------------------------------

SHAPE_KINDS = (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)


def test_every_shape_has_an_iri_in_our_namespace_and_a_comment() -> None:
    sg = shapes_graph()
    # anything that acts as a shape or constraint: typed, or carrying a target, a path or a select
    nodes = {s for k in SHAPE_KINDS for s in sg.subjects(RDF.type, k)}
    nodes |= {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.select) for s in sg.subjects(p, None)}
    nodes |= {s for s, o in sg.subject_objects(SH.path)}
    nodes |= set(sg.objects(None, SH.property)) | set(sg.objects(None, SH.sparql)) | set(sg.objects(None, SH.qualifiedValueShape))
    for lst in list(sg.objects(None, SH["or"])) + list(sg.objects(None, SH.xone)):
        nodes |= set(Collection(sg, lst))
    bad = [n for n in nodes if not isinstance(n, URIRef) or not str(n).startswith(S)]
    assert bad == []
    undocumented = [n for n in nodes if not list(sg.objects(n, RDFS.comment))]
    assert undocumented == []


def test_constraints_have_messages() -> None:
    sg = shapes_graph()
    need = set(sg.subjects(RDF.type, SH.SPARQLConstraint))
    need |= {o for o in sg.objects(None, SH.property)}
    need -= {o for o in sg.objects(None, SH.qualifiedValueShape)}
    helper_properties = {URIRef(S + n) for n in ("RoleCode-scheme", "QuotingAnnotation-target", "TargetWithBothSelectors-quote", "TargetWithBothSelectors-position")}
    missing = sorted(str(n) for n in need - helper_properties if sg.value(n, SH.message) is None)
    assert missing == []


def test_every_shape_that_reports_is_exercised_by_a_mutation() -> None:
    """A shape no mutation breaks is a shape nobody has seen fail."""
    sg = shapes_graph()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = {s for p in targets for s in sg.subjects(p, None)}
    reporting = {o for s in targeted for o in sg.objects(s, SH.property)}
    node_level = (SH.sparql, SH.xone, SH["or"], SH["class"])
    reporting |= {s for s in targeted if any(True for p in node_level for _ in sg.objects(s, p))}
    exercised = {S + e.shape for c in ALL for e in c.expect}
    assert sorted(str(s) for s in reporting if str(s) not in exercised) == []


def test_datacube_keeps_the_integrity_constraints() -> None:
    text = (ROOT / "shapes" / "datacube.ttl").read_text(encoding="utf-8")
    assert "w3c/shacl" in text and "e283899" in text and "W3C Software and Document License" in text
    assert "?list skos:member+ ?value" in text
    sg = Graph().parse(source=str(ROOT / "shapes" / "datacube.ttl"), format="turtle")
    for n in (1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 19):
        label = sg.value(URIRef(f"{S}IC-{n}"), RDFS.label)
        assert label is not None and str(label).startswith(f"IC-{n}. "), n
    for n in (7, 8, 9, 10, 15, 16, 17, 18, 20, 21):
        assert (URIRef(f"{S}IC-{n}"), None, None) not in sg
        assert f"IC-{n}" in text  # and the header says why not
    assert (None, SH.rule, None) not in sg


def test_consistency_shapes_are_warnings() -> None:
    sg = Graph().parse(source=str(ROOT / "shapes" / "consistency.ttl"), format="turtle")
    shapes = set(sg.subjects(RDF.type, SH.NodeShape))
    assert shapes
    assert all(sg.value(s, SH.severity) == SH.Warning for s in shapes)
