"""Each shape proven to work: the valid fixture, broken by ONE mutation, yields exactly the
expected findings (severity, focus node, shape, constraint component; path, value and message
where they matter) and nothing else.

A mutation is a SPARQL Update applied to a private copy of the valid union graph. Where a
mutation necessarily breaks two things (a fact without prov:wasDerivedFrom is also the body of
an annotation that quotes a source it is not derived from), both findings are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rdflib import Graph

from ntp_kg.validate import Finding, validate

S = "https://w3id.org/ntp-kg/def/shapes#"
ID = "https://w3id.org/ntp-kg/id/"
OBS = ID + "obs/test-source/"
ANN = ID + "annotation/test-source/"
AREA = ID + "area/"
PROG = ID + "programme/"
SRC = ID + "source/test-source"
DATASET = ID + "dataset/test-source"
NTP = "https://w3id.org/ntp-kg/def/ontology#"
DSD = "https://w3id.org/ntp-kg/def/dsd/observations"
DATA_GRAPH = S + "DataGraph"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

PREFIXES = """
PREFIX area: <https://w3id.org/ntp-kg/id/area/>
PREFIX prog: <https://w3id.org/ntp-kg/id/programme/>
PREFIX org_: <https://w3id.org/ntp-kg/id/org/>
PREFIX person: <https://w3id.org/ntp-kg/id/person/>
PREFIX period: <https://w3id.org/ntp-kg/id/period/>
PREFIX src: <https://w3id.org/ntp-kg/id/source/>
PREFIX dataset: <https://w3id.org/ntp-kg/id/dataset/>
PREFIX obs: <https://w3id.org/ntp-kg/id/obs/test-source/>
PREFIX ann: <https://w3id.org/ntp-kg/id/annotation/test-source/>
PREFIX event: <https://w3id.org/ntp-kg/id/event/>
PREFIX post: <https://w3id.org/ntp-kg/id/post/>
PREFIX membership: <https://w3id.org/ntp-kg/id/membership/>
PREFIX task: <https://w3id.org/ntp-kg/id/task/>
PREFIX ntp: <https://w3id.org/ntp-kg/def/ontology#>
PREFIX ntpind: <https://w3id.org/ntp-kg/def/indicator/>
PREFIX ntpunit: <https://w3id.org/ntp-kg/def/unit/>
PREFIX status: <https://w3id.org/ntp-kg/def/code/status/>
PREFIX qualifier: <https://w3id.org/ntp-kg/def/code/qualifier/>
PREFIX nature: <https://w3id.org/ntp-kg/def/code/nature/>
PREFIX role: <https://w3id.org/ntp-kg/def/code/role/>
PREFIX obscomp: <https://w3id.org/ntp-kg/def/dsd/observations/>
PREFIX ex: <https://example.org/test/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@dataclass(frozen=True)
class Expect:
    """One expected finding. path/value/message are checked only when given."""

    severity: str
    focus: str
    shape: str  # local name in the shapes namespace
    component: str  # e.g. "MinCountConstraintComponent"
    path: str | None = None
    value: str | None = None
    message: tuple[str, ...] = ()

    def matches(self, f: Finding) -> bool:
        return (
            f.severity == self.severity
            and f.focus == self.focus
            and f.shape == S + self.shape
            and f.component == self.component
            and (self.path is None or f.path == self.path)
            and (self.value is None or f.value == self.value)
            and all(m in f.message for m in self.message)
        )


def V(focus: str, shape: str, component: str, **kw: object) -> Expect:  # noqa: N802
    return Expect("Violation", focus, shape, component, **kw)  # type: ignore[arg-type]


def W(focus: str, shape: str, **kw: object) -> Expect:  # noqa: N802
    return Expect("Warning", focus, shape, "SPARQLConstraintComponent", **kw)  # type: ignore[arg-type]


SPARQL = "SPARQLConstraintComponent"
QMIN = "QualifiedMinCountConstraintComponent"
MINC = "MinCountConstraintComponent"


@dataclass(frozen=True)
class Case:
    id: str
    update: str
    expect: tuple[Expect, ...] = field(default_factory=tuple)


def replace(subject: str, predicate: str, old: str, new: str) -> str:
    return f"DELETE DATA {{ {subject} {predicate} {old} }} ;\nINSERT DATA {{ {subject} {predicate} {new} }}"


def drop_node(node: str) -> str:
    return f"DELETE WHERE {{ {node} ?p ?o }}"


# ---------------------------------------------------------------------------------------------
# Violations
# ---------------------------------------------------------------------------------------------

LABELS = [
    Case(
        "missing-en-label",
        'DELETE DATA { obs:capital-plan-2024 rdfs:label "Central-budget capital plan, Lao Cai, 2024"@en }',
        (V(OBS + "capital-plan-2024", "label-en", QMIN, path=RDFS_LABEL),),
    ),
    Case(
        "missing-ar-label",
        'DELETE DATA { ntpind:poverty-rate rdfs:label "معدل الفقر"@ar }',
        (V("https://w3id.org/ntp-kg/def/indicator/poverty-rate", "label-ar", QMIN, path=RDFS_LABEL),),
    ),
    Case(
        "missing-vi-label-on-area",
        'DELETE DATA { area:bao-thang rdfs:label "Bảo Thắng"@vi }',
        (V(AREA + "bao-thang", "label-vi", QMIN, path=RDFS_LABEL),),
    ),
    Case(
        "two-en-labels",
        'INSERT DATA { prog:none rdfs:label "Nothing"@en }',
        (V(PROG + "none", "label-en-unique", "QualifiedMaxCountConstraintComponent"),),
    ),
    Case(
        "untagged-label",
        'INSERT DATA { area:lao-cai rdfs:label "Lao Cai" }',
        (V(AREA + "lao-cai", "label-tagged", "DatatypeConstraintComponent", value="Lao Cai"),),
    ),
    Case(
        "key-not-a-key",
        replace("area:bao-thang", "dcterms:identifier", '"bao-thang"', '"Bao Thang"'),
        (V(AREA + "bao-thang", "key", "PatternConstraintComponent", value="Bao Thang"),),
    ),
    Case(
        "source-title-vi-missing",
        'DELETE { src:test-source dcterms:title ?t } WHERE { src:test-source dcterms:title ?t FILTER (lang(?t) = "vi") }',
        (V(SRC, "title-vi", QMIN),),
    ),
]

OBSERVATIONS = [
    Case(
        "negative-amount-vnd",
        replace("obs:contributions-2024", "sdmx-measure:obsValue", '"237000000000"^^xsd:decimal', '"-237000000000"^^xsd:decimal'),
        (V(OBS + "contributions-2024", "NonNegativeUnlessChange", SPARQL, value="-237000000000", message=("-237000000000", "nature/level")),),
    ),
    Case(
        "change-may-be-negative",
        replace("obs:ntm-communes-added-2025", "sdmx-measure:obsValue", '"22"^^xsd:decimal', '"-22"^^xsd:decimal')
        + " ;\n"
        + replace("obs:ntm-communes-total-2025", "sdmx-measure:obsValue", '"84"^^xsd:decimal', '"40"^^xsd:decimal')
        + " ;\n"
        + replace("obs:ntm-communes-total-2025", "ntp:statedValue", '"84"', '"40"'),
        (),  # a change of -22 is allowed, and 62 + (-22) = 40 agrees
    ),
    Case(
        "share-of-140",
        replace("obs:investment-disbursement-rate-2025-01-31", "sdmx-measure:obsValue", '"87.2"^^xsd:decimal', '"140"^^xsd:decimal')
        + " ;\n"
        + replace("obs:investment-disbursement-rate-2025-01-31", "ntp:statedValue", '"87.2"', '"140"'),
        (V(OBS + "investment-disbursement-rate-2025-01-31", "ShareWithinRange", SPARQL, value="140", message=("140 %",)),),
    ),
    Case(
        "status-outside-closed-list",
        """INSERT DATA {
            status:provisional a skos:Concept ; skos:inScheme <https://w3id.org/ntp-kg/def/code/status> ;
                skos:prefLabel "provisional"@en , "مؤقت"@ar ; rdfs:label "provisional"@en , "مؤقت"@ar ;
                skos:notation "provisional" ; dcterms:identifier "provisional" .
        } ;
        """
        + replace("obs:ntm-communes-2024", "ntp:status", "status:actual", "status:provisional"),
        (
            V(
                OBS + "ntm-communes-2024",
                "Observation-status",
                "InConstraintComponent",
                value="https://w3id.org/ntp-kg/def/code/status/provisional",
            ),
        ),
    ),
    Case(
        "qualifier-outside-list-and-code-list",
        replace("obs:ntm-communes-2024", "ntp:qualifier", "qualifier:exact", "qualifier:roughly"),
        (
            V(OBS + "ntm-communes-2024", "Observation-qualifier", "InConstraintComponent"),
            V(
                OBS + "ntm-communes-2024",
                "AttributeCodesFromCodeList",
                SPARQL,
                path=NTP + "qualifier",
                value="https://w3id.org/ntp-kg/def/code/qualifier/roughly",
            ),
        ),
    ),
    Case(
        "attribute-code-not-defined",
        drop_node("nature:level"),
        tuple(
            V(OBS + o, "AttributeCodesFromCodeList", SPARQL, path=NTP + "nature")
            for o in ("capital-plan-2024", "capital-disbursed-2025-01-31", "contributions-2024")
        ),
    ),
    Case(
        "value-not-stated-times-scale",
        replace("obs:contributions-2024", "sdmx-measure:obsValue", '"237000000000"^^xsd:decimal', '"237000000"^^xsd:decimal'),
        (V(OBS + "contributions-2024", "ValueIsStatedTimesScale", SPARQL, message=("237000000", "billion", "237000000000")),),
    ),
    Case(
        "value-not-stated",
        replace("obs:ntm-communes-2024", "ntp:statedValue", '"62"', '"26"'),
        (V(OBS + "ntm-communes-2024", "ValueIsStatedValue", SPARQL, message=("62", "26")),),
    ),
    Case(
        "stated-value-with-separator",
        replace("obs:capital-disbursed-2025-01-31", "ntp:statedValue", '"1782"', '"1,782"'),
        (
            V(OBS + "capital-disbursed-2025-01-31", "Observation-statedValue", "PatternConstraintComponent"),
            # xsd:decimal("1,782") is an error: the scale check cannot compare, so it stays silent
        ),
    ),
    Case(
        "scale-word-outside-list",
        replace("obs:contributions-2024", "ntp:statedScale", '"billion"', '"lakh"'),
        (V(OBS + "contributions-2024", "Observation-statedScale", "InConstraintComponent", value="lakh"),),
    ),
    Case(
        "numerator-without-denominator",
        "DELETE WHERE { obs:disbursement-rate-2025-01-31 ntp:denominator ?d }",
        (V(OBS + "disbursement-rate-2025-01-31", "NumeratorNeedsDenominator", SPARQL),),
    ),
    Case(
        "value-not-decimal",
        replace("obs:ntm-communes-2024", "sdmx-measure:obsValue", '"62"^^xsd:decimal', '"62"^^xsd:integer'),
        (V(OBS + "ntm-communes-2024", "Observation-value", "DatatypeConstraintComponent"),),
    ),
    Case(
        "note-not-english",
        replace("obs:contributions-2024", "skos:note", '"In cash and in kind."@en', '"نقدًا وعينيًا"@ar'),
        (V(OBS + "contributions-2024", "Observation-note", "LanguageInConstraintComponent"),),
    ),
]

PERIODS = [
    Case(
        "period-year-implausible",
        replace("period:2024", "schema:startDate", '"2024-01-01"^^xsd:date', '"1900-01-01"^^xsd:date'),
        (V(ID + "period/2024", "ProperInterval-start", "MinInclusiveConstraintComponent"),),
    ),
    Case(
        "period-end-implausible",
        replace("period:2021-2025", "schema:endDate", '"2025-12-31"^^xsd:date', '"2101-12-31"^^xsd:date'),
        (V(ID + "period/2021-2025", "ProperInterval-end", "MaxInclusiveConstraintComponent"),),
    ),
    Case(
        "period-starts-after-end",
        replace("period:2024", "schema:startDate", '"2024-01-01"^^xsd:date', '"2025-01-01"^^xsd:date'),
        (V(ID + "period/2024", "ProperInterval-start", "LessThanOrEqualsConstraintComponent"),),
    ),
    Case(
        "instant-implausible",
        replace("period:2025-01-31", "time:inXSDDate", '"2025-01-31"^^xsd:date', '"1930-01-31"^^xsd:date'),
        (V(ID + "period/2025-01-31", "Instant-date", "MinInclusiveConstraintComponent"),),
    ),
]

PROVENANCE = [
    Case(
        "observation-without-wasDerivedFrom",
        "DELETE DATA { obs:capital-plan-2024 prov:wasDerivedFrom src:test-source }",
        (
            V(OBS + "capital-plan-2024", "Fact-derivedFrom", MINC),
            V(ANN + "capital-plan-2024", "AnnotationQuotesBodySource", SPARQL),
        ),
    ),
    Case(
        "observation-without-annotation",
        drop_node("ann:capital-plan-2024"),
        (V(OBS + "capital-plan-2024", "Fact-annotated", QMIN),),
    ),
    Case(
        "post-without-annotation",
        drop_node("ann:standing-vice-chair"),
        (V(ID + "post/lao-cai-pc-standing-vice-chair", "Fact-annotated", QMIN),),
    ),
    Case(
        "launch-without-wasDerivedFrom",
        "DELETE DATA { prog:cultural-development prov:wasDerivedFrom src:test-source }",
        (
            V(PROG + "cultural-development", "Fact-derivedFrom", MINC),
            V(ANN + "cultural-development-launch", "AnnotationQuotesBodySource", SPARQL),
        ),
    ),
    Case(
        "target-without-position-selector",
        f"DELETE DATA {{ <{ANN}contributions-2024/target> oa:hasSelector <{ANN}contributions-2024/position> }}",
        (
            V(ANN + "contributions-2024/target", "SpecificResource-position", QMIN),
            V(OBS + "contributions-2024", "Fact-annotated", QMIN),
        ),
    ),
    Case(
        "offsets-shifted",
        f"""DELETE {{ ?p oa:start ?s ; oa:end ?e }} INSERT {{ ?p oa:start ?s1 ; oa:end ?e1 }}
        WHERE {{ BIND (<{ANN}contributions-2024/position> AS ?p) ?p oa:start ?s ; oa:end ?e .
                 BIND (?s + 1 AS ?s1) BIND (?e + 1 AS ?e1) }}""",
        (V(ANN + "contributions-2024/target", "SelectorsMatchSourceText", SPARQL),),
    ),
    Case(
        "empty-quote",
        f"""DELETE WHERE {{ <{ANN}contributions-2024/quote> oa:exact ?x }} ;
        INSERT DATA {{ <{ANN}contributions-2024/quote> oa:exact ""@ar }}""",
        (
            V(ANN + "contributions-2024/quote", "TextQuoteSelector-exact", "MinLengthConstraintComponent"),
            V(ANN + "contributions-2024/target", "SelectorsMatchSourceText", SPARQL),
        ),
    ),
    Case(
        "start-not-before-end",
        f"""DELETE {{ ?p oa:start ?s ; oa:end ?e }} INSERT {{ ?p oa:start ?e ; oa:end ?s }}
        WHERE {{ BIND (<{ANN}contributions-2024/position> AS ?p) ?p oa:start ?s ; oa:end ?e }}""",
        (
            V(ANN + "contributions-2024/position", "TextPositionSelector-start", "LessThanConstraintComponent"),
            V(ANN + "contributions-2024/target", "SelectorsMatchSourceText", SPARQL),
        ),
    ),
    Case(
        "prefix-longer-than-32",
        f"""DELETE WHERE {{ <{ANN}contributions-2024/quote> oa:prefix ?x }} ;
        INSERT DATA {{ <{ANN}contributions-2024/quote> oa:prefix "{'ا' * 33}"@ar }}""",
        (
            V(ANN + "contributions-2024/quote", "TextQuoteSelector-prefix", "MaxLengthConstraintComponent"),
            V(ANN + "contributions-2024/target", "SelectorsMatchSourceText", SPARQL),
        ),
    ),
    Case(
        "annotation-not-describing",
        replace("ann:conference", "oa:motivatedBy", "oa:describing", "oa:commenting"),
        (V(ANN + "conference", "Annotation-motivation", "InConstraintComponent"),),
    ),
    Case(
        "source-text-altered",
        """DELETE { src:test-source schema:text ?t } INSERT { src:test-source schema:text ?t2 }
        WHERE { src:test-source schema:text ?t BIND (STRLANG(CONCAT(STR(?t), " "), "ar") AS ?t2) }""",
        (V(SRC, "SourceTextIntact", SPARQL, message=("SHA-256",)),),
    ),
    Case(
        "source-identifier-not-its-hash",
        """DELETE WHERE { src:test-source dcterms:identifier ?i } ;
        INSERT DATA { src:test-source dcterms:identifier "sha256:0000000000000000000000000000000000000000000000000000000000000000" }""",
        (V(SRC, "SourceTextIntact", SPARQL, message=("sha256:0000",)),),
    ),
    Case(
        "source-language-disagrees",
        replace("src:test-source", "dcterms:language", '"ar"', '"vi"'),
        (V(SRC, "SourceTextIntact", SPARQL, message=("@ar", '"vi"')),),
    ),
    Case(
        "checksum-not-sha256",
        replace(f"<{SRC}/sha256>", "spdx:algorithm", "spdx:checksumAlgorithm_sha256", "spdx:checksumAlgorithm_md5"),
        (V(SRC + "/sha256", "Checksum-algorithm", "InConstraintComponent"),),
    ),
    Case(
        "dataset-without-source",
        "DELETE DATA { dataset:test-source prov:wasDerivedFrom src:test-source }",
        (V(DATASET, "DataSet-source", MINC),),
    ),
    Case(
        "blank-node-object",
        'INSERT DATA { obs:contributions-2024 dcterms:source [ rdfs:label "a blank node"@en ] }',
        (
            V(
                DATA_GRAPH,
                "NoBlankNodes",
                SPARQL,
                path="http://purl.org/dc/terms/source",
                message=(OBS + "contributions-2024",),
            ),
        ),
    ),
    Case(
        "blank-node-subject",
        'INSERT DATA { [] rdfs:label "an orphan blank node"@en }',
        (V(DATA_GRAPH, "NoBlankNodes", SPARQL, path=RDFS_LABEL),),
    ),
]

ENTITIES = [
    Case(
        "area-without-level",
        "DELETE DATA { area:lao-cai a ntp:Province }",
        (V(AREA + "lao-cai", "AdministrativeAreaShape", "XoneConstraintComponent"),),
    ),
    Case(
        "area-two-levels",
        "INSERT DATA { area:bao-thang a ntp:Town }",
        (V(AREA + "bao-thang", "AdministrativeAreaShape", "XoneConstraintComponent"),),
    ),
    Case(
        "district-without-parent",
        "DELETE WHERE { area:bao-thang schema:containedInPlace ?p ; dcterms:isPartOf ?q } ;"
        " DELETE DATA { area:lao-cai schema:containsPlace area:bao-thang }",
        (V(AREA + "bao-thang", "SubProvincialArea-parent", MINC),),
    ),
    Case(
        "parent-does-not-list-child",
        "DELETE DATA { area:lao-cai schema:containsPlace area:bao-thang }",
        (V(AREA + "lao-cai", "Area-children", "EqualsConstraintComponent", value=AREA + "bao-thang"),),
    ),
    Case(
        "isPartOf-missing",
        "DELETE DATA { area:bao-thang dcterms:isPartOf area:lao-cai }",
        (V(AREA + "bao-thang", "Area-containedInPlace", "EqualsConstraintComponent"),),
    ),
    Case(
        "programme-ends-before-start",
        replace("prog:new-rural-development", "schema:startDate", '"2021"^^xsd:gYear', '"2026"^^xsd:gYear'),
        (V(PROG + "new-rural-development", "ProgrammeYearsOrdered", SPARQL, message=("2025", "2026")),),
    ),
    Case(
        "programme-status-outside-list",
        replace("prog:cultural-development", "ntp:programmeStatus", '"new"', '"paused"'),
        (V(PROG + "cultural-development", "Programme-status", "InConstraintComponent"),),
    ),
    Case(
        "ntp-without-end",
        "DELETE DATA { prog:cultural-development schema:endDate \"2035\"^^xsd:gYear }",
        (V(PROG + "cultural-development", "NationalTargetProgramme-endDate", MINC),),
    ),
    Case(
        "group-member-not-an-ntp",
        "INSERT DATA { prog:all-ntps ntp:hasMemberProgramme prog:none }",
        (V(PROG + "all-ntps", "ProgrammeGroup-members", "ClassConstraintComponent", value=PROG + "none"),),
    ),
    Case(
        "unit-of-nothing",
        "DELETE DATA { org_:lao-cai-ntp-steering-committee org:unitOf org_:lao-cai-pc }",
        (V(ID + "org/lao-cai-ntp-steering-committee", "OrganizationalUnit-unitOf", MINC),),
    ),
    Case(
        "post-holder-disagrees",
        "DELETE DATA { person:hoang-quoc-khanh org:holds post:lao-cai-pc-standing-vice-chair }",
        (V(ID + "post/lao-cai-pc-standing-vice-chair", "Post-holder", "EqualsConstraintComponent"),),
    ),
    Case(
        "post-role-not-a-role",
        replace("post:lao-cai-pc-standing-vice-chair", "org:role", "role:standing-vice-chair", "status:actual"),
        (V(ID + "post/lao-cai-pc-standing-vice-chair", "Post-role", QMIN),),
    ),
    Case(
        "membership-without-member",
        "DELETE DATA { membership:lao-cai-pc-standing-vice-chair org:member person:hoang-quoc-khanh }",
        (V(ID + "membership/lao-cai-pc-standing-vice-chair", "Membership-member", MINC),),
    ),
    Case(
        "event-attendance-outside-list",
        replace("event:lao-cai-ntp-conference-2025", "schema:eventAttendanceMode", "schema:MixedEventAttendanceMode", "ex:Hybrid"),
        (V(ID + "event/lao-cai-ntp-conference-2025", "Event-attendance", "InConstraintComponent"),),
    ),
    Case(
        "event-date-not-a-date",
        replace("event:lao-cai-ntp-conference-2025", "schema:startDate", '"2025-03-07"^^xsd:date', '"7 March 2025"'),
        tuple(  # a string is neither an xsd:date nor comparable with the bounds
            V(ID + "event/lao-cai-ntp-conference-2025", "Event-startDate", c, value="7 March 2025")
            for c in ("DatatypeConstraintComponent", "MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent")
        ),
    ),
    Case(
        "event-reported-by-a-programme",
        "INSERT DATA { event:lao-cai-ntp-conference-2025 ntp:reportedBy prog:none }",
        (V(ID + "event/lao-cai-ntp-conference-2025", "Event-reportedBy", "OrConstraintComponent", value=PROG + "none"),),
    ),
    Case(
        "task-without-due-date",
        "DELETE WHERE { task:remove-temporary-houses-2025 ntp:dueDate ?d }",
        (V(ID + "task/remove-temporary-houses-2025", "Task-dueDate", MINC),),
    ),
    Case(
        "concept-without-notation",
        "DELETE WHERE { ntpind:poverty-rate skos:notation ?n }",
        (V("https://w3id.org/ntp-kg/def/indicator/poverty-rate", "Concept-notation", MINC),),
    ),
    Case(
        "two-en-prefLabels",
        'INSERT DATA { ntpind:poverty-rate skos:prefLabel "Rate of poverty"@en }',
        (V("https://w3id.org/ntp-kg/def/indicator/poverty-rate", "prefLabel-unique", "UniqueLangConstraintComponent"),),
    ),
    Case(
        "unit-without-symbol",
        "DELETE WHERE { ntpunit:commune qudt:symbol ?s }",
        (V("https://w3id.org/ntp-kg/def/unit/commune", "Unit-symbol", MINC),),
    ),
    Case(
        "own-term-without-comment",
        "DELETE WHERE { ntp:summand rdfs:comment ?c }",
        (V(NTP + "summand", "comment-en", QMIN),),
    ),
]

# ---------------------------------------------------------------------------------------------
# RDF Data Cube integrity constraints (datacube.ttl): one graph built to break each
# ---------------------------------------------------------------------------------------------

COLLECTION = """
DELETE DATA { ntp:indicator qb:codeList <https://w3id.org/ntp-kg/def/indicator> } ;
INSERT DATA {
    ntp:indicator qb:codeList ex:indicators .
    ex:indicators a skos:Collection ;
        skos:member ex:money , ntpind:central-capital-disbursement-rate ,
            ntpind:investment-capital-disbursement-rate , ntpind:contributions-mobilised ,
            ntpind:communes-meeting-ntm-standards , ntpind:communes-newly-meeting-ntm-standards .
    ex:money a skos:Collection ;
        skos:member ntpind:central-capital-plan , ntpind:central-capital-disbursed .
}
"""

DATACUBE = [
    Case(
        "IC-1-observation-without-dataset",
        "DELETE DATA { obs:poverty-rate-change-2024 qb:dataSet dataset:test-source }",
        (V(OBS + "poverty-rate-change-2024", "IC-1", SPARQL, message=("IC-1", "0 data sets")),),
    ),
    Case(
        "IC-1-observation-in-two-datasets",
        "INSERT DATA { obs:poverty-rate-change-2024 qb:dataSet ex:other-dataset }",
        (V(OBS + "poverty-rate-change-2024", "IC-1", SPARQL, message=("IC-1", "2 data sets")),),
    ),
    Case(
        "IC-2-dataset-without-structure",
        "DELETE DATA { dataset:test-source qb:structure <https://w3id.org/ntp-kg/def/dsd/observations> }",
        (V(DATASET, "IC-2", SPARQL, message=("IC-2",)),),
    ),
    Case(
        "IC-3-dsd-without-measure",
        "DELETE DATA { <https://w3id.org/ntp-kg/def/dsd/observations> qb:component obscomp:value }",
        (V(DSD, "IC-3", SPARQL, message=("IC-3",)),),
    ),
    Case(
        "IC-4-dimension-without-range",
        "DELETE DATA { ntp:indicator rdfs:range skos:Concept }",
        (V(NTP + "indicator", "IC-4", SPARQL, message=("IC-4",)),),
    ),
    Case(
        "IC-5-concept-dimension-without-code-list",
        "DELETE DATA { ntp:indicator qb:codeList <https://w3id.org/ntp-kg/def/indicator> }",
        (V(NTP + "indicator", "IC-5", SPARQL, message=("IC-5",)),),
    ),
    Case(
        "IC-6-optional-dimension",
        "INSERT DATA { obscomp:area qb:componentRequired false }",
        (V(DSD, "IC-6", SPARQL, value="http://purl.org/linked-data/sdmx/2009/dimension#refArea"),),
    ),
    Case(
        "IC-11-missing-dimension",
        "DELETE DATA { obs:poverty-rate-change-2024 sdmx-dimension:refArea area:lao-cai-poor-districts }",
        (V(OBS + "poverty-rate-change-2024", "IC-11", SPARQL, path="http://purl.org/linked-data/sdmx/2009/dimension#refArea"),),
    ),
    Case(
        "IC-12-duplicate-observation",
        replace(
            "obs:ntm-communes-added-2025",
            "ntp:indicator",
            "ntpind:communes-newly-meeting-ntm-standards",
            "ntpind:communes-meeting-ntm-standards",
        ),
        (
            V(OBS + "ntm-communes-added-2025", "IC-12", SPARQL, value=OBS + "ntm-communes-total-2025"),
            V(OBS + "ntm-communes-total-2025", "IC-12", SPARQL, value=OBS + "ntm-communes-added-2025"),
        ),
    ),
    Case(
        "IC-12-guard-dimensions-changed",
        "DELETE DATA { <https://w3id.org/ntp-kg/def/dsd/observations> qb:component obscomp:status }",
        (V(DSD, "IC-12-dimensions", SPARQL),),
    ),
    Case(
        "IC-13-missing-required-attribute",
        "DELETE DATA { obs:poverty-rate-change-2024 ntp:qualifier qualifier:exact }",
        (V(OBS + "poverty-rate-change-2024", "IC-13", SPARQL, path=NTP + "qualifier"),),
    ),
    Case(
        "IC-14-missing-measure",
        "DELETE WHERE { obs:poverty-rate-change-2024 sdmx-measure:obsValue ?v }",
        (V(OBS + "poverty-rate-change-2024", "IC-14", SPARQL, path="http://purl.org/linked-data/sdmx/2009/measure#obsValue"),),
    ),
    Case(
        "IC-19a-code-not-in-scheme",
        replace("obs:poverty-rate-change-2024", "ntp:indicator", "ntpind:poverty-rate", "status:actual"),
        (
            V(
                OBS + "poverty-rate-change-2024",
                "IC-19",
                SPARQL,
                path=NTP + "indicator",
                value="https://w3id.org/ntp-kg/def/code/status/actual",
            ),
        ),
    ),
    Case(
        # ntpind:poverty-rate is left out of the collection; the two money indicators are
        # members of a member collection (skos:member+). W3C's untested IC-19(b) checked
        # `?v skos:member+ ?v` and would report all nine observations.
        "IC-19b-code-not-in-collection",
        COLLECTION,
        (V(OBS + "poverty-rate-change-2024", "IC-19", SPARQL, path=NTP + "indicator", value="https://w3id.org/ntp-kg/def/indicator/poverty-rate"),),
    ),
    Case(
        "IC-not-covered-slice",
        "INSERT DATA { ex:slice a qb:Slice }",
        (V("https://example.org/test/slice", "IC-NotCovered", SPARQL),),
    ),
]

# ---------------------------------------------------------------------------------------------
# Consistency warnings (consistency.ttl): conforms stays True, the message has the numbers
# ---------------------------------------------------------------------------------------------

WARNINGS = [
    Case(
        "share-disagrees-with-parts",
        replace("obs:disbursement-rate-2025-01-31", "sdmx-measure:obsValue", '"73.7"^^xsd:decimal', '"80.5"^^xsd:decimal')
        + " ;\n"
        + replace("obs:disbursement-rate-2025-01-31", "ntp:statedValue", '"73.7"', '"80.5"'),
        (
            W(
                OBS + "disbursement-rate-2025-01-31",
                "ShareAgreesWithParts",
                message=("reported share 80.5 % but 1782000000000 / 2419000000000 = 73.67 %",),
            ),
        ),
    ),
    Case(
        "total-disagrees-with-summands",
        replace("obs:ntm-communes-total-2025", "sdmx-measure:obsValue", '"84"^^xsd:decimal', '"85"^^xsd:decimal')
        + " ;\n"
        + replace("obs:ntm-communes-total-2025", "ntp:statedValue", '"84"', '"85"'),
        (W(OBS + "ntm-communes-total-2025", "TotalAgreesWithSummands", message=("reported total 85 but the 2 summands add up to 84", "62", "22")),),
    ),
    Case(
        "share-parts-in-different-units",
        replace("obs:capital-disbursed-2025-01-31", "sdmx-attribute:unitMeasure", "ntpunit:vnd", "ntpunit:commune"),
        (W(OBS + "disbursement-rate-2025-01-31", "PartsInSameUnit", message=("unit/commune", "unit/vnd")),),
    ),
    Case(
        "summand-in-another-unit",
        replace("obs:ntm-communes-added-2025", "sdmx-attribute:unitMeasure", "ntpunit:commune", "ntpunit:percent"),
        (W(OBS + "ntm-communes-total-2025", "PartsInSameUnit", message=(OBS + "ntm-communes-added-2025", "unit/percent")),),
    ),
    Case(
        "summands-on-a-level",
        replace("obs:ntm-communes-total-2025", "ntp:nature", "nature:cumulative-total", "nature:level"),
        (W(OBS + "ntm-communes-total-2025", "PartsMatchNature", message=("nature/level", "cumulative-total")),),
    ),
    Case(
        "actual-after-publication",
        """INSERT DATA { period:2025-06-30 a time:Instant ; rdfs:label "30 June 2025"@en , "30 يونيو 2025"@ar ;
            time:inXSDDate "2025-06-30"^^xsd:date } ;
        """
        + replace("obs:ntm-communes-2024", "sdmx-dimension:refPeriod", "period:2024", "period:2025-06-30"),
        (W(OBS + "ntm-communes-2024", "ActualNotAfterPublication", message=("2025-06-30", "2025-03-07")),),
    ),
]

# ---------------------------------------------------------------------------------------------
# Sweeps: the remaining property shapes, several independent mutations per validation (each on
# its own node or shape, so that their findings cannot mask each other)
# ---------------------------------------------------------------------------------------------

IND = "https://w3id.org/ntp-kg/def/indicator/"
CODE = "https://w3id.org/ntp-kg/def/code/"
EVENT = ID + "event/lao-cai-ntp-conference-2025"
POST = ID + "post/lao-cai-pc-standing-vice-chair"
COMP = DSD + "/"

SWEEP_ENTITIES = Case(
    "sweep-entities",
    " ;\n".join(
        [
            "DELETE DATA { role:chair skos:inScheme <https://w3id.org/ntp-kg/def/code/role> }",
            'DELETE DATA { role:chair skos:prefLabel "chair"@en }',
            "DELETE { ?c skos:prefLabel ?l } WHERE { BIND (<https://w3id.org/ntp-kg/def/code/attendance/online> AS ?c)"
            ' ?c skos:prefLabel ?l FILTER (lang(?l) = "ar") }',
            'INSERT DATA { ntpind:central-capital-plan skos:definition "Another definition."@en }',
            "INSERT DATA { ntpind:contributions-mobilised skos:broader ex:nothing }",
            'INSERT DATA { ntpunit:percent qudt:ucumCode "[%]" }',
            "INSERT DATA { event:lao-cai-ntp-conference-2025 schema:about ex:thing ; ntp:chairedBy org_:lao-cai-pc ; dcterms:temporal period:2024 }",
            replace("event:lao-cai-ntp-conference-2025", "ntp:administrativeLevels", "2", "7"),
            "DELETE WHERE { event:lao-cai-ntp-conference-2025 schema:location ?l ; schema:organizer ?o }",
            replace("task:remove-temporary-houses-2025", "schema:location", "area:lao-cai", "prog:none"),
            "INSERT DATA { task:remove-temporary-houses-2025 ntp:programme area:lao-cai }",
            "DELETE WHERE { membership:lao-cai-pc-standing-vice-chair org:organization ?o }",
            replace("membership:lao-cai-pc-standing-vice-chair", "org:role", "role:standing-vice-chair", "status:actual"),
            "INSERT DATA { org_:kinhtedothi org:subOrganizationOf area:lao-cai }",
            "INSERT DATA { person:hoang-quoc-khanh org:holds org_:lao-cai-pc }",
            "DELETE DATA { post:lao-cai-pc-standing-vice-chair org:heldBy person:hoang-quoc-khanh . person:hoang-quoc-khanh org:holds post:lao-cai-pc-standing-vice-chair } ;"
            " INSERT DATA { post:lao-cai-pc-standing-vice-chair org:heldBy org_:kinhtedothi . org_:kinhtedothi org:holds post:lao-cai-pc-standing-vice-chair }",
            "DELETE WHERE { post:lao-cai-pc-standing-vice-chair org:postIn ?o }",
            replace("prog:sustainable-poverty-reduction", "schema:startDate", '"2021"^^xsd:gYear', '"2021"^^xsd:integer'),
            replace("prog:ethnic-minority-development", "schema:endDate", '"2025"^^xsd:gYear', '"2025"^^xsd:integer'),
            "INSERT DATA { prog:new-rural-development dcterms:temporal period:2025-2035 }",
            replace("prog:cultural-development", "ntp:launchedIn", "period:2025", "period:2025-01-31"),
            "INSERT DATA { ex:ministry a schema:GovernmentOrganization }",
            "DELETE WHERE { ntp:Task rdfs:isDefinedBy ?o }",
        ]
    ),
    (
        V(CODE + "role/chair", "Concept-inScheme", MINC),
        V(CODE + "role/chair", "prefLabel-en", QMIN),
        V(CODE + "attendance/online", "prefLabel-ar", QMIN),
        V(IND + "central-capital-plan", "Concept-definition", "UniqueLangConstraintComponent"),
        V(IND + "contributions-mobilised", "Concept-broader", "ClassConstraintComponent"),
        V("https://w3id.org/ntp-kg/def/unit/percent", "Unit-ucum", "MaxCountConstraintComponent"),
        V(EVENT, "Event-about", "ClassConstraintComponent"),
        V(EVENT, "Event-chairedBy", "ClassConstraintComponent"),
        V(EVENT, "Event-temporal", "MaxCountConstraintComponent"),
        V(EVENT, "Event-levels", "MaxInclusiveConstraintComponent"),
        V(EVENT, "Event-location", MINC),
        V(EVENT, "Event-organizer", MINC),
        V(ID + "task/remove-temporary-houses-2025", "Task-location", "ClassConstraintComponent"),
        V(ID + "task/remove-temporary-houses-2025", "Task-programme", "ClassConstraintComponent"),
        V(ID + "membership/lao-cai-pc-standing-vice-chair", "Membership-organization", MINC),
        V(ID + "membership/lao-cai-pc-standing-vice-chair", "Membership-role", QMIN),
        V(ID + "org/kinhtedothi", "Organization-parent", "ClassConstraintComponent"),
        V(ID + "person/hoang-quoc-khanh", "Person-holds", "ClassConstraintComponent"),
        V(POST, "Post-heldBy", "ClassConstraintComponent"),
        V(POST, "Post-postIn", MINC),
        V(PROG + "sustainable-poverty-reduction", "Programme-startDate", "DatatypeConstraintComponent"),
        V(PROG + "ethnic-minority-development", "Programme-endDate", "DatatypeConstraintComponent"),
        V(PROG + "new-rural-development", "Programme-temporal", "MaxCountConstraintComponent"),
        V(PROG + "cultural-development", "Programme-launchedIn", "ClassConstraintComponent"),
        V("https://example.org/test/ministry", "GovernmentOrganizationShape", "ClassConstraintComponent"),
        V(NTP + "Task", "OwnTerm-definedBy", "HasValueConstraintComponent"),
    ),
)

SWEEP_OBSERVATIONS = Case(
    "sweep-observations",
    " ;\n".join(
        [
            "INSERT DATA { dataset:test-source qb:structure ex:other-structure }",
            replace("obs:contributions-2024", "sdmx-dimension:refArea", "area:lao-cai", "prog:none"),
            replace("obs:contributions-2024", "sdmx-dimension:refPeriod", "period:2024", "area:lao-cai"),
            "INSERT DATA { obs:capital-disbursed-2025-01-31 ntp:indicator ntpind:poverty-rate }",
            replace("obs:ntm-communes-2024", "ntp:programme", "prog:new-rural-development", "area:lao-cai"),
            replace("obs:poverty-rate-change-2024", "sdmx-attribute:unitMeasure", "ntpunit:percent", "ex:dollar"),
            replace("obs:capital-plan-2024", "ntp:nature", "nature:level", "ex:odd"),
            'INSERT DATA { obs:poverty-rate-change-2024 skos:editorialNote "A second reading."@en }',
            "INSERT DATA { obs:ntm-communes-total-2025 ntp:summand ex:nothing }",
            replace("period:2025-2035", "time:hasXSDDuration", '"P11Y"^^xsd:duration', '"eleven years"'),
            "INSERT DATA { <https://w3id.org/ntp-kg/def/dsd/observations> qb:component ex:spec }",
            replace("obscomp:area", "qb:order", "1", '"first"'),
            replace("obscomp:unit", "qb:componentRequired", "true", '"yes"'),
            "INSERT DATA { obscomp:value qb:attribute ntp:nature }",
        ]
    ),
    (
        V(DATASET, "DataSet-structure", "InConstraintComponent", value="https://example.org/test/other-structure"),
        V(DATASET, "IC-2", SPARQL, message=("2 qb:structure",)),
        V(OBS + "contributions-2024", "Observation-refArea", "ClassConstraintComponent"),
        V(OBS + "contributions-2024", "Observation-refPeriod", "OrConstraintComponent"),
        V(OBS + "capital-disbursed-2025-01-31", "Observation-indicator", "MaxCountConstraintComponent"),
        V(OBS + "ntm-communes-2024", "Observation-programme", "ClassConstraintComponent"),
        V(OBS + "poverty-rate-change-2024", "Observation-unit", "ClassConstraintComponent"),
        V(OBS + "capital-plan-2024", "Observation-nature", "InConstraintComponent"),
        V(OBS + "capital-plan-2024", "AttributeCodesFromCodeList", SPARQL, value="https://example.org/test/odd"),
        V(OBS + "poverty-rate-change-2024", "Observation-editorialNote", "MaxCountConstraintComponent"),
        V(OBS + "ntm-communes-total-2025", "Observation-summand", "ClassConstraintComponent"),
        V(ID + "period/2025-2035", "ProperInterval-duration", "DatatypeConstraintComponent"),
        V(DSD, "DataStructureDefinition-component", "ClassConstraintComponent"),
        V(COMP + "area", "ComponentSpecification-order", "DatatypeConstraintComponent"),
        V(COMP + "unit", "ComponentSpecification-required", "DatatypeConstraintComponent"),
        V(COMP + "value", "ComponentSpecificationShape", SPARQL, message=("has 2",)),
    ),
)

SWEEP_PROVENANCE = Case(
    "sweep-provenance",
    " ;\n".join(
        [
            replace("src:test-source", "dcterms:publisher", "org_:kinhtedothi", "person:hoang-quoc-khanh"),
            "DELETE WHERE { src:test-source schema:url ?u } ; INSERT DATA { src:test-source schema:url \"https://kinhtedothi.vn/\" }",
            "INSERT DATA { src:test-source schema:translationOfWork <https://example.org/another-original> }",
            replace("src:test-source", "dcterms:date", '"2025-03-07"^^xsd:date', '"2200-03-07"^^xsd:date'),
            "DELETE { src:test-source dcterms:title ?t } WHERE { src:test-source dcterms:title ?t FILTER (lang(?t) IN (\"en\", \"ar\")) }",
            "DELETE WHERE { src:test-source spdx:checksum ?c } ; INSERT DATA { src:test-source spdx:checksum ex:nothing }",
            "DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue ?s } WHERE { ?c spdx:checksumValue ?v BIND (STR(?v) AS ?s) }",
            f"INSERT DATA {{ ann:conference oa:hasTarget ex:another-target }}",
            f"DELETE WHERE {{ <{ANN}ntm-communes-2024/target> oa:hasSource ?s }}",
            f"DELETE WHERE {{ <{ANN}ntm-communes-added-2025/position> oa:end ?e }}",
            f"DELETE WHERE {{ <{ANN}ntm-communes-total-2025/quote> oa:suffix ?s }}",
            f"DELETE DATA {{ <{ANN}temporary-houses-deadline/target> oa:hasSelector <{ANN}temporary-houses-deadline/quote> }}",
        ]
    ),
    (
        V(SRC, "NewsArticle-publisher", "ClassConstraintComponent"),
        V(SRC, "NewsArticle-url", "NodeKindConstraintComponent"),
        V(SRC, "NewsArticle-translationOf", "MaxCountConstraintComponent"),
        V(SRC, "NewsArticle-date", "MaxInclusiveConstraintComponent"),
        V(SRC, "title-en", QMIN),
        V(SRC, "title-ar", QMIN),
        V(SRC, "NewsArticle-checksum", "ClassConstraintComponent"),
        V(SRC + "/sha256", "Checksum-value", "DatatypeConstraintComponent"),
        V(ANN + "conference", "Annotation-target", "MaxCountConstraintComponent"),
        V(ANN + "conference", "Annotation-target", "ClassConstraintComponent"),
        V(ANN + "ntm-communes-2024/target", "SpecificResource-source", MINC),
        V(ANN + "ntm-communes-added-2025/position", "TextPositionSelector-end", MINC),
        V(ANN + "ntm-communes-total-2025/quote", "TextQuoteSelector-suffix", MINC),
        V(ANN + "temporary-houses-deadline/target", "SpecificResource-quote", QMIN),
        V(ID + "task/remove-temporary-houses-2025", "Fact-annotated", QMIN),
    ),
)

STANDALONE = [
    Case(
        "source-language-not-a-tag",
        replace("src:test-source", "dcterms:language", '"ar"', '"Arabic"'),
        (
            V(SRC, "NewsArticle-language", "PatternConstraintComponent"),
            V(SRC, "SourceTextIntact", SPARQL, message=('"Arabic"',)),
        ),
    ),
    Case(
        "source-text-untagged",
        "DELETE { src:test-source schema:text ?t } INSERT { src:test-source schema:text ?s }"
        " WHERE { src:test-source schema:text ?t BIND (STR(?t) AS ?s) }",
        (
            V(SRC, "NewsArticle-text", "DatatypeConstraintComponent"),
            V(SRC, "SourceTextIntact", SPARQL, message=("tagged @",)),
        ),
    ),
    Case(
        "source-identifier-malformed",
        'DELETE WHERE { src:test-source dcterms:identifier ?i } ; INSERT DATA { src:test-source dcterms:identifier "test-source" }',
        (
            V(SRC, "NewsArticle-identifier", "PatternConstraintComponent"),
            V(SRC, "SourceTextIntact", SPARQL, message=("test-source",)),
        ),
    ),
    Case(
        "annotation-body-a-literal",
        'INSERT DATA { ann:conference oa:hasBody "the conference" }',
        (
            V(ANN + "conference", "Annotation-body", "NodeKindConstraintComponent"),
            V(ANN + "conference", "AnnotationQuotesBodySource", SPARQL),
        ),
    ),
    Case(
        "share-with-two-numerators",
        "INSERT DATA { obs:disbursement-rate-2025-01-31 ntp:numerator obs:contributions-2024 }",
        (
            V(OBS + "disbursement-rate-2025-01-31", "Observation-numerator", "MaxCountConstraintComponent"),
            W(OBS + "disbursement-rate-2025-01-31", "ShareAgreesWithParts", message=("237000000000 / 2419000000000 = 9.8",)),
        ),
    ),
    Case(
        "denominator-not-an-observation",
        replace("obs:disbursement-rate-2025-01-31", "ntp:denominator", "obs:capital-plan-2024", "ex:nothing"),
        (V(OBS + "disbursement-rate-2025-01-31", "Observation-denominator", "ClassConstraintComponent"),),
    ),
]

ALL = (
    LABELS + OBSERVATIONS + PERIODS + PROVENANCE + ENTITIES + DATACUBE + WARNINGS + STANDALONE
    + [SWEEP_ENTITIES, SWEEP_OBSERVATIONS, SWEEP_PROVENANCE]
)


def _check(graph: Graph, case: Case) -> None:
    graph.update(PREFIXES + case.update)
    report = validate(graph)
    remaining = list(report.findings)
    missing = []
    for e in case.expect:
        hit = next((f for f in remaining if e.matches(f)), None)
        if hit is None:
            missing.append(e)
        else:
            remaining.remove(hit)
    assert not missing and not remaining, (
        f"{case.id}\nmissing: {missing}\nunexpected: {[str(f) for f in remaining]}\n{report.text()}"
    )
    assert report.conforms == (not any(e.severity == "Violation" for e in case.expect))


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_mutation(graph: Graph, case: Case) -> None:
    _check(graph, case)


def test_case_ids_unique() -> None:
    ids = [c.id for c in ALL]
    assert len(ids) == len(set(ids))

