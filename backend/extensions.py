"""Flask extensions, created unbound and attached in create_app (init_app pattern)."""
import logging

from flask import current_app, request
from flask_limiter import Limiter
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


def public_rate_limit() -> str:
    """Return the rate limit for public, unauthenticated endpoints (configurable)."""
    return current_app.config["PUBLIC_RATE_LIMIT"]
