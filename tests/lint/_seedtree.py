"""The fixture seed tree, copied per test, and small editing helpers.

Every mutation test copies tests/lint/fixtures/seeds/ (which lints clean with 100 % coverage)
to tmp_path, changes one thing, and asserts the exact errors. Edits are by line so the line
numbers in the expected errors can be read off the fixture files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

from ntp_kg.facts import Seeds, load_seeds
from ntp_kg.lint import LintReport, lint

FIXTURE = Path(__file__).parent / "fixtures" / "seeds"

SRC_ID = "demo-2025-03-07-lao-cai"
FACTS = f"seeds/facts/{SRC_ID}.yaml"
META = f"seeds/sources/{SRC_ID}.meta.yaml"
TEXT = f"seeds/sources/{SRC_ID}.ar.txt"
CLEAN_SHA = "91c935a0bb77bb4be3dcb1a524dcb4c835cdde27875089418d12ccd099506aab"


class Tree:
    """A data root in tmp_path: seeds/ copied from the fixture, empty ontology/ shapes/ sparql/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(FIXTURE, root / "seeds")
        for d in ("ontology", "shapes", "sparql"):
            (root / d).mkdir()

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.path(rel).write_text(text, encoding="utf-8")

    def set_line(self, rel: str, lineno: int, old: str, new: str) -> None:
        """Replace line `lineno` (1-based), which must read `old`, by `new` (may hold several lines)."""
        lines = self.read(rel).split("\n")
        assert lines[lineno - 1] == old, f"{rel}:{lineno} is {lines[lineno - 1]!r}"
        lines[lineno - 1] = new
        self.write(rel, "\n".join(lines))

    def insert_after(self, rel: str, lineno: int, new: str) -> None:
        lines = self.read(rel).split("\n")
        lines[lineno:lineno] = new.split("\n")
        self.write(rel, "\n".join(lines))

    def delete_line(self, rel: str, lineno: int, old: str) -> None:
        lines = self.read(rel).split("\n")
        assert lines[lineno - 1] == old, f"{rel}:{lineno} is {lines[lineno - 1]!r}"
        del lines[lineno - 1]
        self.write(rel, "\n".join(lines))

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
        self.write(rel, text.replace(old, new))

    def sha(self, rel: str = TEXT) -> str:
        return hashlib.sha256(self.path(rel).read_bytes()).hexdigest()

    def resha(self) -> str:
        """Record the source text's new SHA-256 in its meta file (after an intended edit)."""
        new = self.sha()
        self.set_line(META, 4, f"sha256: {CLEAN_SHA}", f"sha256: {new}")
        return new

    def load(self) -> Seeds:
        return load_seeds(self.seeds_dir)

    def lint(self) -> LintReport:
        return lint(self.load())


def issues(report: LintReport) -> list[tuple[object, ...]]:
    """The report's errors as (file, line, fact, field, message) tuples."""
    return [dataclasses.astuple(e) for e in report.errors]
