"""My filings: status, validity, who filed it and when, hand-off status; cancel and change."""
from __future__ import annotations

from datetime import date

from flask import redirect, request, url_for

from backend import messages
from backend.pages.base import (
    bp, current_person, error_text, form_problem, language, large_text, person_required, render_page,
)
from backend.pages.forms import CancelForm, ChangeForm
from backend.pages.paper_view import papers_view
from backend.pages.steps import SessionSteps, step_problem
from backend.pages.words import word
from backend.rules import filing_decision as rules
from backend.services.filing import activity, filings, profile
from backend.lib.errors import DomainError


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
    return render_filing(person, filing, sent=request.args.get("sent"), deleted=request.args.get("deleted") == "1")


def render_filing(person, filing, *, status: int = 200, problem: str | None = None, problem_material: str | None = None,
                  sent: str | None = None, deleted: bool = False):
    """Render a filing's page, with its papers and, after an upload or a deletion, what happened."""
    summary = filings.summary(filing, viewer=person, lang=language())
    papers = papers_view(person, filing, language())
    return render_page("pages/filing.html", status=status, f=summary,
                       principal=_principals(person)[filing.principal_person_id], reasons=_reasons(summary, language()),
                       papers=papers, problem=problem, problem_material=problem_material, deleted=deleted,
                       sent=(papers or {}).get("names", {}).get(sent) if sent else None)


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
        treatment = (form.treatment.data or "").strip()
        area = profile.find_area(treatment) if treatment else None
        if treatment and area is None:
            problem = messages.text("unknown_area", language())
        elif not request.form.get("confirmed"):
            # A change replaces the filing: the form (where Enter submits) only leads to a screen that says what
            # will change, and the change is made by the tap on its button (issue 17).
            return _confirm_change(summary, form, url_for("pages.filing_change", reference=reference),
                                   {"treatment": treatment, "start_date": _iso(form.start_date.data), "confirmed": "1"},
                                   area, form.start_date.data)
        else:
            try:
                new = filings.change_filing(person, reference, _changes(area, form.start_date.data), channel="h5")
                return redirect(url_for("pages.filing_detail", reference=new.reference))
            except DomainError as exc:
                problem = error_text(exc)
    elif form.is_submitted():
        problem = form_problem(form)
    return render_page("pages/filing_change.html", f=summary, form=form, problem=problem,
                       status=400 if problem else 200)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _changes(area: tuple[str, str] | None, start_date: date | None) -> dict:
    """The fields a change replaces: the city of care and the start date, each only when given."""
    changes = {}
    if area:
        changes["treatment_area"] = area[0]
    if start_date:
        changes["start_date"] = start_date
    return changes


def _confirm_change(summary: dict, form, back: str, carried: dict, area: tuple[str, str] | None,
                    start_date: date | None, problem=None):
    """Show what the change will be, old and new side by side, with one button that makes it."""
    new = {"treatment": area[1] if area else summary["treatment_area"]["name"],
           "start_date": _iso(start_date) or summary["start_date"]}
    return render_page("pages/filing_change.html", f=summary, form=form, problem=problem, confirm=True,
                       new=new, carried=carried, back=back, status=409 if problem else 200)


def _change_steps(person, reference: str, summary: dict):
    """Large text: the new city, then the new start date, one per screen; then the same change."""
    steps = SessionSteps(f"change_{reference}", ("treatment", "start_date"))
    lang = language()
    posted = request.method == "POST"
    requested = (request.form if posted else request.args).get("step")
    if not posted and requested is None:
        steps.clear()
    if requested == "confirm":
        return _change_confirm_step(person, reference, summary, steps)
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
            # After the last question comes the screen that says what will change; only its button changes it.
            following = steps.after(step) or "confirm"
            return redirect(url_for("pages.filing_change", reference=reference, step=following))
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


def _change_confirm_step(person, reference: str, summary: dict, steps: SessionSteps):
    """Large text's last screen: the change the answers make, and the one button that makes it."""
    draft = steps.draft()
    if not all(name in draft for name in steps.order):
        return redirect(url_for("pages.filing_change", reference=reference, step=steps.order[0]))
    area = profile.find_area(draft["treatment"]) if draft["treatment"] else None
    start = date.fromisoformat(draft["start_date"]) if draft["start_date"] else None
    back = url_for("pages.filing_change", reference=reference, step=steps.order[-1])
    form = ChangeForm() if request.method == "POST" else ChangeForm(formdata=None)
    problem = None
    if request.method == "POST":
        problem = step_problem(form, "csrf_token", "")
        if problem is None:
            try:
                new = filings.change_filing(person, reference, _changes(area, start), channel="h5")
                steps.clear()
                return redirect(url_for("pages.filing_detail", reference=new.reference))
            except DomainError as exc:
                problem = error_text(exc)
    return _confirm_change(summary, form, back, {"step": "confirm"}, area, start, problem=problem)
