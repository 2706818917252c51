"""The mapped graph: values in base units, provenance that leads back to the sentence, IRIs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from ntp_kg import resources
from ntp_kg.errors import IriCollision
from ntp_kg.facts import Seeds, load_seeds
from ntp_kg.iris import NTP, OA, QB, SDMX_MEASURE, Minter
from ntp_kg.mapper import decimal_lexical, map_seeds
from ntp_kg.pipeline import BuildResult
from ntp_kg.rdfio import to_rdflib_dataset
from ntp_kg.validate import union_graph

BASE = "https://w3id.org/ntp-kg/"
SID = "kinhtedothi-2025-03-07-lao-cai-ntp"


@pytest.fixture(scope="module")
def seeds() -> Seeds:
    return load_seeds(resources.seeds_dir())


@pytest.fixture(scope="module")
def g(built: BuildResult) -> Graph:
    return union_graph(built.dataset)


def test_every_observation_is_in_the_graph_with_its_value_in_base_units(seeds: Seeds, g: Graph) -> None:
    obs = seeds.facts[SID].facts.observations
    assert len(set(g.subjects(RDF.type, QB.Observation))) == len(obs) == 60
    for o in obs:
        node = URIRef(f"{BASE}id/obs/{SID}/{o.id}")
        scale = {"thousand": 10**3, "million": 10**6, "billion": 10**9}.get(o.scale or "", 1)
        expected = Literal(decimal_lexical(Decimal(o.value) * scale), datatype=XSD.decimal)
        assert g.value(node, SDMX_MEASURE.obsValue) == expected, o.id


@pytest.mark.parametrize(
    ("stated", "base_value"),
    [("2419", "2419000000000"), ("1782", "1782000000000"), ("134.6", "134600000000"), ("427", "427000"), ("73.7", "73.7")],
)
def test_scale_words_resolve_to_base_units(g: Graph, stated: str, base_value: str) -> None:
    q = "SELECT ?v WHERE { ?o ntp:statedValue ?s ; sdmx-measure:obsValue ?v . }"
    rows = list(g.query(q, initNs={"ntp": NTP, "sdmx-measure": SDMX_MEASURE}, initBindings={"s": Literal(stated)}))
    assert [str(r[0]) for r in rows] == [base_value]


def test_every_fact_leads_back_to_its_sentence(seeds: Seeds, g: Graph) -> None:
    """For each annotation: exact == text[start:end], prefix/suffix are its neighbours."""
    text = seeds.sources[SID].text
    facts = seeds.facts[SID].facts
    n = 0
    for ann in g.subjects(RDF.type, OA.Annotation):
        body = g.value(ann, OA.hasBody)
        assert (body, PROV.wasDerivedFrom, URIRef(f"{BASE}id/source/{SID}")) in g
        target = g.value(ann, OA.hasTarget)
        assert g.value(target, OA.hasSource) == URIRef(f"{BASE}id/source/{SID}")
        sels = {g.value(s, RDF.type): s for s in g.objects(target, OA.hasSelector)}
        exact = str(g.value(sels[OA.TextQuoteSelector], OA.exact))
        start = int(g.value(sels[OA.TextPositionSelector], OA.start))
        end = int(g.value(sels[OA.TextPositionSelector], OA.end))
        assert text[start:end] == exact
        assert text[:start].endswith(str(g.value(sels[OA.TextQuoteSelector], OA.prefix)))
        assert text[end:].startswith(str(g.value(sels[OA.TextQuoteSelector], OA.suffix)))
        n += 1
    memberships = sum(1 for s in facts.statements if s.kind == "post" and getattr(s, "person", None))
    assert n == len(facts.observations) + len(facts.statements) + memberships


def test_labels_en_and_ar_on_every_observation(g: Graph) -> None:
    for o in g.subjects(RDF.type, QB.Observation):
        langs = {lit.language for lit in g.objects(o, RDFS.label)}
        assert {"en", "ar"} <= langs, o


def test_official_has_both_arabic_spellings(g: Graph) -> None:
    person = URIRef(f"{BASE}id/person/hoang-quoc-khanh")
    ar = {str(lit) for lit in g.objects(person, RDFS.label) if lit.language == "ar"}
    assert ar == {"هوانغ كوك خانه", "هوانج كوك خانه"}
    assert Literal("Hoàng Quốc Khánh", lang="vi") in set(g.objects(person, RDFS.label))


def test_districts_and_town_are_part_of_the_province(g: Graph) -> None:
    q = """SELECT ?id WHERE { ?d dcterms:isPartOf ?p ; a ?t ; dcterms:identifier ?id .
           ?p dcterms:identifier "lao-cai" . FILTER(?t IN (ntp:District, ntp:Town)) } ORDER BY ?id"""
    ids = [str(r[0]) for r in g.query(q, initNs={"ntp": NTP, "dcterms": "http://purl.org/dc/terms/"})]
    assert ids == ["bao-thang", "bao-yen", "muong-khuong", "sa-pa", "si-ma-cai"]


def test_base_iri_moves_instances_not_vocabulary(seeds: Seeds) -> None:
    ds = to_rdflib_dataset(map_seeds(seeds, resources.ontology_files(), "https://data.example.org/ntp/").sort())
    g = union_graph(ds)
    subjects = {str(s) for s in g.subjects()}
    assert "https://data.example.org/ntp/id/area/lao-cai" in subjects
    assert not any(s.startswith("https://w3id.org/ntp-kg/id/") for s in subjects)
    assert "https://w3id.org/ntp-kg/def/indicator" in subjects
    names = {str(c.identifier) for c in ds.graphs() if len(c)}
    assert f"https://data.example.org/ntp/graph/source/{SID}" in names


def test_minter_refuses_one_iri_for_two_things() -> None:
    m = Minter(BASE)
    assert m.area("x") == m.area("x")  # the same thing twice is one IRI
    m._mint(("task", "a"), "id/task/a")
    with pytest.raises(IriCollision, match="would name both task/a and event/a"):
        m._mint(("event", "a"), "id/task/a")


@pytest.mark.parametrize("bad", ["http://x.org/no-slash", "ftp://x.org/", "https://x.org/a b/", "x.org/"])
def test_base_must_be_an_http_iri_ending_in_slash(bad: str) -> None:
    with pytest.raises(ValueError, match="must be an http"):
        Minter(bad)


def test_decimal_lexical_forms() -> None:
    assert decimal_lexical(Decimal("134.6") * 10**9) == "134600000000"
    assert decimal_lexical(Decimal("73.70")) == "73.7"
    assert decimal_lexical(Decimal("-0.61")) == "-0.61"
    assert decimal_lexical(Decimal("0")) == "0"


def test_the_benchmarks_rdflib_mapper_maps_the_same_graph(seeds: Seeds) -> None:
    """benchmarks/rdflib_mapper.py (the rdflib-only baseline) must time the same work."""
    import importlib.util
    import sys
    from pathlib import Path

    import pyoxigraph as ox

    from ntp_kg import rdfio

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "rdflib_mapper.py"
    spec = importlib.util.spec_from_file_location("ntp_kg_bench_rdflib_mapper", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    ds = module.map_seeds(seeds, resources.ontology_files(), BASE)
    baseline = rdfio.sorted_lines(ox.serialize(rdfio.quads(ds), format=ox.RdfFormat.N_QUADS))
    assert baseline == map_seeds(seeds, resources.ontology_files(), BASE).sort().nquads()
