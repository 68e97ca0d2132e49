"""The settlement service: its own records and HTTP API, embedded in the app or run as its own process.

Embedded (the default), the blueprint is served by the app and the assistant calls the service
in-process. As its own process:

    flask --app "backend.settlement:create_settlement_app()" run --port 5100
    gunicorn "backend.settlement:create_settlement_app()"

with its own DATABASE_URL; the assistant then sets SETTLEMENT_URL to its base URL.
"""
import hashlib
import hmac

from apiflask import APIBlueprint, HTTPTokenAuth
from flask import current_app

from backend.errors import refuse_nul_characters

bp = APIBlueprint("settlement", __name__, url_prefix="/settlement/v1", tag="Settlement service")
bp.before_request(refuse_nul_characters)
service_auth = HTTPTokenAuth(scheme="Bearer", security_scheme_name="SettlementToken",
                             description="The shared service token (SETTLEMENT_API_TOKEN).")


def api_token(config) -> str:
    """Return the shared service token: SETTLEMENT_API_TOKEN, or one derived from SECRET_KEY."""
    if config.get("SETTLEMENT_API_TOKEN"):
        return config["SETTLEMENT_API_TOKEN"]
    return hmac.new(config["SECRET_KEY"].encode(), b"settlement-api-token", hashlib.sha256).hexdigest()


@service_auth.verify_token
def _verify(token: str):
    expected = api_token(current_app.config)
    return "assistant" if token and hmac.compare_digest(token, expected) else None


def create_settlement_app(config: dict | None = None):
    """Create an app serving only the settlement service (its API, health check and CLI)."""
    from backend import create_app

    return create_app(config, service="settlement")


from backend.settlement import routes  # noqa: E402,F401  (register the routes)
