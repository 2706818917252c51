"""Seed loading and lint on a generated corpus: CPU and wall seconds, repeated.

`ntp_kg.facts.load_seeds` and `ntp_kg.lint.lint` are the fixed cost of every build (issue 5).
Each round runs both in a fresh subprocess (a warm interpreter would keep caches and a grown heap
from the round before), and the script prints the median and the minimum of each over the
rounds: on a machine shared with other work the minimum CPU time is the steadiest figure.
`--profile` prints cProfile's top functions of one round instead. Nothing here asserts a figure.

    .venv/bin/python benchmarks/load_bench.py                        # 10k, 5 rounds
    .venv/bin/python benchmarks/load_bench.py --sizes 10k 100k --rounds 3 --json out.json
    .venv/bin/python benchmarks/load_bench.py --sizes 100k --profile
    PYTHONPATH=/tmp/old-src .venv/bin/python benchmarks/load_bench.py   # another version of ntp_kg

Corpora come from benchmarks/corpus.py (cached under benchmarks/results/corpora/, as
pipeline_bench.py makes them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPORA = HERE / "results" / "corpora"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def child(root: Path, profile: bool) -> None:
    """One round: load, then lint; print the figures as one JSON line."""
    import cProfile
    import pstats

    from ntp_kg.facts import load_seeds
    from ntp_kg.lint import lint

    out: dict[str, Any] = {}
    prof = cProfile.Profile() if profile else None
    seeds: Any = None
    for name, fn in (("load", lambda: load_seeds(root / "seeds")), ("lint", lambda: lint(seeds))):
        t, c = time.perf_counter(), time.process_time()
        if prof is not None:
            prof.enable()
        result = fn()
        if prof is not None:
            prof.disable()
        out[name] = {"wall_seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c}
        if name == "load":
            seeds = result
        elif not result.ok:
            raise SystemExit(f"lint failed on the corpus:\n{result.text()[-2000:]}")
    if prof is not None:
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    print(json.dumps(out))


def corpus(size: str) -> Path:
    root = CORPORA / f"{size}-seed0"
    if not (root / "seeds").is_dir():
        subprocess.run([sys.executable, str(HERE / "corpus.py"), str(root), "--obs", size], check=True)
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["10k"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="one round under cProfile, its top functions on stderr")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.profile)
        return
    results: dict[str, Any] = {
        "environment": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nproc": os.cpu_count(),
            "loadavg_at_start": os.getloadavg(),
            "python": platform.python_version(),
            "ntp_kg": str(Path(__import__("ntp_kg").__file__).parent),
        },
        "sizes": {},
    }
    for size in args.sizes:
        root = corpus(size)
        rounds = []
        for _ in range(1 if args.profile else args.rounds):
            cmd = [sys.executable, __file__, "--child", str(root)] + (["--profile"] if args.profile else [])
            done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
            rounds.append(json.loads(done.stdout.strip().splitlines()[-1]))
        summary = {}
        for stage in ("load", "lint"):
            for key in ("cpu_seconds", "wall_seconds"):
                xs = [r[stage][key] for r in rounds]
                summary[f"{stage} {key}"] = {"median": statistics.median(xs), "min": min(xs), "all": xs}
        results["sizes"][size] = summary
        print(f"{size} ({len(rounds)} rounds; load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
        for name, fig in summary.items():
            print(f"  {name:<20} median {fig['median']:7.2f}  min {fig['min']:7.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
