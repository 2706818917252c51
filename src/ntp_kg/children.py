"""Work beside the main line: child processes that must not outlive their parent, and the
priority of work whose result is needed only later.

A query worker or a dump writer left running after its parent died would hold memory, a core
and (the writer) files in a staging folder that the next build removes; Linux can kill it when
its parent dies. Elsewhere the parent's own clean-up stops it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from typing import Any

_PR_SET_PDEATHSIG = 1


def libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """SIGKILL this process when its parent thread ends (Linux only)."""
    if sys.platform.startswith("linux"):
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


BACKGROUND_NICENESS = 10
"""The niceness of work whose result is needed only at the end of a build (the dumps' process,
the gzip twins): the build's own path to the end (the union's Store, the gate) gets the cores
first, and idle cores still go to the background work."""


def lower_this_thread() -> None:
    """Give the calling thread `BACKGROUND_NICENESS` (Linux, where a thread has its own; elsewhere
    the call would lower the whole process, so it does nothing)."""
    if sys.platform.startswith("linux"):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), BACKGROUND_NICENESS))
