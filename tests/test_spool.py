"""The spool and its external sort: the same bytes whether the graph fits in memory or spills."""

from __future__ import annotations

import os
import random
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ntp_kg import resources
from ntp_kg.extsort import ExternalSort
from ntp_kg.facts import load_seeds
from ntp_kg.mapper import map_graphs
from ntp_kg.quadtext import GraphText
from ntp_kg.spool import SpooledQuads, spool

BASE = "https://w3id.org/ntp-kg/"


def _lines(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    alphabet = "ab<>\"@^_: \u00e9\u0628\U0001f600"
    return [("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) + "\n").encode() for _ in range(n)]


def _open_in(folder: Path) -> int:
    """Files of this process open under `folder`, named or not (an anonymous temporary file's
    link reads '<folder>/#123 (deleted)' on Linux)."""
    links = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            links.append(os.readlink(fd))
        except OSError:  # the listing's own descriptor, already closed
            continue
    return sum(link.startswith(str(folder) + os.sep) for link in links)


def test_external_sort_spills_and_merges_to_the_sorted_lines(tmp_path: Path) -> None:
    lines = _lines(5000) + _lines(500)  # repeats
    with ExternalSort(tmp_path, run_bytes=20_000) as s:
        s.extend(lines)
        assert s.runs > 10
        assert _open_in(tmp_path) == 1  # every run in one file
        assert list(s.merged()) == sorted(lines)
        assert list(s.unique()) == sorted(set(lines))
        # reads repeat, and two merges side by side do not share a file position
        a, b = s.merged(), s.merged()
        assert [x for pair in zip(a, b, strict=True) for x in pair] == [x for line in sorted(lines) for x in (line, line)]
        with pytest.raises(RuntimeError, match="added after the sort was read"):
            s.add(b"late\n")
    assert list(tmp_path.iterdir()) == []  # run files are anonymous: no name to leave behind
    assert _open_in(tmp_path) == 0  # and closed: their space is freed


def test_external_sort_merges_runs_another_sort_wrote_into_a_file_it_was_given(tmp_path: Path) -> None:
    """What the map's worker does (`forkmap`): it sorts into a file made for it, and its runs are
    adopted by the sort that merges them all, with lines of its own, spilled and not."""
    mine, theirs = _lines(3000, seed=1), _lines(3000, seed=2)
    given = tempfile.TemporaryFile(dir=tmp_path)
    worker = ExternalSort(tmp_path, run_bytes=20_000, run_file=given)
    worker.extend(theirs)
    worker.spill()
    regions = worker.run_regions()
    assert len(regions) > 5 and regions[0][0] == 0 and all(a[1] == b[0] for a, b in zip(regions, regions[1:]))
    for budget in (20_000, 1 << 30):  # this sort spilled, or all in memory
        with ExternalSort(tmp_path, run_bytes=budget) as s:
            s.extend(mine)
            s.adopt(os.fdopen(os.dup(given.fileno()), "rb"), regions, len(theirs))
            assert s.count == 6000
            assert list(s.merged()) == sorted(mine + theirs)
    assert _open_in(tmp_path) == 1  # the adopted copies closed with their sorts; `given` is open
    given.close()


def test_external_sort_in_memory_touches_no_disk(tmp_path: Path) -> None:
    lines = _lines(100)
    s = ExternalSort(tmp_path)
    s.extend(lines)
    assert (list(s.unique()), s.runs) == (sorted(set(lines)), 0)


@pytest.fixture(scope="module")
def graphs() -> list[GraphText]:
    return list(map_graphs(load_seeds(resources.seeds_dir()), resources.ontology_files(), BASE))


def _all(q: SpooledQuads) -> tuple[bytes, bytes, bytes, list[str], int]:
    return q.ntriples(), q.nquads(), q.nquads_by_graph(), q.graph_names(), len(q)


def test_spilled_spool_writes_the_same_bytes_as_in_memory(graphs: list[GraphText], tmp_path: Path) -> None:
    small = spool(graphs)
    big = spool(graphs, tmp_path, run_bytes=50_000)
    assert (small.spilled, big.spilled) == (False, True)
    expected = _all(small)
    assert _all(big) == expected
    assert _all(big) == expected  # a second read
    assert expected[4] == 3754 and len(expected[3]) == 3
    assert _open_in(tmp_path) > 1  # runs and the graph blocks
    big.close()
    assert _open_in(tmp_path) == 0
    assert list(tmp_path.iterdir()) == []


def _statements(rng: random.Random, n: int) -> list[bytes]:
    """Statements where one is a prefix of another: '"x"' and '"x"@en', '_:b1' and '_:b12'."""
    objects = ['"x"', '"x"@en', '"x"@en-gb', '"x"^^<http://ex.org/t>', "_:b1", "_:b12", "<http://ex.org/o>", '"x y"', '"\u0628"']
    return [f"<http://ex.org/s{rng.randint(0, 3)}> <http://ex.org/p> {rng.choice(objects)}".encode() for _ in range(n)]


@pytest.mark.parametrize("run_bytes", [1_000, 10**9])
def test_quad_lines_sort_by_statement_then_graph(run_bytes: int, tmp_path: Path) -> None:
    """The merge of N-Quads lines is the order (statement, graph), and the union is the sorted set
    of statements, also where a statement extends another."""
    rng = random.Random(7)
    names = ["<http://ex.org/g>", "<http://ex.org/g2>", "<http://ex.org/a>"]
    graphs = [GraphText(n, _statements(rng, 60)) for n in names] + [GraphText(names[0], _statements(rng, 30))]
    q = spool(graphs, tmp_path, run_bytes=run_bytes)
    quads = sorted({(st, g.name.encode()) for g in graphs for st in g.statements})
    assert q.nquads() == b"".join(st + b" " + g + b" .\n" for st, g in quads)
    assert q.ntriples() == b"".join(st + b" .\n" for st in sorted({st for st, _ in quads}))
    by_graph = sorted(quads, key=lambda sg: (sg[1], sg[0]))
    assert q.nquads_by_graph() == b"".join(st + b" " + g + b" .\n" for st, g in by_graph)
    assert len(q) == len(quads)
    assert q.blank_nodes


@pytest.mark.parametrize("name", ["_:g", "DEFAULT", "https://ex.org/g", "<https://ex.org/a b>"])
def test_a_graph_name_that_is_not_an_iri_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="must be an IRI in N-Triples form"):
        spool([GraphText(name, [b"<http://ex.org/s> <http://ex.org/p> <http://ex.org/o>"])])


def test_threads_read_the_spilled_graph_blocks_at_once(tmp_path: Path) -> None:
    """The build reads the graph blocks in two threads at once (the gate's parts, and the TriG fed
    to the dumps' process): blocks on disk are read by offset, so every reader gets every
    graph's bytes, whatever the other reads."""
    rng = random.Random(7)
    graphs = [GraphText(f"<http://ex.org/g{i}>", _statements(rng, 200)) for i in range(60)]
    q = spool(graphs, tmp_path, run_bytes=1)
    expected = list(q.graph_blocks())
    assert q.spilled and len(expected) == 60
    with ThreadPoolExecutor(max_workers=4) as pool:
        reads = list(pool.map(lambda _i: list(q.graph_blocks()), range(40)))
    assert all(r == expected for r in reads)
    q.close()
