"""Access control with personas: every route that takes an identifier, tried by each persona.

The retiree owns the data; her son acts with her consent; the neighbour has no link; the revoked
agent had consent and lost it. Only the first two may read or write; the others are refused, change
nothing, and no answer shows her name, her masked ID number or phone, or the city of her filing.
The routes come from the persona matrix (tests/support/access_matrix.py), which the url_map test keeps
complete.
"""
import io

import pytest
from flask import request
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from backend import create_app, messages
from backend.auth import PAGE_CODE_SALT, SALT
from backend.extensions import db
from backend.lib import idnumber
from backend.adapters import storage
from backend.models import AuditEntry, Document, FamilyLink, Filing, Institution, Person
from backend.services.data import reference_data
from backend.settlement.blueprint import api_token
from tests.lib.test_uploads import jpeg_with_gps
from tests.support.access_matrix import COVERED, NOT_PERSONAL, OUTSIDERS, OWNERS, identifier_rules, probes, uncovered
from tests.support.pages import PageActions
from tests.support.personas import page_code_for, token_for

# What a refusal for a reason of access says on a page (some pages answer it inside a 400 form).
ACCESS_REFUSALS = ("not_allowed", "filing_not_found", "family_link_not_found", "family_invitation_invalid",
                   "invalid_token")
RETIREE_ID = "21010219580312002" + idnumber.check_digit("21010219580312002")


@pytest.fixture()
def world(app, as_person, people, today):
    """The son files for his mother; the worker invites her (a pending code); ids of everything."""
    son = as_person("op-son")
    reference = son.file("我妈退休后住在深圳，参保在沈阳", "下周一")["filing"]["reference"]
    worker = as_person("op-worker")
    code = worker.client.post("/api/v1/family/invitations", headers=worker.headers, json={
        "name": "王秀英", "id_number": RETIREE_ID, "relation": "mother", "agent_relation": "other"}).get_json()["code"]
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
        link_id = db.session.scalar(select(FamilyLink.id).where(FamilyLink.agent_person_id == people.son))
        institution = db.session.scalar(select(Institution.code).where(Institution.area_code == "440300").limit(1))
        # An institution in Beijing: a page about it has no reason to name Shenzhen, the city of her filing.
        elsewhere = db.session.scalar(select(Institution.code).where(Institution.area_code == "110000").limit(1))
        retiree = db.session.get(Person, people.retiree)
        secrets = ("王", retiree.id_number_masked, retiree.phone_masked, RETIREE_ID, retiree.phone_encrypted, "深圳市")
        person_hash = retiree.id_number_hash
        papers = {who: _paper(app, reference, people.retiree, uploaded_by) for who, uploaded_by in
                  (("doc", people.son), ("doc_by_revoked", people.revoked))}
    return {"ref": reference, "code": code, "link": link_id, "inst": institution, "elsewhere": elsewhere,
            "retiree": people.retiree, "person_hash": person_hash, "secrets": secrets, **papers}


def _paper(app, reference: str, owner: int, uploaded_by: int) -> int:
    """A stored photo of her household register on her filing, as if uploaded while it waited for review."""
    photo = jpeg_with_gps()
    key = f"documents/test/{uploaded_by}-{owner}"
    storage.store(app).put(key, [photo])
    paper = Document(filing_id=db.session.scalar(select(Filing.id).where(Filing.reference == reference)),
                     material_code="household_register", owner_person_id=owner, uploaded_by_person_id=uploaded_by,
                     channel="test", content_type="image/jpeg", size_bytes=len(photo), sha256="0" * 64, pages=1,
                     storage_key=key, status="uploaded")
    db.session.add(paper)
    db.session.commit()
    return paper.id


def _keys(app, world, openid) -> dict:
    """The identifiers a persona puts in its requests: "self" or her member key, and a sign-in token."""
    with app.app_context():
        if openid in OWNERS:
            token, code = token_for(openid), page_code_for(openid)
        else:
            # A token (and a page code) naming the retiree, signed with another key: what a forger would try.
            token = URLSafeTimedSerializer("not-our-secret", salt=SALT).dumps({"a": "dev", "o": "op-retiree"})
            code = URLSafeTimedSerializer("not-our-secret", salt=PAGE_CODE_SALT).dumps(
                {"a": "dev", "o": "op-retiree", "n": "forged"})
    return {**world, "member": "self" if openid == "op-retiree" else f"member:{world['retiree']}", "token": token,
            "page_code": code}


def _state(app):
    with app.app_context():
        return (sorted(db.session.execute(select(Filing.reference, Filing.status, Filing.version)).all()),
                sorted(db.session.execute(select(FamilyLink.id, FamilyLink.consent_state)).all()))


def _refusal_words() -> list[str]:
    return [messages.text(code, "zh_CN") for code in ACCESS_REFUSALS]


def _send(who, probe):
    if probe.channel == "pages":
        return who.open(probe.path) if probe.method == "get" else who.submit(probe.path, probe.body, follow=False)
    if probe.multipart:
        return who.client.post(probe.path, headers=who.headers, content_type="multipart/form-data",
                               data={**probe.body, "file": (io.BytesIO(jpeg_with_gps()), "photo.jpg")})
    return getattr(who.client, probe.method)(probe.path, headers=who.headers, json=probe.body)


def _refused(answer) -> bool:
    """Refused for a reason of access: 401/403/404, or a page's form saying so."""
    body = answer.get_data().decode("utf-8", "replace")  # a paper read is a photo, not text
    return answer.status_code in (401, 403, 404) or any(words in body for words in _refusal_words())


def _pages(openid, app):
    actions = PageActions(app.test_client())
    actions.sign_in(openid)
    return actions


def test_every_route_that_takes_an_identifier_is_in_the_persona_matrix(app):
    assert uncovered(app) == {}
    # The matrix names no route that is gone, and the walk finds what the matrix lists.
    assert set(COVERED) | set(NOT_PERSONAL) <= set(identifier_rules(app))


def test_a_new_route_with_an_identifier_fails_the_matrix_until_it_is_covered(database_url):
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    fresh.add_url_rule("/api/v1/receipts/<int:receipt_id>", "api.receipt", lambda receipt_id: "")
    fresh.add_url_rule("/m/receipts", "pages.receipts", lambda: request.args.get("principal", ""))
    fresh.add_url_rule("/m/about", "pages.about", lambda: "")
    assert set(uncovered(fresh)) == {"api.receipt", "pages.receipts"}


@pytest.mark.parametrize("openid", OUTSIDERS)
@pytest.mark.parametrize("channel", ["api", "pages"])
def test_the_outsiders_read_and_change_nothing_of_the_retiree(app, as_person, world, openid, channel):
    before = _state(app)
    who = _pages(openid, app) if channel == "pages" else as_person(openid)
    tried = [p for p in probes(_keys(app, world, openid)) if (p.channel == "pages") == (channel == "pages")]
    for probe in tried:
        answer = _send(who, probe)
        body = answer.get_data(as_text=True)
        assert _refused(answer), (probe.path, answer.status_code)
        assert answer.status_code != 500, probe.path
        assert not [s for s in world["secrets"] if s in body], (probe.path, body[:300])
    if channel == "pages":
        assert world["ref"] not in who.open("/m/filings").get_data(as_text=True)
    else:
        assert who.filings().get_json()["filings"] == []
    assert _state(app) == before


@pytest.mark.parametrize("openid", OWNERS)
@pytest.mark.parametrize("channel", ["api", "pages"])
def test_the_retiree_and_her_consenting_son_reach_her_data_on_every_route(app, as_person, world, openid, channel):
    who = _pages(openid, app) if channel == "pages" else as_person(openid)
    tried = [p for p in probes(_keys(app, world, openid)) if (p.channel == "pages") == (channel == "pages")]
    for probe in tried:
        answer = _send(who, probe)
        if openid in probe.may:
            # Reached: done, or refused by the area's rules (lock period, no choice needed), never for access.
            assert not _refused(answer) and answer.status_code < 500, (probe.path, answer.status_code,
                                                                        answer.get_data()[:300])
        else:
            assert _refused(answer), (probe.path, answer.status_code)


def test_only_the_settlement_token_reads_a_registration(app, world):
    client = app.test_client()
    with app.app_context():
        service = {"Authorization": f"Bearer {api_token(app.config)}"}
    answer = client.get(f"/settlement/v1/registrations/{world['ref']}", headers=service)
    assert answer.status_code in (200, 404) and answer.get_json().get("error") != "unauthorized"


@pytest.mark.parametrize("openid", OWNERS + OUTSIDERS)
def test_a_persona_signing_in_with_a_token_becomes_only_the_person_it_names(app, world, openid):
    who = _pages("op-worker", app)
    answer = who.open(f"/m/auth?code={_keys(app, world, openid)['page_code']}")
    filings = who.open("/m/filings").get_data(as_text=True)
    if openid in OWNERS:
        assert answer.status_code == 302 and world["ref"] in filings
    else:
        # The forged token is refused and the visitor stays who they were (the worker, who sees no filing of hers).
        assert answer.status_code == 401 and world["ref"] not in filings


def test_a_relative_opening_her_filing_is_recorded_for_her_but_her_own_look_is_not(app, world, people):
    _pages("op-son", app).open(f"/m/filings/{world['ref']}")
    _pages("op-retiree", app).open(f"/m/filings/{world['ref']}")
    with app.app_context():
        views = db.session.execute(select(AuditEntry.actor_id, AuditEntry.principal_person_id)
                                   .where(AuditEntry.action == "filing.viewed")).all()
    assert views == [(people.son, people.retiree)]


def test_the_dialog_never_offers_the_retiree_to_the_neighbour_or_the_revoked_agent(app, as_person, world):
    for openid in OUTSIDERS:
        answer = as_person(openid).say("帮我妈办异地就医备案")
        assert answer.status_code == 200 and not [s for s in world["secrets"] if s in answer.get_data(as_text=True)]


def test_nobody_is_asked_for_whom_unless_they_have_consenting_members(app, as_person, world):
    worker = as_person("op-worker").say("办理异地就医备案").get_json()
    son = as_person("op-son").say("办理异地就医备案").get_json()
    assert worker["state"] != "principal" and son["state"] == "principal"
