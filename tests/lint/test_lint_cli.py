"""`ntp-kg lint`: exit 0 and the summary on stdout when clean, 1 and errors on stderr, 2 on load errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ntp_kg import resources
from ntp_kg.cli import app

from ._seedtree import FACTS, SRC_ID, TEXT, Tree

CLEAN_OUT = (
    f"coverage {SRC_ID}: 17/17 numbers (100.0 %): 16 used by facts, 1 waived, 0 uncovered\n"
    "1 source(s), 6 observations, 6 statements, 1 waivers: OK\n"
)


@pytest.fixture
def cli_tree(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tree]:
    """The fixture tree as NTP_KG_ROOT, with data_root()'s cache cleared before and after."""
    monkeypatch.setenv("NTP_KG_ROOT", str(tree.root))
    resources.data_root.cache_clear()
    yield tree
    resources.data_root.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_clean_tree_exits_0_with_summary_on_stdout(cli_tree: Tree) -> None:
    assert run("lint") == (0, CLEAN_OUT, "")


def test_lint_error_exits_1_with_errors_on_stderr(cli_tree: Tree) -> None:
    cli_tree.set_line(FACTS, 9, "    unit: vnd", "    unit: percent")
    assert run("lint") == (
        1,
        "",
        f"{FACTS}:9: fact 'disbursed-2024' field 'unit': 'percent' differs from the unit of indicator 'disbursed-capital' ('vnd')\n"
        f"coverage {SRC_ID}: 17/17 numbers (100.0 %): 16 used by facts, 1 waived, 0 uncovered\n"
        "1 source(s), 6 observations, 6 statements, 1 waivers: 1 error(s)\n",
    )


def test_uncovered_number_exits_1(cli_tree: Tree) -> None:
    cli_tree.write(TEXT, cli_tree.read(TEXT) + "وتم بناء 56 طريقا.\n")
    cli_tree.resha()
    code, out, err = run("lint")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        f"{TEXT}:6: column 10: number '56' is used by no fact and not waived (…31 ديسمبر 2025. وتم بناء 56 طريقا. …)"
    )


def test_load_error_exits_2(cli_tree: Tree) -> None:
    cli_tree.insert_after(FACTS, 9, "    unit: percent")
    assert run("lint") == (2, "", f"error: {FACTS}:10: invalid YAML: duplicate key 'unit' (first at line 9)\n")


def test_field_error_exits_2(cli_tree: Tree) -> None:
    cli_tree.insert_after(FACTS, 14, "    colour: red")
    assert run("lint") == (
        2,
        "",
        f"error: {FACTS}:15: fact 'disbursed-2024' field 'observations.0.colour': Extra inputs are not permitted\n",
    )


def test_data_root_without_its_folders_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "seeds").mkdir()
    monkeypatch.setenv("NTP_KG_ROOT", str(tmp_path))
    resources.data_root.cache_clear()
    try:
        assert run("lint") == (
            2,
            "",
            f"error: data root {tmp_path} lacks ontology, shapes, sparql/ (NTP_KG_ROOT points elsewhere)\n",
        )
    finally:
        resources.data_root.cache_clear()


def test_installed_command_in_a_subprocess(tree: Tree) -> None:
    """The real process: exit codes and streams as a shell (or make lint) sees them."""
    env = {**os.environ, "NTP_KG_ROOT": str(tree.root)}
    ok = subprocess.run([sys.executable, "-m", "ntp_kg", "lint"], env=env, capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, CLEAN_OUT, "")
    tree.set_line(FACTS, 12, '    period: "2024"', '    period: "2025-02-30"')
    bad = subprocess.run([sys.executable, "-m", "ntp_kg", "lint"], env=env, capture_output=True, text=True, check=False)
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        2,
        "",
        f"error: {FACTS}:12: fact 'disbursed-2024' field 'observations.0.period': Value error, '2025-02-30' is not a calendar date\n",
    )
