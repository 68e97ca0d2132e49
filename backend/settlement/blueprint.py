"""The /settlement/v1 blueprint, its token check and the shared service token."""
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
