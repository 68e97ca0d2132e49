"""Family members (invite, accept, end) and "谁看过/办过我的业务"."""
from __future__ import annotations

from flask import redirect, request, url_for
from wtforms import SelectChoice

from backend.pages.base import (
    bp, current_person, error_text, form_problem, large_text, person_required, render_page,
)
from backend.lib import idnumber
from backend.pages.forms import AcceptForm, InviteForm, RevokeForm
from backend.pages.steps import SessionSteps, csrf_problem, step_problem
from backend.pages.words import word
from backend.services.filing import activity, family
from backend.lib.errors import DomainError

# Large text offers at most four choices per question (MIIT elder guideline).
LARGE_MEMBER_RELATIONS = ("mother", "father", "spouse", "other")
LARGE_AGENT_RELATIONS = ("son", "daughter", "spouse", "other")
# Large text asks the invitation one question per screen; the ID number waits encrypted in the session.
INVITE_STEPS = SessionSteps("invite", ("name", "id_number", "relation", "agent_relation"), secret=("id_number",))


def _relation_choices(form: InviteForm) -> None:
    from backend.pages.base import language
    from backend.pages.words import relation

    member = LARGE_MEMBER_RELATIONS if large_text() else family.MEMBER_RELATIONS
    agent = LARGE_AGENT_RELATIONS if large_text() else family.AGENT_RELATIONS
    form.relation.choices = [SelectChoice(r, relation(r, language())) for r in member]
    form.agent_relation.choices = [SelectChoice(r, relation(r, language())) for r in agent]


def _family_page(form: InviteForm, problem: str | None = None, status: int = 200, invitation=None):
    person = current_person()
    members = [family.link_view(k, person) for k in family.members_of(person)]
    agents = [family.link_view(k, person) for k in family.agents_of(person)]
    return render_page("pages/family.html", status=status, form=form, members=members, agents=agents,
                       problem=problem, invitation=invitation, max_members=family.MAX_MEMBERS,
                       revoke_form=RevokeForm(formdata=None), accept_form=AcceptForm(formdata=None),
                       gone=request.args.get("ended"))


@bp.get("/family", endpoint="family")
@person_required
def family_home():
    """List the relatives I act for, those who act for me, and the invitation form."""
    form = InviteForm(formdata=None)
    _relation_choices(form)
    return _family_page(form)


@bp.route("/family/invite", methods=["GET", "POST"])
@person_required
def family_invite():
    """Invite a relative; show the one-time code and link once (large text: one question per screen)."""
    if request.method == "GET":
        return _invite_steps() if large_text() else redirect(url_for("pages.family"))
    if "step" in request.form:
        return _invite_steps()
    form = InviteForm()
    _relation_choices(form)
    if not form.validate_on_submit():
        # The ID number is never sent back into the page, even the one just typed.
        form.id_number.data = ""
        return _family_page(form, form_problem(form), 400)
    try:
        made = family.invite_member(current_person(), name=form.name.data.strip(), id_number=form.id_number.data,
                                    relation=form.relation.data, agent_relation=form.agent_relation.data,
                                    channel="h5")
    except DomainError as exc:
        form.id_number.data = ""
        return _family_page(form, error_text(exc), exc.status)
    return _invitation_made(made)


def _invitation_made(made):
    invitation = {"code": made.code, "expires_at": made.expires_at, "name": made.link.member.name_masked,
                  "url": url_for("pages.family_accept", code=made.code, _external=True)}
    fresh = InviteForm(formdata=None)
    _relation_choices(fresh)
    return _family_page(fresh, invitation=invitation, status=201)


def _invite_answer(form: InviteForm, step: str, draft: dict) -> tuple[str | None, str | None]:
    """Check one screen's answer; returns (problem, answer)."""
    from backend import messages
    from backend.pages.base import language

    lang = language()
    if step == "name":
        problem = step_problem(form, step, word("need_name", lang))
        name = (form.name.data or "").strip()
        return (problem or (None if name else word("need_name", lang))), name
    if step == "id_number":
        problem, typed = csrf_problem(form), (form.id_number.data or "").strip()
        if problem:
            return problem, None
        if not typed and draft.get("id_number"):
            return None, draft["id_number"]  # entered before, kept
        try:
            return None, idnumber.validate(typed)
        except idnumber.InvalidIdNumber:
            return messages.text("family_invalid_id_number", lang), None
    problem = step_problem(form, step, word("choose_one", lang))
    return problem, getattr(form, step).data


def _invite_steps():
    """Large text: name, ID number, relation, my relation, one per screen; then the same invitation."""
    from backend.pages.base import language

    steps = INVITE_STEPS
    posted = request.method == "POST"
    requested = (request.form if posted else request.args).get("step")
    if not posted and requested is None:
        steps.clear()
    step, draft = steps.current(requested), steps.draft()
    form = InviteForm() if posted else InviteForm(formdata=None)
    _relation_choices(form)
    problem, status = None, 200
    if posted:
        problem, answer = _invite_answer(form, step, draft)
        status = 400
        if problem is None:
            steps.keep(step, answer)
            draft[step] = answer
            following = steps.after(step)
            if following:
                return redirect(url_for("pages.family_invite", step=following))
            try:
                made = family.invite_member(current_person(), name=draft.get("name", ""),
                                            id_number=draft.get("id_number", ""), relation=draft.get("relation", ""),
                                            agent_relation=draft.get("agent_relation", ""), channel="h5")
            except DomainError as exc:
                problem, status = error_text(exc), exc.status
                step = {"family_invalid_id_number": "id_number",
                        "family_invalid_relation": exc.params.get("field", "relation")}.get(exc.code, "name")
            else:
                steps.clear()
                return _invitation_made(made)
    lang = language()
    if step == "name" and not (posted and form.name.data):
        form.name.data = draft.get("name", "")
    form.id_number.data = ""  # never echoed; a kept one shows masked
    choices = form.relation.choices if step == "relation" else form.agent_relation.choices
    names = {c.value: c.label for c in form.relation.choices}
    so_far = []
    if "name" in draft and step != "name":
        so_far.append((word("member_name", lang), draft["name"]))
    if draft.get("id_number") and step not in ("name", "id_number"):
        so_far.append((word("member_id_number", lang), idnumber.mask(draft["id_number"])))
    if draft.get("relation") and step == "agent_relation":
        so_far.append((word("member_is_my", lang), names.get(draft["relation"], draft["relation"])))
    before = steps.before(step)
    return render_page("pages/family_invite.html", status=status, form=form, problem=problem, step=step,
                       number=steps.number(step), total=len(steps.order), so_far=so_far,
                       relations=[(c.value, c.label) for c in choices], selected=draft.get(step),
                       id_kept=idnumber.mask(draft["id_number"]) if step == "id_number" and draft.get("id_number")
                       else None,
                       back=url_for("pages.family_invite", step=before) if before else url_for("pages.family"))


@bp.route("/family/accept", methods=["GET", "POST"])
@person_required
def family_accept():
    """As the invited member: see who asks, and consent with the code."""
    person = current_person()
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            family.accept_invitation(person, form.code.data, channel="h5")
            return redirect(url_for("pages.family"))
        except DomainError as exc:
            return render_page("pages/family_accept.html", status=exc.status, form=form, link=None,
                               problem=error_text(exc))
    code = request.args.get("code", "") if not form.is_submitted() else form.code.data
    link, problem = None, form_problem(form) if form.is_submitted() else None
    status = 400 if problem else 200
    if code and not form.is_submitted():
        form.code.data = code
        try:
            link = family.link_view(family.invitation_for(person, code), person)
        except DomainError as exc:
            problem, status = error_text(exc), exc.status
    return render_page("pages/family_accept.html", status=status, form=form, link=link, problem=problem)


@bp.post("/family/links/<int:link_id>/revoke")
@person_required
def family_revoke(link_id: int):
    """End a link at once (the member withdraws consent, or the agent stops)."""
    if not RevokeForm().validate_on_submit():
        return redirect(url_for("pages.family"))
    family.revoke(current_person(), link_id, channel="h5")
    return redirect(url_for("pages.family", ended=1))


@bp.get("/activity", endpoint="activity")
@person_required
def activity_page():
    """Show who viewed or acted on my business (谁看过/办过我的业务)."""
    return render_page("pages/activity.html", rows=activity.activity_for(current_person()))
