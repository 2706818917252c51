// The query page of the ntp-kg SPARQL endpoint: pick a research question, run it, see a table.
// Plain browser JavaScript, no dependencies. Everything from the server is put in the page as
// text (textContent), never as HTML; only http(s) IRIs become links.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var named = document.getElementById("named");
  var format = document.getElementById("format");
  var statusEl = document.getElementById("status");
  var results = document.getElementById("results");
  var runButton = document.getElementById("run");
  var GRAPH_FORMATS = { turtle: 1, jsonld: 1, ntriples: 1, rdfxml: 1, trig: 1, nquads: 1 };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function compact(iri) {
    var best = null;
    Object.keys(data.prefixes).forEach(function (p) {
      var ns = data.prefixes[p];
      if (ns && iri.indexOf(ns) === 0 && (!best || ns.length > data.prefixes[best].length)) best = p;
    });
    return best ? best + ":" + iri.slice(data.prefixes[best].length) : iri;
  }

  function termNode(term) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri") {
      var shown = compact(term.value);
      if (/^https?:\/\//i.test(term.value)) {
        var a = el("a", shown);
        a.href = term.value;
        a.title = term.value;
        a.rel = "noopener noreferrer";
        return a;
      }
      return el("span", shown);
    }
    if (term.type === "bnode") return el("span", "_:" + term.value);
    if (term.type === "triple") {
      var span = el("span", "<< ");
      ["subject", "predicate", "object"].forEach(function (k) {
        span.appendChild(termNode(term.value[k]));
        span.appendChild(document.createTextNode(" "));
      });
      span.appendChild(document.createTextNode(">>"));
      return span;
    }
    var wrap = el("span", term.value);
    if (term["xml:lang"]) wrap.appendChild(el("span", " @" + term["xml:lang"], "meta"));
    else if (term.datatype) wrap.appendChild(el("span", " " + compact(term.datatype), "meta"));
    return wrap;
  }

  function downloadUrl(query, fmt) {
    var params = new URLSearchParams();
    params.set("query", query);
    params.set("format", fmt);
    return data.endpoint + "?" + params.toString();
  }

  function downloads(query, formats) {
    var div = el("div", null, "downloads");
    div.appendChild(el("span", "Download:"));
    formats.forEach(function (f) {
      var a = el("a", f[1]);
      a.href = downloadUrl(query, f[0]);
      a.download = "results." + f[2];
      div.appendChild(a);
    });
    return div;
  }

  function showTable(json, query, truncated) {
    results.textContent = "";
    if (typeof json.boolean === "boolean") {
      results.appendChild(el("p", "Answer: " + (json.boolean ? "yes (true)" : "no (false)")));
      return;
    }
    var vars = json.head.vars;
    var rows = json.results.bindings;
    if (truncated) results.appendChild(el("p", "Only the first " + rows.length + " rows are shown: the result was cut at the row limit.", "truncated"));
    results.appendChild(downloads(query, [["csv", "CSV", "csv"], ["json", "JSON", "srj"], ["tsv", "TSV", "tsv"]]));
    var table = el("table");
    var tr = el("tr");
    vars.forEach(function (v) { tr.appendChild(el("th", "?" + v)); });
    var thead = el("thead");
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (row) {
      var r = el("tr");
      vars.forEach(function (v) {
        var td = el("td");
        td.appendChild(termNode(row[v]));
        r.appendChild(td);
      });
      tbody.appendChild(r);
    });
    table.appendChild(tbody);
    results.appendChild(table);
  }

  function showText(text, query, truncated) {
    results.textContent = "";
    if (truncated) results.appendChild(el("p", "The result was cut at the row limit.", "truncated"));
    results.appendChild(downloads(query, [["turtle", "Turtle", "ttl"], ["ntriples", "N-Triples", "nt"], ["jsonld", "JSON-LD", "jsonld"]]));
    results.appendChild(el("pre", text));
  }

  function run(event) {
    var query = textarea.value;
    var fmt = format.value;
    if (fmt) return; // a chosen format: let the browser GET it (shown or downloaded as is)
    event.preventDefault();
    var body = new URLSearchParams();
    body.set("query", query);
    var started = performance.now();
    runButton.disabled = true;
    statusEl.textContent = "Running…";
    fetch(data.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: body.toString()
    }).then(function (response) {
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        var truncated = response.headers.get("X-SPARQL-Truncated") === "true";
        if (!response.ok) {
          statusEl.textContent = "Error " + response.status + " after " + seconds + " s";
          results.textContent = "";
          results.appendChild(el("p", text, "error"));
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/sparql-results+json") === 0) {
          var json = JSON.parse(text);
          var n = json.results ? json.results.bindings.length : 1;
          statusEl.textContent = (json.results ? n + " row" + (n === 1 ? "" : "s") : "answer") + " in " + seconds + " s";
          showTable(json, query, truncated);
        } else {
          statusEl.textContent = "graph in " + seconds + " s";
          showText(text, query, truncated);
        }
      });
    }).catch(function (err) {
      statusEl.textContent = "The request failed: " + err;
    }).then(function () {
      runButton.disabled = false;
    });
  }

  named.addEventListener("change", function () {
    var q = data.queries[named.value];
    if (q) textarea.value = q.text;
  });
  format.addEventListener("change", function () {
    if (GRAPH_FORMATS[format.value]) statusEl.textContent = "(for CONSTRUCT and DESCRIBE queries)";
  });
  textarea.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  form.addEventListener("submit", run);
  if (location.hash === "#run") form.requestSubmit(); // a shared link /sparql?edit=...#run
})();
