"""yamlio's block-subset reader (the fast path of load_yaml) reads what it accepts exactly as
libyaml does: same values, same types, same lines; everything else it refuses (`_NotSubset`),
and the full parsers read it, with their messages (test_load_errors)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from bench_corpus import load_corpus_module

from ntp_kg import resources
from ntp_kg.yamlio import LineDict, _FastLoader, _NotSubset, _read_subset

from ._seedtree import FIXTURE

REPO = Path(__file__).resolve().parents[2]


def tree(data: Any) -> Any:
    """Loaded YAML with every mapping's line and key lines spelled out, for exact comparison."""
    if isinstance(data, LineDict):
        return ("map", data.line, data.key_lines, [(k, tree(v)) for k, v in data.items()])
    if isinstance(data, list):
        return ("seq", [tree(v) for v in data])
    return (type(data).__name__, data)


def libyaml(text: str) -> Any:
    return tree(yaml.load(text, Loader=_FastLoader))


def subset(text: str) -> Any:
    return tree(_read_subset(text))




# --- whole files -------------------------------------------------------------------------------


def test_generated_corpus_is_read_by_the_subset_reader_like_libyaml(tmp_path: Path) -> None:
    """Facts and meta files as benchmarks/corpus.py writes them (the large corpora): all of them
    take the fast path, and give what libyaml gives."""
    corpus = load_corpus_module()
    corpus.generate(tmp_path, 300, seed=3, per_source=60, plant=corpus.Plant.default())
    files = sorted((tmp_path / "seeds" / "facts").glob("*.yaml")) + sorted((tmp_path / "seeds" / "sources").glob("*.meta.yaml"))
    assert len(files) == 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert subset(text) == libyaml(text), path.name


SEED_FILES = sorted(resources.seeds_dir().rglob("*.yaml")) + sorted(FIXTURE.rglob("*.yaml"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_seed_files_are_read_like_libyaml_or_refused(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        got = subset(text)
    except _NotSubset:
        return
    assert got == libyaml(text)


def test_the_lint_fixture_takes_the_fast_path() -> None:
    for path in sorted(FIXTURE.rglob("*.yaml")):
        _read_subset(path.read_text(encoding="utf-8"))  # raises _NotSubset otherwise


# --- small texts --------------------------------------------------------------------------------

ACCEPTED = [
    "a: 1\n",
    "# comment\n\na:\n\n  # indented comment\n  b: 1\n",
    "a:\n  - x: 1\n    y: two\n  -   x: 3\n      y: 'it''s'\n",
    "a:\n  - 1\n  - -2\n  - \"q\"\n  - plain words\n",
    'q: "quoted: with # and \' inside"   # comment\n',
    "k: -5\nj: -.5\nq: 0x1f\nr: 1_000\ns: 1e3\nt: 1.0e+3\nu: .inf\nv: 1:20\n",
    "b: yes\nc: No\nd: on\ne: ~\nf: null\ng:\nh: true\ni: 2025-01-31\n",
    "url: https://example.org/a#b\nsum: a b  # comment\n",
    "f: [a, 'b c', \"d\", 1, [x, {k: v}]]\ng: {en: \"x\", ar: [y, z]}\nh: []\ni: {}\n",
    "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
    "a: x   \n",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_subset_texts_read_like_libyaml(text: str) -> None:
    assert subset(text) == libyaml(text)


REFUSED = {
    "empty": "",
    "comments only": "# nothing\n",
    "top-level sequence": "- a\n",
    "top-level scalar": "plain\n",
    "document marker": "---\na: 1\n",
    "directive": "%YAML 1.1\n---\na: 1\n",
    "indented root": "  a: 1\n",
    "duplicate key": "a: 1\na: 2\n",
    "duplicate in flow": "a: {b: 1, b: 2}\n",
    "folded block scalar": "a: >-\n  text\n",
    "literal block scalar": "a: |\n  text\n",
    "multi-line plain": "a: one\n  two\n",
    "multi-line quoted": 'a: "one\n  two"\n',
    "multi-line flow": "a: [x,\n  y]\n",
    "escape": 'a: "x\\ty"\n',
    "anchor": "a: &x 1\nb: *x\n",
    "tag": "a: !!str 1\n",
    "merge key": "a: {b: 1}\nc:\n  <<: 1\n",
    "value key": "a: =\n",
    "tab": "a:\t1\n",
    "carriage return": "a: 1\r\nb: 2\r\n",
    "byte order mark": "\ufeffa: 1\n",
    "NEL line break": "a: x\x85y\n",
    "mapping in a value": "a: b: c\n",
    "sequence at the key's indent": "a:\n- x\n",
    "bare dash": "a:\n  -\n    b: 1\n",
    "dash and spaces": "a:\n  -   \n",
    "nested compact sequence": "a:\n  - - x\n",
    "bad dedent": "a:\n    b: 1\n  c: 2\n",
    "over-indented key": "a:\n  b: 1\n   c: 2\n",
    "quoted key": '"a": 1\n',
    "complex key": "? a\n: 1\n",
    "integer key": "1: a\n",
    "boolean key": "yes: a\n",
    "trailing comma": "a: [x, ]\n",
    "text after a quote": 'a: "x" y\n',
    "comment glued to a quote": 'a: "x"# y\n',
    "plain ending in a colon": "a: b:\n",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_beyond_the_subset_is_refused(text: str) -> None:
    with pytest.raises(_NotSubset):
        _read_subset(text)


# --- mutations ----------------------------------------------------------------------------------

PIECES = [
    " ", "  ", "\n  -   ", "\n- ", ":", ": ", "#", " #", "'", "''", '"', "\\", "[", "]", "{", "}", ",",
    ", ", "-", "- ", "\n", "\n  ", "?", "&a", "*a", "!x", "|", ">", "yes", "null", "~", "0x1", "1.5",
    "-1", "<<", "=", "a: b", "\t", "\r", "---", "%", "@", "x:", "\u2028", "\x85", "\ufeff", "٣",
]


def mutants(texts: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lines = rng.choice(texts).split("\n")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            line, op = lines[i], rng.random()
            if op < 0.5:
                j = rng.randint(0, len(line))
                lines[i] = line[:j] + rng.choice(PIECES) + line[j:]
            elif op < 0.7 and line:
                j = rng.randrange(len(line))
                lines[i] = line[:j] + line[j + rng.randint(1, 4) :]
            elif op < 0.8:
                lines.insert(i, rng.choice(lines))
            elif op < 0.9:
                lines[i] = " " * rng.randint(1, 3) + line
            else:
                del lines[i]
        out.append("\n".join(lines))
    return out


def test_mutated_seed_files_are_read_like_libyaml_or_refused() -> None:
    """Random edits of the fixture's files (fixed seed): whatever the subset reader accepts,
    libyaml accepts too and reads the same way."""
    texts = [p.read_text(encoding="utf-8")[:2500] for p in sorted(FIXTURE.rglob("*.yaml"))]
    accepted = 0
    for text in mutants(texts, 1500, seed=20261126):
        try:
            got = subset(text)
        except _NotSubset:
            continue
        accepted += 1
        assert got == libyaml(text), text
    assert accepted > 200  # the test exercises the fast path, not only its refusals
