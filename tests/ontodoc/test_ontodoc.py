"""The ontology page: every ntp: term anchored by its IRI fragment with its comment; valid HTML5."""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ntp_kg import ontodoc, resources
from ntp_kg.iris import DEFAULT_BASE, NTP, QB
from ntp_kg.pipeline import BuildResult

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# elements whose text a reader sees apart from the text around them
BLOCKS = {"p", "dt", "dd", "h1", "h2", "h3", "li", "td", "th", "tr", "br", "section", "table", "caption", "span"}
NTP_TTL = resources.data_root() / "ontology" / "ntp.ttl"


class Page(HTMLParser):
    """The page as the parser reads it: tag balance, ids, links, and the text under each id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.text_in: dict[str, list[str]] = {}
        self.feed(text)
        self.close()

    def _gap(self, tag: str) -> None:
        if tag in BLOCKS:
            self.handle_data(" ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._gap(tag)
        a = dict(attrs)
        self.tags[tag] += 1
        self.attrs.append((tag, a))
        if a.get("href"):
            self.hrefs.append(a["href"] or "")
        ident = a.get("id")
        if ident:
            self.ids.append(ident)
            self.text_in[ident] = []
        if tag not in VOID_TAGS:
            self.stack.append((tag, ident))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_TAGS:
            self.errors.append(f"<{tag}/> is not a void element")
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        self._gap(tag)
        if tag in VOID_TAGS:
            self.errors.append(f"</{tag}> on a void element")
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1][0] if self.stack else '-'}> at {self.getpos()}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for _, ident in self.stack:
            if ident:
                self.text_in[ident].append(data)

    def text(self, ident: str) -> str:
        return " ".join("".join(self.text_in[ident]).split())


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return ontodoc.ontology_graph()


@pytest.fixture(scope="module")
def page_html(ontology: Graph) -> str:
    return ontodoc.page(ontology, alternates={"text/turtle": "/def/ontology.ttl", "application/ld+json": "/def/ontology.jsonld"})


@pytest.fixture(scope="module")
def page(page_html: str) -> Page:
    return Page(page_html)


def _ntp_terms(kind: URIRef | tuple[URIRef, ...]) -> list[URIRef]:
    """The classes or properties declared in ontology/ntp.ttl, read from the file itself."""
    g = Graph().parse(NTP_TTL, format="turtle")
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return sorted({s for k in kinds for s in g.subjects(RDF.type, k) if isinstance(s, URIRef) and str(s).startswith(str(NTP))})


CLASSES = _ntp_terms(OWL.Class)
PROPERTIES = _ntp_terms((OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, QB.DimensionProperty, QB.AttributeProperty, QB.MeasureProperty))


def _comment(term: URIRef) -> str:
    g = Graph().parse(NTP_TTL, format="turtle")
    comments = [str(o) for o in g.objects(term, RDFS.comment) if isinstance(o, Literal)]
    assert len(comments) == 1, f"{term} has {len(comments)} comments in ntp.ttl"
    return " ".join(comments[0].split())


def test_the_ontology_declares_what_the_page_must_show() -> None:
    assert len(CLASSES) == 8 and len(PROPERTIES) == 17
    assert NTP.Province in CLASSES and NTP.indicator in PROPERTIES


@pytest.mark.parametrize("term", CLASSES + PROPERTIES, ids=lambda t: str(t).rsplit("#", 1)[-1])
def test_every_ntp_term_has_its_fragment_anchor_and_comment(page: Page, term: URIRef) -> None:
    fragment = str(term).rsplit("#", 1)[-1]
    assert page.ids.count(fragment) == 1, f"no single element with id={fragment!r}"
    section = page.text(fragment)
    assert _comment(term) in section, f"the rdfs:comment of {fragment} is not in its section"
    assert str(term) in section  # the full IRI is shown


def test_html_is_well_formed_html5(page_html: str, page: Page) -> None:
    assert page_html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert page.errors == []
    assert page.stack == [], f"unclosed tags: {page.stack}"
    duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
    assert duplicates == []
    assert all(not re.search(r"\s", i) for i in page.ids), "ids must not contain spaces"
    assert page.tags["title"] == 1 and page.tags["h1"] == 1 and page.tags["main"] == 1
    assert ("meta", {"charset": "utf-8"}) in page.attrs


def test_internal_links_resolve(page: Page) -> None:
    targets = {h[1:] for h in page.hrefs if h.startswith("#")}
    assert targets, "the page links its terms to each other"
    assert targets <= set(page.ids), sorted(targets - set(page.ids))


def test_no_script_no_cdn_no_external_stylesheet(page_html: str, page: Page) -> None:
    assert page.tags["script"] == 0 and page.tags["img"] == 0 and page.tags["iframe"] == 0
    assert not [a for tag, a in page.attrs if "src" in a]
    assert not [a for tag, a in page.attrs if tag == "link" and a.get("rel") != "alternate"]
    assert "@import" not in page_html and "url(" not in page_html and "@font-face" not in page_html


def test_alternate_serialisations_are_linked(page: Page) -> None:
    alternates = {(a.get("type"), a.get("href")) for tag, a in page.attrs if tag == "link"}
    assert alternates == {("text/turtle", "/def/ontology.ttl"), ("application/ld+json", "/def/ontology.jsonld")}


def test_domains_ranges_and_superclasses(page: Page) -> None:
    numerator = page.text("numerator")
    assert "Domain qb:Observation" in numerator and "Range qb:Observation" in numerator
    assert "Types owl:FunctionalProperty, owl:ObjectProperty" in numerator
    assert "Sub-property of prov:wasAssociatedWith" in page.text("chairedBy")
    assert "Code list NTP indicators" in page.text("indicator") or "Code list https://w3id.org/ntp-kg/def/indicator" in page.text("indicator")
    assert "#def/indicator" in page.hrefs  # the code list links to the scheme's section
    assert "Subclass of schema:AdministrativeArea" in page.text("Province")
    assert "Subclasses ntp:NationalTargetProgramme, ntp:ProgrammeGroup" in page.text("Programme")
    assert "Domain not restricted" in page.text("programme")  # said so in the comment


def test_dsd_components_in_order(page: Page) -> None:
    table = page.text("def/dsd/observations")
    order = [
        "sdmx-dimension:refArea",
        "sdmx-dimension:refPeriod",
        "ntp:indicator",
        "ntp:programme",
        "ntp:status",
        "sdmx-measure:obsValue",
        "ntp:nature",
        "ntp:qualifier",
        "sdmx-attribute:unitMeasure",
    ]
    positions = [table.index(p) for p in order]
    assert positions == sorted(positions)
    for spec in ("area", "period", "indicator", "programme", "status", "value", "unit", "qualifier", "nature"):
        assert f"def/dsd/observations/{spec}" in page.ids


def test_concept_schemes_listed(page: Page, ontology: Graph) -> None:
    schemes = sorted(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 6
    for s in schemes:
        ident = ontodoc.anchor(s)  # type: ignore[arg-type]
        assert ident is not None and ident in page.ids
        definition = next(ontology.objects(s, SKOS.definition))
        assert " ".join(str(definition).split()) in page.text(ident)


def test_reused_vocabularies_linked(page: Page, ontology: Graph) -> None:
    references = sorted(str(o) for o in ontology.objects(ontodoc.ONTOLOGY, DCTERMS.references))
    assert len(references) >= 10
    for r in references:
        assert html.unescape(r) in page.hrefs, f"{r} is not linked"
    reused = page.text("section-reused")
    assert "qb:Observation" in reused and "prov:wasAssociatedWith" in reused  # the terms used from each
    assert "sdmx-dimension:refArea" in reused  # restated SDMX properties named


def test_comments_link_prefixed_names_and_iris(page_html: str) -> None:
    # ntp:numerator in the comment of ntp:denominator becomes an internal link
    assert '<a href="#numerator">ntp:numerator</a>' in page_html
    assert '<a href="https://schema.org/Action">schema:Action</a>' in page_html
    assert '<a href="https://w3id.org/ntp-kg/def/dsd/observations">https://w3id.org/ntp-kg/def/dsd/observations</a>' in page_html or (
        '<a href="#def/dsd/observations">https://w3id.org/ntp-kg/def/dsd/observations</a>' in page_html
    )


def test_concepts_of_the_schemes_from_the_reference_graph(ontology: Graph, built: BuildResult) -> None:
    reference = built.dataset.graph(URIRef(DEFAULT_BASE + "graph/reference"))
    p = Page(ontodoc.page(ontology, concepts=reference))
    assert p.errors == [] and p.stack == []
    assert "def/code/status/actual" in p.ids and "def/indicator/disbursement-rate" in p.ids
    assert "Disbursement rate of the NTP capital plan" in p.text("def/indicator/disbursement-rate")
    assert not [i for i, n in Counter(p.ids).items() if n > 1]


def test_page_is_deterministic(ontology: Graph, page_html: str) -> None:
    again = ontodoc.page(ontodoc.ontology_graph(), alternates={"application/ld+json": "/def/ontology.jsonld", "text/turtle": "/def/ontology.ttl"})
    assert again == page_html


def test_anchor_of_iris() -> None:
    assert ontodoc.anchor(NTP.Province) == "Province"
    assert ontodoc.anchor(URIRef("https://w3id.org/ntp-kg/def/code/status/actual")) == "def/code/status/actual"
    assert ontodoc.anchor(ontodoc.ONTOLOGY) is None
    assert ontodoc.anchor(URIRef("https://schema.org/Place")) is None
