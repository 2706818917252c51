"""Sources, reference data and coverage: one mutation each, the exact lint errors."""

from __future__ import annotations

import pytest

from ._seedtree import CLEAN_SHA, FACTS, META, SRC_ID, TEXT, Tree, issues

AREAS = "seeds/reference/areas.yaml"
PROGRAMMES = "seeds/reference/programmes.yaml"
ORGANISATIONS = "seeds/reference/organisations.yaml"
PEOPLE = "seeds/reference/people.yaml"
INDICATORS = "seeds/reference/indicators.yaml"
CODES = "seeds/reference/codes.yaml"


# --- sources ---------------------------------------------------------------------------------


def test_source_edited_by_one_byte_fails_sha256(tree: Tree) -> None:
    before = tree.path(TEXT).stat().st_size
    tree.replace(TEXT, "ديمو نيوز - في", "ديمو نيوز _ في")
    assert tree.path(TEXT).stat().st_size == before
    new = "9f4bc159b9dde3d692f55723fd4577817799d39022217f2185bce4be1654566c"
    assert tree.sha() == new
    assert issues(tree.lint()) == [
        (META, 4, None, "sha256",
         f"the file {SRC_ID}.ar.txt has SHA-256 {new}, not {CLEAN_SHA}: a source must stay unchanged"),
    ]


def test_source_without_facts_file(tree: Tree) -> None:
    tree.path(FACTS).unlink()
    report = tree.lint()
    assert issues(report) == [(META, 2, None, "id", f"source '{SRC_ID}' has no facts file seeds/facts/{SRC_ID}.yaml")]
    assert report.coverage == []
    assert report.text().splitlines() == [
        f"{META}:2: field 'id': source '{SRC_ID}' has no facts file seeds/facts/{SRC_ID}.yaml",
        "1 source(s), 0 observations, 0 statements, 0 waivers: 1 error(s)",
    ]


def test_facts_file_for_an_unknown_source(tree: Tree) -> None:
    tree.set_line(FACTS, 1, f"source: {SRC_ID}", "source: other-source")
    assert issues(tree.lint()) == [
        (META, 2, None, "id", f"source '{SRC_ID}' has no facts file seeds/facts/{SRC_ID}.yaml"),
        (FACTS, 1, None, "source", "no source 'other-source' in seeds/sources/"),
    ]


def test_publisher_undefined(tree: Tree) -> None:
    tree.set_line(META, 9, "publisher: demo-news", "publisher: ghost-news")
    assert issues(tree.lint()) == [
        (META, 9, None, "publisher", "organisation 'ghost-news' is not defined in seeds/reference/"),
    ]


# --- reference data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "line", "old", "key", "labels_line", "message"),
    [
        (AREAS, 5, '    vi: "Lào Cai"', "lao-cai", 3, "a place needs its Vietnamese name"),
        (PROGRAMMES, 4, '    vi: "Ba chương trình mục tiêu quốc gia giai đoạn 2021-2025"', "all-ntps", 2,
         "a programme needs its Vietnamese name"),
        (ORGANISATIONS, 20, '    vi: "Tin Demo"', "demo-news", 18, "an organisation needs its Vietnamese name"),
        (PEOPLE, 4, '    vi: "Hoàng Quốc Khánh"', "hoang-quoc-khanh", 2, "a person needs their Vietnamese name"),
    ],
)
def test_missing_vi_label(tree: Tree, file: str, line: int, old: str, key: str, labels_line: int, message: str) -> None:
    tree.delete_line(file, line, old)
    assert issues(tree.lint()) == [(file, labels_line, key, "labels.vi", message)]


def test_area_group_needs_no_vi_label(tree: Tree) -> None:
    assert tree.load().reference.areas["northern-mountains"].labels.vi is None
    assert issues(tree.lint()) == []


@pytest.mark.parametrize(
    ("file", "line", "old", "new", "key", "field", "message"),
    [
        (AREAS, 10, "  part_of: lao-cai", "  part_of: yen-bai", "bao-thang", "part_of", "'yen-bai' is not defined"),
        (ORGANISATIONS, 10, "  part_of: lao-cai-ppc", "  part_of: ghost-ppc", "lao-cai-ppc-office", "part_of",
         "'ghost-ppc' is not defined"),
        (PROGRAMMES, 15, "  broader: all-ntps", "  broader: all-programmes", "ntp-nrd", "broader",
         "'all-programmes' is not defined"),
        (INDICATORS, 25, "  broader: conferences", "  broader: documents", "leaflets", "broader",
         "'documents' is not defined"),
    ],
)
def test_undefined_part_of_or_broader(tree: Tree, file: str, line: int, old: str, new: str, key: str, field: str, message: str) -> None:
    tree.set_line(file, line, old, new)
    assert issues(tree.lint()) == [(file, line, key, field, message)]


def test_indicator_unit_undefined(tree: Tree) -> None:
    tree.set_line(INDICATORS, 24, "  unit: number", "  unit: sheets")
    assert issues(tree.lint()) == [
        (INDICATORS, 24, "leaflets", "unit", "'sheets' is not defined"),
        (FACTS, 51, "leaflets-2024", "unit", "'number' differs from the unit of indicator 'leaflets' ('sheets')"),
    ]


def test_code_list_missing(tree: Tree) -> None:
    text = tree.read(CODES)
    tree.write(CODES, text[: text.index("attendance:")])
    assert issues(tree.lint()) == [(CODES, None, None, "attendance", "code list missing")]


# --- coverage --------------------------------------------------------------------------------

NEW_LINE = "وتم بناء 56 طريقا.\n"
NEW_ERROR = "column 10: number '56' is used by no fact and not waived (…31 ديسمبر 2025. وتم بناء 56 طريقا. …)"


def test_new_uncovered_number_fails_coverage(tree: Tree) -> None:
    tree.write(TEXT, tree.read(TEXT) + NEW_LINE)
    assert tree.resha() == "7e81f0f5c56c46889d563f6c8d5f2bb0eba564addd73944eed7e5e83696764f7"
    report = tree.lint()
    assert issues(report) == [(TEXT, 6, None, None, NEW_ERROR)]
    [cov] = report.coverage
    assert [(m.raw, line, col) for m, line, col in cov.uncovered] == [("56", 6, 10)]
    assert report.text().splitlines() == [
        f"{TEXT}:6: {NEW_ERROR}",
        f"coverage {SRC_ID}: 17/18 numbers (94.4 %): 16 used by facts, 1 waived, 1 uncovered",
        "1 source(s), 6 observations, 6 statements, 1 waivers: 1 error(s)",
    ]


def test_waiver_covers_the_new_number_again(tree: Tree) -> None:
    tree.write(TEXT, tree.read(TEXT) + NEW_LINE)
    tree.resha()
    tree.insert_after(FACTS, 124, '  - quote: "وتم بناء 56 طريقا"\n    number: "56"\n    reason: "a test waiver"')
    report = tree.lint()
    assert issues(report) == []
    assert report.text().splitlines() == [
        f"coverage {SRC_ID}: 18/18 numbers (100.0 %): 16 used by facts, 2 waived, 0 uncovered",
        "1 source(s), 6 observations, 6 statements, 2 waivers: OK",
    ]


def test_uncovered_arabic_indic_number_is_named_as_written(tree: Tree) -> None:
    tree.write(TEXT, tree.read(TEXT) + "وبلغ عدد القرى ٣٤٥ قرية.\n")
    tree.resha()
    assert issues(tree.lint()) == [
        (TEXT, 6, None, None,
         "column 16: number '٣٤٥' is used by no fact and not waived (…مبر 2025. وبلغ عدد القرى ٣٤٥ قرية. …)"),
    ]


def test_number_in_a_quote_but_not_its_value_is_uncovered(tree: Tree) -> None:
    """The waiver's quote also holds 4٫5 but waives only 25: without its fact, 4٫5 is bare."""
    tree.set_line(FACTS, 122, '  - quote: "وفقا للقرار رقم 25"', '  - quote: "4٫5٪ وفقا للقرار رقم 25"')
    text = tree.read(FACTS)
    tree.write(FACTS, text[: text.index("  - id: poor-households-2024")] + text[text.index("\nstatements:") :])
    assert issues(tree.lint()) == [
        (TEXT, 4, None, None,
         "column 97: number '4٫5' is used by no fact and not waived (…وبلغت نسبة الأسر الفقيرة 4٫5٪ وفقا للقرار رقم 25. وأط…)"),
    ]


def test_period_and_date_numbers_cover_years_and_days(tree: Tree) -> None:
    """Without about_period, 2021 (in "2021-2025") is used by no fact; 2025 still is, by the date."""
    tree.delete_line(FACTS, 81, '    about_period: "2021-2025"')
    report = tree.lint()
    assert issues(report) == [
        (TEXT, 1, None, None,
         "column 100: number '2021' is used by no fact and not waived (…ج الأهداف الوطنية للفترة 2021-2025. ترأس المؤتمر نائب …)"),
    ]
