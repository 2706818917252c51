"""HTTP content negotiation (RFC 9110 §12.5.1): pick the offer the client rates highest.

For each offer the most specific matching media range decides its quality
(`text/turtle;q=0, */*` refuses Turtle but accepts the rest); q=0 means "not acceptable", and
an offer refused by name is not let in again through one of its aliases.
Ties go to the offer named explicitly over one matched by a wildcard, then to an offer's main
media type over an alias, then to the server's order. A missing or empty Accept is `*/*`;
unparsable entries are skipped (and a header with none left counts as `*/*`).

(python-mimeparse's best_match was considered: it does not tell "matched by a wildcard" from
"named", has no aliases, and breaks ties by list position only.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))


def _parse_q(value: str) -> float | None:
    try:
        q = float(value.strip())
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None


def parse_accept(header: str | None) -> list[MediaRange]:
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        pieces = part.split(";")
        mt = pieces[0].strip().lower()
        if mt == "*":  # Java's default "*; q=.2"
            mt = "*/*"
        t, slash, s = mt.partition("/")
        if not slash or not t or not s or (t == "*" and s != "*"):
            continue
        q: float | None = 1.0
        for p in pieces[1:]:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                q = _parse_q(value)
                break  # parameters after q are accept-extensions
        if q is not None:
            ranges.append(MediaRange(t, s, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def quality(media_type: str, ranges: Sequence[MediaRange]) -> tuple[float, int] | None:
    """(q, specificity) of the most specific ranges matching `media_type`, or None."""
    best: tuple[float, int] | None = None
    for r in ranges:
        if r.matches(media_type):
            cand = (r.q, r.specificity)
            if best is None or cand[1] > best[1] or (cand[1] == best[1] and cand[0] > best[0]):
                best = cand
    return best


def negotiate(offers: Sequence[tuple[T, Sequence[str]]], accept: str | None) -> T | None:
    """The offer (value, its media types: main first, then aliases) the client rates highest."""
    ranges = parse_accept(accept)
    best: tuple[tuple[float, int, int, int], T] | None = None
    for index, (value, media_types) in enumerate(offers):
        rated = [(quality(mt.lower(), ranges), rank) for rank, mt in enumerate(media_types)]
        if any(qs is not None and qs[0] <= 0.0 and qs[1] == 2 for qs, _ in rated):
            continue  # refused by name (q=0), whatever a wildcard says of its aliases
        for qs, alias_rank in rated:
            if qs is None or qs[0] <= 0.0:
                continue
            key = (qs[0], qs[1], -min(alias_rank, 1), -index)
            if best is None or key > best[0]:
                best = (key, value)
    return None if best is None else best[1]
