"""pytest fixtures of the lint tests: `tree`, a fresh copy of fixtures/seeds/ in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._seedtree import Tree


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)
