"""The files of dist/ as downloads: `/dumps/` lists them, `/dumps/<file>` serves each as it is.

Each file has its media type (publish.DUMPS, the catalogue's formats; `.gz` files are
`application/gzip` with no Content-Encoding: a download is the .gz file itself, as the catalogue
says), Content-Length, a strong ETag (the file's SHA-256, as in SHA256SUMS) and Last-Modified.
A GET or HEAD with a matching If-None-Match, or else an If-Modified-Since not older than the
file, is answered 304 (RFC 9110 §13.1.2, §13.1.3). Downloads are never re-compressed on the fly
(app.py leaves /dumps/ and the catalogue out of its gzip middleware), so Content-Length and
ETag name the bytes on disk.

At 1M observations ntp-kg.nq is 7.5 GB: a file is streamed from disk (Starlette's FileResponse,
which also answers Range and If-Range requests, so that an interrupted download resumes), never
read into memory, and its SHA-256 is the build's SHA256SUMS entry where SHA256SUMS changed last
(the build writes it after every file it lists), else the file hashed in a thread, piece by piece.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from ..catalog import MEDIA_TYPES
from ..publish import CATALOG_FILES, DUMPS

GZIP = "application/gzip"
SUMS = "SHA256SUMS"


def media_type(name: str) -> str:
    if name.endswith(".gz"):
        return GZIP
    known = {d.name: d.media_type for d in DUMPS}
    known.update({n: MEDIA_TYPES[f] for n, f in CATALOG_FILES.items()})
    known.update({"context.jsonld": "application/ld+json", "validation-report.ttl": "text/turtle", "SHA256SUMS": "text/plain"})
    mt = known.get(name, "application/octet-stream")
    return mt + "; charset=utf-8" if mt.startswith("text/") else mt


@dataclass(frozen=True)
class DumpFile:
    name: str
    size: int
    modified: datetime  # whole seconds, UTC
    sha256: str
    media_type: str

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified, usegmt=True)

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Last-Modified": self.last_modified,
            "Content-Length": str(self.size),
            "Content-Type": self.media_type,
            "Cache-Control": "public, max-age=3600",
        }

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """Whether a conditional GET/HEAD may be answered 304."""
        if if_none_match is not None:
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or self.etag in tags
        if if_modified_since is not None:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=timezone.utc)
            return self.modified <= since
        return False


class Dumps:
    """The files of one dist/ folder; a file's digest is computed once per version of it: its size,
    modification and change times and inode (a copy with the same size and an old modification
    time, `cp -p`, is another version: its change time and inode differ)."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self._cache: dict[str, tuple[tuple[int, int, int, int], DumpFile]] = {}

    def names(self) -> list[str]:
        if not self.dist.is_dir():
            return []
        return sorted(p.name for p in self.dist.iterdir() if p.is_file() and not p.name.startswith("."))

    def get(self, name: str) -> DumpFile | None:
        """The file's description, or None. Blocking (it may hash the file): call it off the event loop."""
        if "/" in name or name.startswith(".") or name not in self.names():
            return None
        path = self.dist / name
        st = path.stat()
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        cached = self._cache.get(name)
        if cached is None or cached[0] != key:
            modified = datetime.fromtimestamp(int(st.st_mtime), tz=timezone.utc)
            cached = (key, DumpFile(name, st.st_size, modified, self._digest(path, st.st_ctime_ns), media_type(name)))
            self._cache[name] = cached
        return cached[1]

    def path(self, name: str) -> Path:
        return self.dist / name

    def _digest(self, path: Path, ctime_ns: int) -> str:
        """The SHA256SUMS entry if SHA256SUMS changed after the file did (the build writes it after
        every file it lists), else the file's own SHA-256, read in pieces (hashing the 7.5 GB of
        ntp-kg.nq at 1M holds one piece in memory, not the file).

        Change times (st_ctime), not modification times: a user cannot set them, and every write,
        rename into dist/ or `touch` sets them to now, so a file put there after SHA256SUMS by a
        copy that keeps an older modification time (`cp -p`, `rsync -t`) is hashed, not trusted.
        A tie (file times are clock ticks of a few ms) is hashed too. A dist/ copied whole with
        its times kept (`cp -a`) is hashed where SHA256SUMS arrived before the file: slower, never
        wrong."""
        sums = self.dist / SUMS
        try:
            listed = path.name != SUMS and ctime_ns < sums.stat().st_ctime_ns
        except OSError:
            listed = False
        if listed:
            for line in sums.read_text(encoding="utf-8").splitlines():
                digest, _, name = line.partition("  ")
                if name == path.name and len(digest) == 64:
                    return digest
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()

    def listing(self) -> str:
        """The HTML index of /dumps/."""
        rows = []
        for name in self.names():
            f = self.get(name)
            if f is None:
                continue
            rows.append(
                f'<tr><td><a href="/dumps/{html.escape(name)}">{html.escape(name)}</a></td><td>{html.escape(f.media_type)}</td>'
                f'<td class="size">{f.size}</td><td>{html.escape(f.last_modified)}</td><td><code>{f.sha256}</code></td></tr>'
            )
        return (
            '<!doctype html>\n<html lang="en" dir="ltr"><head><meta charset="utf-8"><title>Dumps</title></head><body>'
            '<nav><a href="/">Home</a> <a href="/catalog">DCAT catalogue</a></nav><h1>Dumps</h1>'
            "<p>Every file of the build. The same data as the SPARQL endpoint; .gz files are gzip-compressed copies.</p>"
            '<table class="dumps"><thead><tr><th>file</th><th>media type</th><th>bytes</th><th>modified</th><th>SHA-256</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
        )
