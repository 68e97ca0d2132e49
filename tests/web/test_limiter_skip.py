"""The limiter is skipped only for endpoints that have no limit at all (a dialog turn), never for a limited one."""
import pytest

from backend.extensions import _endpoint_has_no_limits


@pytest.mark.parametrize("path, skipped", [
    ("/api/v1/dialog/messages", True),
    ("/api/v1/auth/wx-login", False),        # its own limit (login_rate_limit)
    ("/api/v1/settlement/estimate", False),  # the public limit
])
def test_only_an_endpoint_without_any_limit_skips_the_limiter(app, path, skipped):
    with app.test_request_context(path, method="POST"):
        assert _endpoint_has_no_limits() is skipped


def test_a_limited_endpoint_is_still_limited_after_an_unlimited_one_was_skipped(client, app):
    app.config["PUBLIC_RATE_LIMIT"] = "2/minute"
    assert client.post("/api/v1/dialog/messages", json={"text": "你好"}).status_code == 401  # skipped, no token
    codes = [client.post("/api/v1/settlement/estimate", json={}).status_code for _ in range(4)]
    assert codes[-2:] == [429, 429], codes


def test_the_limiters_check_is_wrapped_once_in_each_app(app):
    from backend.extensions import limiter

    hooks = app.before_request_funcs[None]
    assert not any(getattr(f, "__self__", None) is limiter for f in hooks)
    assert sum(f.__name__ == "check" and f.__module__ == "backend.extensions" for f in hooks) == 1
