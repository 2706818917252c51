"""The rdflib-only baseline's mapper: ntp-kg's mapper as of commit 544d94a, unchanged but for imports.

It builds an rdflib Dataset with an rdflib term per value, as a pipeline made only of rdflib does;
ntp_kg.mapper now writes N-Triples text instead (quadtext.py). pipeline_bench.py runs this as the
"map" stage of the rdflib-only build, so that the baseline is the pipeline users of rdflib write,
not ours with rdflib serializers bolted on. Its output is the same graph: tests/test_mapper.py
checks that both give the same N-Quads on seeds/, so a change to the mapper shows there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, TIME, XSD

from ntp_kg.facts import (
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
from ntp_kg.iris import (
    DSD_OBSERVATIONS,
    INDICATOR_SCHEME,
    NTP,
    OA,
    ORG,
    QB,
    QUDT,
    SCHEMA,
    SDMX_ATTR,
    SDMX_DIM,
    SDMX_MEASURE,
    SPDX,
)
from ntp_kg.iris import Minter as TextMinter
from ntp_kg.validate import parse_turtle_files


class Minter:
    """ntp_kg.iris.Minter giving rdflib URIRefs (it now gives N-Triples text)."""

    def __init__(self, base: str) -> None:
        self._m = TextMinter(base)

    def __getattr__(self, name: str) -> Any:
        mint = getattr(self._m, name)
        return lambda *args: URIRef(mint(*args)[1:-1])

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


def _labels(g: Graph, node: URIRef, labels: Labels, *, skos: bool = False, vi: bool = True) -> None:
    preds = [RDFS.label, SKOS.prefLabel] if skos else [RDFS.label]
    for p in preds:
        g.add((node, p, Literal(labels.en, lang="en")))
        for i, ar in enumerate(labels.ar):
            # SKOS allows one prefLabel per language: further spellings are altLabels.
            g.add((node, SKOS.altLabel if (p == SKOS.prefLabel and i) else p, Literal(ar, lang="ar")))
        if vi and labels.vi:
            g.add((node, p, Literal(labels.vi, lang="vi")))


def _note(g: Graph, node: URIRef, note: str | None) -> None:
    if note:
        g.add((node, SKOS.note, Literal(note, lang="en")))


def _period(g: Graph, m: Minter, key: str) -> URIRef:
    """Years and ranges are intervals; a day is an instant (an as-of date)."""
    node = m.period(key)
    _identifier(g, node, key)
    parts = key.split("-")
    if len(parts) == 3:
        y, mo, d = (int(p) for p in parts)
        g.add((node, RDF.type, TIME.Instant))
        g.add((node, TIME.inXSDDate, Literal(key, datatype=XSD.date)))
        g.add((node, RDFS.label, Literal(f"{d} {_MONTHS_EN[mo - 1]} {y}", lang="en")))
        g.add((node, RDFS.label, Literal(f"{d} {_MONTHS_AR[mo - 1]} {y}", lang="ar")))
        return node
    start, end = (parts[0], parts[-1])
    g.add((node, RDF.type, TIME.ProperInterval))
    g.add((node, TIME.hasXSDDuration, Literal(f"P{int(end) - int(start) + 1}Y", datatype=XSD.duration)))
    g.add((node, SCHEMA.startDate, Literal(f"{start}-01-01", datatype=XSD.date)))
    g.add((node, SCHEMA.endDate, Literal(f"{end}-12-31", datatype=XSD.date)))
    label = start if start == end else f"{start}–{end}"
    g.add((node, RDFS.label, Literal(label, lang="en")))
    g.add((node, RDFS.label, Literal(label, lang="ar")))
    return node


def _identifier(g: Graph, node: URIRef, key: str) -> None:
    g.add((node, DCTERMS.identifier, Literal(key)))


# --- reference graph -----------------------------------------------------------------------


def map_reference(g: Graph, ref: Reference, m: Minter) -> None:
    for key, a in ref.areas.items():
        n = m.area(key)
        g.add((n, RDF.type, SCHEMA.AdministrativeArea))
        g.add((n, RDF.type, AREA_CLASS[a.type]))
        _labels(g, n, a.labels)
        _identifier(g, n, key)
        _note(g, n, a.note)
        if a.definition and "en" in a.definition:
            g.add((n, SKOS.definition, Literal(a.definition["en"], lang="en")))
        if a.part_of:
            parent = m.area(a.part_of)
            g.add((n, SCHEMA.containedInPlace, parent))
            g.add((n, DCTERMS.isPartOf, parent))
            g.add((parent, SCHEMA.containsPlace, n))
    for key, p in ref.programmes.items():
        n = m.programme(key)
        g.add((n, RDF.type, NTP.Programme))
        if p.status is not None:
            g.add((n, RDF.type, NTP.NationalTargetProgramme))
            g.add((n, NTP.programmeStatus, Literal(p.status)))
        _labels(g, n, p.labels)
        _identifier(g, n, key)
        _note(g, n, p.note)
        if p.definition and "en" in p.definition:
            g.add((n, SKOS.definition, Literal(p.definition["en"], lang="en")))
        if p.broader:
            group = m.programme(p.broader)
            g.add((group, RDF.type, NTP.ProgrammeGroup))
            g.add((group, NTP.hasMemberProgramme, n))
        _programme_period(g, m, n, p.period)
    for key, o in ref.organisations.items():
        n = m.org(key)
        g.add((n, RDF.type, ORG.Organization))
        for cls in ORG_CLASSES[o.type]:
            g.add((n, RDF.type, cls))
        _labels(g, n, o.labels)
        _identifier(g, n, key)
        _note(g, n, o.note)
        if o.part_of:
            g.add((n, ORG.subOrganizationOf, m.org(o.part_of)))
        if o.homepage:
            g.add((n, SCHEMA.url, URIRef(o.homepage)))
    for key, pe in ref.people.items():
        n = m.person(key)
        g.add((n, RDF.type, SCHEMA.Person))
        g.add((n, RDF.type, PROV.Agent))
        _labels(g, n, pe.labels)
        _identifier(g, n, key)
        _note(g, n, pe.note)
    for key, u in ref.units.items():
        n = m.unit(key)
        g.add((n, RDF.type, QUDT.Unit))
        _labels(g, n, u.labels, vi=False)
        _identifier(g, n, key)
        _note(g, n, u.note)
        g.add((n, QUDT.symbol, Literal(u.symbol)))
        if u.ucum:
            g.add((n, QUDT.ucumCode, Literal(u.ucum, datatype=QUDT.UCUMcs)))
        if u.currency:
            g.add((n, QUDT.currencyCode, Literal(u.currency)))
    for key, i in ref.indicators.items():
        n = m.indicator(key)
        g.add((n, RDF.type, SKOS.Concept))
        g.add((n, SKOS.inScheme, INDICATOR_SCHEME))
        _labels(g, n, i.labels, skos=True, vi=False)
        _identifier(g, n, key)
        _note(g, n, i.note)
        g.add((n, SKOS.notation, Literal(key)))
        g.add((n, SKOS.definition, Literal(i.definition["en"], lang="en")))
        g.add((n, SDMX_ATTR.unitMeasure, m.unit(i.unit)))
        if i.broader:
            g.add((n, SKOS.broader, m.indicator(i.broader)))
            g.add((m.indicator(i.broader), SKOS.narrower, n))
        else:
            g.add((INDICATOR_SCHEME, SKOS.hasTopConcept, n))
            g.add((n, SKOS.topConceptOf, INDICATOR_SCHEME))
    for scheme, codes in ref.codes.items():
        sn = m.code(scheme)
        for key, c in codes.items():
            n = m.code(scheme, key)
            g.add((n, RDF.type, SKOS.Concept))
            if scheme == "role":
                g.add((n, RDF.type, ORG.Role))
            g.add((n, SKOS.inScheme, sn))
            g.add((n, SKOS.topConceptOf, sn))
            g.add((sn, SKOS.hasTopConcept, n))
            g.add((n, SKOS.notation, Literal(key)))
            _identifier(g, n, key)
            _labels(g, n, c.labels, skos=True, vi=False)
            _note(g, n, c.note)
            if c.definition and "en" in c.definition:
                g.add((n, SKOS.definition, Literal(c.definition["en"], lang="en")))


def _programme_period(g: Graph, m: Minter, n: URIRef, period: str | None) -> None:
    if not period:
        return
    start, _, end = period.partition("-") if "-" in period else (period, "", period)
    if start:
        g.add((n, SCHEMA.startDate, Literal(start, datatype=XSD.gYear)))
    if end:
        g.add((n, SCHEMA.endDate, Literal(end, datatype=XSD.gYear)))
    if start and end:
        g.add((n, DCTERMS.temporal, _period(g, m, f"{start}-{end}" if start != end else start)))


# --- source graphs -------------------------------------------------------------------------


class _SourceMapper:
    def __init__(self, g: Graph, src: Source, ref: Reference, m: Minter) -> None:
        self.g, self.src, self.ref, self.m = g, src, ref, m
        self.sid = src.meta.id
        self.doc = m.source(self.sid)
        self._periods: dict[str, URIRef] = {}

    def period(self, key: str) -> URIRef:
        """The period node, its triples added to this source's graph once (most observations of
        a source share a few periods; adding them again would change nothing but the time)."""
        node = self._periods.get(key)
        if node is None:
            node = self._periods[key] = _period(self.g, self.m, key)
        return node

    def document(self) -> None:
        g, meta, doc = self.g, self.src.meta, self.doc
        g.add((doc, RDF.type, SCHEMA.NewsArticle))
        g.add((doc, RDF.type, PROV.Entity))
        _labels(g, doc, meta.title, vi=False)
        for lang in ("en", "vi"):
            t = getattr(meta.title, lang)
            if t:
                g.add((doc, DCTERMS.title, Literal(t, lang=lang)))
        for t in meta.title.ar:
            g.add((doc, DCTERMS.title, Literal(t, lang="ar")))
        # Its SHA-256 is a source's identity (the key is in its IRI).
        g.add((doc, DCTERMS.identifier, Literal(f"sha256:{self.src.sha256}")))
        g.add((doc, DCTERMS.publisher, self.m.org(meta.publisher)))
        g.add((doc, SCHEMA.url, URIRef(meta.url)))
        g.add((doc, DCTERMS.language, Literal(meta.language)))
        g.add((doc, DCTERMS.date, Literal(meta.date.isoformat(), datatype=XSD.date)))
        g.add((doc, SCHEMA.text, Literal(self.src.text, lang=meta.language)))
        if meta.translation_of and meta.translation_of.url:
            g.add((doc, SCHEMA.translationOfWork, URIRef(meta.translation_of.url)))
        _note(g, doc, meta.note)
        ck = self.m.checksum(self.sid)
        g.add((doc, SPDX.checksum, ck))
        g.add((ck, RDF.type, SPDX.Checksum))
        g.add((ck, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((ck, SPDX.checksumValue, Literal(self.src.sha256, datatype=XSD.hexBinary)))
        ds = self.m.dataset(self.sid)
        g.add((ds, RDF.type, QB.DataSet))
        g.add((ds, QB.structure, DSD_OBSERVATIONS))
        g.add((ds, PROV.wasDerivedFrom, doc))
        _identifier(g, ds, self.sid)
        g.add((ds, RDFS.label, Literal(f"Observations: {meta.title.en}", lang="en")))
        g.add((ds, RDFS.label, Literal(f"مشاهدات: {meta.title.ar[0]}", lang="ar")))

    def provenance(self, fid: str, quote: str, body: URIRef, note: str | None = None) -> None:
        """Every fact leads back to its sentence: source, exact quote with context, offsets."""
        g, m, sid, text = self.g, self.m, self.sid, self.src.text
        start = text.find(quote)
        end = start + len(quote)
        ann, target = m.annotation(sid, fid), m.annotation(sid, fid, "target")
        qsel, psel = m.annotation(sid, fid, "quote"), m.annotation(sid, fid, "position")
        lang = self.src.meta.language
        g.add((body, PROV.wasDerivedFrom, self.doc))
        g.add((ann, RDF.type, OA.Annotation))
        g.add((ann, OA.motivatedBy, OA.describing))
        g.add((ann, OA.hasBody, body))
        g.add((ann, OA.hasTarget, target))
        _note(g, ann, note)
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, self.doc))
        g.add((target, OA.hasSelector, qsel))
        g.add((target, OA.hasSelector, psel))
        g.add((qsel, RDF.type, OA.TextQuoteSelector))
        g.add((qsel, OA.exact, Literal(quote, lang=lang)))
        g.add((qsel, OA.prefix, Literal(text[max(0, start - _CONTEXT) : start], lang=lang)))
        g.add((qsel, OA.suffix, Literal(text[end : end + _CONTEXT], lang=lang)))
        g.add((psel, RDF.type, OA.TextPositionSelector))
        g.add((psel, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        g.add((psel, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))

    def observation(self, o: Observation) -> None:
        g, m, ref = self.g, self.m, self.ref
        n = m.observation(self.sid, o.id)
        g.add((n, RDF.type, QB.Observation))
        g.add((n, QB.dataSet, m.dataset(self.sid)))
        g.add((n, SDMX_DIM.refArea, m.area(o.area)))
        g.add((n, SDMX_DIM.refPeriod, self.period(o.period)))
        g.add((n, NTP.indicator, m.indicator(o.indicator)))
        g.add((n, NTP.programme, m.programme(o.programme)))
        g.add((n, NTP.status, m.code("status", o.status)))
        g.add((n, SDMX_MEASURE.obsValue, Literal(decimal_lexical(measure_value(o)), datatype=XSD.decimal)))
        g.add((n, SDMX_ATTR.unitMeasure, m.unit(o.unit)))
        g.add((n, NTP.qualifier, m.code("qualifier", o.qualifier)))
        g.add((n, NTP.nature, m.code("nature", o.nature)))
        g.add((n, NTP.statedValue, Literal(o.value)))
        if o.scale:
            g.add((n, NTP.statedScale, Literal(o.scale)))
        _note(g, n, o.note)
        if o.reading:
            g.add((n, SKOS.editorialNote, Literal(o.reading, lang="en")))
        if o.numerator and o.denominator:
            g.add((n, NTP.numerator, m.observation(self.sid, o.numerator)))
            g.add((n, NTP.denominator, m.observation(self.sid, o.denominator)))
        for s in o.summands:
            g.add((n, NTP.summand, m.observation(self.sid, s)))
        _identifier(g, n, o.id)
        ind, area, prog = ref.indicators[o.indicator], ref.areas[o.area], ref.programmes[o.programme]
        status = ref.codes["status"][o.status]
        period = o.period
        g.add((n, RDFS.label, Literal(f"{ind.labels.en}, {area.labels.en}, {period} ({status.labels.en}; {prog.labels.en})", lang="en")))
        g.add((n, RDFS.label, Literal(f"{ind.labels.ar[0]}، {area.labels.ar[0]}، {period} ({status.labels.ar[0]}؛ {prog.labels.ar[0]})", lang="ar")))
        self.provenance(o.id, o.quote, n)

    def statement(self, s: object) -> None:
        g, m = self.g, self.m
        if isinstance(s, EventStatement):
            n = m.event(s.event)
            g.add((n, RDF.type, SCHEMA.Event))
            g.add((n, RDF.type, PROV.Activity))
            _labels(g, n, s.label)
            _identifier(g, n, s.event)
            g.add((n, SCHEMA.startDate, Literal(s.date.isoformat(), datatype=XSD.date)))
            g.add((n, SCHEMA.location, m.area(s.location)))
            g.add((n, SCHEMA.organizer, m.org(s.organiser)))
            g.add((n, SCHEMA.eventAttendanceMode, ATTENDANCE[s.attendance]))
            if s.levels is not None:
                g.add((n, NTP.administrativeLevels, Literal(s.levels, datatype=XSD.integer)))
            for p in s.about:
                g.add((n, SCHEMA.about, m.programme(p)))
            if s.about_period:
                g.add((n, DCTERMS.temporal, self.period(s.about_period)))
        elif isinstance(s, ChairStatement):
            n = m.event(s.event)
            g.add((n, NTP.chairedBy, m.person(s.person)))
        elif isinstance(s, PostStatement):
            n = m.post(s.post)
            g.add((n, RDF.type, ORG.Post))
            _labels(g, n, s.label)
            _identifier(g, n, s.post)
            org, role = m.org(s.organisation), m.code("role", s.role)
            g.add((n, ORG.postIn, org))
            g.add((org, ORG.hasPost, n))
            g.add((n, ORG.role, role))
            if s.person:
                person = m.person(s.person)
                g.add((n, ORG.heldBy, person))
                g.add((person, ORG.holds, n))
                ms = m.membership(s.post)
                g.add((ms, RDF.type, ORG.Membership))
                g.add((ms, ORG.member, person))
                g.add((ms, ORG.organization, org))
                g.add((ms, ORG.role, role))
                _identifier(g, ms, s.post)
                p_labels = self.ref.people[s.person].labels
                g.add((ms, RDFS.label, Literal(f"{p_labels.en}: {s.label.en}", lang="en")))
                g.add((ms, RDFS.label, Literal(f"{p_labels.ar[0]}: {s.label.ar[0]}", lang="ar")))
                self.provenance(f"{s.id}-membership", s.quote, ms)
        elif isinstance(s, ParticipantStatement):
            n = m.event(s.event)
            target = m.area(s.participant) if s.participant in self.ref.areas else m.org(s.participant)
            g.add((n, NTP.reportedBy, target))
        elif isinstance(s, ProgrammeLaunchStatement):
            n = m.programme(s.programme)
            # The period itself is the programme's reference data (lint checks they agree).
            g.add((n, NTP.launchedIn, self.period(str(s.year))))
        elif isinstance(s, DeadlineStatement):
            n = m.task(s.task)
            g.add((n, RDF.type, NTP.Task))
            _labels(g, n, s.label, vi=False)
            _identifier(g, n, s.task)
            g.add((n, NTP.dueDate, Literal(s.due.isoformat(), datatype=XSD.date)))
            g.add((n, SCHEMA.location, m.area(s.area)))
            if s.programme:
                g.add((n, NTP.programme, m.programme(s.programme)))
        else:  # pragma: no cover - the statement union is closed
            raise TypeError(f"unknown statement {s!r}")
        self.provenance(getattr(s, "id"), getattr(s, "quote"), n, getattr(s, "note"))


def map_seeds(seeds: Seeds, ontology: list[Path], base: str) -> Dataset:
    """The whole graph: ontology, reference data, and one named graph per source."""
    m = Minter(base)
    ds = Dataset()
    onto = ds.graph(m.graph("ontology"))
    for t in parse_turtle_files(ontology):
        onto.add(t)
    map_reference(ds.graph(m.graph("reference")), seeds.reference, m)
    for sid, doc in sorted(seeds.facts.items()):
        src = seeds.sources[sid]
        sm = _SourceMapper(ds.graph(m.source_graph(sid)), src, seeds.reference, m)
        sm.document()
        for o in doc.facts.observations:
            sm.observation(o)
        for s in doc.facts.statements:
            sm.statement(s)
    return ds
