""""谁看过/办过我的业务": the audit log as the person it concerns reads it."""
from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, FamilyLink, Filing, Person
from backend.services.filing import audit
from backend.services.unit_of_work import unit_of_work
from dialogs.prompts import render_prompt
from dialogs.prompts.catalogue import pairs, word

# What each audited act is called (the words: dialogs/prompts/<lang>/words.yaml, "activity.acts");
# an act not listed shows as "处理了您的业务" (activity.other).
ACTIONS = pairs("activity.acts")
PAGE_SIZE = 50



def _relation_word(relation: str, lang: str) -> str:
    return render_prompt(f"names.relation_{relation or 'other'}", {}, lang)


def _who(entry: AuditEntry, principal: Person, lang: str, links: dict[int, FamilyLink]) -> tuple[str, str]:
    """Return (kind, words) for who acted: the person, a relative, staff or the system."""
    if entry.actor_kind == "staff":
        return "staff", word("activity", "who_staff", lang)
    if entry.actor_kind != "person" or entry.actor_id is None:
        return "system", word("activity", "who_system", lang)
    if entry.actor_id == principal.id:
        return "self", word("activity", "who_self", lang)
    link = links.get(entry.actor_id)
    actor = link.agent if link else db.session.get(Person, entry.actor_id)
    name = actor.name_masked if actor else "*"
    relation = _relation_word(link.agent_relation if link else "other", lang)
    return "relative", word("activity", "who_relative", lang, relation=relation, name=name)


def sentence(entry: AuditEntry, principal: Person, lang: str, links: dict[int, FamilyLink]) -> tuple[str, str]:
    """Return (who kind, sentence) such as "您的儿子 张* 于 11月20日 为您办理了备案"."""
    kind, who = _who(entry, principal, lang, links)
    act = ACTIONS[entry.action][1 if lang.startswith("en") else 0] if entry.action in ACTIONS else None
    day = entry.at.astimezone(clock.CHINA)
    on_behalf = kind in ("relative", "staff") and (entry.action.startswith("filing.")
                                                  or entry.action == "family.proof_recorded")
    return kind, word("activity", "line_for_you" if on_behalf else "line", lang, who=who,
                      act=act or word("activity", "other", lang),
                      date=f"{day:%d %b %Y}" if lang.startswith("en") else f"{day.month}月{day.day}日")


def activity_for(person: Person, *, lang: str | None = None, limit: int = PAGE_SIZE) -> list[dict]:
    """Return who viewed or acted on the person's business, newest first, in their language."""
    lang = lang or person.language
    entries = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.principal_person_id == person.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ))
    links = {k.agent_person_id: k for k in db.session.scalars(
        select(FamilyLink).where(FamilyLink.member_person_id == person.id))}
    rows = []
    for entry in entries:
        kind, text = sentence(entry, person, lang, links)
        rows.append({"at": entry.at.isoformat(), "action": entry.action, "actor": kind, "text": text,
                     "subject": entry.subject_id if entry.subject_type == "filing" else None,
                     "channel": entry.channel})
    return rows


def record_view(actor: Person, filing: Filing, *, channel: str) -> None:
    """Record that a relative opened a member's filing (once a day each), so the member can see it (a unit of work)."""
    if filing.principal_person_id == actor.id:
        return
    today_start = clock.now().astimezone(clock.CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    seen = db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "filing.viewed", AuditEntry.actor_id == actor.id,
        AuditEntry.subject_id == filing.reference, AuditEntry.at >= today_start).limit(1))
    if seen is None:
        with unit_of_work():
            audit.record("filing.viewed", actor_kind="person", actor_id=actor.id,
                         principal_id=filing.principal_person_id, subject_type="filing",
                         subject_id=filing.reference, channel=channel).at = clock.now()
