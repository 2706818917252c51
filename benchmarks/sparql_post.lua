-- wrk script for benchmarks/endpoint_bench.py: POST one SPARQL query (application/sparql-query)
-- and print the figures as one JSON line the script reads.
--   SPARQL_QUERY_FILE  the query to send (required)
--   SPARQL_ACCEPT      the Accept header (default: SPARQL JSON results)
local path = os.getenv("SPARQL_QUERY_FILE")
local f = assert(io.open(path, "rb"), "cannot read SPARQL_QUERY_FILE " .. tostring(path))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/sparql-query"
wrk.headers["Accept"] = os.getenv("SPARQL_ACCEPT") or "application/sparql-results+json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
