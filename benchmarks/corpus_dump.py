"""An N-Quads dump of a synthetic corpus of N observations, for the endpoint benchmark.

    .venv/bin/python benchmarks/corpus_dump.py 10000     # prints the dump's path

The corpus is benchmarks/corpus.py's (the same seeds tree pipeline_bench.py uses, cached under
benchmarks/results/corpora/<size>-seed<seed>/); the dump is what the build maps from it: load
the seeds, lint (must pass), map to the knowledge graph (ntp_kg.mapper, run with NTP_KG_ROOT at
the corpus, as `ntp-kg build` would), every quad written as sorted N-Quads. It leaves out the
build's catalogue and SHACL gate (minutes at 10k observations, and no part of what a query
reads). Cached under benchmarks/results/work/endpoint-<size>-seed<seed>/ntp-kg.nq, keyed by the
corpus generator's hash.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BASE = "https://w3id.org/ntp-kg/"
NAMES = {1_000: "1k", 10_000: "10k", 100_000: "100k", 1_000_000: "1m"}  # as pipeline_bench.py names them


def _stamp() -> str:
    return hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()


def corpus_root(n_obs: int, seed: int = 0) -> Path:
    """The seeds tree of `n_obs` observations, generated once (same place as pipeline_bench.py)."""
    root = RESULTS / "corpora" / f"{NAMES.get(n_obs, str(n_obs))}-seed{seed}"
    stamp = root / ".complete"
    if stamp.exists() and stamp.read_text() == _stamp():
        return root
    if root.exists():
        shutil.rmtree(root)
    sys.path.insert(0, str(HERE))
    import corpus  # noqa: PLC0415 - benchmarks/ is not a package

    t = time.perf_counter()
    info = corpus.generate(root, n_obs, seed=seed)
    print(f"generated {info.n_obs} observations in {info.n_sources} sources in {time.perf_counter() - t:.1f} s -> {root}", flush=True)
    stamp.write_text(_stamp())
    return root


def dump(n_obs: int, seed: int = 0) -> Path:
    """The N-Quads dump of the corpus (made in a child process with NTP_KG_ROOT at the corpus)."""
    root = corpus_root(n_obs, seed)
    out_dir = RESULTS / "work" / f"endpoint-{NAMES.get(n_obs, str(n_obs))}-seed{seed}"
    out = out_dir / "ntp-kg.nq"
    stamp = out_dir / ".complete"
    if out.is_file() and stamp.exists() and stamp.read_text() == _stamp():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    env = {**os.environ, "NTP_KG_ROOT": str(root)}
    subprocess.run([sys.executable, __file__, "--child", str(root), str(out)], env=env, check=True)
    stamp.write_text(_stamp())
    print(f"mapped the corpus to {out} in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def _child(root: Path, out: Path) -> None:
    from ntp_kg.facts import load_seeds
    from ntp_kg.lint import lint
    from ntp_kg.mapper import map_graphs
    from ntp_kg.spool import spool

    seeds = load_seeds(root / "seeds")
    report = lint(seeds)
    if not report.ok:
        raise SystemExit(f"lint failed on the corpus {root}:\n{report.text()[-3000:]}")
    quads = spool(map_graphs(seeds, sorted((root / "ontology").glob("*.ttl")), BASE), out.parent)  # as the build: streamed
    del seeds
    tmp = out.with_suffix(".nq.tmp")
    with open(tmp, "wb", buffering=1 << 22) as f:
        quads.write_nt_nq(None, f)
    tmp.replace(out)  # atomic: a half-written dump is never taken for a cached one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("obs", type=int, nargs="?", help="observations in the corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]))
        return
    if args.obs is None or args.obs < 1:
        parser.error("give the number of observations, e.g. 10000")
    print(dump(args.obs, args.seed))


if __name__ == "__main__":
    main()
