"""Shared fixtures: every app test runs on SQLite and on PostgreSQL.

PostgreSQL runs at 127.0.0.1:5432 (override with TEST_POSTGRES_URL). Each test
session works in its own schema, so parallel runs never see each other's rows.
With CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="ydjy-tests-"))
os.environ.setdefault("APP_ENV", "testing")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ["INSTANCE_PATH"] = str(_TMP / "instance")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

from sqlalchemy import create_engine, text  # noqa: E402

from tests.support.db import REFERENCE_TABLES, clear_tables, migrate_and_load  # noqa: E402

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver error means "not usable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


_PG_PROBLEM = _postgres_problem()


def pytest_sessionstart(session):
    if _PG_PROBLEM and IN_CI:
        raise pytest.UsageError(f"CI=true but PostgreSQL at {PG_URL} is unreachable: {_PG_PROBLEM}")


def pytest_report_header(config):
    return f"postgresql: {'unavailable (' + _PG_PROBLEM + ')' if _PG_PROBLEM else PG_URL}"


class PostgresSchema:
    """A throw-away schema in the test database, reached through search_path."""

    def __init__(self, prefix: str = "t"):
        self.name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        sep = "&" if "?" in PG_URL else "?"
        self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        """Drop the schema and everything in it."""
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_factory():
    """Make fresh PostgreSQL schemas, dropped at the end of the session."""
    if _PG_PROBLEM:
        pytest.skip(f"PostgreSQL unavailable: {_PG_PROBLEM}")
    made: list[PostgresSchema] = []

    def make(prefix: str = "t") -> PostgresSchema:
        schema = PostgresSchema(prefix)
        made.append(schema)
        return schema

    yield make
    for schema in made:
        schema.drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request):
    """A migrated database with reference data, once per backend per session."""
    if request.param == "sqlite":
        url = f"sqlite:///{_TMP / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_factory")("t").url
    migrate_and_load(url)
    return url


@pytest.fixture()
def app(database_url):
    """An app bound to the current backend; rows other than reference data are removed after each test."""
    from backend import create_app

    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    yield application
    with application.app_context():
        from backend.extensions import db

        db.session.remove()
        clear_tables(db.engine, keep=REFERENCE_TABLES)
        db.engine.dispose()


@pytest.fixture()
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture()
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture()
def backend_name(database_url) -> str:
    """Return 'sqlite' or 'postgresql' for the current parametrization."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture()
def people(app):
    """The personas, with the SAMPLE policies of the areas the tests use."""
    from tests.support.personas import create_personas, load_policies

    with app.app_context():
        load_policies()
        return create_personas()


@pytest.fixture()
def as_person(app, client, people):
    """Return API actions for a persona by openid: as_person("op-son")."""
    from tests.support.personas import ApiActions, token_for

    def make(openid: str) -> "ApiActions":
        with app.app_context():
            return ApiActions(client, token_for(openid))

    return make


@pytest.fixture()
def today():
    """Freeze the service clock at 2026-11-22 10:00 China time (a Sunday)."""
    from datetime import date

    from backend.lib import clock

    with clock.frozen(date(2026, 11, 22)):
        yield date(2026, 11, 22)


@pytest.fixture()
def redis_url():
    """A real Redis at 127.0.0.1:6379 (database 15, emptied); CI=true fails if it is missing."""
    from redis import Redis
    from redis.exceptions import RedisError

    from tests.support.processes import xdist_index

    url = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - 2 * xdist_index()}")
    try:
        connection = Redis.from_url(url, socket_connect_timeout=2)
        connection.flushdb()
    except RedisError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true but Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis unavailable: {exc}")
    yield url
    connection.flushdb()


@pytest.fixture(autouse=True)
def _no_delivery_thread_outlives_its_test():
    """Stop the outbox threads a test started.

    An app served in thread mode starts one (so does an app made without TESTING); left running
    it would keep delivering from the session's database, taking later tests' outbox rows.
    """
    yield
    from backend.adapters import queue

    queue.stop_all()
