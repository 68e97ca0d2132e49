"""One persisted dialog turn: load the session, advance the engine, execute effects, save, render.

The session row carries an optimistic-lock version: a turn applies only to the
state it read, so a double tap or a concurrent request can never apply twice.
Effects (a filing, a text-size switch) commit in the same transaction as the state.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError


from backend.extensions import db
from backend.lib import clock
from backend.models import Area, DialogSession, Disease, Filing, Institution, Person, WeChatIdentity
from backend.rules import filing_decision as rules
from backend.services import audit, eligibility, filings, institution_search, institutions, readiness
from backend.services.errors import DomainError, SettlementDown, StaleTurn
from backend.services.reference_data import current_policy
from dialogs import engine, nlu
from dialogs.prompts import render_step
from dialogs.types import (
    ActiveFiling, AreaRules, CheckChronic, CheckInstitution, CheckSettlement, Context, DiseaseEntry, InstitutionHit, Member, Reply, RequestCallback,
    SetLargeText, ShowFilings, Step, SubmitFiling,
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


@lru_cache(maxsize=1)
def _gazetteer_cached(_marker: str) -> nlu.Gazetteer:
    rows = db.session.execute(select(Area.code, Area.name, Area.short_name, Area.pool_code, Area.level,
                                     Area.province_code)).all()
    return nlu.Gazetteer(
        nlu.AreaEntry(code=r.code, name=r.name, short_name=r.short_name, pool_code=r.pool_code or "",
                      level=r.level, province_code=r.province_code)
        for r in rows
    )


def gazetteer() -> nlu.Gazetteer:
    """Return the area gazetteer, built once per process and database from the areas table."""
    return _gazetteer_cached(str(db.engine.url))


def user_key(identity: WeChatIdentity) -> str:
    """Return the session key: the person once bound (so every channel shares it), else the openid."""
    return f"person:{identity.person_id}" if identity.person_id else f"wx:{identity.app_id}:{identity.openid}"


def _area_rules(area_code: str) -> AreaRules | None:
    policy = current_policy(area_code, clock.today())
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


@lru_cache(maxsize=1)
def _diseases_cached(_marker: str) -> tuple[DiseaseEntry, ...]:
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
                  location: tuple[float, float] | None = None) -> Context:
    """Collect what the engine may know about this user for one turn (lazily where it can)."""
    links = filings.consented_links(person) if person else []
    members = tuple(Member(k.member_person_id, k.relation, k.member.name_masked) for k in links)

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

    def _filings_for(key: str) -> tuple[ActiveFiling, ...]:
        target = principal(key)
        if target is None:
            return ()
        result = []
        for f in filings.active_filings(target.id):
            view = filings.existing_view(f)
            result.append(ActiveFiling(
                reference=f.reference, category=f.category, treatment_area_code=f.treatment_area_code,
                start_date=f.start_date, end_date=f.end_date, lock_until=f.lock_until,
                filed_by=f.actor_relation or "self", filed_by_name_masked=view.filed_by_name_masked or "",
                submitted_on=view.submitted_on, status=f.status,
            ))
        return tuple(result)

    def insured_area_of(key: str) -> str | None:
        target = principal(key)
        return target.insured_area_code if target else None

    def filed_area_of(key: str) -> str | None:
        approved = [f for f in filings_for(key) if f.status == "approved"]
        return approved[0].treatment_area_code if approved else None

    return Context(
        today=clock.today(), gazetteer=gazetteer(), session_key=session_key, bound=person is not None,
        self_insured_area=person.insured_area_code if person else None,
        self_phone_masked=person.phone_masked if person else None,
        self_retired=bool(person and person.employment_status == "retired"),
        members=members, large_text=large_text, lang=person.language if person else "zh_CN",
        rules_for=lambda code: once("rules", code, _area_rules), filings_for=filings_for,
        insured_area_of=insured_area_of, filed_area_of=filed_area_of, find_institutions=find_institutions,
        diseases=_diseases_cached(str(db.engine.url)), location=location,
    )


def _load_session(key: str) -> DialogSession:
    session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == key))
    if session is not None:
        return session
    session = DialogSession(user_key=key, flow="", step=engine.IDLE, slots={}, engine_data={})
    db.session.add(session)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request created it between our read and our insert.
        db.session.rollback()
        session = db.session.scalar(select(DialogSession).where(DialogSession.user_key == key))
    return session


def _area_name(code: str | None) -> str:
    area = db.session.get(Area, code) if code else None
    return area.name if area else (code or "")


def _explain_failed(checks: list[dict], lang: str) -> list[str]:
    sentences = []
    for raw in checks:
        if raw["passed"]:
            continue
        params = dict(raw.get("params") or {})
        for key in ("treatment_area", "area_code"):
            if params.get(key):
                params[key] = _area_name(params[key])
        sentences.append(rules.explain(rules.Check(raw["code"], False, raw["effect"], params), lang))
    return sentences


def outcome_reply(filing: Filing, lang: str) -> Reply:
    """Say what was decided, why, and what happens next."""
    prompt = {"approved": "filing.outcome_approved", "pending_review": "filing.outcome_pending"}.get(
        filing.status, "filing.outcome_refused")
    return Reply(prompt, {
        "reference": filing.reference, "treatment": _area_name(filing.treatment_area_code),
        "insured": _area_name(filing.insured_area_code),
        "end": filing.end_date.isoformat() if filing.end_date else None,
        "lock_until": filing.lock_until.isoformat() if filing.lock_until else None,
        "reasons": _explain_failed(filing.decision_checks, lang),
    })


def _filings_reply(person: Person) -> Reply:
    rows = filings.visible_filings(person)[:10]
    if not rows:
        return Reply("common.filings_empty")
    items = [{**filings.summary(f, viewer=person), "treatment": _area_name(f.treatment_area_code),
              "start": f.start_date.isoformat(), "end": f.end_date.isoformat() if f.end_date else None,
              "submitted_on": f.submitted_at.astimezone(clock.CHINA).date().isoformat()} for f in rows]
    return Reply("common.filings_list", {"filings": items})


def _institution_reply(person: Person, effect: CheckInstitution, lang: str) -> Reply:
    result = institutions.settlement_check(person, effect.principal, effect.code, effect.visit,
                                           disease=effect.disease, lang=lang)
    params = {"name": result["institution"]["name"], "visit": effect.visit, "filing": result["filing"],
              "reasons": [c["message"] for c in result["checks"] if not c["passed"]],
              "alternatives": result["alternatives"]}
    return Reply("institution.outcome_settles" if result["settles"] else "institution.outcome_fails", params)


def _chronic_reply(person: Person, effect: CheckChronic, lang: str) -> Reply:
    try:
        result = eligibility.chronic_eligibility(person, effect.principal, effect.disease, area=effect.area, lang=lang)
    except DomainError:
        return Reply("chronic.unknown_disease", {"examples": []})
    return Reply("chronic.verdict", {
        "eligible": result["eligible"], "area": result["area"]["name"], "disease": result["disease"]["name"],
        "lines": [{"passed": c["passed"], "message": c["message"]} for c in result["conditions"]],
        "amount": result["fixed_monthly_amount"], "alternatives": result["alternatives"],
    })


# Reasons another institution fixes: for these the verdict names the nearest that would settle.
_ANOTHER_INSTITUTION_HELPS = {"filed_area", "chosen_institution", "networked_for_service", "networked_for_disease"}


def _settlement_reply(person: Person, effect: CheckSettlement, lang: str) -> Reply:
    try:
        verdict = readiness.readiness_for(person, effect.principal, effect.code, effect.visit,
                                          disease=effect.disease, channel="dialog", commit=False)
        # A pharmacy purchase is paid under the outpatient rules.
        visit_type = "outpatient" if effect.visit == "pharmacy" else effect.visit
        estimate = _rough_estimate(person, effect, visit_type) if effect.amount else None
    except SettlementDown:
        return Reply("settlement.unavailable")
    alternatives = []
    if any(r["code"] in _ANOTHER_INSTITUTION_HELPS for r in verdict["reasons"]):
        alternatives = institutions.alternatives_for(person, effect.principal, effect.code, effect.visit,
                                                     disease=effect.disease)
    return Reply("settlement.verdict", {"ready": verdict["ready"], "institution": verdict["institution_name"],
                                        "reasons": verdict["reasons"][:3], "estimate": estimate,
                                        "alternatives": alternatives})


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


def _execute(step: Step, person: Person | None, channel: str, lang: str) -> tuple[list[Reply], Filing | None]:
    replies, created = [], None
    for effect in step.effects:
        if isinstance(effect, SubmitFiling):
            created = filings.submit_filing(person, effect.slots, channel=channel, submit_key=effect.submit_key)
            replies.append(outcome_reply(created, lang))
        elif isinstance(effect, SetLargeText) and person is not None:
            person.large_text = effect.on
        elif isinstance(effect, RequestCallback):
            audit.record("callback.requested", actor_kind="person", actor_id=person.id if person else None,
                         principal_id=person.id if person else None, subject_type="dialog", channel=channel,
                         flow=effect.flow, step=effect.step)
        elif isinstance(effect, ShowFilings) and person is not None:
            replies.append(_filings_reply(person))
        elif isinstance(effect, CheckInstitution) and person is not None:
            replies.append(_institution_reply(person, effect, lang))
        elif isinstance(effect, CheckChronic) and person is not None:
            replies.append(_chronic_reply(person, effect, lang))
        elif isinstance(effect, CheckSettlement) and person is not None:
            replies.append(_settlement_reply(person, effect, lang))
    return replies, created


def _render(step: Step, version: int, large: bool, lang: str, filing: Filing | None,
            person: Person | None, effects: list[str]) -> TurnResult:
    rendered = render_step(step, lang, large)
    return TurnResult(
        text=rendered.text, messages=list(rendered.messages),
        choices=[{"number": c.number, "label": c.label, "value": c.value} for c in rendered.choices],
        state=step.state.step, flow=step.state.flow, version=version, large_text=large, language=lang,
        filing=filings.summary(filing, viewer=person) if filing is not None else None, effects=effects,
    )


def handle_turn(identity: WeChatIdentity, user_input: str | dict, *, channel: str,
                expected_version: int | None = None, message_key: str | None = None,
                location: tuple[float, float] | None = None,
                before_commit: Callable[[], None] | None = None) -> TurnResult:
    """Apply one message to the user's session and return what to show; commits once.

    `before_commit` runs last inside the turn's transaction (the WeChat channel records the
    message's MsgId there): a duplicate it raises as IntegrityError undoes the whole turn. Done
    last, its write does not hold SQLite's single write lock while the engine runs.
    """
    person = identity.person
    key = user_key(identity)
    session = _load_session(key)
    lang = person.language if person else "zh_CN"
    if message_key and session.last_turn_key == message_key and session.last_reply:
        # A retried or double-tapped message: answer the same, apply nothing.
        return TurnResult(**{**session.last_reply, "repeated": True})
    state = engine.DialogState.from_dict({
        **(session.engine_data or {}), "flow": session.flow or None, "flow_version": session.flow_version,
        "step": session.step, "slots": session.slots or {},
    })
    large = bool(person.large_text) if person else state.large_text
    if expected_version is not None and expected_version != session.version:
        current = engine.advance(state, {"text": ""}, build_context(person, key, large)) if state.flow else None
        replies = (Reply("common.stale_turn"),) + (current.replies if current else ())
        step = Step(state, replies)
        db.session.rollback()
        raise StaleTurn(result=_render(step, session.version, large, lang, None, person, []))
    step = engine.advance(state, user_input, build_context(person, key, large, location))
    saved = step.state.to_dict()
    values = dict(flow=saved.pop("flow") or "", flow_version=saved.pop("flow_version"), step=saved.pop("step"),
                  slots=saved.pop("slots"), engine_data=saved, last_channel=channel, last_turn_key=message_key,
                  updated_at=clock.now())
    session_id, read_version = session.id, session.version
    claim = (update(DialogSession)
             .where(DialogSession.id == session_id, DialogSession.version == read_version)
             .execution_options(synchronize_session=False))
    acts = any(isinstance(e, SubmitFiling) for e in step.effects)
    try:
        if acts:
            # Claim the turn before acting: a concurrent turn on the same session blocks on
            # this row and then matches nothing, so it can neither submit nor save twice.
            if db.session.execute(claim.values(version=read_version + 1, **values)).rowcount != 1:
                raise StaleDataError("dialog session changed since it was read")
        extra, created = _execute(step, person, channel, lang)
        if extra:
            step = Step(step.state, step.replies + tuple(extra), step.effects)
        large = bool(person.large_text) if person else step.state.large_text
        result = _render(step, read_version + 1, large, lang, created, person,
                         [type(e).__name__ for e in step.effects])
        last_reply = {k: v for k, v in result.__dict__.items() if k != "repeated"}
        if acts:
            db.session.execute(update(DialogSession).where(DialogSession.id == session_id)
                               .values(last_reply=last_reply).execution_options(synchronize_session=False))
        elif db.session.execute(claim.values(version=read_version + 1, last_reply=last_reply, **values)).rowcount != 1:
            # Nothing irreversible was done yet: one conditional UPDATE both claims and saves.
            raise StaleDataError("dialog session changed since it was read")
        if before_commit is not None:
            before_commit()
        db.session.commit()
    except (StaleDataError, IntegrityError):
        # A concurrent turn on the same session won; nothing of this one is kept.
        db.session.rollback()
        raise StaleTurn(result=_concurrent_result(key, person, lang)) from None
    return result


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

