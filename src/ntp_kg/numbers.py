"""Numbers as they are written in the sources, found and normalised.

Arabic text mixes Western and Arabic-Indic digits, `,`/`٬` thousands separators, `.`/`٫`
decimal separators and scale words after the number ("2419 مليار" = 2 419 × 10^9). Lint reads
every number through this one module so "the value is readable in the quote" and "every number
of the source is covered" mean the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9"
_NUMBER_RE = re.compile(rf"(?<![{_DIGIT}])[{_DIGIT}]{{1,3}}(?:[,\u066c][{_DIGIT}]{{3}})+(?:[.\u066b][{_DIGIT}]+)?(?![{_DIGIT}])|(?<![{_DIGIT}])[{_DIGIT}]+(?:[.\u066b][{_DIGIT}]+)?(?![{_DIGIT}])")
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


def normalise(raw: str) -> str:
    s = raw.translate(_DIGITS).replace(",", "").replace("\u066c", "").replace("\u066b", ".")
    if "." in s:
        whole, frac = s.split(".", 1)
        return f"{int(whole)}.{frac}"
    return str(int(s))


def mentions(text: str, offset: int = 0) -> list[Mention]:
    out = []
    for m in _NUMBER_RE.finditer(text):
        sm = _SCALE_RE.match(text, m.end())
        out.append(
            Mention(
                start=offset + m.start(),
                end=offset + m.end(),
                raw=m.group(0),
                number=normalise(m.group(0)),
                scale=SCALE_WORDS[sm.group(1)] if sm else None,
            )
        )
    return out


def canonical(value: str) -> str:
    """A fact's value in the same normal form as `Mention.number` ("073.70" stays "73.70")."""
    neg = value.startswith("-")
    n = normalise(value.lstrip("-"))
    return f"-{n}" if neg else n
