"""My filings: status, validity, who filed it and when, hand-off status; cancel and change."""
from __future__ import annotations

from flask import redirect, url_for

from backend.pages import bp, current_person, error_text, form_problem, language, person_required, render_page
from backend.pages.forms import CancelForm, ChangeForm
from backend.rules import filing_decision as rules
from backend.services import activity, filings, profile
from backend.services.errors import DomainError


def _principals(person) -> dict[int, dict]:
    """Who each visible filing is for: the person, or a consenting member (relation and masked name)."""
    names = {person.id: {"self": True, "relation": None, "name": person.name_masked}}
    for link in filings.consented_links(person):
        names[link.member_person_id] = {"self": False, "relation": link.relation, "name": link.member.name_masked}
    return names


def _reasons(summary: dict, lang: str) -> list[str]:
    return [rules.explain(rules.Check(c["code"], False, c["effect"], c.get("params") or {}), lang)
            for c in summary["checks"] if not c["passed"]]


@bp.get("/filings", endpoint="filings")
@person_required
def filings_list():
    """List my filings and those of members I act for, newest first."""
    person = current_person()
    rows = [filings.summary(f, viewer=person) | {"principal_id": f.principal_person_id}
            for f in filings.visible_filings(person)]
    return render_page("pages/filings.html", rows=rows, principals=_principals(person))


@bp.get("/filings/<reference>")
@person_required
def filing_detail(reference: str):
    """Show one filing with its checks, who filed it and the hand-off; a relative's view is recorded."""
    person = current_person()
    filing = filings.get_filing(person, reference)
    activity.record_view(person, filing, channel="h5")
    summary = filings.summary(filing, viewer=person)
    return render_page("pages/filing.html", f=summary, principal=_principals(person)[filing.principal_person_id],
                       reasons=_reasons(summary, language()))


@bp.route("/filings/<reference>/cancel", methods=["GET", "POST"])
@person_required
def filing_cancel(reference: str):
    """Confirm, then cancel a filing (after the insured area's lock period)."""
    person = current_person()
    summary = filings.summary(filings.get_filing(person, reference), viewer=person)
    form, problem = CancelForm(), None
    if form.validate_on_submit():
        try:
            filings.cancel_filing(person, reference, channel="h5", reason=form.reason.data or "")
            return redirect(url_for("pages.filing_detail", reference=reference))
        except DomainError as exc:
            problem = error_text(exc)
    elif form.is_submitted():
        problem = form_problem(form)
    return render_page("pages/filing_cancel.html", f=summary, form=form, problem=problem,
                       status=409 if problem else 200)


@bp.route("/filings/<reference>/change", methods=["GET", "POST"])
@person_required
def filing_change(reference: str):
    """Change the city or start date: a new filing replaces this one, decided by the same rules."""
    person = current_person()
    summary = filings.summary(filings.get_filing(person, reference), viewer=person)
    form, problem = ChangeForm(), None
    if form.validate_on_submit():
        changes = {}
        area = profile.find_area(form.treatment.data) if form.treatment.data else None
        if form.treatment.data and area is None:
            from backend import messages

            problem = messages.text("unknown_area", language())
        else:
            if area:
                changes["treatment_area"] = area[0]
            if form.start_date.data:
                changes["start_date"] = form.start_date.data
            try:
                new = filings.change_filing(person, reference, changes, channel="h5")
                return redirect(url_for("pages.filing_detail", reference=new.reference))
            except DomainError as exc:
                problem = error_text(exc)
    elif form.is_submitted():
        problem = form_problem(form)
    return render_page("pages/filing_change.html", f=summary, form=form, problem=problem,
                       status=400 if problem else 200)
