"""Sitemaps: one file up to 50,000 pages, an index of /sitemap-N.xml files beyond (the
protocol's limit per file), each file valid sitemaps.org XML."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from ntp_kg.server import sitemap
from ntp_kg.server.app import create_app
from ntp_kg.server.engine import WorkerPool
from ntp_kg.server.limits import Limits
from ntp_kg.server.linked import Describer
from ntp_kg.server.sources import DataSource
from ntp_kg.server.worker import WorkerConfig

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locs(xml: str, element: str) -> list[str]:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NS['s']}}}{element}"
    return [loc.text or "" for loc in root.iterfind(".//s:loc", NS)]


def test_urlset_percent_encodes_paths() -> None:
    xml = sitemap.urlset("http://h", ["/", "/id/a&b", "/id/ư"])
    assert locs(xml, "urlset") == ["http://h/", "http://h/id/a%26b", "http://h/id/%C6%B0"]


def test_pages_split_at_the_limit() -> None:
    paths = [f"/id/{n}" for n in range(7)]
    assert [sitemap.page_count(paths, size) for size in (7, 3, 100)] == [1, 3, 1]
    assert sitemap.page(paths, 1, 7) is None  # one file: /sitemap.xml lists them itself
    assert [sitemap.page(paths, n, 3) for n in (1, 2, 3)] == [paths[0:3], paths[3:6], paths[6:7]]
    assert sitemap.page(paths, 0, 3) is None
    assert sitemap.page(paths, 4, 3) is None
    assert locs(sitemap.index("http://h", 3), "sitemapindex") == [f"http://h/sitemap-{n}.xml" for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def app(dist: Path) -> Starlette:
    """The app in-process (the routing and paging are under test, not the network): its engine is
    never started, the sitemap reads only the Describer."""
    source = DataSource(dist / "ntp-kg.nq")
    limits = Limits()
    engine = WorkerPool(WorkerConfig((source,), True, limits.memory_limit), limits)
    return create_app(engine, limits, describer=Describer.load([source]))


def get_all(app: Starlette, paths: list[str]) -> list[httpx.Response]:
    async def fetch() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return [await client.get(p) for p in paths]

    return asyncio.run(fetch())


def test_past_the_limit_the_sitemap_is_an_index_of_parts(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, first = get_all(app, ["/sitemap.xml", "/sitemap-1.xml"])
    assert (whole.status_code, whole.headers["content-type"]) == (200, "application/xml")
    pages = locs(whole.text, "urlset")
    assert len(pages) > 250 and pages[0] == "http://testserver/"
    assert first.status_code == 404  # no parts while one file holds them all

    monkeypatch.setattr(sitemap, "MAX_URLS", 100)
    (index,) = get_all(app, ["/sitemap.xml"])
    parts = locs(index.text, "sitemapindex")
    assert parts == [f"http://testserver/sitemap-{n}.xml" for n in range(1, -(-len(pages) // 100) + 1)]
    *answers, past, zero = get_all(app, [*(u.removeprefix("http://testserver") for u in parts), f"/sitemap-{len(parts) + 1}.xml", "/sitemap-0.xml"])
    listed: list[str] = []
    for r in answers:
        assert (r.status_code, r.headers["content-type"]) == (200, "application/xml")
        part = locs(r.text, "urlset")
        assert 1 <= len(part) <= 100
        listed += part
    assert listed == pages
    assert (past.status_code, zero.status_code) == (404, 404)


def test_sorted_in_runs_is_sorted() -> None:
    """The sitemap sorts its pages in short runs merged (the GIL is not held for seconds): the
    order is sorted()'s, and with `unique` sorted(set())'s, whatever the run length against the
    number of items."""
    import random

    from ntp_kg.server.sitemap import sorted_in_runs

    rng = random.Random(7)
    items = [f"/id/obs/s{rng.randrange(50)}/f{rng.randrange(1000)}#{rng.randrange(3)}" for _ in range(1000)]
    for run in (1, 3, 64, 999, 1000, 5000):
        assert sorted_in_runs(iter(items), run) == sorted(items)
        assert sorted_in_runs(iter(items), run, unique=True) == sorted(set(items))
    assert len(set(items)) < len(items)  # there are repeats for `unique` to drop
    assert sorted_in_runs([]) == sorted_in_runs([], unique=True) == []


def test_let_go_empties_a_step_at_a_time() -> None:
    """The sitemap's large lists are emptied in steps (freeing one holds the GIL): one deletion
    per step, never more than `step` items at once, the list empty at the end, and the items not
    held elsewhere freed."""
    import weakref

    from ntp_kg.server.sitemap import let_go

    class Item(str):
        """A str that can be weakly referenced, to see it freed."""

    class Watched(list[str]):
        """A list that notes how many items each deletion takes."""

        def __init__(self, items: list[str]) -> None:
            super().__init__(items)
            self.taken: list[int] = []

        def __delitem__(self, key: slice) -> None:  # type: ignore[override]  # let_go deletes slices
            before = len(self)
            super().__delitem__(key)
            self.taken.append(before - len(self))

    for step in (1, 3, 64, 1000, 5000):
        items = Watched([Item(f"/id/{i}") for i in range(1000)])
        refs = [weakref.ref(x) for x in items]
        kept = items[:10]
        let_go(items, step)
        assert items == []
        assert items.taken == [min(step, 1000 - k) for k in range(0, 1000, step)]
        assert sum(r() is not None for r in refs) == len(kept) == 10


def test_trim_heap_runs_where_glibc_has_it() -> None:
    """After the subject query the sitemap gives freed memory back through glibc's malloc_trim
    (off the GIL); elsewhere there is nothing to call, and it says so."""
    import platform

    from ntp_kg.server.sitemap import trim_heap

    assert trim_heap() is (platform.libc_ver()[0] == "glibc")
