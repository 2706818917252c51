"""A file read while it is written (`follow.GrowingFile`): the build loads its union Store
from ntp-kg.nt as the merge writes it."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg import quadtext
from ntp_kg.follow import GrowingFile, WriteFailed

LINES = [f"<urn:s{i}> <urn:p> \"{i}\" .\n".encode() for i in range(20_000)]


def _write_slowly(path: Path, then: str, growing: GrowingFile) -> None:
    """Writes LINES in small flushed chunks with pauses, so the reader often reaches the end of
    what is written (and a line is often cut across two reads); then finishes or fails."""
    with open(path, "wb") as f:
        for i in range(0, len(LINES), 997):
            f.write(b"".join(LINES[i : i + 997]))
            f.flush()
            time.sleep(0.002)
        if then == "fail":
            growing.fail()
            return
    growing.finish()


def test_the_reader_gets_every_byte_written(tmp_path: Path) -> None:
    path = tmp_path / "u.nt"
    growing = GrowingFile(path)  # before the writer opens it, as in the build
    writer = threading.Thread(target=_write_slowly, args=(path, "finish", growing))
    writer.start()
    with io.BufferedReader(growing, 4096) as f:
        store = quadtext.ntriples_store(f)
    writer.join()
    assert len(store) == len(LINES)
    assert ox.Literal("19999") in {q.object for q in store.quads_for_pattern(ox.NamedNode("urn:s19999"), None, None)}


def test_a_writer_that_fails_fails_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "u.nt"
    growing = GrowingFile(path)
    writer = threading.Thread(target=_write_slowly, args=(path, "fail", growing))
    writer.start()
    with io.BufferedReader(growing, 4096) as f, pytest.raises(WriteFailed, match=f"^{path} was not written whole: its writer failed$"):
        f.read()
    writer.join()
