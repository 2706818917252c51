"""The start page `/` over the built graph: key figures, links, the province with its districts,
the programmes, the charts with their tables and queries; /queries/<name>."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote

import httpx

from ntp_kg.query import named_queries

from .conftest import LiveServer, start_server, stop_server


def test_start_page_shows_the_dataset(dist_server: LiveServer) -> None:
    r = httpx.get(dist_server.base + "/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    page = r.text
    for href in ("/sparql", "/dumps/", "/def/ontology", "/catalog"):
        assert f'href="{href}"' in page
    figures = dict(re.findall(r'data-key="(\w+)">(\d+)<', page))
    assert int(figures["observations"]) > 10 and int(figures["programmes"]) == 5
    assert '<a href="/id/area/lao-cai">Lao Cai Province</a>' in page
    districts = re.search(r'<ul class="districts">(.*?)</ul>', page)
    assert districts and districts.group(1).count("<li>") >= 4
    assert 'href="/id/area/sa-pa"' in districts.group(1)
    assert page.count('href="/id/programme/') >= 5
    assert "<script" not in page


def test_start_page_has_the_charts_with_tables_and_queries(dist_server: LiveServer) -> None:
    page = httpx.get(dist_server.base + "/").text
    assert page.count("<svg") == 4
    assert page.count('class="chart-data"') == 4
    queries = named_queries()
    runs = re.findall(r'<a class="run" href="([^"]+)"', page)
    assert len(runs) == 4
    for link in re.findall(r'href="/queries/([\w-]+)"', page):
        assert link in queries
        r = httpx.get(f"{dist_server.base}/queries/{link}")
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/plain; charset=utf-8"
        assert r.text == queries[link].text
    edit = unquote(html.unescape(runs[0]).split("edit=", 1)[1].removesuffix("#run"))
    assert edit in {q.text for q in queries.values()}


def test_start_page_in_arabic_is_right_to_left(dist_server: LiveServer) -> None:
    page = httpx.get(dist_server.base + "/", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in page
    assert "لاو كاي" in page


def test_unknown_named_query_is_404(dist_server: LiveServer) -> None:
    r = httpx.get(dist_server.base + "/queries/nope")
    assert r.status_code == 404
    assert "/sparql" in r.text


def test_the_start_page_and_sitemap_are_drawn_before_anyone_asks(dist: Path, tmp_path: Path) -> None:
    """At 1M observations the first visitor waited 49 s for the start page and the first
    crawler 138 s for the sitemap: `serve` draws them as soon as it serves (/health's
    `pages_drawn`), unless told `--no-warm-up`, where the first requests draw them."""
    # start_server returns once /health is 200 and, unless --no-warm-up, says pages_drawn; it asks
    # for nothing else, so the warm server drew its pages unasked.
    warm = start_server(["--dist", str(dist), "--workers", "1", "--log-level", "info"], tmp_path, "warm")
    cold = start_server(["--dist", str(dist), "--workers", "1", "--no-warm-up"], tmp_path, "cold")
    try:
        assert httpx.get(warm.base + "/health").json()["pages_drawn"] is True
        assert re.search(r"^INFO: +start page and sitemap \(\d+ pages\) drawn in [\d.]+ s$", warm.logs(), re.M), warm.logs()
        seen = [httpx.get(cold.base + "/health").json()["pages_drawn"]]
        assert httpx.get(cold.base + "/").status_code == 200
        seen.append(httpx.get(cold.base + "/health").json()["pages_drawn"])  # the sitemap is not drawn yet
        assert httpx.get(cold.base + "/sitemap.xml").status_code == 200
        seen.append(httpx.get(cold.base + "/health").json()["pages_drawn"])
        assert seen == [False, False, True]
    finally:
        assert stop_server(warm) == 0, warm.logs()
        assert stop_server(cold) == 0, cold.logs()
