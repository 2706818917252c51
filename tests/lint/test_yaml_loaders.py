"""libyaml (the fast path of yamlio.load_yaml) reads every seed file as the pure-Python parser does:
same values, same types, same lines. Errors come from the pure-Python parser (test_load_errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ntp_kg import resources
from ntp_kg.yamlio import LineDict, _FastLoader, _Loader

SEED_FILES = sorted(resources.seeds_dir().rglob("*.yaml"))


def _assert_same(fast: Any, precise: Any, where: str) -> None:
    assert type(fast) is type(precise), where
    if isinstance(precise, LineDict):
        assert (fast.line, fast.key_lines, list(fast)) == (precise.line, precise.key_lines, list(precise)), where
        for k in precise:
            _assert_same(fast[k], precise[k], f"{where}.{k}")
    elif isinstance(precise, list):
        assert len(fast) == len(precise), where
        for i, (a, b) in enumerate(zip(fast, precise, strict=True)):
            _assert_same(a, b, f"{where}[{i}]")
    else:
        assert fast == precise, where


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_libyaml_reads_seed_files_like_the_python_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _assert_same(yaml.load(text, Loader=_FastLoader), yaml.load(text, Loader=_Loader), path.name)  # noqa: S506


def test_dates_stay_strings_and_duplicates_fail_in_both() -> None:
    for loader in (_FastLoader, _Loader):
        assert yaml.load("d: 2025-01-31\n", Loader=loader) == {"d": "2025-01-31"}  # noqa: S506
        with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'a'"):
            yaml.load("a: 1\na: 2\n", Loader=loader)  # noqa: S506
