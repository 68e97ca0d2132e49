"""The assistant's settlement routes: estimate (public) and readiness (for the user or a member)."""
from apiflask import Schema
from apiflask.fields import Boolean, Date, String
from apiflask.validators import Length, OneOf

from backend.api.blueprint import bp
from backend.api.schemas import NOT_FOR_MEMBER, RATE_LIMITED, REFUSED
from backend.auth import auth, current_person
from backend.extensions import limiter, public_rate_limit
from backend.services.filing import readiness
from backend.settlement.schemas import READINESS_SERVICES, EstimateIn, EstimateOut, ReadinessOut


class MyReadinessIn(Schema):
    principal = String(load_default="self", metadata={"description": "\"self\" or \"member:<id>\""})
    institution = String(required=True, validate=Length(min=1, max=32))
    service = String(required=True, validate=OneOf(READINESS_SERVICES))
    disease = String(validate=Length(max=64))
    date = Date(metadata={"description": "The visit date; default today"})
    living_there = Boolean(allow_none=True, metadata={"description": "The person lives in the treatment area"})
    credential_activated = Boolean(allow_none=True, metadata={"description": "The e-voucher is activated"})


@bp.post("/settlement/estimate")
@limiter.limit(public_rate_limit)
@bp.input(EstimateIn, arg_name="body")
@bp.output(EstimateOut)
@bp.doc(summary="Estimate what the fund and the person pay (DOMAIN.md 4.2)",
        description="Treatment area's catalogue, insured area's policy (or a `policy` override), Decimal "
                    "arithmetic rounded half-up to the fen. 400 names the malformed field, e.g. `items[2].amount`. "
                    "The shipped policies and catalogue are SAMPLE data.",
        responses={400: REFUSED, 429: RATE_LIMITED, 503: "The settlement service is unavailable; try again"})
def estimate(body):
    """Estimate one visit's split between the fund and the person."""
    return readiness.estimate(body)


@bp.post("/settlement/readiness")
@bp.auth_required(auth)
@bp.input(MyReadinessIn, arg_name="body")
@bp.output(ReadinessOut)
@bp.doc(summary="Will direct settlement work for this visit?",
        description="Every reason of DOMAIN.md 4.3 that applies (filing, area, category, network, insurance "
                    "status, e-voucher, qualification, maintenance window), each with what to do.",
        responses={400: REFUSED, 403: NOT_FOR_MEMBER, 404: "Unknown institution", 503: "Settlement unavailable"})
def my_readiness(body):
    """Check a planned visit for the user or a member they act for."""
    person = current_person()
    return readiness.readiness_for(person, body["principal"], body["institution"], body["service"],
                                   disease=body.get("disease"), on=body.get("date"),
                                   living_there=body.get("living_there"),
                                   credential_activated=body.get("credential_activated"))
