"""Security headers and session-cookie defaults for every HTML response (console and H5 pages).

Installed app-wide by `init_app`; each header is set only when the view has not set it already,
so a blueprint that needs a different policy (e.g. a page embedding a map) sets its own.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

# No inline scripts or styles anywhere: templates load CSS from /static, and charts are inline SVG
# drawn with presentation attributes (which CSP does not treat as inline style).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
BASELINE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _is_html(response: Response) -> bool:
    return (response.mimetype or "").startswith("text/html")


class _CookieFirstSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, looking for the cookie before building the signer.

    API calls (a dialog turn on every message) carry a bearer token and no session cookie: they get an
    empty session at once instead of a signer built for nothing. With a cookie, nothing changes.
    """

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Install the header hook and the session-cookie defaults on the app."""
    app.session_interface = _CookieFirstSessionInterface()
    # Lax keeps the cookie off cross-site POSTs (CSRF defence in depth); Secure where TLS is certain.
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("APP_ENV") == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    docs_path = getattr(app, "docs_path", None)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass; a view's own value is kept

        def default(name: str, value: str) -> None:
            if name.lower() not in present:
                headers.add(name, value)

        for name, value in BASELINE_HEADERS.items():
            default(name, value)
        # The Swagger UI page loads its scripts from a CDN; it keeps its own (absent) policy.
        if _is_html(response) and request.path != docs_path:
            default("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if app.config.get("APP_ENV") == "production":
            default("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
