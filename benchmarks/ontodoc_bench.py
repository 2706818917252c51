"""Measure the ontology page: our renderer (ntp_kg.ontodoc) against pyLODE, on ontology/*.ttl.

Prints, for each renderer and input, the time (best of N runs, in a fresh process for pyLODE,
whose start-up is part of what a build would pay), the size, and what the page gets right for
ntp-kg: an anchor equal to the IRI fragment of every ntp: term, the term's rdfs:comment on the
page, unique ids, balanced tags, the DSD's component specifications, the concept schemes, the
reused vocabularies linked, and no script or external resource.

pyLODE is not a dependency of the project: install it in a throw-away virtualenv and pass its
command, e.g.

    python3 -m venv /tmp/plv && /tmp/plv/bin/pip install pylode==3.3.4
    .venv/bin/python benchmarks/ontodoc_bench.py --pylode /tmp/plv/bin/pylode
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import tempfile
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ntp_kg import ontodoc, resources
from ntp_kg.iris import NTP, QB

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Check(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "script" and a.get("type") != "application/ld+json" or a.get("src") or (tag == "link" and a.get("rel") == "stylesheet"):
            self.external.append(f"<{tag} {a}>")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _norm(s: str) -> str:
    return " ".join(s.split())


def quality(page: str, ontology: Graph) -> dict[str, str]:
    c = _Check()
    c.feed(page)
    c.close()
    text = _norm("".join(c.text))
    ids = Counter(c.ids)
    terms = sorted({s for s in ontology.subjects(RDFS.isDefinedBy, URIRef(str(NTP)[:-1])) if str(s).startswith(str(NTP))})
    anchored = [t for t in terms if str(t)[len(str(NTP)) :] in ids]
    commented = [t for t in terms if all(_norm(str(o)) in text for o in ontology.objects(t, RDFS.comment))]
    specs = sorted(ontology.subjects(RDF.type, QB.ComponentSpecification))
    schemes = sorted(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    refs = sorted(ontology.objects(URIRef(str(NTP)[:-1]), DCTERMS.references))
    labels = lambda n: [str(o) for o in ontology.objects(n, RDFS.label) if isinstance(o, Literal) and o.language == "en"]  # noqa: E731
    return {
        "ntp terms with #fragment anchor": f"{len(anchored)}/{len(terms)}",
        "ntp terms with their comment": f"{len(commented)}/{len(terms)}",
        "duplicate ids": str(sum(1 for n in ids.values() if n > 1)),
        "unbalanced tags": str(len(c.errors) + len(c.stack)),
        "DSD component specs shown": f"{sum(1 for s in specs if any(lb in text for lb in labels(s)) or str(s) in page or ontodoc.anchor(s) in ids)}/{len(specs)}",
        "concept schemes shown": f"{sum(1 for s in schemes if str(s) in page or any(lb in text for lb in labels(s)))}/{len(schemes)}",
        "reused vocabularies linked": f"{sum(1 for r in refs if 'href=' + chr(34) + html.escape(str(r)) in page)}/{len(refs)}",
        "scripts / external resources": str(len(c.external)),
    }


def best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pylode", help="the pylode command of a separate virtualenv")
    args = ap.parse_args()
    files = resources.ontology_files()
    ontology = ontodoc.ontology_graph(files)
    rows: list[tuple[str, float, str, dict[str, str]]] = []

    page = ontodoc.page(ontology)
    t = best(lambda: ontodoc.page(ontodoc.ontology_graph(files)), args.repeat)
    rows.append(("ntp_kg.ontodoc, ontology/*.ttl", t, str(len(page.encode())), quality(page, ontology)))

    if args.pylode:
        with tempfile.TemporaryDirectory() as tmp:
            merged = Path(tmp) / "ontology.ttl"
            ontology.serialize(merged, format="turtle")
            for label, src in (("pyLODE, ontology/*.ttl merged", merged), ("pyLODE, ontology/ntp.ttl only", resources.data_root() / "ontology" / "ntp.ttl")):
                out = Path(tmp) / "out.html"
                r = subprocess.run([args.pylode, str(src), "-o", str(out)], capture_output=True, text=True)
                if r.returncode != 0 or not out.exists():
                    rows.append((label, float("nan"), "-", {"error": (r.stderr.strip().splitlines() or ["no output"])[-1]}))
                    continue
                t = best(lambda src=src, out=out: subprocess.run([args.pylode, str(src), "-o", str(out)], capture_output=True, check=True), args.repeat)
                text = out.read_text(encoding="utf-8")
                title = re.search(r"<title>(.*?)</title>", text, re.S)
                q = quality(text, ontology)
                q["page title"] = (title.group(1).strip()[:60] + "…") if title else "-"
                rows.append((label, t, str(len(text.encode())), q))

    for label, secs, size, q in rows:
        print(f"\n{label}: {secs:.3f} s (best of {args.repeat}), {size} bytes")
        for k, v in q.items():
            print(f"  {k:32} {v}")


if __name__ == "__main__":
    main()
