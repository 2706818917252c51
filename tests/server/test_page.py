"""The query page (/sparql for a browser): a query editor prefilled with a useful query, the research questions of
sparql/ to pick from, results as a table with IRIs as links (static/endpoint.js), downloads;
all assets served by the app, nothing from elsewhere, every value escaped."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import httpx

from ntp_kg.query import named_queries
from ntp_kg.server import page

from .conftest import LiveServer, raw_request

HTML = {"Accept": "text/html"}


def test_page_shows_the_research_questions_and_a_prefilled_query(sample_server: LiveServer) -> None:
    r = httpx.get(sample_server.base + "/sparql", headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
    html = r.text
    assert f'<a href="{sample_server.base}/">Start page</a>' in html
    questions = list(named_queries().values())
    for q in questions:
        assert f'<option value="{q.name}"' in html
    preferred = next((q for q in questions if q.name == page.PREFERRED_QUESTION), questions[0] if questions else None)
    prefilled = preferred.text if preferred else page.default_query()
    if preferred:
        assert f'<option value="{preferred.name}" selected>' in html
    assert f'<textarea id="query" name="query" rows="14" spellcheck="false" autocapitalize="off">{page.html.escape(prefilled)}</textarea>' in html
    data = json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["endpoint"] == sample_server.endpoint
    assert set(data["queries"]) == {q.name for q in questions}
    assert data["prefixes"]["xsd"] == "http://www.w3.org/2001/XMLSchema#"


def test_no_third_party_assets(sample_server: LiveServer) -> None:
    html = httpx.get(sample_server.base + "/sparql", headers=HTML).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(a.startswith(sample_server.base) or a.startswith("#") for a in assets), assets
    for name, ctype in page.STATIC_FILES.items():
        r = httpx.get(f"{sample_server.base}/static/{name}")
        assert r.status_code == 200
        assert r.headers["content-type"] == ctype
        assert "http://" not in r.text and "https://" not in r.text.replace("https?:", "")
    assert httpx.get(sample_server.base + "/static/../app.py").status_code == 404
    assert httpx.get(sample_server.base + "/static/missing.js").status_code == 404


def test_the_script_links_only_http_iris_and_writes_text_not_html() -> None:
    js = page.static_file("endpoint.js").decode()
    assert "innerHTML" not in js and "eval(" not in js and "document.write" not in js
    assert "/^https?:\\/\\//i.test(term.value)" in js


def test_values_are_escaped() -> None:
    hostile = page.Question("x\"><script>alert(1)</script>", "Why </script><script>alert(2)</script>?", "SELECT * { ?s ?p '</script><!--' }")
    html = page.render("http://h/sparql", "http://h/static", "http://h/limits", [hostile], {"ex": "http://e/</script>"})
    assert html.count("</script>") == 2  # the JSON block's and the script tag's own
    assert "<script>alert" not in html
    data = json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["queries"][hostile.name]["text"] == hostile.text
    assert data["prefixes"]["ex"] == "http://e/</script>"


def test_a_shared_link_opens_the_page_with_its_query(sample_server: LiveServer) -> None:
    query = 'SELECT * WHERE { ?s ?p "<b>&" }'
    html = httpx.get(sample_server.base + "/sparql", params={"edit": query}, headers=HTML).text
    assert f'autocapitalize="off">{page.html.escape(query)}</textarea>' in html
    assert " selected>" not in html  # no research question picked: "(your own query)"
    status, _, body = raw_request(sample_server, b"GET /sparql?edit=%23" + b"x" * 100_001 + b" HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n")
    assert status == 200
    assert b"x" * 1000 not in body  # longer than a query may be: not echoed
    # The old shared links (/?query=..., when / was the query page) move to /sparql?edit=...
    r = httpx.get(sample_server.base + "/", params={"query": query})
    assert r.status_code == 301
    assert r.headers["location"] == "/sparql?" + urlencode({"edit": query})


def test_assets_are_versioned_by_content(sample_server: LiveServer) -> None:
    html = httpx.get(sample_server.base + "/sparql", headers=HTML).text
    for name in page.STATIC_FILES:
        assert f"/static/{name}?v={page.asset_version(name)}" in html
