"""One mutation of the clean fixture per test; the exact lint errors it must produce.

Line numbers refer to tests/lint/fixtures/seeds/facts/demo-2025-03-07-lao-cai.yaml.
"""

from __future__ import annotations

import pytest

from ._seedtree import FACTS, TEXT, Tree, issues

CHAIR_QUOTE = '    quote: "ترأس المؤتمر نائب رئيس اللجنة الشعبية الإقليمية الدائم هوانغ كوك خانه"'


def _uncovered(line: int, col: int, raw: str, ctx: str) -> tuple[object, ...]:
    return (TEXT, line, None, None, f"column {col}: number '{raw}' is used by no fact and not waived (…{ctx}…)")


UNCOVERED_2419 = _uncovered(3, 36, "2419", "4، بلغ رأس المال المصروف 2419 مليار دونج، أي بنسبة 73.")
UNCOVERED_25 = _uncovered(4, 118, "25", "يرة 4٫5٪ وفقا للقرار رقم 25. وأطلقت الحكومة برنامجا ")


# --- quotes ----------------------------------------------------------------------------------


def test_quote_not_verbatim_gets_near_miss_hint(tree: Tree) -> None:
    tree.set_line(FACTS, 84, CHAIR_QUOTE, CHAIR_QUOTE.replace("هوانغ", "هوانج"))
    assert issues(tree.lint()) == [
        (FACTS, 84, "conference-chair", "quote",
         f"not found verbatim in {TEXT} (its first 59 characters match; it differs at character 60: 'ج كوك خانه')"),
    ]


def test_quote_not_verbatim_without_hint_when_little_matches(tree: Tree) -> None:
    tree.set_line(FACTS, 100, '    quote: "وقدمت منطقة باو ثانغ تقريرا"', '    quote: "غير موجود أبدا"')
    assert issues(tree.lint()) == [(FACTS, 100, "bao-thang-report", "quote", f"not found verbatim in {TEXT}")]


def test_quote_occurring_twice(tree: Tree) -> None:
    tree.set_line(FACTS, 84, CHAIR_QUOTE, '    quote: "مؤتمرا"')
    assert issues(tree.lint()) == [
        (FACTS, 84, "conference-chair", "quote", f"occurs 2 times in {TEXT}; lengthen it so it points at one place"),
    ]


def test_quote_lost_leaves_its_numbers_uncovered(tree: Tree) -> None:
    tree.set_line(FACTS, 38, '    quote: "1,782 مؤتمرا دعائيا"', '    quote: "1782 مؤتمرا دعائيا"')
    report = tree.lint()
    assert issues(report) == [
        (FACTS, 38, "conferences-2024", "quote", f"not found verbatim in {TEXT}"),
        _uncovered(4, 29, "1,782", "ك أكثر من 427 ألف شخص في 1,782 مؤتمرا دعائيا، وتم توزيع"),
    ]
    assert report.coverage[0].percent == pytest.approx(100 * 16 / 17)


# --- values and scale ------------------------------------------------------------------------


def test_value_not_in_quote(tree: Tree) -> None:
    tree.set_line(FACTS, 7, '    value: "2419"', '    value: "2418"')
    assert issues(tree.lint()) == [
        (FACTS, 7, "disbursed-2024", "value",
         "'2418' followed by the scale word for billion is not in the quote (the quote has: 2024, 2419 billion)"),
        UNCOVERED_2419,
    ]


def test_value_with_wrong_scale(tree: Tree) -> None:
    tree.set_line(FACTS, 8, "    scale: billion", "    scale: million")
    assert issues(tree.lint()) == [
        (FACTS, 7, "disbursed-2024", "value",
         "'2419' followed by the scale word for million is not in the quote (the quote has: 2024, 2419 billion)"),
    ]


def test_scale_word_missing_from_quote(tree: Tree) -> None:
    tree.insert_after(FACTS, 40, "    scale: thousand")
    assert issues(tree.lint()) == [
        (FACTS, 40, "conferences-2024", "value",
         "'1782' followed by the scale word for thousand is not in the quote (the quote has: 1,782)"),
    ]


def test_scale_omitted_although_quote_has_scale_word(tree: Tree) -> None:
    tree.delete_line(FACTS, 29, "    scale: thousand")
    assert issues(tree.lint()) == [
        (FACTS, 28, "participants-2024", "value",
         "'427' with no scale word after it is not in the quote (the quote has: 427 thousand)"),
    ]


def test_value_may_be_written_with_arabic_indic_digits(tree: Tree) -> None:
    tree.set_line(FACTS, 50, '    value: "123"', '    value: "١٢٣"')
    assert issues(tree.lint()) == []


def test_value_cut_from_a_longer_number_is_not_in_the_quote(tree: Tree) -> None:
    """A quote that starts inside "2419" must not make "419" a value the source states."""
    tree.insert_after(FACTS, 66, "\n".join([
        "  - id: disbursed-2023",
        '    quote: "419 مليار دونج،"',
        "    indicator: disbursed-capital",
        '    value: "419"',
        "    scale: billion",
        "    unit: vnd",
        "    nature: level",
        "    status: actual",
        '    period: "2023"',
        "    area: lao-cai",
        "    programme: all-ntps",
    ]))
    assert issues(tree.lint()) == [
        (FACTS, 70, "disbursed-2023", "value",
         "'419' followed by the scale word for billion is not in the quote "
         "(the quote has: 419 billion (cut from 2419 billion))"),
    ]


def test_quote_ending_before_the_scale_word_does_not_hide_it(tree: Tree) -> None:
    """The source says "2419 مليار": a quote that stops at "2419" must not yield 2419 dong."""
    tree.set_line(FACTS, 5, '    quote: "في عام 2024، بلغ رأس المال المصروف 2419 مليار دونج"',
                  '    quote: "في عام 2024، بلغ رأس المال المصروف 2419"')
    tree.delete_line(FACTS, 8, "    scale: billion")
    assert issues(tree.lint()) == [
        (FACTS, 7, "disbursed-2024", "value",
         "'2419' with no scale word after it is not in the quote (the quote has: 2024, 2419 (cut from 2419 billion))"),
    ]


# --- keys into reference/ --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "old", "new", "fact", "field", "message"),
    [
        (6, "    indicator: disbursed-capital", "    indicator: no-such-indicator", "disbursed-2024", "indicator",
         "indicator 'no-such-indicator' is not defined in seeds/reference/"),
        (9, "    unit: vnd", "    unit: dong", "disbursed-2024", "unit", "unit 'dong' is not defined in seeds/reference/"),
        (13, "    area: lao-cai", "    area: ha-noi", "disbursed-2024", "area", "area 'ha-noi' is not defined in seeds/reference/"),
        (14, "    programme: all-ntps", "    programme: ntp-xyz", "disbursed-2024", "programme",
         "programme 'ntp-xyz' is not defined in seeds/reference/"),
        (77, "    location: lao-cai", "    location: ha-noi", "conference", "location", "area 'ha-noi' is not defined in seeds/reference/"),
        (78, "    organiser: lao-cai-ppc", "    organiser: ha-noi-ppc", "conference", "organiser",
         "organisation 'ha-noi-ppc' is not defined in seeds/reference/"),
        (80, "    about: [all-ntps]", "    about: [all-ntps, ntp-xyz]", "conference", "about",
         "programme 'ntp-xyz' is not defined in seeds/reference/"),
        (86, "    person: hoang-quoc-khanh", "    person: nguyen-van-a", "conference-chair", "person",
         "person 'nguyen-van-a' is not defined in seeds/reference/"),
        (95, "    organisation: lao-cai-ppc", "    organisation: ha-noi-ppc", "ppc-standing-vice-chair", "organisation",
         "organisation 'ha-noi-ppc' is not defined in seeds/reference/"),
        (96, "    role: standing-vice-chair", "    role: secretary", "ppc-standing-vice-chair", "role",
         "role 'secretary' is not defined in seeds/reference/"),
        (97, "    person: hoang-quoc-khanh", "    person: nguyen-van-a", "ppc-standing-vice-chair", "person",
         "person 'nguyen-van-a' is not defined in seeds/reference/"),
        (102, "    participant: bao-thang", "    participant: sa-pa", "bao-thang-report", "participant",
         "area or organisation 'sa-pa' is not defined in seeds/reference/"),
        (103, "    role: reporter", "    role: speaker", "bao-thang-report", "role",
         "role 'speaker' is not defined in seeds/reference/"),
        (107, "    programme: ntp-new", "    programme: ntp-2026", "new-programme-launch", "programme",
         "programme 'ntp-2026' is not defined in seeds/reference/"),
        (118, "    area: lao-cai", "    area: ha-noi", "plan-deadline", "area", "area 'ha-noi' is not defined in seeds/reference/"),
        (119, "    programme: all-ntps", "    programme: ntp-xyz", "plan-deadline", "programme",
         "programme 'ntp-xyz' is not defined in seeds/reference/"),
    ],
)
def test_undefined_key(tree: Tree, line: int, old: str, new: str, fact: str, field: str, message: str) -> None:
    tree.set_line(FACTS, line, old, new)
    assert issues(tree.lint()) == [(FACTS, line, fact, field, message)]


def test_participant_may_be_an_organisation(tree: Tree) -> None:
    tree.set_line(FACTS, 102, "    participant: bao-thang", "    participant: lao-cai-ppc-office")
    assert issues(tree.lint()) == []


def test_unit_differs_from_indicator_unit(tree: Tree) -> None:
    tree.set_line(FACTS, 9, "    unit: vnd", "    unit: percent")
    assert issues(tree.lint()) == [
        (FACTS, 9, "disbursed-2024", "unit", "'percent' differs from the unit of indicator 'disbursed-capital' ('vnd')"),
    ]


# --- ids and dimensions ----------------------------------------------------------------------


def test_duplicate_fact_id_is_reported_at_each_use(tree: Tree) -> None:
    tree.set_line(FACTS, 82, "  - id: conference-chair", "  - id: leaflets-2024")
    assert issues(tree.lint()) == [
        (FACTS, 47, "leaflets-2024", "id", "id used 2 times in this file"),
        (FACTS, 82, "leaflets-2024", "id", "id used 2 times in this file"),
    ]


def test_duplicate_observation_same_five_dimensions(tree: Tree) -> None:
    tree.set_line(FACTS, 49, "    indicator: leaflets", "    indicator: conferences")
    assert issues(tree.lint()) == [
        (FACTS, 47, "leaflets-2024", "id",
         "same indicator, period, area, programme and status as 'conferences-2024' (a duplicate observation)"),
    ]


@pytest.mark.parametrize(
    ("line", "old", "new"),
    [
        (54, '    period: "2024"', '    period: "2023"'),
        (55, "    area: lao-cai", "    area: bao-thang"),
        (56, "    programme: all-ntps", "    programme: ntp-nrd"),
        (53, "    status: actual", "    status: estimate"),
    ],
)
def test_one_different_dimension_is_no_duplicate(tree: Tree, line: int, old: str, new: str) -> None:
    tree.set_line(FACTS, 49, "    indicator: leaflets", "    indicator: conferences")
    tree.set_line(FACTS, line, old, new)
    assert issues(tree.lint()) == []


# --- numerator, denominator, summands --------------------------------------------------------


def test_numerator_and_denominator_pointing_at_observations_are_fine(tree: Tree) -> None:
    tree.insert_after(FACTS, 24, "    numerator: disbursed-2024\n    denominator: participants-2024")
    assert issues(tree.lint()) == []


def test_numerator_without_denominator(tree: Tree) -> None:
    tree.insert_after(FACTS, 24, "    numerator: disbursed-2024")
    assert issues(tree.lint()) == [
        (FACTS, 25, "disbursement-rate-2024", "numerator", "numerator and denominator go together"),
    ]


def test_denominator_without_numerator(tree: Tree) -> None:
    tree.insert_after(FACTS, 24, "    denominator: disbursed-2024")
    assert issues(tree.lint()) == [
        (FACTS, 25, "disbursement-rate-2024", "denominator", "numerator and denominator go together"),
    ]


def test_numerator_naming_a_missing_observation(tree: Tree) -> None:
    tree.insert_after(FACTS, 24, "    numerator: disbursed-2025\n    denominator: disbursed-2024")
    assert issues(tree.lint()) == [
        (FACTS, 25, "disbursement-rate-2024", "numerator", "no observation 'disbursed-2025' in this file"),
    ]


def test_denominator_naming_a_missing_observation(tree: Tree) -> None:
    tree.insert_after(FACTS, 24, "    numerator: disbursed-2024\n    denominator: planned-2024")
    assert issues(tree.lint()) == [
        (FACTS, 26, "disbursement-rate-2024", "denominator", "no observation 'planned-2024' in this file"),
    ]


def test_numerator_naming_a_statement_is_not_an_observation(tree: Tree) -> None:
    tree.insert_after(FACTS, 24, "    numerator: conference\n    denominator: disbursed-2024")
    assert issues(tree.lint()) == [
        (FACTS, 25, "disbursement-rate-2024", "numerator", "no observation 'conference' in this file"),
    ]


def test_summand_naming_a_missing_observation(tree: Tree) -> None:
    tree.insert_after(FACTS, 46, "    summands: [leaflets-2024, posters-2024]")
    assert issues(tree.lint()) == [
        (FACTS, 47, "conferences-2024", "summands", "no observation 'posters-2024' in this file"),
    ]


# --- statements: events and posts -------------------------------------------------------------


@pytest.mark.parametrize(("line", "fact"), [(85, "conference-chair"), (101, "bao-thang-report")])
def test_statement_naming_an_undefined_event(tree: Tree, line: int, fact: str) -> None:
    tree.set_line(FACTS, line, "    event: lao-cai-ntp-conference-2025", "    event: other-event")
    assert issues(tree.lint()) == [(FACTS, line, fact, "event", "no event statement defines 'other-event'")]


def test_event_defined_twice(tree: Tree) -> None:
    tree.insert_after(FACTS, 119, "\n".join([
        "  - id: conference-again",
        "    kind: event",
        '    quote: "عقدت مقاطعة لاو كاي مؤتمرا"',
        "    event: lao-cai-ntp-conference-2025",
        '    label: {en: "The conference again", ar: "المؤتمر"}',
        '    date: "2025-03-07"',
        "    location: lao-cai",
        "    organiser: lao-cai-ppc",
        "    attendance: mixed",
    ]))
    msg = "event 'lao-cai-ntp-conference-2025' is defined by more than one statement"
    assert issues(tree.lint()) == [
        (FACTS, 72, "conference", "event", msg),
        (FACTS, 123, "conference-again", "event", msg),
    ]


def test_post_defined_twice(tree: Tree) -> None:
    tree.insert_after(FACTS, 119, "\n".join([
        "  - id: ppc-post-again",
        "    kind: post",
        '    quote: "الإقليمية الدائم هوانغ"',
        "    post: lao-cai-ppc-standing-vice-chair",
        '    label: {en: "Post again", ar: "منصب", vi: "Chức vụ"}',
        "    organisation: lao-cai-ppc",
        "    role: standing-vice-chair",
    ]))
    msg = "post 'lao-cai-ppc-standing-vice-chair' is defined by more than one statement"
    assert issues(tree.lint()) == [
        (FACTS, 90, "ppc-standing-vice-chair", "post", msg),
        (FACTS, 123, "ppc-post-again", "post", msg),
    ]


# --- waivers ---------------------------------------------------------------------------------


def test_waiver_number_not_in_its_quote(tree: Tree) -> None:
    tree.set_line(FACTS, 123, '    number: "25"', '    number: "26"')
    assert issues(tree.lint()) == [
        (FACTS, 123, None, "number", "'26' is not a number in the quote"),
        UNCOVERED_25,
    ]


def test_waiver_number_that_is_no_number(tree: Tree) -> None:
    tree.set_line(FACTS, 123, '    number: "25"', '    number: "twenty-five"')
    assert issues(tree.lint()) == [
        (FACTS, 123, None, "number", "'twenty-five' is not a number in the quote"),
        UNCOVERED_25,
    ]


def test_waiver_quote_not_verbatim(tree: Tree) -> None:
    tree.set_line(FACTS, 122, '  - quote: "وفقا للقرار رقم 25"', '  - quote: "وفقا للقرار رقم 52"')
    assert issues(tree.lint()) == [
        (FACTS, 122, None, "quote",
         f"not found verbatim in {TEXT} (its first 16 characters match; it differs at character 17: '52')"),
        (FACTS, 123, None, "number", "'25' is not a number in the quote"),
        UNCOVERED_25,
    ]


def test_waiver_number_may_be_written_with_separators(tree: Tree) -> None:
    """A waiver's number is normalised like a value: "1,782" names the mention 1,782."""
    tree.insert_after(FACTS, 124, "\n".join([
        '  - quote: "في 1,782 مؤتمرا"',
        '    number: "1,782"',
        '    reason: "waived twice over: also a fact"',
    ]))
    report = tree.lint()
    assert issues(report) == []
    # a number both a fact and a waiver account for counts as the fact's
    assert (report.coverage[0].by_fact, report.coverage[0].waived) == (16, 1)
