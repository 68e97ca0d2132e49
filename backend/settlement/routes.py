"""The settlement service's own HTTP API (/settlement/v1): thin routes over backend/settlement/service.py."""
from flask import jsonify

from backend.settlement import service
from backend.settlement.blueprint import bp, service_auth
from backend.settlement.schemas import (EstimateIn, EstimateOut, ReadinessIn, ReadinessOut, RegistrationIn,
                                        RegistrationOut)

# A first delivery answers 201 with the body a repeat gets with 200.
FIRST_DELIVERY = {"description": "A first delivery: recorded",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegistrationOut"}}}}


@bp.post("/registrations")
@bp.auth_required(service_auth)
@bp.input(RegistrationIn, arg_name="message")
@bp.output(RegistrationOut, status_code=200, description="A repeat (or an older version): `duplicate: true`")
@bp.doc(summary="Register a filing (the hand-off)",
        description="Idempotent by reference + version: a repeat answers the stored outcome with "
                    "`duplicate: true` and changes nothing. Versions of one filing must arrive in order.",
        responses={201: FIRST_DELIVERY, 409: "The idempotency key was already used by another filing version"})
def register(message):
    """Record a filing's registration, change or cancellation exactly once."""
    answer = service.register(message)
    return answer, 200 if answer["duplicate"] else 201


@bp.get("/registrations/<reference>")
@bp.auth_required(service_auth)
@bp.output(RegistrationOut)
@bp.doc(summary="The settlement side's state of a filing", responses={404: "Never handed off"})
def get_registration(reference):
    """Return the latest version received for a filing."""
    return service.registration(reference)


@bp.post("/readiness")
@bp.auth_required(service_auth)
@bp.input(ReadinessIn, arg_name="request_body")
@bp.output(ReadinessOut)
@bp.doc(summary="Will direct settlement work? (CoverageEligibilityRequest)",
        description="Every failing reason of DOMAIN.md 4.3 that applies, each with what to do.",
        responses={404: "Unknown institution"})
def readiness(request_body):
    """Predict direct settlement for a person, institution, service and date."""
    return service.readiness(request_body)


@bp.post("/estimate")
@bp.auth_required(service_auth)
@bp.input(EstimateIn, arg_name="request_body")
@bp.output(EstimateOut)
@bp.doc(summary="Estimate a visit's split (Claim / ClaimResponse)",
        description="Decimal strings, half-up to the fen. 400 names the field of a malformed amount.")
def estimate(request_body):
    """Estimate what the fund and the person pay."""
    # Already shaped as EstimateOut (documented above); skipping a second serialisation pass.
    return jsonify(service.estimate(request_body))
