"""The Turtle, TriG and JSON-LD dumps written by a second process beside the gate
(`dumps_process`): the same bytes as the build's own writers, clear failures, stopped with a
failed build. The build's own use of it is tested in tests/test_pipeline.py."""

from __future__ import annotations

import io
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ntp_kg import dumps_process, jsonld, publish
from ntp_kg.dumps_process import DumpsProcess
from ntp_kg.errors import OutputError
from ntp_kg.pipeline import BuildResult


def _staged(dist: Path, folder: Path) -> Path:
    """A staging folder as the build leaves it before the other dumps: ntp-kg.nt and .nq only."""
    folder.mkdir()
    for name in ("ntp-kg.nt", "ntp-kg.nq"):
        (folder / name).write_bytes((dist / name).read_bytes())
    return folder


def test_it_writes_what_the_build_writes(built: BuildResult, dist: Path, tmp_path: Path) -> None:
    folder = _staged(dist, tmp_path / "staged")
    written = DumpsProcess.start(folder, built.graph.graph_blocks()).result()
    names = ["ntp-kg.ttl", "ntp-kg.trig", "ntp-kg.jsonld"]
    assert sorted(written) == sorted([*names, *(n + ".gz" for n in names), publish.CONTEXT])
    for name, (size, sha) in written.items():
        data = (folder / name).read_bytes()
        assert data == (dist / name).read_bytes(), name
        assert (size, sha) == publish.size_and_sha256(data)


def test_a_failure_is_an_output_error_with_its_message(built: BuildResult, dist: Path, tmp_path: Path) -> None:
    folder = _staged(dist, tmp_path / "staged")
    (folder / "ntp-kg.nt").unlink()  # as if removed under the build
    with pytest.raises(OutputError) as exc:
        DumpsProcess.start(folder, built.graph.graph_blocks()).result()
    message = str(exc.value)
    assert message.startswith(f"the second process writing ntp-kg.ttl, .trig and .jsonld in {folder} exited with code 1; nothing was replaced.")
    assert message.endswith("What it said:\ncould not write ntp-kg.ttl from ntp-kg.nt: No such file or directory (os error 2)")


def test_stop_kills_it_and_ends_the_feeding_thread(dist: Path, tmp_path: Path) -> None:
    """A failed build stops the writer before removing its folder: killed and waited for (so it
    writes nothing after), and the thread feeding it an endless input ends (its pipe breaks)."""
    folder = _staged(dist, tmp_path / "staged")
    endless = itertools.repeat(b"<urn:s> <urn:p> <urn:o> <urn:g> .\n" * 1000)
    proc = DumpsProcess.start(folder, endless)
    while not (folder / "ntp-kg.trig").exists():  # it is writing
        assert proc._process.poll() is None
        time.sleep(0.01)
    proc.stop()
    assert proc._process.returncode == -signal.SIGKILL
    assert not proc._feeder.is_alive()


def test_run_by_hand_without_a_folder_it_says_how_to_run_it(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "ntp_kg.dumps_process", str(tmp_path / "missing")], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert r.stderr == "usage: python -m ntp_kg.dumps_process STAGING-FOLDER < GRAPH-MAJOR.nq (a folder holding ntp-kg.nt; the quads of ntp-kg.trig on stdin)\n"
    assert r.stdout == ""


def test_it_runs_at_a_lower_priority(dist: Path, tmp_path: Path) -> None:
    """Its files are needed only once the gate is done: it yields the cores to the build."""
    folder = _staged(dist, tmp_path / "staged")
    proc = DumpsProcess.start(folder, itertools.repeat(b"<urn:s> <urn:p> <urn:o> <urn:g> .\n" * 1000))
    try:
        while not (folder / "ntp-kg.trig").exists():
            assert proc._process.poll() is None
            time.sleep(0.01)
        time.sleep(0.01)
        assert os.getpriority(os.PRIO_PROCESS, proc._process.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 10
    finally:
        proc.stop()


def test_the_twins_threads_yield_to_the_build() -> None:
    """The gzip twins are needed only by the commit: the staging's threads run at lower
    priority (a thread's own niceness, Linux), the build's own thread does not."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with publish.Staging(None) as stage:
        tid = stage._pool.submit(threading.get_native_id).result()
        assert os.getpriority(os.PRIO_PROCESS, tid) == max(own, 10)
    assert os.getpriority(os.PRIO_PROCESS, 0) == own


def test_a_failing_jsonld_writer_fails_the_writer_and_its_twin_does_not_wait_for_it(
    built: BuildResult, dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ntp-kg.jsonld's twin reads the dump as it is written: when the writer raises, the twin's
    thread is told, so the writer's failure is reported rather than waited on for ever."""
    folder = _staged(dist, tmp_path / "staged")

    def failing(*_args: object, **_kw: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonld, "write", failing)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            dumps_process.write(folder, io.BytesIO(b"".join(built.graph.graph_blocks())))
        except BaseException as exc:  # noqa: BLE001 - looked at below
            outcome.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the writer waits for the JSON-LD twin"
    assert str(outcome[0]) == "could not write ntp-kg.jsonld from ntp-kg.nt: No space left on device"
