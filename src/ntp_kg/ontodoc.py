"""The ontology documentation page: one HTML5 document generated from ontology/*.ttl.

    page(graph, concepts=None, alternates=None) -> str
      header      title, IRI, version, licence, description, preferred prefix
      classes     every ntp: class: label, comment, superclasses, where it is domain or range
      properties  Data Cube component properties, object properties, datatype properties:
                  label, comment, domain, range, super-property, code list, characteristics
      structure   the DSD's components in order (dimension / measure / attribute), with comments
      schemes     the concept schemes (and their concepts when `concepts` holds them)
      reused      the vocabularies the ontology builds on, with links; the namespaces

Each ntp: term has the anchor of its IRI's fragment (`#Province`, `#indicator`), so the term IRI
`https://w3id.org/ntp-kg/def/ontology#Province` points into the page served at the ontology IRI;
other /def/ resources (DSD, component specifications, schemes, concepts) get the id
`def/<path>` (e.g. `#def/dsd/observations/area`). Comments are escaped and their IRIs and
prefixed names (ntp:numerator, schema:Action) become links. No script, no external stylesheet or
font: the page skeleton and its stylesheet are src/ntp_kg/templates/ontodoc.{html,css}.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from string import Template
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Identifier, Node

from . import resources
from .iris import DEF, NTP, QB

ONTOLOGY = URIRef(DEF + "ontology")
TEMPLATES = Path(__file__).parent / "templates"  # package data: ships with the code
TEMPLATE = TEMPLATES / "ontodoc.html"
STYLESHEET = TEMPLATES / "ontodoc.css"
VANN = "http://purl.org/vocab/vann/"

_PROPERTY_GROUPS = (
    ("component-properties", "Data Cube component properties", (QB.DimensionProperty, QB.MeasureProperty, QB.AttributeProperty)),
    ("object-properties", "Object properties", (OWL.ObjectProperty,)),
    ("datatype-properties", "Datatype properties", (OWL.DatatypeProperty,)),
)
_COMPONENT_KINDS = ((QB.dimension, "dimension"), (QB.measure, "measure"), (QB.attribute, "attribute"))


def ontology_graph(paths: Iterable[Path] | None = None) -> Graph:
    """ontology/*.ttl in one graph."""
    g = Graph()
    for p in paths if paths is not None else resources.ontology_files():
        g.parse(p, format="turtle")
    return g


class _Page:
    """What the renderer needs to know about the graph: labels, anchors, prefixes."""

    def __init__(self, g: Graph, concepts: Graph | None) -> None:
        self.g = g + concepts if concepts is not None else g
        self.prefixes = dict(sorted(resources.prefixes().items(), key=lambda kv: -len(kv[1])))
        self.anchors: dict[Node, str] = {}  # only IRIs have one; any node may be looked up
        for s in set(self.g.subjects()):
            if isinstance(s, URIRef):
                a = anchor(s)
                if a is not None and self._documented(s):
                    self.anchors[s] = a

    def _documented(self, s: URIRef) -> bool:
        """Terms the page has a section for."""
        if str(s).startswith(str(NTP)):
            return (s, RDFS.isDefinedBy, ONTOLOGY) in self.g
        return any((s, RDF.type, t) in self.g for t in (QB.DataStructureDefinition, QB.ComponentSpecification, SKOS.ConceptScheme, SKOS.Concept))

    def label(self, node: Node) -> str:
        for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
            for lang in ("en", None):
                # rdflib types a graph's objects as Node, which does not order; they are Identifiers
                for o in sorted(cast("Iterator[Identifier]", self.g.objects(node, p))):
                    if isinstance(o, Literal) and (o.language == lang or (lang is None and not o.language)):
                        return str(o)
        return self.curie(node)

    def text(self, node: Node, *preds: URIRef) -> str | None:
        for p in preds:
            values = sorted(str(o) for o in self.g.objects(node, p) if isinstance(o, Literal) and o.language in ("en", None))
            if values:
                return values[0]
        return None

    def curie(self, node: Node) -> str:
        iri = str(node)
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def link(self, node: Node) -> str:
        """An internal link for a term of the page, else a link to the IRI, shown as a CURIE."""
        if isinstance(node, Literal):
            return html.escape(str(node))
        if node in self.anchors:
            name = self.curie(node)
            shown = html.escape(self.label(node)) if name == str(node) else f"<code>{html.escape(name)}</code>"
            return f'<a href="#{html.escape(self.anchors[node])}">{shown}</a>'
        return f'<a href="{html.escape(str(node))}"><code>{html.escape(self.curie(node))}</code></a>'

    def links(self, nodes: Iterable[Node]) -> str:
        return ", ".join(self.link(n) for n in sorted(nodes, key=lambda n: self.curie(n).lower()))

    _TOKEN = re.compile(r"https?://[^\s<>\"')]+[^\s<>\"'),.;:]|\b([a-z][a-z-]*):([A-Za-z][A-Za-z0-9_-]*)")

    def prose(self, text: str) -> str:
        """Escaped text whose IRIs and known prefixed names are links."""
        out, pos = [], 0
        for m in self._TOKEN.finditer(text):
            token = m.group(0)
            if m.group(1):
                ns = resources.prefixes().get(m.group(1))
                if ns is None:
                    continue
                target: URIRef = URIRef(ns + m.group(2))
            else:
                target = URIRef(token)
            out.append(html.escape(text[pos : m.start()]))
            if target in self.anchors:
                out.append(f'<a href="#{html.escape(self.anchors[target])}">{html.escape(token)}</a>')
            else:
                out.append(f'<a href="{html.escape(str(target))}">{html.escape(token)}</a>')
            pos = m.end()
        out.append(html.escape(text[pos:]))
        return "".join(out)


def anchor(iri: URIRef) -> str | None:
    """The id of a term's section: the fragment of an ntp: term, `def/<path>` for other /def/ IRIs."""
    s = str(iri)
    if s.startswith(str(NTP)):
        return s[len(str(NTP)) :]
    if s.startswith(DEF) and s != str(ONTOLOGY):
        return "def/" + s[len(DEF) :]
    return None


def _facts(rows: Sequence[tuple[str, str | None]]) -> str:
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
    return f'<dl class="facts">{items}</dl>' if items else ""


def _term(p: _Page, node: URIRef, badge: str, rows: Sequence[tuple[str, str | None]]) -> str:
    comment = p.text(node, RDFS.comment, SKOS.definition)
    return (
        f'<section class="term" id="{html.escape(p.anchors[node])}">'
        f'<h3>{html.escape(p.label(node))}<span class="badge">{html.escape(badge)}</span></h3>'
        f'<p class="iri">{html.escape(str(node))}</p>'
        + (f'<p class="comment">{p.prose(comment)}</p>' if comment else "")
        + _facts(rows)
        + "</section>\n"
    )


def _sorted(p: _Page, nodes: Iterable[Node]) -> list[URIRef]:
    return sorted({n for n in nodes if isinstance(n, URIRef)}, key=lambda n: (p.curie(n).lower(), str(n)))


def _classes(p: _Page) -> list[URIRef]:
    return [c for c in _sorted(p, p.g.subjects(RDF.type, OWL.Class)) if c in p.anchors and str(c).startswith(str(NTP))]


def _class_section(p: _Page, c: URIRef) -> str:
    g = p.g
    rows = [
        ("Subclass of", p.links(g.objects(c, RDFS.subClassOf))),
        ("Subclasses", p.links(g.subjects(RDFS.subClassOf, c))),
        ("Disjoint with", p.links([*g.objects(c, OWL.disjointWith), *g.subjects(OWL.disjointWith, c)])),
        ("Domain of", p.links(g.subjects(RDFS.domain, c))),
        ("Range of", p.links(g.subjects(RDFS.range, c))),
        ("See also", p.links(g.objects(c, RDFS.seeAlso))),
    ]
    return _term(p, c, "class", rows)


def _property_groups(p: _Page) -> list[tuple[str, str, list[URIRef]]]:
    seen: set[URIRef] = set()
    out = []
    for key, title, types in _PROPERTY_GROUPS:
        props = [x for t in types for x in _sorted(p, p.g.subjects(RDF.type, t)) if x in p.anchors and str(x).startswith(str(NTP))]
        props = [x for x in _sorted(p, props) if x not in seen]
        seen.update(props)
        out.append((key, title, props))
    return out


def _property_section(p: _Page, prop: URIRef) -> str:
    g = p.g
    types = [t for t in g.objects(prop, RDF.type) if t != RDF.Property]
    components = [spec for rel, _ in _COMPONENT_KINDS for spec in g.subjects(rel, prop)]
    rows = [
        ("Types", p.links(types)),
        ("Domain", p.links(g.objects(prop, RDFS.domain)) or "not restricted (see the comment)"),
        ("Range", p.links(g.objects(prop, RDFS.range)) or "not restricted (see the comment)"),
        ("Sub-property of", p.links(g.objects(prop, RDFS.subPropertyOf))),
        ("Code list", p.links(g.objects(prop, QB.codeList))),
        ("SDMX concept", p.links(g.objects(prop, QB.concept))),
        ("In the structure as", p.links(components)),
    ]
    return _term(p, prop, "property", rows)


def _structure(p: _Page) -> str:
    g = p.g
    out = []
    for dsd in _sorted(p, g.subjects(RDF.type, QB.DataStructureDefinition)):
        if dsd not in p.anchors:
            continue
        specs = []
        for spec in g.objects(dsd, QB.component):
            kind, prop = next(((k, o) for rel, k in _COMPONENT_KINDS for o in g.objects(spec, rel)), ("?", None))
            order_node = g.value(spec, QB.order)
            specs.append((_KIND_ORDER[kind], int(order_node) if isinstance(order_node, Literal) else 99, p.curie(spec), spec, kind, prop))
        rows = []
        for _, order, _, spec, kind, prop in sorted(specs):
            required = g.value(spec, QB.componentRequired)
            attachment = g.value(spec, QB.componentAttachment)
            codes = p.links(g.objects(prop, QB.codeList)) if prop is not None else ""
            rows.append(
                f'<tr id="{html.escape(p.anchors[spec])}"><td>{order if order != 99 else ""}</td><td>{kind}</td>'
                f"<td>{p.link(prop) if prop is not None else ''}</td><td>{p.prose(p.text(spec, RDFS.comment) or '')}</td>"
                f"<td>{codes}</td><td>{'required' if required == Literal(True) else ''}"
                f"{(' at ' + p.link(attachment)) if attachment is not None else ''}</td>"
                f'<td>{html.escape(p.label(spec))}<br><code class="iri">{html.escape(str(spec))}</code></td></tr>'
            )
        table = (
            "<table><caption>Components, in order</caption><thead><tr><th scope=\"col\">order</th><th scope=\"col\">kind</th>"
            '<th scope="col">property</th><th scope="col">meaning</th><th scope="col">code list</th>'
            '<th scope="col">attribute</th><th scope="col">component specification</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        comment = p.text(dsd, RDFS.comment)
        out.append(
            f'<section class="term" id="{html.escape(p.anchors[dsd])}"><h3>{html.escape(p.label(dsd))}'
            f'<span class="badge">data structure definition</span></h3><p class="iri">{html.escape(str(dsd))}</p>'
            + (f'<p class="comment">{p.prose(comment)}</p>' if comment else "")
            + table
            + "</section>\n"
        )
    return "".join(out)


_KIND_ORDER = {"dimension": 0, "measure": 1, "attribute": 2, "?": 3}


def _schemes(p: _Page) -> str:
    g = p.g
    out = []
    for scheme in _sorted(p, g.subjects(RDF.type, SKOS.ConceptScheme)):
        if scheme not in p.anchors:
            continue
        concepts = _sorted(p, g.subjects(SKOS.inScheme, scheme))
        rows = [
            ("Identifier", html.escape(p.text(scheme, DCTERMS.identifier) or "")),
            ("Code list of", p.links(g.subjects(QB.codeList, scheme))),
            ("Concepts", str(len(concepts)) if concepts else "defined in the reference data (seeds/reference/)"),
        ]
        section = _term(p, scheme, "concept scheme", rows)
        if concepts:
            items = "".join(
                f'<tr id="{html.escape(p.anchors[c])}"><td><code>{html.escape(p.text(c, SKOS.notation) or p.curie(c))}</code></td>'
                f"<td>{html.escape(p.label(c))}</td><td>{p.prose(p.text(c, SKOS.definition) or '')}</td></tr>"
                for c in concepts
                if c in p.anchors
            )
            table = (
                f'<table><caption>Concepts of {html.escape(p.label(scheme))}</caption><thead><tr><th scope="col">notation</th>'
                f'<th scope="col">label</th><th scope="col">definition</th></tr></thead><tbody>{items}</tbody></table>'
            )
            section = section.replace("</section>\n", table + "</section>\n")
        out.append(section)
    return "".join(out)


def _reused(p: _Page) -> str:
    g = p.g
    vocabularies = sorted({str(o) for o in g.objects(ONTOLOGY, DCTERMS.references)})
    rows = []
    for v in vocabularies:
        names = [f"<code>{html.escape(k)}:</code>" for k, ns in sorted(resources.prefixes().items()) if ns.rstrip("#/") == v.rstrip("#/")]
        used = sorted(
            {p.curie(o) for s, pr, o in g if isinstance(o, URIRef) and str(o).startswith(v.rstrip("#/")) and str(o) != v}
            | {p.curie(pr) for s, pr, o in g if str(pr).startswith(v.rstrip("#/"))}
        )
        rows.append(
            f'<tr><td><a href="{html.escape(v)}">{html.escape(v)}</a></td><td>{" ".join(names)}</td>'
            f"<td>{html.escape(', '.join(used))}</td></tr>"
        )
    declared = [
        s
        for s in _sorted(p, g.subjects(RDF.type, RDF.Property))
        if not str(s).startswith(DEF) and (s, RDFS.isDefinedBy, None) in g
    ]
    restated = (
        "<p>Restated from SDMX-RDF (as their vocabularies declare them, so the graph validates without "
        f"fetching them): {p.links(declared)}.</p>"
        if declared
        else ""
    )
    return (
        '<table><caption>Vocabularies the ontology builds on</caption><thead><tr><th scope="col">vocabulary</th>'
        f'<th scope="col">prefix</th><th scope="col">terms used here</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        + restated
    )


def _namespaces(p: _Page) -> str:
    rows = "".join(
        f'<tr><td><code>{html.escape(k)}:</code></td><td class="iri">{html.escape(ns)}</td></tr>' for k, ns in sorted(resources.prefixes().items())
    )
    return f'<table><caption>Prefixes used on this page</caption><thead><tr><th scope="col">prefix</th><th scope="col">namespace</th></tr></thead><tbody>{rows}</tbody></table>'


def page(g: Graph, concepts: Graph | None = None, alternates: Mapping[str, str] | None = None) -> str:
    """The HTML5 page documenting the ontology in `g` (ontology/*.ttl).

    `concepts` may add the concepts of the schemes (the reference graph of a build);
    `alternates` maps media types to the addresses of the ontology's RDF serialisations.
    """
    p = _Page(g, concepts)
    title = p.text(ONTOLOGY, DCTERMS.title, RDFS.label) or "ntp-kg ontology"
    description = p.text(ONTOLOGY, DCTERMS.description) or ""
    licence = g.value(ONTOLOGY, DCTERMS.license)
    metadata = _facts(
        [
            ("IRI", f'<code class="iri">{html.escape(str(ONTOLOGY))}</code>'),
            ("Version", html.escape(p.text(ONTOLOGY, OWL.versionInfo) or "")),
            ("Version IRI", p.links(g.objects(ONTOLOGY, OWL.versionIRI))),
            ("Preferred prefix", "<code>" + html.escape(p.text(ONTOLOGY, URIRef(VANN + "preferredNamespacePrefix")) or "") + ":</code> "
             + html.escape(p.text(ONTOLOGY, URIRef(VANN + "preferredNamespaceUri")) or "")),
            ("Licence", p.link(licence) if licence is not None else None),
            ("Creator", html.escape(p.text(ONTOLOGY, DCTERMS.creator) or "")),
            ("See also", p.links(g.objects(ONTOLOGY, RDFS.seeAlso))),
        ]
    ) + (f'<p class="comment">{p.prose(description)}</p>' if description else "")

    sections: list[tuple[str, str, str]] = []
    classes = _classes(p)
    sections.append(("classes", "Classes", "".join(_class_section(p, c) for c in classes)))
    for key, group_title, props in _property_groups(p):
        sections.append((key, group_title, "".join(_property_section(p, x) for x in props)))
    sections.append(("structure", "Data structure of the observations", _structure(p)))
    sections.append(("schemes", "Concept schemes", _schemes(p)))
    sections.append(("reused", "Reused vocabularies", _reused(p)))
    sections.append(("namespaces", "Namespaces", _namespaces(p)))

    body = "".join(f'<section id="section-{key}">\n<h2>{html.escape(t)}</h2>\n{content}</section>\n' for key, t, content in sections if content)
    contents_items = []
    for key, t, content in sections:
        if not content:
            continue
        sub = ""
        if key == "classes":
            sub = "<ol>" + "".join(f'<li><a href="#{html.escape(p.anchors[c])}">{html.escape(p.curie(c))}</a></li>' for c in classes) + "</ol>"
        contents_items.append(f'<li><a href="#section-{key}">{html.escape(t)}</a>{sub}</li>')
    alt = "".join(
        f'<link rel="alternate" type="{html.escape(media)}" href="{html.escape(href)}">\n' for media, href in sorted((alternates or {}).items())
    )
    template = Template(TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        title=html.escape(title),
        summary=html.escape(description[:300]),
        alternates=alt,
        style=STYLESHEET.read_text(encoding="utf-8"),
        metadata=metadata,
        contents="<ol>" + "".join(contents_items) + "</ol>",
        body=body,
        licence=p.link(licence) if licence is not None else "not stated",
    )
