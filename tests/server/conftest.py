"""Live endpoints for the server tests: real `ntp-kg serve` processes (uvicorn with h11, worker
processes) on 127.0.0.1, each started once per test session on a free port, probed with real
HTTP, and stopped with SIGTERM at the end (which must exit 0).

    w3c_server      the three W3C protocol data files as the named graphs the manifest names
    sample_server   tests/server/data/sample.trig (every kind of term), max 50 rows per result
    limited_server  the same data, 3 workers, queue of 1, 2 s time limit
    fragile_server  the same data, 1 worker with 384 MiB per query (above its data), a 60 s time
                    limit, and the nesting guard off: to reach the memory limit and the parser
                    crash on purpose
    dist_server     the project's graph (dist/ntp-kg.nq from the session build)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

HERE = Path(__file__).resolve().parent
W3C_DIR = HERE / "w3c-protocol"
SAMPLE = HERE / "data" / "sample.trig"
KASEI = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
CLI = "from ntp_kg.cli import app; app()"


@dataclass
class LiveServer:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def endpoint(self) -> str:
        return self.base + "/sparql"

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30.0, **kwargs)  # type: ignore[arg-type]

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: list[str], workdir: Path, name: str) -> LiveServer:
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between the probe and the bind
        port = free_port()
        log = workdir / f"{name}-{port}.log"
        cmd = [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args]
        env = {**os.environ, "RUST_BACKTRACE": "0"}
        with log.open("wb") as out:
            process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=workdir)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                health = httpx.get(base + "/health", timeout=1.0)
                # Ready, and its start page and sitemap drawn (serve draws them as it starts): tests
                # that count what reaches the data see only their own requests.
                if health.status_code == 200 and ("--no-warm-up" in args or health.json().get("pages_drawn", True)):
                    return LiveServer(base, process, log)
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()
        last_error = log.read_text(encoding="utf-8", errors="replace")
    raise RuntimeError(f"ntp-kg serve {' '.join(args)} did not start:\n{last_error}")


def stop_server(server: LiveServer) -> int:
    server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        return -9


def _serve(tmp_path_factory: pytest.TempPathFactory, name: str, args: list[str]) -> Iterator[LiveServer]:
    server = start_server(args, tmp_path_factory.mktemp(name), name)
    yield server
    code = stop_server(server)
    assert code == 0, f"{name} did not shut down cleanly (exit {code}):\n{server.logs()}"


def w3c_data_args() -> list[str]:
    return [arg for i in (1, 2, 3) for arg in ("--data", f"{W3C_DIR / f'data{i}.nt'}={KASEI.format(i)}")]


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _serve(tmp_path_factory, "w3c", [*w3c_data_args(), "--workers", "2"])


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _serve(tmp_path_factory, "sample", ["--data", str(SAMPLE), "--workers", "2", "--max-rows", "50"])


@pytest.fixture(scope="session")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    args = ["--data", str(SAMPLE), "--workers", "3", "--queue-size", "1", "--time-limit", "2"]
    yield from _serve(tmp_path_factory, "limited", args)


@pytest.fixture(scope="session")
def fragile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    args = ["--data", str(SAMPLE), "--workers", "1", "--time-limit", "60", "--memory-limit", "384", "--max-nesting", "100000"]
    yield from _serve(tmp_path_factory, "fragile", args)


@pytest.fixture(scope="session")
def dist_server(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> Iterator[LiveServer]:
    yield from _serve(tmp_path_factory, "dist", ["--dist", str(dist), "--workers", "2"])


@pytest.fixture(scope="session")
def sample_store() -> ox.Store:
    """The sample data in-process: the oracle the endpoint's answers are compared with."""
    store = ox.Store()
    store.load(path=str(SAMPLE), format=ox.RdfFormat.TRIG)
    return store


@pytest.fixture(scope="session")
def sample(sample_server: LiveServer) -> Iterator[httpx.Client]:
    with sample_server.client() as client:
        yield client


def raw_request(server: LiveServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (what httpx would not send) and read one response."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(request)  # the server may answer and close before reading everything
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        while len(body) < int(headers.get("content-length", "0")):
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


class Listener:
    """A TCP listener on a loopback port that records every connection it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"

    def connections(self, wait: float = 0.5) -> int:
        """Connections accepted within `wait` seconds from now (there should be none)."""
        count = 0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, BlockingIOError):
                continue
            conn.close()
            count += 1
        return count

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    li = Listener()
    yield li
    li.close()
