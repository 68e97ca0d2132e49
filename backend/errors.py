"""JSON error handlers: every failure answers in the user's language, never a bare 500 page."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from backend import messages

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
    503: "service_unavailable",
}


def request_language() -> str:
    """Return en when the client prefers English, else zh_CN (the default)."""
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh_CN"


def error_body(code: str, *, detail: dict | None = None) -> dict:
    """Build the error JSON: the code, the message in both languages, optional detail."""
    body = {
        "error": code,
        "message": messages.text(code, "zh_CN"),
        "message_en": messages.text(code, "en"),
    }
    if detail:
        body["detail"] = detail
    return body


def register(app: Flask) -> None:
    """Install the JSON error handlers on the app."""

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        code = _CODES.get(exc.code or 500, "bad_request" if (exc.code or 500) < 500 else "internal_error")
        return jsonify(error_body(code)), exc.code

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error_body("internal_error")), 500
