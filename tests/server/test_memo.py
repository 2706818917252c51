"""Pages drawn from all the data are computed once per version, however many ask at once
(memo.VersionMemo): the start page and the sitemap at a restart, under concurrent requests."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest

from ntp_kg.server import sitemap, start_page
from ntp_kg.server.app import create_app
from ntp_kg.server.engine import WorkerPool
from ntp_kg.server.limits import Limits
from ntp_kg.server.linked import Describer
from ntp_kg.server.memo import VersionMemo
from ntp_kg.server.sources import DataSource
from ntp_kg.server.worker import WorkerConfig


class Gate:
    """A computation that counts its runs and waits until released (so that every asker arrives first)."""

    def __init__(self, value: str = "v") -> None:
        self.runs = 0
        self.release = threading.Event()
        self.value = value
        self.fail = False

    def __call__(self) -> str:
        self.runs += 1
        assert self.release.wait(10)
        if self.fail:
            raise RuntimeError("the store went away")
        return f"{self.value}{self.runs}"


def test_concurrent_askers_share_one_computation() -> None:
    async def scenario() -> tuple[list[str], int, str]:
        memo: VersionMemo[str] = VersionMemo()
        gate, version = Gate(), object()
        askers = [asyncio.ensure_future(memo.get(version, "en", gate)) for _ in range(6)]
        await asyncio.sleep(0.05)
        gate.release.set()
        values = await asyncio.gather(*askers)
        return values, gate.runs, await memo.get(version, "en", gate)

    values, runs, later = asyncio.run(scenario())
    assert (values, runs, later) == (["v1"] * 6, 1, "v1")


def test_a_new_version_or_another_key_computes_again() -> None:
    async def scenario() -> list[str]:
        memo: VersionMemo[str] = VersionMemo()
        gate = Gate()
        gate.release.set()
        old, new = object(), object()
        return [await memo.get(old, "en", gate), await memo.get(old, "vi", gate), await memo.get(new, "en", gate), await memo.get(new, "en", gate)]

    assert asyncio.run(scenario()) == ["v1", "v2", "v3", "v3"]


def test_a_failure_reaches_every_waiter_and_is_not_kept() -> None:
    async def scenario() -> tuple[list[BaseException | str], str]:
        memo: VersionMemo[str] = VersionMemo()
        gate, version = Gate(), object()
        gate.fail = True
        askers = [asyncio.ensure_future(memo.get(version, "en", gate)) for _ in range(3)]
        await asyncio.sleep(0.05)
        gate.release.set()
        outcomes = await asyncio.gather(*askers, return_exceptions=True)
        gate.fail = False
        return outcomes, await memo.get(version, "en", gate)

    outcomes, retried = asyncio.run(scenario())
    assert [str(o) for o in outcomes] == ["the store went away"] * 3
    assert retried == "v2"


def test_an_asker_that_goes_away_does_not_cancel_the_others() -> None:
    async def scenario() -> tuple[bool, str, int]:
        memo: VersionMemo[str] = VersionMemo()
        gate, version = Gate(), object()
        leaving = asyncio.ensure_future(memo.get(version, "en", gate))
        staying = asyncio.ensure_future(memo.get(version, "en", gate))
        await asyncio.sleep(0.05)
        leaving.cancel()
        await asyncio.sleep(0.01)
        gate.release.set()
        return leaving.cancelled(), await staying, gate.runs

    assert asyncio.run(scenario()) == (True, "v1", 1)


def count_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of the start page's data reads (`gather`) and the sitemap's (`pages`), as they happen."""
    calls = {"gather": 0, "pages": 0}
    gather, pages = start_page.gather, sitemap.pages

    def counted_gather(store: object) -> start_page.StartData:
        calls["gather"] += 1
        return gather(store)  # type: ignore[arg-type]

    def counted_pages(describer: Describer) -> list[str]:
        calls["pages"] += 1
        return pages(describer)

    monkeypatch.setattr(start_page, "gather", counted_gather)
    monkeypatch.setattr(sitemap, "pages", counted_pages)
    return calls


def test_concurrent_first_requests_read_the_start_page_and_the_sitemap_once(dist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real app in-process, eight clients at once on / and on /sitemap.xml, then the start
    page in the two other languages: its data is read once for all of them."""
    calls = count_reads(monkeypatch)
    source = DataSource(dist / "ntp-kg.nq")
    limits = Limits()
    app = create_app(WorkerPool(WorkerConfig((source,), True, limits.memory_limit), limits), limits, describer=Describer.load([source]))

    async def fetch() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            first = await asyncio.gather(*(client.get(p, headers={"Accept-Language": "en"}) for p in ["/"] * 8 + ["/sitemap.xml"] * 8))
            return first + [await client.get("/", headers={"Accept-Language": lang}) for lang in ("vi", "ar")]

    responses = asyncio.run(fetch())
    assert [r.status_code for r in responses] == [200] * 18
    assert len({r.text for r in responses[:8]}) == 1 and "Lao Cai" in responses[0].text
    assert [r.headers["content-language"] for r in responses[-2:]] == ["vi", "ar"]
    assert 'dir="rtl"' in responses[-1].text and "Lào Cai" in responses[-2].text
    assert calls == {"gather": 1, "pages": 1}


def test_keep_warm_draws_each_version_before_anyone_asks(dist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` runs keep_warm: the start page and the sitemap of the served version are drawn
    once, before any request (/health says `pages_drawn`), the requests then reuse them, and a
    new version (a new graph set: `serve --store` switching) is drawn again, unasked."""
    calls = count_reads(monkeypatch)
    source = DataSource(dist / "ntp-kg.nq")
    limits = Limits()
    describer = Describer.load([source])
    app = create_app(WorkerPool(WorkerConfig((source,), True, limits.memory_limit), limits), limits, describer=describer)

    async def drawn(client: httpx.AsyncClient) -> bool:
        for _ in range(2000):
            if (await client.get("/health")).json()["pages_drawn"]:
                return True
            await asyncio.sleep(0.005)
        return False

    async def main() -> list[object]:
        seen: list[object] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            seen.append((await client.get("/health")).json()["pages_drawn"])
            warming = asyncio.create_task(app.state.keep_warm(0.01))
            try:
                seen.append(await drawn(client))
                seen.append(dict(calls))
                seen.append([(await client.get(p)).status_code for p in ("/", "/sitemap.xml")])
                seen.append(dict(calls))
                describer.graphs = frozenset(set(describer.graphs))  # the next version's token: a new set (frozenset(x) is x)
                seen.append((await client.get("/health")).json()["pages_drawn"])
                seen.append(await drawn(client))
                seen.append(dict(calls))
            finally:
                warming.cancel()
        return seen

    assert asyncio.run(main()) == [
        False, True, {"gather": 1, "pages": 1}, [200, 200], {"gather": 1, "pages": 1},
        False, True, {"gather": 2, "pages": 2},
    ]
