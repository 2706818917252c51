"""`ntp-kg load`: bulk-loading dumps into an on-disk store, versions, the pointer, and every
refusal (a foreign folder, a file that does not parse, an empty file, a load already running),
through the real command line."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg import diskstore
from ntp_kg.server.sources import DataSource

NTP_KG = [sys.executable, "-m", "ntp_kg"]
SAMPLE = Path(__file__).parent / "server" / "data" / "sample.trig"
LOADED = re.compile(r"loaded (\d+) quads in (\d+) named graphs into (\S+) in [0-9.]+ s \(version (\S+)\)")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NTP_KG, *args], capture_output=True, text=True, timeout=120)


def in_memory(*specs: str) -> ox.Store:
    """The oracle: the same files loaded as `ntp-kg serve --data` loads them."""
    store = ox.Store()
    for spec in specs:
        DataSource.parse(spec).load_into(store)
    return store


def as_stored(*specs: str) -> ox.Store:
    """The oracle of a loaded version: the files' quads and, where they leave the default graph
    empty, every named graph's triples in it too (the union, each triple once)."""
    store = in_memory(*specs)
    quads = list(store)
    if quads and not any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return store


def same(a: ox.Store, b: ox.Store) -> bool:
    """The same quads, blank node labels aside (each load gives its blank nodes new labels)."""

    def key(t: object) -> str:
        return "_:b" if isinstance(t, ox.BlankNode) else str(t)

    def comparable(store: ox.Store) -> Counter[tuple[str, ...]]:
        return Counter((key(q.subject), key(q.predicate), key(q.object), key(q.graph_name)) for q in store)

    return comparable(a) == comparable(b)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file under a store folder with its bytes (None for a folder): what must not change."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def test_load_creates_a_store_with_the_dump(dist: Path, tmp_path: Path) -> None:
    root = tmp_path / "store"
    r = run("load", "--store", str(root), str(dist / "ntp-kg.nq"))
    assert r.returncode == 0, r.stderr
    first, union = r.stdout.strip().split("\n")
    m = LOADED.fullmatch(first)
    assert m is not None, r.stdout
    oracle = as_stored(str(dist / "ntp-kg.nq"))
    graphs = sorted(g.value for g in oracle.named_graphs() if isinstance(g, ox.NamedNode))
    assert (int(m[1]), int(m[2]), m[3]) == (len(oracle), len(graphs), str(root.resolve()))
    assert (root / ".ntp-kg-store").is_file()
    assert json.loads((root / "current.json").read_text())["version"] == m[4]
    assert diskstore.versions(root) == [m[4]]
    version = diskstore.current(root)
    assert [g for g, _ in version.named_graphs] == graphs
    assert version.manifest["sources"] == [{"path": str((dist / "ntp-kg.nq").resolve()), "graph": None, "bytes": (dist / "ntp-kg.nq").stat().st_size}]
    assert same(version.open(), oracle)
    assert version.manifest["default_graph_copied"] is True
    assert re.fullmatch(rf"  default graph: the union of the named graphs, each triple once \({len(list(oracle.quads_for_pattern(None, None, None, ox.DefaultGraph())))} triples, copied from the graphs in [0-9.]+ s\)", union), union
    assert sorted(p.name for p in root.iterdir()) == [".lock", ".ntp-kg-store", "current.json", "versions"]


def test_load_without_files_loads_the_build(dist: Path, tmp_path: Path) -> None:
    """The build's graphs (ntp-kg.nq) and their union in the default graph (ntp-kg.nt)."""
    r = run("load", "--store", str(tmp_path / "s"), "--dist", str(dist))
    assert r.returncode == 0, r.stderr
    version = diskstore.current(tmp_path / "s")
    assert [e["path"] for e in version.manifest["sources"]] == [str((dist / name).resolve()) for name in ("ntp-kg.nq", "ntp-kg.nt")]
    assert same(version.open(), as_stored(str(dist / "ntp-kg.nq"), str(dist / "ntp-kg.nt")))
    assert version.default_graph_is_union


def _default_is_union(store: ox.Store) -> bool:
    """The oracle: the default graph's triples are every graph's triples."""
    default = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    return default == {(q.subject, q.predicate, q.object) for q in store}


@pytest.mark.parametrize(
    "files",
    [
        ["ntp-kg.nq"],  # graphs only: the load gives the empty default graph their union
        ["ntp-kg.nq", "ntp-kg.nt"],  # the build's load
        ["ntp-kg.trig.gz", "ntp-kg.ttl.gz"],  # the same in other formats
        ["ntp-kg.ttl"],  # no named graph: the default graph is everything
        ["ntp-kg.nq", "part"],  # one triple of the union in the default graph
        ["ntp-kg.nt", "extra"],  # the union, and a named graph with a triple it lacks
    ],
)
def test_the_manifest_says_whether_the_default_graph_is_the_union(dist: Path, tmp_path: Path, files: list[str]) -> None:
    (tmp_path / "part.nt").write_bytes((dist / "ntp-kg.nt").read_bytes().splitlines(keepends=True)[0])
    extra = f"{tmp_path / 'extra.nt'}=http://example.org/graph/extra"
    (tmp_path / "extra.nt").write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n", encoding="utf-8")
    specs = [str(tmp_path / "part.nt") if f == "part" else extra if f == "extra" else str(dist / f) for f in files]
    r = run("load", "--store", str(tmp_path / "s"), *specs)
    assert r.returncode == 0, r.stderr
    version = diskstore.current(tmp_path / "s")
    expected = _default_is_union(as_stored(*specs))
    assert expected is (files in (["ntp-kg.nq"], ["ntp-kg.nq", "ntp-kg.nt"], ["ntp-kg.trig.gz", "ntp-kg.ttl.gz"], ["ntp-kg.ttl"]))
    assert same(version.open(), as_stored(*specs))
    assert version.default_graph_is_union is expected and version.manifest["default_graph_is_union"] is expected
    m = version.manifest
    assert (m["default_graph_triples"] == m["union_default_graph_triples"]) is expected


def test_formats_gz_and_graph_assignment(dist: Path, tmp_path: Path) -> None:
    ttl = f"{dist / 'ntp-kg.ttl.gz'}=http://example.org/graph/merged"
    r = run("load", "--store", str(tmp_path / "s"), str(dist / "ntp-kg.trig.gz"), ttl, str(SAMPLE))
    assert r.returncode == 0, r.stderr
    store = diskstore.current(tmp_path / "s").open()
    assert same(store, as_stored(str(dist / "ntp-kg.trig.gz"), ttl, str(SAMPLE)))
    assert ox.NamedNode("http://example.org/graph/merged") in set(store.named_graphs())


def test_versions_previous_kept_older_removed(dist: Path, tmp_path: Path) -> None:
    root = tmp_path / "s"
    ids = []
    for data in (str(SAMPLE), str(dist / "ntp-kg.nq"), str(SAMPLE)):
        r = run("load", "--store", str(root), data)
        assert r.returncode == 0, r.stderr
        m = LOADED.match(r.stdout)
        assert m is not None
        ids.append(m[4])
    assert ids == sorted(ids)
    assert f"previous version {ids[1]} kept" in r.stdout
    assert f"removed old version {ids[0]}" in r.stdout
    assert diskstore.versions(root) == ids[1:]
    assert diskstore.current(root).id == ids[2]
    assert len(diskstore.current(root).open()) == len(as_stored(str(SAMPLE)))


def test_a_version_in_use_is_not_removed(tmp_path: Path) -> None:
    root = tmp_path / "s"
    first = diskstore.load(root, [DataSource.parse(str(SAMPLE))]).version
    lease = first.lease()  # what a server holds while it serves a version
    try:
        diskstore.load(root, [DataSource.parse(str(SAMPLE))])
        third = diskstore.load(root, [DataSource.parse(str(SAMPLE))])
        assert third.removed == ()
        assert diskstore.versions(root)[0] == first.id
    finally:
        lease.release()
    fourth = diskstore.load(root, [DataSource.parse(str(SAMPLE))])
    assert first.id in fourth.removed
    assert len(diskstore.versions(root)) == 2


def test_a_corrupt_file_changes_nothing(dist: Path, tmp_path: Path) -> None:
    root = tmp_path / "s"
    assert run("load", "--store", str(root), str(SAMPLE)).returncode == 0
    before = snapshot(root)
    lines = (dist / "ntp-kg.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[99] = lines[99].rstrip().removesuffix(".") + "\n"  # line 100 loses its final dot
    bad = tmp_path / "broken.nq"
    bad.write_text("".join(lines), encoding="utf-8")
    r = run("load", "--store", str(root), str(SAMPLE), str(bad))
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == (
        f"error: {bad}: cannot load as N-Quads: Parser error at line 101 column 1: Quads must be followed by a dot "
        f"(line 101); the store at {root.resolve()} was not changed\n"
    )
    assert snapshot(root) == before  # the same version current, no half-written folder


def test_a_corrupt_gzip_changes_nothing(dist: Path, tmp_path: Path) -> None:
    root = tmp_path / "s"
    assert run("load", "--store", str(root), str(SAMPLE)).returncode == 0
    before = snapshot(root)
    bad = tmp_path / "cut.nq.gz"
    bad.write_bytes((dist / "ntp-kg.nq.gz").read_bytes()[:5000])
    r = run("load", "--store", str(root), str(bad))
    assert r.returncode == 2
    assert r.stderr == (
        f"error: {bad}: cannot load as N-Quads: Compressed file ended before the end-of-stream marker was reached; "
        f"the store at {root.resolve()} was not changed\n"
    )
    assert snapshot(root) == before


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.nq"
    empty.write_bytes(b"")
    r = run("load", "--store", str(tmp_path / "s"), str(empty))
    assert r.returncode == 2
    assert r.stderr == f"error: {empty}: no triples to load; the current version is kept\n"
    assert diskstore.versions(tmp_path / "s") == []
    assert not (tmp_path / "s" / "current.json").exists()
    assert not list((tmp_path / "s").glob(".new-*"))


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_a_foreign_path_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "mine"
    if kind == "folder":
        shutil.copytree(SAMPLE.parent, target)
    else:
        shutil.copy(SAMPLE, target)
    before = snapshot(target) if kind == "folder" else target.read_bytes()
    r = run("load", "--store", str(target), str(SAMPLE))
    assert r.returncode == 2
    assert r.stderr == (
        f"error: refusing to load into {target.resolve()}: it is not empty and is not an ntp-kg store "
        "(no .ntp-kg-store file); choose a new or empty folder for --store\n"
    )
    assert (snapshot(target) if kind == "folder" else target.read_bytes()) == before


def test_an_empty_folder_becomes_a_store(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    assert run("load", "--store", str(tmp_path / "s"), str(SAMPLE)).returncode == 0
    assert diskstore.is_store(tmp_path / "s")


def test_a_second_load_at_once_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "s"
    assert run("load", "--store", str(root), str(SAMPLE)).returncode == 0
    before = snapshot(root)
    fd = os.open(root / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running `ntp-kg load` holds it
        r = run("load", "--store", str(root), str(SAMPLE))
    finally:
        os.close(fd)
    assert r.returncode == 2
    assert r.stderr == f"error: {root.resolve()}: another `ntp-kg load` is writing into this store ({root.resolve() / '.lock'} is locked); wait for it to finish\n"
    assert snapshot(root) == before


def test_a_killed_load_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / "s"
    assert run("load", "--store", str(root), str(SAMPLE)).returncode == 0
    leftover = root / ".new-20000101T000000000000Z-dead00"  # what a load killed half-way leaves
    (leftover / "oxigraph").mkdir(parents=True)
    assert run("load", "--store", str(root), str(SAMPLE)).returncode == 0
    assert not leftover.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", "--store", "{tmp}/s", "{tmp}/missing.nq"], "error: {tmp}/missing.nq: no such file\n"),
        (["load", "--store", "{tmp}/s", "{sample}=not-an-iri"], "error: {sample}=not-an-iri: no such file\n"),
        (["load", "--store", "{tmp}/s", "--dist", "{tmp}/nodist"], "error: {tmp}/nodist/ntp-kg.nq does not exist: run `ntp-kg build` (or `make build`) first, or name the files to load\n"),
        (["serve", "--store", "{tmp}/s"], "error: {tmp}/s: no such store folder; create it with `ntp-kg load DUMP --store {tmp}/s`\n"),
        (["serve", "--store", "{tmp}"], "error: {tmp} is not an ntp-kg store (no .ntp-kg-store file); create one with `ntp-kg load DUMP --store {tmp}`\n"),
        (["serve", "--store", "{tmp}/s", "--data", "{sample}"], "error: give either --store or --data: a store is served as it was loaded (load more files with `ntp-kg load`)\n"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    fill = {"tmp": str(tmp_path.resolve()), "sample": str(SAMPLE)}
    r = run(*(a.format(**fill) for a in args))
    assert r.returncode == 2
    assert r.stderr == message.format(**fill)
    assert not (tmp_path / "s").exists()


def test_serve_refuses_a_store_with_no_version(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / ".ntp-kg-store").write_bytes(b"")
    r = run("serve", "--store", str(root))
    assert r.returncode == 2
    assert r.stderr == f"error: {root.resolve()}: no version has been loaded yet; run `ntp-kg load DUMP --store {root.resolve()}`\n"

