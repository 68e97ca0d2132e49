"""Personas and actions for app tests: who they are, and what they do through the API.

- the retiree: 王秀英, insured in Shenyang (沈阳), retired employee;
- her son: 张伟, insured in Shenyang, her consenting agent (she is his "mother", he is her "son");
- the neighbour: 赵敏, insured in Langfang (廊坊), with no link to anyone;
- the revoked agent: 刘芳, once linked to the retiree, consent revoked;
- the worker: 李强, insured in Hefei (合肥), a posted worker going to Suzhou.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from backend.auth import issue_token
from backend.data.build_sample_policies import policy_for
from backend.extensions import db
from backend.lib import idnumber
from backend.models import FamilyLink, Person, WeChatIdentity
from backend.models._types import utcnow
from backend.services.reference_data import import_policy_documents

POLICY_AREAS = ("210100", "340100", "131000", "440300", "320500", "110000", "310000", "460000")


def load_policies(*codes: str, **overrides) -> None:
    """Import the SAMPLE policy of each area, with filing-rule overrides (e.g. self_service_enabled=False)."""
    docs = []
    for code in codes or POLICY_AREAS:
        doc = copy.deepcopy(policy_for(code))
        doc["filing"].update(overrides)
        docs.append((0, doc))
    report = import_policy_documents(docs)
    assert not report.rejected, report.rejected


def make_person(openid: str, name: str, id_prefix17: str, area: str, *, status="working", phone=None) -> Person:
    """Create an insured person bound to a dev WeChat identity."""
    person = Person(name=name, insured_area_code=area, scheme="employee", employment_status=status)
    person.set_id_number(id_prefix17 + idnumber.check_digit(id_prefix17))
    person.set_phone(phone or "139" + id_prefix17[-8:])
    db.session.add(person)
    db.session.flush()
    db.session.add(WeChatIdentity(app_id="dev", openid=openid, person_id=person.id))
    return person


def link(agent: Person, member: Person, relation: str, agent_relation: str, state="consented") -> FamilyLink:
    """Link an agent to a member with the given consent state."""
    row = FamilyLink(agent_person_id=agent.id, member_person_id=member.id, relation=relation,
                     agent_relation=agent_relation, consent_state=state,
                     consented_at=utcnow() if state == "consented" else None,
                     revoked_at=utcnow() if state == "revoked" else None)
    db.session.add(row)
    return row


@dataclass
class Personas:
    """The persons' ids (rows outlive the session that made them)."""

    retiree: int
    son: int
    neighbour: int
    revoked: int
    worker: int


def create_personas() -> Personas:
    """Create the five personas (call inside an app context); commits."""
    retiree = make_person("op-retiree", "王秀英", "21010219580312002", "210100", status="retired")
    son = make_person("op-son", "张伟", "21010219850607001", "210100")
    neighbour = make_person("op-neighbour", "赵敏", "13100219600820004", "131000", status="retired")
    revoked = make_person("op-revoked", "刘芳", "21010219780902002", "210100")
    worker = make_person("op-worker", "李强", "34010219900115003", "340100")
    link(son, retiree, "mother", "son")
    link(revoked, retiree, "mother", "daughter", state="revoked")
    db.session.commit()
    return Personas(retiree.id, son.id, neighbour.id, revoked.id, worker.id)


def token_for(openid: str) -> str:
    """Return an API token for a dev identity."""
    identity = db.session.scalar(db.select(WeChatIdentity).where(WeChatIdentity.openid == openid))
    return issue_token(identity)


class ApiActions:
    """What a person does through the mini-program API; tests call this instead of hand-building requests."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.last = None

    def say(self, text: str, **extra):
        self.last = self.client.post("/api/v1/dialog/messages", json={"text": text, **extra}, headers=self.headers)
        return self.last

    def choose(self, number: int, **extra):
        self.last = self.client.post("/api/v1/dialog/messages", json={"choice": number, **extra}, headers=self.headers)
        return self.last

    def conversation(self, *lines):
        """Send each line (an int is a numbered choice) and return the last answer's JSON."""
        for line in lines:
            response = self.choose(line) if isinstance(line, int) else self.say(line)
            assert response.status_code == 200, response.get_json()
        return self.last.get_json()

    def filings(self):
        return self.client.get("/api/v1/filings", headers=self.headers)

    def filing(self, reference: str):
        return self.client.get(f"/api/v1/filings/{reference}", headers=self.headers)

    def cancel(self, reference: str, reason: str = ""):
        return self.client.post(f"/api/v1/filings/{reference}/cancel", json={"reason": reason}, headers=self.headers)

    def change(self, reference: str, **changes):
        return self.client.post(f"/api/v1/filings/{reference}/change", json=changes, headers=self.headers)
