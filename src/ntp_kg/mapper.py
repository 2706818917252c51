"""Facts to RDF: a pure function from typed seeds to a dataset of named graphs.

The mapper makes no decisions about meaning; the facts file has made them. It only says each
fact in the vocabularies documented in ontology/README.md, mints every IRI through `Minter`, and
attaches provenance (source, quote selector, position selector) to every fact it maps.

It writes each statement as N-Triples text (quadtext.py): at a million observations, making an
RDF object per term was most of the build's time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import namespace as ns

from .facts import (
    SCALE_FACTORS,
    ChairStatement,
    DeadlineStatement,
    EventStatement,
    Labels,
    Observation,
    ParticipantStatement,
    PostStatement,
    ProgrammeLaunchStatement,
    Reference,
    Seeds,
    Source,
)
from . import iris
from .errors import SeedError
from .iris import Minter
from .quadtext import DatasetText, GraphText, Terms, checked_iri, literal

DCTERMS, PROV, RDF, RDFS = Terms(ns.DCTERMS), Terms(ns.PROV), Terms(ns.RDF), Terms(ns.RDFS)
SKOS, TIME = Terms(ns.SKOS), Terms(ns.TIME)
NTP, OA, ORG, QB, QUDT = Terms(iris.NTP), Terms(iris.OA), Terms(iris.ORG), Terms(iris.QB), Terms(iris.QUDT)
SCHEMA, SPDX = Terms(iris.SCHEMA), Terms(iris.SPDX)
SDMX_ATTR, SDMX_DIM, SDMX_MEASURE = Terms(iris.SDMX_ATTR), Terms(iris.SDMX_DIM), Terms(iris.SDMX_MEASURE)
INDICATOR_SCHEME, DSD_OBSERVATIONS = f"<{iris.INDICATOR_SCHEME}>", f"<{iris.DSD_OBSERVATIONS}>"
_X = str(ns.XSD)
XSD_DATE, XSD_DECIMAL, XSD_DURATION, XSD_GYEAR = _X + "date", _X + "decimal", _X + "duration", _X + "gYear"
XSD_HEX, XSD_INTEGER, XSD_NNI = _X + "hexBinary", _X + "integer", _X + "nonNegativeInteger"
UCUM_CS = f"{iris.QUDT}UCUMcs"

_CONTEXT = 32  # characters of prefix/suffix in a TextQuoteSelector
_MONTHS_EN = "January February March April May June July August September October November December".split()
_MONTHS_AR = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()

AREA_CLASS = {"province": NTP.Province, "district": NTP.District, "town": NTP.Town, "area-group": NTP.AreaGroup}
ORG_CLASSES = {
    "government": [SCHEMA.GovernmentOrganization],
    "ministry": [SCHEMA.GovernmentOrganization],
    "committee": [SCHEMA.GovernmentOrganization],
    "council": [SCHEMA.GovernmentOrganization],
    "agency": [SCHEMA.GovernmentOrganization],
    "party": [],
    "publisher": [SCHEMA.NewsMediaOrganization],
}
ATTENDANCE = {
    "online": SCHEMA.OnlineEventAttendanceMode,
    "offline": SCHEMA.OfflineEventAttendanceMode,
    "mixed": SCHEMA.MixedEventAttendanceMode,
}


def decimal_lexical(d: Decimal) -> str:
    """Canonical xsd:decimal lexical form: no exponent, no trailing zeros after the point."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def measure_value(o: Observation) -> Decimal:
    return Decimal(o.value) * (SCALE_FACTORS[o.scale] if o.scale else 1)


def _labels(g: GraphText, node: str, labels: Labels, *, skos: bool = False, vi: bool = True) -> None:
    preds = [RDFS.label, SKOS.prefLabel] if skos else [RDFS.label]
    for p in preds:
        g.add(node, p, literal(labels.en, lang="en"))
        for i, ar in enumerate(labels.ar):
            # SKOS allows one prefLabel per language: further spellings are altLabels.
            g.add(node, SKOS.altLabel if (p == SKOS.prefLabel and i) else p, literal(ar, lang="ar"))
        if vi and labels.vi:
            g.add(node, p, literal(labels.vi, lang="vi"))


def _note(g: GraphText, node: str, note: str | None) -> None:
    if note:
        g.add(node, SKOS.note, literal(note, lang="en"))


def _period(g: GraphText, m: Minter, key: str) -> str:
    """Years and ranges are intervals; a day is an instant (an as-of date)."""
    node = m.period(key)
    _identifier(g, node, key)
    parts = key.split("-")
    if len(parts) == 3:
        y, mo, d = (int(p) for p in parts)
        g.add(node, RDF.type, TIME.Instant)
        g.add(node, TIME.inXSDDate, literal(key, datatype=XSD_DATE))
        g.add(node, RDFS.label, literal(f"{d} {_MONTHS_EN[mo - 1]} {y}", lang="en"))
        g.add(node, RDFS.label, literal(f"{d} {_MONTHS_AR[mo - 1]} {y}", lang="ar"))
        return node
    start, end = (parts[0], parts[-1])
    g.add(node, RDF.type, TIME.ProperInterval)
    g.add(node, TIME.hasXSDDuration, literal(f"P{int(end) - int(start) + 1}Y", datatype=XSD_DURATION))
    g.add(node, SCHEMA.startDate, literal(f"{start}-01-01", datatype=XSD_DATE))
    g.add(node, SCHEMA.endDate, literal(f"{end}-12-31", datatype=XSD_DATE))
    label = start if start == end else f"{start}–{end}"
    g.add(node, RDFS.label, literal(label, lang="en"))
    g.add(node, RDFS.label, literal(label, lang="ar"))
    return node


def _url(value: str, where: str) -> str:
    try:
        return checked_iri(value)
    except ValueError as exc:
        raise SeedError(where, f"{value!r} is not an IRI ({exc}); write it as an absolute URL with spaces and quotes percent-encoded") from exc


def _identifier(g: GraphText, node: str, key: str) -> None:
    g.add(node, DCTERMS.identifier, literal(key))


# --- reference graph -----------------------------------------------------------------------


def map_reference(g: GraphText, ref: Reference, m: Minter) -> None:
    for key, a in ref.areas.items():
        n = m.area(key)
        g.add(n, RDF.type, SCHEMA.AdministrativeArea)
        g.add(n, RDF.type, AREA_CLASS[a.type])
        _labels(g, n, a.labels)
        _identifier(g, n, key)
        _note(g, n, a.note)
        if a.definition and "en" in a.definition:
            g.add(n, SKOS.definition, literal(a.definition["en"], lang="en"))
        if a.part_of:
            parent = m.area(a.part_of)
            g.add(n, SCHEMA.containedInPlace, parent)
            g.add(n, DCTERMS.isPartOf, parent)
            g.add(parent, SCHEMA.containsPlace, n)
    for key, p in ref.programmes.items():
        n = m.programme(key)
        g.add(n, RDF.type, NTP.Programme)
        if p.status is not None:
            g.add(n, RDF.type, NTP.NationalTargetProgramme)
            g.add(n, NTP.programmeStatus, literal(p.status))
        _labels(g, n, p.labels)
        _identifier(g, n, key)
        _note(g, n, p.note)
        if p.definition and "en" in p.definition:
            g.add(n, SKOS.definition, literal(p.definition["en"], lang="en"))
        if p.broader:
            group = m.programme(p.broader)
            g.add(group, RDF.type, NTP.ProgrammeGroup)
            g.add(group, NTP.hasMemberProgramme, n)
        _programme_period(g, m, n, p.period)
    for key, o in ref.organisations.items():
        n = m.org(key)
        g.add(n, RDF.type, ORG.Organization)
        for cls in ORG_CLASSES[o.type]:
            g.add(n, RDF.type, cls)
        _labels(g, n, o.labels)
        _identifier(g, n, key)
        _note(g, n, o.note)
        if o.part_of:
            g.add(n, ORG.subOrganizationOf, m.org(o.part_of))
        if o.homepage:
            g.add(n, SCHEMA.url, _url(o.homepage, f"reference organisation {key}: homepage"))
    for key, pe in ref.people.items():
        n = m.person(key)
        g.add(n, RDF.type, SCHEMA.Person)
        g.add(n, RDF.type, PROV.Agent)
        _labels(g, n, pe.labels)
        _identifier(g, n, key)
        _note(g, n, pe.note)
    for key, u in ref.units.items():
        n = m.unit(key)
        g.add(n, RDF.type, QUDT.Unit)
        _labels(g, n, u.labels, vi=False)
        _identifier(g, n, key)
        _note(g, n, u.note)
        g.add(n, QUDT.symbol, literal(u.symbol))
        if u.ucum:
            g.add(n, QUDT.ucumCode, literal(u.ucum, datatype=UCUM_CS))
        if u.currency:
            g.add(n, QUDT.currencyCode, literal(u.currency))
    for key, i in ref.indicators.items():
        n = m.indicator(key)
        g.add(n, RDF.type, SKOS.Concept)
        g.add(n, SKOS.inScheme, INDICATOR_SCHEME)
        _labels(g, n, i.labels, skos=True, vi=False)
        _identifier(g, n, key)
        _note(g, n, i.note)
        g.add(n, SKOS.notation, literal(key))
        g.add(n, SKOS.definition, literal(i.definition["en"], lang="en"))
        g.add(n, SDMX_ATTR.unitMeasure, m.unit(i.unit))
        if i.broader:
            g.add(n, SKOS.broader, m.indicator(i.broader))
            g.add(m.indicator(i.broader), SKOS.narrower, n)
        else:
            g.add(INDICATOR_SCHEME, SKOS.hasTopConcept, n)
            g.add(n, SKOS.topConceptOf, INDICATOR_SCHEME)
    for scheme, codes in ref.codes.items():
        sn = m.code(scheme)
        for key, c in codes.items():
            n = m.code(scheme, key)
            g.add(n, RDF.type, SKOS.Concept)
            if scheme == "role":
                g.add(n, RDF.type, ORG.Role)
            g.add(n, SKOS.inScheme, sn)
            g.add(n, SKOS.topConceptOf, sn)
            g.add(sn, SKOS.hasTopConcept, n)
            g.add(n, SKOS.notation, literal(key))
            _identifier(g, n, key)
            _labels(g, n, c.labels, skos=True, vi=False)
            _note(g, n, c.note)
            if c.definition and "en" in c.definition:
                g.add(n, SKOS.definition, literal(c.definition["en"], lang="en"))


def _programme_period(g: GraphText, m: Minter, n: str, period: str | None) -> None:
    if not period:
        return
    start, _, end = period.partition("-") if "-" in period else (period, "", period)
    if start:
        g.add(n, SCHEMA.startDate, literal(start, datatype=XSD_GYEAR))
    if end:
        g.add(n, SCHEMA.endDate, literal(end, datatype=XSD_GYEAR))
    if start and end:
        g.add(n, DCTERMS.temporal, _period(g, m, f"{start}-{end}" if start != end else start))


# --- source graphs -------------------------------------------------------------------------


class _SourceMapper:
    def __init__(self, g: GraphText, src: Source, ref: Reference, m: Minter) -> None:
        self.g, self.src, self.ref, self.m = g, src, ref, m
        self.sid = src.meta.id
        self.doc = m.source(self.sid)
        self._periods: dict[str, str] = {}

    def period(self, key: str) -> str:
        """The period node, its triples added to this source's graph once (most observations of
        a source share a few periods; adding them again would change nothing but the time)."""
        node = self._periods.get(key)
        if node is None:
            node = self._periods[key] = _period(self.g, self.m, key)
        return node

    def document(self) -> None:
        g, meta, doc = self.g, self.src.meta, self.doc
        g.add(doc, RDF.type, SCHEMA.NewsArticle)
        g.add(doc, RDF.type, PROV.Entity)
        _labels(g, doc, meta.title, vi=False)
        for lang in ("en", "vi"):
            t = getattr(meta.title, lang)
            if t:
                g.add(doc, DCTERMS.title, literal(t, lang=lang))
        for t in meta.title.ar:
            g.add(doc, DCTERMS.title, literal(t, lang="ar"))
        # Its SHA-256 is a source's identity (the key is in its IRI).
        g.add(doc, DCTERMS.identifier, literal(f"sha256:{self.src.sha256}"))
        g.add(doc, DCTERMS.publisher, self.m.org(meta.publisher))
        g.add(doc, SCHEMA.url, _url(meta.url, f"source {self.sid}: url"))
        g.add(doc, DCTERMS.language, literal(meta.language))
        g.add(doc, DCTERMS.date, literal(meta.date.isoformat(), datatype=XSD_DATE))
        g.add(doc, SCHEMA.text, literal(self.src.text, lang=meta.language))
        if meta.translation_of and meta.translation_of.url:
            g.add(doc, SCHEMA.translationOfWork, _url(meta.translation_of.url, f"source {self.sid}: translation_of.url"))
        _note(g, doc, meta.note)
        ck = self.m.checksum(self.sid)
        g.add(doc, SPDX.checksum, ck)
        g.add(ck, RDF.type, SPDX.Checksum)
        g.add(ck, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        g.add(ck, SPDX.checksumValue, literal(self.src.sha256, datatype=XSD_HEX))
        ds = self.m.dataset(self.sid)
        g.add(ds, RDF.type, QB.DataSet)
        g.add(ds, QB.structure, DSD_OBSERVATIONS)
        g.add(ds, PROV.wasDerivedFrom, doc)
        _identifier(g, ds, self.sid)
        g.add(ds, RDFS.label, literal(f"Observations: {meta.title.en}", lang="en"))
        g.add(ds, RDFS.label, literal(f"مشاهدات: {meta.title.ar[0]}", lang="ar"))

    def provenance(self, fid: str, quote: str, body: str, note: str | None = None) -> None:
        """Every fact leads back to its sentence: source, exact quote with context, offsets."""
        g, m, sid, text = self.g, self.m, self.sid, self.src.text
        start = text.find(quote)
        end = start + len(quote)
        ann, target = m.annotation(sid, fid), m.annotation(sid, fid, "target")
        qsel, psel = m.annotation(sid, fid, "quote"), m.annotation(sid, fid, "position")
        lang = self.src.meta.language
        g.add(body, PROV.wasDerivedFrom, self.doc)
        g.add(ann, RDF.type, OA.Annotation)
        g.add(ann, OA.motivatedBy, OA.describing)
        g.add(ann, OA.hasBody, body)
        g.add(ann, OA.hasTarget, target)
        _note(g, ann, note)
        g.add(target, RDF.type, OA.SpecificResource)
        g.add(target, OA.hasSource, self.doc)
        g.add(target, OA.hasSelector, qsel)
        g.add(target, OA.hasSelector, psel)
        g.add(qsel, RDF.type, OA.TextQuoteSelector)
        g.add(qsel, OA.exact, literal(quote, lang=lang))
        g.add(qsel, OA.prefix, literal(text[max(0, start - _CONTEXT) : start], lang=lang))
        g.add(qsel, OA.suffix, literal(text[end : end + _CONTEXT], lang=lang))
        g.add(psel, RDF.type, OA.TextPositionSelector)
        g.add(psel, OA.start, literal(str(start), datatype=XSD_NNI))
        g.add(psel, OA.end, literal(str(end), datatype=XSD_NNI))

    def observation(self, o: Observation) -> None:
        g, m, ref = self.g, self.m, self.ref
        n = m.observation(self.sid, o.id)
        g.add(n, RDF.type, QB.Observation)
        g.add(n, QB.dataSet, m.dataset(self.sid))
        g.add(n, SDMX_DIM.refArea, m.area(o.area))
        g.add(n, SDMX_DIM.refPeriod, self.period(o.period))
        g.add(n, NTP.indicator, m.indicator(o.indicator))
        g.add(n, NTP.programme, m.programme(o.programme))
        g.add(n, NTP.status, m.code("status", o.status))
        g.add(n, SDMX_MEASURE.obsValue, literal(decimal_lexical(measure_value(o)), datatype=XSD_DECIMAL))
        g.add(n, SDMX_ATTR.unitMeasure, m.unit(o.unit))
        g.add(n, NTP.qualifier, m.code("qualifier", o.qualifier))
        g.add(n, NTP.nature, m.code("nature", o.nature))
        g.add(n, NTP.statedValue, literal(o.value))
        if o.scale:
            g.add(n, NTP.statedScale, literal(o.scale))
        _note(g, n, o.note)
        if o.reading:
            g.add(n, SKOS.editorialNote, literal(o.reading, lang="en"))
        if o.numerator and o.denominator:
            g.add(n, NTP.numerator, m.observation(self.sid, o.numerator))
            g.add(n, NTP.denominator, m.observation(self.sid, o.denominator))
        for s in o.summands:
            g.add(n, NTP.summand, m.observation(self.sid, s))
        _identifier(g, n, o.id)
        ind, area, prog = ref.indicators[o.indicator], ref.areas[o.area], ref.programmes[o.programme]
        status = ref.codes["status"][o.status]
        period = o.period
        g.add(n, RDFS.label, literal(f"{ind.labels.en}, {area.labels.en}, {period} ({status.labels.en}; {prog.labels.en})", lang="en"))
        g.add(n, RDFS.label, literal(f"{ind.labels.ar[0]}، {area.labels.ar[0]}، {period} ({status.labels.ar[0]}؛ {prog.labels.ar[0]})", lang="ar"))
        self.provenance(o.id, o.quote, n)

    def statement(self, s: object) -> None:
        g, m = self.g, self.m
        if isinstance(s, EventStatement):
            n = m.event(s.event)
            g.add(n, RDF.type, SCHEMA.Event)
            g.add(n, RDF.type, PROV.Activity)
            _labels(g, n, s.label)
            _identifier(g, n, s.event)
            g.add(n, SCHEMA.startDate, literal(s.date.isoformat(), datatype=XSD_DATE))
            g.add(n, SCHEMA.location, m.area(s.location))
            g.add(n, SCHEMA.organizer, m.org(s.organiser))
            g.add(n, SCHEMA.eventAttendanceMode, ATTENDANCE[s.attendance])
            if s.levels is not None:
                g.add(n, NTP.administrativeLevels, literal(str(s.levels), datatype=XSD_INTEGER))
            for p in s.about:
                g.add(n, SCHEMA.about, m.programme(p))
            if s.about_period:
                g.add(n, DCTERMS.temporal, self.period(s.about_period))
        elif isinstance(s, ChairStatement):
            n = m.event(s.event)
            g.add(n, NTP.chairedBy, m.person(s.person))
        elif isinstance(s, PostStatement):
            n = m.post(s.post)
            g.add(n, RDF.type, ORG.Post)
            _labels(g, n, s.label)
            _identifier(g, n, s.post)
            org, role = m.org(s.organisation), m.code("role", s.role)
            g.add(n, ORG.postIn, org)
            g.add(org, ORG.hasPost, n)
            g.add(n, ORG.role, role)
            if s.person:
                person = m.person(s.person)
                g.add(n, ORG.heldBy, person)
                g.add(person, ORG.holds, n)
                ms = m.membership(s.post)
                g.add(ms, RDF.type, ORG.Membership)
                g.add(ms, ORG.member, person)
                g.add(ms, ORG.organization, org)
                g.add(ms, ORG.role, role)
                _identifier(g, ms, s.post)
                p_labels = self.ref.people[s.person].labels
                g.add(ms, RDFS.label, literal(f"{p_labels.en}: {s.label.en}", lang="en"))
                g.add(ms, RDFS.label, literal(f"{p_labels.ar[0]}: {s.label.ar[0]}", lang="ar"))
                self.provenance(f"{s.id}-membership", s.quote, ms)
        elif isinstance(s, ParticipantStatement):
            n = m.event(s.event)
            target = m.area(s.participant) if s.participant in self.ref.areas else m.org(s.participant)
            g.add(n, NTP.reportedBy, target)
        elif isinstance(s, ProgrammeLaunchStatement):
            n = m.programme(s.programme)
            # The period itself is the programme's reference data (lint checks they agree).
            g.add(n, NTP.launchedIn, self.period(str(s.year)))
        elif isinstance(s, DeadlineStatement):
            n = m.task(s.task)
            g.add(n, RDF.type, NTP.Task)
            _labels(g, n, s.label, vi=False)
            _identifier(g, n, s.task)
            g.add(n, NTP.dueDate, literal(s.due.isoformat(), datatype=XSD_DATE))
            g.add(n, SCHEMA.location, m.area(s.area))
            if s.programme:
                g.add(n, NTP.programme, m.programme(s.programme))
        else:  # pragma: no cover - the statement union is closed
            raise TypeError(f"unknown statement {s!r}")
        self.provenance(getattr(s, "id"), getattr(s, "quote"), n, getattr(s, "note"))


def map_ontology(g: GraphText, files: list[Path]) -> None:
    for path in files:
        try:
            for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
                g.add(str(t.subject), str(t.predicate), str(t.object))
        except (SyntaxError, ValueError, OSError) as exc:
            raise SeedError(str(path), f"cannot parse Turtle: {exc}") from exc


def map_seeds(seeds: Seeds, ontology: list[Path], base: str) -> DatasetText:
    """The whole graph: ontology, reference data, and one named graph per source."""
    return DatasetText(list(map_graphs(seeds, ontology, base)))


def map_graphs(seeds: Seeds, ontology: list[Path], base: str, sources: Iterable[str] | None = None, shared: bool = True) -> Iterator[GraphText]:
    """`map_seeds` one named graph at a time, each complete when it is yielded, so that a caller
    (the build's spool) holds one source's statements at a time, not the whole graph.
    `sources`: only these sources' graphs (all if None), in the order given; `shared`: also the
    ontology's and the reference data's graphs (`forkmap` shares the sources among workers)."""
    m = Minter(base)
    if shared:
        g = GraphText(m.graph("ontology"))
        map_ontology(g, ontology)
        yield g
        g = GraphText(m.graph("reference"))
        map_reference(g, seeds.reference, m)
        yield g
    for sid in sorted(seeds.facts) if sources is None else sources:
        doc, src = seeds.facts[sid], seeds.sources[sid]
        g = GraphText(m.source_graph(sid))
        sm = _SourceMapper(g, src, seeds.reference, m)
        sm.document()
        for o in doc.facts.observations:
            sm.observation(o)
        for s in doc.facts.statements:
            sm.statement(s)
        yield g
