"""The build as a whole: deterministic bytes, and nothing published unless everything passes."""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ntp_kg import catalog, diskstore, gate_parts, publish, quadtext, resources, validate
from ntp_kg.errors import LintError, UnsafeOutput, ValidationFailed
from ntp_kg.extsort import DEFAULT_RUN_BYTES
from ntp_kg.pipeline import BuildResult, build
from ntp_kg.server.sources import DataSource

ROOT = resources.data_root()
NTP_KG = [sys.executable, "-m", "ntp_kg"]


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def _copy_root(tmp: Path) -> Path:
    root = tmp / "root"
    for name in ("ontology", "shapes", "seeds", "sparql"):
        shutil.copytree(ROOT / name, root / name)
    return root


@pytest.fixture
def other_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the data files that a test may break; the process reads it instead of ours."""
    root = _copy_root(tmp_path)
    monkeypatch.setenv("NTP_KG_ROOT", str(root))
    resources.data_root.cache_clear()
    validate.shapes_graph.cache_clear()
    yield root
    monkeypatch.delenv("NTP_KG_ROOT")
    resources.data_root.cache_clear()
    validate.shapes_graph.cache_clear()


def test_same_seeds_give_identical_bytes_across_processes(tmp_path: Path) -> None:
    """Two builds in fresh interpreters with different hash seeds write the same dumps."""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"dist{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([*NTP_KG, "build", "--dist", str(out)], check=True, env=env, capture_output=True)
        outs.append(out)
    for d in publish.DUMPS:
        assert (outs[0] / d.name).read_bytes() == (outs[1] / d.name).read_bytes(), d.name
        assert (outs[0] / (d.name + ".gz")).read_bytes() == (outs[1] / (d.name + ".gz")).read_bytes(), d.name


def test_a_build_that_spills_every_graph_to_disk_writes_the_same_files(tmp_path: Path, dist: Path) -> None:
    """A sort buffer of one byte sends each graph's sorted quads to a run file of its own (and
    the graph blocks to disk): every file of dist/ is the same bytes as an in-memory build's, and
    no temporary file is left beside it."""
    out = tmp_path / "dist"
    result = build(out, sort_buffer=1)
    assert result.graph.spilled
    assert _snapshot_bytes(out) == _snapshot_bytes(dist)
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


@pytest.mark.parametrize("sort_buffer", [1, DEFAULT_RUN_BYTES], ids=["spilled", "in-memory"])
def test_dumps_written_beside_the_gate_are_the_same_files(tmp_path: Path, dist: Path, sort_buffer: int) -> None:
    """From `pipeline.BESIDE_BYTES` of N-Triples on (about 5k observations), the Turtle, TriG and
    JSON-LD dumps are written by a second process while the gate runs: every file of dist/
    (catalogue and checksums included) is the same bytes as when the build writes them itself."""
    out = tmp_path / "dist"
    build(out, sort_buffer=sort_buffer, dumps_beside=True)
    assert _snapshot_bytes(out) == _snapshot_bytes(dist)
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def _dump_writers() -> list[int]:
    """This process's children that are `python -m ntp_kg.dumps_process`."""
    pids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return [p for p in pids if b"ntp_kg.dumps_process" in Path(f"/proc/{p}/cmdline").read_bytes()]


def test_the_next_build_removes_what_a_killed_build_left(tmp_path: Path) -> None:
    """SIGKILL (the out-of-memory killer's signal) leaves a build's staging folder behind; the
    next build of the same dist/ removes it, and only it: not a running build's folder, not a
    folder with no record of its writer, not another host's."""
    out = tmp_path / "dist"
    killed = subprocess.Popen([*NTP_KG, "build", "--dist", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not list(tmp_path.glob(".dist-new-*/.ntp-kg-building")):
        assert killed.poll() is None, "the build ended before it could be killed"
        time.sleep(0.01)
    killed.kill()
    killed.wait()
    (left,) = tmp_path.glob(".dist-new-*")
    running = tmp_path / ".dist-new-running"
    running.mkdir()
    (running / ".ntp-kg-building").write_text(f"{os.getpid()} {socket.gethostname()}\n")
    unknown = tmp_path / ".dist-new-unknown"
    unknown.mkdir()
    elsewhere = tmp_path / ".dist-new-elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".ntp-kg-building").write_text(f"{killed.pid} another-host\n")
    r = subprocess.run([*NTP_KG, "build", "--dist", str(out)], capture_output=True, text=True, check=True)
    assert f"removed {left}: the unfinished output of a build that was killed" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist-new-elsewhere", ".dist-new-running", ".dist-new-unknown", "dist"]
    assert not (out / ".ntp-kg-building").exists()


def _small_files() -> None:
    """In the child: writes past 100 kB fail with EFBIG (as a full disk fails with ENOSPC)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel's signal ends the process


def test_a_write_that_fails_is_a_clear_error_and_changes_nothing(tmp_path: Path, dist: Path) -> None:
    out = tmp_path / "dist"
    shutil.copytree(dist, out)
    before = _snapshot(out)
    r = subprocess.run([*NTP_KG, "build", "--dist", str(out)], capture_output=True, text=True, preexec_fn=_small_files)  # noqa: PLW1509 - a limit for this child only
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"error: could not write the build beside {out}: File too large")
    assert f"Nothing was replaced; {out} is as it was." in r.stderr
    assert "Traceback" not in r.stderr
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_cli_sort_buffer_must_be_positive(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "300"}
    r = subprocess.run([*NTP_KG, "build", "--dist", str(tmp_path / "d"), "--sort-buffer", "0"], capture_output=True, text=True, env=env)
    assert r.returncode == 2
    assert "Invalid value for '--sort-buffer'" in r.stderr and "greater than or equal to 1" in r.stderr
    assert not (tmp_path / "d").exists()


def _snapshot_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("beside", [False, True], ids=["dumps-in-process", "dumps-beside"])
def test_validation_failure_leaves_dist_untouched(tmp_path: Path, other_root: Path, dist: Path, beside: bool) -> None:
    """Also when a second process was writing dumps: it is stopped before its folder is removed."""
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    before = _snapshot(target)
    (other_root / "shapes" / "zz-impossible.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix qb: <http://purl.org/linked-data/cube#> .\n"
        "<urn:test:impossible> a sh:NodeShape ; sh:targetClass qb:Observation ;\n"
        "  sh:property <urn:test:impossible-p> .\n"
        "<urn:test:impossible-p> sh:path <urn:test:never> ; sh:minCount 1 .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as exc:
        build(target, dumps_beside=beside)
    assert str(exc.value).startswith("Does not conform: 60 violation(s)")
    assert _dump_writers() == []
    assert "urn:test:never" in str(exc.value)
    assert _snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "root"], "temporary folder left behind"


def test_lint_failure_leaves_dist_untouched(tmp_path: Path, other_root: Path, dist: Path) -> None:
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    before = _snapshot(target)
    facts = next((other_root / "seeds" / "facts").glob("*.yaml"))
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("بحلول 31 يناير 2025", "بحلول 30 يناير 2025"), encoding="utf-8")
    with pytest.raises(LintError, match="not found verbatim"):
        build(target)
    assert _snapshot(target) == before


def test_crash_while_writing_leaves_old_dist_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dist: Path, built: BuildResult) -> None:
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    before = _snapshot(target)
    calls = {"n": 0}
    real = Path.write_bytes

    def failing(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError, match="No space left"):
        publish.write_dist(built.graph, built.validation, target)
    monkeypatch.undo()
    assert _snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_rebuild_replaces_a_previous_dist_whole(tmp_path: Path, built: BuildResult, dist: Path) -> None:
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    (target / "stale.txt").write_text("old")
    publish.write_dist(built.graph, built.validation, target)
    assert not (target / "stale.txt").exists()
    assert (target / "ntp-kg.nt").read_bytes() == (dist / "ntp-kg.nt").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("kind", ["source tree", "file"])
def test_refuses_to_replace_what_a_build_did_not_write(tmp_path: Path, built: BuildResult, kind: str) -> None:
    """--dist pointed at a checkout (or any folder of someone's files) must not wipe it."""
    target = tmp_path / "work"
    if kind == "file":
        target.write_text("precious")
    else:
        (target / ".git").mkdir(parents=True)
        (target / "README.md").write_text("precious")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(UnsafeOutput, match="refusing to replace .*work: it is not empty and was not written by `ntp-kg build`"):
        publish.write_dist(built.graph, built.validation, target)
    with pytest.raises(UnsafeOutput):
        build(target)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_cli_default_dist_is_beside_the_data_not_the_working_directory(tmp_path: Path, other_root: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    env = {**os.environ, "NTP_KG_ROOT": str(other_root)}
    r = subprocess.run([*NTP_KG, "build"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (other_root / "dist" / "ntp-kg.nt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "root"]


def test_cli_refuses_a_dist_that_is_a_source_tree(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    r = subprocess.run([*NTP_KG, "build", "--dist", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "refusing to replace" in r.stderr
    assert (tmp_path / "seeds").is_dir()


# --- build --store: the store's load beside the build, current only with dist/ -----------------


def _store_state(root: Path) -> tuple[bytes, list[str], list[str]]:
    return (root / "current.json").read_bytes(), diskstore.versions(root), sorted(p.name for p in root.iterdir())


def test_build_with_a_store_loads_what_load_would(tmp_path: Path) -> None:
    result = build(tmp_path / "dist", store=tmp_path / "store")
    assert result.store is not None and result.store.previous is None
    version = result.store.version
    assert diskstore.current(tmp_path / "store").id == version.id
    m = version.manifest
    union = len((tmp_path / "dist" / "ntp-kg.nt").read_bytes().splitlines())
    # the named graphs, and their union in the default graph
    assert m["quads"] == len(result.graph) + union and [f"<{g}>" for g, _n in m["named_graphs"]] == result.graph.graph_names()
    assert m["default_graph_triples"] == m["union_default_graph_triples"] == union and m["default_graph_is_union"] is True
    assert version.default_graph_is_union
    dumps = [tmp_path / "dist" / "ntp-kg.nq", tmp_path / "dist" / "ntp-kg.nt"]
    assert m["sources"] == [{"path": str(p.resolve()), "graph": None, "bytes": p.stat().st_size} for p in dumps]
    loaded = diskstore.load(tmp_path / "other", [DataSource.parse(str(p)) for p in dumps]).version.manifest
    figures = ("quads", "named_graphs", "default_graph_triples", "union_default_graph_triples", "default_graph_is_union")
    assert {k: m[k] for k in figures} == {k: loaded[k] for k in figures}
    again = build(tmp_path / "dist", store=tmp_path / "store")  # the next build: a new version, the old one kept
    assert again.store is not None and again.store.previous == version.id
    assert diskstore.versions(tmp_path / "store") == sorted([version.id, again.store.version.id])


def test_build_with_a_store_counts_the_union_as_the_store_keeps_it(tmp_path: Path, other_root: Path) -> None:
    """A Store keeps "1.50"^^xsd:decimal and "1.5"^^xsd:decimal as one literal: two lines of
    ntp-kg.nt, one triple. The union's size in the new version's manifest (taken from the build's
    own Store, not counted again) is the one `ntp-kg load` counts."""
    (other_root / "ontology" / "zz-decimals.ttl").write_text(
        '<urn:test:x> <urn:test:ratio> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>, "1.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n',
        encoding="utf-8",
    )
    result = build(tmp_path / "dist", store=tmp_path / "store")
    assert result.store is not None
    nt_lines = len((tmp_path / "dist" / "ntp-kg.nt").read_bytes().splitlines())
    loaded = diskstore.load(tmp_path / "other", [DataSource.parse(str(tmp_path / "dist" / "ntp-kg.nq"))]).version.manifest
    assert result.store.version.manifest["union_default_graph_triples"] == loaded["union_default_graph_triples"] == nt_lines - 1


def test_the_union_store_loaded_as_the_file_is_written_is_the_union_file(built: BuildResult, dist: Path) -> None:
    """The Store the gate and the catalogue query (loaded as ntp-kg.nt is written, and handed
    back rather than freed) holds exactly the triples of ntp-kg.nt loaded once it is complete."""
    assert built.union is not None
    assert set(built.union) == set(quadtext.ntriples_store(dist / "ntp-kg.nt"))


def test_the_catalogue_asks_the_data_while_the_gate_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: BuildResult, dist: Path) -> None:
    """The catalogue's questions to the Store start before the gate has ended (they were the
    build's last step, on one core), and the catalogue is the same files."""
    asked = threading.Event()
    data_facts = catalog.data_facts
    validate_parts = gate_parts.validate_parts

    def facts(*args: Any, **kwargs: Any) -> catalog.DataFacts:
        asked.set()
        return data_facts(*args, **kwargs)

    def gate(*args: Any, **kwargs: Any) -> validate.ValidationReport:
        assert asked.wait(60), "the catalogue's facts were not asked while the gate ran"
        return validate_parts(*args, **kwargs)

    monkeypatch.setattr(catalog, "data_facts", facts)
    monkeypatch.setattr(gate_parts, "validate_parts", gate)
    again = tmp_path / "again"
    build(again)
    assert asked.is_set()
    for name in [*publish.CATALOG_FILES, "validation-report.ttl"]:
        assert (again / name).read_bytes() == (dist / name).read_bytes(), name


def test_a_failing_build_leaves_the_store_as_it_was(tmp_path: Path, other_root: Path) -> None:
    store = tmp_path / "store"
    build(tmp_path / "dist", store=store)
    before = _store_state(store)
    (other_root / "shapes" / "zz-impossible.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix qb: <http://purl.org/linked-data/cube#> .\n"
        "<urn:test:impossible> a sh:NodeShape ; sh:targetClass qb:Observation ;\n"
        "  sh:property [ sh:path <urn:test:never> ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    validate.shapes_graph.cache_clear()
    with pytest.raises(ValidationFailed):
        build(tmp_path / "dist", store=store)
    assert _store_state(store) == before  # no new version, no .new-* folder, the same pointer
    diskstore.load(store, [DataSource.parse(str(tmp_path / "dist" / "ntp-kg.nq"))])  # the writer lock was released


def test_a_store_that_cannot_be_loaded_fails_the_build_and_publishes_nothing(tmp_path: Path, dist: Path) -> None:
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    before = _snapshot(target)
    store = tmp_path / "store"
    store.mkdir()
    (store / diskstore.MARKER).write_bytes(b"")
    fd = os.open(store / diskstore.LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another `ntp-kg load` is writing into it
    try:
        with pytest.raises(diskstore.StoreError, match="another `ntp-kg load` is writing into this store"):
            build(target, store=store)
    finally:
        os.close(fd)
    assert _snapshot(target) == before
    assert sorted(p.name for p in store.iterdir()) == [diskstore.LOCK, diskstore.MARKER]
