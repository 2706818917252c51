"""The fixture seed tree is clean: this is the baseline every mutation test departs from."""

from __future__ import annotations

import hashlib

from ntp_kg.lint import LintIssue

from ._seedtree import CLEAN_SHA, FIXTURE, SRC_ID, Tree, issues


def test_fixture_lints_clean_with_full_coverage(tree: Tree) -> None:
    report = tree.lint()
    assert issues(report) == []
    assert report.ok is True
    [cov] = report.coverage
    assert (cov.source, cov.total, cov.by_fact, cov.waived, cov.uncovered) == (SRC_ID, 17, 16, 1, ())
    assert cov.percent == 100.0


def test_report_text_of_clean_tree(tree: Tree) -> None:
    assert tree.lint().text().splitlines() == [
        f"coverage {SRC_ID}: 17/17 numbers (100.0 %): 16 used by facts, 1 waived, 0 uncovered",
        "1 source(s), 6 observations, 6 statements, 1 waivers: OK",
    ]


def test_fixture_sha256_is_recorded() -> None:
    data = (FIXTURE / "sources" / f"{SRC_ID}.ar.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == CLEAN_SHA


def test_seeds_are_typed(tree: Tree) -> None:
    seeds = tree.load()
    src = seeds.sources[SRC_ID]
    assert src.meta.publisher == "demo-news"
    assert src.sha256 == CLEAN_SHA
    ff = seeds.facts[SRC_ID].facts
    assert [o.id for o in ff.observations] == [
        "disbursed-2024",
        "disbursement-rate-2024",
        "participants-2024",
        "conferences-2024",
        "leaflets-2024",
        "poor-households-2024",
    ]
    assert [s.kind for s in ff.statements] == ["event", "chair", "post", "participant", "programme-launch", "deadline"]
    assert ff.observations[0].qualifier == "exact"  # the default
    assert ff.observations[2].qualifier == "more-than"
    assert seeds.reference.people["hoang-quoc-khanh"].labels.ar == ["هوانغ كوك خانه", "هوانج كوك خانه"]
    assert seeds.reference.areas["bao-thang"].labels.ar == ["باو ثانغ"]  # one spelling -> a list


def test_issue_str_forms() -> None:
    assert str(LintIssue("seeds/facts/x.yaml", 7, "a-b", "value", "bad")) == "seeds/facts/x.yaml:7: fact 'a-b' field 'value': bad"
    assert str(LintIssue("seeds/facts/x.yaml", None, None, "sha256", "bad")) == "seeds/facts/x.yaml: field 'sha256': bad"
    assert str(LintIssue("seeds/sources/x.ar.txt", 3, None, None, "column 4: bad")) == "seeds/sources/x.ar.txt:3: column 4: bad"
