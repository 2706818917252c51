"""A file read while another thread writes it.

The build's union Store is loaded from ntp-kg.nt, which takes minutes at 1M observations, and the
gate waits for it. Reading the file as it is written, instead of after, starts that load when the
merge starts writing rather than when it ends (the merge writes for 60 s at 1M). The writer says when it is done (`finish`) or failed
(`fail`); until then, the end of what is on disk is not the end of the file.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path


class WriteFailed(OSError):
    """The writer stopped before the end: what was read is not the whole file."""


class GrowingFile(io.RawIOBase):
    """`path` as it grows, for one reader; created empty when missing, so that the writer (which
    opens it with "wb": same file, truncated) and the reader may start in either order."""

    _POLL = 0.05  # seconds a reader at the end of the written bytes waits before it looks again

    def __init__(self, path: Path) -> None:
        path.touch()
        self._path = path
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._done = threading.Event()
        self._failed = False

    @property
    def name(self) -> str:
        """The file's name in its folder."""
        return self._path.name

    @property
    def failed(self) -> bool:
        """The writer said it failed (`fail`)."""
        return self._failed

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while True:
            n = self._file.readinto(b)
            if n:
                return n
            if self._done.is_set():
                if self._failed:
                    raise WriteFailed(f"{self._path} was not written whole: its writer failed")
                return self._file.readinto(b) or 0  # what the writer wrote before it finished
            self._done.wait(self._POLL)

    def finish(self) -> None:
        """The writer has closed the file: its end is the end."""
        self._done.set()

    def fail(self) -> None:
        """The writer failed: the reader gets `WriteFailed` at the end of what was written."""
        self._failed = True
        self._done.set()

    def close(self) -> None:
        self._file.close()
        super().close()
