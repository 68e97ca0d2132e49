"""GET /healthz says the process is alive; GET /readyz whether its dependencies let it serve."""
import socket
import threading
import time

import pytest

from backend import create_app


def test_it_answers_ok_with_the_schema_version(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["schema"]


@pytest.fixture()
def hung_settlement_service():
    """A loopback server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    listener.close()


def test_liveness_answers_at_once_and_readiness_reports_a_hung_settlement_service_within_its_timeout(
        app, hung_settlement_service):
    app.config.update(SETTLEMENT_URL=hung_settlement_service, SETTLEMENT_TIMEOUT=10)
    client = app.test_client()
    started = time.perf_counter()
    live = client.get("/healthz")
    assert live.status_code == 200 and time.perf_counter() - started < 0.2

    started = time.perf_counter()
    ready = client.get("/readyz")
    elapsed = time.perf_counter() - started

    assert ready.status_code == 200 and elapsed < 2.0, elapsed
    assert ready.json["status"] == "degraded" and ready.json["checks"]["database"]["status"] == "ok"
    assert ready.json["checks"]["settlement"]["reason"] == "settlement_unreachable"


def test_it_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True})
    assert app.test_client().get("/healthz").status_code == 200  # alive: restarting would not help
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["reason"] == "database_unreachable"
    assert "数据库" in response.json["message"]


def test_it_answers_503_when_the_schema_was_never_migrated(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["reason"] == "database_not_migrated"


def _unreachable_app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}}})


def test_the_api_the_pages_and_the_console_answer_503_with_a_retry_hint_when_the_database_is_down():
    client = _unreachable_app().test_client()
    api = client.get("/api/v1/institutions?area=440300")  # a rate-limited route: the outage's hint stays 5 s
    assert api.status_code == 503 and api.headers["Retry-After"] == "5" and api.json["error"] == "service_unavailable"
    for path in ("/m/filings", "/console/"):
        with client.session_transaction() as session:
            session["m_identity"] = {"a": "dev", "o": "someone", "t": 2**40}
            session["console_staff"] = {"id": 1, "key": "k", "login": 2**40, "seen": 2**40}
        page = client.get(path)
        assert page.status_code == 503, (path, page.status_code)
        assert page.headers["Retry-After"] and "稍后" in page.get_data(as_text=True)


def test_a_connection_cut_mid_statement_answers_503_whatever_the_driver_calls_it(app):
    from sqlalchemy.exc import DatabaseError

    @app.get("/cut")
    def cut():
        raise DatabaseError("SELECT 1", {}, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=True)

    response = app.test_client().get("/cut")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


# Cutting one session from the server side needs PostgreSQL (pg_terminate_backend).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_request_answered_just_before_its_connection_is_cut_still_gets_its_answer(app):
    from sqlalchemy import text

    from backend.extensions import db

    @app.get("/cut-after")
    def cut_after():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # the request's open transaction
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        return {"ok": True}

    response = app.test_client().get("/cut-after")
    # The teardown's rollback meets the cut connection: the answer stands, the connection is discarded.
    assert response.status_code == 200 and response.json == {"ok": True}
    assert app.test_client().get("/readyz").status_code == 200
