"""Time each build stage on the real seeds, and our dump writers against rdflib's serializers.

Prints a table of figures (best of N runs, seconds) and ratios against the baseline run in this
same process on the same graph: rdflib's own serializers for each dump format. Run with
`make bench` or `.venv/bin/python benchmarks/build_bench.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable

import pyoxigraph as ox

from ntp_kg import gate, quadtext, rdfio, resources
from ntp_kg.facts import load_seeds
from ntp_kg.lint import lint
from ntp_kg.mapper import map_seeds
from ntp_kg.publish import render
from ntp_kg.validate import validate


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    r = args.repeat

    seeds = load_seeds(resources.seeds_dir())
    q = map_seeds(seeds, resources.ontology_files(), "https://w3id.org/ntp-kg/").sort()
    ds = rdfio.to_rdflib_dataset(q)
    qs, ts = list(q.quads()), quadtext.parse_triples(q.ntriples())
    union = rdfio.to_rdflib_graph(ts)
    print(f"graph: {len(qs)} quads, {len(ts)} distinct triples")

    stages = [
        ("load seeds + lint", lambda: lint(load_seeds(resources.seeds_dir()))),
        ("map (facts -> statement texts, sorted)", lambda: map_seeds(seeds, resources.ontology_files(), "https://w3id.org/ntp-kg/").sort()),
        ("SHACL gate (ntp_kg.gate, as in the build)", lambda: gate.validate(ds)),
        ("SHACL validation (pySHACL, all shapes)", lambda: validate(ds)),
        ("render all dumps (ntp-kg writers)", lambda: render(q)),
    ]
    print(f"\n{'stage':45} {'best s':>8}")
    for name, fn in stages:
        print(f"{name:45} {best(fn, r if 'SHACL' not in name else 1):8.3f}")

    pairs = [
        ("N-Triples", lambda: ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES), lambda: union.serialize(format="nt")),
        ("Turtle", lambda: ox.serialize(ts, format=ox.RdfFormat.TURTLE, prefixes=resources.prefixes()), lambda: union.serialize(format="turtle")),
        ("TriG", lambda: ox.serialize(qs, format=ox.RdfFormat.TRIG, prefixes=resources.prefixes()), lambda: ds.serialize(format="trig")),
        ("N-Quads", lambda: ox.serialize(qs, format=ox.RdfFormat.N_QUADS), lambda: ds.serialize(format="nquads")),
    ]
    print(f"\n{'writer':12} {'ntp-kg (pyoxigraph) s':>22} {'baseline rdflib s':>18} {'speed-up':>9}")
    for name, ours, base in pairs:
        a, b = best(ours, r), best(base, r)
        print(f"{name:12} {a:22.4f} {b:18.4f} {b / a:8.1f}x")
    print(f"\npeak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
