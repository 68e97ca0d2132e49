"""Filings of the signed-in person and of the members they act for."""
from backend.api.blueprint import bp
from backend.api.schemas import REFUSED, UNBOUND, CancelIn, ChangeIn, FilingOut, FilingsOut
from backend.auth import auth
from backend.auth import current_person as _person
from backend.services.filing import activity, filings


@bp.get("/filings")
@bp.auth_required(auth)
@bp.output(FilingsOut)
@bp.doc(summary="List my filings and those of members I act for", responses={403: UNBOUND})
def list_filings():
    """List the filings the person may see, newest first."""
    person = _person()
    return {"filings": [filings.summary(f, viewer=person) for f in filings.visible_filings(person)]}


@bp.get("/filings/<reference>")
@bp.auth_required(auth)
@bp.output(FilingOut)
@bp.doc(summary="Show one filing", responses={403: UNBOUND, 404: "No such filing, or not yours to see."})
def get_filing(reference: str):
    """Show one filing with its checks and hand-off status."""
    person = _person()
    filing = filings.get_filing(person, reference)
    activity.record_view(person, filing, channel="miniprogram")  # shows in the member's "谁看过"
    return filings.summary(filing, viewer=person)


@bp.post("/filings/<reference>/cancel")
@bp.auth_required(auth)
@bp.input(CancelIn, arg_name="body")
@bp.output(FilingOut)
@bp.doc(summary="Cancel a filing",
        responses={403: UNBOUND, 404: "Not found", 409: "Locked by the area's rules, or not active"})
def cancel_filing(reference: str, body):
    """Cancel a filing (after the insured area's lock period)."""
    person = _person()
    return filings.summary(filings.cancel_filing(person, reference, channel="miniprogram", reason=body["reason"]),
                           viewer=person)


@bp.post("/filings/<reference>/change")
@bp.auth_required(auth)
@bp.input(ChangeIn, arg_name="body")
@bp.output(FilingOut)
@bp.doc(summary="Change a filing (creates a new filing that replaces it)",
        responses={400: REFUSED, 403: UNBOUND, 404: "Not found, or an unknown area",
                   409: "Locked by the area's rules, or not active"})
def change_filing(reference: str, body):
    """Replace a filing by one with the changed fields; decided by the same rules."""
    person = _person()
    new = filings.change_filing(person, reference, body, channel="miniprogram")
    return filings.summary(new, viewer=person)

