"""store.union_triples: the union's distinct triples, counted one predicate at a time, against
the set of triples and pyoxigraph's own DISTINCT over the union."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg.store import union_triples

DISTINCT = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"


def _quads(seed: int) -> list[ox.Quad]:
    """Few terms, many graphs: most triples are in several graphs, some also in the default one."""
    rng = random.Random(seed)
    nodes = [ox.NamedNode(f"urn:n{i}") for i in range(6)]
    objects = [*nodes, ox.Literal("1.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), ox.Literal("1.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), ox.Literal("x", language="vi"), ox.BlankNode("b")]
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph(), ox.BlankNode("g"), *(ox.NamedNode(f"urn:g{i}") for i in range(4))]
    return [ox.Quad(rng.choice(nodes), ox.NamedNode(f"urn:p{rng.randrange(4)}"), rng.choice(objects), rng.choice(graphs)) for _ in range(400)]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("on_disk", [False, True])
def test_union_triples_is_the_distinct_triples_of_every_graph(seed: int, on_disk: bool, tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "db")) if on_disk else ox.Store()
    store.extend(_quads(seed))
    triples = {(q.subject, q.predicate, q.object) for q in store}
    quads = len(store)
    distinct = int(next(iter(store.query(DISTINCT, use_default_graph_as_union=True)))["n"].value)  # type: ignore[index, union-attr]
    assert union_triples(store) == distinct == len(triples) < quads  # the same triple in several graphs counts once


def test_an_empty_store_holds_no_triple() -> None:
    assert union_triples(ox.Store()) == 0
