"""Sorting more lines than memory holds: sorted runs spilled to disk, then one streaming merge.

At a million observations the build has tens of millions of N-Quads lines; sorting them as one
Python list takes more memory than the machine has. Lines are gathered up to a byte budget,
sorted, and appended as a run to a run file; `merged()` then yields every line in order with
`heapq.merge`, reading each run in 1 MiB chunks. While everything fits in one run nothing touches
the disk, so small builds pay nothing for it. A run is a region of a file (`Run`), so runs sorted
by another process into a file it was handed can be merged here too (`adopt`; the map's worker,
`forkmap`).

A line is bytes ending with b"\\n" and holding no other b"\\n" or b"\\r" (runs are read back
with `bytes.splitlines`; callers that sort multi-line records escape their line breaks, as
N-Triples and JSON text do). Lines compare as bytes: UTF-8 keeps code point order.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DEFAULT_RUN_BYTES = 256 * 1024 * 1024
_PER_LINE = 100  # a bytes object's header and its list slot, counted against the budget


@dataclass(frozen=True)
class Run:
    """Sorted lines: bytes `start` to `end` of `file`."""

    file: IO[bytes]
    start: int
    end: int


class ExternalSort:
    """Add lines, then read them back sorted (`merged`), or sorted without repeats (`unique`), as
    often as needed (each read is its own merge, so two can run side by side).

    Runs are appended to one anonymous temporary file in `workdir` (the system's temporary folder
    if None), or to `run_file` if given (a file another process writes: see `adopt`); the
    operating system removes an anonymous file when it is closed (`close()`, the end of a `with`
    block) or when the process ends, however it ends. `run_bytes` bounds the memory the pending
    lines take."""

    def __init__(self, workdir: Path | None = None, run_bytes: int = DEFAULT_RUN_BYTES, run_file: IO[bytes] | None = None) -> None:
        self._workdir = workdir
        self._run_bytes = run_bytes
        self._runs: list[Run] = []
        self._run_file = run_file
        self._files: list[IO[bytes]] = [run_file] if run_file is not None else []  # closed by close()
        self._end = 0  # of the lines written to _run_file
        self._lines: list[bytes] = []
        self._blocks: list[bytes] = []
        self._size = 0
        self._sealed = False
        self.count = 0

    def add(self, line: bytes) -> None:
        if self._sealed:
            raise RuntimeError("lines added after the sort was read")
        self._lines.append(line)
        self._size += len(line) + _PER_LINE
        self.count += 1
        if self._size >= self._run_bytes:
            self.spill()

    def extend(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.add(line)

    def add_block(self, block: bytes, lines: int) -> None:
        """Add `lines` lines joined in one bytes object (a whole graph at once). The block is kept
        as it is until the run is sorted: a caller that keeps the same block (the spool) holds it
        once, and no line object is made before then."""
        if self._sealed:
            raise RuntimeError("lines added after the sort was read")
        self._blocks.append(block)
        self._size += len(block) + _PER_LINE * lines
        self.count += lines
        if self._size >= self._run_bytes:
            self.spill()

    @property
    def runs(self) -> int:
        """Runs written or adopted so far (0: everything is still in memory)."""
        return len(self._runs)

    def run_regions(self) -> list[tuple[int, int]]:
        """(start, end) of each run in the run file: what a worker hands back (`adopt`)."""
        return [(r.start, r.end) for r in self._runs]

    def spill(self) -> None:
        """Sort the pending lines and append them as a run to the run file."""
        self._take_blocks()
        if not self._lines:
            return
        self._lines.sort()
        if self._run_file is None:
            self._run_file = tempfile.TemporaryFile(prefix="ntp-kg-run-", dir=self._workdir, buffering=1 << 20)  # noqa: SIM115 - closed by close()
            self._files.append(self._run_file)
        f = self._run_file
        f.seek(self._end)
        f.writelines(self._lines)
        f.flush()
        end = f.tell()
        self._runs.append(Run(f, self._end, end))
        self._end = end
        self._lines = []
        self._size = 0

    def adopt(self, file: IO[bytes], regions: Iterable[tuple[int, int]], lines: int) -> None:
        """Merge also the runs that another sort wrote to `file` (its `run_regions`), `lines`
        lines in all. `file` is closed with this sort."""
        if self._sealed:
            raise RuntimeError("lines added after the sort was read")
        self._files.append(file)
        self._runs.extend(Run(file, start, end) for start, end in regions)
        self.count += lines

    def merged(self) -> Iterator[bytes]:
        """Every line added, in order (repeats kept)."""
        if not self._sealed:
            self._sealed = True
            if self._runs:
                self.spill()
            else:
                self._take_blocks()
                self._lines.sort()
        if not self._runs:
            return iter(self._lines)
        return heapq.merge(*(_lines_of(run) for run in self._runs))

    def unique(self) -> Iterator[bytes]:
        """Every distinct line, in order."""
        prev = None
        for line in self.merged():
            if line != prev:
                yield line
                prev = line

    def _take_blocks(self) -> None:
        for block in self._blocks:
            self._lines.extend(block.splitlines(keepends=True))
        self._blocks = []

    def close(self) -> None:
        for f in self._files:
            f.close()
        self._files, self._runs, self._lines, self._blocks = [], [], [], []

    def __enter__(self) -> ExternalSort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lines_of(run: Run, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A run's lines, read at this reader's own offsets (os.pread), so merges do not share a file
    position."""
    fd, offset, rest = run.file.fileno(), run.start, b""
    while offset < run.end:
        data = os.pread(fd, min(chunk, run.end - offset), offset)
        if not data:
            raise OSError(f"a sort run ended at byte {offset} of its file, before byte {run.end}")
        offset += len(data)
        lines = (rest + data).splitlines(keepends=True)
        rest = lines.pop() if not lines[-1].endswith(b"\n") else b""
        yield from lines
    if rest:
        yield rest
