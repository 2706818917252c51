"""Dereferenceable IRIs: every IRI the project mints answers at the same path on this server.

    <base>id/...      -> /id/...      instances (areas, programmes, observations, annotations ...)
    <base>graph/...   -> /graph/...   named graphs (the graph's triples)
    .../def/...       -> /def/...     vocabulary (ontology, code lists, indicators, units, DSD);
                                      https://w3id.org/ntp-kg/def/ whatever the base, as iris.py

The server strips the configured base (`--base`, NTP_KG_BASE; default https://w3id.org/ntp-kg/),
so the same paths work on any host. Hash IRIs (<def/ontology#Programme>) resolve through their
document: /def/ontology is the ontology page (HTML) or the ontology document (RDF).

One pattern everywhere (no 303 redirects): the IRI's path answers **200** with the
representation Accept asks for (HTML for browsers; Turtle, JSON-LD, N-Triples, RDF/XML), with
`Vary: Accept, Accept-Language` and `Content-Location` naming the variant's own URL, the path
plus an extension (`.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`), which answers with that format
whatever Accept says. Unknown IRIs answer 404 with a page (HTML or plain text by Accept) that
says what was looked for and where to look instead.

Descriptions are SPARQL CONSTRUCT queries (templates/describe.rq, graph.rq, ontology.rq) run
in-process on a pyoxigraph store holding the served data: a description of one resource takes
about a millisecond there, so it does not queue behind user queries in the worker pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

import pyoxigraph as ox

from ..iris import DEF, DEFAULT_BASE, check_base
from ..union_view import hold_union
from .formats import BY_NAME, Format
from .sources import DataSource

# The extensions of the variants, and the format each names.
EXTENSIONS: dict[str, str] = {"ttl": "turtle", "jsonld": "jsonld", "nt": "ntriples", "rdf": "rdfxml", "html": "html"}
RDF_VARIANTS: tuple[Format, ...] = tuple(BY_NAME[n] for n in ("turtle", "jsonld", "ntriples", "rdfxml"))
EXTENSION_OF: dict[str, str] = {name: ext for ext, name in EXTENSIONS.items()}

ONTOLOGY = DEF + "ontology"
_THIS = ox.Variable("this")


@cache
def query_text(name: str) -> str:
    """templates/<name>.rq."""
    return (importlib_resources.files(__package__) / "templates" / f"{name}.rq").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Target:
    """What a request path names: the IRI, which description it gets, and the format an
    extension fixed (None: negotiate)."""

    iri: str
    kind: str  # "resource", "graph" or "ontology"
    path: str  # the IRI's own path on this server (no extension)
    fixed: str | None = None  # a format name or "html"


class Describer:
    """The served data in-process, and the IRI <-> path mapping for one base."""

    def __init__(self, store: ox.Store, base: str = DEFAULT_BASE) -> None:
        self.store = store
        self.base = check_base(base)
        self.graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))

    @classmethod
    def load(cls, sources: Iterable[DataSource], base: str = DEFAULT_BASE, extra: Iterable[Path] = ()) -> Describer:
        """The served files, plus `extra` Turtle files in the default graph (the build's
        catalogue: its dataset, distributions and service IRIs dereference too). Pages read the
        union of the graphs (the start page's charts sum over it), held once per triple in the
        default graph (`union_view`)."""
        store = ox.Store()
        for source in sources:
            source.load_into(store)
        for path in extra:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
        return cls(hold_union(store), base)

    # --- IRIs and paths -----------------------------------------------------------------

    def iri_for(self, path: str) -> str | None:
        """The IRI a path stands for (`/id/area/x` -> <base>id/area/x), or None."""
        if path.startswith("/def/"):
            return DEF + path[len("/def/") :]
        if path.startswith(("/id/", "/graph/")):
            return self.base + path[1:]
        return None

    def local_path(self, iri: str) -> str | None:
        """Our own path for an IRI we mint (keeping a fragment), or None for other IRIs."""
        for prefix, local in ((DEF, "/def/"), (self.base + "id/", "/id/"), (self.base + "graph/", "/graph/")):
            if iri.startswith(prefix):
                return local + iri[len(prefix) :]
        return None

    def exists(self, iri: str) -> bool:
        if iri in self.graphs:
            return True
        node = ox.NamedNode(iri)
        return any(True for _ in self.store.quads_for_pattern(node, None, None, None))

    def kind(self, iri: str) -> str:
        if iri == ONTOLOGY:
            return "ontology"
        return "graph" if iri in self.graphs else "resource"

    def target(self, path: str) -> Target | None:
        """The resource a request path names (with or without a variant's extension)."""
        iri = self.iri_for(path)
        if iri is None:
            return None
        try:
            if self.exists(iri):
                return Target(iri, self.kind(iri), path)
        except ValueError:  # not a valid IRI
            return None
        stem, dot, ext = path.rpartition(".")
        if dot and ext in EXTENSIONS and "/" not in ext:
            iri = self.iri_for(stem)
            if iri is not None and self.exists(iri):
                return Target(iri, self.kind(iri), stem, EXTENSIONS[ext])
        return None

    # --- descriptions ---------------------------------------------------------------------

    def describe(self, iri: str, kind: str = "resource") -> list[ox.Triple]:
        """The description of `iri` (templates/<kind>.rq with ?this bound), sorted."""
        name = {"resource": "describe", "graph": "graph", "ontology": "ontology"}[kind]
        result = self.store.query(query_text(name), substitutions={_THIS: ox.NamedNode(iri)}, use_default_graph_as_union=True)
        assert isinstance(result, ox.QueryTriples)
        return sorted(set(result), key=str)

    def subjects_by_type(self, type_iri: str) -> list[str]:
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        return sorted({q.subject.value for q in self.store.quads_for_pattern(None, rdf_type, ox.NamedNode(type_iri), None) if isinstance(q.subject, ox.NamedNode)})

