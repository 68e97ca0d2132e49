"""Access control with personas: every route that takes an identifier, tried by each persona.

The retiree owns the data; her son acts with her consent; the neighbour has no link; the revoked
agent had consent and lost it. Only the first two may read or write; the others get 404/403 and
change nothing, and no answer names the retiree.
"""
import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import idnumber
from backend.services import reference_data
from backend.models import AuditEntry, FamilyLink, Filing, Institution
from tests.support.pages import PageActions

ALLOWED = ("op-retiree", "op-son")
REFUSED = ("op-neighbour", "op-revoked")


@pytest.fixture()
def world(app, as_person, people, today):
    """The son files for his mother; the worker invites her (a pending code); ids of everything."""
    son = as_person("op-son")
    reference = son.conversation("我妈退休后住在深圳，参保在沈阳", "下周一", 1, 1, 1)["filing"]["reference"]
    worker = as_person("op-worker")
    code = worker.client.post("/api/v1/family/invitations", headers=worker.headers, json={
        "name": "王秀英", "id_number": "21010219580312002" + idnumber.check_digit("21010219580312002"),
        "relation": "mother", "agent_relation": "other"}).get_json()["code"]
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.commit()
        link_id = db.session.scalar(select(FamilyLink.id).where(FamilyLink.agent_person_id == people.son))
        institution = db.session.scalar(select(Institution.code).where(Institution.area_code == "440300").limit(1))
    return {"ref": reference, "code": code, "link": link_id, "member": f"member:{people.retiree}",
            "inst": institution, "retiree": people.retiree}


def _api_requests(w):
    """(method, path, json) for every API route that takes the retiree's identifiers."""
    return [
        ("get", f"/api/v1/filings/{w['ref']}", None),
        ("post", f"/api/v1/filings/{w['ref']}/cancel", {"reason": "test"}),
        ("post", f"/api/v1/filings/{w['ref']}/change", {"start_date": "2026-12-07"}),
        ("put", f"/api/v1/filings/{w['ref']}/institutions", {"codes": [w["inst"]]}),
        ("get", f"/api/v1/institutions/{w['inst']}/settlement?visit=inpatient&principal={w['member']}", None),
        ("post", "/api/v1/eligibility/chronic", {"disease": "高血压", "area": "440300", "principal": w["member"]}),
        ("post", "/api/v1/family/invitations/accept", {"code": w["code"]}),
    ]


def _state(app):
    with app.app_context():
        return (sorted(db.session.execute(select(Filing.reference, Filing.status, Filing.version)).all()),
                sorted(db.session.execute(select(FamilyLink.id, FamilyLink.consent_state)).all()))


@pytest.mark.parametrize("openid", REFUSED)
def test_the_outsiders_read_and_change_nothing_of_the_retiree_through_the_api(app, as_person, world, openid):
    before = _state(app)
    who = as_person(openid)
    for method, path, body in _api_requests(world) + [("post", f"/api/v1/family/links/{world['link']}/revoke", None)]:
        answer = getattr(who.client, method)(path, headers=who.headers, json=body)
        assert answer.status_code in (403, 404), (path, answer.status_code, answer.get_json())
        assert "王" not in answer.get_data(as_text=True), path
    assert who.filings().get_json()["filings"] == []
    assert _state(app) == before


@pytest.mark.parametrize("openid", ALLOWED)
def test_the_retiree_and_her_consenting_son_reach_her_filing_through_the_api(app, as_person, world, openid):
    who = as_person(openid)
    assert who.filing(world["ref"]).status_code == 200
    assert [f["reference"] for f in who.filings().get_json()["filings"]] == [world["ref"]]
    # The retiree acts for herself ("self"); her son names her as his member.
    mine = {**world, "member": "self"} if openid == "op-retiree" else world
    for method, path, body in _api_requests(mine)[1:6]:
        answer = getattr(who.client, method)(path, headers=who.headers, json=body)
        # Reached: done, or refused by the area's rules (lock period, no choice needed) - never "not found".
        assert answer.status_code in (200, 400, 409), (path, answer.status_code, answer.get_json())
        assert (answer.get_json() or {}).get("error") not in ("filing_not_found", "not_allowed"), path


def _pages(openid, app):
    actions = PageActions(app.test_client())
    actions.sign_in(openid)
    return actions


def _page_requests(w):
    return [
        ("get", f"/m/filings/{w['ref']}", None),
        ("get", f"/m/filings/{w['ref']}/cancel", None),
        ("post", f"/m/filings/{w['ref']}/cancel", {"reason": "test"}),
        ("get", f"/m/filings/{w['ref']}/change", None),
        ("post", f"/m/filings/{w['ref']}/change", {"start_date": "2026-12-07"}),
        ("get", f"/m/institutions/{w['inst']}?visit=inpatient&principal={w['member']}", None),
        ("get", f"/m/chronic?disease=高血压&city=深圳&principal={w['member']}", None),
        ("get", f"/m/family/accept?code={w['code']}", None),
        ("post", "/m/family/accept", {"code": w["code"]}),
        ("post", f"/m/family/links/{w['link']}/revoke", {}),
    ]


@pytest.mark.parametrize("openid", REFUSED)
def test_the_outsiders_read_and_change_nothing_of_the_retiree_through_the_pages(app, world, openid):
    before = _state(app)
    who = _pages(openid, app)
    for method, path, data in _page_requests(world):
        answer = who.open(path) if method == "get" else who.submit(path, data, follow=False)
        body = answer.get_data(as_text=True)
        assert "王" not in body, path
        assert answer.status_code in (302, 400, 403, 404), (path, answer.status_code)
    assert world["ref"] not in who.open("/m/filings").get_data(as_text=True)
    assert _state(app) == before


@pytest.mark.parametrize("openid", ALLOWED)
def test_the_retiree_and_her_son_see_her_filing_on_the_pages(app, world, openid):
    who = _pages(openid, app)
    assert world["ref"] in who.open("/m/filings").get_data(as_text=True)
    detail = who.open(f"/m/filings/{world['ref']}")
    assert detail.status_code == 200 and "儿子 张*" in detail.get_data(as_text=True)
    key = "self" if openid == "op-retiree" else world["member"]
    assert who.open(f"/m/chronic?disease=高血压&city=深圳&principal={key}").status_code == 200


def test_a_relative_opening_her_filing_is_recorded_for_her_but_her_own_look_is_not(app, world, people):
    _pages("op-son", app).open(f"/m/filings/{world['ref']}")
    _pages("op-retiree", app).open(f"/m/filings/{world['ref']}")
    with app.app_context():
        views = db.session.execute(select(AuditEntry.actor_id, AuditEntry.principal_person_id)
                                   .where(AuditEntry.action == "filing.viewed")).all()
    assert views == [(people.son, people.retiree)]


def test_the_dialog_never_offers_the_retiree_to_the_neighbour_or_the_revoked_agent(app, as_person, world):
    for openid in REFUSED:
        answer = as_person(openid).say("帮我妈办异地就医备案")
        assert answer.status_code == 200 and "王" not in answer.get_data(as_text=True)


def test_nobody_is_asked_for_whom_unless_they_have_consenting_members(app, as_person, world):
    worker = as_person("op-worker").say("办理异地就医备案").get_json()
    son = as_person("op-son").say("办理异地就医备案").get_json()
    assert worker["state"] != "principal" and son["state"] == "principal"
