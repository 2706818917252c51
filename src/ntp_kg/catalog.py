"""The DCAT-AP 3 catalogue and VoID description of the published dataset, as one RDF graph.

A pure function of the built graph, the facts of the dump files (name, media type, size,
SHA-256) and the base IRI: no clock, no network, no file written. The fixed text (titles,
descriptions, keywords, themes, licence, publisher, contact point) is data, in
seeds/catalog.yaml; everything else is computed:

    catalog_graph(data, dumps, base)          data: the rdflib Dataset of the build or a pyoxigraph Store
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

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD
from rdflib.term import Node

from . import publish, rdfio, resources
from .errors import NtpKgError, SeedError
from .iris import DEF, DEFAULT_BASE, NTP, QB, SCHEMA, SDMX_DIM, SPDX, check_base
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


def dump_files(files: Mapping[str, bytes]) -> list[DumpFile]:
    """The dumps of publish.DUMPS and their .gz twins, from the bytes `publish.render` made."""
    out: list[DumpFile] = []
    for d in publish.DUMPS:
        for name, gz in ((d.name, False), (d.name + ".gz", True)):
            if name not in files:
                raise CatalogError(f"dump {name} is missing (have {', '.join(sorted(files))})")
            data = files[name]
            desc = d.description + (" (gzip)" if gz else "")
            out.append(DumpFile(name, d.media_type, desc, len(data), hashlib.sha256(data).hexdigest(), gz))
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


@dataclass(frozen=True)
class Statistics:
    """VoID statistics of the union graph (the triples of ntp-kg.nt)."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    class_entities: dict[URIRef, int]  # class -> number of distinct instances
    property_triples: dict[URIRef, int]  # property -> number of triples


def union_graph(data: Dataset | ox.Store) -> Graph:
    """The de-duplicated union of all named graphs, as an rdflib Graph (for a Dataset, a view of
    its store, not a copy: at a million observations a copy costs as much as the mapping)."""
    if isinstance(data, ox.Store):
        return rdfio.to_rdflib_graph(rdfio.triples(data.quads_for_pattern(None, None, None, None)))
    if rdfio.view_is_exact(data):
        return rdfio.UnionView(data)
    return rdfio.to_rdflib_graph(rdfio.triples(rdfio.quads(data)))


def statistics(g: Graph, uri_space: str) -> Statistics:
    subjects: set[Node] = set()
    objects: set[Node] = set()
    props: Counter[URIRef] = Counter()
    instances: dict[URIRef, set[Node]] = {}
    n = 0
    for s, p, o in g:
        n += 1
        subjects.add(s)
        objects.add(o)
        props[URIRef(p)] += 1
        if p == RDF.type and isinstance(o, URIRef):
            instances.setdefault(o, set()).add(s)
    entities = sum(1 for s in subjects if isinstance(s, URIRef) and str(s).startswith(uri_space))
    return Statistics(
        triples=n,
        entities=entities,
        distinct_subjects=len(subjects),
        distinct_objects=len(objects),
        class_entities={c: len(v) for c, v in instances.items()},
        property_triples=dict(props),
    )


def _dates(g: Graph, node: Node) -> list[date]:
    out = []
    for p in (SCHEMA.startDate, SCHEMA.endDate, TIME.inXSDDate):
        for lit in g.objects(node, p):
            if isinstance(lit, Literal) and lit.datatype == XSD.date:
                out.append(date.fromisoformat(str(lit)))
    return out


def temporal_coverage(g: Graph) -> tuple[date, date] | None:
    """First and last day of the observations' reference periods."""
    days = [d for obs in g.subjects(RDF.type, QB.Observation) for p in g.objects(obs, SDMX_DIM.refPeriod) for d in _dates(g, p)]
    return (min(days), max(days)) if days else None


def sources(g: Graph) -> list[URIRef]:
    """The source documents the observations and statements are derived from."""
    return sorted({o for o in g.objects(None, PROV.wasDerivedFrom) if isinstance(o, URIRef) and (o, DCTERMS.date, None) in g})


def _label(g: Graph, node: Node, lang: str = "en") -> str:
    for p in (DCTERMS.title, RDFS.label, SKOS.prefLabel):
        for lit in sorted(g.objects(node, p)):
            if isinstance(lit, Literal) and lit.language == lang:
                return str(lit)
    return str(node)


def _citation(g: Graph, source: URIRef, lang: str) -> str:
    """A source document as a reference: publisher, “title”, date, URL (labels in `lang`, else en)."""
    pub = g.value(source, DCTERMS.publisher)
    url = g.value(source, SCHEMA.url) or source
    when = g.value(source, DCTERMS.date)
    who = (_label(g, pub, lang) if _has_label(g, pub, lang) else _label(g, pub)) if pub else "?"
    title = _label(g, source, lang) if _has_label(g, source, lang) else _label(g, source)
    return f"{who}, “{title}”, {when}, {url}"


def _has_label(g: Graph, node: Node, lang: str) -> bool:
    return any(isinstance(o, Literal) and o.language == lang for p in (DCTERMS.title, RDFS.label, SKOS.prefLabel) for o in g.objects(node, p))


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


def vocabularies(g: Graph, prefixes: Mapping[str, str]) -> list[URIRef]:
    """The vocabularies whose terms are used as properties or classes (namespace without '#')."""
    used = {str(p) for p in g.predicates()} | {str(c) for c in g.objects(None, RDF.type) if isinstance(c, URIRef)}
    out = set()
    for ns in prefixes.values():
        if any(t.startswith(ns) for t in used):
            out.add(URIRef(ns[:-1] if ns.endswith("#") else ns))
    # the project's own code lists, units, indicators are reference data, not vocabularies used as terms
    return sorted(out)


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


def catalog_graph(
    data: Dataset | ox.Store,
    dumps: Sequence[DumpFile],
    base: str = DEFAULT_BASE,
    text: CatalogText | None = None,
) -> Graph:
    """The DCAT-AP 3 catalogue + VoID description of the dataset built under `base`."""
    layout = Layout(base)
    text = text or load_text()
    prefixes = resources.prefixes()
    data_g = union_graph(data)
    if not dumps:
        raise CatalogError("no dump files to describe")
    by_type = {d.media_type for d in dumps}
    unknown = sorted(by_type - set(text.formats))
    if unknown:
        raise CatalogError(f"{TEXT_FILE}: no entry under `formats` for media type(s) {', '.join(unknown)}")

    g = Graph()
    for prefix, ns in sorted(prefixes.items()):
        g.bind(prefix, ns, override=True)
    for prefix, ns in (("foaf", FOAF), ("vcard", VCARD), ("adms", ADMS), ("formats", W3C_FORMATS)):
        g.bind(prefix, ns, override=True)

    ds, cat, svc = layout.dataset, layout.catalog, layout.service
    srcs = sources(data_g)
    src_dates = sorted(date.fromisoformat(str(d)) for s in srcs for d in data_g.objects(s, DCTERMS.date))
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
    for lang, fixed in sorted(text.rights.items()):
        cites = "; ".join(_citation(data_g, s, lang) for s in srcs)
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
        g.add((ds, PROV.wasDerivedFrom, s))
    for province in sorted(data_g.subjects(RDF.type, NTP.Province)):
        assert isinstance(province, URIRef)
        g.add((ds, DCTERMS.spatial, _typed(g, province, DCTERMS.Location)))
        for lit in data_g.objects(province, RDFS.label):
            if isinstance(lit, Literal) and lit.language in ("en", "vi"):
                g.add((province, SKOS.prefLabel, lit))
    cover = temporal_coverage(data_g)
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
    stats = statistics(data_g, layout.uri_space)
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
    for v in vocabularies(data_g, prefixes):
        g.add((ds, VOID.vocabulary, v))
    for ex in example_resources(data_g):
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


def example_resources(g: Graph) -> list[URIRef]:
    """A few typical resources: each province, the first observation, programme and source."""
    out: list[URIRef] = sorted(s for s in g.subjects(RDF.type, NTP.Province) if isinstance(s, URIRef))
    for cls in (QB.Observation, NTP.NationalTargetProgramme, SCHEMA.NewsArticle):
        first = sorted(s for s in g.subjects(RDF.type, cls) if isinstance(s, URIRef))[:1]
        out += first
    return out




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
    if fmt == "turtle":
        return ox.serialize(ts, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    if fmt == "rdfxml":
        return ox.serialize(ts, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
    if fmt == "ntriples":
        return rdfio.sorted_lines(ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES))
    if fmt == "jsonld":
        ctx = dict(sorted(prefixes.items()))
        doc = json.loads(rdfio.to_rdflib_graph(ts).serialize(format="json-ld", context=ctx, auto_compact=True))
        return (json.dumps(_stable(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    raise CatalogError(f"unknown catalogue format {fmt!r}; use one of {', '.join(MEDIA_TYPES)}")

