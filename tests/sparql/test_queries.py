"""The research questions in sparql/: each named query gives exactly its golden answer.

Golden answers live in tests/sparql/expected/<name>.json (format in golden.py). Set
NTP_KG_REGENERATE_GOLDEN=1 to rewrite them from the current graph instead of comparing (the
tests then skip); every regenerated answer must be checked by hand against the source text, as
sparql/README.md records.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg import query as q
from ntp_kg import resources

from . import golden

SPARQL = resources.data_root() / "sparql"
QUERY_FILES = sorted(SPARQL.glob("*.rq"))
NAMES = [p.stem for p in QUERY_FILES]
REGENERATE = os.environ.get(golden.REGENERATE_ENV) == "1"

# Queries also run through the command line (CSV output) and compared with the in-process rows:
# Arabic and Vietnamese labels, computed decimals, unbound values.
CLI_QUERIES = ["lao-cai-labels", "disbursement-by-programme", "approximate-figures", "new-programmes-2025"]


def _text(name: str) -> str:
    return (SPARQL / f"{name}.rq").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_query_gives_its_golden_answer(store: ox.Store, name: str) -> None:
    text = _text(name)
    actual = golden.answer(q.run(store, text), text)
    if REGENERATE:
        golden.write(name, actual)
        pytest.skip(f"regenerated {golden.path(name)}: check it by hand against the source")
    assert golden.path(name).exists(), f"no golden answer for sparql/{name}.rq (run with {golden.REGENERATE_ENV}=1, then check it)"
    problem = golden.differences(golden.read(name), actual)
    assert problem is None, f"sparql/{name}.rq: {problem}"


def test_every_golden_answer_has_its_query() -> None:
    orphans = sorted(set(golden.names()) - set(NAMES))
    assert not orphans, f"golden answers without a query in sparql/: {orphans}"


def test_every_query_has_a_golden_answer() -> None:
    if REGENERATE:
        pytest.skip("regenerating golden answers")
    missing = sorted(set(NAMES) - set(golden.names()))
    assert not missing, f"queries without a golden answer in tests/sparql/expected/: {missing}"


def test_golden_answers_are_not_empty() -> None:
    """The questions were chosen to have answers: an empty golden answer hides a broken query."""
    for name in golden.names():
        data = golden.read(name)
        if "rows" in data:
            assert data["rows"], name
        elif "triples" in data:
            assert data["triples"], name


def test_the_query_set_is_what_named_queries_lists() -> None:
    named = q.named_queries()
    assert sorted(named) == NAMES
    assert len(NAMES) >= 15
    for name, nq in named.items():
        assert nq.path == SPARQL / f"{name}.rq"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"{name}: query names are kebab-case"


@pytest.mark.parametrize("name", NAMES)
def test_query_opens_with_a_question(name: str) -> None:
    nq = q.named_queries()[name]
    assert nq.text.startswith("# "), f"{name}: the file must open with the question as '# ...' lines"
    question = nq.question
    assert question, f"{name}: no question in the opening comment"
    assert question.endswith("?"), f"{name}: the question must end with '?': {question!r}"
    assert len(question.split()) >= 5, f"{name}: a question in plain English, not a title: {question!r}"


@pytest.mark.parametrize("name", NAMES)
def test_query_prefixes_are_the_project_prefixes(name: str) -> None:
    """PREFIX declarations use the names and IRIs of ontology/context.jsonld."""
    prefixes = resources.prefixes()
    declared = re.findall(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", golden.query_body(_text(name)), re.MULTILINE | re.IGNORECASE)
    assert declared, f"{name}: declares no prefix"
    for prefix, iri in declared:
        assert prefixes.get(prefix) == iri, f"{name}: PREFIX {prefix}: <{iri}> is not in context.jsonld ({prefix} -> {prefixes.get(prefix)})"


def _csv_cell(term: object) -> str:
    """How SPARQL 1.1 CSV results write a term: the IRI or the lexical value, '' when unbound."""
    if term is None:
        return ""
    assert isinstance(term, ox.NamedNode | ox.Literal), term
    return term.value


@pytest.mark.parametrize("name", CLI_QUERIES)
def test_cli_gives_the_same_rows_as_the_library(store: ox.Store, dist: Path, name: str) -> None:
    assert name in NAMES
    r = subprocess.run(
        [sys.executable, "-m", "ntp_kg", "query", name, "--format", "csv", "--dist", str(dist)],
        capture_output=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    cli_rows = list(csv.reader(io.StringIO(r.stdout.decode("utf-8"), newline="")))
    result = q.run(store, _text(name))
    assert isinstance(result, ox.QuerySolutions)
    variables, rows = q.rows(result)
    assert cli_rows[0] == variables
    assert cli_rows[1:] == [[_csv_cell(t) for t in row] for row in rows]
    assert len(cli_rows) > 1


def test_quote_offsets_point_at_the_quotes_in_the_source_text() -> None:
    """quotes-for-disbursement-rate: each oa:exact is the source text between oa:start and oa:end."""
    data = golden.read("quotes-for-disbursement-rate")
    cols = data["variables"]
    sources = {
        "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest(): p.read_text(encoding="utf-8")
        for p in (resources.seeds_dir() / "sources").glob("*.txt")
    }
    assert data["rows"]
    for row in data["rows"]:
        rec = dict(zip(cols, row, strict=True))
        text = sources[rec["source"]]
        start = int(rec["start"].split("^^")[0])
        end = int(rec["end"].split("^^")[0])
        exact = rec["exact"].removesuffix("@ar")
        assert text[start:end] == exact, rec["observation"]
        value = rec["value"].split("^^")[0]
        assert f"{value}%" in exact, rec["observation"]


def test_golden_files_are_written_as_the_regenerator_writes_them() -> None:
    """Hand edits keep the canonical layout, so a regeneration shows only real changes in a diff."""
    for name in golden.names():
        text = golden.path(name).read_text(encoding="utf-8")
        assert text == golden.dumps(json.loads(text)), f"{name}.json is not in canonical layout"
