"""Numbers as they are written in the sources, found and normalised.

Arabic text mixes Western and Arabic-Indic digits, `,`/`٬` thousands separators, `.`/`٫`
decimal separators and scale words after the number ("2419 مليار" = 2 419 × 10^9). Lint reads
every number through this one module so "the value is readable in the quote" and "every number
of the source is covered" mean the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9"
_D = f"[{_DIGIT}]"
# A number not preceded by a digit: 1-3 digits and ","/"٬" groups of 3, or any digits; then an
# optional decimal part; not followed by a digit. Written to open with a digit (the test "not
# preceded by a digit" comes after it, over two characters), so that `re` skips ahead to the next
# digit in C instead of trying the pattern at every character: the same matches, 6x faster on
# the sources.
_NUMBER_RE = re.compile(
    rf"{_D}(?<!{_D}{_D})(?:{_D}{{0,2}}(?:[,\u066c]{_D}{{3}})+(?:[.\u066b]{_D}+)?(?!{_D})|{_D}*(?:[.\u066b]{_D}+)?(?!{_D}))"
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Scale words that follow a number.
SCALE_WORDS: dict[str, str] = {"ألف": "thousand", "مليون": "million", "مليار": "billion"}
_SCALE_RE = re.compile(r"\s*(ألف|مليون|مليار)")


@dataclass(frozen=True)
class Mention:
    start: int  # code point offset, inclusive
    end: int  # exclusive
    raw: str
    number: str  # normalised: Western digits, no thousands separators, '.' decimal
    scale: str | None  # thousand | million | billion, when a scale word follows

    def value(self) -> Decimal:
        from .facts import SCALE_FACTORS

        return Decimal(self.number) * (SCALE_FACTORS[self.scale] if self.scale else 1)


# The same few thousand numbers recur across sources (years, counts): normalised once each.
_NORMALISED: dict[str, str] = {}
_NORMALISED_MAX = 1 << 16


def normalise(raw: str) -> str:
    try:
        return _NORMALISED[raw]
    except KeyError:
        pass
    s = raw.translate(_DIGITS).replace(",", "").replace("\u066c", "").replace("\u066b", ".")
    if "." in s:
        whole, frac = s.split(".", 1)
        out = f"{int(whole)}.{frac}"
    else:
        out = str(int(s))
    if len(_NORMALISED) < _NORMALISED_MAX:
        _NORMALISED[raw] = out
    return out


# A mention as a plain tuple (start, end, raw, number, scale): lint scans every quote and every
# source, and builds `Mention` objects only for what it reports.
Found = tuple[int, int, str, str, str | None]


def scan(text: str, offset: int = 0) -> list[Found]:
    """The fields of `mentions(text, offset)`, without making a `Mention` of each."""
    out = []
    scale_at = _SCALE_RE.match
    for m in _NUMBER_RE.finditer(text):
        raw = m.group(0)
        end = m.end()
        sm = scale_at(text, end)
        out.append((offset + m.start(), offset + end, raw, normalise(raw), SCALE_WORDS[sm.group(1)] if sm else None))
    return out


def spans_of(text: str, number: str, scale: str | None, offset: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) of each mention of `text` that reads `number` with `scale`: `scan` filtered,
    looking for a scale word only after the numbers that match."""
    scale_at = _SCALE_RE.match
    for m in _NUMBER_RE.finditer(text):
        if normalise(m.group(0)) == number:
            end = m.end()
            sm = scale_at(text, end)
            if (SCALE_WORDS[sm.group(1)] if sm else None) == scale:
                yield offset + m.start(), offset + end


def mentions(text: str, offset: int = 0) -> list[Mention]:
    return [Mention(*found) for found in scan(text, offset)]


def canonical(value: str) -> str:
    """A fact's value in the same normal form as `Mention.number` ("073.70" stays "73.70")."""
    neg = value.startswith("-")
    n = normalise(value.lstrip("-"))
    return f"-{n}" if neg else n
