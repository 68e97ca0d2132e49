"""Sign-in and sign-out for staff (rate-limited, CSRF-protected forms)."""
from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for

from backend.console.base import bp, end_session, start_session
from backend.console.forms import LoginForm, LogoutForm
from backend.extensions import limiter
from backend.services.console import staff_accounts
from backend.services.console.staff_accounts import LoginFailed

def _login_limit() -> str:
    return current_app.config["STAFF_LOGIN_RATE_LIMIT"]


def _login_user_limit() -> str:
    return current_app.config["STAFF_LOGIN_USER_RATE_LIMIT"]


def _username_key() -> str:
    # A second limit per account slows a password guesser spread over many addresses.
    return "staff-login:" + (request.form.get("username") or "").strip().lower()[:64]


def _safe_next(target: str | None) -> str:
    # Only console paths: an absolute or scheme-relative URL here would be an open redirect.
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.queue")


def _shared_limit_keys() -> list[tuple[str, str]] | None:
    """Return the keys and limits to count in the database, or None when Redis shares the limiter's counts."""
    if not current_app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        return None
    return [("staff-login-addr:" + (request.remote_addr or ""), _login_limit()),
            (_username_key(), _login_user_limit())]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_user_limit, methods=["POST"], key_func=_username_key)
def login():
    """Show the sign-in form; sign in with username, password and (when enabled) a one-time code."""
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    shared = _shared_limit_keys() if request.method == "POST" else None
    if shared and staff_accounts.login_limited(shared):
        abort(429)
    if form.validate_on_submit():
        try:
            staff = staff_accounts.authenticate(form.username.data, form.password.data, form.totp.data or "",
                                                address=request.remote_addr or "")
        except LoginFailed as exc:
            error = exc.code
            if shared:
                staff_accounts.record_login_failure([key for key, _limit in shared])
        else:
            start_session(staff)
            return redirect(_safe_next(form.next.data))
    elif form.csrf_token.errors:
        error = "form_expired"
    status = 401 if error == "staff_login_failed" else 400 if error else 200
    return render_template("console/login.html", form=form, error=error,
                           expired=request.args.get("expired") == "1"), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with a CSRF token, so no other site can sign a reviewer out)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("console.queue"))
    staff_accounts.record_logout(g.staff)
    end_session()
    return redirect(url_for("console.login"))
