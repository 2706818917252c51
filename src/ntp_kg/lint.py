"""Facts checked against their sources: the rule that every number is traceable.

Lint is the first gate of the build. It finds what a reviewer with the article open would
find: a quote that is not in the article, a figure that the quote does not state, a key that
points nowhere, and a number in the article that no fact accounts for (coverage).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .facts import (
    ChairStatement,
    DeadlineStatement,
    EventStatement,
    FactsDoc,
    Observation,
    ParticipantStatement,
    PostStatement,
    ProgrammeLaunchStatement,
    Seeds,
    Source,
)
from .numbers import Found, Mention, canonical, mentions, scan, spans_of


@dataclass(frozen=True)
class LintIssue:
    file: str
    line: int | None
    fact: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" fact '{self.fact}'" if self.fact else ""
        what = f" field '{self.field}'" if self.field else ""
        return f"{where}:{who}{what}: {self.message}" if who or what else f"{where}: {self.message}"


@dataclass(frozen=True)
class Coverage:
    source: str
    total: int
    by_fact: int
    waived: int
    uncovered: tuple[tuple[Mention, int, int], ...]  # mention, line, column (1-based)

    @property
    def percent(self) -> float:
        return 100.0 * (self.total - len(self.uncovered)) / self.total if self.total else 100.0


@dataclass
class LintReport:
    errors: list[LintIssue] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        lines = [str(e) for e in self.errors]
        for c in self.coverage:
            lines.append(
                f"coverage {c.source}: {c.total - len(c.uncovered)}/{c.total} numbers "
                f"({c.percent:.1f} %): {c.by_fact} used by facts, {c.waived} waived, {len(c.uncovered)} uncovered"
            )
        n = self.counts
        lines.append(
            f"{n['sources']} source(s), {n['observations']} observations, {n['statements']} statements, "
            f"{n['waivers']} waivers: {'OK' if self.ok else f'{len(self.errors)} error(s)'}"
        )
        return "\n".join(lines)


def _rel(path: Path, seeds: Seeds) -> str:
    try:
        return str(path.relative_to(seeds.root.parent))
    except ValueError:
        return str(path)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


@dataclass(frozen=True)
class _SourceNumbers:
    """The numbers of one source text, found once (every fact of the source asks)."""

    found: list[Found]  # in text order
    starts: list[int]  # their start offsets, for bisection
    exact: dict[int, tuple[int, str | None]]  # start -> (end, scale)


class _Checker:
    def __init__(self, seeds: Seeds, report: LintReport) -> None:
        self.seeds = seeds
        self.report = report
        self.ref = seeds.reference
        self._numbers: dict[str, _SourceNumbers] = {}
        self._names: dict[Path, str] = {}
        self._places_orgs: dict[str, object] = {**self.ref.areas, **self.ref.organisations}

    def source_numbers(self, src: Source) -> _SourceNumbers:
        hit = self._numbers.get(src.meta.id)
        if hit is None:
            found = scan(src.text)
            hit = _SourceNumbers(found, [f[0] for f in found], {f[0]: (f[1], f[4]) for f in found})
            self._numbers[src.meta.id] = hit
        return hit

    def rel(self, path: Path) -> str:
        """`_rel`, once per file: every finding names its file."""
        name = self._names.get(path)
        if name is None:
            name = self._names[path] = _rel(path, self.seeds)
        return name

    def error(self, file: str, line: int | None, fact: str | None, fld: str | None, msg: str) -> None:
        self.report.errors.append(LintIssue(file, line, fact, fld, msg))

    def ref_error(self, name: str, key: str | None, fld: str, msg: str) -> None:
        """An error in reference/<name>.yaml, at the line of the entry's field (or of the key)."""
        raw = self.seeds.reference_raw.get(name)
        rec = raw.get(key) if isinstance(raw, dict) and key is not None else None
        line = getattr(rec, "key_lines", {}).get(fld.split(".")[0]) or getattr(raw, "key_lines", {}).get(key or fld)
        self.error(_rel(self.seeds.reference_files[name], self.seeds), line, key, fld, msg)

    # -- reference data ----------------------------------------------------------------------
    def reference(self) -> None:
        r = self.ref
        checks: list[tuple[str, str, str | None, Mapping[str, object], str]] = []
        for k, a in r.areas.items():
            checks.append(("areas", k, a.part_of, r.areas, "part_of"))
            if a.type != "area-group" and not a.labels.vi:
                self.ref_error("areas", k, "labels.vi", "a place needs its Vietnamese name")
        for k, p in r.programmes.items():
            checks.append(("programmes", k, p.broader, r.programmes, "broader"))
            if not p.labels.vi:
                self.ref_error("programmes", k, "labels.vi", "a programme needs its Vietnamese name")
        for k, o in r.organisations.items():
            checks.append(("organisations", k, o.part_of, r.organisations, "part_of"))
            if not o.labels.vi:
                self.ref_error("organisations", k, "labels.vi", "an organisation needs its Vietnamese name")
        for k, pe in r.people.items():
            if not pe.labels.vi:
                self.ref_error("people", k, "labels.vi", "a person needs their Vietnamese name")
        for k, i in r.indicators.items():
            checks.append(("indicators", k, i.unit, r.units, "unit"))
            checks.append(("indicators", k, i.broader, r.indicators, "broader"))
        for file, key, target, table, fld in checks:
            if target is not None and target not in table:
                self.ref_error(file, key, fld, f"'{target}' is not defined")
        for scheme in ("status", "qualifier", "nature", "role", "attendance"):
            if scheme not in r.codes:
                self.ref_error("codes", None, scheme, "code list missing")

    # -- one facts file ----------------------------------------------------------------------
    def facts(self, doc: FactsDoc) -> None:
        file = self.rel(doc.path)
        ff = doc.facts
        src = self.seeds.sources.get(ff.source)
        if src is None:
            self.error(file, doc.line("source", 0) or 1, None, "source", f"no source '{ff.source}' in seeds/sources/")
            return
        ids = Counter([o.id for o in ff.observations] + [s.id for s in ff.statements])
        obs_ids = {o.id: o for o in ff.observations}
        where: dict[str, int] = {}  # quote -> offset of its first occurrence in the source, or -1
        for i, o in enumerate(ff.observations):
            if ids[o.id] > 1:
                self.error(file, doc.line("observations", i), o.id, "id", f"id used {ids[o.id]} times in this file")
            self._quote(file, doc, "observations", i, o.id, o.quote, src, where)
            self._value(file, doc, i, o, src, where[o.quote])
            self._keys_observation(file, doc, i, o, obs_ids)
        self._duplicates(file, doc)
        events = {st.event for st in ff.statements if isinstance(st, EventStatement)}
        posts: Counter[str] = Counter(st.post for st in ff.statements if isinstance(st, PostStatement))
        for i, s in enumerate(ff.statements):
            if ids[s.id] > 1:
                self.error(file, doc.line("statements", i), s.id, "id", f"id used {ids[s.id]} times in this file")
            self._quote(file, doc, "statements", i, s.id, s.quote, src, where)
            self._keys_statement(file, doc, i, s, events, posts)
        for i, w in enumerate(ff.waivers):
            self._quote(file, doc, "waivers", i, None, w.quote, src, where)
            if canonical_or_none(w.number) not in {f[3] for f in scan(w.quote)}:
                self.error(file, doc.line("waivers", i, "number"), None, "number", f"'{w.number}' is not a number in the quote")
        self.report.coverage.append(coverage(src, doc, self.source_numbers(src).found, where))
        self.report.counts["observations"] += len(ff.observations)
        self.report.counts["statements"] += len(ff.statements)
        self.report.counts["waivers"] += len(ff.waivers)

    def _quote(self, file: str, doc: FactsDoc, section: str, i: int, fid: str | None, quote: str, src: Source, where: dict[str, int]) -> None:
        """The quote must occur once. Records where it occurs first, for `_value` and coverage.

        `str.count` counts from the first occurrence on, without overlaps: it is at least 2
        exactly when the quote occurs again after the end of its first occurrence."""
        text = src.text
        pos = where[quote] = text.find(quote)
        if pos < 0:
            hint = _near_miss(quote, text)
            self.error(file, doc.line(section, i, "quote"), fid, "quote", f"not found verbatim in {self.rel(src.path)}{hint}")
        elif text.find(quote, pos + len(quote)) >= 0:
            n = text.count(quote)
            self.error(file, doc.line(section, i, "quote"), fid, "quote", f"occurs {n} times in {self.rel(src.path)}; lengthen it so it points at one place")

    def _value(self, file: str, doc: FactsDoc, i: int, o: Observation, src: Source, pos: int) -> None:
        want = canonical(o.value).lstrip("-")
        if pos >= 0:
            # The common case, first: the value is a number of the quote that the source text
            # reads the same way (same span, same scale word), so no number of the text overlaps
            # it otherwise (the text's numbers do not overlap each other) and it is not cut.
            exact = self.source_numbers(src).exact
            for start, end in spans_of(o.quote, want, o.scale, pos):
                if exact.get(start) == (end, o.scale):
                    return
        found = mentions(o.quote, max(pos, 0))
        # A quote that starts or ends inside a number, or between it and its scale word, does
        # not state that number: "419 مليار" cut from "2419 مليار" is not 419 billion.
        cut = {m: t for m in found for t in self._overlapping(src, m) if (t.start, t.end, t.scale) != (m.start, m.end, m.scale)} if pos >= 0 else {}
        if any(m.number == want and m.scale == o.scale and m not in cut for m in found):
            return

        def sc(m: Mention) -> str:
            return f" {m.scale}" if m.scale else ""

        seen = ", ".join(m.raw + sc(m) + (f" (cut from {cut[m].raw}{sc(cut[m])})" if m in cut else "") for m in found) or "no numbers"
        scale = f" followed by the scale word for {o.scale}" if o.scale else " with no scale word after it"
        self.error(file, doc.line("observations", i, "value"), o.id, "value", f"'{o.value}'{scale} is not in the quote (the quote has: {seen})")

    def _overlapping(self, src: Source, m: Mention) -> list[Mention]:
        """The numbers of the source text that overlap `m`, in text order. Numbers found in one
        text do not overlap each other, so they are those just before `m.end`, by start."""
        numbers = self.source_numbers(src)
        in_text = numbers.found
        j = bisect_left(numbers.starts, m.end) - 1
        out = []
        while j >= 0 and in_text[j][1] > m.start:
            out.append(Mention(*in_text[j]))
            j -= 1
        return out[::-1]

    def _undefined(self, file: str, doc: FactsDoc, section: str, i: int, fid: str, fld: str, key: str | None, table: Mapping[str, object], what: str) -> None:
        """A key that must name an entry of `table`; the line is looked up only for an error."""
        if key is not None and key not in table:
            self.error(file, doc.line(section, i, fld), fid, fld, f"{what} '{key}' is not defined in seeds/reference/")

    def _keys_observation(self, file: str, doc: FactsDoc, i: int, o: Observation, obs: dict[str, Observation]) -> None:
        r = self.ref

        def ln(f: str) -> int | None:
            return doc.line("observations", i, f)

        self._undefined(file, doc, "observations", i, o.id, "indicator", o.indicator, r.indicators, "indicator")
        self._undefined(file, doc, "observations", i, o.id, "unit", o.unit, r.units, "unit")
        self._undefined(file, doc, "observations", i, o.id, "area", o.area, r.areas, "area")
        self._undefined(file, doc, "observations", i, o.id, "programme", o.programme, r.programmes, "programme")
        ind = r.indicators.get(o.indicator)
        if ind is not None and o.unit in r.units and ind.unit != o.unit:
            self.error(file, ln("unit"), o.id, "unit", f"'{o.unit}' differs from the unit of indicator '{o.indicator}' ('{ind.unit}')")
        for fld in ("numerator", "denominator"):
            ref = getattr(o, fld)
            if ref is not None and ref not in obs:
                self.error(file, ln(fld), o.id, fld, f"no observation '{ref}' in this file")
        if (o.numerator is None) != (o.denominator is None):
            given = "numerator" if o.numerator is not None else "denominator"
            self.error(file, ln(given), o.id, given, "numerator and denominator go together")
        for ref in o.summands:
            if ref not in obs:
                self.error(file, ln("summands"), o.id, "summands", f"no observation '{ref}' in this file")

    def _duplicates(self, file: str, doc: FactsDoc) -> None:
        seen: dict[tuple[str, ...], str] = {}
        for i, o in enumerate(doc.facts.observations):
            dims = (o.indicator, o.period, o.area, o.programme, o.status)
            if dims in seen:
                self.error(file, doc.line("observations", i), o.id, "id", f"same indicator, period, area, programme and status as '{seen[dims]}' (a duplicate observation)")
            else:
                seen[dims] = o.id

    def _keys_statement(self, file: str, doc: FactsDoc, i: int, s: object, events: set[str], posts: Counter[str]) -> None:
        r = self.ref
        fid = getattr(s, "id")

        def ln(f: str) -> int | None:
            return doc.line("statements", i, f)

        def undefined(fld: str, key: str | None, table: Mapping[str, object], what: str) -> None:
            self._undefined(file, doc, "statements", i, fid, fld, key, table, what)

        if isinstance(s, EventStatement):
            undefined("location", s.location, r.areas, "area")
            undefined("organiser", s.organiser, r.organisations, "organisation")
            for p in s.about:
                undefined("about", p, r.programmes, "programme")
            if sum(1 for st in doc.facts.statements if isinstance(st, EventStatement) and st.event == s.event) > 1:
                self.error(file, ln("event"), fid, "event", f"event '{s.event}' is defined by more than one statement")
        elif isinstance(s, ChairStatement):
            if s.event not in events:
                self.error(file, ln("event"), fid, "event", f"no event statement defines '{s.event}'")
            undefined("person", s.person, r.people, "person")
        elif isinstance(s, PostStatement):
            undefined("organisation", s.organisation, r.organisations, "organisation")
            undefined("person", s.person, r.people, "person")
            undefined("role", s.role, r.codes.get("role", {}), "role")
            if posts[s.post] > 1:
                self.error(file, ln("post"), fid, "post", f"post '{s.post}' is defined by more than one statement")
        elif isinstance(s, ParticipantStatement):
            if s.event not in events:
                self.error(file, ln("event"), fid, "event", f"no event statement defines '{s.event}'")
            undefined("participant", s.participant, self._places_orgs, "area or organisation")
            undefined("role", s.role, r.codes.get("role", {}), "role")
        elif isinstance(s, ProgrammeLaunchStatement):
            undefined("programme", s.programme, r.programmes, "programme")
            prog = r.programmes.get(s.programme)
            if prog is not None and s.period is not None and prog.period != s.period:
                self.error(file, ln("period"), fid, "period", f"'{s.period}' differs from the period of programme '{s.programme}' in seeds/reference/programmes.yaml ('{prog.period}')")
        elif isinstance(s, DeadlineStatement):
            undefined("area", s.area, r.areas, "area")
            undefined("programme", s.programme, r.programmes, "programme")


@lru_cache(maxsize=4096)
def _canonical(number: str) -> str:
    """A number a fact claims, as coverage compares it: years and values recur across facts."""
    return canonical(number).lstrip("-")


def canonical_or_none(text: str) -> str | None:
    try:
        return canonical(text)
    except ValueError:
        return None


def _near_miss(quote: str, text: str) -> str:
    """Point at the first character where the longest matching prefix of the quote diverges."""
    lo, hi = 0, len(quote)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if quote[:mid] in text:
            lo = mid
        else:
            hi = mid - 1
    if lo < 8:
        return ""
    return f" (its first {lo} characters match; it differs at character {lo + 1}: {quote[lo:lo + 12]!r})"


def _within(found: Found, spans: dict[str, list[tuple[int, int]]]) -> bool:
    """Whether a quote that claims the number holds this mention of it."""
    start, end = found[0], found[1]
    for s, e in spans.get(found[3], ()):
        if s <= start and end <= e:
            return True
    return False


def coverage(src: Source, doc: FactsDoc, all_found: list[Found], where: dict[str, int] | None = None) -> Coverage:
    """Every number in the source must be accounted for by a fact or a waiver.

    Quotes are indexed by the numbers they claim, so each number of the text is compared with the
    few quotes that claim that number, not with every quote of the source. `where` holds the
    offsets of quotes already looked up (lint's quote check finds them all)."""
    text = src.text
    where = where or {}
    claims: dict[str, list[tuple[int, int]]] = {}
    ff = doc.facts
    for f in [*ff.observations, *ff.statements]:
        pos = where.get(f.quote)
        if pos is None:
            pos = text.find(f.quote)
        if pos >= 0:
            for num in {_canonical(n) for n in f.numbers()}:
                claims.setdefault(num, []).append((pos, pos + len(f.quote)))
    waived: dict[str, list[tuple[int, int]]] = {}
    for w in ff.waivers:
        pos = where.get(w.quote)
        if pos is None:
            pos = text.find(w.quote)
        if pos >= 0 and (n := canonical_or_none(w.number)) is not None:
            waived.setdefault(n, []).append((pos, pos + len(w.quote)))
    by_fact = n_waived = 0
    uncovered = []
    for found in all_found:
        if _within(found, claims):
            by_fact += 1
        elif _within(found, waived):
            n_waived += 1
        else:
            line, col = _line_col(text, found[0])
            uncovered.append((Mention(*found), line, col))
    return Coverage(src.meta.id, len(all_found), by_fact, n_waived, tuple(uncovered))


def lint(seeds: Seeds) -> LintReport:
    report = LintReport()
    checker = _Checker(seeds, report)
    report.counts["sources"] = len(seeds.sources)
    for sid, src in seeds.sources.items():
        meta_file = _rel(src.path.with_name(f"{sid}.meta.yaml"), seeds)
        key_lines = getattr(src.raw, "key_lines", {})
        if src.sha256 != src.meta.sha256:
            checker.error(meta_file, key_lines.get("sha256"), None, "sha256", f"the file {src.meta.file} has SHA-256 {src.sha256}, not {src.meta.sha256}: a source must stay unchanged")
        if src.meta.publisher not in seeds.reference.organisations:
            checker.error(meta_file, key_lines.get("publisher"), None, "publisher", f"organisation '{src.meta.publisher}' is not defined in seeds/reference/")
        if sid not in seeds.facts:
            checker.error(meta_file, key_lines.get("id"), None, "id", f"source '{sid}' has no facts file seeds/facts/{sid}.yaml")
    checker.reference()
    for doc in seeds.facts.values():
        checker.facts(doc)
    for c in report.coverage:
        for m, line, col in c.uncovered:
            src = seeds.sources[c.source]
            ctx = src.text[max(0, m.start - 25) : m.end + 25].replace("\n", " ")
            checker.error(checker.rel(src.path), line, None, None, f"column {col}: number '{m.raw}' is used by no fact and not waived (…{ctx}…)")
    return report
