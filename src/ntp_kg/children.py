"""Child processes that must not outlive the process that started them.

A query worker or a dump writer left running after its parent died would hold memory, a core
and (the writer) files in a staging folder that the next build removes; Linux can kill it when
its parent dies. Elsewhere the parent's own clean-up stops it.
"""

from __future__ import annotations

import ctypes
import signal
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """SIGKILL this process when its parent thread ends (Linux only)."""
    if sys.platform.startswith("linux"):
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
