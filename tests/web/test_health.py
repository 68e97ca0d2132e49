"""GET /healthz tells a load balancer whether this instance can serve."""
import pytest

from backend import create_app


def test_it_answers_ok_with_the_schema_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["schema"]


def test_it_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["reason"] == "database_unreachable"
    assert "数据库" in response.json["message"]


def test_it_answers_503_when_the_schema_was_never_migrated(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True})
    response = app.test_client().get("/healthz")
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
    assert app.test_client().get("/healthz").status_code == 200
