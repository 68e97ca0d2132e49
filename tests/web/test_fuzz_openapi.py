"""Schemathesis over the whole OpenAPI document, on both databases.

Every operation, signed in as one of the personas (or with the settlement service's own token):
no 5xx, only documented status codes, bodies and content types as documented, invalid input
refused. FUZZ_EXAMPLES=200 (and FUZZ_SEED=<n>, default fixed) explores more; see README "Fuzzing".
"""
import csv
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from backend import create_app
from backend.auth import ensure_identity
from backend.cli.settlement_commands import SAMPLE_CATALOGUE_YAML
from backend.extensions import db
from backend.services import reference_data
from backend.settlement import api_token, service
from tests.support.console import pending_filing
from tests.support.fake_wechat import fake_wechat, wechat  # noqa: F401
from tests.support.personas import token_for

PERSONAS = ("op-retiree", "op-son", "op-neighbour", "op-revoked", "op-worker", "op-unbound")
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SEED = os.environ.get("FUZZ_SEED", "20261122")

# A schema-valid request may still be refused with 400 by a rule JSON Schema cannot state (an ID
# number's GB 11643 check digit, a wx.login code WeChat does not know, an amount that is not a
# decimal); status_code_conformance still requires that 400 to be documented.
CONFIG = schemathesis.Config.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}},
    **({} if SEED == "random" else {"seed": int(SEED)}),
})

# The document is the same for every database; each test sends its requests to its own app (app=...).
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}), config=CONFIG)


@pytest.fixture()
def fuzz_app(app, people, wechat):
    """The app with sample institutions, catalogue and filings, so that real paths exist; limits raised."""
    app.config.update(PUBLIC_RATE_LIMIT="100000/minute", WECHAT_LOGIN_RATE_LIMIT="100000/minute",
                      WECHAT_BIND_RATE_LIMIT="100000/minute")
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        service.import_catalogue(SAMPLE_CATALOGUE_YAML)
        ensure_identity("op-unbound")
        db.session.commit()
    return app


@pytest.fixture()
def known(fuzz_app, people):
    """Path parameters and principals that name real rows, mixed into the generated ones."""
    from backend.models import FamilyLink

    with fuzz_app.app_context():
        references = [pending_filing(people.worker), pending_filing(people.retiree, treatment="110000",
                                                                     category="retiree_resettled", by=people.son)]
        links = db.session.scalars(db.select(FamilyLink.id)).all()
    with reference_data.SAMPLE_INSTITUTIONS_CSV.open(encoding="utf-8") as rows:
        codes = [row["code"] for row in csv.DictReader(rows)]
    return {"reference": references, "code": codes, "link_id": links,
            "principal": ["self", f"member:{people.retiree}", f"member:{people.son}"]}


@pytest.fixture()
def tokens(fuzz_app):
    """Bearer tokens of the personas, and the settlement service's own token."""
    with fuzz_app.app_context():
        found = {openid: token_for(openid) for openid in PERSONAS}
    return found | {"settlement": api_token(fuzz_app.config)}


def name_real_rows(case, data, known) -> None:
    """Replace some generated ids by real ones (valid requests only: an invalid one must stay invalid)."""
    for name in case.path_parameters or {}:
        if name in known and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(known[name]), label=name)
    for place in (case.query, case.body):
        if isinstance(place, dict) and "principal" in place and data.draw(st.booleans(), label="real principal"):
            place["principal"] = data.draw(st.sampled_from(known["principal"]), label="principal")


@schema.parametrize()
@schema.given(persona=st.sampled_from(PERSONAS), data=st.data())
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_it_answers_every_operation_as_documented(case, persona, data, fuzz_app, known, tokens):
    if case.meta is None or case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE:
        name_real_rows(case, data, known)
    who = "settlement" if case.path.startswith("/settlement/") else persona
    case.call_and_validate(app=fuzz_app, headers={"Authorization": f"Bearer {tokens[who]}"})
