"""GET /healthz tells a load balancer whether this instance can serve."""
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
