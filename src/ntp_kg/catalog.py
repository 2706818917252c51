"""The DCAT-AP 3 catalogue and VoID description of the published dataset, as one RDF graph.

A pure function of the built graph, the facts of the dump files (name, media type, size,
SHA-256) and the base IRI: no clock, no network, no file written. The fixed text (titles,
descriptions, keywords, themes, licence, publisher, contact point) is data, in
seeds/catalog.yaml; everything else is computed, by the SPARQL queries of templates/catalog/ on a
pyoxigraph Store of the union graph (no rdflib graph of the data is made or iterated):

    catalog_graph(data, dumps, base)          data: a pyoxigraph Store (the build's: the union in its
      │                                       default graph) or an rdflib Dataset (converted once)
      ├── dcat:Catalog      <base>catalog
      ├── dcat:Dataset, void:Dataset  <base>id/dataset/ntp-kg   (stable: CKAN's identifier)
      │     ├── dcat:Distribution per dump  <dataset>/distribution/<file>
      │     │     downloadURL <base>dumps/<file>, mediaType (IANA), format (EU file type),
      │     │     byteSize, spdx:checksum <dataset>/distribution/<file>/sha256, compressFormat
      │     ├── issued / modified     earliest / latest date of the source documents
      │     ├── spatial               the provinces of the graph (dcterms:Location)
      │     ├── temporal              <dataset>/temporal: the observations' reference periods
      │     └── VoID statistics, class and property partitions <dataset>/class/<c>, /property/<p>
      └── dcat:DataService  <base>id/service/sparql, endpointURL <base>sparql

The URL layout (`Layout`) is the server's: /catalog, /dumps/<file>, /sparql, /.well-known/void.
Every node has an IRI (the project publishes no blank nodes). `serialize` writes Turtle, JSON-LD,
RDF/XML or N-Triples deterministically: the same inputs give the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD
from rdflib.term import Node

from . import publish, rdfio, resources
from .errors import NtpKgError, SeedError
from .iris import DEF, DEFAULT_BASE, SPDX, check_base
from .union_view import holds_union
from .yamlio import load_yaml

DATASET_KEY = "ntp-kg"
TEXT_FILE = Path("seeds") / "catalog.yaml"

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
GZIP = "application/gzip"

MEDIA_TYPES = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "ntriples": "application/n-triples",
}


class CatalogError(NtpKgError):
    """The catalogue cannot be made: its text file is invalid, or the dumps are not as expected."""


# ---------------------------------------------------------------------------------------------
# Inputs: the URL layout, the dump files, the fixed text
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where the server publishes what, under the base IRI; every IRI of the catalogue."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        check_base(self.base)

    def _iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    @property
    def landing_page(self) -> URIRef:
        return self._iri("")

    @property
    def catalog(self) -> URIRef:
        return self._iri("catalog")

    @property
    def void(self) -> URIRef:
        return self._iri(".well-known/void")

    @property
    def sparql(self) -> URIRef:
        return self._iri("sparql")

    @property
    def service(self) -> URIRef:
        return self._iri("id/service/sparql")

    @property
    def dataset(self) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}")

    @property
    def uri_space(self) -> str:
        return self.base + "id/"

    @property
    def publisher(self) -> URIRef:
        return self._iri(f"id/agent/{DATASET_KEY}")

    @property
    def contact(self) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}/contact")

    @property
    def rights(self) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}/rights")

    @property
    def temporal(self) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}/temporal")

    def dump(self, name: str) -> URIRef:
        return self._iri(f"dumps/{name}")

    def distribution(self, name: str) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}/distribution/{name}")

    def checksum(self, name: str) -> URIRef:
        return URIRef(f"{self.distribution(name)}/sha256")

    def class_partition(self, slug: str) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}/class/{slug}")

    def property_partition(self, slug: str) -> URIRef:
        return self._iri(f"id/dataset/{DATASET_KEY}/property/{slug}")


@dataclass(frozen=True)
class DumpFile:
    """One file of dist/ published as a distribution."""

    name: str
    media_type: str  # of the content, uncompressed
    description: str
    byte_size: int
    sha256: str
    gzipped: bool


def dump_files(files: Mapping[str, bytes | tuple[int, str]]) -> list[DumpFile]:
    """The dumps of publish.DUMPS and their .gz twins, from their bytes or (size, SHA-256) as the
    build wrote them."""
    out: list[DumpFile] = []
    for d in publish.DUMPS:
        for name, gz in ((d.name, False), (d.name + ".gz", True)):
            if name not in files:
                raise CatalogError(f"dump {name} is missing (have {', '.join(sorted(files))})")
            data = files[name]
            size, sha = (len(data), hashlib.sha256(data).hexdigest()) if isinstance(data, bytes) else data
            desc = d.description + (" (gzip)" if gz else "")
            out.append(DumpFile(name, d.media_type, desc, size, sha, gz))
    return out


def dump_files_in(dist: Path) -> list[DumpFile]:
    """The same facts read from a built dist/ folder."""
    names = [n for d in publish.DUMPS for n in (d.name, d.name + ".gz")]
    missing = [n for n in names if not (dist / n).is_file()]
    if missing:
        raise CatalogError(f"{dist} lacks {', '.join(missing)}: run `ntp-kg build` first")
    return dump_files({n: (dist / n).read_bytes() for n in names})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = dict[str, str]  # language tag -> text


class _CatalogText(_Model):
    title: Text
    description: Text


class _DatasetText(_Model):
    title: Text
    description: Text
    keywords: dict[str, list[str]]
    themes: dict[str, str] = Field(min_length=1)  # EU data-theme code -> English label
    languages: list[str] = Field(min_length=1)
    access_rights: str
    access_rights_label: Text


class _Licence(_Model):
    iri: str
    title: Text


class _Publisher(_Model):
    name: Text
    homepage: str


class _Contact(_Model):
    name: str
    url: str


class _Format(_Model):
    file_type: str
    w3c: str


class _Names(_Model):
    void_description: str
    theme_taxonomy: str
    sparql_protocol: str
    ontology: str


class CatalogText(_Model):
    """seeds/catalog.yaml: the fixed text of the catalogue."""

    catalog: _CatalogText
    dataset: _DatasetText
    licence: _Licence
    rights: Text
    publisher: _Publisher
    contact: _Contact
    service: _CatalogText
    formats: dict[str, _Format]
    names: _Names


def load_text(path: Path | None = None) -> CatalogText:
    path = path or resources.data_root() / TEXT_FILE
    data = load_yaml(path)
    try:
        return CatalogText.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SeedError(str(path), f"{where}: {first['msg']}") from exc


# ---------------------------------------------------------------------------------------------
# What the graph says: statistics and the facts the catalogue reports
# ---------------------------------------------------------------------------------------------
#
# Each value is a SPARQL query (templates/catalog/<name>.rq) on a pyoxigraph Store whose default
# graph holds the union triples: aggregates computed by the store's engine, no rdflib graph of
# the data. A Store keeps literals of the native datatypes in canonical form ("5"^^xsd:
# nonNegativeInteger as "5"^^xsd:integer, "1.50"^^xsd:decimal as "1.5"), so two published
# literals are one stored term, and two triples one, when they are equal values of one datatype
# family. Our data has none (its only literals stored in another form are the non-negative
# integers; the counts at 1k, 10k and 100k observations equal those of rdflib over the published
# terms; test_void_statistics_are_those_of_the_published_graph checks them for the real build).


@dataclass(frozen=True)
class Statistics:
    """VoID statistics of the union graph (the triples of ntp-kg.nt)."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    class_entities: dict[URIRef, int]  # class -> number of distinct instances
    property_triples: dict[URIRef, int]  # property -> number of triples


@dataclass(frozen=True)
class Source:
    """A source document and what a citation of it says (of several values, the least)."""

    iri: URIRef
    dates: tuple[date, ...]  # every dct:date, sorted
    when: str  # the least dct:date as text, for the citation
    publisher: Node | None
    url: str


@functools.cache
def query_text(name: str) -> str:
    """templates/catalog/<name>.rq (read once per process)."""
    return (importlib_resources.files(__package__) / "templates" / "catalog" / f"{name}.rq").read_text(encoding="utf-8")


QUERIES = ("subjects", "objects", "properties", "classes", "temporal", "sources", "labels", "provinces", "examples")


def _select(store: ox.Store, name: str, **bound: ox.NamedNode | ox.Literal) -> list[ox.QuerySolution]:
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = {ox.Variable(k): v for k, v in bound.items()} or None
    result = store.query(query_text(name), substitutions=subs)
    assert isinstance(result, ox.QuerySolutions), name
    return list(result)


def _int(term: object) -> int:
    assert isinstance(term, ox.Literal), term
    return int(term.value)


def _iri(term: object) -> URIRef:
    """A term the query guarantees to be an IRI (a predicate, or filtered with isIRI)."""
    assert isinstance(term, ox.NamedNode), term
    return URIRef(term.value)


def _node(term: object) -> Node:
    """Any term of the data as rdflib's (an xsd:string literal as a simple one, as rdfio reads the dumps)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal), term
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype == XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


XSD_STRING = ox.NamedNode(str(XSD.string))


def union_store(data: Dataset | ox.Store) -> ox.Store:
    """A Store whose default graph holds the de-duplicated union of all graphs of `data`.

    A Store with no named graph is that already, and is used as it is (the build's), as is one
    that holds that union in its default graph (`store.load_dist`: `union_view.hold_union`).
    Another Store with named graphs is copied: a triple in two graphs must count once, and
    pyoxigraph's union default graph (`use_default_graph_as_union=True`: the default graph and
    every named graph) gives each graph's copy as a solution. A Dataset is converted triple by
    triple, each term once (rdfio.to_ox: the terms the dumps print)."""
    if holds_union(data):
        return cast("ox.Store", data)
    if isinstance(data, ox.Store):
        if next(iter(data.named_graphs()), None) is None:
            return data
        store = ox.Store()
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in data)
        return store
    conv: dict[Node, rdfio.OxTerm] = {}

    def term(t: Node) -> rdfio.OxTerm:
        hit = conv.get(t)
        if hit is None:
            hit = conv[t] = rdfio.to_ox(t)
        return hit

    store = ox.Store()
    store.bulk_extend(ox.Quad(term(s), term(p), term(o)) for _g, ts in rdfio.graph_triples(data) for s, p, o in ts)  # type: ignore[arg-type]
    return store


def statistics(store: ox.Store, uri_space: str) -> Statistics:
    """Counted as VoID defines them, on the store's default graph (subjects.rq, objects.rq,
    properties.rq, classes.rq)."""
    subjects = _select(store, "subjects", space=ox.Literal(uri_space))
    props = {_iri(r["property"]): _int(r["triples"]) for r in _select(store, "properties")}
    return Statistics(
        triples=sum(props.values()),
        entities=_int(subjects[0]["entities"]) if subjects else 0,
        distinct_subjects=_int(subjects[0]["subjects"]) if subjects else 0,
        distinct_objects=_int(_select(store, "objects")[0]["objects"]),
        class_entities={_iri(r["class"]): _int(r["entities"]) for r in _select(store, "classes")},
        property_triples=props,
    )


def temporal_coverage(store: ox.Store) -> tuple[date, date] | None:
    """First and last day of the observations' reference periods (temporal.rq)."""
    row = _select(store, "temporal")[0]
    first, last = row["first"], row["last"]
    if first is None or last is None:
        return None
    assert isinstance(first, ox.Literal) and isinstance(last, ox.Literal)
    return date.fromisoformat(first.value), date.fromisoformat(last.value)


def sources(store: ox.Store) -> list[Source]:
    """The source documents the observations and statements are derived from, by IRI (sources.rq)."""
    rows: dict[URIRef, list[ox.QuerySolution]] = {}
    for r in _select(store, "sources"):
        rows.setdefault(_iri(r["source"]), []).append(r)
    out = []
    for iri, rs in sorted(rows.items()):
        when = sorted({_lexical(r["date"]) for r in rs})
        pubs = sorted({_node(r["publisher"]) for r in rs if r["publisher"] is not None}, key=str)
        urls = sorted({_lexical(r["url"]) for r in rs if r["url"] is not None})
        out.append(Source(iri, tuple(sorted(_day(iri, d) for d in when)), when[0], pubs[0] if pubs else None, urls[0] if urls else str(iri)))
    return out


def _lexical(term: object) -> str:
    assert isinstance(term, ox.NamedNode | ox.Literal), term
    return term.value


def _day(source: URIRef, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CatalogError(f"source document {source}: dcterms:date {text!r} is not a date (YYYY-MM-DD)") from None


LABELS = (DCTERMS.title, RDFS.label, SKOS.prefLabel)  # where a label is taken from, in this order


def labels(store: ox.Store) -> dict[Node, dict[str, str]]:
    """node -> language -> label, of the sources and their publishers (labels.rq): the least text
    of the first of LABELS that has one in that language."""
    found: dict[tuple[Node, str], tuple[int, str]] = {}
    for r in _select(store, "labels"):
        lit = r["label"]
        assert isinstance(lit, ox.Literal) and lit.language
        key, rank = (_node(r["node"]), lit.language), (LABELS.index(_iri(r["property"])), lit.value)
        if key not in found or rank < found[key]:
            found[key] = rank
    out: dict[Node, dict[str, str]] = {}
    for (node, lang), (_rank, text) in found.items():
        out.setdefault(node, {})[lang] = text
    return out


def _label(names: Mapping[Node, Mapping[str, str]], node: Node, lang: str) -> str:
    """The node's label in `lang`, else in English, else the node itself."""
    mine = names.get(node, {})
    return mine[lang] if lang in mine else mine["en"] if "en" in mine else str(node)


def _citation(source: Source, names: Mapping[Node, Mapping[str, str]], lang: str) -> str:
    """A source document as a reference: publisher, “title”, date, URL (labels in `lang`, else en)."""
    who = _label(names, source.publisher, lang) if source.publisher is not None else "?"
    return f"{who}, “{_label(names, source.iri, lang)}”, {source.when}, {source.url}"


def provinces(store: ox.Store) -> dict[URIRef, list[Node]]:
    """Each province with its English and Vietnamese labels (provinces.rq), by IRI."""
    out: dict[URIRef, list[Node]] = {}
    for r in _select(store, "provinces"):
        names = out.setdefault(_iri(r["province"]), [])
        if r["label"] is not None:
            names.append(_node(r["label"]))
    return dict(sorted(out.items()))


def _slug(iri: URIRef, prefixes: Mapping[str, str]) -> str:
    """A readable, stable path segment for a class or property: prefix-local, else a hash."""
    best = ""
    for prefix, ns in prefixes.items():
        if str(iri).startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = str(iri)[len(best) :]
        if re.fullmatch(r"[A-Za-z0-9_.-]+", local):
            return f"{name}-{local}"
    return "iri-" + hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:16]


def vocabularies(stats: Statistics, prefixes: Mapping[str, str]) -> list[URIRef]:
    """The vocabularies whose terms are used as properties or classes (namespace without '#')."""
    used = {str(p) for p in stats.property_triples} | {str(c) for c in stats.class_entities}
    out = set()
    for ns in prefixes.values():
        if any(t.startswith(ns) for t in used):
            out.add(URIRef(ns[:-1] if ns.endswith("#") else ns))
    # the project's own code lists, units, indicators are reference data, not vocabularies used as terms
    return sorted(out)


def example_resources(store: ox.Store, places: Sequence[URIRef] = ()) -> list[URIRef]:
    """A few typical resources: each province (`places`, from `provinces`), the first observation,
    programme and source (examples.rq)."""
    return [*sorted(places), *sorted(_iri(r["first"]) for r in _select(store, "examples") if r["first"] is not None)]


# ---------------------------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------------------------

ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")


def _texts(g: Graph, s: URIRef, p: URIRef, text: Mapping[str, str]) -> None:
    for lang, value in sorted(text.items()):
        g.add((s, p, Literal(value.strip(), lang=lang)))


def _typed(g: Graph, iri: URIRef | str, cls: URIRef, labels: Mapping[str, str] | None = None, label_p: URIRef = RDFS.label) -> URIRef:
    node = URIRef(iri)
    g.add((node, RDF.type, cls))
    if labels:
        _texts(g, node, label_p, labels)
    return node


@dataclass(frozen=True)
class DataFacts:
    """What the catalogue says of the data itself, read from the union's Store (`data_facts`):
    all its queries, so that a build asks them while its dumps are still being written, and only
    the dumps' sizes and checksums are waited for."""

    sources: list[Source]
    names: dict[Node, dict[str, str]]
    places: dict[URIRef, list[Node]]
    cover: tuple[date, date] | None
    stats: Statistics
    examples: list[URIRef]


def data_facts(data: Dataset | ox.Store, base: str = DEFAULT_BASE) -> DataFacts:
    """`data` is best a pyoxigraph Store holding the union triples in its default graph only (the
    build's): it is queried as it is. A Store with named graphs, or an rdflib Dataset, is first
    made into one (`union_store`), which costs a copy of the data."""
    store = union_store(data)
    places = provinces(store)
    return DataFacts(
        sources(store), labels(store), places, temporal_coverage(store), statistics(store, Layout(base).uri_space), example_resources(store, list(places))
    )


def catalog_graph(
    data: Dataset | ox.Store | DataFacts,
    dumps: Sequence[DumpFile],
    base: str = DEFAULT_BASE,
    text: CatalogText | None = None,
) -> Graph:
    """The DCAT-AP 3 catalogue + VoID description of the dataset built under `base`, from the
    data (as `data_facts` takes it) or its facts read before."""
    facts = data if isinstance(data, DataFacts) else data_facts(data, base)
    layout = Layout(base)
    text = text or load_text()
    prefixes = resources.prefixes()
    if not dumps:
        raise CatalogError("no dump files to describe")
    by_type = {d.media_type for d in dumps}
    unknown = sorted(by_type - set(text.formats))
    if unknown:
        raise CatalogError(f"{TEXT_FILE}: no entry under `formats` for media type(s) {', '.join(unknown)}")

    g = Graph()
    for prefix, ns in sorted(prefixes.items()):
        g.bind(prefix, ns, override=True)
    for prefix, vocab in (("foaf", FOAF), ("vcard", VCARD), ("adms", ADMS), ("formats", W3C_FORMATS)):
        g.bind(prefix, vocab, override=True)

    ds, cat, svc = layout.dataset, layout.catalog, layout.service
    srcs = facts.sources
    src_dates = sorted(d for s in srcs for d in s.dates)
    if not src_dates:
        raise CatalogError("the graph has no dated source document: issued/modified cannot be stated")
    issued = Literal(src_dates[0].isoformat(), datatype=XSD.date)
    modified = Literal(src_dates[-1].isoformat(), datatype=XSD.date)

    # shared nodes: licence, publisher, contact point, rights, access rights, themes, languages
    licence = _typed(g, text.licence.iri, DCTERMS.LicenseDocument, text.licence.title, DCTERMS.title)
    publisher = _typed(g, layout.publisher, FOAF.Agent)
    _texts(g, publisher, FOAF.name, text.publisher.name)
    g.add((publisher, FOAF.homepage, _typed(g, text.publisher.homepage.format(base=base), FOAF.Document)))
    contact = _typed(g, layout.contact, VCARD.Kind)
    g.add((contact, VCARD.fn, Literal(text.contact.name)))
    g.add((contact, VCARD.hasURL, URIRef(text.contact.url.format(base=base))))
    # the attribution CC BY asks for, with the sources of the graph named in each language
    rights = _typed(g, layout.rights, DCTERMS.RightsStatement)
    names = facts.names
    for lang, fixed in sorted(text.rights.items()):
        cites = "; ".join(_citation(s, names, lang) for s in srcs)
        g.add((rights, RDFS.label, Literal(f"{fixed.strip()} {cites}.", lang=lang)))
    access = _typed(g, EU + "access-right/" + text.dataset.access_rights, DCTERMS.RightsStatement, text.dataset.access_rights_label)
    taxonomy = _typed(g, EU + "data-theme", SKOS.ConceptScheme, {"en": text.names.theme_taxonomy}, DCTERMS.title)
    themes = []
    for code, label in text.dataset.themes.items():
        t = _typed(g, EU + "data-theme/" + code, SKOS.Concept, {"en": label}, SKOS.prefLabel)
        g.add((t, SKOS.inScheme, taxonomy))
        themes.append(t)
    languages = [_typed(g, EU + "language/" + code, DCTERMS.LinguisticSystem) for code in text.dataset.languages]
    sparql_std = _typed(g, SPARQL_PROTOCOL, DCTERMS.Standard, {"en": text.names.sparql_protocol}, DCTERMS.title)
    ontology = _typed(g, DEF + "ontology", DCTERMS.Standard, {"en": text.names.ontology}, DCTERMS.title)
    landing = _typed(g, layout.landing_page, FOAF.Document)

    # the catalogue
    g.add((cat, RDF.type, DCAT.Catalog))
    _texts(g, cat, DCTERMS.title, text.catalog.title)
    _texts(g, cat, DCTERMS.description, text.catalog.description)
    for p, o in (
        (DCTERMS.publisher, publisher),
        (DCTERMS.license, licence),
        (DCTERMS.issued, issued),
        (DCTERMS.modified, modified),
        (FOAF.homepage, landing),
        (DCAT.themeTaxonomy, taxonomy),
        (DCAT.dataset, ds),
        (DCAT.service, svc),
    ):
        g.add((cat, p, o))
    for lang in languages:
        g.add((cat, DCTERMS.language, lang))

    # the dataset
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, RDF.type, VOID.Dataset))
    _texts(g, ds, DCTERMS.title, text.dataset.title)
    _texts(g, ds, DCTERMS.description, text.dataset.description)
    g.add((ds, DCTERMS.identifier, Literal(str(ds))))
    for p, o in (
        (DCTERMS.publisher, publisher),
        (DCTERMS.creator, publisher),
        (DCAT.contactPoint, contact),
        (DCTERMS.license, licence),
        (DCTERMS.rights, rights),
        (DCTERMS.accessRights, access),
        (DCTERMS.issued, issued),
        (DCTERMS.modified, modified),
        (DCAT.landingPage, landing),
        (DCTERMS.conformsTo, ontology),
    ):
        g.add((ds, p, o))
    for lang in languages:
        g.add((ds, DCTERMS.language, lang))
    for t in themes:
        g.add((ds, DCAT.theme, t))
    for lang, words in sorted(text.dataset.keywords.items()):
        for w in words:
            g.add((ds, DCAT.keyword, Literal(w, lang=lang)))
    for s in srcs:
        g.add((ds, PROV.wasDerivedFrom, s.iri))
    places = facts.places
    for province, names_of_place in places.items():
        g.add((ds, DCTERMS.spatial, _typed(g, province, DCTERMS.Location)))
        for lit in names_of_place:
            g.add((province, SKOS.prefLabel, lit))
    cover = facts.cover
    if cover:
        period = _typed(g, layout.temporal, DCTERMS.PeriodOfTime)
        g.add((period, DCAT.startDate, Literal(cover[0].isoformat(), datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(cover[1].isoformat(), datatype=XSD.date)))
        g.add((ds, DCTERMS.temporal, period))

    # the distributions
    for d in dumps:
        dist = layout.distribution(d.name)
        url = layout.dump(d.name)
        fmt = text.formats[d.media_type]
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(d.name)))
        g.add((dist, DCTERMS.description, Literal(d.description, lang="en")))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.mediaType, _typed(g, IANA + d.media_type, DCTERMS.MediaType)))
        g.add((dist, DCTERMS.format, _typed(g, EU + "file-type/" + fmt.file_type, DCTERMS.MediaTypeOrExtent)))
        if d.gzipped:
            g.add((dist, DCAT.compressFormat, _typed(g, IANA + GZIP, DCTERMS.MediaType)))
        g.add((dist, DCAT.byteSize, Literal(str(d.byte_size), datatype=XSD.nonNegativeInteger)))
        checksum = _typed(g, layout.checksum(d.name), SPDX.Checksum)
        g.add((checksum, SPDX.algorithm, _typed(g, SPDX.checksumAlgorithm_sha256, SPDX.ChecksumAlgorithm)))
        g.add((checksum, SPDX.checksumValue, Literal(d.sha256, datatype=XSD.hexBinary)))
        g.add((dist, SPDX.checksum, checksum))
        for p, o in ((DCTERMS.license, licence), (DCTERMS.rights, rights), (DCTERMS.issued, issued), (DCTERMS.modified, modified)):
            g.add((dist, p, o))
        g.add((ds, VOID.dataDump, url))
        g.add((ds, VOID.feature, W3C_FORMATS[fmt.w3c]))

    # the SPARQL endpoint
    g.add((svc, RDF.type, DCAT.DataService))
    _texts(g, svc, DCTERMS.title, text.service.title)
    _texts(g, svc, DCTERMS.description, text.service.description)
    # DCAT-AP 3.0.1 (ranges.ttl) wants the endpoint URL to have class rdfs:Resource, which only
    # RDFS entailment would infer: say it, so the catalogue conforms without entailment too.
    _typed(g, layout.sparql, RDFS.Resource)
    for p, o in (
        (DCAT.endpointURL, layout.sparql),
        (DCAT.servesDataset, ds),
        (DCTERMS.conformsTo, sparql_std),
        (DCTERMS.publisher, publisher),
        (DCAT.contactPoint, contact),
        (DCTERMS.license, licence),
        (DCTERMS.accessRights, access),
        (DCAT.landingPage, landing),
    ):
        g.add((svc, p, o))

    # VoID: the description document, statistics, partitions
    g.add((layout.void, RDF.type, VOID.DatasetDescription))
    _texts(g, layout.void, DCTERMS.title, {"en": text.names.void_description})
    g.add((layout.void, FOAF.primaryTopic, ds))
    stats = facts.stats
    for p, n in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.classes, len(stats.class_entities)),
        (VOID.properties, len(stats.property_triples)),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
    ):
        g.add((ds, p, Literal(n)))
    g.add((ds, VOID.sparqlEndpoint, layout.sparql))
    g.add((ds, VOID.uriSpace, Literal(layout.uri_space)))
    for v in vocabularies(stats, prefixes):
        g.add((ds, VOID.vocabulary, v))
    for ex in facts.examples:
        g.add((ds, VOID.exampleResource, ex))
    slugs: dict[str, URIRef] = {}
    for cls, n in sorted(stats.class_entities.items()):
        part = layout.class_partition(_unique(slugs, _slug(cls, prefixes), cls))
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n)))
    slugs = {}
    for prop, n in sorted(stats.property_triples.items()):
        part = layout.property_partition(_unique(slugs, _slug(prop, prefixes), prop))
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(n)))
    return g


def _unique(seen: dict[str, URIRef], slug: str, iri: URIRef) -> str:
    prior = seen.setdefault(slug, iri)
    if prior != iri:
        raise CatalogError(f"partition slug {slug!r} would name both {prior} and {iri}")
    return slug



# ---------------------------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------------------------


def _ox_triples(g: Graph) -> list[ox.Triple]:
    ts = {ox.Triple(rdfio.to_ox(s), rdfio.to_ox(p), rdfio.to_ox(o)) for s, p, o in g}  # type: ignore[arg-type]
    return sorted(ts, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _stable(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _stable(v) for k, v in node.items()}
    if isinstance(node, list):
        return sorted((_stable(v) for v in node), key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return node


def serialize(g: Graph, fmt: str) -> bytes:
    """The graph as `fmt` (a key of MEDIA_TYPES), the same bytes for the same graph."""
    ts = _ox_triples(g)
    iris = {term.value for t in ts for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)}
    prefixes = {p: str(ns) for p, ns in sorted(g.namespaces()) if p and any(i.startswith(str(ns)) for i in iris)}
    # pyoxigraph's stub says `bytes | None` for every call: None only when it writes to an output
    if fmt == "turtle":
        turtle = ox.serialize(ts, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        assert turtle is not None
        return turtle
    if fmt == "rdfxml":
        rdfxml = ox.serialize(ts, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
        assert rdfxml is not None
        return rdfxml
    if fmt == "ntriples":
        ntriples = ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES)
        assert ntriples is not None
        return rdfio.sorted_lines(ntriples)
    if fmt == "jsonld":
        ctx = dict(sorted(prefixes.items()))
        doc = json.loads(rdfio.to_rdflib_graph(ts).serialize(format="json-ld", context=ctx, auto_compact=True))
        return (json.dumps(_stable(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    raise CatalogError(f"unknown catalogue format {fmt!r}; use one of {', '.join(MEDIA_TYPES)}")

