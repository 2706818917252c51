"""dist/: every dump re-parsed by two independent parsers into the same graph; checksums; gzip."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, to_isomorphic

from ntp_kg.pipeline import BuildResult
from ntp_kg.publish import DUMPS, MARKER
from ntp_kg.rdfio import quads, to_rdflib_graph, triples

TRIPLE_DUMPS = {"ntp-kg.nt": ("nt", ox.RdfFormat.N_TRIPLES), "ntp-kg.ttl": ("turtle", ox.RdfFormat.TURTLE), "ntp-kg.jsonld": ("json-ld", ox.RdfFormat.JSON_LD)}
QUAD_DUMPS = {"ntp-kg.trig": ("trig", ox.RdfFormat.TRIG), "ntp-kg.nq": ("nquads", ox.RdfFormat.N_QUADS)}


def _expected_union(built: BuildResult) -> Graph:
    return to_rdflib_graph(triples(quads(built.dataset)))


def _assert_isomorphic(expected: Graph, got: Graph, what: str) -> None:
    iso_e, iso_g = to_isomorphic(expected), to_isomorphic(got)
    if iso_e != iso_g:
        _, missing, extra = graph_diff(iso_e, iso_g)
        lines = [f"- {t}" for t in list(missing)[:10]] + [f"+ {t}" for t in list(extra)[:10]]
        pytest.fail(f"{what}: {len(missing)} missing, {len(extra)} extra triples\n" + "\n".join(lines))


def test_dist_has_every_file(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    expected = sorted(
        [d.name for d in DUMPS] + [d.name + ".gz" for d in DUMPS] + ["context.jsonld", "validation-report.ttl", "SHA256SUMS", MARKER, "catalog.ttl", "catalog.jsonld", "catalog.rdf"]
    )
    assert names == expected


@pytest.mark.parametrize("name", sorted(TRIPLE_DUMPS))
def test_triple_dump_reparses_with_rdflib(built: BuildResult, dist: Path, name: str) -> None:
    g = Graph()
    g.parse(dist / name, format=TRIPLE_DUMPS[name][0])
    _assert_isomorphic(_expected_union(built), g, f"rdflib {name}")


@pytest.mark.parametrize("name", sorted(TRIPLE_DUMPS))
def test_triple_dump_reparses_with_pyoxigraph(built: BuildResult, dist: Path, name: str) -> None:
    with (dist / name).open("rb") as f:
        got = to_rdflib_graph(ox.parse(f, format=TRIPLE_DUMPS[name][1]))
    _assert_isomorphic(_expected_union(built), got, f"pyoxigraph {name}")


@pytest.mark.parametrize("name", sorted(QUAD_DUMPS))
def test_quad_dump_keeps_named_graphs(built: BuildResult, dist: Path, name: str) -> None:
    expected = {str(q) for q in quads(built.dataset)}
    with (dist / name).open("rb") as f:
        got_ox = {str(q) for q in ox.parse(f, format=QUAD_DUMPS[name][1])}
    assert got_ox == expected
    ds = Dataset()
    ds.parse(dist / name, format=QUAD_DUMPS[name][0])
    graphs = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert graphs == {
        "https://w3id.org/ntp-kg/graph/ontology",
        "https://w3id.org/ntp-kg/graph/reference",
        "https://w3id.org/ntp-kg/graph/source/kinhtedothi-2025-03-07-lao-cai-ntp",
    }
    assert sum(len(g) for g in ds.graphs()) == len(expected)


def test_nt_is_sorted_and_canonical(dist: Path) -> None:
    lines = (dist / "ntp-kg.nt").read_bytes().splitlines()
    assert lines == sorted(set(lines))
    assert all(line.endswith(b" .") for line in lines)
    assert not any(line.startswith(b"_:") or b" _:" in line for line in lines), "blank node in published data"


def test_jsonld_is_compacted_with_published_context(dist: Path) -> None:
    doc = json.loads((dist / "ntp-kg.jsonld").read_text(encoding="utf-8"))
    ctx = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert doc["@context"] == ctx
    body = json.dumps(doc["@graph"])
    assert '"qb:Observation"' in body and "http://purl.org/linked-data/cube#Observation" not in body


@pytest.mark.parametrize("dump", [d.name for d in DUMPS])
def test_gzip_twin_has_same_bytes(dist: Path, dump: str) -> None:
    assert gzip.decompress((dist / (dump + ".gz")).read_bytes()) == (dist / dump).read_bytes()


def test_checksums_match_files(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == len(list(dist.iterdir())) - 2  # all but SHA256SUMS and the marker
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_validation_report_is_conforming_turtle(dist: Path) -> None:
    g = Graph().parse(dist / "validation-report.ttl", format="turtle")
    q = "ASK { ?r a sh:ValidationReport ; sh:conforms true }"
    assert g.query(q, initNs={"sh": "http://www.w3.org/ns/shacl#"}).askAnswer


def test_catalogue_files_describe_the_dumps_beside_them(dist: Path) -> None:
    """Each dump's byte size and SHA-256 in the catalogue are those of the file next to it."""
    g = Graph().parse(dist / "catalog.ttl", format="turtle")
    q = """SELECT ?url ?size ?sum WHERE { ?d a dcat:Distribution ; dcat:downloadURL ?url ; dcat:byteSize ?size ;
             spdx:checksum/spdx:checksumValue ?sum }"""
    rows = list(g.query(q, initNs={"dcat": "http://www.w3.org/ns/dcat#", "spdx": "http://spdx.org/rdf/terms#"}))
    assert len(rows) == 2 * len(DUMPS)
    for url, size, digest in rows:
        f = dist / str(url).rsplit("/", 1)[1]
        assert int(size) == f.stat().st_size, f.name
        assert str(digest) == hashlib.sha256(f.read_bytes()).hexdigest(), f.name
    for other in ("catalog.jsonld", "catalog.rdf"):
        fmt = "json-ld" if other.endswith("jsonld") else "xml"
        assert to_isomorphic(Graph().parse(dist / other, format=fmt)) == to_isomorphic(g), other


# --- the fast paths give what rdflib's general algorithms give ---------------------------------


def _reference_quads(ds: Dataset) -> list[ox.Quad]:
    """Quads through rdflib's public API (the slow path rdfio.quads replaces)."""
    from ntp_kg.rdfio import to_ox

    out = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if isinstance(g, Graph) else g
        graph = ox.DefaultGraph() if gid is None or gid == ds.default_graph.identifier else ox.NamedNode(str(gid))
        out.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph))
    return sorted(out, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def test_quads_and_triples_equal_rdflib_public_api(built: BuildResult) -> None:
    from ntp_kg.rdfio import quads_and_triples

    qs, ts = quads_and_triples(built.dataset)
    ref = _reference_quads(built.dataset)
    assert qs == ref
    assert ts == sorted({ox.Triple(q.subject, q.predicate, q.object) for q in ref}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _rdflib_jsonld(ts: list[ox.Triple], ctx: dict[str, object]) -> bytes:
    from ntp_kg import jsonld

    doc = json.loads(to_rdflib_graph(ts).serialize(format="json-ld", context=ctx, auto_compact=True))
    return jsonld.dumps(doc)


def test_jsonld_fast_path_is_taken_and_equals_rdflib_on_the_real_graph(built: BuildResult, dist: Path) -> None:
    from ntp_kg import jsonld, resources

    ts = triples(quads(built.dataset))
    doc = jsonld.document(ts, resources.context())
    assert doc is not None
    assert jsonld.dumps(doc) == _rdflib_jsonld(ts, resources.context()) == (dist / "ntp-kg.jsonld").read_bytes()


_TTL = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:a a ex:Thing, ex:Other ; rdfs:label "a"@en, "ا"@ar, "plain", "with \\"quotes\\" and \\\\ and \\n" ;
  ex:int "062"^^xsd:integer ; ex:neg "-5"^^xsd:integer ; ex:bad "abc"^^xsd:integer ;
  ex:bool "true"^^xsd:boolean, "1"^^xsd:boolean ; ex:dbl "1E3"^^xsd:double, "1.5e-7"^^xsd:double ;
  ex:dec "1.50"^^xsd:decimal ; ex:date "2024-02-29"^^xsd:date ; ex:nni "5"^^xsd:nonNegativeInteger ;
  ex:link ex:b, <https://other.example/x>, <urn:isbn:123> ; ex:custom "x"^^ex:dt .
ex:b ex:link ex:a ; <https://unprefixed.example/p> 7 .
<https://example.org/a/c> rdfs:label "slash in local part" .
"""


def test_jsonld_fast_path_equals_rdflib_on_literals_of_every_kind() -> None:
    from ntp_kg import jsonld

    g = Graph().parse(data=_TTL, format="turtle")
    ts = triples(quads(_dataset_of(g)))
    ctx = {"ex": "https://example.org/", "xsd": "http://www.w3.org/2001/XMLSchema#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    doc = jsonld.document(ts, ctx)
    assert doc is not None
    assert jsonld.dumps(doc) == _rdflib_jsonld(ts, ctx)


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ("ex:a ex:p [ ex:q 1 ] .", "blank node"),
        ("ex:a ex:list ( ex:b ) .", "RDF list"),
        ("ex:a ex:p 0, 1 .", "a falsy value among several"),
        ("ex:a ex:p rdf:nil .", "rdf:nil"),
    ],
)
def test_jsonld_fast_path_declines_what_it_does_not_model(extra: str, why: str, tmp_path: Path) -> None:
    """Neither the in-memory nor the streaming path models it; the file the build writes is then
    rdflib's (the streamed start of the file is replaced, not kept)."""
    from ntp_kg import jsonld, publish

    g = Graph().parse(data=_TTL + "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + extra, format="turtle")
    ts = triples(quads(_dataset_of(g)))
    ctx = {"ex": "https://example.org/"}
    assert jsonld.document(ts, ctx) is None, why
    out = tmp_path / "out.jsonld"
    publish.write_jsonld(lambda: iter(ts), ctx, out, tmp_path)
    assert out.read_bytes() == _rdflib_jsonld(ts, ctx)
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonld"]


def _dataset_of(g: Graph) -> Dataset:
    ds = Dataset()
    named = ds.graph("https://example.org/graph")
    for t in g:
        named.add(t)
    return ds


_NESTED = [
    {"@id": "ex:a", "b": [3, 1.5, -0.0, True, False, None, "z", "a\n\"é\u0001", {"@id": "ex:z"}, {"@id": "ex:c"}], "c": {}, "d": [], "e": {"y": [{"k": 1}, {"k": [2, {"j": "x"}]}], "x": 1e300}},
    {"@value": "x", "@language": "vi"},
    {"@id": "ex:n", "r": {"@id": "ex:r"}, "s": {"@id": 5}, "t": {"@id": None}, "u": {"@id": "ex:u", "v": 1}, "w": {"x": "ex:x"}, "y": [{"@id": "ex:y"}]},
    [[], [[]], {"a": []}],
    "only a string",
    12,
]


@pytest.mark.parametrize("value", _NESTED)
def test_jsonld_pretty_writes_what_json_dumps_writes(value: object) -> None:
    from ntp_kg import jsonld

    out: list[str] = ["  "]
    jsonld.pretty(value, "  ", out)
    assert "".join(out) == "  " + json.dumps(jsonld.stable(value), ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n  ")
