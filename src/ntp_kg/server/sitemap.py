"""Sitemaps for crawlers (sitemaps.org protocol 0.9).

A sitemap file may list at most 50,000 URLs; crawlers reject longer ones. Our graph has a page
per minted IRI, so at national scale (hundreds of thousands of observations, each with its
annotation) one file is not enough: past the limit, /sitemap.xml becomes a sitemap index that
points at /sitemap-1.xml, /sitemap-2.xml, ..., each a slice of the same sorted list of pages.

The list of pages comes from one `SELECT DISTINCT ?s` (templates/sitemap-subjects.rq) through
the store's query path, not from a walk over every quad: over a SPARQL backend the backend does
the DISTINCT and only the subjects travel (one row each, not one per triple); in process the
engine does it without a Python object per quad.
"""

from __future__ import annotations

import ctypes
import heapq
from collections.abc import Iterable, Sequence
from itertools import chain, groupby, islice
from urllib.parse import quote
from xml.sax.saxutils import escape

import pyoxigraph as ox

from ..sparqltext import template
from .linked import Describer
from .remote import RemoteStore

MAX_URLS = 50_000
"""URLs per sitemap file (the protocol's limit)."""

_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _loc(base: str, path: str) -> str:
    return f"<loc>{escape(base + quote(path, safe='/#:-._~'))}</loc>"


def page_count(paths: Sequence[str], size: int | None = None) -> int:
    """Files needed for `paths` (`size` URLs each, default MAX_URLS); 1 means /sitemap.xml lists
    them all itself."""
    return max(1, -(-len(paths) // (size or MAX_URLS)))


def urlset(base: str, paths: Sequence[str]) -> str:
    """One sitemap file listing `paths` (server paths, e.g. "/id/area/lao-cai") under `base`."""
    urls = "".join(f"<url>{_loc(base, p)}</url>" for p in paths)
    return f'{_HEAD}<urlset xmlns="{_NS}">{urls}</urlset>\n'


def index(base: str, pages: int) -> str:
    """The sitemap index pointing at /sitemap-1.xml ... /sitemap-<pages>.xml."""
    entries = "".join(f"<sitemap>{_loc(base, f'/sitemap-{n}.xml')}</sitemap>" for n in range(1, pages + 1))
    return f'{_HEAD}<sitemapindex xmlns="{_NS}">{entries}</sitemapindex>\n'


def page(paths: Sequence[str], number: int, size: int | None = None) -> Sequence[str] | None:
    """The paths of /sitemap-<number>.xml (numbered from 1), or None when there is no such file."""
    size = size or MAX_URLS
    if number < 1 or number > page_count(paths, size) or len(paths) <= size:
        return None
    return paths[(number - 1) * size : number * size]


def _iris(result: object) -> list[str]:
    """The IRIs of a `SELECT ?s`'s rows. A list, not a set: a set of millions grows by rehashing
    in one C call that holds the GIL (0.18 s at the 1M build's 5.4M subjects)."""
    assert isinstance(result, ox.QuerySolutions)
    return [row["s"].value for row in result if isinstance(row["s"], ox.NamedNode)]


def subjects(store: ox.Store | RemoteStore) -> list[str]:
    """Every IRI that is the subject of a triple in `store` (templates/sitemap-subjects.rq over
    the union of its graphs), in no order. A RemoteStore answers a SELECT from the backend alone,
    so the data it holds locally (the build's catalogue) is asked too and its IRIs follow the
    backend's: an IRI in both is listed twice (`pages` keeps one)."""
    text = template("sitemap-subjects")
    found = _iris(store.query(text, use_default_graph_as_union=True))
    if isinstance(store, RemoteStore):
        found += _iris(store.local.query(text, use_default_graph_as_union=True))
    return found


def trim_heap() -> bool:
    """glibc's `malloc_trim(0)`, called through ctypes, which lets go of the GIL while it runs;
    False where there is none (not glibc). At the 1M build the subject query's result frees
    millions of blocks, and glibc gathered them at the next large allocation of the thread, in
    whatever Python call made it, holding the GIL: the first run of `sorted_in_runs` took 1.1 s
    instead of 0.05, and every request waited. Gathered by this call, they hold up no one (and go
    back to the system)."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is None:
        return False
    trim(0)
    return True


def pages(describer: Describer) -> list[str]:
    """"/" and the path of every page the Describer answers: each subject IRI under our
    namespaces (a hash IRI by its document) and each named graph, in the order of their IRIs.
    Blocking (a query over all the data: seconds at national scale): call it off the event loop.

    The server's event loop waits whenever this holds the GIL, so nothing here makes or frees
    millions of objects in one C call: no set of the IRIs (documents are made unique as they are
    merged in order), no copy of a whole list, the lists are emptied a step at a time
    (`let_go`) and the memory the query freed is given back off the GIL (`trim_heap`). What is
    left at the 1M build: pyoxigraph freeing the query's result, 0.46 s (the DISTINCT's hash
    set, in Rust, under the GIL), and one garbage collection of 0.2 s."""
    store, graphs = describer.store, describer.graphs  # one version's, should it switch meanwhile
    found = subjects(store)  # the query's result is freed by now
    trim_heap()
    documents = (s.split("#", 1)[0] for s in found if describer.local_path(s))
    in_order = sorted_in_runs(chain(documents, (g for g in graphs if describer.local_path(g))), unique=True)
    let_go(found)
    out = ["/", *(p for p in (describer.local_path(i) for i in in_order) if p)]
    let_go(in_order)
    return out


def sorted_in_runs(items: Iterable[str], run: int = 65_536, *, unique: bool = False) -> list[str]:
    """`sorted(items)` (without repeats if `unique`: `sorted(set(items))`), as short sorts
    merged. One `sorted` of the 5.4M pages of the 1M build held the GIL for 4.3 s, and every
    request of the server waited (its event loop needs the GIL): a point query took 4.3 s instead
    of 0.03. A sort of 65,536 holds it for about 35 ms, and the merge, Python code, lets the event
    loop in between items (7.7 s in all, against 4.8 s for one sort, off the event loop:
    benchmarks/README.md). The runs are taken from `items` as it goes: a list of all of them
    first (`list(a_set)`) held the GIL for 1.3 s at 5.4M."""
    it = iter(items)
    runs: list[list[str]] = []
    while chunk := sorted(islice(it, run)):
        runs.append(chunk)
    merged = heapq.merge(*runs)
    out = [k for k, _ in groupby(merged)] if unique else list(merged)
    while runs:  # one run at a time: freeing the list of runs would free them all in one call
        runs.pop()
    return out


def let_go(items: list[str], step: int = 65_536) -> None:
    """Empty `items` a step at a time. A container is freed in one C call that holds the GIL,
    and every request of the server waits: timed alone on 5.4M IRI-like strings (the 1M build's
    subjects), 0.1 s for a list of them and 0.33 s for a set whose strings died with it. Emptied
    this way, the event loop gets the GIL between steps."""
    while items:
        del items[-step:]
