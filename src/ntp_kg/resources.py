"""Where the project's data files live, and loading them by name.

Ontology, shapes, seeds and queries are data files in the checkout, not package data: the
package is installed editable (`make` does `pip install -e`), so the data root is the checkout
that holds this source tree. `NTP_KG_ROOT` overrides it (e.g. to build another seeds folder).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from .errors import DataRootError

_MARKERS = ("ontology", "shapes", "seeds", "sparql")


@cache
def data_root() -> Path:
    env = os.environ.get("NTP_KG_ROOT")
    root = Path(env) if env else Path(__file__).resolve().parents[2]
    missing = [m for m in _MARKERS if not (root / m).is_dir()]
    if missing:
        hint = "set NTP_KG_ROOT to a checkout of ntp-kg" if not env else "NTP_KG_ROOT points elsewhere"
        raise DataRootError(f"data root {root} lacks {', '.join(missing)}/ ({hint})")
    return root


def ontology_files() -> list[Path]:
    return sorted((data_root() / "ontology").glob("*.ttl"))


def shapes_files() -> list[Path]:
    return sorted((data_root() / "shapes").glob("*.ttl"))


def seeds_dir() -> Path:
    return data_root() / "seeds"


def query_files() -> dict[str, Path]:
    """Named research queries: file stem -> path."""
    return {p.stem: p for p in sorted((data_root() / "sparql").glob("*.rq"))}


@cache
def context() -> dict[str, Any]:
    """ontology/context.jsonld's @context: the one list of prefixes the project uses."""
    data = json.loads((data_root() / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    ctx = data["@context"]
    assert isinstance(ctx, dict)
    return ctx


def prefixes() -> dict[str, str]:
    return {k: v for k, v in context().items() if isinstance(v, str) and not k.startswith("@")}
