"""Fixtures of the gate tests: the synthetic corpus generator (benchmarks/corpus.py) and a small
generated corpus with violations planted in its seeds and in its mapped graph."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from rdflib import Dataset

from ntp_kg.facts import load_seeds
from ntp_kg.iris import DEFAULT_BASE
from ntp_kg.lint import LintReport, lint
from ntp_kg.mapper import map_seeds

REPO = Path(__file__).resolve().parents[2]


def load_corpus_module() -> ModuleType:
    name = "ntp_kg_bench_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "corpus.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


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
    seeds = load_seeds(root / "seeds")
    return lint(seeds), map_seeds(seeds, sorted((root / "ontology").glob("*.ttl")), DEFAULT_BASE)


@pytest.fixture(scope="session")
def planted(corpus: Any, tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """120 observations in 3 sources, violations of every planted kind (fixed seeds)."""
    root = tmp_path_factory.mktemp("planted") / "root"
    info = corpus.generate(root, 120, seed=7, per_source=40, plant=corpus.Plant(0.15, 0.4, 0.15, 0.6, 0.6))
    report, ds = build_dataset(root)
    in_graph = corpus.plant_graph(ds, rate=0.08, seed=7)
    return Planted(root, report, ds, info.planted, in_graph)
