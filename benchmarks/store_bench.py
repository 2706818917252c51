"""Store benchmark: `ntp-kg load` and `ntp-kg serve --store` against in-memory serving (issue 5).

    .venv/bin/python benchmarks/store_bench.py [--sizes 10k,100k] [--workers 2]

For each size, the N-Quads dump of the synthetic corpus (benchmarks/corpus.py, mapped as the build
does: pipeline_bench.py's build-ours dump when it exists, else benchmarks/corpus_dump.py's; cached
under benchmarks/results/work/), then, with everything in fresh processes:

1. load: `ntp-kg load dump.nq --store TMP` (the command line: wall time, the loader's peak RSS)
   and the size of the version on disk;
2. reopen: `Store.read_only` and a first COUNT of one graph in a new process (median of 5);
3. serve: `ntp-kg serve --store TMP` (default limits) and `ntp-kg serve --data dump.nq --memory-limit 0`
   (in memory, each worker parses the dump; with the default 2 GiB per worker the 100k dump does
   not fit) with `--workers` workers: seconds until /health answers, then a point query
   and a GROUP BY over every observation (sparql/lao-cai-labels, observations-by-status-and-nature;
   best of 3 after a warm-up), then the RSS and PSS (proportional set size: shared pages split
   between the processes that map them) of the server process and of each worker;
4. switch: a second load while `serve --store` runs: seconds from the load's end until /health
   names the new version (the server looks at the pointer once a second).

Prints a table and writes benchmarks/results/store-<time>.json. Timings vary with the machine's
load (the JSON records the load average); nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
CLI = [sys.executable, "-m", "ntp_kg"]
POINT, GROUP = "lao-cai-labels", "observations-by-status-and-nature"

sys.path.insert(0, str(HERE))
import pipeline_bench  # noqa: E402 - benchmarks/ is not a package


def dump_for(size: str, seed: int, timeout: float) -> Path:
    """The corpus's N-Quads dump: pipeline_bench.py's (its build-ours stage), or else
    corpus_dump.py's (the same corpus mapped as the build does), made once and cached."""
    shared = RESULTS / "work" / f"{size}-seed{seed}" / "dump.nq"
    if shared.is_file():
        return shared
    print(f"  writing the {size} dump (benchmarks/corpus_dump.py) ...", flush=True)
    out = subprocess.run(
        [sys.executable, str(HERE / "corpus_dump.py"), str(pipeline_bench.SIZES[size]), "--seed", str(seed)],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )
    if out.returncode != 0:
        raise SystemExit(f"the {size} dump was not written: {out.stderr[-2000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Measured:
    """One command's run: wall seconds, CPU seconds and peak RSS of its own process (wait4)."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> Measured:
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err_file:  # a file, not a pipe: a full stderr pipe cannot block the child
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_file, cwd=REPO, env=env)
        assert p.stdout is not None
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)  # reaps the child with its own rusage (Popen.wait would not give it)
        p.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read().decode()
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {err[-3000:]}")
    return Measured(time.perf_counter() - t, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode(), err)


def reopen_seconds(database: Path, runs: int = 5) -> tuple[float, float]:
    """Median seconds to open the database read-only, and to answer a first COUNT, in a new process."""
    code = (
        "import sys, time, pyoxigraph as ox\n"
        "t = time.perf_counter(); s = ox.Store.read_only(sys.argv[1]); opened = time.perf_counter() - t\n"
        "n = list(s.query('SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/ntp-kg/graph/reference> { ?s ?p ?o } }'))[0][0].value\n"
        "print(opened, time.perf_counter() - t, n)\n"
    )
    opened, first = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code, str(database)], capture_output=True, text=True, check=True).stdout.split()
        opened.append(float(out[0]))
        first.append(float(out[1]))
    return statistics.median(opened), statistics.median(first)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_of(pid: int) -> dict[str, float] | None:
    """RSS and PSS in MB (Linux /proc); None when the process is gone (a replaced worker)."""
    rss = pss = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        return None
    return {"rss_mb": round(rss, 1), "pss_mb": round(pss, 1)}


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # a thread that ended meanwhile
            continue
    return found


def query_text(name: str) -> str:
    return (REPO / "sparql" / f"{name}.rq").read_text(encoding="utf-8")


def best_of(client: httpx.Client, query: str, runs: int = 3) -> float:
    client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        times.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise SystemExit(f"query failed: {r.status_code} {r.text[:300]}")
    return min(times)


@contextmanager
def running_server(args: list[str], workers: int, log: Path, time_limit: float = 120, env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[bytes], str, float]]:
    """`ntp-kg serve ARGS` on a free loopback port until /health answers: the process, its base
    URL and the seconds it took to answer; stopped (SIGTERM, then SIGKILL) on the way out."""
    port = free_port()
    cmd = [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
           "--time-limit", str(time_limit), *args]
    base = f"http://127.0.0.1:{port}"
    t = time.perf_counter()
    with log.open("wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=env)
        try:
            while True:
                if p.poll() is not None:
                    raise SystemExit(f"{' '.join(cmd)} stopped: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            yield p, base, time.perf_counter() - t
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def serve(args: list[str], workers: int, workdir: Path, switch_to: Path | None = None, store: Path | None = None) -> dict[str, Any]:
    with running_server(args, workers, workdir / f"serve-{len(list(workdir.glob('serve-*.log')))}.log") as (p, base, ready):
        out: dict[str, Any] = {"ready_seconds": round(ready, 3)}
        with httpx.Client(base_url=base, timeout=300) as client:
            out["point_query_seconds"] = round(best_of(client, query_text(POINT)), 4)
            out["group_by_seconds"] = round(best_of(client, query_text(GROUP)), 4)
        out["server"] = memory_of(p.pid)
        out["workers"] = [m for m in map(memory_of, children(p.pid)) if m is not None]
        out["health"] = httpx.get(base + "/health", timeout=5).json()
        if switch_to is not None and store is not None:
            load = run_measured([*CLI, "load", "--store", str(store), str(switch_to)])
            new = load.stdout.split("(version ", 1)[1].split(")", 1)[0]
            t = time.perf_counter()
            while (health := httpx.get(base + "/health", timeout=5).json())["store"]["version"] != new:
                if time.perf_counter() - t > 120:
                    raise SystemExit(f"the server did not switch to version {new} within 120 s; /health: {health}")
                time.sleep(0.02)
            out["switch"] = {"load_seconds": round(load.seconds, 2), "served_after_seconds": round(time.perf_counter() - t, 2)}
        return out


def bench_size(size: str, seed: int, workers: int, timeout: float, memory: bool = True, switch: bool = True) -> dict[str, Any]:
    dump = dump_for(size, seed, timeout)
    tmp = Path(tempfile.mkdtemp(prefix=f"store-bench-{size}-"))
    try:
        store = tmp / "store"
        load = run_measured([*CLI, "load", "--store", str(store), str(dump)])
        seconds, peak, printed = load.seconds, load.peak_rss_mb, load.stdout
        version = json.loads((store / "current.json").read_text())["version"]
        database = store / "versions" / version / "oxigraph"
        manifest = json.loads((store / "versions" / version / "manifest.json").read_text())
        opened, first = reopen_seconds(database)
        result: dict[str, Any] = {
            "size": size,
            "dump_bytes": dump.stat().st_size,
            "quads": manifest["quads"],
            "load": {
                "seconds": round(seconds, 2),
                "bulk_load_seconds": manifest.get("seconds_bulk_load"),
                "verify_seconds": manifest.get("seconds_verify"),
                "peak_rss_mb": round(peak, 1),
                "printed": printed.strip(),
            },
            "disk_bytes": (disk := folder_bytes(database)),
            "reopen": {"open_seconds": round(opened, 4), "first_count_seconds": round(first, 4)},
        }
        print(f"  {size}: loaded {manifest['quads']} quads in {seconds:.1f} s; {disk / 2**20:.0f} MiB on disk; reopened in {opened * 1000:.1f} ms", flush=True)
        result["serve_store"] = serve(["--store", str(store)], workers, tmp, switch_to=dump if switch else None, store=store)
        print(f"  {size}: serve --store ready in {result['serve_store']['ready_seconds']:.2f} s", flush=True)
        if memory:
            # No memory limit for the in-memory server: with the default 2 GiB per worker it cannot
            # load the 100k dump (a worker aborts: "memory allocation failed"), `--store` fits.
            result["serve_memory"] = serve(["--data", str(dump), "--memory-limit", "0"], workers, tmp)
            print(f"  {size}: serve --data ready in {result['serve_memory']['ready_seconds']:.2f} s", flush=True)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table(results: list[dict[str, Any]]) -> str:
    def workers(s: dict[str, Any], key: str) -> str:
        values = [w[key] for w in s["workers"]]
        return f"{statistics.mean(values):.0f}" if values else "-"

    lines = [
        "| observations | quads | dump (MB) | load (s) | loader peak RSS (MB) | on disk (MB) | reopen (ms) | first count (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']} | {r['quads']:,} | {r['dump_bytes'] / 1e6:.0f} | {r['load']['seconds']:.1f} | {r['load']['peak_rss_mb']:.0f} | "
            f"{r['disk_bytes'] / 1e6:.0f} | {r['reopen']['open_seconds'] * 1000:.1f} | {r['reopen']['first_count_seconds'] * 1000:.1f} |"
        )
    lines += [
        "",
        "| observations | serving | ready (s) | point query (ms) | GROUP BY (ms) | server RSS / PSS (MB) | per worker RSS / PSS (MB) | new version served after load (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for label, key in (("--store", "serve_store"), ("--data (memory)", "serve_memory")):
            if key not in r:
                continue
            s = r[key]
            switch = s.get("switch", {}).get("served_after_seconds")
            lines.append(
                f"| {r['size']} | {label} | {s['ready_seconds']:.2f} | {s['point_query_seconds'] * 1000:.1f} | {s['group_by_seconds'] * 1000:.0f} | "
                f"{s['server']['rss_mb']:.0f} / {s['server']['pss_mb']:.0f} | {workers(s, 'rss_mb')} / {workers(s, 'pss_mb')} | {'-' if switch is None else f'{switch:.2f}'} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k", help="comma-separated: 1k, 10k, 100k, 1m (default 10k,100k)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes of each server (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds for building a dump (default 3600)")
    ap.add_argument("--report", type=Path, help="print the tables of a results JSON file and exit")
    ap.add_argument("--no-memory", action="store_true", help="skip in-memory serving (each worker holds the whole graph: not at 1M on 23 GB)")
    ap.add_argument("--no-switch", action="store_true", help="skip the second load (the version switch under serve --store)")
    args = ap.parse_args()
    if args.report:
        print(table(json.loads(args.report.read_text())["results"]))
        return
    results = [bench_size(size, args.seed, args.workers, args.timeout, not args.no_memory, not args.no_switch) for size in args.sizes.split(",")]
    doc = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "loadavg": os.getloadavg(), "python": platform.python_version()},
        "workers": args.workers,
        "results": results,
    }
    out = RESULTS / f"store-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(doc, indent=1))
    print(table(results))
    print(f"\n-> {out}")


if __name__ == "__main__":
    main()
