"""The seeds as typed records: sources, the facts read from them, and reference data.

Reading seeds is the only place YAML meets the pipeline; everything downstream works on these
frozen models. Field rules mirror seeds/README.md; a rule broken here is reported with the file,
line and field, before anything is mapped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import SeedError
from .yamlio import key_lines, line_of, load_yaml, parse_yaml, read_yaml_text

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
PERIOD = r"^([0-9]{4}|[0-9]{4}-[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})$"
NUMBER = r"^-?\d+(\.\d+)?$"

Scale = Literal["thousand", "million", "billion"]
SCALE_FACTORS: dict[str, int] = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
Qualifier = Literal["exact", "approximately", "more-than", "at-least", "or-more"]
Nature = Literal["level", "change", "share", "count", "cumulative-total"]
Status = Literal["actual", "estimate", "target", "plan"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Strict):
    """en and ar always; vi where the thing has a Vietnamese name. ar may list spellings."""

    en: str = Field(min_length=1)
    ar: list[str] = Field(min_length=1)
    vi: str | None = None

    @field_validator("ar", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


Key = Annotated[str, Field(pattern=SLUG)]


@lru_cache(maxsize=4096)
def _check_period(v: str | None) -> str | None:
    """The pattern admits "2025-02-30" and "2025-2021"; the calendar does not. (Cached: a corpus
    has few periods and every observation has one.)"""
    if v is None:
        return v
    parts = v.split("-")
    if len(parts) == 3:
        try:
            date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"'{v}' is not a calendar date") from None
    elif len(parts) == 2 and parts[0] and int(parts[0]) > int(parts[1]):
        raise ValueError(f"the range '{v}' ends before it starts")
    return v


Period = Annotated[str, Field(pattern=PERIOD), AfterValidator(_check_period)]


# --- facts ---------------------------------------------------------------------------------


class _Fact(_Strict):
    id: Key
    quote: str = Field(min_length=1)
    note: str | None = None

    def numbers(self) -> set[str]:
        """Numbers of the source this fact accounts for (coverage): overridden per kind."""
        return set()


@lru_cache(maxsize=4096)
def _period_numbers(period: str | None) -> frozenset[str]:
    """Lint asks for every fact; the periods of a corpus are few."""
    if not period:
        return frozenset()
    return frozenset(str(int(p)) for p in re.split(r"-", period) if p)


def _date_numbers(d: date | None) -> set[str]:
    return {str(d.year), str(d.day)} if d else set()


class Observation(_Fact):
    indicator: Key
    value: str = Field(pattern=NUMBER)
    scale: Scale | None = None
    unit: Key
    qualifier: Qualifier = "exact"
    nature: Nature
    status: Status
    period: Period
    area: Key
    programme: Key
    reading: str | None = None
    numerator: Key | None = None
    denominator: Key | None = None
    summands: list[Key] = Field(default_factory=list)

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return v
        return str(v) if isinstance(v, (int, float)) else v

    def numbers(self) -> set[str]:
        return {self.value} | _period_numbers(self.period)


class EventStatement(_Fact):
    kind: Literal["event"]
    event: Key
    label: Labels
    date: date
    location: Key
    organiser: Key
    attendance: Literal["online", "offline", "mixed"]
    levels: int | None = None
    about: list[Key] = Field(default_factory=list)
    about_period: Period | None = None

    def numbers(self) -> set[str]:
        extra = {str(self.levels)} if self.levels is not None else set()
        return _date_numbers(self.date) | _period_numbers(self.about_period) | extra


class ChairStatement(_Fact):
    kind: Literal["chair"]
    event: Key
    person: Key


class PostStatement(_Fact):
    kind: Literal["post"]
    post: Key
    label: Labels
    organisation: Key
    role: Key
    person: Key | None = None


class ParticipantStatement(_Fact):
    kind: Literal["participant"]
    event: Key
    participant: Key
    role: Key = "reporter"


class ProgrammeLaunchStatement(_Fact):
    kind: Literal["programme-launch"]
    programme: Key
    year: int
    period: str | None = Field(default=None, pattern=r"^([0-9]{4})?-[0-9]{4}$")

    def numbers(self) -> set[str]:
        return {str(self.year)} | _period_numbers(self.period)


class DeadlineStatement(_Fact):
    kind: Literal["deadline"]
    task: Key
    label: Labels
    due: date
    area: Key
    programme: Key | None = None

    def numbers(self) -> set[str]:
        return _date_numbers(self.due)


Statement = Annotated[
    Union[
        EventStatement,
        ChairStatement,
        PostStatement,
        ParticipantStatement,
        ProgrammeLaunchStatement,
        DeadlineStatement,
    ],
    Field(discriminator="kind"),
]


class Waiver(_Strict):
    quote: str = Field(min_length=1)
    number: str
    reason: str = Field(min_length=3)


class FactsFile(_Strict):
    source: Key
    observations: list[Observation] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)


# --- sources -------------------------------------------------------------------------------


class Translation(_Strict):
    language: str
    url: str | None = None


class SourceMeta(_Strict):
    id: Key
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    title: Labels
    publisher: Key
    url: str
    date: date
    language: str
    translation_of: Translation | None = None
    note: str | None = None


# --- reference data ------------------------------------------------------------------------


class _Ref(_Strict):
    labels: Labels
    note: str | None = None


class Area(_Ref):
    type: Literal["province", "district", "town", "area-group"]
    part_of: Key | None = None
    definition: dict[str, str] | None = None


class Programme(_Ref):
    period: str | None = Field(default=None, pattern=r"^([0-9]{4})?-[0-9]{4}$|^[0-9]{4}$")
    broader: Key | None = None
    status: Literal["running", "new"] | None = None
    definition: dict[str, str] | None = None


class Organisation(_Ref):
    type: Literal["government", "party", "ministry", "committee", "council", "publisher", "agency"]
    part_of: Key | None = None
    homepage: str | None = None


class Person(_Ref):
    pass


class Indicator(_Ref):
    definition: dict[str, str]
    unit: Key
    broader: Key | None = None


class Unit(_Ref):
    symbol: str
    ucum: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Code(_Ref):
    definition: dict[str, str] | None = None


class Reference(_Strict):
    areas: dict[str, Area]
    programmes: dict[str, Programme]
    organisations: dict[str, Organisation]
    people: dict[str, Person]
    indicators: dict[str, Indicator]
    units: dict[str, Unit]
    codes: dict[str, dict[str, Code]]


# --- loading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    meta: SourceMeta
    path: Path
    text: str
    sha256: str
    raw: Any = None  # the loaded meta YAML, for line numbers


@dataclass(frozen=True)
class FactsDoc:
    path: Path
    facts: FactsFile
    text: str = field(repr=False)  # the file as read, for `raw`
    name: str = ""  # the file as messages name it

    @cached_property
    def raw(self) -> Any:
        """The loaded YAML, for line numbers. Parsed again from the text when first asked: most
        files need no line (lint found nothing), and a tree per file kept for the whole build
        was a third of the objects that the garbage collector walks, again and again."""
        return parse_yaml(self.text, self.name or str(self.path))

    def line(self, section: str, index: int, fieldname: str | None = None) -> int | None:
        keys: tuple[str | int, ...] = (section, index, fieldname) if fieldname else (section, index)
        return line_of(self.raw, *keys)


@dataclass(frozen=True)
class Seeds:
    root: Path
    sources: dict[str, Source]
    facts: dict[str, FactsDoc]
    reference: Reference
    reference_files: dict[str, Path] = field(default_factory=dict)
    reference_raw: dict[str, Any] = field(default_factory=dict)  # the loaded YAML, for line numbers


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


_KIND_TAGS = {"event", "chair", "post", "participant", "programme-launch", "deadline"}


def _parse(model: type[BaseModel], raw: Any, path: Path, root: Path) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if len(loc) > 2 and loc[0] == "statements" and loc[2] in _KIND_TAGS:
            del loc[2]  # the union's tag, not a field (though "event" and "post" are also fields)
        line = line_of(raw, *loc)
        where = ".".join(str(p) for p in loc)
        fact_id = _fact_id(raw, loc)
        who = f"fact '{fact_id}' " if fact_id else ""
        what = f"{who}field '{where}': " if where else ""
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise SeedError(_rel(path, root), f"{what}{err['msg']}{more}", line) from exc


def _fact_id(raw: Any, loc: list[Any]) -> str | None:
    if len(loc) >= 2 and isinstance(raw, dict):
        try:
            item = raw[loc[0]][loc[1]]
            return str(item.get("id")) if isinstance(item, dict) and item.get("id") else None
        except (KeyError, IndexError, TypeError):
            return None
    return None


def load_source(meta_path: Path, root: Path) -> Source:
    raw = load_yaml(meta_path, _rel(meta_path, root))
    meta: SourceMeta = _parse(SourceMeta, raw, meta_path, root)
    text_path = meta_path.parent / meta.file
    try:
        data = text_path.read_bytes()
    except OSError as exc:
        raise SeedError(_rel(meta_path, root), f"field 'file': cannot read {meta.file}: {exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedError(_rel(text_path, root), f"not UTF-8 at byte {exc.start}") from exc
    return Source(meta=meta, path=text_path, text=text, sha256=hashlib.sha256(data).hexdigest(), raw=raw)


REFERENCE_FILES = ("areas", "programmes", "organisations", "people", "indicators", "units", "codes")


def load_seeds(seeds_dir: Path) -> Seeds:
    """Read and type-check every seed file; cross-file rules are lint's job."""
    root = seeds_dir
    sources: dict[str, Source] = {}
    for meta_path in sorted((seeds_dir / "sources").glob("*.meta.yaml")):
        src = load_source(meta_path, root)
        if src.meta.id in sources:
            raise SeedError(_rel(meta_path, root), f"field 'id': source id '{src.meta.id}' used twice")
        sources[src.meta.id] = src
    facts: dict[str, FactsDoc] = {}
    for path in sorted((seeds_dir / "facts").glob("*.yaml")):
        name = _rel(path, root)
        text = read_yaml_text(path, name)
        ff: FactsFile = _parse(FactsFile, parse_yaml(text, name), path, root)
        if ff.source in facts:
            raise SeedError(name, f"field 'source': '{ff.source}' already has facts in {facts[ff.source].path.name}")
        facts[ff.source] = FactsDoc(path=path, facts=ff, text=text, name=name)
    ref_raw: dict[str, Any] = {}
    ref_files: dict[str, Path] = {}
    for name in REFERENCE_FILES:
        path = seeds_dir / "reference" / f"{name}.yaml"
        if not path.exists():
            raise SeedError(_rel(path, root), "missing reference file")
        ref_raw[name] = load_yaml(path, _rel(path, root)) or {}
        ref_files[name] = path
    reference = _parse_reference(ref_raw, ref_files, root)
    return Seeds(root=root, sources=sources, facts=facts, reference=reference, reference_files=ref_files, reference_raw=ref_raw)


def _parse_reference(raw: dict[str, Any], files: dict[str, Path], root: Path) -> Reference:
    models: dict[str, type[BaseModel]] = {
        "areas": Area,
        "programmes": Programme,
        "organisations": Organisation,
        "people": Person,
        "indicators": Indicator,
        "units": Unit,
    }
    parsed: dict[str, Any] = {}
    for name, model in models.items():
        entries = raw[name]
        if not isinstance(entries, dict):
            raise SeedError(_rel(files[name], root), "expected a mapping of key -> record")
        out = {}
        for key, rec in entries.items():
            _check_key(key, files[name], root, getattr(entries, "key_lines", {}).get(key))
            out[key] = _parse_record(model, rec, files[name], root, key)
        parsed[name] = out
    codes_raw = raw["codes"]
    if not isinstance(codes_raw, dict):
        raise SeedError(_rel(files["codes"], root), "expected a mapping of code list -> codes")
    codes: dict[str, dict[str, Code]] = {}
    for scheme, entries in codes_raw.items():
        _check_key(scheme, files["codes"], root, key_lines(codes_raw).get(scheme))
        if not isinstance(entries, dict):
            raise SeedError(_rel(files["codes"], root), f"code list '{scheme}': expected a mapping of key -> record", key_lines(codes_raw).get(scheme))
        codes[scheme] = {}
        for key, rec in entries.items():
            _check_key(key, files["codes"], root, key_lines(entries).get(key))
            codes[scheme][key] = _parse_record(Code, rec, files["codes"], root, f"{scheme}.{key}")
    return Reference(**parsed, codes=codes)


def _check_key(key: Any, path: Path, root: Path, line: int | None) -> None:
    if not isinstance(key, str) or not re.match(SLUG, key):
        raise SeedError(_rel(path, root), f"key {key!r} is not a slug ([a-z0-9] words joined by '-')", line)


def _parse_record(model: type[BaseModel], rec: Any, path: Path, root: Path, key: str) -> Any:
    try:
        return model.model_validate(rec)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        line = line_of(rec, *loc)
        where = ".".join(str(p) for p in loc)
        raise SeedError(_rel(path, root), f"entry '{key}' field '{where}': {err['msg']}", line) from exc
