"""JSON error handlers: every failure answers in the user's language, never a bare 500 page."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from backend import messages
from backend.lib.errors import DomainError, StaleTurn

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


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


MAX_JSON_DEPTH = 32  # our deepest body (an estimate's items with their fields) is 3 levels


def _too_deep(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Say whether parsed JSON nests deeper than limit (iteratively: no recursion to run out of)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def refuse_deep_json():
    """Refuse a JSON body nested too deeply, on every route, before authentication or any view.

    Python's JSON parser recurses: about 400 levels (800 bytes of brackets) raise RecursionError,
    and marshmallow, the NUL check and the error renderer recurse over what does parse. One
    warning line, no traceback: it is bad input, not a bug.
    """
    if not request.is_json:
        return None
    try:
        body = request.get_json(silent=True)  # parsed once here; Flask caches it for the view
        deep = _too_deep(body)
    except RecursionError:
        deep = True
    if not deep:
        return None
    log.warning("refused JSON nested deeper than %d levels on %s %s", MAX_JSON_DEPTH, request.method, request.path)
    detail = {"json": {"_schema": [f"Nested deeper than {MAX_JSON_DEPTH} levels."]}}
    return jsonify(error_body("invalid_input", detail=detail, fields="_schema")), 400


def refuse_nul_characters():
    """Refuse a request whose path (404), query or JSON body (400) holds a NUL character.

    No text of ours contains one, and PostgreSQL cannot even compare text with it (the driver
    raises), so it is refused before any view runs: a path with one names nothing, a parameter
    with one is invalid input (every operation documents 400, see register).
    """
    if _has_nul(request.view_args or {}):
        return error_body("not_found"), 404
    body = request.get_json(silent=True) if request.is_json else None
    query = request.args.to_dict(flat=False) if request.query_string else {}
    if not _has_nul(body) and not _has_nul(query):
        return None  # the usual case, decided without building the answer below
    places = {"query": query, "json": body if isinstance(body, dict) else {"_schema": body}}
    detail = {where: {str(name): ["NUL characters are not allowed."] for name, value in values.items()
                      if _has_nul(name) or _has_nul(value)}
              for where, values in places.items()}
    detail = {where: fields for where, fields in detail.items() if fields}
    if detail:
        return error_body("invalid_input", detail=detail, fields=_fields(detail)), 400
    return None


def database_unavailable(exc: BaseException) -> bool:
    """Say whether an error (or one it was raised from) means the database cannot be reached now.

    A restart cuts sessions in the middle of a statement: besides OperationalError the driver
    may report the cut connection as another DBAPI error (SQLAlchemy then marks it invalidated),
    the pool may time out, and a later statement of the same request may find the session
    waiting for a rollback. All of these are "try again shortly", never a bug to answer 500 for.
    """
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def keep_own_retry_after(app: Flask, init_limiter) -> None:
    """Initialise Flask-Limiter between two hooks that keep Retry-After meaningful.

    Flask-Limiter writes Retry-After (its window's reset, up to an hour) into every response of a
    rate-limited route, raising any value already there. Only a 429 should carry its value: an
    outage's 503 keeps its own short hint and a successful answer carries none. Flask runs
    after-request hooks in the reverse order of registration, so `_note` (registered after the
    limiter) sees the response before it and `_restore` (registered before) after it.
    """
    @app.after_request
    def _restore(response):
        own = g.pop("own_retry_after", None)
        if own is not None:
            response.headers["Retry-After"] = own
        elif response.status_code != 429:
            response.headers.pop("Retry-After", None)
        return response

    init_limiter(app)

    @app.after_request
    def _note(response):
        g.own_retry_after = response.headers.get("Retry-After")
        return response


def register(app: Flask) -> None:
    """Install the JSON error handlers on the app and document their body in the OpenAPI document."""
    # A request that fails validation answers 400 (below), so the document must say 400, not APIFlask's 422.
    app.before_request(refuse_deep_json)
    app.config.update(VALIDATION_ERROR_STATUS_CODE=400, VALIDATION_ERROR_DESCRIPTION="Invalid input",
                      VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA, HTTP_ERROR_SCHEMA=ERROR_SCHEMA)

    @app.spec_processor
    def document_invalid_input(spec: dict) -> dict:
        # Any operation can answer 400 (refuse_nul_characters), even one that reads no input.
        spec.setdefault("components", {}).setdefault("schemas", {}).setdefault("HTTPError", ERROR_SCHEMA)
        invalid = {"description": "Invalid input",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}}}
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault("400", invalid)
        return spec

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

    @app.errorhandler(SQLAlchemyError)
    def handle_database_error(exc: SQLAlchemyError):
        if not database_unavailable(exc):
            return handle_unexpected(exc)
        # The database is restarting or unreachable: nothing was half-written (the transaction
        # rolled back); tell the client to retry shortly instead of answering 500.
        from backend.extensions import db

        try:
            db.session.rollback()
        except SQLAlchemyError:  # the connection is gone; the pool discards it on release
            pass
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(exc).splitlines()[0][:200])
        response = jsonify(error_body("service_unavailable"))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if database_unavailable(exc):
            return handle_database_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error_body("internal_error")), 500
