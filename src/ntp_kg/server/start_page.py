"""The start page `/` for people: what the dataset is, key figures, where to go next (query page,
dumps, ontology, catalogue), the province with its districts, the programmes, and the charts of
charts.py with their data tables and links to their queries. Drawn server-side (no script);
the figures, places and programmes come from templates/start-*.rq on the served graph.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from .. import charts
from ..errors import NtpKgError
from ..query import named_queries
from .linked import query_text
from .resource_page import CSS, RTL, UI

INTRO: Mapping[str, tuple[str, str]] = {
    "en": (
        "Vietnam's National Target Programmes as linked open data",
        "Figures on Vietnam's National Target Programmes (new rural development, sustainable poverty "
        "reduction, ethnic-minority and mountainous areas, ...) in Lao Cai Province, each traced to the "
        "sentence of the published source it comes from, as a knowledge graph you can browse, query and download.",
    ),
    "vi": (
        "Các Chương trình mục tiêu quốc gia của Việt Nam dưới dạng dữ liệu mở liên kết",
        "Số liệu về các Chương trình mục tiêu quốc gia (xây dựng nông thôn mới, giảm nghèo bền vững, vùng đồng bào "
        "dân tộc thiểu số và miền núi, ...) tại tỉnh Lào Cai, mỗi số liệu dẫn về câu trích từ nguồn đã công bố.",
    ),
    "ar": (
        "برامج الأهداف الوطنية في فيتنام كبيانات مفتوحة مترابطة",
        "أرقام برامج الأهداف الوطنية في فيتنام في مقاطعة لاو كاي، كل رقم مقرون بالجملة التي ورد فيها في المصدر المنشور.",
    ),
}
FIGURES = {"observations": "observations", "programmes": "national target programmes", "areas": "areas", "sources": "sources", "triples": "triples"}
LINKS = (
    ("/sparql", "Query page (SPARQL)"),
    ("/dumps/", "Dumps"),
    ("/def/ontology", "Ontology"),
    ("/catalog", "DCAT catalogue"),
    ("/.well-known/void", "VoID"),
)


def _select(store: ox.Store, name: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    result = store.query(query_text(name), use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in result]


def _pick(labels: list[ox.Literal], lang: str) -> str:
    for want in (lang, "en"):
        for lit in labels:
            if lit.language == want:
                return lit.value
    return labels[0].value if labels else ""


@dataclass(frozen=True)
class StartData:
    """What the start page shows, read from the data once per served version: the queries are
    scans of every observation (49 s at 1M observations), the same whatever the page's language,
    so only the drawing happens per language."""

    figures: list[dict[str, ox.NamedNode | ox.Literal]]
    areas: list[dict[str, ox.NamedNode | ox.Literal]]
    programmes: list[dict[str, ox.NamedNode | ox.Literal]]
    charts: list[charts.Chart]


def gather(store: ox.Store) -> StartData:
    """Blocking (queries over all the data): call it off the event loop, once per version."""
    try:
        drawn = charts.all_charts(store, "en", query_href="/queries/{query}")
    except NtpKgError:
        drawn = []  # data without the charts' figures (e.g. a test graph): no charts
    return StartData(_select(store, "start-figures"), _select(store, "start-areas"), _select(store, "start-programmes"), drawn)


def render(data: StartData, lang: str, link: Callable[[str], str | None], query_page: str = "/sparql") -> str:
    ui = UI[lang]
    title, intro = INTRO[lang]
    direction = "rtl" if lang in RTL else "ltr"

    def a(iri: str, text: str) -> str:
        return f'<a href="{html.escape(link(iri) or iri)}">{html.escape(text)}</a>'

    figures = data.figures
    fig_html = "".join(
        f'<li><strong class="figure" data-key="{k}">{html.escape(figures[0][k].value)}</strong> {html.escape(label)}</li>'
        for k, label in FIGURES.items()
        if figures and k in figures[0]
    )
    provinces: dict[str, dict[str, list[ox.Literal]]] = {}
    plabels: dict[str, list[ox.Literal]] = {}
    for row in data.areas:
        p = row["province"].value
        plabels.setdefault(p, [])
        if row["plabel"] not in plabels[p]:
            plabels[p].append(row["plabel"])  # type: ignore[arg-type]
        districts = provinces.setdefault(p, {})
        if "district" in row:
            districts.setdefault(row["district"].value, []).append(row["dlabel"])  # type: ignore[arg-type]
    places = "".join(
        f"<section class=\"province\"><h3>{a(p, _pick(plabels[p], lang))}</h3><ul class=\"districts\">"
        + "".join(f"<li>{a(d, _pick(ls, lang))}</li>" for d, ls in sorted(ds.items(), key=lambda kv: _pick(kv[1], lang)))
        + "</ul></section>"
        for p, ds in provinces.items()
    )
    programmes: dict[str, list[ox.Literal]] = {}
    for row in data.programmes:
        programmes.setdefault(row["programme"].value, []).append(row["label"])  # type: ignore[arg-type]
    prog_html = "".join(f"<li>{a(p, _pick(ls, lang))}</li>" for p, ls in programmes.items())
    queries = named_queries()
    chart_html = []
    for c in data.charts:
        text = queries[c.query].text if c.query in queries else ""
        run = f"{query_page}?edit={quote(text)}#run"
        chart_html.append(
            f'<figure class="chart" id="{html.escape(c.name)}">{c.svg}<figcaption>{c.table_html()}'
            f'<p><a href="/queries/{html.escape(c.query)}">{html.escape(c.query)}.rq</a> · '
            f'<a class="run" href="{html.escape(run)}">run this query</a></p></figcaption></figure>'
        )
    links = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in LINKS)
    return "".join(
        [
            f'<!doctype html>\n<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title><style>{CSS}figure.chart{{margin:2rem 0}}figure svg{{max-width:100%;height:auto}}</style></head><body>",
            f'<nav><a href="/">{ui["home"]}</a><a href="{query_page}">{ui["query"]}</a></nav>',
            f"<h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>",
            f'<ul class="figures">{fig_html}</ul>',
            f'<ul class="links">{links}</ul>',
            f"<h2>Places</h2>{places}",
            f'<h2>Programmes</h2><ul class="programmes">{prog_html}</ul>',
            f"<h2>Charts</h2>{''.join(chart_html)}" if chart_html else "",
            "</body></html>\n",
        ]
    )
