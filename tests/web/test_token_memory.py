"""A token whose signature was checked is not checked again on each call, but it still expires, and the
identity behind it is read every time (an identity removed since is refused)."""
from sqlalchemy import delete

from backend import auth
from backend.extensions import db
from backend.models import WeChatIdentity


def _get(client, token):
    return client.get("/api/v1/filings", headers={"Authorization": f"Bearer {token}"})


def _used_once(app, client) -> str:
    """A token of a bound person, used once (so this process remembers it as verified)."""
    from tests.support.personas import token_for

    with app.app_context():
        token = token_for("op-worker")
    assert _get(client, token).status_code == 200
    return token


def test_a_verified_token_still_expires(app, client, people):
    token = _used_once(app, client)
    assert any(key[1] == token for key in auth._verified)  # remembered as verified
    app.config["SESSION_TOKEN_SECONDS"] = -1
    response = _get(client, token)
    assert response.status_code == 401 and response.get_json()["error"] == "token_expired"


def test_a_token_verified_under_another_secret_is_checked_again(app, client, people):
    token = _used_once(app, client)
    app.config["SECRET_KEY"] = "another-secret-" + "x" * 40
    response = _get(client, token)
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"


def test_a_remembered_token_of_a_removed_identity_is_refused(app, client, people):
    token = _used_once(app, client)
    with app.app_context():
        db.session.execute(delete(WeChatIdentity).where(WeChatIdentity.openid == "op-worker"))
        db.session.commit()
    assert _get(client, token).status_code == 401
