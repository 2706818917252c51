"""Seeds that cannot be loaded: SeedError naming file (relative to the data root) and line."""

from __future__ import annotations

import pytest

from ntp_kg.errors import SeedError

from ._seedtree import FACTS, META, SRC_ID, TEXT, Tree

AREAS = "seeds/reference/areas.yaml"
CODES = "seeds/reference/codes.yaml"
SLUG_RX = "'^[a-z0-9]+(-[a-z0-9]+)*$'"


def load_error(tree: Tree) -> SeedError:
    with pytest.raises(SeedError) as info:
        tree.load()
    assert info.value.exit_code == 2
    return info.value


# --- YAML ------------------------------------------------------------------------------------


def test_invalid_yaml_names_the_line(tree: Tree) -> None:
    tree.set_line(FACTS, 16, '    quote: "أي بنسبة 73.7% من الخطة"', '   quote: "أي بنسبة 73.7% من الخطة"')
    err = load_error(tree)
    assert (err.file, err.line) == (FACTS, 16)
    assert str(err) == f"{FACTS}:16: invalid YAML: expected <block end>, but found '<block mapping start>'"


def test_unclosed_flow_sequence(tree: Tree) -> None:
    tree.set_line(FACTS, 80, "    about: [all-ntps]", "    about: [all-ntps")
    assert str(load_error(tree)) == f"{FACTS}:81: invalid YAML: expected ',' or ']', but got ':'"


def test_duplicate_yaml_key_names_both_lines(tree: Tree) -> None:
    tree.insert_after(FACTS, 9, "    unit: percent")
    err = load_error(tree)
    assert (err.file, err.line) == (FACTS, 10)
    assert str(err) == f"{FACTS}:10: invalid YAML: duplicate key 'unit' (first at line 9)"


def test_duplicate_reference_key(tree: Tree) -> None:
    text = tree.read(AREAS)
    tree.write(AREAS, text + "\nlao-cai:\n  type: province\n  labels: {en: x, ar: y, vi: z}\n")
    assert str(load_error(tree)) == f"{AREAS}:24: invalid YAML: duplicate key 'lao-cai' (first at line 1)"


def test_unhashable_yaml_key(tree: Tree) -> None:
    tree.insert_after(FACTS, 2, "? [a, b]\n: 1")
    assert str(load_error(tree)) == f"{FACTS}:3: invalid YAML: a key must be a string or number, not a sequence or mapping"


def test_empty_facts_file(tree: Tree) -> None:
    tree.write(FACTS, "")
    assert str(load_error(tree)) == f"{FACTS}: Input should be a valid dictionary or instance of FactsFile"


# --- fields of facts -------------------------------------------------------------------------


def test_unknown_field_is_refused(tree: Tree) -> None:
    tree.insert_after(FACTS, 14, "    colour: red")
    err = load_error(tree)
    assert (err.file, err.line) == (FACTS, 15)
    assert str(err) == f"{FACTS}:15: fact 'disbursed-2024' field 'observations.0.colour': Extra inputs are not permitted"


def test_unknown_top_level_field(tree: Tree) -> None:
    tree.insert_after(FACTS, 1, "author: someone")
    assert str(load_error(tree)) == f"{FACTS}:2: field 'author': Extra inputs are not permitted"


def test_missing_required_field_points_at_the_fact(tree: Tree) -> None:
    tree.delete_line(FACTS, 9, "    unit: vnd")
    assert str(load_error(tree)) == f"{FACTS}:4: fact 'disbursed-2024' field 'observations.0.unit': Field required"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"2,419"', r"String should match pattern '^-?\d+(\.\d+)?$'"),
        ('"2419 مليار"', r"String should match pattern '^-?\d+(\.\d+)?$'"),
        ('"2419."', r"String should match pattern '^-?\d+(\.\d+)?$'"),
        ("true", "Input should be a valid string"),
    ],
)
def test_bad_value(tree: Tree, value: str, message: str) -> None:
    tree.set_line(FACTS, 7, '    value: "2419"', f"    value: {value}")
    assert str(load_error(tree)) == f"{FACTS}:7: fact 'disbursed-2024' field 'observations.0.value': {message}"


def test_unquoted_numeric_value_is_read_as_written(tree: Tree) -> None:
    tree.set_line(FACTS, 18, '    value: "73.7"', "    value: 73.7")
    assert tree.load().facts[SRC_ID].facts.observations[1].value == "73.7"


PERIOD_RX = "'^([0-9]{4}|[0-9]{4}-[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})$'"


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2024/25", f"String should match pattern {PERIOD_RX}"),
        ("24", f"String should match pattern {PERIOD_RX}"),
        ("٢٠٢٤", f"String should match pattern {PERIOD_RX}"),
        ("2025-02-30", "Value error, '2025-02-30' is not a calendar date"),
        ("2025-13-01", "Value error, '2025-13-01' is not a calendar date"),
        ("2025-2021", "Value error, the range '2025-2021' ends before it starts"),
    ],
)
def test_bad_period(tree: Tree, period: str, message: str) -> None:
    tree.set_line(FACTS, 12, '    period: "2024"', f'    period: "{period}"')
    assert str(load_error(tree)) == f"{FACTS}:12: fact 'disbursed-2024' field 'observations.0.period': {message}"


@pytest.mark.parametrize("period", ["2024", "2021-2025", "2025-01-31", "2024-02-29"])
def test_good_period(tree: Tree, period: str) -> None:
    tree.set_line(FACTS, 12, '    period: "2024"', f'    period: "{period}"')
    assert tree.load().facts[SRC_ID].facts.observations[0].period == period


def test_bad_event_about_period(tree: Tree) -> None:
    tree.set_line(FACTS, 81, '    about_period: "2021-2025"', '    about_period: "2025-2021"')
    assert str(load_error(tree)) == (
        f"{FACTS}:81: fact 'conference' field 'statements.0.about_period': "
        "Value error, the range '2025-2021' ends before it starts"
    )


def test_bad_fact_id(tree: Tree) -> None:
    tree.set_line(FACTS, 4, "  - id: disbursed-2024", "  - id: Disbursed_2024")
    assert str(load_error(tree)) == f"{FACTS}:4: fact 'Disbursed_2024' field 'observations.0.id': String should match pattern {SLUG_RX}"


@pytest.mark.parametrize(
    ("line", "old", "new", "fact", "where"),
    [
        # the field names "event" and "post" are also statement kinds: the error must still name them
        (85, "    event: lao-cai-ntp-conference-2025", "    event: Conference", "conference-chair", "statements.1.event"),
        (90, "    post: lao-cai-ppc-standing-vice-chair", "    post: Vice_Chair", "ppc-standing-vice-chair", "statements.2.post"),
        (102, "    participant: bao-thang", "    participant: Bao Thang", "bao-thang-report", "statements.3.participant"),
        (107, "    programme: ntp-new", "    programme: NTP", "new-programme-launch", "statements.4.programme"),
    ],
)
def test_bad_statement_key(tree: Tree, line: int, old: str, new: str, fact: str, where: str) -> None:
    tree.set_line(FACTS, line, old, new)
    assert str(load_error(tree)) == f"{FACTS}:{line}: fact '{fact}' field '{where}': String should match pattern {SLUG_RX}"


def test_unknown_statement_kind(tree: Tree) -> None:
    tree.set_line(FACTS, 70, "    kind: event", "    kind: meeting")
    assert str(load_error(tree)) == (
        f"{FACTS}:69: fact 'conference' field 'statements.0': Input tag 'meeting' found using 'kind' does not match "
        "any of the expected tags: 'event', 'chair', 'post', 'participant', 'programme-launch', 'deadline'"
    )


def test_bad_event_date(tree: Tree) -> None:
    tree.set_line(FACTS, 76, '    date: "2025-03-07"', '    date: "2025-02-30"')
    assert str(load_error(tree)) == (
        f"{FACTS}:76: fact 'conference' field 'statements.0.date': Input should be a valid date or datetime, day value is outside expected range"
    )


def test_two_facts_files_for_one_source(tree: Tree) -> None:
    tree.write("seeds/facts/zz-copy.yaml", tree.read(FACTS))
    assert str(load_error(tree)) == f"seeds/facts/zz-copy.yaml: field 'source': '{SRC_ID}' already has facts in {SRC_ID}.yaml"


# --- sources ---------------------------------------------------------------------------------


def test_bad_sha256_format(tree: Tree) -> None:
    tree.set_line(META, 4, "sha256: 91c935a0bb77bb4be3dcb1a524dcb4c835cdde27875089418d12ccd099506aab", "sha256: 91C935")
    assert str(load_error(tree)) == f"{META}:4: field 'sha256': String should match pattern '^[0-9a-f]{{64}}$'"


def test_source_text_missing(tree: Tree) -> None:
    tree.path(TEXT).unlink()
    err = load_error(tree)
    assert (err.file, err.line) == (META, None)
    assert str(err).startswith(f"{META}: field 'file': cannot read {SRC_ID}.ar.txt: [Errno 2] No such file or directory")


def test_source_text_not_utf8(tree: Tree) -> None:
    tree.path(TEXT).write_bytes(tree.path(TEXT).read_bytes()[:20] + b"\xff")
    assert str(load_error(tree)) == f"{TEXT}: not UTF-8 at byte 20"


def test_source_id_used_twice(tree: Tree) -> None:
    tree.write("seeds/sources/zz-copy.meta.yaml", tree.read(META))
    assert str(load_error(tree)) == f"seeds/sources/zz-copy.meta.yaml: field 'id': source id '{SRC_ID}' used twice"


# --- reference -------------------------------------------------------------------------------


def test_bad_slug_key_in_reference(tree: Tree) -> None:
    tree.set_line(AREAS, 8, "bao-thang:", "Bao_Thang:")
    err = load_error(tree)
    assert (err.file, err.line) == (AREAS, 8)
    assert str(err) == f"{AREAS}:8: key 'Bao_Thang' is not a slug ([a-z0-9] words joined by '-')"


def test_bad_slug_key_in_code_list(tree: Tree) -> None:
    tree.set_line(CODES, 8, '  more-than: {labels: {en: "more than", ar: "أكثر من"}}', '  more_than: {labels: {en: "more than", ar: "أكثر من"}}')
    assert str(load_error(tree)) == f"{CODES}:8: key 'more_than' is not a slug ([a-z0-9] words joined by '-')"


def test_code_list_that_is_no_mapping(tree: Tree) -> None:
    tree.set_line(CODES, 17, "attendance:", "attendance: [mixed]")
    tree.delete_line(CODES, 18, '  mixed: {labels: {en: "online and offline", ar: "عبر الإنترنت وشخصيا"}}')
    assert str(load_error(tree)) == f"{CODES}:17: code list 'attendance': expected a mapping of key -> record"


def test_reference_record_field_error(tree: Tree) -> None:
    tree.set_line(AREAS, 2, "  type: province", "  type: city")
    assert str(load_error(tree)) == (
        f"{AREAS}:2: entry 'lao-cai' field 'type': Input should be 'province', 'district', 'town' or 'area-group'"
    )


def test_reference_label_without_en(tree: Tree) -> None:
    tree.set_line(AREAS, 4, '    en: "Lao Cai Province"', '    en: ""')
    assert str(load_error(tree)) == f"{AREAS}:4: entry 'lao-cai' field 'labels.en': String should have at least 1 character"


def test_missing_reference_file(tree: Tree) -> None:
    tree.path("seeds/reference/units.yaml").unlink()
    assert str(load_error(tree)) == "seeds/reference/units.yaml: missing reference file"
