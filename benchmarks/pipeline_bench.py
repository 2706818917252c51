"""Pipeline benchmark on generated corpora: each stage against a baseline run in the same script.

For each size (1k and 10k observations by default; `--100k`, `--1m` add the large ones) the
script generates a corpus with benchmarks/corpus.py (cached under benchmarks/results/corpora/) and
runs every stage in its own subprocess, bounded by `--timeout` seconds and `--mem-limit` GB of
address space, so that each stage's peak RSS is its own (it includes the stage's inputs: the
mapped graph, or the dumps it reads). Stages and their baselines:

* build: load seeds + lint (the same code in both), then ours as `ntp-kg build` runs it but for
  the gate: map (facts -> statement texts, ntp_kg.mapper, sorted per graph into ntp_kg.spool,
  which spills sorted runs to disk past its memory budget), one merge writing ntp-kg.nt and
  ntp-kg.nq, and the other dumps streamed to files (pyoxigraph; JSON-LD by ntp_kg.jsonld), gzip
  twins in a thread meanwhile; the rdflib-only baseline: map into an rdflib Dataset (benchmarks/
  rdflib_mapper.py, the mapper as it was) and every dump with rdflib's serializers. The build
  figure is load + lint + map + all dumps, for both. The rest of `ntp-kg build` (gzip twins,
  catalogue) is timed for ours only; `build-e2e` runs `ntp-kg build` itself (gate, threads,
  files written) as one figure;
* load: N-Quads and Turtle dumps into a pyoxigraph Store (bulk load) vs an rdflib Dataset/Graph;
* queries: each sparql/*.rq in-process on pyoxigraph vs rdflib (same dump, union default graph);
* SHACL: the gate (ntp_kg.gate) vs our validate() (pySHACL, SPARQL parsed once) vs default
  pySHACL (shapes parsed from the files, a SPARQL constraint re-parsed per focus node): the
  issue's baseline. `--ablations` adds the gate with each screen off and per-source partitioning.

Prints tables of figures and ratios and writes benchmarks/results/<timestamp>.json. Nothing here
is a test; timings vary with the machine's load (the JSON records nproc and load average).

    .venv/bin/python benchmarks/pipeline_bench.py                 # 1k and 10k (make bench)
    .venv/bin/python benchmarks/pipeline_bench.py --sizes 1k --ablations
    .venv/bin/python benchmarks/pipeline_bench.py --sizes 100k --stages shacl --timeout 1800
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
BASE = "https://w3id.org/ntp-kg/"
STAGE_GROUPS = {
    "build": ["build-ours", "build-rdflib", "build-e2e"],
    "load": ["load"],
    "queries": ["queries"],
    "shacl": ["shacl-gate", "shacl-validate", "shacl-pyshacl"],
}
SORT = "dumps: statements sorted once (shared by all writers)"
PARSE = "dumps: union triples parsed (shared by ttl, jsonld)"
SHARED = "dumps: sorted quads and union triples (shared by all writers)"  # results before 2026-11-26T09:00
OLD_SHARED = ["dumps: quads from rdflib (shared by all writers)", "dumps: union triples (shared by nt, ttl, jsonld)"]  # results before 2026-11-26T05:30
TWINS = "gzip twins (publish.TWIN_LEVEL; waiting after the last dump)"
OLD_TWINS = ("gzip twins (level 9)", "gzip twins (level 9; waiting after the last dump)")  # results before stop 11 (level 9)
ABLATIONS = ["shacl-gate-no-core-screen", "shacl-gate-no-sparql-screen", "shacl-partitioned"]


# =================================================================================================
# Child side: one stage, printing `RESULT {json}` lines as it goes.
# =================================================================================================


_EMITTED: dict[str, dict[str, Any]] = {}


def emit(**kw: Any) -> None:
    _EMITTED[str(kw.get("metric"))] = kw
    print("RESULT " + json.dumps(kw, default=str), flush=True)


def secs_of_union(key: str = "seconds") -> float:
    m = next((m for k, m in _EMITTED.items() if k.startswith("SHACL: union copy")), None)
    return float(m[key]) if m else 0.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(name: str, fn: Callable[[], Any], **extra: Any) -> Any:
    """Run fn; emit its wall-clock seconds and its CPU seconds (this process, all threads): on a
    shared machine the CPU figure is the steadier one."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    emit(metric=name, seconds=time.perf_counter() - t, cpu_seconds=time.process_time() - c, peak_rss_mb=rss_mb(), **extra)
    return out


def child_seeds(root: Path) -> Any:
    from ntp_kg.facts import load_seeds
    from ntp_kg.lint import lint

    seeds = timed("load seeds", lambda: load_seeds(root / "seeds"))
    report = timed("lint", lambda: lint(seeds))
    if not report.ok:
        raise SystemExit(f"lint failed on the corpus:\n{report.text()[-3000:]}")
    return seeds


def child_dataset(root: Path) -> Any:
    """The rdflib-only pipeline's graph: an rdflib Dataset made by the rdflib mapper."""
    sys.path.insert(0, str(HERE))
    import rdflib_mapper  # noqa: PLC0415 - benchmarks/ is not a package

    seeds = child_seeds(root)
    ds = timed("map", lambda: rdflib_mapper.map_seeds(seeds, sorted((root / "ontology").glob("*.ttl")), BASE))
    emit(metric="graph", quads=len(ds), peak_rss_mb=rss_mb())
    return ds


def child_sorted(root: Path) -> Any:
    """ntp-kg's graph: statement texts from ntp_kg.mapper, sorted once."""
    from ntp_kg.mapper import map_seeds

    seeds = child_seeds(root)
    mapped = timed("map", lambda: map_seeds(seeds, sorted((root / "ontology").glob("*.ttl")), BASE))
    del seeds
    q = timed(SORT, mapped.sort)
    del mapped
    emit(metric="graph", quads=len(q), peak_rss_mb=rss_mb())
    return q


def stage_build_ours(root: Path, work: Path) -> None:
    """The build's own path (`pipeline.build` without the gate): the mapper's graphs into the spool
    (sorted within a fixed memory budget, spilled under `work`; from 20k observations on half of
    the sources in a forked worker, whose memory peak_rss_mb does not count), then every dump
    streamed to a staging folder, gzip twins and hashes in a thread meanwhile."""
    from ntp_kg import forkmap, publish, quadtext
    from ntp_kg.extsort import DEFAULT_RUN_BYTES

    seeds = child_seeds(root)
    onto = sorted((root / "ontology").glob("*.ttl"))
    q = timed("map", lambda: forkmap.spool_seeds(seeds, onto, BASE, work, DEFAULT_RUN_BYTES))  # each graph sorted as it is mapped
    del seeds
    emit(metric="graph", quads=len(q), spilled=q.spilled, peak_rss_mb=rss_mb())
    work.mkdir(parents=True, exist_ok=True)
    with publish.Staging(None) as stage:
        timed("dump nt+nq", lambda: stage.write_union(q))
        timed("dump ttl", stage.write_turtle)
        timed("dump trig", lambda: stage.write_trig(q))
        timed("dump jsonld", stage.write_jsonld)
        # The rest of `ntp-kg build` after the dumps (no rdflib-only counterpart): gzip twins, catalogue.
        written = timed(TWINS, stage.written)
        if len(q) < 10_000_000:  # the in-memory union Store of a larger graph does not fit this machine
            store = timed("union Store loaded (shared by the gate and the catalogue)", lambda: quadtext.ntriples_store(stage.nt))
            timed("catalogue (DCAT + VoID statistics)", lambda: publish.catalogue(store, publish.dump_files(written), BASE))
            del store
        for ext in ("nq", "ttl"):
            target = work / f"dump.{ext}"
            os.replace(stage.folder / f"ntp-kg.{ext}", target)
    emit(metric="dump sizes", bytes={k: v[0] for k, v in written.items()}, peak_rss_mb=rss_mb())


def stage_build_e2e(root: Path, work: Path) -> None:
    """`ntp-kg build` itself on the corpus: lint, map, gate, every file of dist/, written."""
    from ntp_kg import pipeline

    dist = work / "dist"
    r = timed("ntp-kg build (end to end)", lambda: pipeline.build(dist))
    emit(metric="graph", quads=len(r.graph), findings=len(r.validation.findings), peak_rss_mb=rss_mb())


def stage_build_rdflib(root: Path, work: Path) -> None:
    from ntp_kg.validate import union_graph

    ds = child_dataset(root)
    g = timed("dumps: union Graph (shared by nt, ttl, jsonld)", lambda: union_graph(ds))
    timed("dump nt", lambda: g.serialize(format="nt", encoding="utf-8"))
    timed("dump nq", lambda: ds.serialize(format="nquads", encoding="utf-8"))
    timed("dump ttl", lambda: g.serialize(format="turtle", encoding="utf-8"))
    timed("dump trig", lambda: ds.serialize(format="trig", encoding="utf-8"))

    def jsonld() -> bytes:
        from ntp_kg import resources

        return g.serialize(format="json-ld", context=resources.context(), auto_compact=True, encoding="utf-8")

    timed("dump jsonld", jsonld)


def stage_load(root: Path, work: Path) -> None:
    import pyoxigraph as ox
    from rdflib import Dataset, Graph

    nq, ttl = work / "dump.nq", work / "dump.ttl"
    if not nq.exists():
        raise SystemExit("no dumps: run the build stage first")

    def ox_nq() -> int:
        st = ox.Store()
        st.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        return len(st)

    def ox_ttl() -> int:
        st = ox.Store()
        st.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
        return len(st)

    timed("load nq: pyoxigraph bulk_load", ox_nq)
    timed("load ttl: pyoxigraph bulk_load", ox_ttl)
    timed("load nq: rdflib Dataset.parse", lambda: Dataset().parse(str(nq), format="nquads"))
    timed("load ttl: rdflib Graph.parse", lambda: Graph().parse(str(ttl), format="turtle"))


def stage_queries(root: Path, work: Path) -> None:
    import pyoxigraph as ox
    from rdflib import Dataset

    nq = work / "dump.nq"
    if not nq.exists():
        raise SystemExit("no dumps: run the build stage first")
    st = ox.Store()
    st.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    ds = Dataset(default_union=True)
    ds.parse(str(nq), format="nquads")
    emit(metric="inputs loaded", peak_rss_mb=rss_mb())
    limit = int(os.environ.get("NTP_KG_BENCH_QUERY_TIMEOUT", "60"))

    def bounded(fn: Callable[[], int]) -> tuple[float | None, int | None]:
        """Run one query in a forked copy of this process (the stores are shared copy-on-write),
        killed after `limit` seconds: neither engine can be interrupted from Python mid-query."""
        import select
        import signal

        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(r)
            try:
                t = time.perf_counter()
                n = fn()
                os.write(w, json.dumps([time.perf_counter() - t, n]).encode())
            finally:
                os._exit(0)
        os.close(w)
        try:
            ready, _, _ = select.select([r], [], [], limit)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return None, None
            data = b""
            while chunk := os.read(r, 65536):
                data += chunk
            if not data:
                return None, None
            dt, n = json.loads(data)
            return dt, n
        finally:
            os.close(r)
            os.waitpid(pid, 0)

    for q in sorted((root / "sparql").glob("*.rq")):
        text = q.read_text(encoding="utf-8")

        def run_ox() -> int:
            res = st.query(text, use_default_graph_as_union=True)
            return 1 if isinstance(res, ox.QueryBoolean) else sum(1 for _ in res)

        def run_rdflib() -> int:
            res = ds.query(text)
            return 1 if res.type == "ASK" else sum(1 for _ in res)

        a, n_ox = bounded(run_ox)
        b, n_rd = bounded(run_rdflib)
        emit(metric=f"query {q.stem}", ours=a, baseline=b, rows_ours=n_ox, rows_baseline=n_rd, query_timeout=limit, peak_rss_mb=rss_mb())


_T0 = time.perf_counter()


def stage_shacl(root: Path, work: Path, which: str) -> None:
    from ntp_kg import gate
    from ntp_kg import validate as v

    if which == "shacl-gate":
        # As `ntp-kg build` runs it (gate_parts): the spooled graph's union written as sorted
        # N-Triples, loaded into a Store in a thread, the named graphs screened part by part. Then
        # the whole-graph gate (gate.validate_triples, the build's until 2026-11-26T14:00) on the
        # same triples, for the ratio; its peak is the stage's peak after it.
        from concurrent.futures import ThreadPoolExecutor

        from ntp_kg import gate_parts, mapper, quadtext, spool

        seeds = child_seeds(root)
        work.mkdir(parents=True, exist_ok=True)
        q = timed("map", lambda: spool.spool(mapper.map_graphs(seeds, sorted((root / "ontology").glob("*.ttl")), BASE), work))
        del seeds
        nt = work / "gate-union.nt"
        with open(nt, "wb") as f:
            q.write_nt_nq(f, None)
        emit(metric="graph", quads=len(q), peak_rss_mb=rss_mb())
        emit(metric="shacl start", since_start=time.perf_counter() - _T0, peak_rss_mb=rss_mb())
        stats = gate.GateStats()

        def parts() -> Any:
            with ThreadPoolExecutor(max_workers=1) as pool:
                store = pool.submit(quadtext.ntriples_store, nt)
                return gate_parts.validate_parts(nt, q.graph_blocks(), store, split=q.split_subjects, blank_nodes=q.blank_nodes, stats=stats)

        rep = timed("SHACL: gate", parts)
        emit(metric="gate detail", phases=stats.seconds, candidates=stats.candidates, focus_pairs=stats.focus_pairs,
             triples=stats.triples, sparql_fallbacks=stats.sparql_fallbacks, unknown_shapes=stats.unknown_shapes,
             parts=stats.parts, fetched=stats.fetched, inverse_lookups=stats.inverse_lookups, fallback=stats.fallback,
             findings=len(rep.findings), conforms=rep.conforms, peak_rss_mb=rss_mb())
        q.close()
        triples = quadtext.parse_triples(nt)
        stats2 = gate.GateStats()
        rep2 = timed("SHACL: whole-graph gate", lambda: gate.validate_triples(triples, ntriples=nt.read_bytes(), stats=stats2), phases=stats2.seconds)
        emit(metric="whole-graph gate findings", findings=len(rep2.findings), same=sorted(map(str, rep2.findings)) == sorted(map(str, rep.findings)), peak_rss_mb=rss_mb())
        nt.unlink()
        return
    ds = child_dataset(root)
    emit(metric="shacl start", since_start=time.perf_counter() - _T0, peak_rss_mb=rss_mb())
    if which == "shacl-gate-no-core-screen":
        rep = timed("SHACL: gate, core shapes by pySHACL", lambda: gate.validate(ds, screen_core=False))
        emit(metric="findings", findings=len(rep.findings), peak_rss_mb=rss_mb())
    elif which == "shacl-gate-no-sparql-screen":
        rep = timed("SHACL: gate, SPARQL constraints by pySHACL", lambda: gate.validate(ds, screen_sparql=False))
        emit(metric="findings", findings=len(rep.findings), peak_rss_mb=rss_mb())
    elif which == "shacl-validate":
        # validate(ds) = pySHACL on union_graph(ds); the union is made first (and timed apart) so
        # that the mapper's Dataset can be freed: at 100k observations both do not fit in 16 GB.
        holder = [timed("SHACL: union copy (part of validate())", lambda: v.union_graph(ds))]
        del ds
        t, c = time.perf_counter(), time.process_time()
        rep = v.validate(holder.pop())
        emit(metric="SHACL: validate() (pySHACL, SPARQL parsed once)", seconds=time.perf_counter() - t + secs_of_union(),
             cpu_seconds=time.process_time() - c + secs_of_union("cpu_seconds"), peak_rss_mb=rss_mb())
        emit(metric="findings", findings=len(rep.findings), conforms=rep.conforms, peak_rss_mb=rss_mb())
    elif which == "shacl-pyshacl":
        from pyshacl import validate as pyshacl_validate

        holder = [timed("SHACL: union copy (part of default pySHACL)", lambda: v.union_graph(ds))]
        del ds

        def default_pyshacl() -> Any:
            shapes = v.parse_turtle_files(sorted((root / "shapes").glob("*.ttl")))  # no cache
            return pyshacl_validate(holder.pop(), shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True, allow_infos=True)

        t, c = time.perf_counter(), time.process_time()
        conforms, report, _ = default_pyshacl()
        emit(metric="SHACL: default pySHACL", seconds=time.perf_counter() - t + secs_of_union(),
             cpu_seconds=time.process_time() - c + secs_of_union("cpu_seconds"), peak_rss_mb=rss_mb())
        emit(metric="findings", findings=len(v._findings(report)), conforms=bool(conforms), peak_rss_mb=rss_mb())
    elif which == "shacl-partitioned":
        # Idea from the issue: each source's named graph with the reference data it links to.
        # Not equivalent in general (a node in two graphs is checked on each part); measured only.
        from rdflib import Graph

        ref = [g for g in ds.graphs() if "/graph/source/" not in str(g.identifier)]
        findings: set[Any] = set()

        def partitioned() -> None:
            base = Graph()
            for g in ref:
                for t in g:
                    base.add(t)
            findings.update(v.validate(base).findings)
            for g in ds.graphs():
                if "/graph/source/" not in str(g.identifier):
                    continue
                part = Graph()
                for t in base:
                    part.add(t)
                for t in g:
                    part.add(t)
                findings.update(v.validate(part).findings)

        timed("SHACL: validate() per source graph + reference", partitioned)
        emit(metric="findings", findings=len(findings), peak_rss_mb=rss_mb())
    else:  # pragma: no cover
        raise SystemExit(f"unknown stage {which}")


def child_main(stage: str, root: Path, work: Path) -> None:
    os.environ["NTP_KG_ROOT"] = str(root)
    emit(metric="start", peak_rss_mb=rss_mb())
    if stage == "build-ours":
        stage_build_ours(root, work)
    elif stage == "build-rdflib":
        stage_build_rdflib(root, work)
    elif stage == "build-e2e":
        stage_build_e2e(root, work)
    elif stage == "load":
        stage_load(root, work)
    elif stage == "queries":
        stage_queries(root, work)
    else:
        stage_shacl(root, work, stage)
    emit(metric="end", peak_rss_mb=rss_mb())


# =================================================================================================
# Parent side: corpora, subprocesses with bounds, tables, JSON.
# =================================================================================================


def corpus_root(size: str, seed: int) -> Path:
    sys.path.insert(0, str(HERE))
    import corpus  # noqa: PLC0415 - benchmarks/ is not a package

    root = RESULTS / "corpora" / f"{size}-seed{seed}"
    stamp = root / ".complete"
    gen = (HERE / "corpus.py").read_bytes()
    import hashlib

    want = hashlib.sha256(gen).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return _with_catalogue_text(root)
    if root.exists():
        import shutil

        shutil.rmtree(root)
    t = time.perf_counter()
    info = corpus.generate(root, SIZES[size], seed=seed)
    print(f"  generated {info.n_obs} observations in {info.n_sources} sources in {time.perf_counter() - t:.1f} s -> {root}")
    stamp.write_text(want)
    return _with_catalogue_text(root)


def _with_catalogue_text(root: Path) -> Path:
    """The corpus describes no catalogue (title, publisher, licence...): ntp-kg build takes ours."""
    text = root / "seeds" / "catalog.yaml"
    if not text.exists():
        tmp = text.with_suffix(".yaml.tmp")
        tmp.write_bytes((REPO / "seeds" / "catalog.yaml").read_bytes())
        tmp.replace(text)
    return root


def run_stage(stage: str, root: Path, work: Path, timeout: float, mem_gb: float) -> dict[str, Any]:
    """Run one stage in a subprocess; collect its RESULT lines even if it times out."""

    def limits() -> None:
        lim = int(mem_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))

    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", stage, "--root", str(root), "--work", str(work)]
    t = time.perf_counter()
    status = "ok"
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limits, cwd=REPO) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            status = f"timed out after {timeout:.0f} s"
    if status == "ok" and p.returncode != 0:
        status = f"failed (exit {p.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}"
    results = [json.loads(line[7:]) for line in out.splitlines() if line.startswith("RESULT ")]
    peak = max((r.get("peak_rss_mb", 0) for r in results), default=0)
    return {"stage": stage, "status": status, "wall_seconds": time.perf_counter() - t, "peak_rss_mb": peak, "results": results}


def metric(stage: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    if not stage:
        return None
    return next((r for r in stage["results"] if r.get("metric") == name), None)


CLOCK = "seconds"  # or "cpu_seconds": which figure the tables show (report_size's `clock`)


def secs(stage: dict[str, Any] | None, name: str) -> float | None:
    m = metric(stage, name)
    return None if m is None else m.get(CLOCK)


def fmt(x: float | None, width: int = 10, digits: int = 2) -> str:
    return f"{'—':>{width}}" if x is None else f"{x:>{width}.{digits}f}"


def ratio(base: float | None, ours: float | None, base_timed_out: bool = False) -> str:
    if ours is None or ours == 0:
        return f"{'—':>9}"
    if base is None:
        return f"{'—':>9}" if not base_timed_out else f"{'(n/a)':>9}"
    return f"{base / ours:>8.1f}x"


def report_size(size: str, stages: dict[str, dict[str, Any]], timeout: float, clock: str = "seconds") -> list[str]:
    global CLOCK
    CLOCK = clock
    lines: list[str] = []
    p = lines.append
    ours, rd = stages.get("build-ours"), stages.get("build-rdflib")
    graph = metric(ours, "graph") or metric(stages.get("shacl-gate"), "graph")
    what = "wall-clock seconds" if clock == "seconds" else "CPU seconds of each stage's process"
    p(f"\n=== {size} observations" + (f": {graph['quads']:,} quads" if graph else "") + f" ({what}) ===")
    for name, st in stages.items():
        if st["status"] != "ok":
            p(f"  stage {name}: {st['status']}")
    if ours or rd:
        p(f"\n{'build stage':52} {'ntp-kg s':>10} {'rdflib s':>10} {'speed-up':>9}")
        for m in ("load seeds", "lint"):
            p(f"{m:52} {fmt(secs(ours, m))} {fmt(secs(rd, m))} {'(same)':>9}")
        p(f"{'map':52} {fmt(secs(ours, 'map'))} {fmt(secs(rd, 'map'))} {ratio(secs(rd, 'map'), secs(ours, 'map'))}")
        shared = _sum(ours, [SORT, PARSE]) if metric(ours, SORT) else secs(ours, SHARED) if metric(ours, SHARED) else _sum(ours, OLD_SHARED)
        p(f"{'dumps: shared conversion (quads / union Graph)':52} {fmt(shared)} {fmt(secs(rd, 'dumps: union Graph (shared by nt, ttl, jsonld)'))}")
        for fmt_ in ("nt", "nq", "ttl", "trig", "jsonld"):
            a, b = secs(ours, f"dump {fmt_}"), secs(rd, f"dump {fmt_}")
            p(f"{'dump ' + fmt_:52} {fmt(a)} {fmt(b)} {ratio(b, a)}")
        steps = ["dump nt+nq"] if metric(ours, "dump nt+nq") else ["dump nt", "dump nq"]  # one merge writes both since 11:30
        if metric(ours, "dump nt+nq"):
            shared = 0.0  # the spool's sort is in "map" (per graph) and "dump nt+nq" (the merge)
            p(f"{'dump nt+nq (one merge of the sorted runs)':52} {fmt(secs(ours, 'dump nt+nq'))} {fmt(_sum(rd, ['dump nt', 'dump nq']))} {ratio(_sum(rd, ['dump nt', 'dump nq']), secs(ours, 'dump nt+nq'))}")
        b_ours = _sum(ours, ["load seeds", "lint", "map", *steps, "dump ttl", "dump trig", "dump jsonld"])
        b_ours = None if b_ours is None or shared is None else b_ours + shared
        b_rd = _sum(rd, ["load seeds", "lint", "map", "dumps: union Graph (shared by nt, ttl, jsonld)",
                         "dump nt", "dump nq", "dump ttl", "dump trig", "dump jsonld"])
        d_ours = _sum(ours, [*steps, "dump ttl", "dump trig", "dump jsonld"])
        d_ours = None if d_ours is None or shared is None else d_ours + shared
        d_rd = _sum(rd, ["dumps: union Graph (shared by nt, ttl, jsonld)", "dump nt", "dump nq", "dump ttl", "dump trig", "dump jsonld"])
        p(f"{'all dumps':52} {fmt(d_ours)} {fmt(d_rd)} {ratio(d_rd, d_ours)}")
        p(f"{'BUILD = load + lint + map + all dumps':52} {fmt(b_ours)} {fmt(b_rd)} {ratio(b_rd, b_ours)}")
        p(f"{'peak RSS MB':52} {fmt(ours and ours['peak_rss_mb'], digits=0)} {fmt(rd and rd['peak_rss_mb'], digits=0)}")
        gz = next((g for label in (TWINS, *OLD_TWINS) if (g := secs(ours, label)) is not None), None)
        cat = secs(ours, "catalogue (DCAT + VoID statistics)")
        gate_s = secs(stages.get("shacl-gate"), "SHACL: gate")
        if gz is not None and cat is not None:
            p(f"{'+ gzip twins (only in ntp-kg build)':52} {fmt(gz)}")
            p(f"{'+ catalogue, DCAT + VoID (only in ntp-kg build)':52} {fmt(cat)}")
            if b_ours is not None and gate_s is not None:
                p(f"{'sum: BUILD + gate + gzip + catalogue':52} {fmt(b_ours + gate_s + gz + cat)}")
    e2e = stages.get("build-e2e")
    if e2e:
        p(f"{'ntp-kg build, end to end (measured: one process)':52} {fmt(secs(e2e, 'ntp-kg build (end to end)'))}   peak RSS MB {fmt(e2e['peak_rss_mb'], digits=0)}")
    ld = stages.get("load")
    if ld:
        p(f"\n{'store loading':52} {'pyoxigraph':>10} {'rdflib':>10} {'speed-up':>9}")
        for kind, a_name, b_name in (("N-Quads", "load nq: pyoxigraph bulk_load", "load nq: rdflib Dataset.parse"),
                                     ("Turtle", "load ttl: pyoxigraph bulk_load", "load ttl: rdflib Graph.parse")):
            a, b = secs(ld, a_name), secs(ld, b_name)
            p(f"{kind:52} {fmt(a)} {fmt(b)} {ratio(b, a, ld['status'] != 'ok')}")
        p(f"{'peak RSS MB (both stores in one process)':52} {fmt(ld['peak_rss_mb'], digits=0)}")
    qs = stages.get("queries")
    if qs:
        p(f"\n{'sparql/*.rq in-process':52} {'pyoxigraph':>10} {'rdflib':>10} {'speed-up':>9} {'rows ox/rdflib':>15}")
        tot_a = tot_b = 0.0
        out_a = out_b = 0
        for r in qs["results"]:
            if str(r.get("metric", "")).startswith("query "):
                a, b, lim = r["ours"], r["baseline"], r["query_timeout"]
                out_a += a is None
                out_b += b is None
                tot_a += lim if a is None else a
                tot_b += lim if b is None else b
                shown_a = f"{'> ' + str(lim):>10}" if a is None else fmt(a, digits=4)
                shown_b = f"{'> ' + str(lim):>10}" if b is None else fmt(b, digits=4)
                if a is None:
                    shown_ratio = f"{'?':>9}"
                elif b is None:
                    shown_ratio = f"{'> ' + format(lim / a, '.0f') + 'x':>9}"
                else:
                    shown_ratio = ratio(b, a)
                rows = f"{r['rows_ours'] if r['rows_ours'] is not None else '?'}/{r['rows_baseline'] if r['rows_baseline'] is not None else '?'}"
                p(f"{r['metric'][6:]:52} {shown_a} {shown_b} {shown_ratio} {rows:>15}")
        p(f"{'all queries (a timeout counts as the limit)':52} {fmt(tot_a, digits=2)} {fmt(tot_b, digits=2)} {ratio(tot_b, tot_a)}")
        p(f"  timed out (limit {lim} s per query): pyoxigraph {out_a}, rdflib {out_b}")
        if qs["status"] != "ok":
            p(f"  (queries stage {qs['status']}: remaining queries not measured)")
    sh = {k: stages.get(k) for k in ("shacl-gate", "shacl-validate", "shacl-pyshacl", *ABLATIONS)}
    if any(sh.values()):
        g = secs(sh["shacl-gate"], "SHACL: gate")
        p(f"\n{'SHACL validation (whole graph)':52} {'seconds':>10} {'gate is':>9} {'peak RSS MB':>12} findings")
        rows = [
            ("gate, part by part (ntp_kg.gate_parts, the build's)", "shacl-gate", "SHACL: gate"),
            ("gate, whole graph (gate.validate_triples)", "shacl-gate", "SHACL: whole-graph gate"),
            ("validate() (pySHACL, SPARQL parsed once)", "shacl-validate", "SHACL: validate() (pySHACL, SPARQL parsed once)"),
            ("default pySHACL (the issue's baseline)", "shacl-pyshacl", "SHACL: default pySHACL"),
            ("ablation: gate, core shapes by pySHACL", "shacl-gate-no-core-screen", "SHACL: gate, core shapes by pySHACL"),
            ("ablation: gate, SPARQL constraints by pySHACL", "shacl-gate-no-sparql-screen", "SHACL: gate, SPARQL constraints by pySHACL"),
            ("ablation: validate() per source graph + reference", "shacl-partitioned", "SHACL: validate() per source graph + reference"),
        ]
        for label, key, name in rows:
            st = sh.get(key)
            if not st:
                continue
            s = secs(st, name)
            nf = next((r.get("findings") for r in st["results"] if "findings" in r), None)
            if s is None and st["status"].startswith("timed out"):
                started = metric(st, "shacl start")
                bound = timeout - (started["since_start"] if started else 0)  # the SHACL step's share
                shown = f"> {bound:.0f}"
                p(f"{label:52} {shown:>10} {('> ' + format(bound / g, '.0f') + 'x') if g else '':>9} {fmt(st['peak_rss_mb'], 12, 0)} (timed out)")
            elif s is not None:
                m = metric(st, name) if key == "shacl-gate" else None  # two gates in one stage: each its own peak so far
                peak = m["peak_rss_mb"] if m else st["peak_rss_mb"]
                p(f"{label:52} {fmt(s)} {(ratio(s, g) if name != 'SHACL: gate' else ''):>9} {fmt(peak, 12, 0)} {nf if nf is not None else ''}")
        d = metric(sh["shacl-gate"], "gate detail")
        if d:
            phases = ", ".join(f"{k} {v:.2f}" for k, v in d["phases"].items() if k != "total")
            p(f"  gate phases (s): {phases}")
            p(f"  gate: {d['triples']:,} triples, {d['focus_pairs']:,} (shape, focus) pairs screened in Python, {d['candidates']} handed to pySHACL; "
              f"SPARQL screens given up: {len(d['sparql_fallbacks'])}; shapes not modelled: {len(d['unknown_shapes'])}")
            if "parts" in d:
                p(f"  gate: {d['parts']} parts, {d['fetched']:,} descriptions read from the union file, {d['inverse_lookups']:,} inverse steps "
                  f"asked of the store; fallback: {d['fallback'] or 'none'}")
    return lines


def _sum(stage: dict[str, Any] | None, names: list[str]) -> float | None:
    vals = [secs(stage, n) for n in names]
    return None if any(v is None for v in vals) else sum(vals)  # type: ignore[misc]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1k,10k", help="comma-separated: 1k, 10k, 100k, 1m (default 1k,10k)")
    ap.add_argument("--100k", dest="with_100k", action="store_true", help="add 100k observations (long: several minutes per stage)")
    ap.add_argument("--1m", dest="with_1m", action="store_true", help="add 1M observations (needs far more than 8 GB with the rdflib mapper)")
    ap.add_argument("--stages", default="build,load,queries,shacl", help="comma-separated groups (build, load, queries, shacl) or single stages (e.g. shacl-gate, shacl-validate)")
    ap.add_argument("--ablations", action="store_true", help="also time the gate with each screen off, and per-source partitioning")
    ap.add_argument("--skip-baseline-shacl", action="store_true", help="skip default pySHACL and validate() (the slow baselines)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per stage subprocess (default 1800)")
    ap.add_argument("--mem-limit", type=float, default=16, help="GB of address space per stage subprocess (default 16)")
    ap.add_argument("--query-timeout", type=int, default=60, help="seconds per query and engine in the queries stage (default 60)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="JSON results file (default benchmarks/results/<timestamp>.json)")
    ap.add_argument("--report", type=Path, help="print the tables of a results JSON file and exit")
    ap.add_argument("--clock", choices=["seconds", "cpu_seconds"], default="seconds", help="with --report: wall-clock (default) or CPU seconds")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_main(args.child, args.root, args.work)
        return
    if args.report:
        data = json.loads(args.report.read_text())
        env = data["environment"]
        print(f"{env['date']}: nproc {env['nproc']}, Python {env['python']}, {env.get('versions')}, load at start {env['loadavg_at_start']}")
        print(f"command: {env['command']}")
        for size, st in data["sizes"].items():
            print("\n".join(report_size(size, st, env["timeout_s"], args.clock)))
        return
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    if args.with_100k and "100k" not in sizes:
        sizes.append("100k")
    if args.with_1m and "1m" not in sizes:
        sizes.append("1m")
    os.environ["NTP_KG_BENCH_QUERY_TIMEOUT"] = str(args.query_timeout)
    groups = [g.strip() for g in args.stages.split(",") if g.strip()]
    known = {s for ss in STAGE_GROUPS.values() for s in ss} | set(ABLATIONS)
    unknown = [g for g in groups if g not in STAGE_GROUPS and g not in known]
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(unknown)}: groups {', '.join(STAGE_GROUPS)} or stages {', '.join(sorted(known))}")
    stages = [s for g in groups for s in (STAGE_GROUPS.get(g) or [g])]
    if args.ablations:
        stages += ABLATIONS
    if args.skip_baseline_shacl:
        stages = [s for s in stages if s not in ("shacl-validate", "shacl-pyshacl")]
    started = datetime.now(timezone.utc)
    env = {
        "date": started.isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "timeout_s": args.timeout,
        "mem_limit_gb": args.mem_limit,
    }
    try:
        import pyoxigraph
        import pyshacl
        import rdflib

        env["versions"] = {"rdflib": rdflib.__version__, "pyshacl": pyshacl.__version__, "pyoxigraph": pyoxigraph.__version__}
    except Exception:  # pragma: no cover
        pass
    print(f"ntp-kg pipeline benchmark {env['date']}: nproc {env['nproc']}, Python {env['python']}, load {env['loadavg_at_start']}")
    all_results: dict[str, Any] = {"environment": env, "sizes": {}}
    out = args.out or RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text: list[str] = []
    for size in sizes:
        if size not in SIZES:
            raise SystemExit(f"unknown size {size} (1k, 10k, 100k, 1m)")
        print(f"\n{size}: corpus")
        root = corpus_root(size, args.seed)
        work = RESULTS / "work" / f"{size}-seed{args.seed}"
        done: dict[str, dict[str, Any]] = {}
        for stage in stages:
            if stage in ("load", "queries") and not (work / "dump.nq").exists() and "build-ours" not in done:
                done["build-ours"] = run_stage("build-ours", root, work, args.timeout, args.mem_limit)
            print(f"  {stage} ...", end="", flush=True)
            done[stage] = r = run_stage(stage, root, work, args.timeout, args.mem_limit)
            print(f" {r['status']}, {r['wall_seconds']:.1f} s wall, peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
            all_results["sizes"][size] = done
            out.write_text(json.dumps(all_results, indent=1, default=str) + "\n")
        lines = report_size(size, done, args.timeout) + report_size(size, done, args.timeout, "cpu_seconds")
        print("\n".join(lines), flush=True)
        text += lines
    all_results["tables"] = "\n".join(text)
    out.write_text(json.dumps(all_results, indent=1, default=str) + "\n")
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
