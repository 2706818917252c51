"""The mapper's N-Triples text is pyoxigraph's, and the sorted outputs are what its serializer and
a sort would give."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ntp_kg import resources
from ntp_kg.errors import SeedError
from ntp_kg.facts import load_seeds
from ntp_kg.mapper import map_seeds
from ntp_kg.quadtext import ESCAPED, DatasetText, checked_iri, from_quads, literal

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_escaped_characters_are_exactly_those_pyoxigraph_escapes() -> None:
    escaped = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and str(ox.Literal(chr(c))) != f'"{chr(c)}"']
    assert escaped == [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and ESCAPED.search(chr(c))]
    assert len(escaped) == 37


@pytest.mark.parametrize("value", ["plain", "", "ا ب", 'with "quotes"', "back\\slash", "line\nbreak\r\t", "\x00\x7f\ufffe", "Đồng"])
@pytest.mark.parametrize(("lang", "datatype"), [(None, None), ("en", None), ("vi", None), ("EN", None), ("zh-Hant", None),
                                                 (None, XSD + "string"), (None, XSD + "date"), (None, "https://example.org/dt")])
def test_literal_text_is_pyoxigraphs(value: str, lang: str | None, datatype: str | None) -> None:
    expected = ox.Literal(value, language=lang) if lang else ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)
    assert literal(value, lang=lang, datatype=datatype) == str(expected)


def test_iris() -> None:
    from ntp_kg.iris import Minter

    assert Minter().area("lao-cai") == str(ox.NamedNode("https://w3id.org/ntp-kg/id/area/lao-cai"))
    assert checked_iri("https://kinhtedothi.vn/a?b=c#d") == "<https://kinhtedothi.vn/a?b=c#d>"
    with pytest.raises(ValueError):
        checked_iri("https://example.org/a b")
    with pytest.raises(ValueError):
        checked_iri("no-scheme")


_QUADS = """
<https://ex.org/b> <https://ex.org/p> "b" <https://ex.org/g2> .
<https://ex.org/a> <https://ex.org/p> "a"@en <https://ex.org/g2> .
<https://ex.org/a> <https://ex.org/p> "a"@en <https://ex.org/g1> .
<https://ex.org/a> <https://ex.org/p> "a"@en <https://ex.org/g1> .
<https://ex.org/a> <https://ex.org/p> "a b" <https://ex.org/g1> .
<https://ex.org/a> <https://ex.org/p> "a" <https://ex.org/g1> .
<https://ex.org/a> <https://ex.org/q> "5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> <https://ex.org/g1> .
<https://ex.org/a> <https://ex.org/p> "é\\n\\"" <https://ex.org/g3> .
"""


def test_sorted_outputs_equal_pyoxigraphs_serializer_sorted() -> None:
    parsed = list(ox.parse(_QUADS.encode(), format=ox.RdfFormat.N_QUADS))
    q = from_quads(parsed).sort()
    distinct = set(parsed)
    assert len(q) == len(distinct) == 7
    assert q.nquads() == b"".join(sorted(set(ox.serialize(parsed, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True))))
    triples = {ox.Triple(x.subject, x.predicate, x.object) for x in parsed}
    assert q.ntriples() == b"".join(sorted(set(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True))))
    assert q.ntriples().count(b"\n") == len(triples) == 6
    by_graph = list(q.quads())
    assert by_graph == sorted(distinct, key=lambda x: (str(x.graph_name), str(x.subject), str(x.predicate), str(x.object)))
    assert q.graph_names() == ["<https://ex.org/g1>", "<https://ex.org/g2>", "<https://ex.org/g3>"]


def test_an_empty_dataset_has_empty_dumps() -> None:
    q = DatasetText().sort()
    assert (q.ntriples(), q.nquads(), len(q), q.graph_names()) == (b"", b"", 0, [])


def test_a_url_that_is_not_an_iri_is_a_seed_error_naming_the_record() -> None:
    seeds = load_seeds(resources.seeds_dir())
    key, org = next((k, o) for k, o in seeds.reference.organisations.items() if o.homepage)
    orgs = dict(seeds.reference.organisations)
    orgs[key] = org.model_copy(update={"homepage": "https://example.org/a page"})
    bad = seeds.__class__(**{**vars(seeds), "reference": seeds.reference.model_copy(update={"organisations": orgs})})
    with pytest.raises(SeedError, match=f"reference organisation {key}: homepage: 'https://example.org/a page' is not an IRI"):
        map_seeds(bad, resources.ontology_files(), "https://w3id.org/ntp-kg/")
