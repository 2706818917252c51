"""The catalogue conforms to the official DCAT-AP 3.0.1 SHACL shapes (tests/catalog/dcat-ap-3.0.1/).

How the two shape files combine is written up in dcat-ap-3.0.1/PROVENANCE.md and checked here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

SHAPES = Path(__file__).parent / "dcat-ap-3.0.1"
SH = Namespace("http://www.w3.org/ns/shacl#")
AP = "https://semiceu.github.io/DCAT-AP/releases/3.0.1#"
CHECKSUMS = {
    "dcat-ap-SHACL.ttl": "990d3e42721de6a4be8cc338a7171559f195e62dea89c0b56531356b78cc026f",
    "ranges.ttl": "a6eed0fae8d0f5ca977fe2098ca12081ac60b0efe1ddce802d5c08e49505ebcc",
}
# property shapes that ranges.ttl lists but neither file defines (no triple at all)
DANGLING = {
    AP + "dcat:DistributionShape/a07d6e7a0a1790b89a1ce7ff602cbbd9ea835282",
    AP + "dcat:DistributionShape/653804840386e33525b3d39d205c174780be414b",
    AP + "dcat:DatasetShape/95c69c99a1e3ade043911b51b942f206dea0e68d",
    AP + "dcat:DatasetShape/4918ff7a6c1c4b0eea6403dca4b992b87ee1f4ab",
    AP + "dcat:RelationshipShape/b7aa98e1befa5130659568aa62e7f38575dc17c1",
}
DATASET = URIRef("https://w3id.org/ntp-kg/id/dataset/ntp-kg")


def _load(name: str) -> Graph:
    return Graph().parse(SHAPES / name, format="turtle")


def _undefined(g: Graph) -> set[str]:
    """sh:property references to shapes that have no sh:path in `g`."""
    return {str(ps) for ps in g.objects(None, SH.property) if (ps, SH.path, None) not in g}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """Both files, less the sh:property references to the 5 shapes defined nowhere."""
    g = _load("dcat-ap-SHACL.ttl") + _load("ranges.ttl")
    for node, ps in list(g.subject_objects(SH.property)):
        if (ps, None, None) not in g:
            g.remove((node, SH.property, ps))
    return g


def _validate(data: Graph, shapes: Graph, inference: str = "none") -> tuple[bool, Graph, str]:
    conforms, report, text = validate(data, shacl_graph=shapes, inference=inference, allow_warnings=False)
    assert isinstance(report, Graph)
    return bool(conforms), report, str(text)


def _results(report: Graph) -> list[tuple[str, str, str]]:
    return sorted(
        (str(report.value(r, SH.resultSeverity)), str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


def test_shape_files_are_the_published_ones() -> None:
    for name, digest in CHECKSUMS.items():
        assert hashlib.sha256((SHAPES / name).read_bytes()).hexdigest() == digest, f"{name} differs from DCAT-AP 3.0.1"


def test_neither_shape_file_stands_alone() -> None:
    """dcat-ap-SHACL.ttl needs 2 property shapes of ranges.ttl; ranges.ttl needs 201 of the other."""
    main, ranges = _load("dcat-ap-SHACL.ttl"), _load("ranges.ttl")
    from_ranges = _undefined(main)
    assert len(from_ranges) == 2 and all((URIRef(ps), SH.path, None) in ranges for ps in from_ranges)
    assert {str(ranges.value(URIRef(ps), SH.path)) for ps in from_ranges} == {str(DCAT.endpointURL), str(DCAT.endpointDescription)}
    from_main = _undefined(ranges) - DANGLING
    assert len(from_main) == 201 and all((URIRef(ps), SH.path, None) in main for ps in from_main)
    assert _undefined(main + ranges) == DANGLING


def test_catalogue_conforms_to_dcat_ap_3(catalog_graph: Graph, shapes: Graph) -> None:
    conforms, report, text = _validate(catalog_graph, shapes)
    assert _results(report) == [], text  # no violation, no warning, no info
    assert conforms


def test_catalogue_conforms_under_rdfs_entailment_too(catalog_graph: Graph, shapes: Graph) -> None:
    conforms, report, text = _validate(catalog_graph, shapes, inference="rdfs")
    assert conforms, text


def test_the_shapes_do_run(catalog_graph: Graph, shapes: Graph) -> None:
    """A dataset without a title, a distribution without an access URL: violations, as they should."""
    broken = Graph() + catalog_graph
    broken.remove((DATASET, DCTERMS.title, None))
    dist = next(broken.objects(DATASET, DCAT.distribution))
    broken.remove((dist, DCAT.accessURL, None))
    broken.add((dist, DCAT.byteSize, Literal("many")))
    conforms, report, _ = _validate(broken, shapes)
    assert not conforms
    found = {(focus, path) for severity, focus, path in _results(report) if severity == str(SH.Violation)}
    assert (str(DATASET), str(DCTERMS.title)) in found
    assert (str(dist), str(DCAT.accessURL)) in found
    assert (str(dist), str(DCAT.byteSize)) in found
