"""The application factory."""
from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask
from flask import Flask

from backend import errors, logging_setup
from backend.config import build_config
from backend.extensions import db, limiter, migrate, skip_limiter_where_unlimited
from backend.lib import crypto

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_settlement_app(config: dict | None = None) -> Flask:
    """Create an app serving only the settlement service (its API, health check and CLI)."""
    return create_app(config, service="settlement")


def create_worker_app(config: dict | None = None) -> Flask:
    """Create an app that only delivers the outbox: `flask --app "backend:create_worker_app()" worker`."""
    return create_app(config, service="worker")


def create_app(config: dict | None = None, *, service: str = "assistant") -> Flask:
    """Create the app from environment settings, with optional overrides (tests).

    service="settlement" serves only the settlement service (its own process, its own database);
    service="worker" serves nothing: a process that only delivers the outbox (`flask worker`,
    the RQ job), without the web blueprints.
    """
    settings = build_config(config)
    title = ("结算服务 API (settlement service)" if service == "settlement"
             else "异地就医备案助手 API (cross-provincial medical filing)")
    app = APIFlask(
        __name__, title=title, version="1.0",
        spec_path="/api/v1/openapi.json", docs_path="/api/v1/docs", instance_path=settings["INSTANCE_PATH"],
    )
    app.config["SERVICE"] = service
    app.config.from_mapping(settings)
    app.json.ensure_ascii = False
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    crypto.configure(app.config["SECRET_KEY"])
    from backend.adapters import storage

    storage.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    errors.keep_own_retry_after(app, limiter.init_app)
    skip_limiter_where_unlimited(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)
    _ping_when_idle(app)

    from backend import models  # noqa: F401  (register the mappers)
    from backend.health import bp as health_bp

    app.register_blueprint(health_bp)
    # Embedded, the settlement service is served by the app itself; the assistant still calls it
    # through the client port (in-process unless SETTLEMENT_URL is set). A worker serves nothing.
    if service == "settlement" or (service == "assistant" and not app.config["SETTLEMENT_URL"]):
        from backend.settlement import bp as settlement_bp

        app.register_blueprint(settlement_bp)
    if service == "assistant":
        from backend.api import bp as api_bp

        app.register_blueprint(api_bp)
        from backend.wechat import bp as wechat_bp

        app.register_blueprint(wechat_bp)
        from backend.pages import bp as pages_bp

        app.register_blueprint(pages_bp)
        from backend import console, security

        app.register_blueprint(console.bp)
        security.init_app(app)
    for blueprint in app.blueprints.values():
        # Plain Flask blueprints (pages, console, WeChat) are not part of the JSON API document;
        # APIFlask expects the flag on every blueprint that has before_request functions.
        if not hasattr(blueprint, "enable_openapi"):
            blueprint.enable_openapi = False
    errors.register(app)
    logging_setup.configure(app)

    from backend.cli import register as register_cli

    register_cli(app)
    from backend.adapters import queue
    from backend.worker import dispatch

    queue.init_app(app, dispatch.drain)
    if service == "assistant":
        queue.start_when_served(app)
    return app


# A pooled connection idle longer than this is pinged before a request gets it (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(app: Flask) -> None:
    """Ping a pooled connection before use only when it has been idle a while (pool_pre_ping, made cheaper).

    A ping on every checkout is one more round trip on every request (about a tenth of a dialog turn's
    database work on PostgreSQL). A connection handed back moments ago was working moments ago; one idle
    for PING_AFTER_IDLE_SECONDS (a quiet server, a database restarted overnight) is pinged and replaced if
    it fails. A restart under load can still reach a connection in use: that request's statement fails,
    SQLAlchemy throws away every connection of the pool at once, and the request is answered 503 with a
    retry hint (backend/errors.py), at most once per worker.
    """
    import time

    from sqlalchemy import event, exc

    with app.app_context():
        engines = list(db.engines.values())  # the primary and the search replica, when there is one

    def _idle_from(_dbapi_conn, record, *_):
        record.info["idle_since"] = time.monotonic()

    for engine in engines:
        event.listen(engine, "connect", _idle_from)
        event.listen(engine, "checkin", _idle_from)

        @event.listens_for(engine, "checkout")
        def _ping(dbapi_conn, record, _proxy, dialect=engine.dialect):
            if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
                return
            try:
                alive = dialect.do_ping(dbapi_conn)
            except Exception:
                alive = False
            if not alive:
                raise exc.DisconnectionError("the pooled connection failed its ping")  # the pool connects anew


def _tune_sqlite(app: Flask) -> None:
    """Enable foreign keys and WAL on SQLite so it behaves like the production database."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL keeps every commit across an application crash and skips
            # the fsync per commit; only an OS crash or power loss can drop the newest ones.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()
