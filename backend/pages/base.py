"""H5 pages under /m/: the whole journey server-rendered, mobile first, usable without JavaScript.

Sign-in is a cookie session naming the same WeChat identity the API's bearer tokens name
(HttpOnly, SameSite=Lax, Secure in production, expiring). Every form is a FlaskForm with its
own CSRF token; the JSON API and /wechat are not affected (no global CSRFProtect).
Large text is a class on <html> and shorter prompt variants, never a second flow.
"""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from backend import messages
from backend.extensions import db
from backend.models import WeChatIdentity
from backend.errors import database_unavailable
from backend.pages.words import category, relation, word
from backend.lib.errors import DomainError

bp = Blueprint("pages", __name__, url_prefix="/m", template_folder="../templates",
               static_folder="../static/pages", static_url_path="/static")

SESSION_KEY = "m_identity"


@bp.record_once
def _configure(state) -> None:
    """Make the session cookie safe for pages, unless the operator configured it already."""
    config = state.app.config
    if config.get("SESSION_COOKIE_SAMESITE") is None:
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if config.get("APP_ENV") == "production":
        config["SESSION_COOKIE_SECURE"] = True
    config["PERMANENT_SESSION_LIFETIME"] = config["PAGES_SESSION_SECONDS"]


def sign_in(identity: WeChatIdentity) -> None:
    """Start a page session for an identity (a fresh session: nothing of a previous user is kept).

    Large text switched on before signing in is the person's choice of a minute ago: it is kept (an
    elderly user should not have to find the switch twice).
    """
    from backend.services.filing import profile

    wanted_large = bool(session.get("m_large"))
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = {"a": identity.app_id, "o": identity.openid, "t": int(time.time()),
                            "g": identity.session_generation or 0}
    if wanted_large and identity.person is not None and not identity.person.large_text:
        profile.update_settings(identity.person, large_text=True)


def sign_out() -> None:
    """End the page session, server-side too: a copy of the cookie taken before stops working."""
    from backend.services.filing import profile

    identity = current_identity()
    if identity is not None:
        profile.end_page_sessions(identity)
    session.clear()


def current_identity() -> WeChatIdentity | None:
    """Return the signed-in identity, or None when absent or expired."""
    if "m_identity_row" in g:
        return g.m_identity_row
    data = session.get(SESSION_KEY)
    identity = None
    if isinstance(data, dict) and time.time() - data.get("t", 0) < current_app.config["PAGES_SESSION_SECONDS"]:
        identity = db.session.scalar(
            select(WeChatIdentity).options(joinedload(WeChatIdentity.person))
            .where(WeChatIdentity.app_id == data.get("a"), WeChatIdentity.openid == data.get("o")))
        if identity is not None and (identity.session_generation or 0) != data.get("g", 0):
            identity = None  # signed out since this cookie was issued
    g.m_identity_row = identity
    return identity


def current_person():
    """Return the signed-in person (views decorated with person_required only)."""
    return g.m_identity_row.person


def large_text() -> bool:
    """Return whether pages render in large-text mode for this visitor."""
    identity = current_identity()
    if identity is not None and identity.person is not None:
        return bool(identity.person.large_text)
    return bool(session.get("m_large"))


def language() -> str:
    """Return the visitor's language (the person's setting, else zh_CN)."""
    identity = current_identity()
    if identity is not None and identity.person is not None and identity.person.language:
        return identity.person.language
    return session.get("m_lang", "zh_CN")


def signed_in(view):
    """Send visitors without a page session to the sign-in page."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_identity() is None:
            return redirect(url_for("pages.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def person_required(view):
    """Require a signed-in identity bound to an insured person."""
    @wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if current_identity().person is None:
            return render_page("pages/need_identity.html", status=403)
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None, default: str = "pages.home") -> str:
    """Return a same-site path to go back to (never another host)."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/m") and "\\" not in target:
        return target
    return url_for(default)


def error_text(exc: DomainError) -> str:
    """Return a domain refusal in the visitor's language."""
    return messages.text(exc.code, language(), **exc.params)


def form_problem(form) -> str:
    """Say what is wrong with a submitted form: an out-of-date page, or which fields."""
    if "csrf_token" in form.errors:
        return messages.text("form_expired", language())
    return messages.text("invalid_input", language(), fields=", ".join(form.errors))


def render_page(template: str, status: int = 200, **context):
    """Render a page template with the visitor's mode and language."""
    return render_template(template, **context), status


def _on_pages() -> bool:
    # An address under /m/ that matches no route has no blueprint, yet deserves a page.
    return request.blueprint == "pages" or (request.blueprint is None and request.path.startswith("/m/"))


@bp.app_context_processor
def _page_globals():
    if not _on_pages():
        return {}
    from backend.pages.forms import TextSizeForm

    lang = language()
    return {"large": large_text(), "lang": lang, "_": lambda key, **p: word(key, lang, **p),
            "relation": lambda code: relation(code, lang), "category": lambda code: category(code, lang),
            "identity": current_identity(), "text_size_form": TextSizeForm(formdata=None)}


@bp.before_request
def bound_uploads():
    """Let a page's paper upload through up to the paper limit; one declared larger is refused unread."""
    # The app caps request bodies at 1 MB (forms need no more); a photo needs the paper limit. Set here,
    # before any field is read, so the form parser itself stops a chunked upload that grows past it.
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        from backend.services.filing import documents

        largest = documents.limits().max_bytes + 64 * 1024
        request.max_content_length = largest
        if request.content_length is not None and request.content_length > largest:
            g.upload_too_large = True  # the view says so on the page the person came from


@bp.before_request
def refuse_nul_characters():
    """Refuse a page request whose address (404) or fields (400) hold a NUL character."""
    # PostgreSQL cannot compare text holding NUL (the driver raises); no page field ever needs one.
    from werkzeug.exceptions import BadRequest, NotFound as PathNotFound

    values = list((request.view_args or {}).values())
    if any("\x00" in str(v) for v in values):
        raise PathNotFound()
    sources = (request.args,) if g.get("upload_too_large") else (request.args, request.form)
    if any("\x00" in k or "\x00" in v for source in sources
           for k, vs in source.lists() for v in vs):
        raise BadRequest()


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return render_page("pages/error.html", status=exc.status, message=error_text(exc))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(exc.code, "bad_request")
    return render_page("pages/error.html", status=exc.code or 400, message=messages.text(code, language()))


@bp.app_errorhandler(404)
def _no_such_address(exc: HTTPException):
    """Answer an unknown address under /m/ with the error page, any other with the API's JSON."""
    if _on_pages():
        return _http_error(exc)
    from apiflask import HTTPError

    headers = dict(exc.get_headers())
    headers.pop("Content-Type", None)
    return current_app.error_callback(HTTPError(404, message=exc.name, headers=headers))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    if database_unavailable(exc):
        # A database restart: the page says "try again shortly" (503), as the API does, and
        # renders without reading the visitor's settings from the database again.
        db.session.remove()
        g.setdefault("m_identity_row", None)
        response = make_response(render_page("pages/error.html", status=503,
                                             message=messages.text("service_unavailable", language())))
        response.headers["Retry-After"] = "5"
        return response
    current_app.logger.exception("unhandled error on page %s %s", request.method, request.path)
    db.session.rollback()
    return render_page("pages/error.html", status=500, message=messages.text("internal_error", language()))
