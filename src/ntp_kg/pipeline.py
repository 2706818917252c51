"""The build, top to bottom: source -> facts -> graph -> validation -> dumps.

The graph is the mapper's statement text, sorted once (`quadtext.SortedQuads`); its union is
parsed once by pyoxigraph (`publish.Union`) for the writers and the gate. Validation in the build
is `gate.validate_triples`: the same findings as pySHACL (`validate.validate`, kept for
`ntp-kg validate` on arbitrary files), tested finding for finding in tests/gate, in a fraction of
the time on large graphs. No rdflib Dataset is made (`BuildResult.dataset` makes one on demand).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Dataset

from . import gate, rdfio, resources
from .errors import LintError, ValidationFailed
from .facts import load_seeds
from .iris import DEFAULT_BASE
from .lint import LintReport, lint
from .mapper import map_seeds
from .publish import Union, check_target, write_dist
from .quadtext import SortedQuads, ntriples_store
from .validate import ValidationReport


@dataclass(frozen=True)
class BuildResult:
    lint: LintReport
    validation: ValidationReport
    graph: SortedQuads
    checksums: dict[str, str]
    dist: Path | None

    @cached_property
    def dataset(self) -> Dataset:
        """The graph as an rdflib Dataset, made on first use (inspection and tests; costly when big)."""
        return rdfio.to_rdflib_dataset(self.graph)


def graph(base: str = DEFAULT_BASE) -> tuple[LintReport, SortedQuads]:
    """Seeds to RDF, refusing facts that fail lint."""
    seeds = load_seeds(resources.seeds_dir())
    report = lint(seeds)
    if not report.ok:
        raise LintError(report.text())
    return report, map_seeds(seeds, resources.ontology_files(), base).sort()


def build(dist: Path | None, base: str = DEFAULT_BASE) -> BuildResult:
    """Lint, map, validate; only a conforming graph reaches dist/ (written atomically)."""
    if dist is not None:
        check_target(dist)  # fail before the work, not after it
    lint_report, mapped = graph(base)
    union = Union.of(mapped)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntp-kg-union-store") as pool:
        # pyoxigraph loads text without the GIL: the union's Store (the gate's SPARQL screen and
        # the catalogue's statistics both query it) is loaded while the gate indexes the triples.
        store = pool.submit(ntriples_store, union.ntriples)
        validation = gate.validate_triples(union.triples, ntriples=union.ntriples, store=store)
        if not validation.conforms:
            raise ValidationFailed(validation.text())
        checksums = write_dist(mapped, validation, dist, base, union, store.result()) if dist is not None else {}
    return BuildResult(lint_report, validation, mapped, checksums, dist)
