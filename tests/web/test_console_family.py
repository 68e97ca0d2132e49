"""Offline proof of a relation, recorded by a reviewer of the member's insured area."""
from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditEntry, FamilyLink
from tests.support.console import ConsoleActions, create_staff, text
from tests.support.personas import link

def _ids():
    from backend.lib import idnumber

    return ("21010219580312002" + idnumber.check_digit("21010219580312002"),
            "21010219850607001" + idnumber.check_digit("21010219850607001"),
            "13100219600820004" + idnumber.check_digit("13100219600820004"))


def test_a_shenyang_reviewer_records_a_household_register_for_a_mother_who_cannot_consent(app, client, people):
    retiree_id, _, neighbour_id = _ids()
    with app.app_context():
        create_staff("reviewer-shenyang", "reviewer-hefei")
        from backend.models import Person

        link(db.session.get(Person, people.neighbour), db.session.get(Person, people.retiree), "mother", "son",
             state="invited")
        db.session.commit()
    console = ConsoleActions(client)
    console.login("reviewer-shenyang")
    page = text(console.client.get("/console/family"))
    assert "赵敏" in page and "王秀英" in page  # the invitation waits for the mother's consent
    response = console.post("/console/family", {
        "member_id_number": retiree_id, "agent_id_number": neighbour_id, "relation": "mother",
        "agent_relation": "son", "document": "household_register", "seen_original": "y", "note": "户口簿第3页"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(FamilyLink).where(FamilyLink.agent_person_id == people.neighbour))
        assert row.consent_state == "offline_proof" and row.proof_recorded_by is not None
        assert "户口簿" in row.proof_note
        assert db.session.scalar(select(AuditEntry.actor_kind).where(AuditEntry.action == "family.proof_recorded")) == "staff"


def test_a_hefei_reviewer_cannot_record_a_proof_for_a_shenyang_member_and_the_form_keeps_the_input(app, client, people):
    retiree_id, son_id, _ = _ids()
    with app.app_context():
        create_staff("reviewer-hefei")
    console = ConsoleActions(client)
    console.login("reviewer-hefei")
    response = console.post("/console/family", {
        "member_id_number": retiree_id, "agent_id_number": son_id, "relation": "mother", "agent_relation": "son",
        "document": "household_register", "seen_original": "y"})
    assert response.status_code == 404 and "没有找到这位参保人" in text(response)
    assert f'value="{son_id}"' in text(response)
    unchecked = console.post("/console/family", {
        "member_id_number": retiree_id, "agent_id_number": son_id, "relation": "mother", "agent_relation": "son",
        "document": "household_register"})
    assert unchecked.status_code == 400 and "请确认已查验原件" in text(unchecked)
