"""Run the endpoint: start the workers, then uvicorn (h11), on one event loop.

uvicorn runs with the h11 HTTP parser: Java clients send `Upgrade: h2c` with a POST and the
httptools parser then drops the body (uvicorn issue 2722). The workers start (and load the
data) before the server listens, so a file that does not load stops `ntp-kg serve` with a
clear message, and /health is true from the first request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.logging import DefaultFormatter

from .. import resources
from ..errors import NtpKgError
from .app import create_app
from . import remote
from .dumps import Dumps
from .engine import WorkerPool
from .linked import Describer
from .reload import StoreEngine, open_store
from .settings import Settings
from .worker import WorkerConfig

log = logging.getLogger("ntp_kg.server")


class _Server(uvicorn.Server):
    """uvicorn's server, but a SIGINT/SIGTERM ends `serve()` without re-raising the signal,
    so the workers are stopped and the command exits 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def published_context() -> dict[str, Any]:
    """The project's JSON-LD @context (prefixes for every RDF output), or none outside a checkout."""
    try:
        return dict(resources.context())
    except (NtpKgError, OSError, ValueError, KeyError):
        return {}


def build(settings: Settings) -> tuple[WorkerPool | StoreEngine | remote.RemoteEngine, uvicorn.Config]:
    context = published_context()
    config = WorkerConfig(settings.sources, settings.union_default_graph, settings.limits.memory_limit, context, union_copy=settings.copies_union)
    catalogue = [p for p in ([settings.dist / "catalog.ttl"] if settings.dist is not None else []) if p.is_file()]
    pool: WorkerPool | StoreEngine | remote.RemoteEngine
    describer: Describer
    if settings.store is not None:  # an on-disk store folder, switched when `ntp-kg load` moves its pointer
        pool, describer = open_store(settings.store, config, settings.limits, settings.base, catalogue)
    elif settings.sparql_backend is not None:  # an external SPARQL store (remote.py): our graphs there
        pool, describer = remote.open_backend(
            settings.sparql_backend, settings.base, settings.limits, context, settings.union_default_graph, catalogue, settings.backend_refresh
        )
    else:
        pool = WorkerPool(config, settings.limits)
        describer = Describer.load(settings.sources, settings.base, catalogue)
    dumps = Dumps(settings.dist) if settings.dist is not None else None
    app = create_app(pool, settings.limits, endpoint_url=settings.endpoint_url, context=context, describer=describer, dumps=dumps)
    uv = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http="h11",
        loop="none",  # serve() runs the loop
        lifespan="off",
        log_level=settings.log_level,
        server_header=False,
        # A GET query of max_query_length characters, percent-encoded, must fit in the request line.
        h11_max_incomplete_event_size=max(64 * 1024, 3 * settings.limits.max_query_length + 16 * 1024),
        timeout_keep_alive=5,
    )
    return pool, uv


def _log_as_uvicorn(level: str) -> None:
    """Our own messages (a version switched, the pages drawn, the backend's graphs re-read) on
    stderr at --log-level, formatted as uvicorn's. Without a handler only warnings got out,
    through logging's last resort, bare; info was lost."""
    logger = logging.getLogger("ntp_kg")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s", use_colors=False))
        logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


def serve(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM. Raises NtpKgError when the data cannot be loaded."""
    _log_as_uvicorn(settings.log_level)
    pool, config = build(settings)
    app = config.app
    assert isinstance(app, Starlette)
    server = _Server(config)

    async def main() -> None:
        await pool.start()
        info = pool.info
        triples = sum(n for _, n in info.graphs) + (0 if info.union_default_graph else info.default_graph_triples or 0)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(
            f"serving {len(info.graphs)} named graphs ({triples} triples) with {settings.limits.workers} workers "
            + ("(each with a copy of the union alone) " if settings.copies_union else "")
            + f"at http://{host}:{settings.port}/sparql" + ("" if info.network_isolated or isinstance(pool, remote.RemoteEngine) else " (workers NOT network-isolated)")
            + (f" from store {pool.root} version {pool.version.id}" if isinstance(pool, StoreEngine) else "")
            + (f" over the SPARQL backend {pool.backend.url}" if isinstance(pool, remote.RemoteEngine) else ""),
            flush=True,
        )
        keep_warm = app.state.keep_warm if settings.warm_up else None
        warming = asyncio.create_task(keep_warm()) if keep_warm is not None else None
        try:
            await server.serve()
        finally:
            if warming is not None:
                warming.cancel()
            await pool.close()

    asyncio.run(main())
