"""A separate virtualenv with ckanext-dcat, made once and kept between test runs.

The project's .venv never gets CKAN: ckanext-dcat and the part of CKAN it imports go into
`.venv-ckan/` at the root of the checkout (git-ignored; `NTP_KG_CKAN_VENV` moves it), from the
pinned list in ckan-requirements.txt. A stamp file holds the SHA-256 of that list, so the venv is
remade when the list changes and reused otherwise; on a fresh clone the first test run makes it
(about half a minute with an empty pip cache). Installing is the only step that uses the network
(pip, in a subprocess); when pip cannot reach the package index the caller skips.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ntp_kg import resources

REQUIREMENTS = Path(__file__).with_name("ckan-requirements.txt")
STAMP_NAME = ".ntp-kg-requirements.sha256"
PROBE = "import ckanext.dcat.processors, ckanext.dcat.profiles"
# what pip prints when the index cannot be reached (as opposed to a real install failure)
_OFFLINE = re.compile(
    r"NewConnectionError|Max retries exceeded|Temporary failure in name resolution|Network is unreachable"
    r"|Connection refused|ConnectTimeoutError|ProxyError|No matching distribution found for (ckan|ckanext-dcat)\b",
    re.IGNORECASE,
)


class IndexUnreachable(Exception):
    """pip could not reach the package index: the ckanext-dcat test cannot run here."""


@dataclass(frozen=True)
class CkanVenv:
    python: Path
    created: bool
    seconds: float  # time spent making it (0 when reused)
    commands: tuple[str, ...]


def location() -> Path:
    env = os.environ.get("NTP_KG_CKAN_VENV")
    return Path(env) if env else resources.data_root() / ".venv-ckan"


def _wanted() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def _usable(venv: Path) -> bool:
    python = venv / "bin" / "python"
    stamp = venv / STAMP_NAME
    if not (python.exists() and stamp.is_file() and stamp.read_text().strip() == _wanted()):
        return False
    return subprocess.run([str(python), "-c", PROBE], capture_output=True, timeout=120).returncode == 0


def ensure(venv: Path | None = None) -> CkanVenv:
    """Reuse the venv when its stamp matches the requirements, else (re)make it."""
    venv = venv or location()
    python = venv / "bin" / "python"
    if _usable(venv):
        return CkanVenv(python, False, 0.0, ())
    if venv.exists():
        if not (venv / "pyvenv.cfg").is_file():
            raise RuntimeError(f"{venv} exists and is not a virtualenv: refusing to replace it (set NTP_KG_CKAN_VENV)")
        shutil.rmtree(venv)
    commands = (
        f"{sys.executable} -m venv {venv}",
        f"{python} -m pip install --disable-pip-version-check --no-input --quiet -r {REQUIREMENTS}",
    )
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    r = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", "-r", str(REQUIREMENTS)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if r.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        output = r.stdout + r.stderr
        if _OFFLINE.search(output):
            raise IndexUnreachable(f"pip cannot reach the package index: {output.strip().splitlines()[-1]}")
        raise RuntimeError(f"pip install -r {REQUIREMENTS.name} failed:\n{output}")
    probe = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        raise RuntimeError(f"ckanext-dcat does not import after install:\n{probe.stderr}")
    (venv / STAMP_NAME).write_text(_wanted() + "\n")
    return CkanVenv(python, True, time.monotonic() - start, commands)
