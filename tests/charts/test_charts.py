"""The SVG charts: drawn from their query's answer, numbers exactly as the source gives them.

Every chart is parsed back as XML and read through the `g.bar` elements (data-key, data-value,
the printed value, the bar's width); its table must be the query's answer, which is the
hand-checked golden answer of tests/sparql/expected/.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg import charts
from ntp_kg import query as q

NS = {"svg": "http://www.w3.org/2000/svg"}
S = "{http://www.w3.org/2000/svg}"
GOLDEN = Path(__file__).parents[1] / "sparql" / "expected"
BAR = charts.BAR_AREA


def _svg(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)
    assert root.tag == S + "svg"
    return root


def _bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:g[@class='bar']", NS)


def _text(el: ET.Element, cls: str) -> str:
    found = [t for t in el.findall("svg:text", NS) if cls in (t.get("class") or "").split()]
    assert len(found) == 1, f"expected one text.{cls} in {ET.tostring(el, encoding='unicode')[:200]}"
    return found[0].text or ""


def _width(el: ET.Element) -> float:
    rect = el.find("svg:rect", NS)
    assert rect is not None
    return float(rect.get("width", "nan"))


@pytest.fixture(scope="module")
def drawn(store: ox.Store) -> dict[str, charts.Chart]:
    return {c.name: c for c in charts.all_charts(store, query_href="/query/{query}")}


# ---------------------------------------------------------------------------------------------
# every chart
# ---------------------------------------------------------------------------------------------


def test_the_four_charts_of_the_issue(drawn: dict[str, charts.Chart]) -> None:
    assert list(drawn) == ["disbursement-by-programme", "capital-plan-vs-disbursed", "results-vs-targets", "new-rural-communes"]


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_table_is_the_query_answer_and_the_golden_answer(store: ox.Store, drawn: dict[str, charts.Chart], name: str) -> None:
    chart = drawn[name]
    named = q.named_queries()
    assert chart.query in named, f"{name} links to sparql/{chart.query}.rq, which does not exist"
    result = q.run(store, named[chart.query].text)
    assert isinstance(result, ox.QuerySolutions)
    variables, rows = q.rows(result)
    assert chart.variables == tuple(variables)
    assert chart.rows == tuple(tuple(None if t is None else t.value for t in row) for row in rows)
    golden = json.loads((GOLDEN / f"{chart.query}.json").read_text(encoding="utf-8"))
    assert list(chart.variables) == golden["variables"]
    lexical = [[None if c is None else re.sub(r"(@[a-z-]+|\^\^<[^>]+>)$", "", c) for c in row] for row in golden["rows"]]
    assert [list(r) for r in chart.rows] == lexical


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_svg_is_accessible_and_self_contained(drawn: dict[str, charts.Chart], name: str) -> None:
    chart = drawn[name]
    root = _svg(chart)
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (S + "title", S + "desc")
    assert title.text == chart.title and desc.text == chart.description and chart.description
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    # no script, no external font, stylesheet, image or link but the one to the query
    assert not root.findall(".//svg:script", NS) and not root.findall(".//svg:image", NS)
    style = "".join(s.text or "" for s in root.iter(S + "style"))
    assert "@import" not in style and "url(" not in style and "@font-face" not in style
    links = [a.get("href") for a in root.iter(S + "a")]
    assert links == [f"/query/{chart.query}"]
    assert not [e for e in root.iter() if any("http" in v for k, v in e.attrib.items() if k != "xmlns")]
    # every bar has a tooltip title, a label or group label, and its value printed
    bars = _bars(root)
    assert bars
    for bar in bars:
        assert bar.find("svg:title", NS) is not None
        assert bar.get("data-key") and bar.get("data-value") is not None
        assert [t for t in bar.iter(S + "text") if "value" in (t.get("class") or "").split()]


def test_svg_without_a_query_address_names_the_query_unlinked(store: ox.Store) -> None:
    chart = charts.chart(store, "disbursement-by-programme")
    root = _svg(chart)
    assert not list(root.iter(S + "a"))
    assert "Data: SPARQL query disbursement-by-programme" in [t.text for t in root.iter(S + "text")]


def test_charts_are_deterministic(store: ox.Store, drawn: dict[str, charts.Chart]) -> None:
    again = charts.all_charts(store, query_href="/query/{query}")
    assert [c.svg for c in again] == [c.svg for c in drawn.values()]


# ---------------------------------------------------------------------------------------------
# each chart's numbers
# ---------------------------------------------------------------------------------------------


def test_disbursement_rate_by_programme(drawn: dict[str, charts.Chart]) -> None:
    root = _svg(drawn["disbursement-by-programme"])
    bars = _bars(root)
    assert [b.get("data-key") for b in bars] == ["ntp-nrd", "ntp-pr", "ntp-em"]
    assert [b.get("data-value") for b in bars] == ["80.7", "77.1", "71.3"]
    assert [_text(b, "value") for b in bars] == ["80.7 %", "77.1 %", "71.3 %"]
    assert [_text(b, "label") for b in bars] == [
        "National Target Programme on New Rural Development 2021-2025",
        "National Target Programme for Sustainable Poverty Reduction 2021-2025",
        "National Target Programme for Socio-Economic Development of Ethnic Minority and Mountainous Areas 2021-2025",
    ]
    for bar, rate in zip(bars, (80.7, 77.1, 71.3), strict=True):
        assert _width(bar) == pytest.approx(rate / 100 * BAR, abs=0.01)
    ticks = [t.text for t in root.iter(S + "text") if t.get("class") == "tick"]
    assert ticks == ["0", "20", "40", "60", "80", "100"]
    axis = [t.text for t in root.iter(S + "text") if t.get("class") == "axis-label"]
    assert axis == ["Disbursed by 2025-01-31, % of the programme's 2024 plan"]


def test_plan_against_disbursed_capital(drawn: dict[str, charts.Chart]) -> None:
    root = _svg(drawn["capital-plan-vs-disbursed"])
    plan, disbursed = _bars(root)
    assert (plan.get("data-key"), disbursed.get("data-key")) == ("plan", "disbursed")
    assert (plan.get("data-value"), disbursed.get("data-value")) == ("2419000000000", "1782000000000")
    assert _text(plan, "value") == "≈ 2,419 billion VND"
    assert _text(disbursed, "value") == "1,782 billion VND (73.7 % of the plan)"
    assert _text(disbursed, "label") == "Disbursed by 2025-01-31"
    # axis to 2,500 billion: bars in proportion to the amounts
    assert _width(plan) == pytest.approx(2419 / 2500 * BAR, abs=0.01)
    assert _width(disbursed) == pytest.approx(1782 / 2500 * BAR, abs=0.01)
    ticks = [t.text for t in root.iter(S + "text") if t.get("class") == "tick"]
    assert ticks == ["0", "500", "1,000", "1,500", "2,000", "2,500"]


EXPECTED_PAIRS = {
    # indicator/area: (2024 printed, 2025 printed, 2024 value, 2025 value)
    "communes-meeting-advanced-nrd-standards/lao-cai": ("4", "34", "4", "34"),
    "communes-meeting-nrd-standards/lao-cai": ("62", "84", "62", "84"),
    "grdp-per-capita/lao-cai": ("97.5 million VND/person/year", "112 million VND/person/year", "97500000", "112000000"),
    "income-per-capita/lao-cai-rural-areas": ("47.29 million VND/person/year", "≈ 50 million VND/person/year", "47290000", "50000000"),
    "model-villages/lao-cai": ("204", "230", "204", "230"),
    "nrd-criteria-per-commune/lao-cai": ("12.63 criteria/commune", "14 criteria/commune", "12.63", "14"),
    "nrd-villages/lao-cai": ("252", "265", "252", "265"),
}


def test_each_indicators_2024_result_against_its_2025_target(drawn: dict[str, charts.Chart]) -> None:
    root = _svg(drawn["results-vs-targets"])
    bars = {b.get("data-key"): b for b in _bars(root)}
    assert sorted(bars) == sorted(f"{k}/{y}" for k in EXPECTED_PAIRS for y in ("2024", "2025"))
    for key, (shown24, shown25, v24, v25) in EXPECTED_PAIRS.items():
        b24, b25 = bars[f"{key}/2024"], bars[f"{key}/2025"]
        assert (b24.get("data-value"), b25.get("data-value")) == (v24, v25)
        assert (_text(b24, "value"), _text(b25, "value")) == (shown24, shown25)
        assert _text(b25, "label") == "2025 target"
        assert _text(b24, "label") == ("2024 (estimate)" if key.startswith("grdp") else "2024")
        # each pair on its own scale: the target (the larger) is full width
        assert _width(b25) == pytest.approx(BAR, abs=0.01)
        assert _width(b24) == pytest.approx(float(Decimal(v24) / Decimal(v25)) * BAR, abs=0.01)
    groups = [t.text for t in root.iter(S + "text") if t.get("class") == "group-label"]
    assert groups[0] == "Communes meeting the advanced new-rural standards (cumulative) (Lao Cai Province)"
    assert "Average income per capita (Rural areas of Lao Cai Province)" in groups


def test_new_rural_communes_cumulative_against_target(drawn: dict[str, charts.Chart]) -> None:
    root = _svg(drawn["new-rural-communes"])
    bars = {b.get("data-key"): b for b in _bars(root)}
    assert sorted(bars) == ["communes-meeting-advanced-nrd-standards", "communes-meeting-nrd-standards"]
    expected = {
        "communes-meeting-nrd-standards": ([("met", "62", "62"), ("added", "22", "+22"), ("rest", "42", None)], "84 of 126 (66.7 %) targeted for 2025"),
        "communes-meeting-advanced-nrd-standards": ([("met", "4", "4"), ("added", "30", "+30"), ("rest", "50", None)], "34 of 84 (40.5 %) targeted for 2025"),
    }
    for key, (parts, total) in expected.items():
        bar = bars[key]
        segments = bar.findall("svg:g[@class='segment']", NS)
        got = [(s.get("data-key"), s.get("data-value"), (s.findtext("svg:text", None, NS))) for s in segments]
        assert got == parts
        assert _text(bar, "total") == total
        # widths on one scale for both bars: 126 communes = full width
        widths = [float(s.find("svg:rect", NS).get("width")) for s in segments]  # type: ignore[union-attr]
        assert widths == pytest.approx([int(v) / 126 * BAR for _, v, _ in parts], abs=0.01)
    ticks = [t.text for t in root.iter(S + "text") if t.get("class") == "tick"]
    assert ticks == ["0", "50", "100"]


# ---------------------------------------------------------------------------------------------
# the table, the helpers, errors
# ---------------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "td":
            self.cells.append(data)


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_table_html_holds_every_cell(drawn: dict[str, charts.Chart], name: str) -> None:
    chart = drawn[name]
    p = _Tags()
    p.feed(chart.table_html())
    p.close()
    assert p.open == []
    assert p.cells == [c for row in chart.rows for c in row if c]


def test_number_formatting() -> None:
    assert charts.number(Decimal("2419")) == "2,419"
    assert charts.number(Decimal("1782000000000") / Decimal(10) ** 9) == "1,782"
    assert charts.number(Decimal("12.63")) == "12.63"
    assert charts.number(Decimal("97.500")) == "97.5"
    assert charts.number(Decimal("-1234567.5")) == "-1,234,567.5"
    assert charts.number(Decimal("0")) == "0"
    assert charts.quantity(Decimal("2595000000000"), "vnd", "₫") == "2,595 billion VND"
    assert charts.quantity(Decimal("47290000"), "vnd-per-person-per-year", "VND/person/year") == "47.29 million VND/person/year"
    assert charts.quantity(Decimal("847"), "kilometre", "km") == "847 km"
    assert charts.percent_of(Decimal(84), Decimal(126)) == Decimal("66.7")
    assert [charts.nice(Decimal(v)) for v in ("2419", "25.2", "16.8", "100", "0.3")] == [2500, 50, 20, 100, Decimal("0.5")]


def test_unknown_chart_is_an_error(store: ox.Store) -> None:
    with pytest.raises(charts.ChartError, match="no chart named 'pie'"):
        charts.chart(store, "pie")


def test_a_query_without_an_answer_is_an_error() -> None:
    with pytest.raises(charts.ChartError, match="has no answer"):
        charts.chart(ox.Store(), "disbursement-by-programme")
