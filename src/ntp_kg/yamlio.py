"""YAML reading that remembers line numbers and refuses duplicate keys.

PyYAML silently keeps the last of two equal keys, which would drop a fact without a word; and
users need the line of a bad record, which plain `yaml.safe_load` forgets.

Files are parsed by libyaml (PyYAML's C parser, about 10x faster) with the same constructors and
resolvers, so mappings keep their lines; a file libyaml rejects is parsed again by the pure-Python
parser, whose messages (and lines) are the ones users see and tests pin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SeedError


class LineDict(dict[str, Any]):
    """A mapping from a YAML file that knows its own line and its keys' lines (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    """The precise parser: its error messages are the reference."""


class _FastLoader(yaml.CSafeLoader):
    """libyaml's parser with the same constructors and resolvers as `_Loader`."""


def _construct_mapping(loader: _Loader | _FastLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a string or number, not a sequence or mapping", key_node.start_mark
            ) from None
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {out.key_lines[str(key)]})", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


# Dates stay strings: the models parse them, so a bad date gets our message, not PyYAML's.
_RESOLVERS = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _cls in (_Loader, _FastLoader):
    _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _cls.yaml_implicit_resolvers = _RESOLVERS


def load_yaml(path: Path, name: str | None = None) -> Any:
    """Load one YAML file; errors name it as `name` (e.g. relative to the data root), else by path."""
    name = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(name, f"cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - CSafeLoader subclass
    except yaml.YAMLError:
        pass  # report what the precise parser says
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SeedError(name, f"invalid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise SeedError(name, f"invalid YAML: {exc}") from exc


def line_of(data: Any, *keys: str | int) -> int | None:
    """Best line for a path inside loaded YAML: the deepest mapping that has a line."""
    line = getattr(data, "line", None)
    node = data
    for k in keys:
        try:
            if isinstance(node, LineDict) and isinstance(k, str) and k in node.key_lines:
                line = node.key_lines[k]
            node = node[k]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line)
    return line
