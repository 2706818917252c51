"""A real Virtuoso Open Source 7 for the scale-out tests, once per test session.

`virtuoso-t` (Debian package `virtuoso-opensource`; `.ci/run` installs it) runs in the
foreground with its own virtuoso.ini (data/virtuoso.ini): the database in a temporary folder,
the SQL and HTTP ports free loopback ports on 127.0.0.1, so it never touches the system instance.
It is stopped with SIGTERM at the end of the session. Without the binary the Virtuoso tests skip
and say why; every other failure to start fails them with Virtuoso's log.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

import httpx
import pytest

from ntp_kg.graphstore import AuthScheme, Target, publish

DATA = Path(__file__).resolve().parent / "data"
BINARY = "virtuoso-t"
USER, PASSWORD = "dba", "dba"  # a fresh Virtuoso database's administrator


@dataclass(frozen=True)
class Virtuoso:
    base: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def graph_store(self) -> str:
        """The Graph Store Protocol endpoint that takes writes (HTTP Digest auth)."""
        return self.base + "/sparql-graph-crud-auth"

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no log)"


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def _start(folder: Path) -> Virtuoso:
    sql_port, http_port = _free_ports(2)
    ini = folder / "virtuoso.ini"
    ini.write_text(Template((DATA / "virtuoso.ini").read_text(encoding="utf-8")).substitute(dir=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    with (folder / "stdout.log").open("wb") as out:
        process = subprocess.Popen(
            [BINARY, "+configfile", str(ini), "+foreground"], cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    base = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(base + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}, timeout=2).status_code == 200:
                return Virtuoso(base, folder, process)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    if process.poll() is None:
        process.kill()
        process.wait()
    log = (folder / "stdout.log").read_text(encoding="utf-8", errors="replace")
    raise RuntimeError(f"Virtuoso did not start on 127.0.0.1:{http_port} (exit {process.returncode}):\n{log[-3000:]}")


@pytest.fixture(scope="session")
def published(virtuoso: Virtuoso, dist: Path) -> Virtuoso:
    """Virtuoso holding the session build, written by `publish` (the library call of the command)."""
    target = Target(virtuoso.graph_store, virtuoso.sparql, user=USER, password=PASSWORD, auth=AuthScheme.digest)
    results = list(publish(dist, target))
    assert all(r.stored == r.sent for r in results if r.stored is not None)
    return virtuoso


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    if shutil.which(BINARY) is None:
        pytest.skip(f"{BINARY} is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    v = _start(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield v
    finally:
        v.process.send_signal(signal.SIGTERM)
        try:
            v.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            v.process.kill()
            v.process.wait()
