"""Family accounts: invitations, consent from the member's own identity, revocation, offline proof."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import AuditEntry, FamilyLink, Person, StaffUser
from backend.services.filing import family, filings
from backend.lib.errors import NotFound
from tests.support.personas import make_person

NEIGHBOUR_ID = "13100219600820004"


def _number(prefix17: str) -> str:
    return prefix17 + idnumber.check_digit(prefix17)


@pytest.fixture()
def ctx(app, people, today):
    with app.app_context():
        yield people


def test_it_invites_a_relative_by_name_and_id_number_and_the_code_works_once(ctx):
    worker, neighbour = db.session.get(Person, ctx.worker), db.session.get(Person, ctx.neighbour)
    made = family.invite_member(worker, name="赵敏", id_number=_number(NEIGHBOUR_ID), relation="mother",
                                agent_relation="son", channel="h5")
    assert made.link.consent_state == "invited" and len(made.code) == 8
    assert made.expires_at == clock.now().astimezone(timezone.utc) + timedelta(days=family.INVITATION_DAYS)
    assert made.code not in (made.link.invitation_code_hash or "")
    assert not filings.consented_links(worker)

    link = family.accept_invitation(neighbour, made.code.lower(), channel="h5")
    assert link.consent_state == "consented" and link.consented_at == clock.now().astimezone(timezone.utc)
    assert [k.member_person_id for k in filings.consented_links(worker)] == [ctx.neighbour]
    with pytest.raises(NotFound):
        family.accept_invitation(neighbour, made.code, channel="h5")


def test_a_code_is_refused_from_anyone_but_the_invited_member(ctx):
    worker, son = db.session.get(Person, ctx.worker), db.session.get(Person, ctx.son)
    made = family.invite_member(worker, name="赵敏", id_number=_number(NEIGHBOUR_ID), relation="mother",
                                agent_relation="son", channel="h5")
    with pytest.raises(NotFound) as refused:
        family.accept_invitation(son, made.code, channel="h5")
    assert refused.value.code == "family_invitation_invalid"
    assert db.session.get(FamilyLink, made.link.id).consent_state == "invited"


def test_an_invitation_expires_after_seven_days(app, people):
    with app.app_context(), clock.frozen(date(2026, 11, 1)):
        worker = db.session.get(Person, people.worker)
        made = family.invite_member(worker, name="赵敏", id_number=_number(NEIGHBOUR_ID), relation="mother",
                                    agent_relation="son", channel="h5")
    with app.app_context(), clock.frozen(datetime(2026, 11, 8, 10, 0, 1, tzinfo=clock.CHINA)):
        with pytest.raises(NotFound):
            family.accept_invitation(db.session.get(Person, people.neighbour), made.code, channel="h5")


def test_a_wrong_name_or_unknown_number_is_answered_the_same_way(ctx):
    worker = db.session.get(Person, ctx.worker)
    codes = []
    for name, number in (("赵小敏", _number(NEIGHBOUR_ID)), ("赵敏", _number("11010119900101123"))):
        with pytest.raises(NotFound) as refused:
            family.invite_member(worker, name=name, id_number=number, relation="mother", agent_relation="son",
                                 channel="h5")
        codes.append(refused.value.code)
    assert codes == ["family_member_not_found", "family_member_not_found"]


def test_an_agent_holds_at_most_five_members(ctx):
    worker = db.session.get(Person, ctx.worker)
    for i in range(5):
        prefix = f"34010219700101{i}00"
        make_person(f"op-extra-{i}", f"成员{i}", prefix, "340100")
        family.invite_member(worker, name=f"成员{i}", id_number=_number(prefix), relation="other",
                             agent_relation="other", channel="h5")
    with pytest.raises(family.FamilyFull):
        family.invite_member(worker, name="赵敏", id_number=_number(NEIGHBOUR_ID), relation="mother",
                             agent_relation="son", channel="h5")
    first = family.members_of(worker)[0]
    family.revoke(worker, first.id, channel="h5")
    assert family.invite_member(worker, name="赵敏", id_number=_number(NEIGHBOUR_ID), relation="mother",
                                agent_relation="son", channel="h5").link.consent_state == "invited"


def test_the_member_revokes_consent_and_the_agent_loses_access_at_once(ctx):
    retiree, son = db.session.get(Person, ctx.retiree), db.session.get(Person, ctx.son)
    link = family.agents_of(retiree)[0]
    assert link.agent_person_id == ctx.son and filings.consented_links(son)
    family.revoke(retiree, link.id, channel="h5")
    assert filings.consented_links(son) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "family.revoked"))
    assert (entry.actor_id, entry.principal_person_id, entry.detail["by"]) == (ctx.retiree, ctx.retiree, "member")


def test_nobody_else_can_end_a_link(ctx):
    neighbour, retiree = db.session.get(Person, ctx.neighbour), db.session.get(Person, ctx.retiree)
    link = family.agents_of(retiree)[0]
    with pytest.raises(NotFound):
        family.revoke(neighbour, link.id, channel="h5")
    assert db.session.get(FamilyLink, link.id).consent_state == "consented"


def test_staff_record_an_offline_proof_for_a_member_who_cannot_consent_in_wechat(ctx):
    staff = StaffUser(username="window-1", display_name="窗口1", password_hash="-", role="reviewer")
    db.session.add(staff)
    db.session.flush()
    staff_id = staff.id
    link = family.record_offline_proof(staff_id, ctx.worker, ctx.neighbour, "mother", "户口本 第3页 已核验",
                                       agent_relation="son")
    assert link.proof_recorded_by == staff_id
    assert link.consent_state == "offline_proof" and link.proof_note == "户口本 第3页 已核验"
    worker = db.session.get(Person, ctx.worker)
    assert [k.member_person_id for k in filings.consented_links(worker)] == [ctx.neighbour]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "family.proof_recorded"))
    assert (entry.actor_kind, entry.principal_person_id) == ("staff", ctx.neighbour)


def test_an_offline_proof_needs_a_note_of_the_evidence(ctx):
    with pytest.raises(family.FamilyError) as refused:
        family.record_offline_proof(None, ctx.worker, ctx.neighbour, "mother", "  ")
    assert refused.value.code == "family_proof_note_required"
