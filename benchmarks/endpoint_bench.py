"""Endpoint benchmark: `ntp-kg serve` against rdflib-endpoint, a bare FastAPI + pyoxigraph app
and a bare pyoxigraph loop.

    make build                                    # the graph, dist/ntp-kg.nq (or --data FILE.nq)
    apt-get install wrk                           # the load generator (else httpx, with a note)
    .venv/bin/python benchmarks/endpoint_bench.py [--obs 10000] [--duration 10] [--concurrency 1 8] [--rounds 3]
    make bench-endpoint BENCH_ARGS="--obs 10000"  # the same

The baselines run from a separate virtualenv, `.venv-bench/` (benchmarks/bench_venv.py makes it
once from the pinned benchmarks/bench-requirements.txt: rdflib-endpoint 0.6.3, FastAPI 0.165.0,
uvicorn 0.54.0, pyoxigraph 0.5.13; remade when that file changes). That is the only step that
uses the network.

1. Engines in process: rdflib's and pyoxigraph's SPARQL on each query (the engine choice).
2. Endpoints over HTTP on 127.0.0.1, same data, same queries: `ntp-kg serve` with its limits
   and worker processes on (defaults: 10 s, 2 GiB per worker, CPU count + 1 workers, network
   isolation), rdflib-endpoint (`rdflib-endpoint serve FILE`), the bare FastAPI + pyoxigraph app
   of benchmarks/bare_fastapi.py (uvicorn with h11 and asyncio as ours, one process;
   --bare-workers for more), and a bare in-process pyoxigraph loop (query + JSON, one thread, no
   HTTP, at most 2 s per round, run at the first concurrency only). The load generator is `wrk`
   (C, one thread, each `--concurrency` in turn as connections, for `--duration` seconds; POSTs
   each query as application/sparql-query through benchmarks/sparql_post.lua): it costs the
   shared CPUs far less than a Python client. Without wrk (or with `--load httpx`),
   httpx threads send at most `--requests` GETs per query and system. After a warm-up, in
   `--rounds` interleaved rounds; the median round is reported (the machine may be shared).

Data: dist/ntp-kg.nq (the real graph), or with `--obs N` a synthetic corpus of N observations
(benchmarks/corpus_dump.py: benchmarks/corpus.py's seeds, mapped as the build does; cached).
The queries (or those given with --query): sparql/lao-cai-labels (a point lookup),
observations-by-status-and-nature (a GROUP BY over all observations) and
disbursement-by-programme (a join with a ranking sub-select).
Slow queries (`--slow SECONDS`): a query that takes seconds per answer on one system gives
wrk a handful of answers, some cut by its 30 s timeout, and leaves queued queries running after
it stops. With --slow, each query is first sent once to every system (timed, with a
`--slow-timeout` limit; the answers' status and seconds are printed and saved); if any system
took SECONDS or more, that query is measured on every system (so the ratios compare like with
like) by a bounded closed loop instead of wrk: `concurrency` httpx threads POST it in turn, at
most `--slow-requests` answered requests in all (at least one per connection), no new one after
`--slow-duration` seconds, and every answer is awaited; req/s is answers / wall time.
`--ntp-kg-variant LABEL OPTIONS` (repeatable) serves ntp-kg with extra `ntp-kg serve` options
instead of the plain `--data` server, e.g. `--ntp-kg-variant store "--store DIR"` (a store made
by `ntp-kg load` from the same file) or `--ntp-kg-variant mem4g "--memory-limit 4096"`.
Only loopback traffic (and pip, once, for .venv-bench). Prints a table and writes
benchmarks/results/endpoint-<time>.json; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
WRK_SCRIPT = ROOT / "benchmarks" / "sparql_post.lua"


@dataclass
class Figures:
    system: str
    query: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float = float("nan")
    """CPU time of the server's processes (main and workers) per request: steadier than req/s
    on a shared machine."""
    client_cpu_ms: float = float("nan")
    concurrency: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    """The errors by HTTP status ("timeout" or "transport" without one): bounded closed loop only."""


def process_tree_cpu(pid: int) -> float:
    """User + system seconds of `pid` and its descendants (Linux /proc), 0 elsewhere."""
    proc = Path("/proc")
    if not proc.is_dir():
        return 0.0
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            # utime + stime, and cutime + cstime: the CPU of its children that ended (a worker
            # process killed and replaced at a limit) stays counted.
            times[int(entry.name)] = sum(int(f) for f in fields[11:15]) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0.0) for p in tree)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A point lookup, a GROUP BY over all observations, and a join with a sub-select: the three
# kinds of query the targets of issue 3 speak of.
DEFAULT_QUERIES = ("lao-cai-labels", "observations-by-status-and-nature", "disbursement-by-programme")


def queries(names: list[str]) -> dict[str, str]:
    from ntp_kg import query as q

    if names:
        return {Path(n).stem: q.resolve(n) for n in names}
    named = q.named_queries()
    chosen = [n for n in DEFAULT_QUERIES if n in named] or list(named)[:3]
    if not chosen:
        sys.exit("sparql/ has no query: give one with --query FILE.rq")
    return {n: named[n].text for n in chosen}


# --- engines in process ----------------------------------------------------------------------


def time_runs(run: Callable[[], int], budget: float, max_runs: int) -> tuple[float, int, int]:
    """Median seconds of `run` (after one warm-up), the number of runs, and its row count."""
    rows = run()
    times: list[float] = []
    end = time.perf_counter() + budget
    while len(times) < max_runs and (len(times) < 3 or time.perf_counter() < end):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(times), rows


def engines(data: Path, qs: dict[str, str], budget: float) -> list[dict[str, object]]:
    from rdflib import Dataset

    t = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(data, format="nquads")
    rdflib_load = time.perf_counter() - t
    t = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    ox_load = time.perf_counter() - t
    print(f"\nengines in process ({data.name}: {len(store)} quads; load rdflib {rdflib_load * 1000:.0f} ms, pyoxigraph {ox_load * 1000:.0f} ms)")
    print(f"{'query':<36} {'rdflib ms':>10} {'pyoxigraph ms':>14} {'ratio':>8} {'rows':>6}")
    out = []
    for name, text in qs.items():
        def with_rdflib(text: str = text) -> int:
            return len(list(ds.query(text)))

        def with_oxigraph(text: str = text) -> int:
            result = store.query(text, use_default_graph_as_union=True)
            return len(list(result)) if not isinstance(result, ox.QueryBoolean) else 1

        r_med, r_runs, r_rows = time_runs(with_rdflib, budget, 200)
        o_med, o_runs, o_rows = time_runs(with_oxigraph, budget, 2000)
        same = "" if r_rows == o_rows else f"  (rows differ: rdflib {r_rows})"
        print(f"{name:<36} {r_med * 1000:>10.2f} {o_med * 1000:>14.3f} {r_med / o_med:>7.0f}x {o_rows:>6}{same}")
        out.append({"query": name, "rdflib_ms": r_med * 1000, "rdflib_runs": r_runs, "pyoxigraph_ms": o_med * 1000,
                    "pyoxigraph_runs": o_runs, "rows": o_rows, "rdflib_rows": r_rows})
    return out


# --- endpoints -------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, cmd: list[str], endpoint: str, health: str | None = None, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.endpoint = endpoint
        self.health = health
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 1200  # rdflib parses a large dump for minutes
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode("utf-8", "replace")[-2000:] if self.process.stderr else ""
                raise RuntimeError(f"{name} exited with {self.process.returncode}: {' '.join(cmd)}\n{err}")
            try:
                if httpx.get(self.endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    if self.process.stderr is not None:  # nobody reads it from now on: a full pipe would block the server
                        self.process.stderr.close()
                        self.process.stderr = None
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{name} did not start")

    def drain(self, timeout: float = 120.0) -> None:
        """Wait until the queries still queued or running when the load generator stopped are
        done, so that they do not slow the next measurement: ntp-kg's /health shows no busy or
        queued worker, and its start page and sitemap drawn (the server draws them at start, in
        its main process); a server without one (one event loop, queries in turn) answers one more."""
        deadline = time.monotonic() + timeout
        if self.health is None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.endpoint, params={"query": "ASK {}"}, timeout=timeout)
            return
        while time.monotonic() < deadline:
            status = httpx.get(self.health, timeout=5).json()
            if status["busy"] == 0 and status["queued"] == 0 and status["starting"] == 0 and status.get("pages_drawn") is not False:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ntp_kg_server(data: Path, label: str | None = None, options: str = "") -> Server:
    """`ntp-kg serve --data DATA`, or with a variant's extra options (a `--store` or another
    `--data` given there replaces `--data DATA`)."""
    port = free_port()
    extra = shlex.split(options)
    source = [] if {"--store", "--data", "--sparql-backend"} & {o.split("=", 1)[0] for o in extra} else ["--data", str(data)]
    cmd = [sys.executable, "-c", "from ntp_kg.cli import app; app()", "serve", *source, *extra, "--port", str(port), "--log-level", "warning"]
    name = "ntp-kg serve" if label is None else f"ntp-kg serve ({label})"
    return Server(name, cmd, f"http://127.0.0.1:{port}/sparql", f"http://127.0.0.1:{port}/health")


def rdflib_endpoint_server(data: Path, executable: str) -> Server:
    port = free_port()
    # rdflib-endpoint's `serve` answers SPARQL at the root path.
    return Server("rdflib-endpoint", [executable, "serve", "--host", "127.0.0.1", "--port", str(port), str(data)], f"http://127.0.0.1:{port}/")


def bare_fastapi_server(data: Path, python: Path, workers: int) -> Server:
    """benchmarks/bare_fastapi.py under uvicorn with the web stack of ntp-kg serve (h11, the asyncio
    loop), so that the difference is what our app does, not uvloop or httptools."""
    port = free_port()
    cmd = [str(python), "-m", "uvicorn", "bare_fastapi:app", "--app-dir", str(ROOT / "benchmarks"), "--http", "h11",
           "--loop", "asyncio",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    env = {**os.environ, "BARE_FASTAPI_DATA": str(data)}
    return Server("bare FastAPI+pyoxigraph", cmd, f"http://127.0.0.1:{port}/sparql", env=env)


def warm_up(client: httpx.Client, send: Callable[[httpx.Client], httpx.Response], system: str, name: str) -> None:
    """Up to 5 requests, and no more than 3 s of them (one at least): a query that takes seconds
    on a slow baseline should not spend the run's time budget on warming."""
    end = time.monotonic() + 3
    for _ in range(5):
        r = send(client)
        if r.status_code != 200:
            raise RuntimeError(f"{system} answered {r.status_code} to {name}: {r.text[:300]}")
        if time.monotonic() > end:
            return


def load(server: Server, query: str, requests: int, duration: float, concurrency: int, name: str) -> Figures:
    endpoint, system = server.endpoint, server.name
    headers = {"Accept": "application/sparql-results+json"}
    with httpx.Client(timeout=60) as warm:
        warm_up(warm, lambda c: c.get(endpoint, params={"query": query}, headers=headers), system, name)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    sent = 0
    end = time.perf_counter() + duration

    def client() -> None:
        nonlocal sent, errors
        with httpx.Client(timeout=60) as c:
            while True:
                with lock:
                    if sent >= requests or time.perf_counter() > end:
                        return
                    sent += 1
                t = time.perf_counter()
                try:
                    ok = c.get(endpoint, params={"query": query}, headers=headers).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - t
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors += 1

    return _run_clients(server, name, concurrency, client, latencies, lambda: errors)


def load_wrk(server: Server, query: str, duration: float, concurrency: int, name: str, workdir: Path) -> Figures:
    """`duration` seconds of wrk (one thread, `concurrency` connections) POSTing `query`."""
    endpoint, system = server.endpoint, server.name
    query_file = workdir / f"{name}.rq"
    query_file.write_text(query, encoding="utf-8")
    headers = {"Accept": "application/sparql-results+json", "Content-Type": "application/sparql-query"}
    with httpx.Client(timeout=60) as warm:
        warm_up(warm, lambda c: c.post(endpoint, content=query.encode("utf-8"), headers=headers), system, name + " (POST application/sparql-query)")
    env = {**os.environ, "SPARQL_QUERY_FILE": str(query_file)}
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "30s", "-s", str(WRK_SCRIPT), endpoint]
    server_cpu = process_tree_cpu(server.process.pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    w = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(w["errors"].values())
    ok = max(0, w["requests"] - w["errors"]["status"])
    seconds = w["duration_us"] / 1e6
    n = max(1, w["requests"])
    server_cpu_ms = (process_tree_cpu(server.process.pid) - server_cpu) / n * 1000
    client_cpu_ms = ((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)) / n * 1000
    return Figures(system, name, ok, errors, seconds, ok / seconds, w["p50_us"] / 1000, w["p99_us"] / 1000, server_cpu_ms, client_cpu_ms, concurrency)


SPARQL_POST_HEADERS = {"Accept": "application/sparql-results+json", "Content-Type": "application/sparql-query"}


@dataclass
class Probe:
    system: str
    query: str
    status: int
    """HTTP status, or 0 when no answer came within the timeout."""
    seconds: float


def probe(server: Server, query: str, name: str, timeout: float) -> Probe:
    """One timed POST of `query` (it also warms the system up): how long one answer takes alone."""
    t = time.perf_counter()
    try:
        status = httpx.post(server.endpoint, content=query.encode("utf-8"), headers=SPARQL_POST_HEADERS, timeout=timeout).status_code
    except httpx.HTTPError:
        status = 0
    return Probe(server.name, name, status, time.perf_counter() - t)


def load_bounded(server: Server, query: str, max_requests: int, duration: float, concurrency: int, name: str, timeout: float) -> Figures:
    """A closed loop for queries that take seconds: `concurrency` threads POST `query` in turn (as
    wrk does), at most `max_requests` in all (errors not counted: a server that refuses at once
    must not end the run early) but at least one per thread, none started after `duration`
    seconds; every answer is awaited (up to `timeout` each), so no query is left running on the
    server and none is cut short. Answers other than 200 and timeouts count as errors."""
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    sent = 0
    lock = threading.Lock()
    end = time.perf_counter() + duration
    body = query.encode("utf-8")

    def client() -> None:
        nonlocal sent, errors
        mine = 0
        with httpx.Client(timeout=timeout) as c:
            while True:
                with lock:
                    if mine > 0 and (sent - errors >= max_requests or time.perf_counter() > end):
                        return
                    sent += 1
                mine += 1
                t = time.perf_counter()
                try:
                    kind = str(c.post(server.endpoint, content=body, headers=SPARQL_POST_HEADERS).status_code)
                except httpx.TimeoutException:
                    kind = "timeout"
                except httpx.HTTPError:
                    kind = "transport"
                elapsed = time.perf_counter() - t
                with lock:
                    if kind == "200":
                        latencies.append(elapsed)
                    else:
                        errors += 1
                        kinds[kind] = kinds.get(kind, 0) + 1

    return _run_clients(server, name, concurrency, client, latencies, lambda: errors, kinds)


def _run_clients(
    server: Server, name: str, concurrency: int, client: Callable[[], None], latencies: list[float], errors: Callable[[], int], kinds: dict[str, int] | None = None
) -> Figures:
    """Run `concurrency` threads of `client` (which fills `latencies` and counts errors) to the
    end; their figures, with the server's and this process's CPU per request."""
    server_cpu, client_cpu = process_tree_cpu(server.process.pid), sum(os.times()[:2])
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    n = max(1, len(latencies) + errors())
    server_cpu = (process_tree_cpu(server.process.pid) - server_cpu) / n * 1000
    client_cpu = (sum(os.times()[:2]) - client_cpu) / n * 1000
    return Figures(server.name, name, len(latencies), errors(), wall, len(latencies) / wall, percentile(latencies, 50) * 1000,
                   percentile(latencies, 99) * 1000, server_cpu, client_cpu, concurrency, kinds if kinds is not None else {})


def start_servers(starters: list[Callable[[], Server]]) -> list[Server]:
    """Start the servers at once (loading a large dump takes minutes each; the order is kept); if
    one fails, the others are stopped."""
    with ThreadPoolExecutor(len(starters)) as pool:
        futures = [pool.submit(s) for s in starters]
    started, failure = [], None
    for f in futures:
        try:
            started.append(f.result())
        except RuntimeError as e:
            failure = failure or e
    if failure is not None:
        for server in started:
            server.stop()
        raise failure
    return started


def median_of(runs: list[Figures]) -> Figures:
    """The round with the median throughput (its latencies with it)."""
    ordered = sorted(runs, key=lambda f: f.rps)
    return ordered[len(ordered) // 2]


def bare_loop(store: ox.Store, query: str, requests: int, duration: float, name: str) -> Figures:
    def once() -> bytes:
        result = store.query(query, use_default_graph_as_union=True)
        graph = isinstance(result, ox.QueryTriples)
        out = result.serialize(format=ox.RdfFormat.N_TRIPLES) if graph else result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]
        assert out is not None
        return out

    warm_end = time.perf_counter() + 3  # up to 5 warm-up runs, no more than 3 s of them (as warm_up)
    for _ in range(5):
        once()
        if time.perf_counter() > warm_end:
            break
    latencies: list[float] = []
    end = time.perf_counter() + duration
    cpu = sum(os.times()[:2])
    started = time.perf_counter()
    while len(latencies) < requests and time.perf_counter() < end:
        t = time.perf_counter()
        once()
        latencies.append(time.perf_counter() - t)
    wall = time.perf_counter() - started
    cpu_ms = (sum(os.times()[:2]) - cpu) / len(latencies) * 1000
    return Figures("bare pyoxigraph loop", name, len(latencies), 0, wall, len(latencies) / wall, percentile(latencies, 50) * 1000,
                   percentile(latencies, 99) * 1000, cpu_ms, 0.0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "dist" / "ntp-kg.nq", help="N-Quads file served by every system")
    parser.add_argument("--obs", type=int, help="serve a synthetic corpus of this many observations instead (benchmarks/corpus_dump.py)")
    parser.add_argument("--load", choices=("wrk", "httpx"), help="load generator [wrk when installed, else httpx]")
    parser.add_argument("--query", action="append", default=[], help="a sparql/ query name or .rq file (repeatable)")
    parser.add_argument("--requests", type=int, default=300, help="requests per query, system and round (httpx; wrk runs for --duration)")
    parser.add_argument("--duration", type=float, default=10.0, help="at most this many seconds per query, system and round")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8], help="connections (wrk) or client threads (httpx); each value is a run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per query (the median is reported)")
    parser.add_argument("--engine-budget", type=float, default=3.0, help="seconds per query and engine in process")
    parser.add_argument("--rdflib-endpoint", metavar="PATH", help="the rdflib-endpoint executable (default: .venv-bench's)")
    parser.add_argument("--bench-python", metavar="PATH", help="the Python that runs bare_fastapi.py (default: .venv-bench's)")
    parser.add_argument("--bare-workers", type=int, default=1, help="uvicorn worker processes of the bare FastAPI app [1]")
    parser.add_argument("--no-engines", action="store_true", help="skip the in-process engine comparison (step 1)")
    parser.add_argument("--ntp-kg-variant", nargs=2, action="append", metavar=("LABEL", "OPTIONS"), default=[],
                        help='serve ntp-kg with these extra `ntp-kg serve` options (one string), shown as "ntp-kg serve (LABEL)"; '
                             "repeatable; replaces the plain --data server (a --store or --data among OPTIONS replaces --data)")
    parser.add_argument("--slow", type=float, metavar="SECONDS",
                        help="send each query once to every system first; a query that took SECONDS or more on any system is "
                             "measured by a bounded closed loop (--slow-requests, --slow-duration) instead of wrk/--requests")
    parser.add_argument("--slow-requests", type=int, default=8, help="with --slow: answered requests per slow query, system and round (errors not counted), at least one per connection [8]")
    parser.add_argument("--slow-duration", type=float, default=60.0, help="with --slow: no new request after this many seconds [60]")
    parser.add_argument("--slow-timeout", type=float, default=600.0, help="with --slow: seconds to wait for one answer [600]")
    args = parser.parse_args()
    if args.obs is not None:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import corpus_dump  # benchmarks/ is not a package

        args.data = corpus_dump.dump(args.obs)
    if args.load is None:
        args.load = "wrk" if shutil.which("wrk") else "httpx"
        if args.load == "httpx":
            print("note: wrk is not installed (apt-get install wrk): the load generator is httpx, which costs the "
                  "shared CPUs about as much as the server; figures are not comparable with wrk runs")
    elif args.load == "wrk" and shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk, or use --load httpx")
    if not args.data.is_file():
        sys.exit(f"{args.data} does not exist: run `make build` first (or give --data)")
    qs = queries(args.query)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, pyoxigraph {ox.__version__}; data {args.data}")
    if args.load == "wrk":
        print(f"load: wrk, {args.rounds} interleaved rounds of {args.duration:g} s per query and system, 1 thread, "
              f"{' and '.join(map(str, args.concurrency))} connections, POST application/sparql-query; the median round is shown")
    else:
        print(f"load: httpx, {args.rounds} interleaved rounds of {args.requests} requests (or {args.duration:g} s) per query and system, "
              f"{' and '.join(map(str, args.concurrency))} client threads, GET; the median round is shown")
    load_start = os.getloadavg()
    print(f"machine load average at start: {' '.join(f'{x:.2f}' for x in load_start)}")
    bench_python: Path | None = Path(args.bench_python) if args.bench_python else None
    rdflib_endpoint = args.rdflib_endpoint
    if bench_python is None or rdflib_endpoint is None:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import bench_venv  # benchmarks/ is not a package

        try:
            venv_python = bench_venv.ensure()
        except bench_venv.BenchVenvError as e:
            sys.exit(f"{e}\n(or give --rdflib-endpoint PATH and --bench-python PATH)")
        bench_python = bench_python or venv_python
        rdflib_endpoint = rdflib_endpoint or str(venv_python.parent / "rdflib-endpoint")
    engine_figures = [] if args.no_engines else engines(args.data, qs, args.engine_budget)

    # SIGTERM ends the run as Ctrl-C does: through the `finally` that stops the servers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    store = ox.Store()
    store.bulk_load(path=str(args.data), format=ox.RdfFormat.N_QUADS)
    figures: list[Figures] = []
    servers: list[Server] = []
    workdir = Path(tempfile.mkdtemp(prefix="endpoint-bench-"))
    probes: list[Probe] = []
    slow: set[str] = set()
    try:
        assert bench_python is not None and rdflib_endpoint is not None
        starters: list[Callable[[], Server]] = [partial(ntp_kg_server, args.data)] if not args.ntp_kg_variant else [
            partial(ntp_kg_server, args.data, label, options) for label, options in args.ntp_kg_variant]
        starters += [lambda: rdflib_endpoint_server(args.data, rdflib_endpoint), lambda: bare_fastapi_server(args.data, bench_python, args.bare_workers)]
        t = time.perf_counter()
        servers += start_servers(starters)
        for server in servers:  # ntp-kg draws its start page and sitemap once it serves: not during a measurement
            server.drain(600)
        print(f"servers ready in {time.perf_counter() - t:.0f} s; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        if args.slow is not None:
            for name, text in qs.items():
                for server in servers:
                    p = probe(server, text, name, args.slow_timeout)
                    probes.append(p)
                    print(f"probe {name} on {server.name}: {p.status or 'no answer'} in {p.seconds:.2f} s", flush=True)
                    server.drain(args.slow_timeout)
                if any(p.seconds >= args.slow for p in probes if p.query == name):
                    slow.add(name)
            print(f"measured by the bounded closed loop (>= {args.slow:g} s on a system): {', '.join(slow) or 'none'}", flush=True)
        for concurrency in args.concurrency:
            for name, text in qs.items():
                rounds: list[Figures] = []
                for _ in range(args.rounds):  # interleaved, so that a busy moment of the machine hits every system
                    for server in servers:
                        if name in slow:
                            rounds.append(load_bounded(server, text, max(args.slow_requests, concurrency), args.slow_duration, concurrency, name,
                                                       args.slow_timeout))
                        elif args.load == "wrk":
                            rounds.append(load_wrk(server, text, args.duration, concurrency, name, workdir))
                        else:
                            rounds.append(load(server, text, args.requests, args.duration, concurrency, name))
                        server.drain()
                        kinds = f" {rounds[-1].error_kinds}" if rounds[-1].error_kinds else ""
                        print(f"  {name} {concurrency} conn. {server.name}: {rounds[-1].rps:.2f} req/s, {rounds[-1].errors} errors{kinds}; "
                              f"load average {os.getloadavg()[0]:.2f}", flush=True)
                    if concurrency == args.concurrency[0]:  # one thread whatever the concurrency: once is enough
                        bare_requests = args.requests if args.load == "httpx" else 1_000_000  # with wrk: for a time, as the servers
                        rounds.append(bare_loop(store, text, bare_requests, min(2.0, args.duration), name))
                figures += [median_of([f for f in rounds if f.system == system]) for system in dict.fromkeys(f.system for f in rounds)]
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    for concurrency in args.concurrency:
        print(f"\n{concurrency} concurrent connections")
        print(f"{'system':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'n':>6} {'err':>4} {'vs rdflib-endpoint':>19} {'vs bare FastAPI':>16}"
              f" {'server CPU ms/req':>18} {'client CPU ms/req':>18}")
        for name in qs:
            print(name)
            rows = {f.system: f for f in figures if f.query == name and f.concurrency == concurrency}
            rows |= {f.system: f for f in figures if f.query == name and f.system == "bare pyoxigraph loop"}  # run once, shown under each
            base, bare = rows.get("rdflib-endpoint"), rows.get("bare FastAPI+pyoxigraph")
            for f in rows.values():
                vs_base = f"{f.rps / base.rps:.2f}x" if base and base.rps else "-"
                vs_bare = f"{f.rps / bare.rps:.2f}x" if bare and bare.rps else "-"
                print(f"  {f.system:<22} {f.rps:>8.1f} {f.p50_ms:>8.2f} {f.p99_ms:>8.2f} {f.requests:>6} {f.errors:>4} {vs_base:>19} {vs_bare:>16}"
                      f" {f.server_cpu_ms:>18.2f} {f.client_cpu_ms:>18.2f}")
    load_end = os.getloadavg()
    print(f"machine load average at end: {' '.join(f'{x:.2f}' for x in load_end)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / time.strftime("endpoint-%Y%m%d-%H%M%S.json")
    record = {"args": {k: str(v) for k, v in vars(args).items()}, "engines": engine_figures, "endpoints": [asdict(f) for f in figures],
              "probes": [asdict(p) for p in probes], "slow_queries": sorted(slow), "load_average": {"start": load_start, "end": load_end}}
    out.write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(f"\nfigures written to {out}")


if __name__ == "__main__":
    main()
