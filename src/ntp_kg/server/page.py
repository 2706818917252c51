"""The query page for people (GET / and GET /sparql from a browser).

templates/page.html is filled with `string.Template`: every value is HTML-escaped here, and the
data for the script goes in a JSON block with `<`, `>` and `&` escaped. The script and style
are static files served by the app (static/), with no third-party assets.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources as importlib_resources
from string import Template

from ..errors import NtpKgError

STATIC_FILES = {"endpoint.js": "text/javascript; charset=utf-8", "endpoint.css": "text/css; charset=utf-8"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Question:
    name: str
    question: str
    text: str


def _template(name: str) -> str:
    return (importlib_resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def static_file(name: str) -> bytes:
    return (importlib_resources.files(__package__) / "static" / name).read_bytes()


def asset_version(name: str) -> str:
    """A digest of the file, in its URL: a new release is never served from a stale cache."""
    return hashlib.sha256(static_file(name)).hexdigest()[:12]


def default_query() -> str:
    return _template("default-query.rq")


def research_questions() -> list[Question]:
    """The named queries of sparql/ (none when the project's data root is not at hand)."""
    from ..query import named_queries

    try:
        return [Question(n, q.question or n, q.text) for n, q in named_queries().items()]
    except NtpKgError:
        return []


def _script_json(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


# The question the page opens with (the README's first example), when sparql/ has it.
PREFERRED_QUESTION = "disbursement-by-programme"


def render(
    endpoint: str, static: str, limits: str, questions: list[Question], prefixes: Mapping[str, str], query: str | None = None
) -> str:
    """The page; `query` (from a shared link `/sparql?edit=...`) replaces the prefilled question."""
    first = next((q for q in questions if q.name == PREFERRED_QUESTION), questions[0] if questions else None)
    if query is not None:
        first = next((q for q in questions if q.text == query), None)
    options = "\n".join(
        f'        <option value="{html.escape(q.name)}"{" selected" if q is first else ""}>{html.escape(q.question)}</option>'
        for q in questions
    )
    data = {
        "endpoint": endpoint,
        "prefixes": dict(prefixes),
        "queries": {q.name: {"question": q.question, "text": q.text} for q in questions},
    }
    return Template(_template("page.html")).substitute(
        endpoint=html.escape(endpoint),
        static=html.escape(static),
        limits=html.escape(limits),
        home=html.escape(limits.rsplit("/", 1)[0] + "/"),
        options=options,
        query=html.escape(query if query is not None else first.text if first else default_query()),
        page_data=_script_json(data),
        js_version=asset_version("endpoint.js"),
        css_version=asset_version("endpoint.css"),
    )
