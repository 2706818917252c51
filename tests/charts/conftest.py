"""Fixtures of the chart tests: the published dump loaded as a pyoxigraph store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg.store import load_dist


@pytest.fixture(scope="session")
def store(dist: Path) -> ox.Store:
    """What the server reads: dist/ntp-kg.nq of the session build (tests/conftest.py)."""
    return load_dist(dist)
