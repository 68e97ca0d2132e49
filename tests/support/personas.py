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
from backend.services.data.reference_data import import_policy_documents

POLICY_AREAS = ("210100", "340100", "131000", "440300", "320500", "110000", "310000", "460000")


# The son's filing for his mother as lines sent over HTTP, for tests that talk to a served app without
# ApiActions (an int is a numbered choice): his words, the start, then the commitment letter, 我已阅读并承诺,
# the phone on file and 确认提交. Keep in step with ApiActions.ROUTINE_ANSWERS.
SON_FILES_FOR_MOTHER = ("我妈退休后住在深圳，参保在沈阳", "下个月1号", 1, 1, 1, 1)


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


def page_code_for(openid: str) -> str:
    """Return a one-time page sign-in code (/m/auth?code=…) for a dev identity, as POST /auth/page-code gives."""
    from backend.auth import issue_page_code

    identity = db.session.scalar(db.select(WeChatIdentity).where(WeChatIdentity.openid == openid))
    return issue_page_code(identity)


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

    # What a person answers at a filing step when the test does not say: the commitment letter, signing it
    # after reading it, the phone on file, the area's default end date. Any other step stops the walk, so a
    # step added to the flow fails here, in one place, instead of being answered blindly.
    ROUTINE_ANSWERS = {"materials": "commitment_letter", "commitment": "signed", "phone": "profile", "end_date": 1}

    def answer_until_summary(self, *lines, **answers) -> dict:
        """Send lines, then answer each routine step until the summary (请核对); return the summary's JSON.

        answers replaces the answer at a step: a choice's value ("documents"), its number, or text
        (materials="documents", phone="13800001111"); the submit choice itself is never answered here.
        """
        answer = self.conversation(*lines) if lines else self.last.get_json()
        for _ in range(8):
            step = answer["state"]
            if step == "confirmed":
                return answer
            wanted = answers.get(step, self.ROUTINE_ANSWERS.get(step))
            assert wanted is not None, f"the conversation asks {step!r}, not a routine step: {answer['reply']}"
            by_value = [c["number"] for c in answer["choices"] if c["value"] == wanted]
            answer = self.conversation(by_value[0] if by_value else wanted)
            assert answer["state"] != step, f"the answer {wanted!r} at {step!r} was not taken: {answer['reply']}"
        raise AssertionError(f"no summary after eight answers; last step {answer['state']!r}")

    def file(self, *lines, **answers) -> dict:
        """Talk until the summary (see answer_until_summary), tap 确认提交 and return the submitted answer's JSON."""
        summary = self.answer_until_summary(*lines, **answers)
        submit = [c["number"] for c in summary["choices"] if c["value"] == "yes" and c["irreversible"]]
        assert submit, f"no 确认提交 choice at the summary: {summary['choices']}"
        answer = self.conversation(submit[0])
        assert answer["state"] == "submitted" and answer["filing"], answer["reply"]
        return answer

    def filings(self):
        return self.client.get("/api/v1/filings", headers=self.headers)

    def filing(self, reference: str):
        return self.client.get(f"/api/v1/filings/{reference}", headers=self.headers)

    def cancel(self, reference: str, reason: str = ""):
        return self.client.post(f"/api/v1/filings/{reference}/cancel", json={"reason": reason}, headers=self.headers)

    def change(self, reference: str, **changes):
        return self.client.post(f"/api/v1/filings/{reference}/change", json=changes, headers=self.headers)

    def upload(self, reference: str | None, material: str, data: bytes, filename: str = "photo.jpg"):
        """Send one paper for a filing (or, with reference None, for the conversation's draft)."""
        import io

        path = f"/api/v1/filings/{reference}/documents" if reference else "/api/v1/dialog/documents"
        return self.client.post(path, headers=self.headers, content_type="multipart/form-data",
                                data={"material": material, "file": (io.BytesIO(data), filename)})

    def papers(self, reference: str):
        return self.client.get(f"/api/v1/filings/{reference}/documents", headers=self.headers)

    def paper(self, document_id: int):
        return self.client.get(f"/api/v1/documents/{document_id}", headers=self.headers)

    def delete_paper(self, document_id: int):
        return self.client.delete(f"/api/v1/documents/{document_id}", headers=self.headers)
