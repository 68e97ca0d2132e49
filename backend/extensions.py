"""Flask extensions, created unbound and attached in create_app (init_app pattern)."""
import logging

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep Alembic migrations identical on SQLite and
# PostgreSQL, and let SQLite batch migrations drop constraints by name later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _SQLAlchemy(SQLAlchemy):
    def _teardown_session(self, exc: BaseException | None) -> None:
        # The response is built by now; ending the session rolls back on the connection, and if
        # the database went away a moment ago (a restart cutting sessions) that rollback raises.
        # Raised from a teardown it would escape every error handler and turn an answered
        # request into a 500: the connection is dead either way, so let the pool discard it.
        try:
            self.session.remove()
        except SQLAlchemyError as error:
            logging.getLogger(__name__).warning("session ended with the database unavailable: %s",
                                                str(error).splitlines()[0][:200])
            try:
                self.session.registry().invalidate()
            except SQLAlchemyError:
                pass
            self.session.registry.clear()


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()


def _client_address() -> str:
    # Behind the TLS proxy ProxyFix has already put the client's address in remote_addr.
    return request.remote_addr or "unknown"


# Storage is chosen in create_app: Redis when REDIS_URL is set (shared by every
# instance), process memory otherwise (the embedded single-process mode).
limiter = Limiter(key_func=_client_address, default_limits=[], headers_enabled=True)
_UNLIMITED: dict[tuple[int, str], bool] = {}


def _endpoint_has_no_limits() -> bool:
    """Whether the request's endpoint has no limit at all (the dialog turn), so the limiter can be skipped.

    There are no default or application-wide limits, so an endpoint without a limit of its own is
    never limited; asking the limiter to work that out costs about a twentieth of a dialog turn. The
    answer is the limiter's own (its resolved limits for the endpoint), worked out once per endpoint.
    """
    app, endpoint = current_app._get_current_object(), request.endpoint or ""
    key = (id(app), endpoint)
    found = _UNLIMITED.get(key)
    if found is None:
        view = app.view_functions.get(endpoint)
        name = get_qualified_name(view) if view is not None else ""
        manager = limiter.limit_manager
        # Asked as the view's own decorator would ask (in_middleware=False), so its limits count too.
        defaults, decorated = manager.resolve_limits(app, endpoint, request.blueprint, name, False, False)
        found = _UNLIMITED[key] = not (defaults or decorated or manager.application_limits
                                       or manager.has_hints(endpoint) or name in limiter._marked_for_limiting)
    return found


def skip_limiter_where_unlimited(app) -> None:
    """Wrap the limiter's before-request check so an endpoint without any limit skips it entirely.

    Asked, the limiter would resolve and evaluate the endpoint's (empty) limits, meta limits and exemption
    scopes on every request. A limited endpoint goes through the check unchanged.
    """
    funcs = app.before_request_funcs.setdefault(None, [])
    for index, func in enumerate(funcs):
        if getattr(func, "__self__", None) is limiter and func.__name__ == "_check_request_limit":
            def check(_check=func):
                if not _endpoint_has_no_limits():
                    return _check()
                return None

            funcs[index] = check


def public_rate_limit() -> str:
    """Return the rate limit for public, unauthenticated endpoints (configurable)."""
    return current_app.config["PUBLIC_RATE_LIMIT"]
