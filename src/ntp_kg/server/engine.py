"""Queries run in a pool of worker processes, never in the server process.

- at most `workers` queries run at once, `queue_size` more may wait; past that, 503 at once;
- a query gets `time_limit` seconds; then its worker is killed (SIGKILL) and replaced, so a
  runaway query stops burning a core, and the client gets 504;
- one worker is kept for short queries: a query that has run `long_query` seconds counts as
  long, and at most `workers - 1` long queries run at once. A query that would be one long query
  too many is stopped at that moment (its worker killed and replaced, 503 + Retry-After). While
  `workers - 1` long queries run, one spare worker is kept loaded: a worker killed then (a query
  stopped as one long query too many, or at the time limit) is replaced at once by the spare, not
  after a restart that loads the data (0.3 s for our graph, 2.5 s at 10k observations). So
  while slow queries run, a cheap query finds a worker within `long_query` seconds (plus the
  queries queued before it); /health never waits for a worker at all. The price is memory: one
  more copy of the data while long queries run (and one time limit after, so that a steady
  stream of slow queries does not make the pool load the data again and again);
- a worker that dies (the memory limit, a parser crash on deep nesting) is replaced, and the
  client gets a 500 that says so;
- the event loop never blocks on a worker: jobs go out and answers come back over a socket
  pair read with asyncio streams.

The app only sees the `Engine` protocol, so tests can drive it with a fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import NtpKgError
from .errors import (
    BadRequest,
    EndpointError,
    NotAcceptable,
    Overloaded,
    QueryFailed,
    QuerySyntaxError,
    QueryTimeout,
)
from .limits import MIB, Limits
from .worker import Job, WorkerConfig

log = logging.getLogger("ntp_kg.server")


@dataclass(frozen=True)
class DatasetInfo:
    """What the workers serve, as they reported it once loaded."""

    graphs: tuple[tuple[str, int], ...]
    default_graph_triples: int | None
    """None where it is not known: the union default graph of a remote backend (counting its
    distinct triples would be a DISTINCT over every quad there)."""
    union_default_graph: bool
    network_isolated: bool
    union_copy_triples: int | None = None
    """Triples in each worker's copy of the union alone (worker.py), None without one."""


@dataclass(frozen=True)
class Answer:
    content_type: str
    body: bytes
    truncated: bool
    count: int


class Engine(Protocol):
    @property
    def info(self) -> DatasetInfo: ...

    @property
    def execution(self) -> str:
        """Where queries run, for /limits: "memory" (workers with their own copy of the data),
        "store" (workers sharing an on-disk store) or "remote" (a SPARQL backend)."""
        ...

    async def run(self, job: Job) -> Answer: ...

    def status(self) -> dict[str, Any]: ...


class StartupError(NtpKgError):
    """The workers could not load the data (the message says why)."""


class LongQueryStopped(Overloaded):
    """503: the query ran past `long_query` while `workers - 1` long queries already ran; it was
    stopped so that one worker stays free for short queries."""


_ERRORS: dict[str, type[EndpointError]] = {
    "syntax": QuerySyntaxError,
    "query": BadRequest,
    "not-acceptable": NotAcceptable,
    "memory": QueryFailed,
}


def _frame(payload: bytes) -> bytes:
    if len(payload) < 0x7FFFFFFF:
        return struct.pack("!i", len(payload)) + payload
    return struct.pack("!iQ", -1, len(payload)) + payload


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack("!i", await reader.readexactly(4))
    if size == -1:
        (size,) = struct.unpack("!Q", await reader.readexactly(8))
    return await reader.readexactly(size)


async def _read_message(reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
    """A worker's message: one frame holding the JSON header's length, the header, the body."""
    frame = await _read_frame(reader)
    (size,) = struct.unpack_from("!I", frame)
    header = json.loads(frame[4 : 4 + size])
    if not isinstance(header, dict):
        raise ValueError(f"a worker sent a header that is not a JSON object: {header!r}")
    return header, frame[4 + size :]


_WORKER_ENTRY = "from ntp_kg.server.worker import child; child()"


def _worker_env() -> dict[str, str]:
    """The server's environment, with this package first on the path of the worker."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([src, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env["RUST_BACKTRACE"] = "0"  # an engine abort (memory limit) logs one line, not a backtrace
    return env


class _Worker:
    def __init__(self, process: subprocess.Popen[bytes], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.healthy = True
        self.pid = process.pid

    def kill(self) -> None:
        self.healthy = False
        with contextlib.suppress(ProcessLookupError, OSError, AttributeError):
            self.process.kill()
        self.writer.close()


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class WorkerPool:
    """The Engine: N worker processes over the same files, a bounded queue, deadlines."""

    execution = "memory"

    def __init__(
        self,
        config: WorkerConfig,
        limits: Limits,
        *,
        startup_timeout: float = 600.0,
    ) -> None:
        self.config = config
        self.limits = limits
        self.startup_timeout = startup_timeout
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._starting = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.replaced = 0
        self._long = 0
        """Queries running longer than limits.long_query now."""
        self.stopped_long = 0
        """Queries stopped because they would have been one long query too many."""
        self._spare: _Worker | None = None
        """A loaded worker kept out of the pool while `max_long_queries` long queries run."""
        self._spare_starting = False
        self._last_long = 0.0
        """When the last long query ended (monotonic seconds): the spare lingers `time_limit` after."""
        self.info = DatasetInfo((), 0, config.union_default_graph, False)
        self._admitted = 0
        """Calls of `run` not yet returned: queries queued or running (what `drain` waits for)."""
        self._drained: list[asyncio.Future[None]] = []

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start every worker and wait until each has loaded the data."""
        results = await asyncio.gather(*(self._spawn() for _ in range(self.limits.workers)), return_exceptions=True)
        workers = [r for r in results if isinstance(r, _Worker)]
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            for w in workers:
                w.kill()
                await self._reap(w)
            raise errors[0]
        self._idle.extend(workers)

    async def _spawn(self) -> _Worker:
        parent_sock, child_sock = socket.socketpair()
        with child_sock:
            # Forked from the event-loop thread: PR_SET_PDEATHSIG follows the thread that forks.
            process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_ENTRY, str(child_sock.fileno())],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                env=_worker_env(),
            )
        reader, writer = await asyncio.open_connection(sock=parent_sock, limit=2**20)
        writer.write(_frame(pickle.dumps(self.config, protocol=pickle.HIGHEST_PROTOCOL)))
        worker = _Worker(process, reader, writer)
        try:
            header, _ = await asyncio.wait_for(_read_message(reader), self.startup_timeout)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as exc:
            worker.kill()
            await self._reap(worker)
            raise StartupError(f"a worker process failed to start ({_how_it_ended(process.returncode)})") from exc
        if header.get("type") != "ready":
            worker.kill()
            await self._reap(worker)
            raise StartupError(str(header.get("message", header)))
        self.info = DatasetInfo(
            graphs=tuple((g, n) for g, n in header["graphs"]),
            default_graph_triples=header["default_graph_triples"],
            union_default_graph=self.config.union_default_graph,
            network_isolated=bool(header["network_isolated"]),
            union_copy_triples=header.get("union_copy_triples"),
        )
        return worker

    async def close(self) -> None:
        self._closed = True
        for t in list(self._tasks):
            t.cancel()
        workers = [*self._idle, *self._busy, *([self._spare] if self._spare else [])]
        self._idle.clear()
        self._busy.clear()
        self._spare = None
        for w in workers:
            w.kill()
        for w in workers:
            await self._reap(w)
        for fut in self._waiters:
            fut.cancel()

    @staticmethod
    async def _reap(worker: _Worker) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(worker.process.wait, 5)

    # --- admission ----------------------------------------------------------------------

    async def _acquire(self) -> _Worker:
        if self._closed:
            raise Overloaded("the endpoint is shutting down", {"Retry-After": str(self.limits.retry_after)})
        if self._idle and not self._waiters:
            return self._idle.pop()
        if len(self._waiters) >= self.limits.queue_size:
            raise Overloaded(
                f"all {self.limits.workers} query workers are busy and {len(self._waiters)} queries are waiting: retry later",
                {"Retry-After": str(self.limits.retry_after)},
            )
        fut: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        # A queued query waits for at most one time limit of running queries plus a worker's
        # restart: twice the time limit.
        wait = 2 * self.limits.time_limit
        try:
            async with asyncio.timeout(wait):
                return await fut
        except TimeoutError:
            raise Overloaded(
                f"no query worker became free within {wait:g} s: retry later",
                {"Retry-After": str(self.limits.retry_after)},
            ) from None
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._hand(fut.result())
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(fut)

    def _hand(self, worker: _Worker) -> None:
        """A free worker goes to the longest-waiting query, or back to the idle list."""
        self._busy.discard(worker)
        if self._closed:
            worker.kill()
            return
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                self._busy.add(worker)
                fut.set_result(worker)
                return
        self._idle.append(worker)

    def _replace(self, worker: _Worker) -> None:
        self._busy.discard(worker)
        worker.kill()
        self.replaced += 1
        if self._spare is not None and not self._closed:
            spare, self._spare = self._spare, None
            self._hand(spare)  # at once; the new process below becomes the next spare, if one is wanted
        if not self._closed:
            self._starting += 1
            task = asyncio.get_running_loop().create_task(self._respawn(worker))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _respawn(self, old: _Worker) -> None:
        """Replace `old` (counted in `_starting` by `_replace` from the moment it was killed)."""
        try:
            await self._reap(old)
            delay = 0.5
            while not self._closed:
                try:
                    self._place(await self._spawn())
                    return
                except (NtpKgError, OSError) as exc:
                    log.error("could not replace a query worker: %s (retrying in %.1f s)", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
        finally:
            self._starting -= 1

    def _spare_wanted(self) -> bool:
        allowed = self.limits.max_long_queries
        return allowed is not None and self._long >= allowed and not self._closed

    def _place(self, worker: _Worker) -> None:
        """A newly started worker: into the pool if it lacks one, else the spare if one is wanted
        (or long queries still run), else stopped (no spare needed)."""
        if self._closed:
            worker.kill()
        elif len(self._idle) + len(self._busy) < self.limits.workers:
            self._hand(worker)
            self._keep_spare()
        elif self._spare is None and self._long > 0:  # (a spare is only wanted while long queries run)
            self._spare = worker
        else:
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        task = asyncio.get_running_loop().create_task(self._reap(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _keep_spare(self) -> None:
        """Start a spare worker when one is wanted and none exists or is starting (a replacement
        being started becomes the spare when the pool is full). Stop it once no long query has
        run for `time_limit` seconds: not as soon as the long queries are fewer, since loading
        the data again for the next spare costs a core for seconds on a large graph."""
        if self._spare_wanted():
            if self._spare is None and not self._spare_starting and self._starting == 0:
                self._spare_starting = True
                task = asyncio.get_running_loop().create_task(self._start_spare())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        elif self._spare is not None and self._long == 0 and time.monotonic() - self._last_long >= self.limits.time_limit:
            spare, self._spare = self._spare, None
            self._discard(spare)

    async def _start_spare(self) -> None:
        try:
            worker = await self._spawn()
        except (NtpKgError, OSError) as exc:
            log.error("could not start a spare query worker: %s", exc)
            return
        finally:
            self._spare_starting = False
        self._place(worker)

    # --- queries ------------------------------------------------------------------------

    async def run(self, job: Job) -> Answer:
        # Counted before the first await: a caller that picked this pool and awaits `run` is
        # admitted in the same step, so `drain` (store switches, reload.py) cannot miss it.
        self._admitted += 1
        try:
            worker = await self._acquire()
            self._busy.add(worker)
            try:
                answer = await self._execute(worker, job)
            except BaseException:
                if worker.healthy:
                    self._hand(worker)
                else:
                    self._replace(worker)  # by the spare, if there is one
                self._keep_spare()
                raise
            self._hand(worker)
            self._keep_spare()
            return answer
        finally:
            self._admitted -= 1
            if not self._admitted:
                drained, self._drained = self._drained, []
                for fut in drained:
                    if not fut.done():
                        fut.set_result(None)

    async def drain(self) -> None:
        """Return once no query admitted by `run` is queued or running here (at once when none
        is). New queries may still be admitted meanwhile: a caller that wants the pool to end
        empty stops sending it queries first (a store switch sends new ones to the next pool)."""
        if not self._admitted:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._drained.append(fut)
        try:
            await fut
        finally:
            with contextlib.suppress(ValueError):
                self._drained.remove(fut)

    def _turns_long(self, worker: _Worker, state: dict[str, bool]) -> None:
        """Called (by a timer) when a query has run `long_query` seconds: it becomes one more
        long query, or, when `max_long_queries` already run, it is stopped: its worker is killed
        here, and `_execute` sees the connection end and raises LongQueryStopped."""
        allowed = self.limits.max_long_queries
        assert allowed is not None  # the timer is only set when there is a reserve
        if not worker.healthy:
            return
        if self._long >= allowed:
            state["stopped"] = True
            self.stopped_long += 1
            log.warning("query stopped at %g s: %d long queries already run (worker %s killed)", self.limits.long_query, self._long, worker.pid)
            worker.kill()
            return
        self._long += 1
        state["long"] = True
        self._keep_spare()

    async def _execute(self, worker: _Worker, job: Job) -> Answer:
        started = time.monotonic()
        state = {"long": False, "stopped": False}
        timer = None
        if self.limits.max_long_queries is not None:
            timer = asyncio.get_running_loop().call_later(self.limits.long_query, self._turns_long, worker, state)
        try:
            async with asyncio.timeout(self.limits.time_limit):
                worker.writer.write(_frame(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)))
                await worker.writer.drain()
                header, body = await _read_message(worker.reader)
        except TimeoutError:
            worker.healthy = False
            log.warning("query stopped at the time limit of %g s (worker %s killed)", self.limits.time_limit, worker.pid)
            raise QueryTimeout(
                f"the query ran longer than the time limit of {self.limits.time_limit:g} s and was stopped"
            ) from None
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            worker.healthy = False
            worker.kill()
            await self._reap(worker)
            if state["stopped"]:  # killed by _turns_long, not dead by itself
                allowed = self.limits.max_long_queries
                raise LongQueryStopped(
                    f"the query ran longer than {self.limits.long_query:g} s while {allowed} other long queries were running; "
                    f"at most {allowed} of the {self.limits.workers} query workers run long queries, so that one stays free for "
                    f"short ones. It was stopped: retry later, or make it cheaper (a LIMIT, a more selective pattern)",
                    {"Retry-After": str(self.limits.retry_after)},
                ) from None
            how = _how_it_ended(worker.process.returncode)
            log.error("query worker %s died (%s) after %.2f s", worker.pid, how, time.monotonic() - started)
            need = (f"more than the memory limit of {self.limits.memory_limit // MIB} MiB per query, above the loaded data"
                    if self.limits.memory_limit else "more memory than the machine has")
            raise QueryFailed(
                f"the query stopped its worker process ({how}): it may need {need}, or it hit an engine failure. The worker was replaced."
            ) from None
        except BaseException:
            worker.healthy = False  # cancelled mid-query: the worker's state is unknown
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if state["long"]:
                self._long -= 1
                if self._long == 0:
                    self._last_long = time.monotonic()
                    # a check when the spare's linger ends (if no query ends to make it)
                    asyncio.get_running_loop().call_later(self.limits.time_limit + 0.01, self._keep_spare)
        if header.get("type") == "answer":
            return Answer(header["content_type"], body, bool(header["truncated"]), int(header["count"]))
        kind, message = header.get("kind", "internal"), str(header.get("message", "query failed"))
        if kind == "memory":
            worker.healthy = False  # a worker that ran out of memory is replaced
        raise _ERRORS.get(kind, QueryFailed)(message)

    def status(self) -> dict[str, Any]:
        return {
            "workers": self.limits.workers,
            "idle": len(self._idle),
            "busy": len(self._busy),
            "starting": self._starting,
            "queued": len(self._waiters),
            "queue_size": self.limits.queue_size,
            "replaced": self.replaced,
            "spare": int(self._spare is not None),
            "long": self._long,
            "max_long": self.limits.max_long_queries,
            "stopped_long": self.stopped_long,
            "network_isolated": self.info.network_isolated,
            "union_copy_triples": self.info.union_copy_triples,
        }
