"""A separate virtualenv with the endpoint benchmark's baselines, made once and then reused.

rdflib-endpoint and the bare FastAPI app are not project dependencies, and rdflib-endpoint's
`[cli]` extra pulls uvicorn[standard] (httptools, uvloop), which the project's .venv must not get
(ntp-kg serve runs uvicorn with h11 on purpose). So they go into `.venv-bench/` at the root of the
checkout (git-ignored; `NTP_KG_BENCH_VENV` moves it), from the fully pinned list in
benchmarks/bench-requirements.txt. A stamp file holds the SHA-256 of that list: the venv is remade
when the list changes and reused otherwise. Installing is the only step that uses the network.
Same shape as tests/catalog/ckan_venv.py (the ckanext-dcat venv).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = Path(__file__).with_name("bench-requirements.txt")
STAMP_NAME = ".ntp-kg-bench-requirements.sha256"
PROBE = "import rdflib_endpoint, fastapi, uvicorn, pyoxigraph"


class BenchVenvError(Exception):
    """The baselines' virtualenv could not be made (the message says which step and why)."""


def location() -> Path:
    env = os.environ.get("NTP_KG_BENCH_VENV")
    return Path(env) if env else ROOT / ".venv-bench"


def _wanted() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def _usable(venv: Path) -> bool:
    python = venv / "bin" / "python"
    stamp = venv / STAMP_NAME
    if not (python.exists() and stamp.is_file() and stamp.read_text().strip() == _wanted()):
        return False
    return subprocess.run([str(python), "-c", PROBE], capture_output=True, timeout=120, check=False).returncode == 0


def ensure(venv: Path | None = None) -> Path:
    """The venv's python: reused when its stamp matches the requirements, else (re)made."""
    venv = venv or location()
    python = venv / "bin" / "python"
    if _usable(venv):
        return python
    if venv.exists():
        if not (venv / "pyvenv.cfg").is_file():
            raise BenchVenvError(f"{venv} exists and is not a virtualenv: refusing to replace it (set NTP_KG_BENCH_VENV)")
        shutil.rmtree(venv)
    print(f"making {venv} from {REQUIREMENTS.relative_to(ROOT)} (once; about a minute)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    r = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", "-r", str(REQUIREMENTS)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if r.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise BenchVenvError(f"pip install -r {REQUIREMENTS} into {venv} failed (no package index reachable?):\n"
                             f"{(r.stdout + r.stderr).strip()}")
    probe = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, timeout=120, check=False)
    if probe.returncode != 0:
        raise BenchVenvError(f"the baselines do not import in {venv} after install:\n{probe.stderr}")
    (venv / STAMP_NAME).write_text(_wanted() + "\n")
    return python


if __name__ == "__main__":
    print(ensure())
