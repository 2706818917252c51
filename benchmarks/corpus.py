"""A deterministic synthetic corpus shaped like the real seeds, for benchmarks and equality tests.

`generate(root, n_obs)` writes a complete data root under `root` (usable as NTP_KG_ROOT):
ontology/, shapes/ and sparql/ copied from this checkout, and a seeds/ tree with

* reference data: the real reference files, extended with 63 provinces and about 630 districts
  (labels en / vi / ar), one People's Committee and one chair per province, and 200 indicators
  (10 measures x 20 topics, each with its unit); the real programmes (5 + all-ntps + none),
  units and code lists;
* N source documents (`sources/<sid>.ar.txt` with `<sid>.meta.yaml` carrying the SHA-256): an
  Arabic report of a province's conference, one sentence per observation with the number in it;
* facts (`facts/<sid>.yaml`): every observation quotes its sentence verbatim (unique in the text)
  with value, scale, unit, qualifier, nature, status, period (years 2010-2030, ranges, as-of
  dates), area and programme; shares with numerator and denominator, totals with summands; an
  event, its chair, a post, participants, a deadline, and one waiver per source.

`ntp-kg lint` passes with 100 % coverage. The same (n_obs, seed, plant) gives the same bytes.

Planted violations (`plant=Plant(...)`) come in two kinds:

* in the seeds (they pass lint): negative amounts, shares above 100 %, "actual" figures for a
  period after publication (warning), totals that disagree with their summands (warning), shares
  that disagree with their parts (warning);
* in the mapped graph (`plant_graph(dataset, ...)`), for what lint would refuse: duplicate
  observations (IC-12), missing labels, blank nodes, wrong datatypes, broken offsets, annotations
  without a body.

Command line: `python benchmarks/corpus.py OUT --obs 10000 [--seed 0] [--plant]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# --- names -------------------------------------------------------------------------------------

# (en, vi, ar) syllables of Vietnamese place and person names; the ar spellings are distinct, so
# two names differ in Arabic exactly when they differ in English.
SYLLABLES: list[tuple[str, str, str]] = [
    ("Bac", "Bắc", "باك"), ("Nam", "Nam", "نام"), ("Ha", "Hà", "ها"), ("Long", "Long", "لونغ"),
    ("Son", "Sơn", "سون"), ("Thanh", "Thanh", "ثانه"), ("Hoa", "Hòa", "هوا"), ("Binh", "Bình", "بينه"),
    ("Phu", "Phú", "فو"), ("Yen", "Yên", "ين"), ("Quang", "Quảng", "كوانغ"), ("Tan", "Tân", "تان"),
    ("Dong", "Đông", "دونغ"), ("Tay", "Tây", "تاي"), ("An", "An", "آن"), ("Lam", "Lâm", "لام"),
    ("Vinh", "Vĩnh", "فينه"), ("Thai", "Thái", "ثاي"), ("Cao", "Cao", "كاو"), ("Hung", "Hưng", "هونغ"),
    ("Ninh", "Ninh", "نينه"), ("Giang", "Giang", "زانغ"), ("Tuyen", "Tuyên", "توين"), ("Kien", "Kiên", "كين"),
    ("Dien", "Điện", "ديين"), ("Lai", "Lai", "لاي"), ("Trung", "Trung", "ترونغ"), ("Hai", "Hải", "هاي"),
    ("Kim", "Kim", "كيم"), ("Bao", "Bảo", "باو"), ("Muong", "Mường", "موونغ"), ("Lang", "Lạng", "لانغ"),
]
FAMILY = [("Nguyen", "Nguyễn", "نغوين"), ("Tran", "Trần", "تران"), ("Le", "Lê", "لي"), ("Pham", "Phạm", "فام"),
          ("Hoang", "Hoàng", "هوانغ"), ("Vu", "Vũ", "فو"), ("Dang", "Đặng", "دانغ"), ("Do", "Đỗ", "دو")]
N_PROVINCES = 63
DISTRICTS_PER_PROVINCE = (8, 12)
MONTHS_AR = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()

# Programme names as the synthetic texts write them (the reference ar labels contain years).
PROGRAMMES = {
    "all-ntps": "برامج الأهداف الوطنية الثلاثة",
    "ntp-em": "برنامج تنمية مناطق الأقليات العرقية",
    "ntp-nrd": "برنامج البناء الريفي الجديد",
    "ntp-pr": "برنامج الحد من الفقر المستدام",
    "ntp-culture": "برنامج التنمية الثقافية",
    "ntp-drug-control": "برنامج مكافحة المخدرات",
    "none": "خارج البرامج",
}
STATUS_VERB = {"actual": "بلغ", "estimate": "من المتوقع أن يبلغ", "target": "يستهدف أن يبلغ", "plan": "خُطط أن يبلغ"}
QUALIFIER_WORD = {"exact": "", "approximately": "حوالي ", "more-than": "أكثر من ", "at-least": "على الأقل "}

TOPICS: list[tuple[str, str, str]] = [  # key, en, ar
    ("rural-roads", "rural roads", "الطرق الريفية"), ("irrigation", "irrigation", "الري"),
    ("schools", "schools", "المدارس"), ("clean-water", "clean water", "المياه النظيفة"),
    ("housing", "housing", "الإسكان"), ("electricity", "electricity", "الكهرباء"),
    ("health-stations", "health stations", "المحطات الصحية"), ("markets", "rural markets", "الأسواق الريفية"),
    ("cultural-houses", "cultural houses", "البيوت الثقافية"), ("livelihoods", "livelihoods", "سبل العيش"),
    ("vocational-training", "vocational training", "التدريب المهني"), ("forests", "forest protection", "حماية الغابات"),
    ("ethnic-villages", "ethnic-minority villages", "قرى الأقليات"), ("poor-households", "poor households", "الأسر الفقيرة"),
    ("new-rural-communes", "new-rural communes", "بلديات الريف الجديد"), ("farming", "agricultural production", "الإنتاج الزراعي"),
    ("digital", "digital transformation", "التحول الرقمي"), ("tourism", "community tourism", "السياحة المجتمعية"),
    ("environment", "rural environment", "البيئة الريفية"), ("resettlement", "resettlement", "إعادة التوطين"),
]


TOPIC_AR = {k: ar for k, _, ar in TOPICS}


@dataclass(frozen=True)
class Measure:
    key: str
    en: str
    ar: str
    unit: str
    nature: str


MEASURES: list[Measure] = [
    Measure("capital-plan", "Capital plan for", "خطة رأس المال لقطاع", "vnd", "level"),
    Measure("capital-disbursed", "Capital disbursed for", "رأس المال المصروف لقطاع", "vnd", "level"),
    Measure("disbursement-rate", "Disbursement rate for", "نسبة الصرف لقطاع", "percent", "share"),
    Measure("beneficiaries", "Beneficiaries of", "المستفيدون من قطاع", "number", "count"),
    Measure("works", "Works completed for", "الأعمال المنجزة لقطاع", "number", "count"),
    Measure("road-length", "Roads built or upgraded for", "الطرق المبنية لقطاع", "kilometre", "level"),
    Measure("land-donated", "Land donated for", "الأراضي المتبرع بها لقطاع", "square-metre", "level"),
    Measure("workdays", "Workdays mobilised for", "أيام العمل المحشودة لقطاع", "person-day", "count"),
    Measure("rate-change", "Change in the coverage rate of", "تغير نسبة التغطية لقطاع", "percentage-point", "change"),
    Measure("works-total", "Works completed in total for", "إجمالي الأعمال المنجزة لقطاع", "number", "cumulative-total"),
]
UNIT_AR = {"vnd": " دونج", "percent": "%", "number": " وحدة", "kilometre": " كيلومتر", "square-metre": " متر مربع",
           "person-day": " يوم عمل", "percentage-point": " نقطة مئوية"}
SCALE_AR = {"thousand": " ألف", "million": " مليون", "billion": " مليار"}


def q(s: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


@dataclass(frozen=True)
class Plant:
    """Rates (fraction of observations) of violations planted in the seeds."""

    negative_amount: float = 0.0
    share_over_100: float = 0.0
    actual_after_publication: float = 0.0
    total_mismatch: float = 0.0  # of sum groups
    share_mismatch: float = 0.0  # of ratio groups

    @classmethod
    def default(cls) -> Plant:
        return cls(0.01, 0.01, 0.01, 0.1, 0.1)


@dataclass
class Area:
    key: str
    en: str
    vi: str
    ar: str
    type: str
    parent: str | None = None
    children: list[str] = field(default_factory=list)


@dataclass
class CorpusInfo:
    root: Path
    n_obs: int
    n_sources: int
    planted: dict[str, int]


def _names(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    combos = [(a, b) for a in SYLLABLES for b in SYLLABLES if a != b]
    rng.shuffle(combos)
    return [(f"{a[0]} {b[0]}", f"{a[1]} {b[1]}", f"{a[2]} {b[2]}") for a, b in combos[:n]]


def _slug(s: str) -> str:
    return s.lower().replace(" ", "-")


def _areas(rng: random.Random) -> dict[str, Area]:
    counts = [rng.randint(*DISTRICTS_PER_PROVINCE) for _ in range(N_PROVINCES)]
    names = _names(rng, N_PROVINCES + sum(counts))
    areas: dict[str, Area] = {}
    it = iter(names)
    for i in range(N_PROVINCES):
        en, vi, ar = next(it)
        pk = _slug(en)
        areas[pk] = Area(pk, en, vi, ar, "province")
        for _ in range(counts[i]):
            en2, vi2, ar2 = next(it)
            dk = f"{_slug(en2)}-{pk}"
            areas[dk] = Area(dk, en2, vi2, ar2, "district", pk)
            areas[pk].children.append(dk)
    return areas


def _reference(seeds: Path, rng: random.Random) -> tuple[dict[str, Area], list[str], dict[str, tuple[str, str, str]]]:
    ref = seeds / "reference"
    ref.mkdir(parents=True)
    for name in ("programmes", "units", "codes"):
        shutil.copyfile(REPO / "seeds" / "reference" / f"{name}.yaml", ref / f"{name}.yaml")
    areas = _areas(rng)
    out = [(REPO / "seeds/reference/areas.yaml").read_text(encoding="utf-8"), "\n# --- synthetic (benchmarks/corpus.py) ---\n"]
    for a in areas.values():
        kind = "Province" if a.type == "province" else "District"
        ar_kind = "مقاطعة" if a.type == "province" else "منطقة"
        out.append(f"\n{a.key}:\n  type: {a.type}\n")
        if a.parent:
            out.append(f"  part_of: {a.parent}\n")
        out.append(f"  labels:\n    en: {q(a.en + ' ' + kind)}\n    vi: {q(a.vi)}\n    ar: [{q(a.ar)}, {q(ar_kind + ' ' + a.ar)}]\n")
    (ref / "areas.yaml").write_text("".join(out), encoding="utf-8")

    provinces = [a.key for a in areas.values() if a.type == "province"]
    people: dict[str, tuple[str, str, str]] = {}
    out = [(REPO / "seeds/reference/organisations.yaml").read_text(encoding="utf-8"), "\n# --- synthetic ---\n"]
    pout = [(REPO / "seeds/reference/people.yaml").read_text(encoding="utf-8"), "\n# --- synthetic ---\n"]
    for pk in provinces:
        a = areas[pk]
        out.append(
            f"\n{pk}-ppc:\n  type: government\n  labels:\n    en: {q(a.en + ' Provincial People' + chr(39) + 's Committee')}\n"
            f"    vi: {q('Ủy ban nhân dân tỉnh ' + a.vi)}\n    ar: [{q('اللجنة الشعبية لمقاطعة ' + a.ar)}]\n"
        )
        fam, s1, s2 = rng.choice(FAMILY), rng.choice(SYLLABLES), rng.choice(SYLLABLES)
        person = (f"{fam[0]} {s1[0]} {s2[0]}", f"{fam[1]} {s1[1]} {s2[1]}", f"{fam[2]} {s1[2]} {s2[2]}")
        people[pk] = person
        pout.append(f"\nchair-{pk}:\n  labels:\n    en: {q(person[0])}\n    vi: {q(person[1])}\n    ar: [{q(person[2])}]\n")
    (ref / "organisations.yaml").write_text("".join(out), encoding="utf-8")
    (ref / "people.yaml").write_text("".join(pout), encoding="utf-8")

    out = [(REPO / "seeds/reference/indicators.yaml").read_text(encoding="utf-8"), "\n# --- synthetic: measure x topic ---\n"]
    for m in MEASURES:
        for tk, ten, tar in TOPICS:
            out.append(
                f"\n{m.key}-{tk}:\n  labels: {{en: {q(m.en + ' ' + ten)}, ar: {q(m.ar + ' ' + tar)}}}\n"
                f"  definition: {{en: {q(f'{m.en} {ten} (synthetic indicator, nature {m.nature}).')}}}\n  unit: {m.unit}\n"
            )
    (ref / "indicators.yaml").write_text("".join(out), encoding="utf-8")
    return areas, provinces, people


# --- one source ----------------------------------------------------------------------------------


@dataclass
class Obs:
    id: str
    indicator: str
    measure: Measure
    topic: str
    value: str  # as in the facts (may be negative)
    shown: str  # as written in the text
    scale: str | None
    qualifier: str
    status: str
    period: str
    area: str
    programme: str
    numerator: str | None = None
    denominator: str | None = None
    summands: list[str] = field(default_factory=list)


def _period_phrase(period: str) -> str:
    parts = period.split("-")
    if len(parts) == 3:
        return f"حتى {int(parts[2])} {MONTHS_AR[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"في الفترة {parts[0]}-{parts[1]}"
    return f"في عام {period}"


def _period_start(period: str) -> date:
    parts = period.split("-")
    if len(parts) == 3:
        return date.fromisoformat(period)
    return date(int(parts[0]), 1, 1)


class _Source:
    def __init__(self, sid: str, rng: random.Random, areas: dict[str, Area], province: str, published: date, plant: Plant) -> None:
        self.sid, self.rng, self.areas, self.province, self.published, self.plant = sid, rng, areas, province, published, plant
        self.obs: list[Obs] = []
        self.used: set[tuple[str, str, str, str, str]] = set()
        self.planted: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.planted[kind] = self.planted.get(kind, 0) + 1

    def _period(self, status: str) -> str:
        rng, y = self.rng, self.published.year
        if status in ("actual",):
            year = rng.randint(max(2010, y - 4), y)
        else:
            year = rng.randint(max(2010, y - 2), min(2030, y + 3))
        r = rng.random()
        if r < 0.08 and year >= 2011:
            start = 2011 + (year - 2011) // 5 * 5
            return f"{start}-{start + 4}"
        if r < 0.16 and year <= y:
            d = date(year, rng.randint(1, 12), rng.randint(1, 28))
            if status == "actual" and d > self.published:
                return str(year)
            return d.isoformat()
        return str(year)

    def _value(self, m: Measure) -> tuple[str, str, str | None]:
        """(value as in facts, value as written, scale)."""
        rng = self.rng
        if m.unit == "vnd":
            if rng.random() < 0.8:
                v = rng.randint(1, 9999)
                shown = f"{v:,}" if v >= 1000 and rng.random() < 0.5 else str(v)
                return str(v), shown, "billion"
            v = rng.randint(1, 999)
            return str(v), str(v), "million"
        if m.unit == "percent":
            v = f"{rng.randint(0, 1000) / 10:.1f}"
            return v, v, None
        if m.unit == "percentage-point":
            v = f"{rng.randint(1, 500) / 100:.2f}".rstrip("0").rstrip(".")
            return v, v, None
        if m.unit == "square-metre":
            v = rng.randint(1, 900)
            return str(v), str(v), "thousand"
        if m.unit == "kilometre":
            v = f"{rng.randint(1, 5000) / 10:.1f}".rstrip("0").rstrip(".")
            return v, v, None
        v = rng.randint(1, 50000)
        shown = f"{v:,}" if v >= 1000 and rng.random() < 0.3 else str(v)
        return str(v), shown, None

    def _dims_free(self, ind: str, period: str, area: str, prog: str, status: str) -> bool:
        key = (ind, period, area, prog, status)
        if key in self.used:
            return False
        self.used.add(key)
        return True

    def _add(self, m: Measure, topic: str, area: str, period: str, prog: str, status: str,
             value: tuple[str, str, str | None] | None = None) -> Obs | None:
        ind = f"{m.key}-{topic}"
        if not self._dims_free(ind, period, area, prog, status):
            return None
        v, shown, scale = value or self._value(m)
        r = self.rng.random()
        qual = "exact" if r < 0.8 else "approximately" if r < 0.9 else "more-than" if r < 0.97 else "at-least"
        o = Obs(f"o{len(self.obs) + 1}", ind, m, topic, v, shown, scale, qual, status, period, area, prog)
        self.obs.append(o)
        return o

    def single(self) -> int:
        rng = self.rng
        m = rng.choice([m for m in MEASURES if m.key != "works-total"])
        status = rng.choice(["actual", "actual", "estimate", "target", "plan"])
        area = rng.choice([self.province, *self.areas[self.province].children])
        prog = rng.choice(list(PROGRAMMES))
        period = self._period(status)
        value, planted = None, []
        if m.unit == "vnd" and rng.random() < self.plant.negative_amount:
            v, shown, scale = self._value(m)
            value = ("-" + v, shown, scale)
            planted.append("negative-amount")
        elif m.unit == "percent" and rng.random() < self.plant.share_over_100:
            v = f"{rng.randint(1001, 2000) / 10:.1f}"
            value = (v, v, None)
            planted.append("share-over-100")
        if status == "actual" and rng.random() < self.plant.actual_after_publication:
            period = str(min(2030, self.published.year + 1))
            if _period_start(period) > self.published:
                planted.append("actual-after-publication")
        if self._add(m, rng.choice(TOPICS)[0], area, period, prog, status, value) is None:
            return 0
        for k in planted:
            self._count(k)
        return 1

    def ratio(self) -> int:
        """Plan, disbursed and rate (numerator disbursed, denominator plan) of one topic."""
        rng = self.rng
        topic = rng.choice(TOPICS)[0]
        area = rng.choice([self.province, *self.areas[self.province].children])
        prog = rng.choice(list(PROGRAMMES))
        period = self._period("actual")
        plan = rng.randint(10, 9999)
        done = rng.randint(1, plan)
        rate = round(100 * done / plan, 1)
        mismatch = rng.random() < self.plant.share_mismatch
        if mismatch:
            rate = rate + 5.0 if rate < 95 else rate - 5.0
        ids = [f"capital-plan-{topic}", f"capital-disbursed-{topic}", f"disbursement-rate-{topic}"]
        keys = [(i, period, area, prog, s) for i, s in zip(ids, ("plan", "actual", "actual"), strict=True)]
        if any(k in self.used for k in keys):
            return 0
        if mismatch:
            self._count("share-mismatch")
        p = self._add(MEASURES[0], topic, area, period, prog, "plan", (str(plan), str(plan), "billion"))
        d = self._add(MEASURES[1], topic, area, period, prog, "actual", (str(done), str(done), "billion"))
        r = self._add(MEASURES[2], topic, area, period, prog, "actual", (f"{rate:.1f}", f"{rate:.1f}", None))
        assert p and d and r
        r.numerator, r.denominator = d.id, p.id
        return 3

    def total(self) -> int:
        """A province total of works with the district counts as summands."""
        rng = self.rng
        topic = rng.choice(TOPICS)[0]
        kids = rng.sample(self.areas[self.province].children, rng.randint(2, 4))
        prog = rng.choice(list(PROGRAMMES))
        status = rng.choice(["actual", "target"])
        period = self._period(status)
        keys = [(f"works-{topic}", period, k, prog, status) for k in kids] + [(f"works-total-{topic}", period, self.province, prog, status)]
        if any(k in self.used for k in keys):
            return 0
        parts = []
        for k in kids:
            v = rng.randint(1, 400)
            o = self._add(MEASURES[4], topic, k, period, prog, status, (str(v), str(v), None))
            assert o
            parts.append(o)
        s = sum(int(p.value) for p in parts)
        if rng.random() < self.plant.total_mismatch:
            s += 1
            self._count("total-mismatch")
        t = self._add(MEASURES[9], topic, self.province, period, prog, status, (str(s), str(s), None))
        assert t
        t.summands = [p.id for p in parts]
        return len(parts) + 1

    def sentence(self, o: Obs) -> str:
        area = self.areas[o.area]
        where = ("مقاطعة " if area.type == "province" else "منطقة ") + area.ar
        number = o.shown + (SCALE_AR[o.scale] if o.scale else "") + UNIT_AR[o.measure.unit]
        ind_ar = o.measure.ar + " " + TOPIC_AR[o.topic]
        return (f"{_period_phrase(o.period)}، {STATUS_VERB[o.status]} {ind_ar} في {where} ضمن {PROGRAMMES[o.programme]} "
                f"{QUALIFIER_WORD[o.qualifier]}{number}")


def _write_source(seeds: Path, src: _Source, people: dict[str, tuple[str, str, str]]) -> None:
    sid, prov, a = src.sid, src.province, src.areas[src.province]
    d = src.published
    rng = src.rng
    event_q = f"في {d.day} {MONTHS_AR[d.month - 1]} {d.year}، عقدت مقاطعة {a.ar} مؤتمرا على مستويين عبر الإنترنت وشخصيا لمراجعة تنفيذ برامج الأهداف الوطنية"
    chair_q = f"ترأس المؤتمر رئيس اللجنة الشعبية لمقاطعة {a.ar} السيد {people[prov][2]}"
    reporters = sorted(rng.sample(a.children, 2))
    rep_q = [f"وقدمت منطقة {src.areas[k].ar} تقريرها أمام المؤتمر" for k in reporters]
    due = date(min(2030, d.year + 1), rng.randint(1, 12), rng.randint(1, 28))
    due_q = f"يجب إنجاز إزالة المنازل المؤقتة في مقاطعة {a.ar} قبل {due.day} {MONTHS_AR[due.month - 1]} {due.year}"
    waiver_q = "إعلان رقم 1"
    sentences = [src.sentence(o) for o in src.obs]
    paras = [event_q + ".", chair_q + "."]
    for i in range(0, len(sentences), 8):
        paras.append(". ".join(sentences[i : i + 8]) + ".")
    paras += [rep_q[0] + "، " + rep_q[1] + ".", due_q + ".", waiver_q]
    text = "\n".join(paras) + "\n"
    data = text.encode("utf-8")
    (seeds / "sources" / f"{sid}.ar.txt").write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    url = f"https://example.org/synthetic/{sid}.html"
    title_en = f"{a.en} reviews the national target programmes ({d.isoformat()})"
    (seeds / "sources" / f"{sid}.meta.yaml").write_text(
        f"# Synthetic source (benchmarks/corpus.py)\nid: {sid}\nfile: {sid}.ar.txt\nsha256: {sha}\n"
        f"title:\n  en: {q(title_en)}\n  ar: {q('مقاطعة ' + a.ar + ' تراجع برامج الأهداف الوطنية')}\n"
        f"  vi: {q('Tỉnh ' + a.vi + ' đánh giá các chương trình mục tiêu quốc gia')}\n"
        f"publisher: kinhtedothi\nurl: {q(url)}\ndate: \"{d.isoformat()}\"\nlanguage: ar\n"
        f"translation_of:\n  language: vi\n  url: {q(url)}\nnote: \"Synthetic text generated for benchmarks.\"\n",
        encoding="utf-8",
    )
    out = [f"# Synthetic facts (benchmarks/corpus.py)\nsource: {sid}\n\nobservations:\n"]
    for o, s in zip(src.obs, sentences, strict=True):
        out.append(
            f"\n  - id: {o.id}\n    quote: {q(s)}\n    indicator: {o.indicator}\n    value: \"{o.value}\"\n"
            + (f"    scale: {o.scale}\n" if o.scale else "")
            + f"    unit: {o.measure.unit}\n"
            + (f"    qualifier: {o.qualifier}\n" if o.qualifier != "exact" else "")
            + f"    nature: {o.measure.nature}\n    status: {o.status}\n    period: \"{o.period}\"\n"
            f"    area: {o.area}\n    programme: {o.programme}\n"
            + (f"    numerator: {o.numerator}\n    denominator: {o.denominator}\n" if o.numerator else "")
            + (f"    summands: [{', '.join(o.summands)}]\n" if o.summands else "")
        )
    ev = f"{sid}-conference"
    out.append(
        f"\nstatements:\n\n  - id: conference\n    kind: event\n    quote: {q(event_q)}\n    event: {ev}\n"
        f"    label:\n      en: {q(a.en + ' conference on the national target programmes, ' + d.isoformat())}\n"
        f"      ar: {q('مؤتمر مقاطعة ' + a.ar + ' حول برامج الأهداف الوطنية')}\n"
        f"      vi: {q('Hội nghị các chương trình mục tiêu quốc gia tỉnh ' + a.vi)}\n"
        f"    date: \"{d.isoformat()}\"\n    location: {prov}\n    organiser: {prov}-ppc\n    attendance: mixed\n"
        f"    about: [ntp-em, ntp-nrd, ntp-pr]\n"
        f"\n  - id: conference-chair\n    kind: chair\n    quote: {q(chair_q)}\n    event: {ev}\n    person: chair-{prov}\n"
        f"\n  - id: chair-post\n    kind: post\n    quote: {q(chair_q)}\n    post: {sid}-ppc-chair\n"
        f"    label:\n      en: {q('Chair of the ' + a.en + ' Provincial People' + chr(39) + 's Committee')}\n"
        f"      ar: {q('رئيس اللجنة الشعبية لمقاطعة ' + a.ar)}\n      vi: {q('Chủ tịch UBND tỉnh ' + a.vi)}\n"
        f"    organisation: {prov}-ppc\n    role: chair\n    person: chair-{prov}\n"
    )
    for i, (k, rq) in enumerate(zip(reporters, rep_q, strict=True)):
        out.append(f"\n  - id: reporter-{i + 1}\n    kind: participant\n    quote: {q(rq)}\n    event: {ev}\n    participant: {k}\n    role: reporter\n")
    out.append(
        f"\n  - id: temporary-houses-deadline\n    kind: deadline\n    quote: {q(due_q)}\n    task: {sid}-temporary-houses\n"
        f"    label:\n      en: {q('Remove temporary houses in ' + a.en)}\n      ar: {q('إزالة المنازل المؤقتة في مقاطعة ' + a.ar)}\n"
        f"    due: \"{due.isoformat()}\"\n    area: {prov}\n    programme: ntp-pr\n"
    )
    out.append(f"\nwaivers:\n\n  - quote: {q(waiver_q)}\n    number: \"1\"\n    reason: \"advertisement number (page furniture)\"\n")
    (seeds / "facts" / f"{sid}.yaml").write_text("".join(out), encoding="utf-8")


def generate(root: Path, n_obs: int, seed: int = 0, plant: Plant | None = None, per_source: int = 100) -> CorpusInfo:
    """Write a data root with `n_obs` observations under `root` (which must not exist or be empty)."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    plant = plant or Plant()
    rng = random.Random(f"ntp-kg-corpus/{seed}")
    for d in ("ontology", "shapes", "sparql"):
        shutil.copytree(REPO / d, root / d)
    seeds = root / "seeds"
    (seeds / "sources").mkdir(parents=True)
    (seeds / "facts").mkdir()
    areas, provinces, people = _reference(seeds, rng)
    planted: dict[str, int] = {}
    made = n = 0
    while made < n_obs:
        n += 1
        sid = f"synth-{n:06d}"
        prov = provinces[rng.randrange(len(provinces))]
        pub = date(rng.randint(2012, 2030), rng.randint(1, 12), rng.randint(1, 28))
        src = _Source(sid, random.Random(f"{seed}/{sid}"), areas, prov, pub, plant)
        want = min(per_source, n_obs - made)
        tries = 0
        while len(src.obs) < want and tries < want * 20:
            tries += 1
            room = want - len(src.obs)
            r = src.rng.random()
            if r < 0.12 and room >= 3:
                src.ratio()
            elif r < 0.22 and room >= 5:
                src.total()
            else:
                src.single()
        made += len(src.obs)
        for k, v in src.planted.items():
            planted[k] = planted.get(k, 0) + v
        _write_source(seeds, src, people)
    return CorpusInfo(root, made, n, planted)


# --- planting in the mapped graph ----------------------------------------------------------------


def plant_graph(ds: Any, rate: float = 0.01, seed: int = 0) -> dict[str, int]:
    """Mutate a mapped rdflib Dataset in place with violations lint would refuse; returns counts.

    Per observation (with probability `rate` each): duplicate (its five dimensions set to those of
    the previous observation of its graph), drop its English label, an integral obsValue typed xsd:integer,
    a blank node attached to it, its quote selector's start shifted, its annotation's body dropped.
    """
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF, RDFS, XSD

    qb = "http://purl.org/linked-data/cube#"
    dims = [URIRef(u) for u in ("http://purl.org/linked-data/sdmx/2009/dimension#refArea", "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod",
                                "https://w3id.org/ntp-kg/def/ontology#indicator", "https://w3id.org/ntp-kg/def/ontology#programme",
                                "https://w3id.org/ntp-kg/def/ontology#status")]
    value = URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    oa = "http://www.w3.org/ns/oa#"
    rng = random.Random(f"ntp-kg-plant/{seed}")
    counts: dict[str, int] = {}

    def bump(k: str) -> None:
        counts[k] = counts.get(k, 0) + 1

    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if "/graph/source/" not in str(g.identifier):
            continue
        obs = sorted(set(g.subjects(RDF.type, URIRef(qb + "Observation"))), key=str)
        prev = None
        for o in obs:
            if prev is not None and rng.random() < rate:
                for p in dims:
                    vals = list(g.objects(prev, p))
                    g.remove((o, p, None))
                    for v in vals:
                        g.add((o, p, v))
                bump("duplicate")
            if rng.random() < rate:
                for lab in [x for x in g.objects(o, RDFS.label) if getattr(x, "language", None) == "en"]:
                    g.remove((o, RDFS.label, lab))
                bump("missing-label")
            if rng.random() < rate:
                vals = list(g.objects(o, value))
                if all(str(v).lstrip("-").isdigit() for v in vals):  # "62"^^xsd:integer, as the shape tests do
                    for v in vals:
                        g.remove((o, value, v))
                        g.add((o, value, Literal(str(v), datatype=XSD.integer)))
                    bump("value-integer")
            if rng.random() < rate:
                g.add((o, URIRef("https://w3id.org/ntp-kg/def/ontology#planted"), BNode(f"planted{len(counts)}{rng.randrange(10**9)}")))
                bump("blank-node")
            ann = str(o).replace("/id/obs/", "/id/annotation/")
            if rng.random() < rate:
                pos = URIRef(ann + "/position")
                for v in list(g.objects(pos, URIRef(oa + "start"))):
                    g.remove((pos, URIRef(oa + "start"), v))
                    g.add((pos, URIRef(oa + "start"), Literal(int(v) + 1, datatype=XSD.nonNegativeInteger)))
                bump("offset-shifted")
            if rng.random() < rate:
                g.remove((URIRef(ann), URIRef(oa + "hasBody"), None))
                bump("annotation-without-body")
            prev = o
    return counts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--obs", default="1k", help="observations: 1k, 10k, 100k, 1m or a number")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plant", action="store_true", help="plant violations in the seeds (Plant.default())")
    args = ap.parse_args(argv)
    n = SIZES.get(args.obs.lower()) or int(args.obs)
    info = generate(args.out, n, args.seed, Plant.default() if args.plant else None)
    print(f"{info.n_obs} observations in {info.n_sources} sources -> {info.root}; planted: {info.planted or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main()
