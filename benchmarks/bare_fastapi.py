"""The "bare FastAPI + pyoxigraph" baseline of issue 5: the least an endpoint can do.

Synchronous routes (FastAPI runs them in its thread pool) that read the query from a GET
parameter or a POST body (application/sparql-query), run `Store.query` on an in-memory
store with the union default graph, and return the result as SPARQL JSON (or N-Triples for a
graph). No limits, no isolation, no content negotiation, no guard: what our endpoint's extra work
is measured against. Served by benchmarks/endpoint_bench.py as

    .venv-bench/bin/python -m uvicorn bare_fastapi:app --app-dir benchmarks --http h11 --loop asyncio --host 127.0.0.1 --port P

with `BARE_FASTAPI_DATA=FILE.nq` (loaded once per process at import) and `--loop asyncio`: h11 and
the asyncio loop, the web stack of `ntp-kg serve`.
"""

from __future__ import annotations

import os
from typing import Annotated

import pyoxigraph as ox
from fastapi import Body, FastAPI, Response

DATA = os.environ.get("BARE_FASTAPI_DATA")
if not DATA or not os.path.isfile(DATA):
    raise SystemExit(f"BARE_FASTAPI_DATA must name the N-Quads file to serve (got {DATA!r})")

store = ox.Store()
store.bulk_load(path=DATA, format=ox.RdfFormat.N_QUADS)
app = FastAPI()


def answer(query: str) -> Response:
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as e:
        return Response(str(e), status_code=400, media_type="text/plain")
    if isinstance(result, ox.QueryTriples):
        return Response(result.serialize(format=ox.RdfFormat.N_TRIPLES), media_type="application/n-triples")
    return Response(result.serialize(format=ox.QueryResultsFormat.JSON), media_type="application/sparql-results+json")


@app.get("/sparql")
def get(query: str) -> Response:
    return answer(query)


@app.post("/sparql")
def post(query: Annotated[bytes, Body(media_type="application/sparql-query")]) -> Response:
    # A bytes body parameter: FastAPI hands over the raw body of a non-JSON request.
    return answer(query.decode("utf-8"))
