"""Sorting more lines than memory holds: sorted runs spilled to disk, then one streaming merge.

At a million observations the build has tens of millions of N-Quads lines; sorting them as one
Python list takes more memory than the machine has. Lines are gathered up to a byte budget,
sorted, and written as a run file; `merged()` then yields every line in order with `heapq.merge`,
reading each run in 1 MiB chunks. While everything fits in one run nothing touches the disk, so
small builds pay nothing for it.

A line is bytes ending with b"\\n" and holding no other b"\\n" or b"\\r" (runs are read back
with `bytes.splitlines`; callers that sort multi-line records escape their line breaks, as
N-Triples and JSON text do). Lines compare as bytes: UTF-8 keeps code point order.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

DEFAULT_RUN_BYTES = 256 * 1024 * 1024
_PER_LINE = 100  # a bytes object's header and its list slot, counted against the budget


class ExternalSort:
    """Add lines, then read them back sorted (`merged`), or sorted without repeats (`unique`), as
    often as needed (each read is its own merge, so two can run side by side).

    Run files are anonymous temporary files in `workdir` (the system's temporary folder if None):
    the operating system removes them when they are closed (`close()`, the end of a `with` block)
    or when the process ends, however it ends. `run_bytes` bounds the memory the pending lines
    take."""

    def __init__(self, workdir: Path | None = None, run_bytes: int = DEFAULT_RUN_BYTES) -> None:
        self._workdir = workdir
        self._run_bytes = run_bytes
        self._runs: list[IO[bytes]] = []
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
        """Run files written so far (0: everything is still in memory)."""
        return len(self._runs)

    def spill(self) -> None:
        """Sort the pending lines and write them as a run file."""
        self._take_blocks()
        if not self._lines:
            return
        self._lines.sort()
        run = tempfile.TemporaryFile(prefix="ntp-kg-run-", dir=self._workdir, buffering=1 << 20)  # noqa: SIM115 - closed by close()
        run.writelines(self._lines)
        run.flush()
        self._runs.append(run)
        self._lines = []
        self._size = 0

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
        for run in self._runs:
            run.close()
        self._runs, self._lines, self._blocks = [], [], []

    def __enter__(self) -> ExternalSort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lines_of(run: IO[bytes], chunk: int = 1 << 20) -> Iterator[bytes]:
    """A run's lines, read at this reader's own offsets (os.pread), so merges do not share a file
    position."""
    fd, offset, rest = run.fileno(), 0, b""
    while True:
        data = os.pread(fd, chunk, offset)
        if not data:
            break
        offset += len(data)
        lines = (rest + data).splitlines(keepends=True)
        rest = lines.pop() if not lines[-1].endswith(b"\n") else b""
        yield from lines
    if rest:
        yield rest
