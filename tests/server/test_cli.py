"""`ntp-kg serve`: bad sources and limits stop it with exit code 2 and a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ntp_kg.cli import app

from .conftest import SAMPLE


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--data", "missing.ttl"], {}, "error: missing.ttl: no such file"),
        (["--data", str(SAMPLE.parent.parent / "w3c-protocol" / "PROVENANCE.md")], {}, "unknown RDF format"),
        (["--dist", "/nonexistent"], {}, "/nonexistent/ntp-kg.nq does not exist: run `ntp-kg build`"),
        (["--data", str(SAMPLE), "--time-limit", "0"], {}, "invalid limits: time_limit=0.0"),
        (["--data", str(SAMPLE)], {"NTP_KG_WORKERS": "0"}, "invalid limits: workers=0"),
        (["--data", str(SAMPLE), "--memory-limit", "1"], {}, "memory_limit"),
        (["--data", str(SAMPLE), "--public-url", "ftp://example.org/"], {}, "invalid public URL"),
        (["--sparql-backend", "http://127.0.0.1:9/sparql"], {"NTP_KG_UNION_COPY": "1"}, "--union-copy is for our own workers, not for --sparql-backend"),
        (["--data", str(SAMPLE), "--union-copy", "--no-union-default-graph"], {}, "--union-copy copies the union default graph: it cannot go with --no-union-default-graph"),
    ],
)
def test_serve_refuses_to_start(args: list[str], env: dict[str, str], message: str) -> None:
    result = CliRunner().invoke(app, ["serve", *args], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_file_the_workers_cannot_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--data", str(bad), "--workers", "1", "--port", "0"])
    assert result.exit_code == 2
    assert "bad.nt: cannot load as N-Triples" in result.output


def test_the_union_copy_is_on_wherever_workers_load_the_union_into_memory(tmp_path: Path) -> None:
    from ntp_kg.server import DataSource, Settings

    data = (DataSource(SAMPLE),)
    assert Settings(sources=data).copies_union
    assert not Settings(sources=data, union_copy=False).copies_union
    assert not Settings(sources=data, union_default_graph=False).copies_union
    assert not Settings(sources=(), store=tmp_path).copies_union
    assert Settings(sources=(), store=tmp_path, union_copy=True).copies_union
    assert not Settings(sources=(), sparql_backend="http://127.0.0.1:9/sparql").copies_union
