"""Fixtures of the catalogue tests: the catalogue of the session build (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from ntp_kg import catalog
from ntp_kg.pipeline import BuildResult


@pytest.fixture(scope="session")
def dumps(dist: Path) -> list[catalog.DumpFile]:
    return catalog.dump_files_in(dist)


@pytest.fixture(scope="session")
def catalog_graph(built: BuildResult, dumps: list[catalog.DumpFile]) -> Graph:
    return catalog.catalog_graph(built.dataset, dumps)


@pytest.fixture(scope="session")
def catalog_turtle(catalog_graph: Graph) -> bytes:
    """The catalogue as the server sends it at /catalog with Content-Type text/turtle."""
    return catalog.serialize(catalog_graph, "turtle")
