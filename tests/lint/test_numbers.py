"""numbers.mentions / normalise / canonical: how lint reads a number as written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ntp_kg.numbers import Mention, canonical, mentions, normalise, scan, spans_of

from ._seedtree import FIXTURE, SRC_ID


def found(text: str) -> list[tuple[int, int, str, str, str | None]]:
    return [(m.start, m.end, m.raw, m.number, m.scale) for m in mentions(text)]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("2419", "2419"),
        ("1,782", "1782"),
        ("1٬782", "1782"),
        ("1,782,000", "1782000"),
        ("73.7", "73.7"),
        ("4٫5", "4.5"),
        ("١٢٣", "123"),
        ("۱۲۳", "123"),
        ("١٬٢٣٤٫٥", "1234.5"),
        ("007", "7"),
        ("073.70", "73.70"),
        ("0.5", "0.5"),
    ],
)
def test_normalise(raw: str, number: str) -> None:
    assert normalise(raw) == number


@pytest.mark.parametrize(
    ("value", "number"),
    [("2419", "2419"), ("-5", "-5"), ("-0.25", "-0.25"), ("١٢٣", "123"), ("1,782", "1782"), ("073.70", "73.70")],
)
def test_canonical(value: str, number: str) -> None:
    assert canonical(value) == number


def test_canonical_refuses_what_is_no_number() -> None:
    with pytest.raises(ValueError):
        canonical("twenty")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("بلغ 2419 مليار دونج", [(4, 8, "2419", "2419", "billion")]),
        ("أكثر من 427 ألف شخص", [(8, 11, "427", "427", "thousand")]),
        ("نحو 47.29 مليون دونج", [(4, 9, "47.29", "47.29", "million")]),
        ("2 مليارات", [(0, 1, "2", "2", "billion")]),  # the word is matched as a prefix
        ("13 ألفاً", [(0, 2, "13", "13", "thousand")]),
        ("5ألف", [(0, 1, "5", "5", "thousand")]),  # no space needed
        ("427 شخص ألف", [(0, 3, "427", "427", None)]),  # the word must follow the number
        ("في 1,782 مؤتمرا", [(3, 8, "1,782", "1782", None)]),
        ("في ١٬٧٨٢ مؤتمرا", [(3, 8, "١٬٧٨٢", "1782", None)]),
        ("بنسبة 73.7%", [(6, 10, "73.7", "73.7", None)]),
        ("بنسبة ٧٣٫٧٪", [(6, 10, "٧٣٫٧", "73.7", None)]),
        ("توزيع ١٢٣ منشورا", [(6, 9, "١٢٣", "123", None)]),
        ("في عام 2024.", [(7, 11, "2024", "2024", None)]),  # a full stop is no decimal point
        ("84/126 بلدية", [(0, 2, "84", "84", None), (3, 6, "126", "126", None)]),
        ("للفترة 2021-2025", [(7, 11, "2021", "2021", None), (12, 16, "2025", "2025", None)]),
        ("12,34", [(0, 2, "12", "12", None), (3, 5, "34", "34", None)]),  # not a thousands group
        ("1,2345", [(0, 1, "1", "1", None), (2, 6, "2345", "2345", None)]),
        ("بلا أرقام", []),
    ],
)
def test_mentions(text: str, expected: list[tuple[int, int, str, str, str | None]]) -> None:
    got = mentions(text)
    assert [(m.start, m.end, m.raw, m.number, m.scale) for m in got] == expected
    assert all(text[m.start : m.end] == m.raw for m in got)


def test_offset_shifts_positions() -> None:
    assert mentions("2419 مليار", offset=100) == [Mention(100, 104, "2419", "2419", "billion")]


def test_mention_value_applies_the_scale() -> None:
    [billion] = mentions("2419 مليار")
    [thousand] = mentions("427 ألف")
    [plain] = mentions("73.7%")
    assert (billion.value(), thousand.value(), plain.value()) == (Decimal("2419000000000"), Decimal("427000"), Decimal("73.7"))


def test_every_mention_of_the_fixture_source_is_at_its_offsets() -> None:
    text = (FIXTURE / "sources" / f"{SRC_ID}.ar.txt").read_text(encoding="utf-8")
    got = mentions(text)
    assert all(text[m.start : m.end] == m.raw for m in got)
    assert [(m.raw, m.number, m.scale) for m in got] == [
        ("7", "7", None),
        ("2025", "2025", None),
        ("2021", "2021", None),
        ("2025", "2025", None),
        ("2024", "2024", None),
        ("2419", "2419", "billion"),
        ("73.7", "73.7", None),
        ("427", "427", "thousand"),
        ("1,782", "1782", None),
        ("١٢٣", "123", None),
        ("4٫5", "4.5", None),
        ("25", "25", None),
        ("2025", "2025", None),
        ("2026", "2026", None),
        ("2030", "2030", None),
        ("31", "31", None),
        ("2025", "2025", None),
    ]


SCAN_TEXTS = [
    "بلغ رأس المال المصروف 2419 مليار دونج، أي بنسبة 73.7%",
    "في ١٬٧٨٢ مؤتمرا و427 ألف شخص و5ألف و5 آلاف و2,5 و12,34 و1,2345 و٣٫٥ مليون",
    "للفترة 2021-2025 من 84/126 بلدية",
    "بلا أرقام",
]


@pytest.mark.parametrize("text", SCAN_TEXTS)
def test_scan_is_mentions_as_tuples(text: str) -> None:
    """lint reads numbers through `scan` (tuples) and `spans_of`; they must agree with `mentions`."""
    assert scan(text, 7) == [(m.start, m.end, m.raw, m.number, m.scale) for m in mentions(text, 7)]


@pytest.mark.parametrize("text", SCAN_TEXTS)
def test_spans_of_filters_mentions_by_number_and_scale(text: str) -> None:
    for number in ["2419", "73.7", "1782", "427", "5", "3.5", "2021", "126", "0"]:
        for scale in [None, "thousand", "million", "billion"]:
            expected = [(m.start, m.end) for m in mentions(text, 3) if (m.number, m.scale) == (number, scale)]
            assert list(spans_of(text, number, scale, 3)) == expected, (number, scale)


def test_normalise_still_refuses_what_is_not_a_number_after_caching() -> None:
    assert normalise("١٢٣") == normalise("١٢٣") == "123"
    for _ in range(2):
        with pytest.raises(ValueError):
            normalise("x")


def test_number_pattern_matches_its_plain_definition() -> None:
    """numbers._NUMBER_RE opens with a digit for speed; it must find exactly what the plain
    definition (lookbehind first, two alternatives) finds, on random strings of digits (Western,
    Arabic-Indic, Persian), separators and other characters (fixed seed)."""
    import random
    import re

    from ntp_kg.numbers import _NUMBER_RE

    d = "[0-9\u0660-\u0669\u06f0-\u06f9]"
    plain = re.compile(rf"(?<!{d}){d}{{1,3}}(?:[,\u066c]{d}{{3}})+(?:[.\u066b]{d}+)?(?!{d})|(?<!{d}){d}+(?:[.\u066b]{d}+)?(?!{d})")
    rng = random.Random(5)
    alphabet = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹,٬.٫ aب"
    for _ in range(30000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert [m.span() for m in _NUMBER_RE.finditer(text)] == [m.span() for m in plain.finditer(text)], text
