"""The Turtle, TriG and JSON-LD dumps, written by a second Python process while the build validates.

Writing them is Python work: pyoxigraph's serializers are fed one term at a time and the JSON-LD
is compacted node by node. In the build's own process that holds the GIL the SHACL gate needs,
so a build used one core of two (at 100k observations the dumps took 36 s, the gate 57 s, one
after the other). This process reads the graph-major N-Quads (the order of ntp-kg.trig; ntp-kg.nq is sorted by
statement) on its stdin, from a thread of the build that reads them from the spool, and
ntp-kg.nt, which the build has written before starting it. It writes the bytes the build's own
writers write (`publish.Staging.write_dumps`; tested), each with its gzip twin, while the gate runs.

It is `python -m ntp_kg.dumps_process FOLDER`: it prints the size and SHA-256 of each file it
wrote as JSON on stdout, or an error on stderr and exits non-zero. It dies with the build
(PR_SET_PDEATHSIG), runs at `children.BACKGROUND_NICENESS` (its files are needed only once the
gate is done; idle cores still go to it) and ignores Ctrl-C: the build stops it before removing a failed staging folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, BinaryIO

import pyoxigraph as ox

from . import children, publish, resources
from .errors import OutputError
from .follow import GrowingFile

MODULE = "ntp_kg.dumps_process"  # its name also when run as __main__


class DumpsProcess:
    """The running writer, as the build sees it."""

    def __init__(self, process: subprocess.Popen[bytes], out: IO[bytes], err: IO[bytes], folder: Path, graph_major: Iterable[bytes]) -> None:
        self._process, self._out, self._err, self._folder = process, out, err, folder
        self._feed_error: OSError | None = None
        self._feeder = threading.Thread(target=self._feed, args=(graph_major,), name="ntp-kg-dumps-feed", daemon=True)
        self._feeder.start()

    @classmethod
    def start(cls, folder: Path, graph_major: Iterable[bytes]) -> DumpsProcess:
        """`graph_major`: the N-Quads of ntp-kg.trig, in blocks (`SpooledQuads.graph_blocks`),
        read in a thread of this process (file reads and pipe writes release the GIL)."""
        # Files, not pipes, for its output: nobody reads a pipe while the gate runs, and a full
        # one would block the writer. The data root is passed on so both read the same files.
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        env = {**os.environ, "NTP_KG_ROOT": str(resources.data_root())}
        process = subprocess.Popen([sys.executable, "-m", MODULE, str(folder)], stdin=subprocess.PIPE, stdout=out, stderr=err, env=env)
        return cls(process, out, err, folder, graph_major)

    def _feed(self, blocks: Iterable[bytes]) -> None:
        pipe = self._process.stdin
        assert pipe is not None
        try:
            for block in blocks:
                pipe.write(block)
        except (BrokenPipeError, ValueError):  # it died (its exit code says why), or was stopped
            pass
        except OSError as exc:  # reading the spool failed: the writer sees a short input and fails
            self._feed_error = exc
        finally:
            with contextlib.suppress(OSError):  # a broken pipe again, when it died
                pipe.close()

    def result(self) -> dict[str, tuple[int, str]]:
        """Waits for the writer: size and SHA-256 of each file it wrote (dumps, twins, context)."""
        try:
            self._feeder.join()
            if self._feed_error is not None:
                self._process.kill()
                raise self._feed_error
            code = self._process.wait()
            self._out.seek(0)
            self._err.seek(0)
            out, err = self._out.read(), self._err.read().decode("utf-8", "replace").strip()
        finally:
            self._out.close()
            self._err.close()
        if code != 0:
            how = f"was killed by {signal.Signals(-code).name}" if code < 0 and -code in signal.valid_signals() else f"exited with code {code}"
            tail = "\n".join(err.splitlines()[-12:]) or "(nothing on stderr)"
            raise OutputError(
                f"the second process writing ntp-kg.ttl, .trig and .jsonld in {self._folder} {how}; nothing was replaced. "
                f"What it said:\n{tail}"
            )
        written: dict[str, tuple[int, str]] = {name: (int(size), str(sha)) for name, (size, sha) in json.loads(out).items()}
        return written

    def stop(self) -> None:
        """Kill it and wait (a failed build), so no file is written after its folder is removed."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._feeder.join()
        self._out.close()
        self._err.close()


class _Failed(Exception):
    """Writing one file failed; the message names it (pyoxigraph's I/O errors name no file)."""


def write(folder: Path, graph_major: BinaryIO) -> dict[str, tuple[int, str]]:
    """The writers, one after the other, each dump's twin made in a thread while the next is
    written. TriG first: its input comes through a pipe that the build feeds."""
    step = "ntp-kg.trig from the quads on stdin"
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntp-kg-twin") as pool, ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntp-kg-twin-jsonld") as alongside:
            quads = ox.parse(graph_major, format=ox.RdfFormat.N_QUADS, lenient=True)  # the spool's own lines
            jobs = [pool.submit(publish.twin, folder, publish.write_trig(folder, quads))]
            step = "ntp-kg.ttl from ntp-kg.nt"
            jobs.append(pool.submit(publish.twin, folder, publish.write_turtle(folder)))
            step = "ntp-kg.jsonld from ntp-kg.nt"
            # The last dump: its twin is made as it is written (zlib-ng and hashlib without the
            # GIL), not after it, when it would be all that is left to do (32 s at 1M observations).
            reader = GrowingFile(folder / f"{publish.BASENAME}.jsonld")
            twin = alongside.submit(publish.twin, folder, reader.name, reader)
            try:
                name, context = publish.write_jsonld_dump(folder, reader=reader)
            except BaseException:
                reader.fail()  # the twin's thread stops waiting for more
                raise
            jobs.append(twin if not reader.failed else pool.submit(publish.twin, folder, name))  # failed: rdflib's document replaced a first attempt
            step = "the gzip twins"
            written = {k: v for job in jobs for k, v in job.result().items()}
        step = publish.CONTEXT
        (folder / publish.CONTEXT).write_bytes(context)
    except OSError as exc:
        raise _Failed(f"could not write {step}: {exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}") from exc
    written[publish.CONTEXT] = publish.size_and_sha256(context)
    return written


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    children.die_with_parent()
    os.nice(children.BACKGROUND_NICENESS)
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(f"usage: python -m {MODULE} STAGING-FOLDER < GRAPH-MAJOR.nq (a folder holding ntp-kg.nt; the quads of ntp-kg.trig on stdin)", file=sys.stderr)
        return 2
    try:
        written = write(Path(argv[0]), sys.stdin.buffer)
    except _Failed as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
