"""A file read while it is written (`follow.GrowingFile`): the build loads its union Store
from ntp-kg.nt as the merge writes it."""

from __future__ import annotations

import gzip
import io
import json
import random
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from ntp_kg import publish, quadtext
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


def test_a_twin_made_as_the_dump_is_written_is_the_twin_of_the_written_file(tmp_path: Path) -> None:
    """What the dumps' process does for ntp-kg.jsonld: gzip and hashes read the dump as it grows,
    in uneven pieces, and give the bytes and digests that the twin of the whole file gives."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    growing = GrowingFile(tmp_path / "a" / "u.nt")
    writer = threading.Thread(target=_write_slowly, args=(tmp_path / "a" / "u.nt", "finish", growing))
    writer.start()
    alongside = publish.twin(tmp_path / "a", growing.name, growing)
    writer.join()
    assert growing.closed
    (tmp_path / "b" / "u.nt").write_bytes(b"".join(LINES))
    after = publish.twin(tmp_path / "b", "u.nt")
    assert alongside == after
    assert alongside["u.nt"][0] == len(b"".join(LINES))
    assert (tmp_path / "a" / "u.nt.gz").read_bytes() == (tmp_path / "b" / "u.nt.gz").read_bytes()


class _Uneven(io.RawIOBase):
    """Bytes read back in pieces of random sizes, as a file read while it is written may be."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data, self._at, self._rng = data, 0, random.Random(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(b), self._rng.randrange(1, 40_000), len(self._data) - self._at)
        b[:n] = self._data[self._at : self._at + n]
        self._at += n
        return n


@pytest.mark.parametrize("seed", range(3))
def test_a_twin_read_in_uneven_pieces_is_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """zlib-ng (unlike zlib) writes other bytes for the same input handed over in other pieces:
    the twin of a dump read as it grows, in pieces of whatever size was written, must still be
    the twin of the whole file (eight pieces of 64 KiB here; 4 MiB in the build)."""
    monkeypatch.setattr(publish, "_CHUNK", 64 << 10)
    data = b"".join(LINES)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "u.nt").write_bytes(data)
    (tmp_path / "a" / "u.nt").write_bytes(data)  # twin() names the files; the bytes come from the source
    uneven = publish.twin(tmp_path / "a", "u.nt", _Uneven(data, seed))  # type: ignore[arg-type]
    whole = publish.twin(tmp_path / "b", "u.nt")
    assert uneven == whole
    assert (tmp_path / "a" / "u.nt.gz").read_bytes() == (tmp_path / "b" / "u.nt.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a" / "u.nt.gz").read_bytes()) == data


@pytest.mark.parametrize("streamed", [True, False])
def test_write_jsonld_tells_its_reader_whether_the_file_it_read_is_the_dump(tmp_path: Path, streamed: bool) -> None:
    """jsonld.write streams our graphs; a blank node sends it back to rdflib, which rewrites the
    file: a reader of the first attempt is then failed (the dumps' process makes the twin again)."""
    ex = "http://example.org/"
    subject = ox.NamedNode(ex + "a") if streamed else ox.BlankNode("b0")
    ts = [ox.Triple(subject, ox.NamedNode(ex + "p"), ox.Literal(str(i))) for i in range(3)] + [
        ox.Triple(ox.NamedNode(ex + "c"), ox.NamedNode(ex + "p"), ox.Literal("x"))
    ]
    path = tmp_path / "g.jsonld"
    reader = GrowingFile(path)
    publish.write_jsonld(lambda: ts, {"ex": ex}, path, tmp_path, reader)
    assert reader.failed is not streamed
    if streamed:
        assert publish.twin(tmp_path, reader.name, reader)["g.jsonld"] == publish.size_and_sha256(path.read_bytes())
    else:
        with pytest.raises(WriteFailed):
            publish.twin(tmp_path, reader.name, reader)
        assert json.loads(path.read_bytes())["@graph"]  # rdflib's document
