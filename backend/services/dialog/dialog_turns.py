"""One persisted dialog turn: load the session, advance the engine, execute effects, save, render.

The session row carries an optimistic-lock version: a turn applies only to the
state it read, so a double tap or a concurrent request can never apply twice.
Effects (a filing, a text-size switch) run in the turn's unit of work: they commit with the state or not at all.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError


from backend.extensions import db
from backend.lib import clock
from backend.models import DialogSession, Disease, Filing, Institution, Person, WeChatIdentity
from backend.rules import filing_decision as rules
from backend.services.dialog import reference_cache
from backend.services.dialog import dialog_manage, dialog_people, institution_names, message_keys
from backend.services.filing import documents, eligibility, filings, institution_search, institutions, paper_requests, readiness
from backend.lib.errors import DomainError, SettlementDown, StaleTurn
from backend.services.dialog.gazetteer import area_name, gazetteer
from backend.services.data.reference_data import policy_row_in_force
from backend.services.unit_of_work import unit_of_work
from dialogs import engine
from dialogs.flow import flow_for
from dialogs.prompts import render_step
from dialogs.types import (
    ActiveFiling, AreaRules, BindIdentity, CancelFiling, ChangeFiling, CheckChronic, CheckInstitution, CheckSettlement,
    Context, DiseaseEntry, InstitutionHit, Lazy, Member, Reply, RequestCallback, SetLanguage, SetLargeText, ShowFilings, Step,
    SubmitFiling,
)


@dataclass
class TurnResult:
    """What a channel renders after a turn."""

    text: str
    messages: list[str]
    choices: list[dict]
    state: str
    flow: str | None
    version: int
    large_text: bool
    language: str
    filing: dict | None = None
    effects: list[str] = field(default_factory=list)
    repeated: bool = False

    def as_dict(self) -> dict:
        """Return the JSON answer for the mini-program API."""
        return {
            "reply": self.text, "messages": self.messages, "choices": self.choices, "state": self.state,
            "flow": self.flow, "version": self.version, "large_text": self.large_text, "language": self.language,
            "filing": self.filing, "repeated": self.repeated,
        }


def user_key(identity: WeChatIdentity) -> str:
    """Return the session key: the person once bound (so every channel shares it), else the openid."""
    return f"person:{identity.person_id}" if identity.person_id else f"wx:{identity.app_id}:{identity.openid}"


def _area_rules(area_code: str, policy_of=None) -> AreaRules | None:
    policy = (policy_of or (lambda code: policy_row_in_force(code, clock.today())))(area_code)
    if policy is None:
        return None
    return AreaRules(
        area_code=area_code, categories_offered=tuple(policy.categories_offered),
        materials={k: tuple(tuple(a) for a in v) for k, v in (policy.materials or {}).items()},
        commitment_letter_categories=tuple(policy.commitment_letter_categories),
        temporary_validity_months=policy.temporary_validity_months,
        referral_validity_months=policy.referral_validity_months,
        emergency_late_filing_days=policy.emergency_late_filing_days,
        change_lock_months=policy.change_lock_months,
    )


def _diseases() -> tuple[DiseaseEntry, ...]:
    """The active diseases and their everyday words (from the reference cache)."""
    return reference_cache.cached("diseases", _build_diseases)


def _build_diseases() -> tuple[DiseaseEntry, ...]:
    return tuple(DiseaseEntry(d.code, d.name_zh, tuple(d.synonyms or ()))
                 for d in db.session.scalars(select(Disease).where(Disease.active.is_(True)).order_by(Disease.code)))


def find_institutions(*, area, service, disease, district, page, per_page, location):
    """Search for the institution flow; the engine sees plain hits."""
    if not area:
        return (), False
    try:
        result = institution_search.search(institution_search.SearchFilters(
            area_code=area, district_code=district, service=service, disease=disease, page=page, per_page=per_page,
            latitude=location[0] if location else None, longitude=location[1] if location else None,
            sort="distance" if location else "level",
        ))
    except institution_search.InvalidSearch:
        return (), False
    return tuple(InstitutionHit(h.code, h.name, h.level, h.services, h.distance_km) for h in result.hits), result.has_more


def build_context(person: Person | None, session_key: str, large_text: bool,
                  location: tuple[float, float] | None = None, lang: str | None = None) -> Context:
    """Collect what the engine may know about this user for one turn (lazily where it can)."""
    # Read only if the step asks (who may I file for?): most turns never do.
    members = Lazy(lambda: (Member(*m) for m in filings.consented_members(person.id))) if person else ()

    def principal(key: str) -> Person | None:
        if person is None:
            return None
        try:
            return filings.resolve_principal(person, key)[0]
        except DomainError:
            return None

    # One turn asks the same questions several times (applies_, params_, validate_):
    # answer each from the database once per turn.
    memo: dict = {}

    def once(kind: str, key: str, compute):
        if (kind, key) not in memo:
            memo[(kind, key)] = compute(key)
        return memo[(kind, key)]

    def filings_for(key: str) -> tuple[ActiveFiling, ...]:
        return once("filings", key, _filings_for)

    def policy_of(area: str):
        # The area's rules in force today, read once a turn (the rules, the lock and the dates all ask).
        return once("policy", area, lambda code: policy_row_in_force(code, clock.today()))

    def _filings_for(key: str) -> tuple[ActiveFiling, ...]:
        target = principal(key)
        if target is None:
            return ()
        result = []
        for f in filings.active_filing_rows(target.id):
            view = filings.existing_view(f)
            result.append(ActiveFiling(
                reference=f.reference, category=f.category, treatment_area_code=f.treatment_area_code,
                start_date=f.start_date, end_date=f.end_date, lock_until=f.lock_until,
                # Seen from the person chatting: "self" is whoever is chatting (您), so a son who filed for his
                # mother hears that he did; a member who filed for herself is "member_self" (本人).
                filed_by=("self" if person is not None and f.actor_person_id == person.id
                          else f.actor_relation or "member_self"),
                filed_by_name_masked=view.filed_by_name_masked or "",
                submitted_on=view.submitted_on, status=f.status,
            ))
        return tuple(result)

    def _filing_areas(_key: str) -> tuple[str, ...]:
        keys = ("self", *(f"member:{m.person_id}" for m in members))
        return tuple(dict.fromkeys(f.treatment_area_code for key in keys for f in filings_for(key)))

    def insured_area_of(key: str) -> str | None:
        target = principal(key)
        return target.insured_area_code if target else None

    def filed_area_of(key: str) -> str | None:
        approved = [f for f in filings_for(key) if f.status == "approved"]
        return approved[0].treatment_area_code if approved else None

    def _views(key: str) -> list[rules.ExistingFiling]:
        target = principal(key)
        return [filings.existing_view(f) for f in filings.active_filing_rows(target.id)] if target else []

    def conflict_for(key: str, slots: dict):
        start, end = slots.get("start_date"), slots.get("end_date")
        found = rules.conflicting_filing(
            slots.get("category"), slots.get("treatment_area"), date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None, once("views", key, _views), slots.get("replaces"))
        if found is None:
            return None
        view = next((f for f in filings_for(key) if f.reference == found[1].reference), None)
        return (found[0], view) if view is not None else None

    def lock_until_for(key: str, slots: dict):
        target = principal(key)
        if target is None:
            return None
        policy = filings.policy_view(policy_of(target.insured_area_code))
        return rules.lock_until_for(slots.get("category"), slots.get("materials"), policy, clock.today())

    def date_problem(key: str, category: str | None, start: date, end: date | None) -> dict | None:
        target = principal(key)
        area = target.insured_area_code if target else (person.insured_area_code if person else None)
        policy = filings.policy_view(policy_of(area)) if area else None
        if policy is None:
            return None  # the decision says why (policy_missing); dates cannot be judged without rules
        check = rules.check_dates(category or "long_term_resident", start, end, policy, clock.today())
        return None if check.passed or check.effect != rules.REFUSE else dict(check.params)

    return Context(
        today=clock.today(), gazetteer=gazetteer(), session_key=session_key, bound=person is not None,
        self_insured_area=person.insured_area_code if person else None,
        self_phone_masked=person.phone_masked if person else None,
        self_retired=bool(person and person.employment_status == "retired"),
        members=members, large_text=large_text, lang=(person.language if person else None) or lang or "zh_CN",
        rules_for=lambda code: once("rules", code, lambda c: _area_rules(c, policy_of)), filings_for=filings_for,
        insured_area_of=insured_area_of, filed_area_of=filed_area_of, find_institutions=find_institutions,
        diseases=_diseases(), location=location,
        conflict_for=conflict_for, lock_until_for=lock_until_for, check_id_number=dialog_people.check_id_number,
        date_problem=date_problem, institution_names=institution_names.names_index(),
        filing_areas=lambda: once("areas", "", _filing_areas),
    )


_SESSIONS = DialogSession.__table__
# Built once (building a statement costs more than running it): the columns a turn reads, as a plain row
# (last_reply, the biggest, is read only when a concurrent turn won) ...
_READ_SESSION = select(_SESSIONS.c.id, _SESSIONS.c.version, _SESSIONS.c.flow, _SESSIONS.c.flow_version,
                       _SESSIONS.c.step, _SESSIONS.c.slots, _SESSIONS.c.engine_data, _SESSIONS.c.updated_at
                       ).where(_SESSIONS.c.user_key == bindparam("key"))
# ... and the conditional UPDATE that claims the row: it matches only the version the turn read. The columns
# it sets are the keys of the parameters it is given.
_CLAIM_SESSION = _SESSIONS.update().where(_SESSIONS.c.id == bindparam("claim_id"),
                                          _SESSIONS.c.version == bindparam("claim_version"))
_SAVE_REPLY = _SESSIONS.update().where(_SESSIONS.c.id == bindparam("claim_id"))


def _load_session(key: str):
    """Return the session's row (id, version, flow, flow_version, step, slots, engine_data, updated_at), made if new."""
    row = db.session.connection().execute(_READ_SESSION, {"key": key}).first()
    if row is not None:
        return row
    session = DialogSession(user_key=key, flow="", step=engine.IDLE, slots={}, engine_data={})
    db.session.add(session)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request created it between our read and our insert.
        db.session.rollback()
        session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == key))
    return session


def outcome_reply(filing: Filing, lang: str, chronic_missing: str | None = None) -> Reply:
    """Say what was decided, why, and what happens next."""
    prompt = {"approved": "filing.outcome_approved", "pending_review": "filing.outcome_pending"}.get(
        filing.status, "filing.outcome_refused")
    return Reply(prompt, {
        "reference": filing.reference, "treatment": area_name(filing.treatment_area_code, lang),
        "insured": area_name(filing.insured_area_code, lang),
        "end": filing.end_date.isoformat() if filing.end_date else None,
        "start": filing.start_date.isoformat(), "in_effect": filing.start_date <= clock.today(),
        "lock_until": filing.lock_until.isoformat() if filing.lock_until else None,
        "reasons": dialog_manage.explain_failed(filing.decision_checks, lang), "chronic_missing": chronic_missing,
        # Filed with papers: the ones still to send, and how (a photo in the chat, the pages, the mini-program).
        "papers_missing": [documents.material_name(code, lang) for code in paper_requests.needed_for_filing(filing)]
        if "documents" in (filing.materials or []) else [],
    })


# The next steps a verdict makes sensible (file/estimate/another), as the engine's choice values; the
# engine offers them before the verdict is known, the turn keeps only these.
_NEXT_CHOICE = {"file": "filing", "estimate": "settlement", "another": "institution"}
_NEXT_STEPS: ContextVar[tuple[str, ...] | None] = ContextVar("next_steps", default=None)


def _keep_sensible_next_steps(step: Step, allowed: tuple[str, ...] | None) -> Step:
    """Drop the offered next steps a verdict made pointless ("算算能报多少" after a plain no)."""
    if allowed is None or step.state is None:
        return step
    replies = []
    for reply in step.replies:
        if reply.prompt == "common.next_steps":
            kept = tuple(c for c in reply.choices if c.value in allowed)
            step.state.offered = [c.value for c in kept]
            if not kept:
                continue
            reply = Reply(reply.prompt, reply.params, kept)
        replies.append(reply)
    return Step(step.state, tuple(replies), step.effects)


def _visit_reply(person: Person, effect: CheckInstitution | CheckSettlement, lang: str,
                 location: tuple[float, float] | None, remembered: str | None = None) -> Reply:
    """Will this visit, on the day the person gave, settle at this institution? Why not, and what instead.

    One answer for "找医院" and "能不能直接结算": the assistant's own records decide (a filing under
    review, starting later or ended is named), so it is right before the hand-off has happened too.
    """
    on = date.fromisoformat(effect.on) if effect.on else None
    result = institutions.settlement_check(person, effect.principal, effect.code, effect.visit,
                                           disease=effect.disease, on=on, lang=lang, location=location)
    estimate, unavailable = None, False
    if getattr(effect, "amount", None):
        try:
            # A pharmacy purchase is paid under the outpatient rules.
            visit_type = "outpatient" if effect.visit == "pharmacy" else effect.visit
            estimate = _rough_estimate(person, effect, visit_type)
        except SettlementDown:
            unavailable = True
    _NEXT_STEPS.set(tuple(_NEXT_CHOICE[n] for n in result["next_steps"]))
    return Reply("settlement.verdict", {
        "ready": result["settles"], "institution": result["institution"]["name"], "visit": effect.visit,
        "date": None if on is None else on.isoformat(), "today": on is None or on == clock.today(),
        "other_year": on is not None and on.year != clock.today().year, "past": on is not None and on < clock.today(),
        "filing_state": result["filing_state"],
        "reasons": [{"reason": c["message"]} for c in result["checks"] if not c["passed"]][:3],
        "alternatives": result["alternatives"], "estimate": estimate, "estimate_unavailable": unavailable,
        # A chronic visit names the qualification among its reasons; any other visit names it here.
        "chronic_missing": None if effect.visit == "chronic" else _chronic_missing(
            person, effect.principal, effect.disease or remembered, on, lang),
    })


def _chronic_missing(person: Person, principal_key: str, disease_code: str | None, on: date | None,
                     lang: str = "zh_CN") -> str | None:
    """The chronic disease the person spoke of, when they hold no qualification for it on that day.

    Any "you can settle" said to a dialysis patient names what is still missing for the dialysis itself.
    """
    if not disease_code:
        return None
    try:
        principal, _ = filings.resolve_principal(person, principal_key)
    except DomainError:
        return None
    day = on or clock.today()
    held = {q.disease_code for q in principal.qualifications
            if q.certified_on <= day and (q.valid_until is None or day <= q.valid_until)}
    disease = db.session.get(Disease, disease_code)
    if disease_code in held or disease is None:
        return None
    return disease.name_en if lang.startswith("en") and getattr(disease, "name_en", None) else disease.name_zh


def _chronic_reply(person: Person, effect: CheckChronic, lang: str) -> Reply:
    try:
        result = eligibility.chronic_eligibility(person, effect.principal, effect.disease, area=effect.area, lang=lang,
                                                 on=date.fromisoformat(effect.on) if effect.on else None)
    except DomainError:
        return Reply("chronic.unknown_disease", {"examples": []})
    return Reply("chronic.verdict", {
        "eligible": result["eligible"], "area": result["area"]["name"], "disease": result["disease"]["name"],
        "lines": [{"passed": c["passed"], "message": c["message"]} for c in result["conditions"]],
        "amount": result["fixed_monthly_amount"], "alternatives": result["alternatives"],
    })


def _rough_estimate(person: Person, effect: CheckSettlement, service: str) -> dict | None:
    """Estimate as if the whole amount were category A (the person gave only a total)."""
    inst = db.session.get(Institution, effect.code)
    try:
        answer = readiness.estimate_for(person, effect.principal, inst.area_code, service, total=effect.amount,
                                        level=inst.level)
    except DomainError:  # e.g. no policy for the insured area: say nothing rather than guess
        return None
    ratio = f"{(Decimal(answer['ratio_applied']) * 100).normalize():f}%"
    return {"total": effect.amount, "fund_pays": answer["fund_pays"], "person_pays": answer["person_pays"],
            "ratio": ratio, "deductible": answer["deductible_applied"]}


def _execute(step: Step, person: Person | None, channel: str, lang: str, identity: WeChatIdentity | None = None,
             session_id: int | None = None, location: tuple[float, float] | None = None) -> tuple[list[Reply], Filing | None]:
    replies, created = [], None
    remembered = step.state.memory.get("disease") if step.state is not None else None
    for effect in step.effects:
        if isinstance(effect, SubmitFiling):
            created = filings.submit_filing(person, effect.slots, channel=channel, submit_key=effect.submit_key)
            documents.attach_draft(session_id, created)  # papers sent while the filing was a draft
            replies.append(outcome_reply(created, lang, _chronic_missing(person, effect.slots.get("principal") or "self",
                                                                         remembered, created.start_date, lang)))
        elif isinstance(effect, SetLargeText) and person is not None:
            person.large_text = effect.on
        elif isinstance(effect, RequestCallback):
            dialog_people.request_callback(person, effect, channel)
        elif isinstance(effect, ShowFilings) and person is not None:
            replies.append(dialog_people.filings_reply(person, effect))
        elif isinstance(effect, SetLanguage) and person is not None:
            person.language = effect.lang
        elif isinstance(effect, BindIdentity) and identity is not None:
            replies.append(dialog_people.bind(identity, effect, session_id, list(step.state.offered),
                                              step.state.memory.get("lang")))
        elif isinstance(effect, (CheckInstitution, CheckSettlement)) and person is not None:
            replies.append(_visit_reply(person, effect, lang, location, remembered))
        elif isinstance(effect, CheckChronic) and person is not None:
            replies.append(_chronic_reply(person, effect, lang))
        elif isinstance(effect, CancelFiling) and person is not None:
            replies.append(dialog_manage.cancel_reply(person, effect, lang))
        elif isinstance(effect, ChangeFiling) and person is not None:
            replies.append(dialog_manage.change_reply(person, effect, lang))
    return replies, created


def _render(step: Step, version: int, large: bool, lang: str, filing: Filing | None,
            person: Person | None, effects: list[str]) -> TurnResult:
    rendered = render_step(step, lang, large)
    return TurnResult(
        text=rendered.text, messages=list(rendered.messages),
        choices=[{"number": c.number, "label": c.label, "value": c.value, "irreversible": c.irreversible}
                 for c in rendered.choices],
        state=step.state.step, flow=step.state.flow, version=version, large_text=large, language=lang,
        filing=filings.summary(filing, viewer=person) if filing is not None else None, effects=effects,
    )


def handle_turn(identity: WeChatIdentity, user_input: str | dict, *, channel: str,
                expected_version: int | None = None, message_key: str | None = None,
                location: tuple[float, float] | None = None,
                in_transaction: Callable[[], None] | None = None) -> TurnResult:
    """Apply one message to the user's session and return what to show; one unit of work, committed once.

    `in_transaction` runs last inside the turn's transaction (the WeChat channel records the
    message's MsgId there): a duplicate it raises as IntegrityError undoes the whole turn. Done
    last, its write does not hold SQLite's single write lock while the engine runs.
    """
    person = identity.person
    key = user_key(identity)
    session = _load_session(key)
    lang = person.language if person else "zh_CN"
    earlier = message_keys.original_reply(session.id, message_key)
    if earlier is not None:
        # A retried or double-tapped message, however late: answer as the first time, apply nothing.
        return TurnResult(**{**earlier, "repeated": True})
    state = engine.DialogState.from_dict({
        **(session.engine_data or {}), "flow": session.flow or None, "flow_version": session.flow_version,
        "step": session.step, "slots": session.slots or {},
    })
    large = bool(person.large_text) if person else state.large_text
    # Someone not yet bound has no person to store a language on: the session remembers it.
    lang = person.language if person else state.memory.get("lang") or lang
    if expected_version is not None and expected_version != session.version:
        current = engine.ask_again(state, build_context(person, key, large))
        replies = (Reply("common.stale_turn"),) + current.replies
        step = Step(state, replies)
        db.session.rollback()
        raise StaleTurn(result=_render(step, session.version, large, lang, None, person, []))
    if expected_version is None:
        hasty = _hasty_act(state, user_input, session, lambda: build_context(person, key, large, location, lang))
        if hasty is not None:
            # Nothing is applied or saved: the next message is read against the same step.
            db.session.rollback()
            return _render(hasty, session.version, large, lang, None, person, [])
    step = engine.advance(state, user_input, build_context(person, key, large, location, lang))
    saved = step.state.to_dict()
    values = dict(flow=saved.pop("flow") or "", flow_version=saved.pop("flow_version"), step=saved.pop("step"),
                  slots=saved.pop("slots"), engine_data=saved, last_channel=channel, last_turn_key=message_key,
                  updated_at=clock.now())
    session_id, read_version = session.id, session.version

    def claim(**columns) -> bool:
        """Save the columns if the row is still at the version read; False when another turn won."""
        return db.session.connection().execute(
            _CLAIM_SESSION, {"claim_id": session_id, "claim_version": read_version, **columns}).rowcount == 1
    # Effects that act (file, cancel, change, bind): the turn claims the session before running them.
    acts = any(isinstance(e, (SubmitFiling, CancelFiling, ChangeFiling, BindIdentity)) for e in step.effects)
    try:
        with unit_of_work():
            if acts:
                # Claim the turn before acting: a concurrent turn on the same session blocks on
                # this row and then matches nothing, so it can neither submit nor save twice.
                if not claim(version=read_version + 1, **values):
                    raise StaleDataError("dialog session changed since it was read")
            # "English please, will Ruijin Hospital settle?": the answer built in this turn is in the new language.
            lang = next((e.lang for e in step.effects if isinstance(e, SetLanguage)), None) or lang
            token = _NEXT_STEPS.set(None)
            try:
                extra, created = _execute(step, person, channel, lang, identity, session_id, location)
                if _NEXT_STEPS.get() is not None and not acts:
                    # A verdict trimmed the choices on offer: the saved state must number them as shown.
                    step = _keep_sensible_next_steps(step, _NEXT_STEPS.get())
                    saved = step.state.to_dict()
                    values.update(flow=saved.pop("flow") or "", flow_version=saved.pop("flow_version"),
                                  step=saved.pop("step"), slots=saved.pop("slots"), engine_data=saved)
            finally:
                _NEXT_STEPS.reset(token)
            if extra:
                step = Step(step.state, _place(step, tuple(extra)), step.effects)
            large = bool(person.large_text) if person else step.state.large_text
            result = _render(step, read_version + 1, large, lang, created, person,
                             [type(e).__name__ for e in step.effects])
            last_reply = {k: v for k, v in result.__dict__.items() if k != "repeated"}
            if acts:
                db.session.connection().execute(_SAVE_REPLY, {"claim_id": session_id, "last_reply": last_reply})
            elif not claim(version=read_version + 1, last_reply=last_reply, **values):
                # Nothing irreversible was done yet: one conditional UPDATE both claims and saves.
                raise StaleDataError("dialog session changed since it was read")
            if message_key:
                message_keys.remember(session_id, message_key, last_reply)
            if in_transaction is not None:
                in_transaction()
    except (StaleDataError, IntegrityError):
        # A concurrent turn on the same session won; nothing of this one is kept (the unit of work rolled back).
        db.session.rollback()
        if (earlier := message_keys.original_reply(session_id, message_key)) is not None:
            # The winner was this very message (a double tap): answer what it answered.
            return TurnResult(**{**earlier, "repeated": True})
        raise StaleTurn(result=_concurrent_result(key, person, lang)) from None
    return result


def _hasty_act(state, user_input, session, context: Callable[[], Context]) -> Step | None:
    """Hold back a bare number that would sign, submit or cancel, or repeats the last one, too soon after the question.

    A client that sends the dialog's version (the mini-program) proves which question a tap answers, and a
    double tap answers 409. WeChat, and a client without the version, send only "1": a "1" sent twice by
    mistake would pick the letter and, a moment later, sign it. An irreversible choice by number is therefore
    taken only when at least QUICK_TAP_SECONDS have passed since the question was shown (time to read it);
    sooner, the person is asked again, and the same number sent after reading it is taken. Words that say the
    act ("确认提交") and a number with the version are never held back.
    """
    wait = float(current_app.config.get("QUICK_TAP_SECONDS", 0) or 0)
    if wait <= 0 or not state.flow or not state.offered:
        return None
    number = engine.picked_number(user_input)
    if number is None or not 1 <= number <= len(state.offered):
        return None
    shown_at = session.updated_at
    if shown_at is None or (clock.now() - shown_at).total_seconds() >= wait:
        return None
    # Signing, submitting and cancelling are choices of the step itself (not of a menu shown with it).
    flow = flow_for(state)
    spec = flow.step(state.step) if flow is not None else None
    if spec is None or spec.choices is None:
        return None
    ctx = context()
    value = state.offered[number - 1]
    irreversible = any(c.value == value and c.irreversible for c in spec.choices(state.slots, ctx))
    # The same number as the message before, at once: most likely one tap sent twice, which would answer a
    # question the person has not read (长期 at once picking the first category). Held back too; it costs a
    # re-read, and "返回" is not needed to get out of a choice nobody made.
    if not irreversible and state.last_number != number:
        return None
    current = engine.ask_again(state, ctx)  # the step again, as it was shown
    prompt = "common.quick_tap_check" if irreversible else "common.quick_tap_repeat"
    return Step(state, (Reply(prompt, {"number": number}),) + current.replies)


def _place(step: Step, extra: tuple) -> tuple:
    """Put the effects' replies after the step's, or before its last one when asked in passing.

    A look-up said inside a flow ("我的备案办好了吗" at the materials step) is answered first, and
    the step's question comes last, so the person sees where the conversation waits.
    """
    if any(getattr(e, "interject", False) for e in step.effects) and step.replies:
        return step.replies[:-1] + extra + step.replies[-1:]
    return step.replies + extra


def _concurrent_result(key: str, person: Person | None, lang: str) -> TurnResult:
    session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == key))
    large = bool(person.large_text) if person else False
    if session is not None and session.last_reply:
        reply = dict(session.last_reply)
        reply["text"] = render_step(Step(None, (Reply("common.busy_retry"),)), lang, large).text + "\n\n" + reply["text"]
        return TurnResult(**{**reply, "repeated": True})
    step = Step(None, (Reply("common.busy_retry"),))
    return TurnResult(text=render_step(step, lang, large).text, messages=[], choices=[], state=engine.IDLE,
                      flow=None, version=session.version if session else 0, large_text=large, language=lang)

