"""What the endpoint serves: RDF files, each into the graphs it names or into a given graph.

`ntp-kg serve` serves dist/ntp-kg.nq (its named graphs) by default; `--data FILE[=GRAPH]`
serves any RDF files instead, the format read from the extension (`.gz` is unpacked).
Only the files named are read: nothing is fetched (JSON-LD remote contexts are refused by the
parser, which has no document loader).
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from ..errors import NtpKgError

EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".n3": ox.RdfFormat.N3,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


class DataSourceError(NtpKgError):
    """A --data value that cannot be served (missing file, unknown format, bad graph IRI)."""


@dataclass(frozen=True)
class DataSource:
    path: Path
    graph: str | None = None
    """Named graph for the file's triples; None keeps the file's own graphs (default graph for triples)."""

    @classmethod
    def parse(cls, spec: str) -> DataSource:
        """`FILE` or `FILE=GRAPH`: split at the first '=' that starts an absolute IRI."""
        for i, ch in enumerate(spec):
            if ch == "=" and _ABSOLUTE_IRI.fullmatch(spec[i + 1 :]):
                return cls(Path(spec[:i]), spec[i + 1 :]).checked()
        return cls(Path(spec)).checked()

    @property
    def format(self) -> ox.RdfFormat:
        suffixes = [s.lower() for s in self.path.suffixes]
        if suffixes and suffixes[-1] == ".gz":
            suffixes.pop()
        fmt = EXTENSIONS.get(suffixes[-1]) if suffixes else None
        if fmt is None:
            raise DataSourceError(f"{self.path}: unknown RDF format (use one of {', '.join(sorted(EXTENSIONS))}, optionally .gz)")
        return fmt

    def checked(self) -> DataSource:
        if not self.path.is_file():
            raise DataSourceError(f"{self.path}: no such file")
        fmt = self.format
        if self.graph is not None:
            try:
                ox.NamedNode(self.graph)
            except ValueError as exc:
                raise DataSourceError(f"{self.path}: invalid graph IRI {self.graph!r}: {exc}") from exc
            if fmt.supports_datasets:
                raise DataSourceError(f"{self.path}: a {fmt.name} file keeps its own graphs; give no =GRAPH for it")
        return self

    def load_into(self, store: ox.Store) -> None:
        """Parse the file into `store` (bulk load). Relative IRIs resolve against the graph IRI."""
        graph = ox.NamedNode(self.graph) if self.graph else None
        try:
            with gzip.open(self.path, "rb") if self.path.suffix.lower() == ".gz" else self.path.open("rb") as f:
                store.bulk_load(cast(IO[bytes], f), format=self.format, base_iri=self.graph, to_graph=graph)
        except (SyntaxError, ValueError, OSError, EOFError, zlib.error) as exc:  # EOFError, zlib.error: a cut or damaged .gz
            raise DataSourceError(f"{self.path}: cannot load as {self.format.name}: {exc}") from exc
