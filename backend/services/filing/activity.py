""""谁看过/办过我的业务": the audit log as the person it concerns reads it."""
from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, FamilyLink, Filing, Person
from backend.services.filing import audit
from dialogs.prompts import render_prompt

# What each audited act is called, zh_CN first; an act not listed shows as "处理了您的业务".
ACTIONS = {
    "filing.submitted": ("办理了备案", "filed a medical filing"),
    "filing.cancelled": ("取消了备案", "cancelled a filing"),
    "filing.viewed": ("查看了备案", "viewed a filing"),
    "filing.institutions_chosen": ("选定了就医机构", "chose institutions"),
    "family.invited": ("请求代办您的业务", "asked to act on your behalf"),
    "family.invite_refused": ("想添加您为家人，但填写的姓名与身份证号不符，没有成功",
                              "tried to add you as a relative, but the name did not match the ID number"),
    "family.consented": ("同意了亲属代办", "consented to a relative acting"),
    "family.revoked": ("结束了亲属代办", "ended a relative's authority"),
    "family.proof_recorded": ("登记了亲属关系证明", "recorded a proof of relation"),
    "callback.requested": ("申请了人工服务", "asked for a call back"),
}
_OTHER = ("处理了您的业务", "handled your business")
PAGE_SIZE = 50



def _relation_word(relation: str, lang: str) -> str:
    return render_prompt(f"names.relation_{relation or 'other'}", {}, lang)


def _who(entry: AuditEntry, principal: Person, lang: str, links: dict[int, FamilyLink]) -> tuple[str, str]:
    """Return (kind, words) for who acted: the person, a relative, staff or the system."""
    en = lang.startswith("en")
    if entry.actor_kind == "staff":
        return "staff", "Staff" if en else "工作人员"
    if entry.actor_kind != "person" or entry.actor_id is None:
        return "system", "The system" if en else "系统"
    if entry.actor_id == principal.id:
        return "self", "You" if en else "您本人"
    link = links.get(entry.actor_id)
    actor = link.agent if link else db.session.get(Person, entry.actor_id)
    name = actor.name_masked if actor else "*"
    relation = _relation_word(link.agent_relation if link else "other", lang)
    return "relative", f"Your {relation} {name}" if en else f"您的{relation} {name}"


def sentence(entry: AuditEntry, principal: Person, lang: str, links: dict[int, FamilyLink]) -> tuple[str, str]:
    """Return (who kind, sentence) such as "您的儿子 张* 于 11月20日 为您办理了备案"."""
    kind, who = _who(entry, principal, lang, links)
    zh, en = ACTIONS.get(entry.action, _OTHER)
    day = entry.at.astimezone(clock.CHINA)
    on_behalf = kind in ("relative", "staff") and (entry.action.startswith("filing.")
                                                  or entry.action == "family.proof_recorded")
    if lang.startswith("en"):
        return kind, f"{who} {en}{' for you' if on_behalf else ''} on {day:%d %b %Y}"
    return kind, f"{who} 于 {day.month}月{day.day}日 {'为您' if on_behalf else ''}{zh}"


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
    """Record that a relative opened a member's filing (once a day each), so the member can see it; commits."""
    if filing.principal_person_id == actor.id:
        return
    today_start = clock.now().astimezone(clock.CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    seen = db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "filing.viewed", AuditEntry.actor_id == actor.id,
        AuditEntry.subject_id == filing.reference, AuditEntry.at >= today_start).limit(1))
    if seen is None:
        audit.record("filing.viewed", actor_kind="person", actor_id=actor.id, principal_id=filing.principal_person_id,
                     subject_type="filing", subject_id=filing.reference, channel=channel).at = clock.now()
        db.session.commit()
