"""The SPARQL 1.1 endpoint of ntp-kg (`ntp-kg serve`): read-only, no outbound requests,
queries in worker processes under time, memory, size and row limits.

    settings.py            Settings (frozen): what to serve, where, under which Limits
    limits.py              Limits
    sources.py             DataSource: an RDF file into a graph
    app.py                 create_app(engine, limits, ...): the router
    protocol.py            SPARQL 1.1 Protocol request parsing
    negotiation.py         Accept header negotiation
    formats.py             the result formats
    serialize.py           result writers (run in the workers)
    guard.py               refuse updates, SERVICE and deep nesting; tell the query form
    engine.py              WorkerPool: worker processes, deadlines, bounded queue
    worker.py              the worker process
    service_description.py the sd: description, from templates/service-description.ttl
    page.py                the query page, from templates/page.html and static/
    linked.py              Describer: minted IRIs <-> paths, descriptions (templates/*.rq)
    resource_page.py       the HTML page of a resource; Accept-Language
    start_page.py          the start page `/` (figures, places, programmes, charts)
    dumps.py               dist/ files as downloads: ETag, Last-Modified, 304
    reload.py              StoreEngine: `serve --store`, switching to each new store version
    serve.py               serve(settings): workers + uvicorn
"""

from .limits import Limits
from .settings import Settings
from .sources import DataSource

__all__ = ["DataSource", "Limits", "Settings"]
