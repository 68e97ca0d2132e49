"""Production settings: a read replica for search, the TLS proxy, and failing cleanly when a service is down."""
from sqlalchemy import event

from backend import create_app
from backend.extensions import db
from backend.services.data import reference_data


def test_institution_search_reads_from_the_replica_when_one_is_configured(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_BINDS": {"search": database_url},
                      "TESTING": True})
    statements = []
    with app.app_context():
        event.listen(db.engines["search"], "before_cursor_execute",
                     lambda conn, cursor, sql, *args: statements.append(sql))
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
        imported = len(statements)
        response = app.test_client().get("/api/v1/institutions?area=440300&service=inpatient")
        assert response.status_code == 200 and response.get_json()["institutions"]
        assert any("FROM institutions" in sql for sql in statements[imported:])
        db.session.remove()
        from tests.support.db import REFERENCE_TABLES, clear_tables

        clear_tables(db.engine, keep=REFERENCE_TABLES)
        for engine in db.engines.values():
            engine.dispose()


def test_behind_the_proxy_each_client_address_has_its_own_rate_limit(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "PROXY_FIX": 1,
                      "PUBLIC_RATE_LIMIT": "2/minute"})
    client = app.test_client()

    def get(address):
        return client.get("/api/v1/institutions?area=440300", headers={"X-Forwarded-For": address}).status_code

    assert [get("1.1.1.1") for _ in range(3)] == [200, 200, 429]
    assert get("2.2.2.2") == 200  # another person behind the same proxy is not limited
    with app.app_context():
        db.engine.dispose()


def test_an_unreachable_database_answers_503_with_a_retry_hint():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nothing",
                      "TESTING": True})
    with app.app_context():
        from types import SimpleNamespace

        from backend.auth import issue_token

        token = issue_token(SimpleNamespace(app_id="dev", openid="op-retiree"))
    response = app.test_client().post("/api/v1/dialog/messages", json={"text": "你好"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["message"] == "服务暂时不可用，请稍后再试。"


def test_an_unreachable_redis_does_not_stop_the_rate_limited_endpoints(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0", "PUBLIC_RATE_LIMIT": "2/minute"})
    client = app.test_client()
    statuses = [client.get("/api/v1/institutions?area=440300").status_code for _ in range(3)]
    # Limits fall back to the process's memory meanwhile: still enforced, never a 500.
    assert statuses == [200, 200, 429]
    with app.app_context():
        db.engine.dispose()
