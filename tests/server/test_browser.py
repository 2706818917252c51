"""A real browser: headless Chromium (Debian package `chromium`) loads the start page, a resource
page and the query page, runs a query there and finds the result table. Screenshots are kept
under test-artifacts/ (git-ignored). Chromium is driven from the command line (--dump-dom,
--screenshot, --virtual-time-budget), with the flags that keep it off the network."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from ntp_kg.query import named_queries

from .conftest import LiveServer

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package `chromium`; .ci/run installs it)")


def chromium(url: str, tmp_path: Path, *args: str, budget_ms: int = 5000) -> str:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *args, url]
    done = subprocess.run(cmd, capture_output=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode("utf-8", errors="replace")


def dom_and_screenshot(url: str, tmp_path: Path, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    chromium(url, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.is_file() and shot.stat().st_size > 5000
    return chromium(url, tmp_path, "--dump-dom")


def test_start_page_in_a_browser(dist_server: LiveServer, tmp_path: Path) -> None:
    dom = dom_and_screenshot(dist_server.base + "/", tmp_path, "start-page")
    assert "Lao Cai Province" in dom
    assert dom.count("<svg") == 4


def test_resource_page_in_a_browser(dist_server: LiveServer, tmp_path: Path) -> None:
    path = "/id/obs/kinhtedothi-2025-03-07-lao-cai-ntp/advanced-nrd-target-base-communes-2025"
    dom = dom_and_screenshot(dist_server.base + path, tmp_path, "resource-page")
    assert "<mark>84</mark>" in dom
    assert 'href="/id/area/lao-cai"' in dom


def test_query_page_runs_a_query_and_shows_the_table(dist_server: LiveServer, tmp_path: Path) -> None:
    query = named_queries()["disbursement-by-programme"].text
    url = f"{dist_server.base}/sparql?edit={quote(query)}#run"
    dom = dom_and_screenshot(url, tmp_path, "query-page")
    results = dom.split('id="results"', 1)[1]
    assert "<table" in results, results[:2000]
    assert results.count("<tr") >= 3  # the header and the programmes
    assert "National Target Programme" in results
