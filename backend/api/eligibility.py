"""POST /api/v1/eligibility/chronic: can my outpatient chronic-disease care settle directly there?"""
from backend.api.blueprint import bp
from backend.api.schemas import NOT_FOR_MEMBER, ChronicIn, ChronicOut
from backend.auth import auth, current_person
from backend.services.filing import eligibility


@bp.post("/eligibility/chronic")
@bp.auth_required(auth)
@bp.input(ChronicIn, arg_name="body")
@bp.output(ChronicOut)
@bp.doc(summary="Chronic-disease direct settlement: the four conditions",
        description="Qualification, a valid filing covering the area, the insured area opening the disease, and "
                    "the institution (when named) networked for it; failing conditions first, each with what to do.",
        responses={403: NOT_FOR_MEMBER, 404: "Unknown disease, area or institution"})
def chronic(body):
    """Evaluate chronic-disease eligibility for the user or a member they act for."""
    person = current_person()
    return eligibility.chronic_eligibility(person, body["principal"], body["disease"], area=body.get("area"),
                                           institution_code=body.get("institution"), on=body.get("date"))
