"""`ntp-kg publish` into a real Virtuoso Open Source 7 (conftest.py starts it on 127.0.0.1):
every graph is replaced through /sparql-graph-crud-auth (HTTP Digest), the counts are checked
through /sparql, a second publish leaves the same counts, and wrong credentials say so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox

from .conftest import PASSWORD, USER, Virtuoso

CLI = "from ntp_kg.cli import app; app()"


def publish(v: Virtuoso, dist: Path, *extra: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    args = ["publish", "--graph-store", v.graph_store, "--sparql", v.sparql, "--dist", str(dist), "--user", USER, "--auth", "digest", *extra]
    env = {**os.environ, "NTP_KG_GRAPH_STORE_PASSWORD": password}
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=300, env=env)


def built_counts(dist: Path) -> dict[str, int]:
    store = ox.Store()
    store.load(path=str(dist / "ntp-kg.nq"), format=ox.RdfFormat.N_QUADS)
    return {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs() if isinstance(g, ox.NamedNode)}


def virtuoso_counts(v: Virtuoso) -> dict[str, int]:
    """Triples per graph under https://w3id.org/ntp-kg/graph/, as Virtuoso's SPARQL endpoint counts them."""
    query = (Path(__file__).parent / "data" / "our-graph-sizes.rq").read_text(encoding="utf-8")
    r = httpx.post(v.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text
    return {b["g"]["value"]: int(b["n"]["value"]) for b in r.json()["results"]["bindings"]}


def test_publish_into_virtuoso_then_again_replaces(virtuoso: Virtuoso, dist: Path) -> None:
    expected = built_counts(dist)
    first = publish(virtuoso, dist)
    assert first.returncode == 0, first.stderr + virtuoso.log()[-2000:]
    assert [line for line in first.stdout.splitlines() if line.startswith("checked")] == [
        f"checked <{g}>: {n} triples in the store" for g, n in sorted(expected.items())
    ]
    # Virtuoso answers 201 Created for a new graph, 200 OK when it replaced one.
    assert [line.rsplit(" ", 1)[1] for line in first.stdout.splitlines() if line.startswith("PUT")] in (["201"] * 3, ["200"] * 3)
    assert virtuoso_counts(virtuoso) == expected
    second = publish(virtuoso, dist, "--format", "turtle")
    assert second.returncode == 0, second.stderr
    assert [line.rsplit(" ", 1)[1] for line in second.stdout.splitlines() if line.startswith("PUT")] == ["200"] * 3
    assert virtuoso_counts(virtuoso) == expected


def test_wrong_password_is_a_clear_error(virtuoso: Virtuoso, dist: Path) -> None:
    r = publish(virtuoso, dist, password="not-the-password")
    assert r.returncode == 2
    assert r.stderr.startswith(
        f"error: replacing graph <https://w3id.org/ntp-kg/graph/ontology>: PUT {virtuoso.graph_store}?graph=https%3A%2F%2Fw3id.org%2Fntp-kg%2Fgraph%2Fontology "
        "answered 401 Unauthorized; the store refused the credentials: check --user/--password (or --token) and the user's write permission"
    ), r.stderr


def test_basic_auth_where_virtuoso_wants_digest_names_the_option(virtuoso: Virtuoso, dist: Path) -> None:
    args = ["publish", "--graph-store", virtuoso.graph_store, "--sparql", virtuoso.sparql, "--dist", str(dist), "--user", USER, "--password", PASSWORD]
    r = subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    # Virtuoso answers Basic credentials with a 401 that names no scheme (no WWW-Authenticate).
    assert r.stderr.endswith(
        "answered 401 Unauthorized; the store refused the Basic credentials and named no scheme: check --user/--password, "
        "or try --auth digest (Virtuoso's /sparql-graph-crud-auth takes only digest); empty body\n"
    ), r.stderr
