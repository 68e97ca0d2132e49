"""My filings: status, validity, who filed it and when, hand-off status; cancel and change."""
from __future__ import annotations

from datetime import date

from flask import redirect, request, url_for

from backend import messages
from backend.pages import (
    bp, current_person, error_text, form_problem, language, large_text, person_required, render_page,
)
from backend.pages.forms import CancelForm, ChangeForm
from backend.pages.steps import SessionSteps, step_problem
from backend.pages.words import word
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
    # Once a reviewer has decided, their words replace the automatic checks that sent the case to them.
    if summary["decision_text"]:
        return []
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
    summary = filings.summary(filing, viewer=person, lang=language())
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
    in_steps = "step" in request.form if request.method == "POST" else large_text()
    if in_steps:
        return _change_steps(person, reference, summary)
    form, problem = ChangeForm(), None
    if form.validate_on_submit():
        changes = {}
        area = profile.find_area(form.treatment.data) if form.treatment.data else None
        if form.treatment.data and area is None:
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


def _change_steps(person, reference: str, summary: dict):
    """Large text: the new city, then the new start date, one per screen; then the same change."""
    steps = SessionSteps(f"change_{reference}", ("treatment", "start_date"))
    lang = language()
    posted = request.method == "POST"
    requested = (request.form if posted else request.args).get("step")
    if not posted and requested is None:
        steps.clear()
    step, draft = steps.current(requested), steps.draft()
    form = ChangeForm() if posted else ChangeForm(formdata=None)
    problem = None
    if posted:
        problem = step_problem(form, step, word("need_date", lang) if step == "start_date" else
                               messages.text("unknown_area", lang))
        answer = None
        if problem is None and step == "treatment":
            answer = (form.treatment.data or "").strip()
            if answer and profile.find_area(answer) is None:
                problem = messages.text("unknown_area", lang)
        elif problem is None:
            answer = form.start_date.data.isoformat() if form.start_date.data else ""
        if problem is None:
            steps.keep(step, answer)
            draft[step] = answer
            following = steps.after(step)
            if following:
                return redirect(url_for("pages.filing_change", reference=reference, step=following))
            changes = {}
            area = profile.find_area(draft["treatment"]) if draft.get("treatment") else None
            if area:
                changes["treatment_area"] = area[0]
            if draft.get("start_date"):
                changes["start_date"] = date.fromisoformat(draft["start_date"])
            try:
                new = filings.change_filing(person, reference, changes, channel="h5")
                steps.clear()
                return redirect(url_for("pages.filing_detail", reference=new.reference))
            except DomainError as exc:
                problem = error_text(exc)
                step = "treatment" if exc.code == "unknown_area" else step
    if not (posted and problem and step == requested):
        form.treatment.data = draft.get("treatment", "")
        form.start_date.data = date.fromisoformat(draft["start_date"]) if draft.get("start_date") else None
    so_far = [(word("treatment_area", lang), draft.get("treatment") or summary["treatment_area"]["name"])] \
        if step == "start_date" else []
    before = steps.before(step)
    return render_page("pages/filing_change.html", status=400 if problem else 200, f=summary, form=form,
                       problem=problem, step=step, number=steps.number(step), total=len(steps.order), so_far=so_far,
                       back=url_for("pages.filing_change", reference=reference, step=before) if before
                       else url_for("pages.filing_detail", reference=reference))
