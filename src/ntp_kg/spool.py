"""The mapped graph, sorted within a fixed memory budget: what every dump is written from.

The mapper hands over one named graph at a time (`quadtext.GraphText`). Each graph's statements
are sorted and de-duplicated once, then kept twice, as bytes ready to write:

* as a **block** of N-Quads lines of that graph (the order of ntp-kg.trig: graph, then
  statement), held in memory until the budget is reached, then appended to a blocks file;
* as N-Quads lines fed to an **external sort** (`extsort.ExternalSort`), whose merge is the order of
  ntp-kg.nq (statement, then graph) and, dropping the graph and repeats, of ntp-kg.nt.

A quad's line sorts by its statement first: the byte after a statement in its line is b" ", and
a statement that extends another continues with a byte above it ('@', '^', a digit...). So the
merge of sorted lines is also the sorted union of the statements, with each statement's graphs
together. At 100k observations (3.4M quads) this replaces a 1 GB in-memory sort; at 1M it is
the difference between fitting in memory and not.
"""

from __future__ import annotations

import io
import os
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

import pyoxigraph as ox

from .extsort import DEFAULT_RUN_BYTES, ExternalSort
from .quadtext import GraphText

_WRITE_BATCH = 1 << 16  # lines per write() call when writing from Python


@dataclass
class _Block:
    """One graph's sorted N-Quads lines: in memory (`data`) or at `offset` in a blocks `file`."""

    data: bytes | None
    offset: int
    size: int
    lines: int
    file: BinaryIO | None = None


@dataclass(frozen=True)
class SpoolExport:
    """What a spool filled in another process left in the two files it was handed (`Spool.export`,
    `Spool.absorb`): each graph's block in the blocks file, and the sorted runs in the run file."""

    blocks: list[tuple[bytes, int, int, int]]  # graph name, offset, size, lines
    runs: list[tuple[int, int]]  # (start, end) in the run file
    blank_nodes: bool


@dataclass
class Spool:
    """Graphs in, `SpooledQuads` out (`finish`). `run_bytes` bounds the pending quads' memory:
    a graph's block is held once, by the sort and by the graph order alike, until written; sorting
    a run splits its blocks into lines, about as much again for a moment."""

    workdir: Path | None = None  # where spilled files go (anonymous temporary files)
    run_bytes: int = DEFAULT_RUN_BYTES
    blocks_file: InitVar[BinaryIO | None] = None  # the files to spill to, if given (`export`); else made when needed
    run_file: InitVar[IO[bytes] | None] = None
    _sort: ExternalSort | None = field(default=None, init=False)
    _blocks: dict[bytes, list[_Block]] = field(default_factory=dict, init=False)
    _pending: list[_Block] = field(default_factory=list, init=False)
    _pending_bytes: int = field(default=0, init=False)
    _file: BinaryIO | None = field(default=None, init=False)
    _end: int = field(default=0, init=False)
    _blank_nodes: bool = field(default=False, init=False)
    _absorbed: list[BinaryIO] = field(default_factory=list, init=False)  # other spools' blocks files

    def __post_init__(self, blocks_file: BinaryIO | None, run_file: IO[bytes] | None) -> None:
        self._sort = ExternalSort(self.workdir, self.run_bytes, run_file)
        self._file = blocks_file

    def add(self, graph: GraphText) -> None:
        """One named graph, complete or not (a graph added twice is merged)."""
        self.add_statements(graph.name, graph.statements)

    def add_statements(self, name: str, statements: Iterable[bytes]) -> None:
        """`name`: the graph's IRI as N-Triples text. Only an IRI: the merge finds a line's
        statement by the last b" <" (an IRI holds no space), and the dumps have no default graph."""
        if not (name.startswith("<") and name.endswith(">")) or " " in name:
            raise ValueError(f"a named graph's name must be an IRI in N-Triples form (<...>), not {name!r}")
        distinct = sorted(set(statements))
        if not distinct:
            return
        tail = b" " + name.encode() + b" .\n"
        data = tail.join(distinct) + tail
        self._blank_nodes = self._blank_nodes or b"_:" in data
        assert self._sort is not None
        self._sort.add_block(data, len(distinct))
        block = _Block(data, -1, len(data), len(distinct))
        self._blocks.setdefault(name.encode(), []).append(block)
        self._pending.append(block)
        self._pending_bytes += len(data)
        if self._pending_bytes >= self.run_bytes:
            self._write_blocks()

    def _write_blocks(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="ntp-kg-blocks-", dir=self.workdir)  # noqa: SIM115 - closed by SpooledQuads.close
        self._file.seek(self._end)
        for b in self._pending:
            assert b.data is not None
            self._file.write(b.data)
            b.offset, b.data, b.file = self._end, None, self._file
            self._end += b.size
        self._file.flush()
        self._pending, self._pending_bytes = [], 0

    def export(self) -> SpoolExport:
        """Write everything still in memory to the files this spool was given (`blocks_file`,
        `run_file`) and say where it is: the end of a worker that another process's spool
        `absorb`s."""
        assert self._sort is not None
        self._join_parts()
        self._write_blocks()
        self._sort.spill()
        blocks = [(name, b.offset, b.size, b.lines) for name, (b,) in self._blocks.items()]
        return SpoolExport(blocks, self._sort.run_regions(), self._blank_nodes)

    def absorb(self, export: SpoolExport, blocks_file: BinaryIO, run_file: IO[bytes]) -> None:
        """Take in the graphs another spool `export`ed into these files (closed with this spool's
        output). Its graphs must be others than this spool's: a graph is mapped whole by one worker."""
        assert self._sort is not None
        for name, offset, size, lines in export.blocks:
            if name in self._blocks:
                raise ValueError(f"graph {name.decode()} was spooled twice, by two workers")
            self._blocks[name] = [_Block(None, offset, size, lines, blocks_file)]
        self._absorbed.append(blocks_file)
        self._sort.adopt(run_file, export.runs, sum(lines for *_, lines in export.blocks))  # a graph's lines are its runs' lines
        self._blank_nodes = self._blank_nodes or export.blank_nodes

    def _join_parts(self) -> None:
        """A graph added in parts becomes one block of its distinct lines."""
        for name, blocks in self._blocks.items():
            if len(blocks) > 1:  # a graph added in parts: one block of its distinct lines
                lines = sorted({line for b in blocks for line in _read(b).splitlines(keepends=True)})
                data = b"".join(lines)
                block = _Block(data, -1, len(data), len(lines))
                self._blocks[name] = [block]
                self._pending.append(block)

    def finish(self) -> SpooledQuads:
        assert self._sort is not None
        self._join_parts()
        if self._file is not None:
            self._write_blocks()  # all or nothing on disk: blocks read back by offset
        by_name = {name: b for name, (b,) in sorted(self._blocks.items())}
        files = ([self._file] if self._file is not None else []) + self._absorbed
        out = SpooledQuads(self._sort, by_name, files, sum(b.lines for b in by_name.values()), self._blank_nodes)
        self._sort, self._file, self._absorbed = None, None, []
        return out


def spool(graphs: Iterable[GraphText], workdir: Path | None = None, run_bytes: int = DEFAULT_RUN_BYTES) -> SpooledQuads:
    s = Spool(workdir, run_bytes)
    for g in graphs:
        s.add(g)
    return s.finish()


class SpooledQuads:
    """The distinct quads of the mapped graph, readable in the writers' orders, as often as needed
    (each statement-major read is a merge of the sorted runs). Spilled files are anonymous
    temporary files, closed by `close()` or when the object is collected (the operating system
    removes them then, or when the process ends, however it ends)."""

    def __init__(self, sort: ExternalSort, blocks: dict[bytes, _Block], files: list[BinaryIO], quads: int, blank_nodes: bool) -> None:
        self._sort = sort
        self.blank_nodes = blank_nodes  # "_:" anywhere in the text (also in a literal: a safe overestimate)
        self._blocks = blocks
        self._files = files  # the blocks files
        self._quads = quads  # each graph's distinct statements, summed: the distinct quads
        self._split: set[bytes] | None = None
        self._finalizer = weakref.finalize(self, _close, sort, files)

    def __len__(self) -> int:
        return self._quads

    @property
    def spilled(self) -> bool:
        """Whether any part went to disk (the budget was reached)."""
        return bool(self._files) or self._sort.runs > 0

    def graph_names(self) -> list[str]:
        return [n.decode() for n in self._blocks]

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> SpooledQuads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- statement-major: ntp-kg.nq and ntp-kg.nt -------------------------------------------

    def nquad_lines(self) -> Iterator[bytes]:
        """Every distinct quad's line, sorted (statement, then graph)."""
        return self._sort.unique()

    def write_nt_nq(self, nt: BinaryIO | None, nq: BinaryIO | None) -> int:
        """Write ntp-kg.nt (distinct statements) and ntp-kg.nq (every quad) in one pass of the
        merge, noting the subjects described in more than one graph (`split_subjects`). Returns
        the number of union triples."""
        triples = 0
        prev = b""
        subject, graph = b"", b""
        split: set[bytes] = set()
        nt_batch: list[bytes] = []
        nq_batch: list[bytes] = []
        for line in self.nquad_lines():
            cut = line.rindex(b" <")  # the graph is the last term: an IRI has no space
            st = line[:cut]
            if nq is not None:
                nq_batch.append(line)
            if st != prev:
                triples += 1
                nt_batch.append(st)
                prev = st
                s = st[: st.index(b" ")]
                if s != subject:  # a subject's lines are together: statements sort by subject first
                    subject, graph = s, line[cut:]
            if line[cut:] != graph:
                split.add(subject)
            if len(nq_batch) >= _WRITE_BATCH or len(nt_batch) >= _WRITE_BATCH:
                _flush(nt, nt_batch, nq, nq_batch)
                nt_batch, nq_batch = [], []
        _flush(nt, nt_batch, nq, nq_batch)
        self._split = split
        return triples

    @property
    def split_subjects(self) -> set[bytes]:
        """Subjects (N-Triples terms) with statements in more than one named graph: the ones
        whose description no single graph holds whole (`gate_parts`). Known once the union has
        been written (`write_nt_nq`)."""
        if self._split is None:
            self.write_nt_nq(None, None)
        assert self._split is not None
        return self._split

    def ntriples(self) -> bytes:
        """The union graph as sorted N-Triples, in memory (tests and small graphs)."""
        buf = io.BytesIO()
        self.write_nt_nq(buf, None)
        return buf.getvalue()

    def nquads(self) -> bytes:
        """Every quad as N-Quads, lines sorted, in memory (tests and small graphs)."""
        buf = io.BytesIO()
        self.write_nt_nq(None, buf)
        return buf.getvalue()

    # --- graph-major: ntp-kg.trig ----------------------------------------------------------

    def graph_blocks(self) -> Iterator[bytes]:
        """Each graph's N-Quads lines, graphs in sorted order, statements sorted within."""
        for block in self._blocks.values():
            yield _read(block)

    def nquads_by_graph(self) -> bytes:
        """N-Quads sorted by graph, then statement: the order of ntp-kg.trig (in memory)."""
        return b"".join(self.graph_blocks())

    def graph_reader(self) -> BinaryIO:
        """The graph-major N-Quads as a file object, for a streaming parser."""
        return io.BufferedReader(_BlockReader(self.graph_blocks()), buffer_size=1 << 20)

    def quads(self) -> Iterator[ox.Quad]:
        """Every distinct quad as pyoxigraph parses it (exact lexical forms), sorted by graph."""
        return iter(ox.parse(self.graph_reader(), format=ox.RdfFormat.N_QUADS))


def _read(block: _Block) -> bytes:
    """A block's bytes. By offset (pread), not seek and read: threads read the blocks at once
    (the gate's parts, and the TriG handed to the dumps' process)."""
    if block.data is not None:
        return block.data
    assert block.file is not None
    chunks, got = [], 0
    while got < block.size:
        chunk = os.pread(block.file.fileno(), block.size - got, block.offset + got)
        if not chunk:
            raise OSError(f"the spool's blocks file ended at byte {block.offset + got}, inside a block of {block.size} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _flush(nt: BinaryIO | None, nt_batch: list[bytes], nq: BinaryIO | None, nq_batch: list[bytes]) -> None:
    if nt is not None and nt_batch:
        nt.write(b" .\n".join(nt_batch) + b" .\n")
    if nq is not None and nq_batch:
        nq.write(b"".join(nq_batch))


class _BlockReader(io.RawIOBase):
    """A readable stream over an iterator of byte blocks."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buf:
            nxt = next(self._blocks, None)
            if nxt is None:
                return 0
            self._buf = memoryview(nxt)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def _close(sort: ExternalSort, files: list[BinaryIO]) -> None:
    sort.close()
    for f in files:
        f.close()
