"""Errors answer JSON in Chinese first (English alongside), never an HTML 500 page."""
import logging


def test_an_unknown_path_answers_json_404_in_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"] == "not_found"
    assert response.json["message"] == "没有找到您要的内容。"
    assert response.json["message_en"]


def test_a_wrong_method_answers_json_405(client):
    response = client.post("/healthz")
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"


def test_an_unexpected_exception_answers_json_500_and_is_logged(app, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom for 11010519491231002X")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json["error"] == "internal_error"
    assert "已保存" in response.json["message"]
    assert "kaboom" not in response.get_data(as_text=True)


def test_an_oversized_body_answers_413(client):
    response = client.post("/healthz", data=b"x" * (2 * 1024 * 1024))
    assert response.status_code in (405, 413)
