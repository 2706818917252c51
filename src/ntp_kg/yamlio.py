"""YAML reading that remembers line numbers and refuses duplicate keys.

PyYAML silently keeps the last of two equal keys, which would drop a fact without a word; and
users need the line of a bad record, which plain `yaml.safe_load` forgets.

A file is read in up to three ways, fastest first: by `_Subset`, a line reader for the block
mappings and one-line scalars that facts files are made of (several times faster than libyaml
through PyYAML at 100k observations), which gives up on anything else; by libyaml (PyYAML's C
parser, about 10x faster than the pure-Python one) with the same constructors and resolvers, so
mappings keep their lines; and a file libyaml rejects is parsed again by the pure-Python parser,
whose messages (and lines) are the ones users see and tests pin. All three give the same values
and lines (tests/lint/test_yaml_loaders.py, test_yaml_subset.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import SeedError


class LineDict(dict[str, Any]):
    """A mapping from a YAML file that knows its own line and its keys' lines (1-based).

    Slots, not an instance dict: a large corpus has one per record, and each dict more is one
    more object for the cyclic garbage collector to walk."""

    __slots__ = ("line", "key_lines")
    line: int
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


# --- the block subset -------------------------------------------------------------------------
# Most seed files (and every facts file a generator writes) are block mappings and sequences of
# one-line scalars. Reading those line by line is several times faster than libyaml through
# PyYAML's node objects, and gives the same values and lines: scalars are resolved and built by
# the loaders' own resolvers and constructors. Anything else (flow collections, block or
# multi-line scalars, escapes, anchors, tags, tabs, duplicate keys...) makes the reader give up,
# and the file goes to libyaml (then the precise parser for messages), as before.


class _NotSubset(Exception):
    """The text uses YAML beyond the block subset: read it with a full parser."""


# Characters YAML does not allow in a stream, or treats as line breaks (NEL, LS, PS), a BOM, a tab,
# a carriage return: a text with any of these is not the subset.
_OUTSIDE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: +|$)")
# A key, then: a double-quoted scalar without escapes that ends the line (group 2), or the rest of
# the line when it is not a comment (group 3; empty when there is nothing but maybe a comment).
_KEY_LINE = re.compile(r'([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: +(?:"([^"\\]*)"$|([^#].*))?)?(?: +#.*)?$')
# A plain scalar must not start with an indicator; "-" only before a digit or ".".
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SCALAR_TYPES = frozenset(
    ["tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"]
)
_DIGIT_OR_DOT = frozenset("0123456789.")
_PLAIN = (True, False)  # the `implicit` flags of a plain scalar
_MISSING = object()
_FLOW_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.\-]*): +")
# A plain scalar inside [...] or {...}: up to the next separator; its first character as above.
_FLOW_PLAIN = re.compile(r"(?:[^-?:,\[\]{}#&*!|>'\"%@` ]|-[0-9.])[^,\[\]{}#:]*")


def _skip(text: str, at: int) -> int:
    while text[at : at + 1] == " ":
        at += 1
    return at


class _Subset:
    """One pass over the lines of a text, building what the loaders build (LineDict, lists, scalars)."""

    _resolved: dict[str, Any] = {}  # plain scalar -> value, shared: resolution is a pure function
    _loader: _Loader | None = None

    def __init__(self, text: str) -> None:
        if _OUTSIDE.search(text):
            raise _NotSubset
        # (line number, indent, text after the indent) of every line that is not blank or a comment
        self.lines: list[tuple[int, int, str]] = [
            (n, len(raw) - len(body), body)
            for n, raw in enumerate(text.split("\n"), 1)
            if (body := raw.lstrip(" ")) and body[0] != "#"
        ]

    def document(self) -> Any:
        lines = self.lines
        if not lines or lines[0][1] != 0 or lines[0][2] in ("---", "...") or lines[0][2][0] in "%-":
            raise _NotSubset  # empty, indented, directives, markers, or a top-level sequence
        value, i = self._mapping(0, 0)
        if i != len(lines):
            raise _NotSubset
        return value

    def _block(self, i: int, indent: int) -> tuple[Any, int]:
        body = self.lines[i][2]
        if body[0] == "-" and (len(body) == 1 or body[1] == " "):
            return self._sequence(i, indent)
        return self._mapping(i, indent)

    def _mapping(self, i: int, indent: int) -> tuple[LineDict, int]:
        lines = self.lines
        out = LineDict()
        out.line = lines[i][0]
        key_lines: dict[str, int] = {}
        out.key_lines = key_lines
        end = len(lines)
        key_match = _KEY_LINE.match
        resolved = self._resolved
        while i < end:
            n, ind, body = lines[i]
            if ind < indent:
                break
            if ind > indent:
                raise _NotSubset
            m = key_match(body)
            if m is None:
                raise _NotSubset
            kt, quoted, rest = m.groups()
            key = resolved.get(kt, _MISSING)
            if key is _MISSING:
                key = self._plain(kt)
            if not isinstance(key, str) or key in out:
                raise _NotSubset  # a duplicate is an error the full parsers word
            i += 1
            if quoted is not None or rest:
                if quoted is not None:
                    out[key] = quoted
                else:  # a plain scalar seen before is remembered (only valid ones are)
                    value = resolved.get(rest, _MISSING)
                    out[key] = self._scalar(rest, n) if value is _MISSING else value
                if i < end and lines[i][1] > indent:
                    raise _NotSubset  # a scalar continued on the next line
            elif i < end and lines[i][1] > indent:
                out[key], i = self._block(i, lines[i][1])
            elif i < end and lines[i][1] == indent and lines[i][2][0] == "-":
                raise _NotSubset  # a sequence at the key's own indent
            else:
                out[key] = None
            key_lines[key] = n
        return out, i

    def _sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        lines = self.lines
        out: list[Any] = []
        end = len(lines)
        while i < end:
            n, ind, body = lines[i]
            if ind < indent:
                break
            if ind > indent or body[0] != "-" or len(body) < 3 or body[1] != " ":
                raise _NotSubset  # a bare "-", or not an entry
            rest = body[2:].lstrip(" ")
            if not rest or rest[0] == "#" or (rest[0] == "-" and (len(rest) == 1 or rest[1] == " ")):
                raise _NotSubset
            if _KEY.match(rest):
                lines[i] = (n, ind + len(body) - len(rest), rest)  # "- a: 1" is "  a: 1"
                item, i = self._mapping(i, lines[i][1])
                out.append(item)
            else:
                out.append(self._scalar(rest, n))
                i += 1
                if i < end and lines[i][1] > indent:
                    raise _NotSubset
        return out, i

    def _scalar(self, rest: str, n: int) -> Any:
        """The value that fills the rest of line `n`: a quoted or plain scalar, or a flow collection."""
        first = rest[0]
        if first == "[" or first == "{":
            value, at = self._flow(rest, 0, n)
            self._after(rest, at)
            return value
        if first == '"':
            close = rest.find('"', 1)
            value = rest[1:close]
            if close < 0 or "\\" in value:
                raise _NotSubset
            self._after(rest, close + 1)
            return value
        if first == "'":
            close = rest.find("'", 1)
            while close >= 0 and rest[close + 1 : close + 2] == "'":
                close = rest.find("'", close + 2)
            if close < 0:
                raise _NotSubset
            self._after(rest, close + 1)
            return rest[1:close].replace("''", "'")
        if first in _PLAIN_START and not (first == "-" and rest[1:2] in _DIGIT_OR_DOT):
            raise _NotSubset
        cut = rest.find(" #")
        if cut >= 0:
            rest = rest[:cut]
        rest = rest.rstrip(" ")
        if ": " in rest or rest.endswith(":"):
            raise _NotSubset
        return self._plain(rest)

    def _flow(self, text: str, at: int, n: int) -> tuple[Any, int]:
        """A flow sequence or mapping that opens at `at` and closes on the same line."""
        seq = text[at] == "["
        close = "]" if seq else "}"
        out: list[Any] | LineDict
        if seq:
            out = []
        else:
            out = LineDict()
            out.line = n
            out.key_lines = {}
        at = _skip(text, at + 1)
        if text[at : at + 1] == close:
            return out, at + 1
        while True:
            if isinstance(out, LineDict):
                m = _FLOW_KEY.match(text, at)
                if m is None:
                    raise _NotSubset
                key = self._plain(m.group(1))
                if not isinstance(key, str) or key in out:
                    raise _NotSubset
                out[key], at = self._flow_item(text, m.end(), n)
                out.key_lines[key] = n
            else:
                item, at = self._flow_item(text, at, n)
                out.append(item)
            at = _skip(text, at)
            c = text[at : at + 1]
            if c == close:
                return out, at + 1
            at = _skip(text, at + 1)
            if c != "," or text[at : at + 1] in ("", close):
                raise _NotSubset  # not a separator, or a trailing comma

    def _flow_item(self, text: str, at: int, n: int) -> tuple[Any, int]:
        c = text[at : at + 1]
        if c == "[" or c == "{":
            return self._flow(text, at, n)
        if c == '"':
            close = text.find('"', at + 1)
            value = text[at + 1 : close]
            if close < 0 or "\\" in value:
                raise _NotSubset
            return value, close + 1
        if c == "'":
            close = text.find("'", at + 1)
            while close >= 0 and text[close + 1 : close + 2] == "'":
                close = text.find("'", close + 2)
            if close < 0:
                raise _NotSubset
            return text[at + 1 : close].replace("''", "'"), close + 1
        m = _FLOW_PLAIN.match(text, at)
        if m is None or text[m.end() : m.end() + 1] not in (",", "]", "}"):
            raise _NotSubset  # "#", ":" or the end of the line: beyond the subset
        return self._plain(m.group(0).rstrip(" ")), m.end()

    @staticmethod
    def _after(rest: str, at: int) -> None:
        """Only a comment may follow a quoted scalar on its line."""
        tail = rest[at:]
        if tail.strip(" ") and not (tail[0] == " " and tail.lstrip(" ")[0] == "#"):
            raise _NotSubset

    @classmethod
    def _plain(cls, text: str) -> Any:
        try:
            return cls._resolved[text]
        except KeyError:
            pass
        loader = cls._loader
        if loader is None:
            loader = cls._loader = _Loader("")
        resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = loader.resolve  # untyped in types-PyYAML
        tag = resolve(yaml.ScalarNode, text, _PLAIN)
        if tag not in _SCALAR_TYPES:
            raise _NotSubset  # a merge key "<<", a value "=", ...
        value = loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, text))
        if len(cls._resolved) < 100_000:
            cls._resolved[text] = value
        return value


def _read_subset(text: str) -> Any:
    """The text's document as the loaders build it; `_NotSubset` when it is beyond the subset."""
    return _Subset(text).document()


def load_yaml(path: Path, name: str | None = None) -> Any:
    """Load one YAML file; errors name it as `name` (e.g. relative to the data root), else by path."""
    return parse_yaml(read_yaml_text(path, name), name or str(path))


def read_yaml_text(path: Path, name: str | None = None) -> str:
    """The text of a YAML file (UTF-8), or a SeedError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(name or str(path), f"cannot read: {exc}") from exc


def parse_yaml(text: str, name: str) -> Any:
    """The YAML document of `text` (mappings as LineDict); errors name the file as `name`."""
    try:
        return _read_subset(text)
    except _NotSubset:
        pass  # beyond the block subset: a full parser reads it
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


def key_lines(data: Mapping[Any, Any]) -> Mapping[str, int]:
    """The lines of a mapping's keys. Every mapping the loaders build is a LineDict; the one
    exception is the `{}` that stands for an empty file, which has no keys to look up."""
    return data.key_lines if isinstance(data, LineDict) else {}


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
