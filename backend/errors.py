"""JSON error handlers: every failure answers in the user's language, never a bare 500 page."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request

from sqlalchemy.exc import InterfaceError, OperationalError

from backend import messages
from backend.services.errors import DomainError, StaleTurn

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "bad_request",
    429: "too_many_requests",
    503: "service_unavailable",
}

# The body of every JSON error (error_body), documented once for all operations; handlers may add
# fields (`field` and `reason` of a bad search, `turn` of a stale turn).
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "message_en"],
    "properties": {
        "error": {"type": "string", "description": "reason code, e.g. invalid_input, not_found, stale_turn"},
        "message": {"type": "string", "description": "what went wrong, in Chinese"},
        "message_en": {"type": "string", "description": "the same in English"},
        "detail": {"type": "object", "description": "invalid fields by location (json, query): their problems"},
        "params": {"type": "object", "description": "the refusal's parameters"},
    },
}


def error_body(code: str, *, detail: dict | None = None, **params) -> dict:
    """Build the error JSON: the code, the message in both languages, optional detail."""
    body = {
        "error": code,
        "message": messages.text(code, "zh_CN", **params),
        "message_en": messages.text(code, "en", **params),
    }
    if detail:
        body["detail"] = detail
    return body


def _fields(detail: dict) -> str:
    """Name the fields a validation error is about: {"json": {"text": [...]}} -> "text"."""
    names = []
    for location in (detail or {}).values():
        if isinstance(location, dict):
            names += [str(k) for k in location]
    return ", ".join(names) or "?"


def register(app: Flask) -> None:
    """Install the JSON error handlers on the app and document their body in the OpenAPI document."""
    # A request that fails validation answers 400 (below), so the document must say 400, not APIFlask's 422.
    app.config.update(VALIDATION_ERROR_STATUS_CODE=400, VALIDATION_ERROR_DESCRIPTION="Invalid input",
                      VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA, HTTP_ERROR_SCHEMA=ERROR_SCHEMA)

    @app.error_processor
    def handle_http(error):
        status = error.status_code
        if status in (400, 422) and error.detail:
            body = error_body("invalid_input", detail=error.detail, fields=_fields(error.detail))
            return body, 400, error.headers
        if status == 401:
            return error_body(g.get("auth_problem", "unauthorized")), 401, error.headers
        code = _CODES.get(status, "bad_request" if status < 500 else "internal_error")
        return error_body(code), status, error.headers

    @app.errorhandler(429)
    def handle_rate_limited(exc):
        response = jsonify(error_body("too_many_requests"))
        response.status_code = 429
        return response

    @app.errorhandler(StaleTurn)
    def handle_stale(exc: StaleTurn):
        body = error_body(exc.code)
        result = exc.params.get("result")
        if result is not None:
            body["turn"] = result.as_dict()
        return jsonify(body), exc.status

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        return jsonify(error_body(exc.code, **exc.params) | {"params": exc.params}), exc.status

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_down(exc):
        # The database is restarting or unreachable: nothing was half-written (the transaction
        # rolled back); tell the client to retry shortly instead of answering 500.
        from backend.extensions import db

        db.session.rollback()
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(exc).splitlines()[0][:200])
        response = jsonify(error_body("service_unavailable"))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error_body("internal_error")), 500
