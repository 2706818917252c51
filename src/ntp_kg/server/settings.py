"""Everything `ntp-kg serve` is told, in one frozen value (flags and NTP_KG_* variables)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..iris import DEFAULT_BASE, check_base
from .limits import Limits
from .sources import DataSource


@dataclass(frozen=True)
class Settings:
    sources: tuple[DataSource, ...]
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    """The server's public base URL (e.g. https://data.example.org/ntp-kg/), when behind a
    proxy: the endpoint is then `<public_url>sparql` in the Service Description and as the base
    IRI of queries. Unset, both come from the request."""
    union_default_graph: bool = True
    """The default graph is the union of all graphs (as `ntp-kg query`), unless the request
    names its dataset."""
    union_copy: bool | None = None
    """Each worker also keeps the union alone in memory and answers there the queries that read
    only the default graph (worker.py): faster for them, at the memory of that copy. None: where
    the workers load the data into memory anyway (not over a --store unless asked for);
    `copies_union` says whether it does."""
    base: str = DEFAULT_BASE
    """The base the served instance IRIs were minted under (`ntp-kg build --base`): <base>id/...
    and <base>graph/... dereference at /id/... and /graph/... on this server."""
    dist: Path | None = None
    """The build's folder (`ntp-kg build`), when serving it: its files are downloads at /dumps/,
    its catalogue at /catalog and /.well-known/void."""
    limits: Limits = field(default_factory=Limits)
    log_level: str = "info"
    warm_up: bool = True
    """Draw the start page and the sitemap as soon as a version is served, not for the first
    visitor (app.py's keep_warm)."""
    store: Path | None = None
    """An on-disk store folder (`ntp-kg load --store`) served instead of `sources`; its current
    version, switched when a load moves the pointer (reload.py)."""
    sparql_backend: str | None = None
    """An external SPARQL endpoint (`ntp-kg serve --sparql-backend URL`) answering queries and
    descriptions instead of `sources` (remote.py): our graphs there, under <base>graph/."""
    backend_refresh: float = 60.0
    """Seconds between two readings of the backend's list of our graphs (0: only at start), so
    that what a later `ntp-kg publish` writes is served without a restart."""

    @property
    def copies_union(self) -> bool:
        """Whether the workers keep a copy of the union alone (`union_copy`; by default wherever
        they load the data into memory and read the union, and over a --store only when asked:
        there the workers share the store's pages, and the copy is each worker's own memory)."""
        if self.union_copy is not None:
            return self.union_copy
        return self.store is None and self.sparql_backend is None and self.union_default_graph

    def __post_init__(self) -> None:
        if self.sparql_backend is not None and (self.sources or self.store is not None):
            raise ValueError("give either --sparql-backend or data (--data, --store), not both")
        if self.store is not None and self.sources:
            raise ValueError("give either --store or data files (--data), not both")
        if not self.sources and self.store is None and self.sparql_backend is None:
            raise ValueError("nothing to serve: give at least one data file")
        if self.union_copy is True and self.sparql_backend is not None:
            raise ValueError("--union-copy is for our own workers, not for --sparql-backend (the backend runs the queries)")
        if self.union_copy is True and not self.union_default_graph:
            raise ValueError("--union-copy copies the union default graph: it cannot go with --no-union-default-graph")
        if not self.backend_refresh >= 0:  # also refuses NaN
            raise ValueError(f"--backend-refresh must be 0 or more seconds, not {self.backend_refresh}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"invalid port {self.port}")
        check_base(self.base)
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise ValueError(f"invalid public URL {self.public_url!r}: give http(s)://host[/path/]")

    @property
    def endpoint_url(self) -> str | None:
        if self.public_url is None:
            return None
        base = self.public_url if self.public_url.endswith("/") else self.public_url + "/"
        return urljoin(base, "sparql")
