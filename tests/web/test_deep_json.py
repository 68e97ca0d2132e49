"""A deeply nested JSON body is bad input on every route: 400 invalid_input, one log line, no traceback."""
import logging

import pytest

DEEP = "[" * 1000 + "]" * 1000
ROUTES = ["/api/v1/auth/wx-login", "/settlement/v1/registrations", "/console/login", "/api/v1/dialog/messages",
          "/api/v1/settlement/estimate", "/settlement/v1/estimate", "/m/chat"]


@pytest.mark.parametrize("path", ROUTES)
def test_it_refuses_deeply_nested_json_before_authentication_with_one_log_line(client, caplog, path):
    caplog.set_level(logging.INFO)
    response = client.post(path, data=DEEP, content_type="application/json")

    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_input"
    assert "保存" not in body["message"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert len([r for r in caplog.records if "nested deeper" in r.getMessage()]) == 1

