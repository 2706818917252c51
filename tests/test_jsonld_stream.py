"""jsonld.write: the streamed JSON-LD dump is, byte for byte, what the in-memory path writes, and
refuses (False) exactly where that path needs rdflib."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from ntp_kg import jsonld, pipeline, quadtext, resources
from ntp_kg.extsort import DEFAULT_RUN_BYTES, ExternalSort
from ntp_kg.rdfio import to_rdflib_graph

EX = {"ex": "https://example.org/", "xsd": "http://www.w3.org/2001/XMLSchema#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def _triples(ntriples: str) -> list[ox.Triple]:
    """Triples in the order `write` is given them: the sorted lines of an N-Triples file."""
    lines = sorted({line.strip() for line in ntriples.strip().split("\n")})
    return list(ox.parse(("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES))


def _written(ts: Iterable[ox.Triple], ctx: dict[str, object], workdir: Path, run_bytes: int = DEFAULT_RUN_BYTES) -> tuple[bool, bytes]:
    out = io.BytesIO()
    ok = jsonld.write(ts, ctx, out, workdir, run_bytes)
    return ok, out.getvalue()


def _open_files_under(folder: Path) -> list[str]:
    """Files this process holds open in `folder` (run files are anonymous: only their descriptors
    show them)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.startswith(f"{folder}{os.sep}"):
            found.append(target)
    return found


@pytest.fixture(scope="module")
def real_triples(tmp_path_factory: pytest.TempPathFactory) -> list[ox.Triple]:
    _report, quads = pipeline.graph(workdir=tmp_path_factory.mktemp("spool"))
    with quads:
        return quadtext.parse_triples(quads.ntriples())


@pytest.fixture(scope="module")
def real_expected(real_triples: list[ox.Triple]) -> bytes:
    doc = jsonld.document(real_triples, resources.context())
    assert doc is not None  # the in-memory fast path applies to our graph
    return jsonld.dumps(doc)


def test_write_equals_the_in_memory_dump_on_the_real_graph(real_triples: list[ox.Triple], real_expected: bytes, tmp_path: Path) -> None:
    ctx = resources.context()
    assert jsonld.document(real_triples, ctx) is not None  # the fast path, not rdflib's
    ok, got = _written(real_triples, ctx, tmp_path)
    assert ok
    assert got == real_expected
    rdflib_doc = json.loads(to_rdflib_graph(real_triples).serialize(format="json-ld", context=ctx, auto_compact=True))
    assert got == jsonld.dumps(rdflib_doc)  # and what rdflib's serializer gives
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see anonymous run files")
def test_write_through_many_runs_on_disk_is_the_same_and_leaves_nothing(
    real_triples: list[ox.Triple], real_expected: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_at_end_of_input: list[str] = []
    runs: list[int] = []

    class Counted(ExternalSort):
        def merged(self) -> Iterator[bytes]:
            out = super().merged()
            runs.append(self.runs)
            return out

    def watched(ts: list[ox.Triple]) -> Iterator[ox.Triple]:
        yield from ts
        open_at_end_of_input.extend(_open_files_under(tmp_path))

    monkeypatch.setattr(jsonld, "ExternalSort", Counted)
    run_bytes = len(real_expected) // 16  # more than 16 runs: each node's record also counts 100 bytes
    ok, got = _written(watched(real_triples), resources.context(), tmp_path, run_bytes)
    assert ok
    assert got == real_expected
    assert len(open_at_end_of_input) == 1, open_at_end_of_input  # the runs' file, anonymous
    assert runs[0] >= 16
    assert _open_files_under(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_write_equals_the_in_memory_dump_on_literals_of_every_kind(tmp_path: Path) -> None:
    ts = _triples(_LITERALS)
    doc = jsonld.document(ts, EX)
    assert doc is not None
    for run_bytes in (DEFAULT_RUN_BYTES, 1):
        assert _written(ts, EX, tmp_path, run_bytes) == (True, jsonld.dumps(doc))


_LITERALS = """
<https://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/Thing> .
<https://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/Other> .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "a"@en .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "\u0627"@ar .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "plain" .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "with \\"quotes\\", \\\\ and a\\nnew line" .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#comment> "line breaks a sort line must not hold: CR\\r, NEL\\u0085, LS\\u2028, PS\\u2029, VT\\u000B, FS\\u001C" .
<https://example.org/a> <https://example.org/int> "062"^^<http://www.w3.org/2001/XMLSchema#integer> .
<https://example.org/a> <https://example.org/bool> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<https://example.org/a> <https://example.org/dbl> "1E3"^^<http://www.w3.org/2001/XMLSchema#double> .
<https://example.org/a> <https://example.org/dec> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<https://example.org/a> <https://example.org/custom> "x"^^<https://example.org/dt> .
<https://example.org/a> <https://example.org/link> <https://example.org/b> .
<https://example.org/a> <https://example.org/link> <urn:isbn:123> .
<https://example.org/b> <https://example.org/link> <https://example.org/a> .
<https://example.org/b> <https://unprefixed.example/p> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .
<https://example.org/a/c> <http://www.w3.org/2000/01/rdf-schema#label> "slash in local part" .
"""

_TWO = """
<https://example.org/a> <https://example.org/p> "x" .
<https://example.org/b> <https://example.org/p> "y" .
"""


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ("<https://example.org/a> <https://example.org/p> _:b1 .", "a blank node object"),
        ('_:b1 <https://example.org/p> "z" .', "a blank node subject"),
        ("<https://example.org/l> <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <https://example.org/b> .", "rdf:first"),
        ("<https://example.org/l> <https://example.org/p> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .", "rdf:nil"),
        ('<ex:a> <https://example.org/p> "z" .', "two IRIs that compact to one id (ex:a)"),
        ('<https://example.org/c> <https://example.org/q> "0"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
         '<https://example.org/c> <https://example.org/q> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .', "a falsy value among several"),
    ],
)
def test_write_declines_what_document_declines(extra: str, why: str, tmp_path: Path) -> None:
    ts = _triples(_TWO + extra)
    assert jsonld.document(ts, {"ex": "https://example.org/"}) is None, why
    assert _written(ts, {"ex": "https://example.org/"}, tmp_path, 1)[0] is False, why
    assert _open_files_under(tmp_path) == [] and list(tmp_path.iterdir()) == []


def test_write_declines_a_single_node(tmp_path: Path) -> None:
    ts = _triples('<https://example.org/a> <https://example.org/p> "x" .\n<https://example.org/a> <https://example.org/q> "y" .')
    assert jsonld.document(ts, EX) is None
    assert _written(ts, EX, tmp_path)[0] is False
    assert _written([], EX, tmp_path)[0] is False


def test_write_declines_nodes_not_ordered_by_id(tmp_path: Path) -> None:
    """A key sorting before "@id" (prefix "0x") makes dumps order nodes by their whole text."""
    ctx = {"0x": "https://example.org/"}
    ts = _triples(_TWO)
    doc = jsonld.document(ts, ctx)
    assert doc is not None and min(doc["@graph"][0]) == "0x:p"
    assert _written(ts, ctx, tmp_path)[0] is False


_TWO_PREFIXES = """
<https://w3id.org/ntp-kg/def/ontology#zeta> <http://www.w3.org/2000/01/rdf-schema#label> "ntp:zeta"@en .
<https://w3id.org/ntp-kg/id/area/alpha> <http://www.w3.org/2000/01/rdf-schema#label> "no prefix"@en .
<http://www.w3.org/ns/dcat#Dataset> <http://www.w3.org/2000/01/rdf-schema#label> "dcat:Dataset"@en .
<http://purl.org/dc/terms/title> <http://www.w3.org/2000/01/rdf-schema#label> "dcterms:title"@en .
<http://www.w3.org/2004/02/skos/core#Concept> <http://www.w3.org/2000/01/rdf-schema#label> "skos:Concept"@en .
<https://w3id.org/ntp-kg/def/ontology#Area> <http://www.w3.org/2000/01/rdf-schema#label> "ntp:Area"@en .
"""


@pytest.mark.parametrize("run_bytes", [DEFAULT_RUN_BYTES, 1])
def test_nodes_come_out_in_id_order_not_iri_order(run_bytes: int, tmp_path: Path) -> None:
    ctx = resources.context()
    ts = _triples(_TWO_PREFIXES)
    assert [t.subject.value for t in ts] == [
        "http://purl.org/dc/terms/title",
        "http://www.w3.org/2004/02/skos/core#Concept",
        "http://www.w3.org/ns/dcat#Dataset",
        "https://w3id.org/ntp-kg/def/ontology#Area",
        "https://w3id.org/ntp-kg/def/ontology#zeta",
        "https://w3id.org/ntp-kg/id/area/alpha",
    ]
    ok, got = _written(ts, ctx, tmp_path, run_bytes)
    assert ok
    assert [n["@id"] for n in json.loads(got)["@graph"]] == [
        "dcat:Dataset",
        "dcterms:title",
        "https://w3id.org/ntp-kg/id/area/alpha",
        "ntp:Area",
        "ntp:zeta",
        "skos:Concept",
    ]
    doc = jsonld.document(ts, ctx)
    assert doc is not None
    assert got == jsonld.dumps(doc)


_SMALL = """
<https://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/Thing> .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "a"@en .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "\u1ea0"@vi .
<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#comment> "line one\\nline \\"two\\"" .
<https://example.org/a> <https://example.org/count> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .
<https://example.org/a> <https://example.org/ok> "false"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<https://example.org/a> <https://example.org/amount> "12.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<https://example.org/a> <https://example.org/link> <https://example.org/b> .
<https://example.org/a> <https://example.org/link> <https://other.example/c> .
<https://example.org/b> <https://example.org/day> "2024-02-29"^^<http://www.w3.org/2001/XMLSchema#date> .
<https://other.example/c> <https://example.org/link> <https://example.org/a> .
"""


def test_output_parses_back_to_the_same_graph(tmp_path: Path) -> None:
    ts = _triples(_SMALL)
    ok, got = _written(ts, EX, tmp_path, 1)
    assert ok
    expected, parsed = to_isomorphic(to_rdflib_graph(ts)), to_isomorphic(Graph().parse(data=got.decode("utf-8"), format="json-ld"))
    if expected != parsed:
        _both, missing, extra = graph_diff(expected, parsed)
        pytest.fail(f"{len(missing)} missing, {len(extra)} extra:\n" + "\n".join([f"- {t}" for t in missing] + [f"+ {t}" for t in extra]))
    assert len(parsed) == len(ts) == 11


@pytest.mark.parametrize("value", [[3, 1.5, -0.0, True, False, None, "z", "a\n\"é\u0001", 1e300, float("nan")], {"b": {"c": [2, 1]}, "a": "x"}, "s", 7])
def test_compact_is_json_dumps(value: object) -> None:
    """`_compact` builds json's C encoder once; its text is json.dumps's."""
    assert jsonld._compact(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("value", [{"a": {1: "x", 2: ["y", "b"]}, "t": (2, 1)}, {"k": {"v": (3, [2, 1])}}])
def test_pretty_gives_what_it_does_not_model_to_json(value: object) -> None:
    """Keys that are not strings and tuples get json's own text (stable sorts lists, not tuples)."""
    out: list[str] = []
    jsonld.pretty(value, "  ", out)
    assert out == [json.dumps(jsonld.stable(value), ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n  ")]
