"""Schemathesis over the whole OpenAPI document: no 5xx, documented status codes, bodies and content types."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from backend import create_app
from backend.cli.settlement_commands import SAMPLE_CATALOGUE_YAML
from backend.services import reference_data
from backend.settlement import api_token, service
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401
from tests.support.personas import token_for

PERSONAS = ("op-retiree", "op-son", "op-neighbour", "op-revoked", "op-worker")
MAX_EXAMPLES = 15

schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}))


@pytest.fixture()
def fuzz_app(app, people, wechat):
    """The app with sample institutions and catalogue (so real paths exist) and a high public rate limit."""
    app.config["PUBLIC_RATE_LIMIT"] = "100000/minute"
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        service.import_catalogue(SAMPLE_CATALOGUE_YAML)
    return app


@pytest.fixture()
def tokens(app, people):
    """Bearer tokens of the personas, and the settlement service's own token."""
    with app.app_context():
        found = {openid: token_for(openid) for openid in PERSONAS}
    return found | {"settlement": api_token(app.config)}


@schema.parametrize()
@schema.given(persona=st.sampled_from(PERSONAS))
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_it_answers_every_operation_as_documented(case, persona, fuzz_app, tokens):
    who = "settlement" if case.path.startswith("/settlement/") else persona
    case.call_and_validate(app=fuzz_app, headers={"Authorization": f"Bearer {tokens[who]}"})
