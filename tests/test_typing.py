"""The package type-checks: mypy, with the settings of pyproject.toml's [tool.mypy], finds nothing.

Run here so that `make test` (and so CI) fails on a type error, as it does on a failing test.
mypy comes from the `test` extra (pinned to one minor release there, so a newer mypy's new
checks do not fail unchanged code); its cache goes to a temporary folder, not the checkout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_error(tmp_path: Path) -> None:
    config = CHECKOUT / "pyproject.toml"
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=False,  # the exit code is asserted below, with mypy's output
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"mypy exited {run.returncode}:\n{output}"
    assert output.startswith("Success: no issues found in "), output
