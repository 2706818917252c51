"""Server-side SVG charts drawn from the graph, each from one named SPARQL query.

    chart(store, name)              -> Chart: the SVG, the query's answer as a table, the query name
      ├── disbursement-by-programme   sparql/disbursement-by-programme.rq       bars, % of plan
      ├── capital-plan-vs-disbursed   sparql/capital-plan-2024-disbursement.rq  bars, billion VND
      ├── results-vs-targets          sparql/results-2024-and-targets-2025.rq   pairs, own scales
      └── new-rural-communes          sparql/new-rural-communes-progress.rq     stacked bars

The numbers and names come from the query's answer only (what the page's table shows is what
the chart draws); the chart's own words are data, in src/ntp_kg/templates/charts.yaml. The SVG is plain
XML built with ElementTree (so every text is escaped): `<title>` and `<desc>` referenced by
`aria-labelledby`, axis labels, the value printed beside every bar, a `<title>` per bar, no
script, no external font, stylesheet or image. Every bar is a `<g class="bar">` with `data-key`
and `data-value` (the query's lexical value) so tests and scripts can read it back.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import query as q
from .errors import NtpKgError
from .yamlio import load_yaml

SVG_NS = "http://www.w3.org/2000/svg"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TEMPLATES = Path(__file__).parent / "templates"  # package data: ships with the code
TEXT_FILE = TEMPLATES / "charts.yaml"

WIDTH = 840
LEFT = 16
VALUE_SPACE = 280  # room right of the longest bar for its printed value
BAR_AREA = WIDTH - LEFT - VALUE_SPACE
STYLESHEET = TEMPLATES / "chart.css"  # Okabe-Ito colours, system fonts only


class ChartError(NtpKgError):
    """A chart cannot be drawn: its query's answer is not what the chart needs."""


@dataclass(frozen=True)
class Chart:
    name: str
    query: str  # the named query in sparql/ that produced the data
    title: str
    description: str
    variables: tuple[str, ...]  # the query's answer, as a table: column names ...
    rows: tuple[tuple[str | None, ...], ...]  # ... and each row's lexical values (None: unbound)
    svg: str

    def table_html(self, caption: str | None = None) -> str:
        """The data as an HTML table (for beside the chart), cells as the query answered them."""
        head = "".join(f'<th scope="col">{html.escape(v)}</th>' for v in self.variables)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c or '')}</td>" for c in row) + "</tr>" for row in self.rows)
        cap = html.escape(caption or self.title)
        return f'<table class="chart-data" id="{self.name}-data"><caption>{cap}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# ---------------------------------------------------------------------------------------------
# words, numbers
# ---------------------------------------------------------------------------------------------


@cache
def _stylesheet() -> str:
    return " ".join(STYLESHEET.read_text(encoding="utf-8").split())


@cache
def _texts() -> dict[str, Any]:
    data = load_yaml(TEXT_FILE)
    if not isinstance(data, dict):
        raise ChartError(f"{TEXT_FILE}: expected a mapping of chart names")
    return dict(data)


def _words(name: str, lang: str) -> dict[str, str]:
    spec = _texts()[name]
    return dict(spec.get(lang) or spec["en"])


def _fill(template: str, **values: object) -> str:
    return template.format(**values).strip()


def number(d: Decimal) -> str:
    """A decimal for people: thousands separated by commas, no exponent, no trailing zeros."""
    d = d.normalize() if d == d.to_integral_value() else d
    sign = "-" if d < 0 else ""
    whole, _, frac = format(abs(d), "f").partition(".")
    whole = re.sub(r"(?<=\d)(?=(\d{3})+$)", ",", whole)
    frac = frac.rstrip("0")
    return sign + whole + (f".{frac}" if frac else "")


def percent_of(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _is_money(unit: str) -> bool:
    return unit == "vnd" or unit.startswith("vnd-")


def quantity(value: Decimal, unit: str, symbol: str) -> str:
    """A value in its unit as a reader wants it: VND in millions or billions, counts bare."""
    if _is_money(unit):
        rest = symbol.removeprefix("VND").removeprefix("₫")
        for scale, word in ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
            if abs(value) >= scale:
                return f"{number(value / scale)} {word} VND{rest}"
        return f"{number(value)} VND{rest}"
    return number(value) if symbol in ("", "#") else f"{number(value)} {symbol}"


# ---------------------------------------------------------------------------------------------
# the query
# ---------------------------------------------------------------------------------------------


Answer = tuple[tuple[str, ...], tuple[tuple[str | None, ...], ...]]


def _answer(store: ox.Store, query_name: str) -> Answer:
    queries = q.named_queries()
    if query_name not in queries:
        raise ChartError(f"no query named {query_name!r} in sparql/")
    result = q.run(store, queries[query_name].text)
    if not isinstance(result, ox.QuerySolutions):
        raise ChartError(f"sparql/{query_name}.rq is not a SELECT query")
    variables, rows = q.rows(result)
    return tuple(variables), tuple(tuple(None if t is None else t.value for t in row) for row in rows)


def _records(variables: Sequence[str], rows: Sequence[Sequence[str | None]], need: Sequence[str], query_name: str) -> list[dict[str, str]]:
    missing = [v for v in need if v not in variables]
    if missing:
        raise ChartError(f"sparql/{query_name}.rq answers no {', '.join('?' + m for m in missing)}")
    if not rows:
        raise ChartError(f"sparql/{query_name}.rq has no answer: nothing to draw")
    out = []
    for row in rows:
        rec = dict(zip(variables, row, strict=True))
        unbound = [v for v in need if rec[v] is None]
        if unbound:
            raise ChartError(f"sparql/{query_name}.rq leaves {', '.join('?' + u for u in unbound)} unbound in {row}")
        out.append({k: v for k, v in rec.items() if v is not None})
    return out


# ---------------------------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------------------------


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    e = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): _attr(v) for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _attr(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)


class _Canvas:
    """An SVG document: title, description, and rows of bars stacked from the top."""

    def __init__(self, name: str, title: str, description: str, lang: str, answer: Answer) -> None:
        self.name = name
        self.variables, self.rows = answer
        self.root = ET.Element("svg", {"xmlns": SVG_NS, "version": "1.1", "role": "img", XML_LANG: lang, "class": "chart", "id": f"chart-{name}"})
        self.root.set("aria-labelledby", f"{name}-title {name}-desc")
        _el(self.root, "title", title, id=f"{name}-title")
        _el(self.root, "desc", description, id=f"{name}-desc")
        _el(self.root, "style", _stylesheet())
        _el(self.root, "text", title, class_="title", x=LEFT, y=24, aria_hidden="true")
        self.plot = _el(self.root, "g", class_="plot")
        self.y = 44.0

    def group_label(self, text: str) -> None:
        self.y += 22
        _el(self.plot, "text", text, class_="group-label", x=LEFT, y=self.y)
        self.y += 6

    def bar(self, key: str, label: str, value: str, shown: str, width: float, series: int = 0, tip: str | None = None) -> None:
        """One labelled bar: label above, bar, printed value at its end."""
        self.y += 16
        g = _el(self.plot, "g", class_="bar", data_key=key, data_value=value)
        _el(g, "title", tip or f"{label}: {shown}")
        _el(g, "text", label, class_="label", x=LEFT, y=self.y)
        self.y += 6
        _el(g, "rect", class_=f"s{series}", x=LEFT, y=self.y, width=max(width, 0.5), height=18)
        _el(g, "text", shown, class_="value", x=LEFT + width + 6, y=self.y + 13)
        self.y += 24

    def stacked(self, key: str, label: str, parts: Sequence[tuple[str, str, float, str, str]], shown: str) -> None:
        """One stacked bar; parts are (part key, value, width, printed value, part name)."""
        self.y += 16
        g = _el(self.plot, "g", class_="bar", data_key=key, data_value=parts[0][1] if parts else "")
        _el(g, "title", f"{label}: {shown}")
        _el(g, "text", label, class_="label", x=LEFT, y=self.y)
        self.y += 6
        x = float(LEFT)
        for i, (part, value, width, printed, name) in enumerate(parts):
            seg = _el(g, "g", class_="segment", data_key=part, data_value=value)
            _el(seg, "title", f"{printed} {name}")
            _el(seg, "rect", class_=f"s{i}", x=x, y=self.y, width=max(width, 0.5), height=18)
            if i < 2:  # the counts of the coloured parts, printed inside them
                _el(seg, "text", printed, class_=f"value segment-value on-s{i}", x=x + 4, y=self.y + 13)
            x += width
        _el(g, "text", shown, class_="value total", x=x + 6, y=self.y + 13)
        self.y += 24

    def axis(self, label: str, end: Decimal, step: Decimal) -> None:
        """A horizontal axis under the bars from 0 to `end`, a tick every `step`, and its label."""
        top, bottom = 44.0, self.y + 4
        g = _el(self.root, "g", class_="x-axis")
        ticks, v = [], Decimal(0)
        while v <= end:
            ticks.append((_width(v, end), number(v)))
            v += step
        for x, text in ticks:
            _el(g, "line", class_="grid", x1=LEFT + x, x2=LEFT + x, y1=top, y2=bottom)
            _el(g, "text", text, class_="tick", x=LEFT + x, y=bottom + 14, text_anchor="middle")
        _el(g, "line", class_="axis", x1=LEFT, x2=LEFT + BAR_AREA, y1=bottom, y2=bottom)
        self.y = bottom + 32
        _el(g, "text", label, class_="axis-label", x=LEFT, y=self.y)
        # grid lines behind the bars
        self.root.remove(g)
        self.root.insert(list(self.root).index(self.plot), g)

    def note(self, text: str, href: str | None) -> None:
        self.y += 20
        parent = _el(self.root, "a", href=href) if href else self.root
        _el(parent, "text", text, class_="note", x=LEFT, y=self.y)

    def svg(self) -> str:
        height = int(self.y + 12)
        self.root.set("width", str(WIDTH))
        self.root.set("height", str(height))
        self.root.set("viewBox", f"0 0 {WIDTH} {height}")
        return ET.tostring(self.root, encoding="unicode")


def nice(value: Decimal) -> Decimal:
    """The least of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `value` (> 0)."""
    exp = Decimal(1)
    while exp * 10 <= value:
        exp *= 10
    while exp > value:
        exp /= 10
    for m in (1, 2, Decimal("2.5"), 5, 10):
        if value <= m * exp:
            return m * exp
    raise AssertionError(value)  # unreachable: value <= 10 * exp


def _width(value: Decimal, end: Decimal) -> float:
    return float(value / end * BAR_AREA) if end else 0.0


# ---------------------------------------------------------------------------------------------
# the charts
# ---------------------------------------------------------------------------------------------


def _canvas(name: str, lang: str, answer: Answer, **fill: object) -> tuple[_Canvas, dict[str, str]]:
    w = _words(name, lang)
    return _Canvas(name, _fill(w["title"], **fill), _fill(w["description"], **fill), lang, answer), w


def _finish(c: _Canvas, query_name: str, lang: str, query_href: str | None) -> Chart:
    notes = _texts()["query_note"]
    c.note(_fill(notes.get(lang, notes["en"]), query=query_name), query_href.format(query=query_name) if query_href else None)
    return Chart(c.name, query_name, c.root.findtext("title") or "", c.root.findtext("desc") or "", c.variables, c.rows, c.svg())


def disbursement_by_programme(store: ox.Store, lang: str = "en", query_href: str | None = None) -> Chart:
    name = "disbursement-by-programme"
    query_name = _texts()[name]["query"]
    variables, rows = _answer(store, query_name)
    recs = _records(variables, rows, ["programme", "programmeLabel", "ratePercent", "asOf"], query_name)
    as_of = recs[0]["asOf"]
    c, w = _canvas(name, lang, (variables, rows), asOf=as_of)
    for r in recs:
        v = Decimal(r["ratePercent"])
        c.bar(r["programme"], r["programmeLabel"], r["ratePercent"], _fill(w["value"], value=number(v)), _width(v, Decimal(100)))
    c.axis(_fill(w["axis"], asOf=as_of), Decimal(100), Decimal(20))
    return _finish(c, query_name, lang, query_href)


def capital_plan_vs_disbursed(store: ox.Store, lang: str = "en", query_href: str | None = None) -> Chart:
    name = "capital-plan-vs-disbursed"
    query_name = _texts()[name]["query"]
    variables, rows = _answer(store, query_name)
    recs = _records(variables, rows, ["plan", "planQualifier", "planUnit", "disbursed", "asOf", "reportedPercent"], query_name)
    if len(recs) != 1 or recs[0]["planUnit"] != "vnd":
        raise ChartError(f"sparql/{query_name}.rq: expected one plan in VND, got {rows}")
    r = recs[0]
    billion = Decimal(10) ** 9
    plan, disbursed = Decimal(r["plan"]) / billion, Decimal(r["disbursed"]) / billion
    c, w = _canvas(name, lang, (variables, rows), asOf=r["asOf"], reportedPercent=r["reportedPercent"])
    end = nice(plan)
    approx = "≈ " if r["planQualifier"] == "approximately" else ""
    c.bar("plan", w["plan"], r["plan"], approx + _fill(w["value"], value=number(plan)), _width(plan, end))
    shown = _fill(w["share"], value=number(disbursed), percent=r["reportedPercent"])
    c.bar("disbursed", _fill(w["disbursed"], asOf=r["asOf"]), r["disbursed"], shown, _width(disbursed, end), series=1)
    c.axis(w["axis"], end, nice(end / 5))
    return _finish(c, query_name, lang, query_href)


def results_vs_targets(store: ox.Store, lang: str = "en", query_href: str | None = None) -> Chart:
    name = "results-vs-targets"
    query_name = _texts()[name]["query"]
    variables, rows = _answer(store, query_name)
    need = ["indicator", "indicatorLabel", "area", "areaLabel", "result2024", "resultStatus", "target2025", "targetQualifier", "unit", "unitSymbol"]
    recs = _records(variables, rows, need, query_name)
    c, w = _canvas(name, lang, (variables, rows))
    for r in recs:
        result, target = Decimal(r["result2024"]), Decimal(r["target2025"])
        end = max(result, target)
        c.group_label(_fill(w["group"], indicator=r["indicatorLabel"], area=r["areaLabel"]))
        key = f"{r['indicator']}/{r['area']}"
        label = w["estimate"] if r["resultStatus"] == "estimate" else w["result"]
        c.bar(f"{key}/2024", label, r["result2024"], quantity(result, r["unit"], r["unitSymbol"]), _width(result, end))
        approx = "≈ " if r["targetQualifier"] == "approximately" else ""
        c.bar(f"{key}/2025", w["target"], r["target2025"], approx + quantity(target, r["unit"], r["unitSymbol"]), _width(target, end), series=1)
    c.y += 8
    _el(c.root, "text", w["axis"], class_="axis-label", x=LEFT, y=c.y)
    c.y += 4
    return _finish(c, query_name, lang, query_href)


def new_rural_communes(store: ox.Store, lang: str = "en", query_href: str | None = None) -> Chart:
    name = "new-rural-communes"
    query_name = _texts()[name]["query"]
    variables, rows = _answer(store, query_name)
    recs = _records(variables, rows, ["indicator", "indicatorLabel", "areaLabel", "atEnd2024", "added2025", "target2025", "outOf"], query_name)
    c, w = _canvas(name, lang, (variables, rows))
    end = max(Decimal(r["outOf"]) for r in recs)
    for r in recs:
        met, added, target, out_of = (Decimal(r[k]) for k in ("atEnd2024", "added2025", "target2025", "outOf"))
        rest = out_of - met - added
        parts = [
            ("met", r["atEnd2024"], _width(met, end), number(met), w["met"]),
            ("added", r["added2025"], _width(added, end), "+" + number(added), w["added"]),
            ("rest", number(rest), _width(rest, end), number(rest), w["rest"]),
        ]
        shown = _fill(w["total"], target=number(target), outOf=number(out_of), percent=number(percent_of(target, out_of)))
        c.stacked(r["indicator"], _fill(w["group"], indicator=r["indicatorLabel"], area=r["areaLabel"]), parts, shown)
    c.axis(w["axis"], end, nice(end / 5))
    legend = _el(c.root, "g", class_="legend")
    x = float(LEFT)
    c.y += 22
    for i, key in enumerate(("met", "added", "rest")):
        _el(legend, "rect", class_=f"s{i}", x=x, y=c.y - 10, width=12, height=12)
        _el(legend, "text", w[key], x=x + 16, y=c.y)
        x += 16 + 7.5 * len(w[key]) + 24
    return _finish(c, query_name, lang, query_href)


CHARTS: Mapping[str, Callable[..., Chart]] = {
    "disbursement-by-programme": disbursement_by_programme,
    "capital-plan-vs-disbursed": capital_plan_vs_disbursed,
    "results-vs-targets": results_vs_targets,
    "new-rural-communes": new_rural_communes,
}


def chart(store: ox.Store, name: str, lang: str = "en", query_href: str | None = None) -> Chart:
    """The chart `name` (a key of CHARTS); `query_href` e.g. "/query/{query}" links its note."""
    if name not in CHARTS:
        raise ChartError(f"no chart named {name!r}; charts: {', '.join(CHARTS)}")
    return CHARTS[name](store, lang=lang, query_href=query_href)


def all_charts(store: ox.Store, lang: str = "en", query_href: str | None = None) -> list[Chart]:
    return [chart(store, n, lang, query_href) for n in CHARTS]
