"""The DCAT catalogue and VoID description: what they state, computed from the build and dist/."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD

from ntp_kg import catalog, pipeline, publish, resources
from ntp_kg.errors import SeedError
from ntp_kg.iris import DEFAULT_BASE, NTP, QB, SCHEMA, SPDX
from ntp_kg.pipeline import BuildResult
from ntp_kg.rdfio import quads, to_rdflib_graph, triples

BASE = DEFAULT_BASE
DATASET = URIRef(BASE + "id/dataset/ntp-kg")
CATALOG = URIRef(BASE + "catalog")
IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EXPECTED_FORMATS = {
    "ntp-kg.nt": ("application/n-triples", "RDF_N_TRIPLES"),
    "ntp-kg.ttl": ("text/turtle", "RDF_TURTLE"),
    "ntp-kg.jsonld": ("application/ld+json", "JSON_LD"),
    "ntp-kg.trig": ("application/trig", "RDF_TRIG"),
    "ntp-kg.nq": ("application/n-quads", "RDF_N_QUADS"),
}
DUMP_NAMES = sorted([*EXPECTED_FORMATS, *(n + ".gz" for n in EXPECTED_FORMATS)])


def _one(g: Graph, s: URIRef, p: URIRef) -> object:
    values = list(g.objects(s, p))
    assert len(values) == 1, f"{s} {p}: expected one value, got {values}"
    return values[0]


def _texts(g: Graph, s: URIRef, p: URIRef) -> dict[str, str]:
    return {o.language: str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language}


# ---------------------------------------------------------------------------------------------
# the catalogue, the dataset, the service
# ---------------------------------------------------------------------------------------------


def test_catalogue_lists_the_dataset_and_the_sparql_service(catalog_graph: Graph) -> None:
    g = catalog_graph
    assert (CATALOG, RDF.type, DCAT.Catalog) in g
    assert list(g.subjects(RDF.type, DCAT.Dataset)) == [DATASET]
    assert (CATALOG, DCAT.dataset, DATASET) in g
    service = _one(g, CATALOG, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in g
    assert _one(g, service, DCAT.endpointURL) == URIRef(BASE + "sparql")
    assert _one(g, service, DCAT.servesDataset) == DATASET
    assert _one(g, service, DCTERMS.conformsTo) == URIRef("https://www.w3.org/TR/sparql11-protocol/")


def test_titles_and_descriptions_in_english_and_vietnamese(catalog_graph: Graph) -> None:
    text = catalog.load_text()
    for node, part in ((CATALOG, text.catalog), (DATASET, text.dataset)):
        assert _texts(catalog_graph, node, DCTERMS.title) == part.title
        assert set(_texts(catalog_graph, node, DCTERMS.description)) == {"en", "vi"}
    assert "Vietnam" in _texts(catalog_graph, DATASET, DCTERMS.title)["en"]
    assert "Việt Nam" in _texts(catalog_graph, DATASET, DCTERMS.title)["vi"]


def test_identifier_is_the_stable_dataset_iri(catalog_graph: Graph) -> None:
    """CKAN harvesters use the dataset IRI (else dcterms:identifier) as the dataset's GUID."""
    assert _one(catalog_graph, DATASET, DCTERMS.identifier) == Literal(str(DATASET))


def test_publisher_contact_licence_and_attribution(catalog_graph: Graph) -> None:
    g = catalog_graph
    publisher = _one(g, DATASET, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert _texts(g, publisher, FOAF.name)["en"] == "ntp-kg project"
    contact = _one(g, DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, URIRef("http://www.w3.org/2006/vcard/ns#Kind")) in g
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert _one(g, DATASET, DCTERMS.license) == licence
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in g
    rights = _one(g, DATASET, DCTERMS.rights)
    assert (rights, RDF.type, DCTERMS.RightsStatement) in g
    labels = _texts(g, rights, RDFS.label)
    assert set(labels) == {"en", "vi"}
    # attribution names the source: publisher, title, date and URL, in each language
    assert "Kinh te & Do thi" in labels["en"] and "Lao Cai to deploy two more new national target programmes" in labels["en"]
    assert "Báo Kinh tế & Đô thị" in labels["vi"] and "Lào Cai triển khai thêm 2 chương trình" in labels["vi"]
    for label in labels.values():
        assert "CC BY 4.0" in label and "2025-03-07" in label and "https://kinhtedothi.vn/" in label
    access = _one(g, DATASET, DCTERMS.accessRights)
    assert access == URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")


def test_dates_come_from_the_sources_not_the_clock(catalog_graph: Graph) -> None:
    """The one source is dated 2025-03-07: issued and modified say so, whenever the build runs."""
    day = Literal("2025-03-07", datatype=XSD.date)
    for node in (CATALOG, DATASET):
        assert _one(catalog_graph, node, DCTERMS.issued) == day
        assert _one(catalog_graph, node, DCTERMS.modified) == day


def test_spatial_coverage_is_the_province(catalog_graph: Graph) -> None:
    province = URIRef(BASE + "id/area/lao-cai")
    assert _one(catalog_graph, DATASET, DCTERMS.spatial) == province
    assert (province, RDF.type, DCTERMS.Location) in catalog_graph
    assert _texts(catalog_graph, province, SKOS.prefLabel) == {"en": "Lao Cai Province", "vi": "Lào Cai"}


def test_temporal_coverage_spans_the_observations_reference_periods(catalog_graph: Graph) -> None:
    """Observations refer to 2024, 2025 and the date 2025-01-31: 2024-01-01 to 2025-12-31."""
    period = _one(catalog_graph, DATASET, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in catalog_graph
    assert _one(catalog_graph, period, DCAT.startDate) == Literal("2024-01-01", datatype=XSD.date)
    assert _one(catalog_graph, period, DCAT.endDate) == Literal("2025-12-31", datatype=XSD.date)


def test_keywords_and_eu_data_themes(catalog_graph: Graph) -> None:
    words = {(str(o), o.language) for o in catalog_graph.objects(DATASET, DCAT.keyword) if isinstance(o, Literal)}
    assert ("national target programmes", "en") in words
    assert ("chương trình mục tiêu quốc gia", "vi") in words
    themes = {str(t).rsplit("/", 1)[-1] for t in catalog_graph.objects(DATASET, DCAT.theme)}
    assert themes == {"ECON", "GOVE", "SOCI", "REGI"}
    for t in catalog_graph.objects(DATASET, DCAT.theme):
        assert str(t).startswith("http://publications.europa.eu/resource/authority/data-theme/")
        assert (t, RDF.type, SKOS.Concept) in catalog_graph
        assert _texts(catalog_graph, t, SKOS.prefLabel)["en"]


def test_landing_page_is_the_base(catalog_graph: Graph) -> None:
    assert _one(catalog_graph, DATASET, DCAT.landingPage) == URIRef(BASE)


# ---------------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------------


def _distributions(g: Graph) -> dict[str, URIRef]:
    out = {}
    for d in g.objects(DATASET, DCAT.distribution):
        url = str(_one(g, d, DCAT.downloadURL))
        assert url.startswith(BASE + "dumps/")
        out[url.removeprefix(BASE + "dumps/")] = d
    return out


def test_every_dump_and_its_gzip_twin_is_a_distribution(catalog_graph: Graph) -> None:
    assert sorted(_distributions(catalog_graph)) == DUMP_NAMES
    assert sorted(d.name for d in publish.DUMPS) == sorted(EXPECTED_FORMATS)


@pytest.mark.parametrize("name", DUMP_NAMES)
def test_distribution_states_size_checksum_and_formats_of_the_file(catalog_graph: Graph, dist: Path, name: str) -> None:
    g = catalog_graph
    d = _distributions(g)[name]
    data = (dist / name).read_bytes()
    media, file_type = EXPECTED_FORMATS[name.removesuffix(".gz")]
    assert (d, RDF.type, DCAT.Distribution) in g
    assert _one(g, d, DCAT.accessURL) == URIRef(BASE + "dumps/" + name)
    assert _one(g, d, DCAT.mediaType) == URIRef(IANA + media)
    assert _one(g, d, DCTERMS.format) == URIRef(FILE_TYPE + file_type)
    assert _one(g, d, DCAT.byteSize) == Literal(str(len(data)), datatype=XSD.nonNegativeInteger)
    checksum = _one(g, d, SPDX.checksum)
    assert isinstance(checksum, URIRef), "checksums are IRI nodes: the project publishes no blank nodes"
    assert _one(g, checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert _one(g, checksum, SPDX.checksumValue) == Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)
    compress = list(g.objects(d, DCAT.compressFormat))
    assert compress == ([URIRef(IANA + "application/gzip")] if name.endswith(".gz") else [])
    assert _one(g, d, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_checksums_agree_with_sha256sums(catalog_graph: Graph, dist: Path) -> None:
    sums = dict(reversed(line.split("  ")) for line in (dist / "SHA256SUMS").read_text().splitlines())
    for name, d in _distributions(catalog_graph).items():
        assert str(_one(catalog_graph, _one(catalog_graph, d, SPDX.checksum), SPDX.checksumValue)) == sums[name]


def test_dump_facts_from_bytes_equal_those_from_dist(built: BuildResult, dist: Path, dumps: list[catalog.DumpFile]) -> None:
    """write_dist can describe the files from their bytes (publish.render's) or from the sizes
    and SHA-256 it noted as it wrote them."""
    files = publish.render(built.graph)
    for d in publish.DUMPS:
        files[d.name + ".gz"] = (dist / (d.name + ".gz")).read_bytes()
    assert catalog.dump_files(files) == dumps
    assert catalog.dump_files({name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in files.items()}) == dumps


def test_missing_dump_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(catalog.CatalogError, match="ntp-kg.nt"):
        catalog.dump_files_in(tmp_path)


# ---------------------------------------------------------------------------------------------
# VoID
# ---------------------------------------------------------------------------------------------


def _int(g: Graph, s: object, p: URIRef) -> int:
    value = _one(g, s, p)  # type: ignore[arg-type]
    assert isinstance(value, Literal) and value.datatype == XSD.integer, value
    return int(value)


def test_void_statistics_are_those_of_the_published_graph(catalog_graph: Graph, built: BuildResult, dist: Path) -> None:
    g = catalog_graph
    union = to_rdflib_graph(triples(quads(built.dataset)))
    nt_lines = (dist / "ntp-kg.nt").read_bytes().count(b"\n")
    assert _int(g, DATASET, VOID.triples) == len(union) == nt_lines
    assert _int(g, DATASET, VOID.properties) == len(set(union.predicates()))
    assert _int(g, DATASET, VOID.classes) == len(set(union.objects(None, RDF.type)))
    assert _int(g, DATASET, VOID.distinctSubjects) == len(set(union.subjects()))
    assert _int(g, DATASET, VOID.distinctObjects) == len(set(union.objects()))
    entities = {s for s in union.subjects() if str(s).startswith(BASE + "id/")}
    assert _int(g, DATASET, VOID.entities) == len(entities)
    assert _one(g, DATASET, VOID.uriSpace) == Literal(BASE + "id/")
    # hand-checked figures of the current seeds (ontology/README.md, sparql/README.md)
    partitions = {_one(g, p, VOID["class"]): _int(g, p, VOID.entities) for p in g.objects(DATASET, VOID.classPartition)}
    assert partitions[QB.Observation] == 60
    assert partitions[NTP.Province] == 1
    assert partitions[URIRef("http://www.w3.org/ns/oa#Annotation")] == 77


def test_partitions_cover_every_class_and_property(catalog_graph: Graph, built: BuildResult) -> None:
    g = catalog_graph
    union = to_rdflib_graph(triples(quads(built.dataset)))
    classes = {_one(g, p, VOID["class"]) for p in g.objects(DATASET, VOID.classPartition)}
    assert classes == set(union.objects(None, RDF.type))
    props = {_one(g, p, VOID.property): _int(g, p, VOID.triples) for p in g.objects(DATASET, VOID.propertyPartition)}
    assert set(props) == set(union.predicates())
    assert sum(props.values()) == len(union)
    for part in [*g.objects(DATASET, VOID.classPartition), *g.objects(DATASET, VOID.propertyPartition)]:
        assert isinstance(part, URIRef) and str(part).startswith(str(DATASET) + "/")


def test_void_links_endpoint_dumps_examples_and_vocabularies(catalog_graph: Graph) -> None:
    g = catalog_graph
    assert (DATASET, RDF.type, VOID.Dataset) in g
    assert _one(g, DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert sorted(str(u).removeprefix(BASE + "dumps/") for u in g.objects(DATASET, VOID.dataDump)) == DUMP_NAMES
    examples = set(g.objects(DATASET, VOID.exampleResource))
    assert URIRef(BASE + "id/area/lao-cai") in examples
    assert any(str(e).startswith(BASE + "id/obs/") for e in examples)
    vocabularies = {str(v) for v in g.objects(DATASET, VOID.vocabulary)}
    for v in ("http://purl.org/linked-data/cube", "http://www.w3.org/ns/prov", "http://www.w3.org/ns/oa", "https://schema.org/", "https://w3id.org/ntp-kg/def/ontology"):
        assert v in vocabularies
    description = URIRef(BASE + ".well-known/void")
    assert (description, RDF.type, VOID.DatasetDescription) in g
    assert _one(g, description, FOAF.primaryTopic) == DATASET


# ---------------------------------------------------------------------------------------------
# IRIs, serialisations, determinism
# ---------------------------------------------------------------------------------------------


def test_no_blank_nodes(catalog_graph: Graph) -> None:
    assert not [t for t in catalog_graph if any(isinstance(x, BNode) for x in t)]


@pytest.mark.parametrize("fmt", sorted(catalog.MEDIA_TYPES))
def test_every_serialisation_parses_back_to_the_same_graph(catalog_graph: Graph, fmt: str) -> None:
    data = catalog.serialize(catalog_graph, fmt)
    rdflib_format = {"turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}[fmt]
    assert isomorphic(Graph().parse(data=data, format=rdflib_format), catalog_graph)
    ox_format = ox.RdfFormat.from_media_type(catalog.MEDIA_TYPES[fmt])
    assert ox_format is not None
    assert isomorphic(to_rdflib_graph(ox.parse(data, format=ox_format)), catalog_graph)


def test_serialisation_is_deterministic_across_processes(dist: Path, catalog_turtle: bytes) -> None:
    """Two fresh interpreters with different hash seeds write the same bytes as this one."""
    script = (
        "import sys, hashlib; from pathlib import Path; from ntp_kg import catalog; from ntp_kg.store import load_dist\n"
        "g = catalog.catalog_graph(load_dist(Path(sys.argv[1])), catalog.dump_files_in(Path(sys.argv[1])))\n"
        "print(' '.join(hashlib.sha256(catalog.serialize(g, f)).hexdigest() for f in sorted(catalog.MEDIA_TYPES)))\n"
    )
    outs = set()
    for seed in ("1", "2"):
        r = subprocess.run([sys.executable, "-c", script, str(dist)], capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout.split()[sorted(catalog.MEDIA_TYPES).index("turtle")])
    assert outs == {hashlib.sha256(catalog_turtle).hexdigest()}


def test_store_and_dataset_give_the_same_catalogue(catalog_graph: Graph, dist: Path, dumps: list[catalog.DumpFile]) -> None:
    """The server (a pyoxigraph store of dist/, its named graphs) and the build (the rdflib Dataset) agree."""
    from ntp_kg.store import load_dist

    from_store = catalog.catalog_graph(load_dist(dist), dumps)
    assert isomorphic(from_store, catalog_graph)
    assert catalog.serialize(from_store, "ntriples") == catalog.serialize(catalog_graph, "ntriples")


@pytest.mark.parametrize("name", sorted(publish.CATALOG_FILES))
def test_a_store_of_the_union_gives_the_files_the_build_wrote(dist: Path, dumps: list[catalog.DumpFile], catalog_graph: Graph, name: str) -> None:
    """A Store holding the published union triples (ntp-kg.nt) in its default graph, its literals
    in the store's canonical form, is queried as it is and gives the build's catalogue files,
    byte for byte, and the same bytes as the catalogue of the build's Dataset."""
    store = ox.Store()
    store.bulk_load(path=dist / "ntp-kg.nt", format=ox.RdfFormat.N_TRIPLES)
    assert list(store.named_graphs()) == []
    assert catalog.union_store(store) is store  # no copy
    data = catalog.serialize(catalog.catalog_graph(store, dumps), publish.CATALOG_FILES[name])
    assert data == (dist / name).read_bytes()
    assert data == catalog.serialize(catalog_graph, publish.CATALOG_FILES[name])


def test_the_catalogue_queries_on_disk_are_the_ones_used() -> None:
    """templates/catalog/*.rq are loaded by name (catalog.query_text): the names in the code and
    the files agree, each opens with the question it answers and parses."""
    from importlib import resources as importlib_resources

    folder = importlib_resources.files("ntp_kg") / "templates" / "catalog"
    assert sorted(p.name.removesuffix(".rq") for p in folder.iterdir() if p.name.endswith(".rq")) == sorted(catalog.QUERIES)
    for name in catalog.QUERIES:
        text = catalog.query_text(name)
        opening = " ".join(line for line in text.splitlines() if line.startswith("#"))
        assert text.startswith("# ") and "?" in opening, f"{name}.rq must open with the question it answers"
        ox.Store().query(text, substitutions={ox.Variable("space"): ox.Literal(BASE + "id/")} if "?space" in text else None)


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(BASE + "id/" + local)


def _v(iri: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def test_a_triple_in_two_named_graphs_counts_once() -> None:
    """VoID counts the union graph: a Store's named graphs are merged first (the store's
    union default graph would count each graph's copy)."""
    a, b, other = _n("a"), _n("b"), ox.NamedNode("https://example.org/c")
    g1, g2 = ox.NamedNode(BASE + "graph/1"), ox.NamedNode(BASE + "graph/2")
    label = ox.Literal("A", language="en")
    store = ox.Store()
    store.extend([
        ox.Quad(a, _v(RDF.type), _v(QB.Observation), g1),
        ox.Quad(a, _v(RDF.type), _v(QB.Observation), g2),
        ox.Quad(a, _v(RDFS.label), label, g1),
        ox.Quad(a, _v(RDFS.label), label, g2),
        ox.Quad(b, _v(RDF.type), _v(QB.Observation), g2),
        ox.Quad(other, _v(RDFS.label), label),  # the default graph is part of the union too
    ])
    stats = catalog.statistics(catalog.union_store(store), BASE + "id/")
    assert stats == catalog.Statistics(
        triples=4,
        entities=2,
        distinct_subjects=3,
        distinct_objects=2,
        class_entities={QB.Observation: 2},
        property_triples={RDF.type: 2, RDFS.label: 2},
    )
    assert len(store) == 6  # the caller's store is left as it was


def test_a_dataset_is_counted_as_its_published_union() -> None:
    """A Dataset's union is the triples the dumps print (rdfio.to_ox): a simple literal and its
    ^^xsd:string twin are one triple, as in ntp-kg.nt."""
    from rdflib import Dataset

    ds = Dataset()
    g = ds.graph(URIRef("https://example.org/g"))
    s, p = URIRef(BASE + "id/s"), URIRef("https://example.org/p")
    g.add((s, p, Literal("x")))
    g.add((s, p, Literal("x", datatype=XSD.string)))
    ds.graph(URIRef("https://example.org/h")).add((s, p, Literal("x")))
    store = catalog.union_store(ds)
    assert list(store.named_graphs()) == []
    assert list(store) == [ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), ox.Literal("x"))]
    assert catalog.statistics(store, BASE + "id/") == catalog.Statistics(1, 1, 1, 1, {}, {p: 1})


def test_citations_take_the_label_in_the_language_else_english() -> None:
    """Two sources, by IRI order; the publisher has no Vietnamese name: its English one is used;
    a source with no publisher is cited as '?', with its IRI as URL when it has none."""
    s1, s2, pub, obs = _n("source/1"), _n("source/2"), _n("agent/p"), _n("obs/1")
    day = ox.NamedNode(str(XSD.date))
    store = ox.Store()
    store.extend(ox.Quad(*t) for t in [
        (obs, _v(PROV.wasDerivedFrom), s2),
        (obs, _v(PROV.wasDerivedFrom), s1),
        (s1, _v(DCTERMS.date), ox.Literal("2025-03-01", datatype=day)),
        (s1, _v(DCTERMS.publisher), pub),
        (s1, _v(SCHEMA.url), ox.NamedNode("https://example.org/news/1")),
        (s1, _v(DCTERMS.title), ox.Literal("Report", language="en")),
        (s1, _v(DCTERMS.title), ox.Literal("Báo cáo", language="vi")),
        (s1, _v(RDFS.label), ox.Literal("Other label", language="vi")),  # dcterms:title comes first
        (pub, _v(RDFS.label), ox.Literal("Province Portal", language="en")),
        (s2, _v(DCTERMS.date), ox.Literal("2024-01-02", datatype=day)),
        (s2, _v(RDFS.label), ox.Literal("B", language="en")),
        (s2, _v(RDFS.label), ox.Literal("A", language="en")),  # the least text of a property
    ])
    srcs = catalog.sources(store)
    assert [s.iri for s in srcs] == [URIRef(s1.value), URIRef(s2.value)]
    names = catalog.labels(store)
    assert [catalog._citation(s, names, "vi") for s in srcs] == [
        "Province Portal, “Báo cáo”, 2025-03-01, https://example.org/news/1",
        f"?, “A”, 2024-01-02, {s2.value}",
    ]
    assert catalog._citation(srcs[0], names, "en") == "Province Portal, “Report”, 2025-03-01, https://example.org/news/1"


def test_a_source_date_that_is_no_date_names_the_source() -> None:
    source, obs = _n("source/1"), _n("obs/1")
    store = ox.Store()
    store.extend([
        ox.Quad(obs, _v(PROV.wasDerivedFrom), source),
        ox.Quad(source, _v(DCTERMS.date), ox.Literal("March 2025")),
    ])
    with pytest.raises(catalog.CatalogError, match=r"source document .*id/source/1: dcterms:date 'March 2025' is not a date"):
        catalog.sources(store)


def test_jsonld_uses_the_project_prefixes(catalog_graph: Graph) -> None:
    doc = json.loads(catalog.serialize(catalog_graph, "jsonld"))
    ctx = doc["@context"]
    assert ctx["dcat"] == "http://www.w3.org/ns/dcat#" and ctx["void"] == "http://rdfs.org/ns/void#"


def test_another_base_moves_every_minted_iri(dumps: list[catalog.DumpFile], catalog_graph: Graph) -> None:
    base = "http://127.0.0.1:8123/kg/"
    _, mapped = pipeline.graph(base)
    store = ox.Store()
    store.bulk_load(mapped.ntriples(), format=ox.RdfFormat.N_TRIPLES)
    g = catalog.catalog_graph(store, dumps, base)
    dataset = URIRef(base + "id/dataset/ntp-kg")
    assert list(g.subjects(RDF.type, DCAT.Dataset)) == [dataset]
    assert (URIRef(base + "catalog"), DCAT.dataset, dataset) in g
    assert _one(g, dataset, VOID.uriSpace) == Literal(base + "id/")
    assert _one(g, dataset, VOID.sparqlEndpoint) == URIRef(base + "sparql")
    assert _one(g, dataset, DCTERMS.spatial) == URIRef(base + "id/area/lao-cai")
    assert not [t for t in g if any(str(x).startswith(DEFAULT_BASE + "id/") for x in t)]
    # the statistics do not depend on the base
    for p in (VOID.triples, VOID.entities, VOID.classes, VOID.properties):
        assert _one(g, dataset, p) == _one(catalog_graph, DATASET, p)


def test_bad_base_is_refused(built: BuildResult, dumps: list[catalog.DumpFile]) -> None:
    with pytest.raises(ValueError, match="must be an http"):
        catalog.catalog_graph(built.dataset, dumps, "https://example.org/no-slash")


# ---------------------------------------------------------------------------------------------
# the text file
# ---------------------------------------------------------------------------------------------


def test_text_file_is_where_the_loader_reads_it() -> None:
    assert (resources.data_root() / catalog.TEXT_FILE).is_file()
    text = catalog.load_text()
    assert set(text.formats) == {d.media_type for d in publish.DUMPS}


def test_invalid_text_file_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.yaml"
    original = (resources.data_root() / catalog.TEXT_FILE).read_text(encoding="utf-8")
    bad.write_text(original.replace("  access_rights: PUBLIC\n", ""), encoding="utf-8")
    with pytest.raises(SeedError, match=r"catalog\.yaml: dataset\.access_rights: Field required"):
        catalog.load_text(bad)


def test_a_media_type_without_format_names_is_an_error(built: BuildResult, dumps: list[catalog.DumpFile]) -> None:
    text = catalog.load_text()
    fewer = text.model_copy(update={"formats": {k: v for k, v in text.formats.items() if k != "application/trig"}})
    with pytest.raises(catalog.CatalogError, match="application/trig"):
        catalog.catalog_graph(built.dataset, dumps, text=fewer)
