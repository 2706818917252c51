"""Apache Jena's command-line tools from Debian (`libapache-jena-java`), runnable from tests.

Debian ships no `rsparql` script, only jars, and its Jena 4.5.0 dies at start with an
ExceptionInInitializerError: its relocated Xerces classes (package `xerces...` in jena-core.jar)
look for their message bundles under `xerces/`, but the bundles stayed under
`org/apache/jena/ext/xerces/`. So the classpath is built here, at test time:

1. a folder with those bundles copied to `xerces/...` (first on the classpath);
2. the jars of the package's dependency closure (`dpkg-query` Depends, recursively), each once;
3. one SLF4J binding (slf4j-nop: no logging noise on stderr, no "multiple bindings" warning).

Nothing is downloaded and no jar is copied into the repository. `classpath()` raises JenaMissing
(with the install command) when java or the package is not installed; tests skip with that reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

PACKAGE = "libapache-jena-java"
JAVA_DIR = Path("/usr/share/java")
BUNDLES = "org/apache/jena/ext/xerces/"
SLF4J_BINDING = "slf4j-nop.jar"
INSTALL = f"apt-get install {PACKAGE} default-jre-headless"


class JenaMissing(Exception):
    """java or Debian's Apache Jena is not installed (the message says what to install)."""


def _installed(package: str) -> bool:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
    return out.returncode == 0 and out.stdout.endswith("installed")


def _depends(package: str) -> list[str]:
    """The installed packages `package` depends on (of an `a | b` choice, those installed)."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", package], capture_output=True, text=True, check=True).stdout
    names = []
    for clause in filter(None, (c.strip() for c in out.split(","))):
        for alternative in clause.split("|"):
            name = re.sub(r"\(.*?\)|:any", "", alternative).strip()
            if name and _installed(name):
                names.append(name)
                break
    return names


def _jars(package: str) -> list[Path]:
    out = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True, check=True).stdout
    return [Path(line) for line in out.splitlines() if line.startswith(f"{JAVA_DIR}/") and line.endswith(".jar")]


def _closure(root: str) -> list[str]:
    seen: list[str] = []
    frontier = [root]
    while frontier:
        package = frontier.pop()
        if package in seen:
            continue
        seen.append(package)
        frontier.extend(d for d in _depends(package) if d not in seen)
    return seen


def _is_slf4j_binding(jar: Path) -> bool:
    name = jar.name
    return name.startswith("slf4j-") and not name.startswith(("slf4j-api", "slf4j-migrator")) or "slf4j-provider" in name


def classpath(workdir: Path) -> str:
    """The classpath for `java -cp ... arq.rsparql` (and riotcmd.riot, shacl.shacl)."""
    if shutil.which("java") is None:
        raise JenaMissing(f"java is not installed ({INSTALL})")
    if shutil.which("dpkg-query") is None or not _installed(PACKAGE):
        raise JenaMissing(f"Apache Jena from Debian is not installed ({INSTALL})")
    bundles = workdir / "jena-xerces-bundles"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for entry in jar.namelist():
            if entry.startswith(BUNDLES) and entry.endswith(".properties"):
                target = bundles / "xerces" / entry[len(BUNDLES):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(entry))
    entries: list[str] = [str(bundles)]
    seen: set[Path] = set()
    for package in _closure(PACKAGE):
        for jar_path in _jars(package):
            real = jar_path.resolve()
            if real in seen or not real.is_file() or _is_slf4j_binding(jar_path):
                continue
            seen.add(real)
            entries.append(str(jar_path))
    binding = JAVA_DIR / SLF4J_BINDING
    if not binding.is_file():
        raise JenaMissing(f"{binding} is missing (package libslf4j-java)")
    entries.append(str(binding))
    return ":".join(entries)
