"""benchmarks/corpus.py (the synthetic corpus generator) as a module for the tests that use it.

benchmarks/ is not a package; pytest puts tests/ on sys.path, so test packages import this."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def load_corpus_module() -> ModuleType:
    name = "ntp_kg_bench_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "corpus.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
