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

import heapq
from collections.abc import Iterable, Sequence
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


def _iris(result: object) -> set[str]:
    assert isinstance(result, ox.QuerySolutions)
    return {row["s"].value for row in result if isinstance(row["s"], ox.NamedNode)}


def subjects(store: ox.Store | RemoteStore) -> set[str]:
    """Every IRI that is the subject of a triple in `store` (templates/sitemap-subjects.rq over
    the union of its graphs). A RemoteStore answers a SELECT from the backend alone, so the data
    it holds locally (the build's catalogue) is asked too: for a DISTINCT over one pattern the
    two answers together are the answer over both."""
    text = template("sitemap-subjects")
    found = _iris(store.query(text, use_default_graph_as_union=True))
    if isinstance(store, RemoteStore):
        found |= _iris(store.local.query(text, use_default_graph_as_union=True))
    return found


def pages(describer: Describer) -> list[str]:
    """"/" and the path of every page the Describer answers: each subject IRI under our
    namespaces (a hash IRI by its document) and each named graph, in the order of their IRIs.
    Blocking (a query over all the data: seconds at national scale): call it off the event loop."""
    store, graphs = describer.store, describer.graphs  # one version's, should it switch meanwhile
    iris = {s.split("#", 1)[0] for s in subjects(store) if describer.local_path(s)}
    iris |= {g for g in graphs if describer.local_path(g)}
    return ["/", *(p for p in (describer.local_path(i) for i in sorted_in_runs(iris)) if p)]


def sorted_in_runs(items: Iterable[str], run: int = 65_536) -> list[str]:
    """`sorted(items)`, as short sorts merged. One `sorted` of the 5.4M pages of the 1M build
    held the GIL for 4.3 s, and every request of the server waited (its event loop needs the
    GIL): a point query took 4.3 s instead of 0.03. A sort of 65,536 holds it for about 35 ms,
    and the merge, Python code, lets the event loop in between items (7.7 s in all, against
    4.8 s for one sort, off the event loop: benchmarks/README.md)."""
    whole = list(items)
    return list(heapq.merge(*(sorted(whole[i : i + run]) for i in range(0, len(whole), run))))
