"""The command line: exit codes 0 / 1 / 2 and what the user reads."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

NTP_KG = [sys.executable, "-m", "ntp_kg"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NTP_KG, *args], capture_output=True, text=True, timeout=120)


def test_build_reports_counts_and_files(tmp_path: Path) -> None:
    r = run("build", "--dist", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    assert "1 source(s), 60 observations, 15 statements, 15 waivers: OK" in r.stdout
    assert "Conforms: 0 violation(s)" in r.stdout
    assert "in 3 named graphs ->" in r.stdout
    assert (tmp_path / "d" / "SHA256SUMS").exists()


def test_build_progress_on_request_and_not_into_a_pipe(tmp_path: Path) -> None:
    """--progress reports each step on stderr with the seconds since the start; without it, and
    stderr not a terminal (a pipe here), stderr stays empty (scripts and CI logs)."""
    r = run("build", "--dist", str(tmp_path / "d"), "--progress")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    quads = len((tmp_path / "d" / "ntp-kg.nq").read_bytes().splitlines())
    triples = len((tmp_path / "d" / "ntp-kg.nt").read_bytes().splitlines())  # the real seeds are one part
    assert [line.split("] ", 1)[1] for line in lines] == [
        f"seeds linted and mapped: {quads:,} quads in 3 named graphs",
        "ntp-kg.nt and ntp-kg.nq written",
        "ntp-kg.ttl, ntp-kg.trig and ntp-kg.jsonld written",
        f"SHACL gate: part 1 screened ({triples:,} triples)",
        "SHACL gate: every part screened; the SPARQL constraints next, on the whole graph",
        "SHACL gate: conforms",
        "catalogue written",
    ]
    seconds = [float(line[1 : line.index(" s]")]) for line in lines]
    assert all(line.startswith("[") for line in lines) and seconds == sorted(seconds)
    assert "Conforms: 0 violation(s)" in r.stdout
    quiet = run("build", "--dist", str(tmp_path / "e"))
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert run("build", "--dist", str(tmp_path / "f"), "--no-progress").stderr == ""


def test_a_big_build_ends_its_process_without_freeing_and_loses_no_output(tmp_path: Path) -> None:
    """From `_EXIT_WITHOUT_FREEING` quads on the command ends with os._exit once all is written
    (freeing the union's Store takes tens of seconds at 1M observations). Here the threshold is
    lowered to our seeds: what was printed into the pipes still arrives, whole, exit code 0, and
    dist/ is in place, with the store version when there is one."""
    code = (
        "import sys, ntp_kg.cli as c; c._EXIT_WITHOUT_FREEING = 1; "
        f"c.app(['build', '--dist', {str(tmp_path / 'd')!r}, '--store', {str(tmp_path / 's')!r}, '--progress'], prog_name='ntp-kg'); "
        "print('not reached')"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    normal = run("build", "--dist", str(tmp_path / "e"), "--store", str(tmp_path / "t"), "--progress")
    assert (r.returncode, normal.returncode) == (0, 0), r.stderr
    assert "not reached" not in r.stdout

    def steps(text: str, dist: Path, store: Path) -> list[str]:
        """The lines without what differs between two builds: folders, seconds, version ids."""
        out = []
        for line in text.replace(str(dist), "DIST").replace(str(store), "STORE").splitlines():
            line = line.split("] ", 1)[-1]  # progress: the seconds since the start
            out.append(" ".join(w for w in line.split() if not w[:1].isdigit() and "Z-" not in w))
        return out

    assert steps(r.stdout, tmp_path / "d", tmp_path / "s") == steps(normal.stdout, tmp_path / "e", tmp_path / "t")
    assert steps(r.stderr, tmp_path / "d", tmp_path / "s") == steps(normal.stderr, tmp_path / "e", tmp_path / "t")
    assert steps(r.stderr, tmp_path / "d", tmp_path / "s")[-1] == "store version is current in STORE"
    assert (tmp_path / "d" / "SHA256SUMS").exists()
    assert json.loads((tmp_path / "s" / "current.json").read_text())["quads"] > 0


def test_build_with_a_store_reports_the_loaded_version(tmp_path: Path) -> None:
    r = run("build", "--dist", str(tmp_path / "d"), "--store", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    last, union = r.stdout.splitlines()[-2:]
    current = json.loads((tmp_path / "s" / "current.json").read_text())
    version = json.loads((tmp_path / "s" / "versions" / current["version"] / "manifest.json").read_text())
    assert union == f"  default graph: the union of the named graphs, each triple once ({version['default_graph_triples']} triples, as loaded)"
    assert last.startswith(f"loaded {current['quads']} quads in 3 named graphs into {tmp_path / 's'} in ")
    assert last.endswith(f" s (version {current['version']})")
    r = run("build", "--dist", str(tmp_path / "d2"), "--store", str(tmp_path / "d"))  # the dist of a build is no store
    assert r.returncode == 2 and "it is not empty and is not an ntp-kg store" in r.stderr and not (tmp_path / "d2").exists()


def test_build_refuses_a_bad_base(tmp_path: Path) -> None:
    r = run("build", "--dist", str(tmp_path / "d"), "--base", "not-an-iri")
    assert r.returncode == 2
    assert "must be an http(s) IRI ending in '/'" in r.stderr
    assert not (tmp_path / "d").exists()


def test_validate_conforming_dump_exits_0(dist: Path) -> None:
    r = run("validate", str(dist / "ntp-kg.trig"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("Conforms: 0 violation(s)")


def test_validate_broken_file_exits_1(dist: Path, tmp_path: Path) -> None:
    nt = (dist / "ntp-kg.nt").read_text(encoding="utf-8")
    broken = tmp_path / "broken.nt"
    lines = [
        line
        for line in nt.splitlines()
        if not ("/id/obs/" in line.split(" ", 1)[0] and "<http://www.w3.org/ns/prov#wasDerivedFrom>" in line)
    ]
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("validate", str(broken))
    assert r.returncode == 1
    assert r.stdout.startswith("Does not conform")
    assert "wasDerivedFrom" in r.stdout


def test_validate_a_lone_observation_reports_instead_of_crashing(tmp_path: Path) -> None:
    """A graph without the Data Cube structure: IC-12's check meets an unbound ?dim, which made
    rdflib's SUM raise inside pySHACL (a traceback, not a report)."""
    lone = tmp_path / "lone.ttl"
    lone.write_text("<https://w3id.org/ntp-kg/id/obs/x> a <http://purl.org/linked-data/cube#Observation> .\n", encoding="utf-8")
    r = run("validate", str(lone))
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("Does not conform: 8 violation(s), 0 warning(s)")
    assert "The dimensions of ntpdsd:observations are not the five that shapes:IC-12 checks ()" in r.stdout
    assert "Traceback" not in r.stderr


def test_validate_unparsable_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    r = run("validate", str(bad))
    assert r.returncode == 2
    assert "cannot parse as turtle" in r.stderr


def test_query_csv_and_syntax_error(dist: Path) -> None:
    q = "SELECT ?id WHERE { ?a a <https://w3id.org/ntp-kg/def/ontology#District> ; <http://purl.org/dc/terms/identifier> ?id } ORDER BY ?id"
    r = run("query", q, "--format", "csv", "--dist", str(dist))
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows == [["id"], ["bao-thang"], ["bao-yen"], ["muong-khuong"], ["si-ma-cai"]]
    bad = run("query", "SELECT ?x WHERE { ?x", "--dist", str(dist))
    assert bad.returncode == 2
    assert "SPARQL syntax error" in bad.stderr


def test_query_with_an_unknown_name_says_so(dist: Path) -> None:
    r = run("query", "disbursement-by-programmes", "--dist", str(dist))
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "error: no query named 'disbursement-by-programmes' in sparql/ (`ntp-kg queries` lists them)\n"


def test_help_texts_keep_their_bracketed_defaults() -> None:
    """rich reads `[word ...]` in a help text as markup and drops it: the default of --dist vanished."""
    r = subprocess.run([*NTP_KG, "build", "--help"], capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "Build output folder (default: dist/ in the checkout)." in r.stdout
    r = subprocess.run([*NTP_KG, "load", "--help"], capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert "Usage: ntp-kg load [OPTIONS] [FILE[=GRAPH]]..." in r.stdout
    r = subprocess.run([*NTP_KG, "serve", "--help"], capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "400"})
    assert "each with its own copy of the data (with --store: sharing the store's pages) [CPU count + 1]." in r.stdout
    assert "Serve the build (or --data files, a --store, a --sparql-backend)" in r.stdout


def test_query_ask_prints_true(dist: Path) -> None:
    r = run("query", "ASK { ?s a <http://purl.org/linked-data/cube#Observation> }", "--dist", str(dist))
    assert (r.returncode, r.stdout) == (0, "true\n")


def test_query_without_build_explains(tmp_path: Path) -> None:
    r = run("query", "ASK {}", "--dist", str(tmp_path / "none"))
    assert r.returncode == 2
    assert "run `ntp-kg build`" in r.stderr


def test_query_refuses_service_and_updates(dist: Path) -> None:
    for q, msg in [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE is not allowed"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL Update is not allowed"),
    ]:
        r = run("query", q, "--dist", str(dist))
        assert r.returncode == 2, q
        assert msg in r.stderr


def test_query_from_named_graph_restricts_the_dataset(dist: Path) -> None:
    q = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/ntp-kg/graph/ontology> WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }"
    r = run("query", q, "--format", "csv", "--dist", str(dist))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["n", "0"]
    union = run("query", q.replace("FROM <https://w3id.org/ntp-kg/graph/ontology> ", ""), "--format", "csv", "--dist", str(dist))
    assert union.stdout.splitlines() == ["n", "60"]


def test_query_counts_a_triple_in_two_graphs_once(tmp_path: Path) -> None:
    """The default graph is the union as a set: pyoxigraph's own union would give the triple
    `s p 1`, held by both graphs, twice (COUNT 3, SUM 4)."""
    s, p = "<http://example.org/s>", "<http://example.org/p>"
    one, two = ('"%d"^^<http://www.w3.org/2001/XMLSchema#integer>' % n for n in (1, 2))
    (tmp_path / "ntp-kg.nq").write_text(f"{s} {p} {one} <http://example.org/g1> .\n{s} {p} {two} <http://example.org/g1> .\n{s} {p} {one} <http://example.org/g2> .\n", encoding="utf-8")
    r = run("query", "SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?sum) WHERE { ?s ?p ?o }", "--format", "csv", "--dist", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["n,sum", "2,3"]
    r = run("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv", "--dist", str(tmp_path))
    assert r.stdout.splitlines() == ["n", "3"]


def test_query_a_store_as_the_build(dist: Path, tmp_path: Path) -> None:
    """`query --store` reads a loaded version: the same answers as the build's ntp-kg.nq, and the
    union each triple once however the version was loaded."""
    q = "SELECT ?id WHERE { ?a a <https://w3id.org/ntp-kg/def/ontology#District> ; <http://purl.org/dc/terms/identifier> ?id } ORDER BY ?id"
    assert run("load", "--store", str(tmp_path / "s"), "--dist", str(dist)).returncode == 0
    r = run("query", q, "--format", "csv", "--store", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == run("query", q, "--format", "csv", "--dist", str(dist)).stdout
    assert r.stdout.splitlines() == ["id", "bao-thang", "bao-yen", "muong-khuong", "si-ma-cai"]
    s, p = "<http://example.org/s>", "<http://example.org/p>"
    (tmp_path / "data.trig").write_text(f"<http://example.org/g1> {{ {s} {p} 1 , 2 . }}\n<http://example.org/g2> {{ {s} {p} 1 . }}\n", encoding="utf-8")
    assert run("load", "--store", str(tmp_path / "t"), str(tmp_path / "data.trig")).returncode == 0
    r = run("query", "SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?sum) WHERE { ?s ?p ?o }", "--format", "csv", "--store", str(tmp_path / "t"))
    assert r.stdout.splitlines() == ["n,sum", "2,3"]
    both = run("query", "ASK {}", "--store", str(tmp_path / "t"), "--dist", str(dist))
    assert (both.returncode, both.stderr) == (2, "error: give either --store or --dist: the store holds what was loaded from a build\n")
    missing = run("query", "ASK {}", "--store", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no such store folder" in missing.stderr
