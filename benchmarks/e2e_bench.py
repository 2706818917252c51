"""End to end, as a user runs it: `ntp-kg build`, `ntp-kg load --store`, `ntp-kg serve --store`.

    .venv/bin/python benchmarks/e2e_bench.py --obs 100k [--obs 300k ...] [--workers 2] [--build-store]

Issue 5's target: "1M observations (~10M triples) linted, mapped, validated, dumped and served
within 10 minutes end to end". For each size, on the synthetic corpus of benchmarks/corpus.py
(generated and cached as pipeline_bench.py does; sizes 1k..1m, or any number like 300k), each step
is the real command in its own process, timed by wall clock, with its peak RSS (from wait4):

1. `ntp-kg build --dist TMP/dist` (load seeds, lint, map, SHACL gate, every dump, gzip twins,
   catalogue; all or nothing);
2. `ntp-kg load --store TMP/store --dist TMP/dist` (bulk load of ntp-kg.nq, and of ntp-kg.nt into the
   default graph, into an on-disk store, verified);
3. `ntp-kg serve --store TMP/store --dist TMP/dist`: seconds until /health answers, then until
   the first answer of a GROUP BY over every observation (sparql/observations-by-status-and-nature)
   and of a point query (sparql/lao-cai-labels).

With `--build-store`, steps 1 and 2 are one command, `ntp-kg build --dist TMP/dist --store
TMP/store`, which loads the store beside the SHACL gate (the quickest way from seeds to a served
store).

"Served" is the moment the first query is answered. Prints a table and writes
benchmarks/results/e2e-<time>.json; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLI = [sys.executable, "-m", "ntp_kg"]

sys.path.insert(0, str(HERE))
import pipeline_bench  # noqa: E402 - benchmarks/ is not a package
import store_bench  # noqa: E402


def observations(size: str) -> int:
    """1k, 10k, 100k, 1m, or a number with an optional k / m suffix."""
    s = size.lower()
    factor = 1_000_000 if s.endswith("m") else 1_000 if s.endswith("k") else 1
    return int(float(s.rstrip("km")) * factor)


def run_step(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    m = store_bench.run_measured(cmd, env)
    return {"seconds": round(m.seconds, 2), "cpu_seconds": round(m.cpu_seconds, 2), "peak_rss_mb": round(m.peak_rss_mb), "output": (m.stdout + m.stderr)[-600:]}


def serve_until_answered(store: Path, dist: Path, workers: int, env: dict[str, str], log: Path) -> dict[str, Any]:
    t = time.perf_counter()
    with store_bench.running_server(["--store", str(store), "--dist", str(dist)], workers, log, time_limit=300, env=env) as (_p, base, ready):
        result: dict[str, Any] = {"ready_seconds": round(ready, 2)}
        with httpx.Client(base_url=base, timeout=600) as client:
            for name in (store_bench.GROUP, store_bench.POINT):
                q0 = time.perf_counter()
                r = client.post("/sparql", data={"query": store_bench.query_text(name)}, headers={"Accept": "application/sparql-results+json"})
                if r.status_code != 200:
                    raise SystemExit(f"{name}: {r.status_code} {r.text[:300]}")
                result[name] = {"seconds": round(time.perf_counter() - q0, 3), "rows": len(r.json()["results"]["bindings"])}
        result["answered_seconds"] = round(time.perf_counter() - t, 2)
        return result


def bench(size: str, seed: int, workers: int, *, build_store: bool = False) -> dict[str, Any]:
    n = observations(size)
    pipeline_bench.SIZES.setdefault(size, n)
    root = pipeline_bench.corpus_root(size, seed)
    env = {**os.environ, "NTP_KG_ROOT": str(root)}
    tmp = Path(tempfile.mkdtemp(prefix=f"e2e-bench-{size}-", dir=pipeline_bench.RESULTS))
    try:
        dist, store = tmp / "dist", tmp / "store"
        out: dict[str, Any] = {"size": size, "observations": n, "build_store": build_store}
        if build_store:
            print(f"  {size}: ntp-kg build --store ...", flush=True)
            out["build"] = run_step([*CLI, "build", "--dist", str(dist), "--store", str(store)], env)
            out["load"] = None
        else:
            print(f"  {size}: ntp-kg build ...", flush=True)
            out["build"] = run_step([*CLI, "build", "--dist", str(dist)], env)
            print(f"  {size}: ntp-kg load ...", flush=True)
            out["load"] = run_step([*CLI, "load", "--store", str(store), "--dist", str(dist)], env)
        print(f"  {size}: ntp-kg serve ...", flush=True)
        out["serve"] = serve_until_answered(store, dist, workers, env, tmp / "serve.log")
        out["dist_bytes"] = sum(p.stat().st_size for p in dist.iterdir())
        out["store_bytes"] = store_bench.folder_bytes(store)
        load_seconds = out["load"]["seconds"] if out["load"] else 0.0
        out["total_seconds"] = round(out["build"]["seconds"] + load_seconds + out["serve"]["answered_seconds"], 2)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| observations | build s (peak MB) | load s (peak MB) | serve: ready s | first GROUP BY s | first point query s | end to end s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, load = r["serve"], r.get("load")
        loaded = f"{load['seconds']:.1f} ({load['peak_rss_mb']:,})" if load else "in the build (`--store`)"
        lines.append(
            f"| {r['size']} | {r['build']['seconds']:.1f} ({r['build']['peak_rss_mb']:,}) | {loaded} | "
            f"{s['ready_seconds']:.2f} | {s[store_bench.GROUP]['seconds']:.2f} | {s[store_bench.POINT]['seconds']:.3f} | **{r['total_seconds']:.1f}** |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obs", action="append", default=None, help="corpus size: 1k, 10k, 100k, 1m or e.g. 300k (repeatable; default 10k)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the server (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--build-store", action="store_true", help="one command, `ntp-kg build --dist --store`, instead of `build` then `load`")
    ap.add_argument("--report", type=Path, help="print the table of a results JSON file and exit")
    args = ap.parse_args()
    if args.report:
        print(table(json.loads(args.report.read_text())["results"]))
        return
    started = datetime.now(UTC)
    load_at_start = os.getloadavg()
    results = [bench(size, args.seed, args.workers, build_store=args.build_store) for size in (args.obs or ["10k"])]
    doc = {
        "when": started.isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "loadavg_at_start": load_at_start, "loadavg_at_end": os.getloadavg(), "python": platform.python_version()},
        "workers": args.workers,
        "results": results,
    }
    out = pipeline_bench.RESULTS / f"e2e-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(doc, indent=1))
    print(table(results))
    print(f"\n-> {out}")


if __name__ == "__main__":
    main()
