"""The staff console under /console: review queue, area policies, dashboard, offline proofs."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from backend import messages
from backend.console import labels
from backend.errors import database_unavailable, refuse_nul_characters
from backend.extensions import db
from backend.lib import clock
from backend.services.console import staff_accounts
from backend.lib.errors import DomainError
from dialogs.prompts.catalogue import both

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static" / "console"

bp = Blueprint("console", __name__, url_prefix="/console", static_folder=str(STATIC), static_url_path="/static")
# APIFlask reads this flag on every blueprint with a before_request hook when it builds the API
# document; the console is HTML, not part of the API.
bp.enable_openapi = False

PUBLIC_ENDPOINTS = {"console.login", "console.static"}
SESSION_KEY = "console_staff"


def _limits() -> tuple[float, float]:
    cfg = current_app.config
    # Staff sessions end STAFF_SESSION_HOURS after sign-in, or after STAFF_SESSION_IDLE_MINUTES
    # without a request (8 hours and 30 minutes unless configured).
    return float(cfg["STAFF_SESSION_HOURS"]) * 3600, float(cfg["STAFF_SESSION_IDLE_MINUTES"]) * 60


def start_session(staff) -> None:
    """Begin a fresh staff session (a new cookie, so a planted one is never promoted)."""
    session.clear()
    now = clock.now().timestamp()
    session[SESSION_KEY] = {"id": staff.id, "key": staff_accounts.session_key(staff), "login": now, "seen": now}


def end_session() -> None:
    """Forget the staff member in this browser."""
    session.clear()


@bp.before_request
def load_staff():
    """Resolve the signed-in staff member; expired or missing sessions go to the sign-in page."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    data = session.get(SESSION_KEY) or {}
    now = clock.now().timestamp()
    absolute, idle = _limits()
    staff = None
    if data and now - data.get("login", 0) < absolute and now - data.get("seen", 0) < idle:
        staff = staff_accounts.staff_for_session(data.get("id"), data.get("key"))
    if staff is None:
        end_session()
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("console.login", next=target, expired=1 if data else None))
    session[SESSION_KEY] = {**data, "seen": now}
    g.staff = staff
    # Auditors read everything and change nothing: every state-changing request is refused here,
    # before any view runs (signing out is the one exception).
    if request.method not in ("GET", "HEAD") and staff.role == "auditor" and request.endpoint != "console.logout":
        abort(403)
    return None


@bp.after_request
def no_store(response):
    """Keep personal data out of shared caches and the browser's back-button cache."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_template_filter("china_time")
def china_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a timestamp in China time."""
    return value.astimezone(clock.CHINA).strftime(fmt) if value else "—"


bp.add_app_template_filter(labels.label, "label")


@bp.app_template_filter("hours")
def hours(value) -> str:
    """Format an age in hours as 3.2小时 or 2.1天."""
    if value is None:
        return "—"
    return f"{value:.1f} {both('console', 'hours')}" if value < 48 else f"{value / 24:.1f} {both('console', 'days')}"


@bp.context_processor
def console_context():
    from backend.console.forms import LogoutForm

    staff = g.get("staff")
    return {"staff": staff, "role_names": staff_accounts.ROLE_NAMES, "msg": messages.text,
            "logout": LogoutForm() if staff else None}


def _error_page(code: str, status: int, **params):
    db.session.rollback()
    return render_template("console/error.html", code=code, status=status, params=params,
                           zh=messages.text(code, "zh_CN", **params), en=messages.text(code, "en", **params)), status


@bp.errorhandler(DomainError)
def handle_domain_error(exc: DomainError):
    return _error_page(exc.code, exc.status, **exc.params)


_HTTP_CODES = {400: "bad_request", 403: "staff_forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "payload_too_large", 429: "too_many_requests"}

for _status, _code in _HTTP_CODES.items():
    bp.register_error_handler(_status, lambda exc, _code=_code: _error_page(_code, exc.code))


@bp.errorhandler(HTTPException)
def handle_http(exc: HTTPException):
    return _error_page(_HTTP_CODES.get(exc.code, "bad_request" if exc.code < 500 else "internal_error"), exc.code)


@bp.errorhandler(Exception)
def handle_unexpected(exc: Exception):
    if database_unavailable(exc):
        db.session.remove()
        page, status = _error_page("service_unavailable", 503)
        return page, status, {"Retry-After": "5"}
    log.exception("console error on %s %s", request.method, request.path)
    return _error_page("internal_error", 500)




# The same guard as the H5 pages: PostgreSQL cannot compare text holding NUL.
bp.before_request(refuse_nul_characters)
