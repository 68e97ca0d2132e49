"""A pooled connection is pinged before use only after it was idle a while, and replaced if the ping fails.

On PostgreSQL the server side of a pooled connection is ended (as a database restart would) and the
next request's query must still succeed on a new connection; with the idle threshold out of reach the
same query fails, so it is the ping that saved it. A connection used moments ago is not pinged at all.
"""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import backend
from backend.extensions import db


def _pid_of_a_pooled_connection(app) -> int:
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.rollback()
        db.session.remove()  # the connection goes back to the pool
    return pid


def _end_backend(app, pid: int) -> None:
    """End the server side from a connection of its own (not the pool's, which holds only that one)."""
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url.split("?")[0], autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


@pytest.fixture()
def pg_app(postgres_schema_factory):
    """An app on PostgreSQL (ending a connection's server side needs it); no tables are needed."""
    from backend import create_app

    application = create_app({"SQLALCHEMY_DATABASE_URI": postgres_schema_factory("ping").url, "TESTING": True})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_idle_connection_whose_server_side_ended_is_replaced_before_the_request_uses_it(pg_app, monkeypatch):
    monkeypatch.setattr(backend, "PING_AFTER_IDLE_SECONDS", 0.0)  # every checkout counts as idle
    pid = _pid_of_a_pooled_connection(pg_app)
    _end_backend(pg_app, pid)
    with pg_app.app_context():
        new_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.rollback()
    assert new_pid != pid


def test_without_the_ping_the_same_connection_fails(pg_app, monkeypatch):
    # The counter-test: the threshold out of reach, the broken connection reaches the query.
    monkeypatch.setattr(backend, "PING_AFTER_IDLE_SECONDS", 3600.0)
    pid = _pid_of_a_pooled_connection(pg_app)
    _end_backend(pg_app, pid)
    with pg_app.app_context(), pytest.raises(OperationalError):
        db.session.execute(text("SELECT pg_backend_pid()")).scalar()


@pytest.mark.parametrize("threshold, pings", [(3600.0, 0), (0.0, 1)])
def test_a_connection_used_moments_ago_is_not_pinged_and_an_idle_one_is(app, monkeypatch, threshold, pings):
    monkeypatch.setattr(backend, "PING_AFTER_IDLE_SECONDS", threshold)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()  # back to the pool, just used
        dialect, calls = db.engine.dialect, []
        real_ping = dialect.do_ping
        monkeypatch.setattr(dialect, "do_ping", lambda conn: calls.append(conn) or real_ping(conn))
        assert db.session.execute(text("SELECT 2")).scalar() == 2
        db.session.remove()
    assert len(calls) == pings
