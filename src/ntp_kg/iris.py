"""Every IRI the project mints, from one set of templates.

Vocabulary (ontology, code lists, indicators, units, DSD) has fixed IRIs under
https://w3id.org/ntp-kg/def/; instance data is minted under a configurable base. Keys are
checked slugs, so a template gives one IRI per (kind, key); `Minter` still records what each
IRI stands for and refuses a second, different meaning (two records that would share an IRI).

`Minter` gives IRIs as N-Triples text (`<...>`), which is what the mapper writes (quadtext.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Namespace, URIRef

from .errors import IriCollision

DEFAULT_BASE = "https://w3id.org/ntp-kg/"
DEF = "https://w3id.org/ntp-kg/def/"

NTP = Namespace(DEF + "ontology#")
CODE = Namespace(DEF + "code/")
IND = Namespace(DEF + "indicator/")
UNIT = Namespace(DEF + "unit/")
DSD = Namespace(DEF + "dsd/")
INDICATOR_SCHEME = URIRef(DEF + "indicator")
DSD_OBSERVATIONS = DSD["observations"]

QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
QUDT = Namespace("http://qudt.org/schema/qudt/")

_BASE_RE = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?/$")


def check_base(base: str) -> str:
    if not _BASE_RE.match(base):
        raise ValueError(f"base IRI {base!r} must be an http(s) IRI ending in '/', e.g. {DEFAULT_BASE}")
    return base


@dataclass
class Minter:
    base: str = DEFAULT_BASE
    _meaning: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        check_base(self.base)

    def _mint(self, meaning: tuple[str, ...], path: str) -> str:
        iri = f"<{self.base}{path}>"
        prior = self._meaning.setdefault(iri, meaning)
        if prior != meaning:
            raise IriCollision(f"{iri[1:-1]} would name both {'/'.join(prior)} and {'/'.join(meaning)}")
        return iri

    # instances
    def area(self, key: str) -> str:
        return self._mint(("area", key), f"id/area/{key}")

    def programme(self, key: str) -> str:
        return self._mint(("programme", key), f"id/programme/{key}")

    def org(self, key: str) -> str:
        return self._mint(("org", key), f"id/org/{key}")

    def person(self, key: str) -> str:
        return self._mint(("person", key), f"id/person/{key}")

    def post(self, key: str) -> str:
        return self._mint(("post", key), f"id/post/{key}")

    def membership(self, key: str) -> str:
        return self._mint(("membership", key), f"id/membership/{key}")

    def event(self, key: str) -> str:
        return self._mint(("event", key), f"id/event/{key}")

    def task(self, key: str) -> str:
        return self._mint(("task", key), f"id/task/{key}")

    def period(self, key: str) -> str:
        return self._mint(("period", key), f"id/period/{key}")

    def source(self, sid: str) -> str:
        return self._mint(("source", sid), f"id/source/{sid}")

    def checksum(self, sid: str) -> str:
        return self._mint(("checksum", sid), f"id/source/{sid}/sha256")

    def dataset(self, sid: str) -> str:
        return self._mint(("dataset", sid), f"id/dataset/{sid}")

    def observation(self, sid: str, fid: str) -> str:
        return self._mint(("observation", sid, fid), f"id/obs/{sid}/{fid}")

    def annotation(self, sid: str, fid: str, part: str = "") -> str:
        suffix = f"/{part}" if part else ""
        return self._mint(("annotation", sid, fid, part), f"id/annotation/{sid}/{fid}{suffix}")

    # graphs
    def graph(self, name: str) -> str:
        return self._mint(("graph", name), f"graph/{name}")

    def source_graph(self, sid: str) -> str:
        return self._mint(("graph", "source", sid), f"graph/source/{sid}")

    # vocabulary (fixed)
    @staticmethod
    def code(scheme: str, key: str | None = None) -> str:
        return f"<{CODE}{scheme}/{key}>" if key else f"<{CODE}{scheme}>"

    @staticmethod
    def indicator(key: str) -> str:
        return f"<{IND}{key}>"

    @staticmethod
    def unit(key: str) -> str:
        return f"<{UNIT}{key}>"
