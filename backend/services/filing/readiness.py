"""Will the window settle directly? The assistant's side of the readiness check and the estimate.

The assistant knows the person (insurance status, qualifications) and asks the settlement
service, which knows what was handed off to it, through the client port.
"""
from __future__ import annotations

from datetime import date

from backend.adapters.settlement import SettlementUnavailable, client
from backend.lib import clock
from backend.models import Person
from backend.services.filing import audit, filings
from backend.lib.errors import SettlementDown
from backend.services.unit_of_work import unit_of_work


def _qualified(principal: Person, on: date) -> list[str]:
    return [q.disease_code for q in principal.qualifications
            if q.certified_on <= on and (q.valid_until is None or on <= q.valid_until)]


def readiness_for(actor: Person, principal_key: str, institution: str, service: str, *, disease: str | None = None,
                  on: date | None = None, living_there: bool | None = None,
                  credential_activated: bool | None = None, channel: str = "api") -> dict:
    """Ask the settlement service whether a visit would settle directly, for the actor or a member.

    A check for a member is audited in a unit of work (it joins the caller's when there is one).
    """
    principal, _link = filings.resolve_principal(actor, principal_key)
    on = on or clock.today()
    request = {
        "person_id_hash": principal.id_number_hash, "institution": institution, "service": service,
        "disease": disease, "date": on, "insurance_status": principal.insurance_status,
        "contribution_status": principal.contribution_status, "qualifications": _qualified(principal, on),
        "credential_activated": credential_activated, "living_there": living_there,
        "lang": "en" if (actor.language or "").startswith("en") else "zh_CN",
    }
    answer = call(lambda c: c.readiness(request))
    if principal.id != actor.id:
        # What an agent looked at on a member's behalf shows in the member's activity.
        with unit_of_work():
            audit.record("settlement.readiness_checked", actor_kind="person", actor_id=actor.id,
                         principal_id=principal.id, subject_type="institution", subject_id=institution,
                         channel=channel, service=service)
    return answer


def estimate_for(actor: Person, principal_key: str, treatment_area: str, visit_type: str, *, total: str,
                 self_paid: str = "0", level: str = "3", on: date | None = None) -> dict:
    """Estimate a visit from two figures a person knows: the total, and the self-paid part if any.

    The rest is taken as category A (in scope) — a rough estimate, said so to the person. The
    insured area, scheme, working/retired and filing category come from the person acted for.
    """
    from backend.rules.settlement import InvalidAmount, money
    from backend.services.filing import institutions
    from backend.settlement.service import InvalidEstimate

    principal, _link = filings.resolve_principal(actor, principal_key)
    try:
        whole, outside = money(total, "total", allow_zero=False), money(self_paid or "0", "self_paid")
    except InvalidAmount as exc:
        raise InvalidEstimate("invalid_amount", field=exc.field, reason=exc.reason) from None
    if outside > whole:
        raise InvalidEstimate("invalid_amount", field="self_paid", reason="more_than_total")
    relevant = institutions.relevant_filing(principal, treatment_area, on or clock.today())
    items = [{"code": "in-catalogue", "name": "目录内费用", "amount": str(whole - outside), "category": "A"}]
    if outside:
        items.append({"code": "self-paid", "name": "自费部分", "amount": str(outside), "category": "C"})
    answer = estimate({
        "insured_area": principal.insured_area_code, "treatment_area": treatment_area, "scheme": principal.scheme,
        "person_status": principal.employment_status, "visit_type": visit_type, "institution_level": level,
        # Without a filing for that area there is no direct settlement; temporary is the cautious guess.
        "category": relevant.category if relevant else "other_temporary", "items": items})
    return {**answer, "has_filing": relevant is not None and relevant.treatment_area_code == treatment_area}


def estimate(request: dict) -> dict:
    """Ask the settlement service for an estimate (public: no personal data is involved)."""
    return call(lambda c: c.estimate(request))


def call(ask):
    """Run a client call, turning "unavailable" into the person's 503 message."""
    try:
        return ask(client())
    except SettlementUnavailable:
        raise SettlementDown() from None
