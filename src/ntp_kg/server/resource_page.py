"""HTML pages of resources, drawn server-side from their description (linked.py).

The title is the label in the language Accept-Language prefers among en, vi and ar (Arabic
laid out right-to-left); then the type, every property with links (IRIs we mint link to our
own paths), incoming links, and for each number its provenance: the quoted sentence from the
source with the figure marked and a link to the source's page. Every value is escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import pyoxigraph as ox

LANGUAGES = ("en", "vi", "ar")
RTL = frozenset({"ar"})
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel", "http://purl.org/dc/terms/title")
OA = "http://www.w3.org/ns/oa#"
NTP = "https://w3id.org/ntp-kg/def/ontology#"
CSS = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:start;vertical-align:top}"
    "mark{background:#ffe066}.iri{font-size:.85em;color:#555;word-break:break-all}blockquote{margin:.5rem 0;padding:.3rem .8rem;"
    "border-inline-start:4px solid #ccc;background:#f7f7f7}nav a{margin-inline-end:1rem}"
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

UI: Mapping[str, Mapping[str, str]] = {
    "en": {"type": "Type", "properties": "Properties", "incoming": "Linked from", "provenance": "Provenance",
           "source": "source", "formats": "Also as", "home": "Home", "query": "Query", "notfound": "Not found", "triples": "Triples in this graph"},
    "vi": {"type": "Kiểu", "properties": "Thuộc tính", "incoming": "Được liên kết từ", "provenance": "Nguồn gốc",
           "source": "nguồn", "formats": "Định dạng khác", "home": "Trang chủ", "query": "Truy vấn", "notfound": "Không tìm thấy", "triples": "Bộ ba trong đồ thị này"},
    "ar": {"type": "النوع", "properties": "الخصائص", "incoming": "مرتبط من", "provenance": "المصدر",
           "source": "المصدر", "formats": "صيغ أخرى", "home": "الرئيسية", "query": "استعلام", "notfound": "غير موجود", "triples": "الثلاثيات في هذا الرسم البياني"},
}


def choose_language(header: str | None) -> str:
    """The language of LANGUAGES that Accept-Language rates highest (en when none fits)."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((header or "").split(",")):
        tag, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        primary = tag.lower().split("-")[0]
        lang = primary if primary in LANGUAGES else ("en" if primary == "*" else None)
        if lang and q > 0 and (best is None or (q, -index) > (best[0], best[1])):
            best = (q, -index, lang)
    return best[2] if best else "en"


class Description:
    """A description's triples indexed for rendering."""

    def __init__(self, iri: str, triples: Sequence[ox.Triple], lang: str, link: Callable[[str], str | None]) -> None:
        self.iri, self.lang, self._link = iri, lang, link
        self.out: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(lambda: defaultdict(list))
        self.incoming: dict[str, list[str]] = defaultdict(list)  # predicate -> subjects
        for t in triples:
            s, p, o = t.subject, t.predicate.value, t.object
            if isinstance(s, ox.NamedNode | ox.BlankNode) and not isinstance(o, ox.Triple):
                self.out[s.value][p].append(o)
            if isinstance(o, ox.NamedNode) and o.value == iri and isinstance(s, ox.NamedNode) and s.value != iri:
                self.incoming[p].append(s.value)

    def objects(self, s: str, p: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return self.out.get(s, {}).get(p, [])

    def label(self, iri: str) -> str | None:
        for p in LABELS:
            literals = [o for o in self.objects(iri, p) if isinstance(o, ox.Literal)]
            for want in (self.lang, "en", None):
                for lit in literals:
                    if want is None or lit.language == want:
                        return lit.value
        return None

    def name(self, iri: str) -> str:
        return self.label(iri) or _short(iri)

    def href(self, iri: str) -> str:
        return self._link(iri) or iri

    def a(self, iri: str) -> str:
        return f'<a href="{html.escape(self.href(iri))}">{html.escape(self.name(iri))}</a>'

    def term(self, o: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(o, ox.NamedNode):
            return self.a(o.value)
        if isinstance(o, ox.BlankNode):
            return "_:" + html.escape(o.value)
        lang = f' lang="{html.escape(o.language)}"' if o.language else ""
        return f"<span{lang}>{html.escape(o.value)}</span>"


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def _mark(text: str, figure: str | None) -> str:
    """`text` escaped, with the figure (or else the whole text) in <mark>."""
    if figure and figure in text:
        before, _, after = text.partition(figure)
        return html.escape(before) + "<mark>" + html.escape(figure) + "</mark>" + html.escape(after)
    return "<mark>" + html.escape(text) + "</mark>"


def _original(d: Description, source: str) -> list[str]:
    """Links to where the source was published (schema:url)."""
    urls = [o.value for o in d.objects(source, "https://schema.org/url") if isinstance(o, ox.NamedNode)]
    return [f' (<a class="original" href="{html.escape(u)}" rel="nofollow">{html.escape(UI[d.lang]["source"])}</a>)' for u in urls]


def provenance(d: Description) -> str:
    """The quotes backing the resource: prefix, the exact words (figure marked), suffix."""
    figure_values = [o.value for o in d.objects(d.iri, NTP + "statedValue") if isinstance(o, ox.Literal)]
    figure = figure_values[0] if figure_values else None
    items: list[str] = []
    for ann in sorted(s for s, ps in d.out.items() if any(o.value == d.iri for o in ps.get(OA + "hasBody", []))):
        for target in d.objects(ann, OA + "hasTarget"):
            sources = [o.value for o in d.objects(target.value, OA + "hasSource") if isinstance(o, ox.NamedNode)]
            for sel in d.objects(target.value, OA + "hasSelector"):
                exacts = [o for o in d.objects(sel.value, OA + "exact") if isinstance(o, ox.Literal)]
                ordered = sorted(exacts, key=lambda lit: (lit.language != d.lang, lit.language != "vi", lit.language or ""))
                for exact in ordered:
                    lang = exact.language
                    pick = [o.value for o in d.objects(sel.value, OA + "prefix") if isinstance(o, ox.Literal) and o.language == lang]
                    post = [o.value for o in d.objects(sel.value, OA + "suffix") if isinstance(o, ox.Literal) and o.language == lang]
                    dir_attr = ' dir="rtl"' if lang in RTL else ' dir="ltr"'
                    quote = (html.escape(pick[0]) if pick else "") + _mark(exact.value, figure) + (html.escape(post[0]) if post else "")
                    links = " ".join(d.a(s) + "".join(_original(d, s)) for s in sources)
                    items.append(f'<li><blockquote lang="{html.escape(lang or "")}"{dir_attr}>…{quote}…</blockquote>{links}</li>')
    return f"<ul class=\"provenance\">{''.join(items)}</ul>" if items else ""


def render(
    iri: str,
    triples: Sequence[ox.Triple],
    lang: str,
    link: Callable[[str], str | None],
    variants: Mapping[str, str],
    *,
    graph_members: Sequence[str] = (),
) -> str:
    """The page of `iri` from its description; `variants` maps media types to URLs."""
    d = Description(iri, triples, lang, link)
    ui = UI[lang]
    title = d.label(iri) or _short(iri)
    types = [o for o in d.objects(iri, RDF_TYPE) if isinstance(o, ox.NamedNode)]
    rows = []
    for p in sorted(d.out.get(iri, {})):
        if p == RDF_TYPE:
            continue
        values = "<br>".join(d.term(o) for o in sorted(d.objects(iri, p), key=str))
        rows.append(f'<tr><th><a href="{html.escape(d.href(p))}">{html.escape(_short(p))}</a></th><td>{values}</td></tr>')
    incoming = []
    for p in sorted(d.incoming):
        subjects = ", ".join(d.a(s) for s in sorted(set(d.incoming[p]))[:200])
        incoming.append(f'<tr><th><a href="{html.escape(d.href(p))}">{html.escape(_short(p))}</a></th><td>{subjects}</td></tr>')
    prov = provenance(d)
    alt = "".join(f'<link rel="alternate" type="{html.escape(t)}" href="{html.escape(u)}">' for t, u in variants.items())
    formats = " ".join(f'<a href="{html.escape(u)}" type="{html.escape(t)}">{html.escape(u.rsplit(".", 1)[-1])}</a>' for t, u in variants.items())
    direction = "rtl" if lang in RTL else "ltr"
    parts = [
        f'<!doctype html>\n<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>{alt}<style>{CSS}</style></head><body>",
        f'<nav><a href="/">{ui["home"]}</a><a href="/sparql">{ui["query"]}</a></nav>',
        f'<h1>{html.escape(title)}</h1><p class="iri">{html.escape(iri)}</p>',
    ]
    if types:
        parts.append(f'<p class="types">{ui["type"]}: {", ".join(d.a(t.value) for t in types)}</p>')
    if rows:
        parts.append(f'<h2>{ui["properties"]}</h2><table class="properties">{"".join(rows)}</table>')
    if prov:
        parts.append(f'<h2>{ui["provenance"]}</h2>{prov}')
    if incoming:
        parts.append(f'<h2>{ui["incoming"]}</h2><table class="incoming">{"".join(incoming)}</table>')
    if graph_members:
        members = "".join(f"<li>{d.a(s)}</li>" for s in graph_members)
        parts.append(f'<h2>{ui["triples"]}: {len(triples)}</h2><ul class="members">{members}</ul>')
    parts.append(f'<footer><p>{ui["formats"]}: {formats}</p></footer></body></html>\n')
    return "".join(parts)


def not_found(path: str, iri: str | None, lang: str) -> str:
    ui = UI[lang]
    what = f"<p>No resource <code>{html.escape(iri)}</code> is described here.</p>" if iri else ""
    return (
        f'<!doctype html>\n<html lang="{lang}" dir="{"rtl" if lang in RTL else "ltr"}"><head><meta charset="utf-8">'
        f"<title>404 {ui['notfound']}</title><style>{CSS}</style></head><body><h1>404 {ui['notfound']}</h1>"
        f"<p>Nothing at <code>{html.escape(path)}</code>.</p>{what}"
        '<p>Resources live under <code>/id/...</code>, the vocabulary under <code>/def/...</code> '
        '(the ontology at <a href="/def/ontology">/def/ontology</a>), named graphs under <code>/graph/...</code>. '
        'Start from <a href="/">the start page</a> or search with <a href="/sparql">the query page</a>.</p></body></html>\n'
    )
