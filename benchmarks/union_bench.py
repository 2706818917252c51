"""The union of the graphs in memory: pyoxigraph's own union against the union held in the default graph.

    .venv/bin/python benchmarks/union_bench.py --nq dist/ntp-kg.nq [--queries a,b,c] [--out FILE]

pyoxigraph's `use_default_graph_as_union=True` yields a triple once per graph that holds it; an
in-memory store of ours (`ntp-kg serve`'s workers, the pages, `ntp-kg query`) therefore copies
each named graph's triples into its default graph (`union_view.hold_union`) and reads that. This
script measures what that costs, each way in a fresh process (so that RSS is its own):

- `pyoxigraph-union` (the baseline): the N-Quads into an in-memory Store, queries asked with
  `use_default_graph_as_union=True`;
- `held`: the same load, then `hold_union`, queries read the default graph.

For each: seconds to load (and to hold the union), RSS after, how many solutions `?s ?p ?o` has
in the default graph as queried (the quads for the baseline, the distinct triples for `held`),
and each sparql/ query's best of two runs with its row count; then the ratios held / baseline.
Prints a table and writes benchmarks/results/union-<time>.json. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUERIES = "observations-by-status-and-nature,deadlines,disbursement-by-programme,poverty-reduction,approximate-figures"
VARIANTS = ("pyoxigraph-union", "held")


def _rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def measure(variant: str, nq: Path, queries: list[str]) -> dict[str, object]:
    """One variant in this process: load, (hold), count, queries."""
    import pyoxigraph as ox

    from ntp_kg.union_view import hold_union

    t0 = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    loaded = time.perf_counter() - t0
    flag = variant == "pyoxigraph-union"
    t1 = time.perf_counter()
    if not flag:
        store = hold_union(store)
    held = time.perf_counter() - t1
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=flag)
    assert isinstance(count, ox.QuerySolutions)
    solutions = int(next(iter(count))["n"].value)
    times: dict[str, dict[str, float | int]] = {}
    for name in queries:
        text = (ROOT / "sparql" / f"{name}.rq").read_text(encoding="utf-8")
        best, rows = float("inf"), 0
        for _ in range(2):
            t = time.perf_counter()
            result = store.query(text, use_default_graph_as_union=flag)
            rows = len(list(result)) if isinstance(result, ox.QuerySolutions) else int(bool(result))
            best = min(best, time.perf_counter() - t)
        times[name] = {"seconds": round(best, 3), "rows": rows}
    return {"variant": variant, "load_s": round(loaded, 2), "hold_s": round(held, 2), "rss_mb": _rss_mb(), "default_graph_solutions": solutions, "queries": times}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nq", type=Path, required=True, help="an N-Quads dump (a build's ntp-kg.nq)")
    ap.add_argument("--queries", default=DEFAULT_QUERIES, help="names in sparql/, comma-separated")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # the child's part
    args = ap.parse_args()
    queries = [q for q in args.queries.split(",") if q]
    if args.variant:
        print(json.dumps(measure(args.variant, args.nq, queries)))
        return
    results = []
    for variant in VARIANTS:
        done = subprocess.run([sys.executable, __file__, "--nq", str(args.nq), "--queries", ",".join(queries), "--variant", variant], capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout))
    base, ours = results
    print(f"{args.nq} ({os.path.getsize(args.nq) / 1e6:.0f} MB), load average {os.getloadavg()[0]:.2f}")
    print(f"{'':40} {'pyoxigraph-union':>18} {'held':>12} {'ratio':>7}")
    rows = [("load s", "load_s"), ("hold the union s", "hold_s"), ("RSS MB", "rss_mb"), ("?s ?p ?o solutions", "default_graph_solutions")]
    for label, key in rows:
        a, b = base[key], ours[key]
        print(f"{label:40} {a:>18} {b:>12} {(b / a if a else float('nan')):>7.2f}")
    for name in queries:
        a, b = base["queries"][name], ours["queries"][name]
        print(f"{name + ' s (rows)':40} {a['seconds']:>12} ({a['rows']:>4}) {b['seconds']:>6} ({b['rows']:>4}) {b['seconds'] / a['seconds']:>7.2f}")
    out = args.out or ROOT / "benchmarks" / "results" / f"union-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps({"nq": str(args.nq), "loadavg": os.getloadavg(), "results": results}, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
