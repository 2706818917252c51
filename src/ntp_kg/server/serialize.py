"""Writers for query results, run inside the worker processes.

A complete SELECT result is written by pyoxigraph's own writers (see `worker._solutions`); the
writers here serve the results cut at `max_rows`, which pyoxigraph cannot write (its
`QuerySolutions.serialize` writes every remaining solution), and ASK. Their JSON, CSV and TSV
output is byte-identical to pyoxigraph's for the same solutions, and the XML equal as XML (tests
compare them); when cut, JSON and XML carry a `link` to /limits in their head, as both formats
allow. Graphs (CONSTRUCT/DESCRIBE) are written by pyoxigraph, with the project's prefixes;
JSON-LD is compacted with the published context (`ntp_kg.resources.context()`, inline: never a
remote context) by rdflib. A cut graph starts with a comment where the syntax has comments.

Specs: SPARQL 1.1 Query Results JSON / XML / CSV and TSV Formats (W3C Recommendations, 2013).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .formats import Format

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = Sequence[Term | None]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
ITS_NS = "http://www.w3.org/2005/11/its"

_PLAIN_DATATYPES = (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING)


# --- JSON (https://www.w3.org/TR/sparql11-results-json/) ---------------------------------


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value not in _PLAIN_DATATYPES:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate), "object": _json_term(term.object)},
    }


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_solutions(variables: Sequence[str], rows: Sequence[Row], link: str | None) -> bytes:
    head: dict[str, Any] = {"vars": list(variables)}
    if link:
        head["link"] = [link]
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    return _dumps({"head": head, "results": {"bindings": bindings}})


def json_boolean(value: bool) -> bytes:
    return _dumps({"head": {}, "boolean": value})


# --- XML (https://www.w3.org/TR/rdf-sparql-XMLres/) ---------------------------------------

_XML_ENTITIES = {'"': "&quot;", "'": "&apos;"}


def _xml_text(s: str) -> str:
    return escape(s, _XML_ENTITIES)


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
            if term.direction is not None:
                attrs += f' its:dir={quoteattr(str(term.direction))} xmlns:its="{ITS_NS}" its:version="2.0"'
        elif term.datatype.value not in _PLAIN_DATATYPES:
            attrs = f" datatype={quoteattr(term.datatype.value)}"
        else:
            attrs = ""
        return f"<literal{attrs}>{_xml_text(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _xml_head(variables: Sequence[str], link: str | None) -> str:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    if link:
        head += f"<link href={quoteattr(link)}/>"
    return f'<?xml version="1.0"?><sparql xmlns="{SPARQL_RESULTS_NS}"><head>{head}</head>'


def xml_solutions(variables: Sequence[str], rows: Sequence[Row], link: str | None) -> bytes:
    parts = [_xml_head(variables, link), "<results>"]
    for row in rows:
        parts.append("<result>")
        parts.extend(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(variables, row, strict=True) if t is not None)
        parts.append("</result>")
    parts.append("</results></sparql>")
    return "".join(parts).encode("utf-8")


def xml_boolean(value: bool) -> bytes:
    return (_xml_head((), None) + f"<boolean>{'true' if value else 'false'}</boolean></sparql>").encode("utf-8")


# --- CSV and TSV (https://www.w3.org/TR/sparql11-results-csv-tsv/) ------------------------


def _csv_field(s: str) -> str:
    if any(c in s for c in '",\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _csv_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return _csv_field(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return _csv_field(term.value)
    return f"{_csv_term(term.subject)} {_csv_term(term.predicate)} {_csv_term(term.object)}"


def csv_solutions(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    lines = [",".join(_csv_field(v) for v in variables)]
    lines.extend(",".join("" if t is None else _csv_term(t) for t in row) for row in rows)
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})
_TURTLE_NUMBER = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}


def _tsv_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        quoted = '"' + term.value.translate(_TSV_ESCAPES) + '"'
        if term.language:
            suffix = "" if term.direction is None else f"--{term.direction}"
            return f"{quoted}@{term.language}{suffix}"
        dt = term.datatype.value
        short = _TURTLE_NUMBER.get(dt)
        if short is not None and short.fullmatch(term.value):
            return term.value
        return quoted if dt == XSD_STRING else f"{quoted}^^<{dt}>"
    return f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} )>>"


def tsv_solutions(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines.extend("\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def solutions(fmt: Format, variables: Sequence[str], rows: Sequence[Row], link: str | None = None) -> bytes:
    """SELECT results in `fmt`; `link` (set when the rows were cut) goes in the JSON/XML head."""
    if fmt.name == "json":
        return json_solutions(variables, rows, link)
    if fmt.name == "xml":
        return xml_solutions(variables, rows, link)
    if fmt.name == "csv":
        return csv_solutions(variables, rows)
    if fmt.name == "tsv":
        return tsv_solutions(variables, rows)
    raise ValueError(f"{fmt.name} is not a format for SELECT results")


def boolean(fmt: Format, value: bool) -> bytes:
    if fmt.name == "json":
        return json_boolean(value)
    if fmt.name == "xml":
        return xml_boolean(value)
    raise ValueError(f"{fmt.name} is not a format for ASK results")


# --- graphs ------------------------------------------------------------------------------

_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}


def _prefixes(context: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in context.items() if isinstance(v, str) and not k.startswith("@")}


def _to_rdflib(term: Term) -> Any:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError("JSON-LD output cannot hold RDF 1.2 triple terms; ask for Turtle or N-Triples")


def jsonld(triples: Sequence[ox.Triple], context: Mapping[str, Any]) -> bytes:
    from rdflib import Graph

    g = Graph()
    for t in triples:
        g.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    text = g.serialize(format="json-ld", context=dict(context), auto_compact=True, indent=1, sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8")


def graph(fmt: Format, triples: Sequence[ox.Triple], context: Mapping[str, Any], note: str | None = None) -> bytes:
    """CONSTRUCT/DESCRIBE results in `fmt`; `note` (set when cut) becomes a leading comment."""
    if fmt.name == "jsonld":
        return jsonld(triples, context)
    rdf_format = _RDF_FORMATS.get(fmt.name)
    if rdf_format is None:
        raise ValueError(f"{fmt.name} is not a format for CONSTRUCT/DESCRIBE results")
    data: Sequence[ox.Triple] | list[ox.Quad] = triples
    if rdf_format.supports_datasets:
        data = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    prefixes = _prefixes(context) if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    out = ox.serialize(data, format=rdf_format, prefixes=prefixes)
    assert out is not None
    if note:
        if rdf_format == ox.RdfFormat.RDF_XML:
            decl, sep, rest = out.partition(b"?>")
            comment = f"<!-- {note.replace('--', '- -')} -->".encode()
            out = decl + sep + b"\n" + comment + rest if sep else comment + b"\n" + out
        else:
            out = f"# {note}\n".encode() + out
    return out
