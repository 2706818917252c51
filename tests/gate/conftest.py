"""Fixtures of the gate tests: the synthetic corpus generator (benchmarks/corpus.py) and a small
generated corpus with violations planted in its seeds and in its mapped graph."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pyoxigraph as ox
import pytest
from bench_corpus import load_corpus_module
from rdflib import Dataset, Graph

from ntp_kg import rdfio
from ntp_kg.facts import load_seeds
from ntp_kg.iris import DEFAULT_BASE
from ntp_kg.lint import LintReport, lint
from ntp_kg.mapper import map_seeds
from ntp_kg.validate import ValidationReport, union_graph, validate
from tests.shapes.conftest import load_valid_dataset

REPO = Path(__file__).resolve().parents[2]




@pytest.fixture(scope="session")
def corpus() -> ModuleType:
    return load_corpus_module()


@dataclass
class Planted:
    root: Path
    lint: LintReport
    dataset: Dataset
    in_seeds: dict[str, int]
    in_graph: dict[str, int]


def build_dataset(root: Path) -> tuple[LintReport, Dataset]:
    """A corpus mapped as the build maps it, as an rdflib Dataset (what `validate.validate`, the
    oracle, and `corpus.plant_graph` take)."""
    seeds = load_seeds(root / "seeds")
    return lint(seeds), rdfio.to_rdflib_dataset(map_seeds(seeds, sorted((root / "ontology").glob("*.ttl")), DEFAULT_BASE).sort())


def union_triples(data: Graph | Dataset) -> list[ox.Triple]:
    """The data as the build hands it to `gate.validate_triples`: the union of its graphs as sorted,
    de-duplicated pyoxigraph triples. Asserts that they are the same data as the rdflib triples (no
    plain/^^xsd:string twins or upper-case language tags, which pyoxigraph merges or rewrites), so
    that the two ways into the gate are compared on equal terms."""
    if isinstance(data, Dataset):
        triples = rdfio.quads_and_triples(data)[1]
        rd = {t for t, _c in data.store.triples((None, None, None), context=None)}
    else:
        triples = rdfio.triples(ox.Quad(rdfio.to_ox(s), rdfio.to_ox(p), rdfio.to_ox(o)) for s, p, o in data)
        rd = set(data)
    assert set(rdfio.to_rdflib_graph(triples)) == rd, "the test data changes on its way to pyoxigraph"
    return triples


@pytest.fixture(scope="session")
def planted(corpus: Any, tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """120 observations in 3 sources, violations of every planted kind (fixed seeds)."""
    root = tmp_path_factory.mktemp("planted") / "root"
    info = corpus.generate(root, 120, seed=7, per_source=40, plant=corpus.Plant(0.15, 0.4, 0.15, 0.6, 0.6))
    report, ds = build_dataset(root)
    in_graph = corpus.plant_graph(ds, rate=0.08, seed=7)
    return Planted(root, report, ds, info.planted, in_graph)


@pytest.fixture(scope="session")
def planted_reference(planted: Planted) -> ValidationReport:
    """pySHACL's report on the planted corpus (the oracle; slow, so computed once)."""
    return validate(planted.dataset)


@pytest.fixture(scope="session")
def valid_union() -> Graph:
    """The shape-test fixture's union graph (tests copy it before mutating it)."""
    return union_graph(load_valid_dataset())
