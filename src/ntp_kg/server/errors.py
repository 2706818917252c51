"""Every way a request to the endpoint can fail, each mapped to one HTTP status code.

    NtpKgError (ntp_kg.errors)
    └── EndpointError                  status
        ├── BadRequest                 400  malformed request: missing/multiple query, bad parameter
        │   ├── QuerySyntaxError       400  the SPARQL parser's message and position
        │   ├── QueryTooComplex        400  nested deeper than the limit (the parser would crash)
        │   └── ServiceRefused         400  SERVICE: this endpoint makes no outbound requests
        ├── UpdateRefused              403  SPARQL Update: the endpoint is read-only
        ├── NotFound                   404
        ├── MethodNotAllowed           405  (with an Allow header)
        ├── NotAcceptable              406  no format the client accepts fits the query form
        ├── PayloadTooLarge            413  request body or query longer than the limit
        ├── UnsupportedMediaType       415  POST body type other than form or sparql-query
        ├── QueryFailed                500  the engine raised or its worker died (memory limit...)
        ├── Overloaded                 503  all workers busy and the queue full (Retry-After)
        └── QueryTimeout               504  the query ran past the time limit and was stopped

Handlers raise these; `app.py` turns each into a plain-text or JSON body chosen by Accept.
"""

from __future__ import annotations

from ..errors import NtpKgError


class EndpointError(NtpKgError):
    status: int = 500
    title: str = "Internal Server Error"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})


class BadRequest(EndpointError):
    status = 400
    title = "Bad Request"


class QuerySyntaxError(BadRequest):
    pass


class QueryTooComplex(BadRequest):
    pass


class ServiceRefused(BadRequest):
    pass


class UpdateRefused(EndpointError):
    status = 403
    title = "Forbidden"


class NotFound(EndpointError):
    status = 404
    title = "Not Found"


class MethodNotAllowed(EndpointError):
    status = 405
    title = "Method Not Allowed"


class NotAcceptable(EndpointError):
    status = 406
    title = "Not Acceptable"


class PayloadTooLarge(EndpointError):
    status = 413
    title = "Content Too Large"


class UnsupportedMediaType(EndpointError):
    status = 415
    title = "Unsupported Media Type"


class QueryFailed(EndpointError):
    status = 500
    title = "Internal Server Error"


class Overloaded(EndpointError):
    status = 503
    title = "Service Unavailable"


class QueryTimeout(EndpointError):
    status = 504
    title = "Gateway Timeout"
