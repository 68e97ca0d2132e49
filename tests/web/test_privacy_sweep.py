"""Privacy: no page and no API answer shows a full ID number or phone, except the owner's own settings form.

The sweep covers every address in page_paths for the retiree and her son, and the JSON a person gets
back from the filings, family, profile and activity routes and from the assistant, including a phone
number typed into the conversation.
"""
import re

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import idnumber
from backend.models import Person
from tests.support.pages import PageActions, build_world, page_paths

TYPED_PHONE = "13912345678"
NEIGHBOUR_ID = "13100219600820004" + idnumber.check_digit("13100219600820004")


@pytest.fixture()
def world(app, people, as_person, today):
    return build_world(app, as_person)


@pytest.fixture()
def numbers(app, people):
    """Every full ID number and phone of the personas, and one typed into the assistant."""
    with app.app_context():
        persons = db.session.scalars(select(Person)).all()
        found = {p.id_number_encrypted for p in persons} | {p.phone_encrypted for p in persons if p.phone_encrypted}
    assert len(found) == 10
    return found | {TYPED_PHONE}


def _shown(text: str, numbers: set[str]) -> list[str]:
    return [n for n in numbers if n in text]


@pytest.mark.parametrize("openid", ["op-retiree", "op-son"])
def test_no_page_shows_a_full_id_number_or_phone_except_the_owners_settings_form(app, world, numbers, openid):
    who = PageActions(app.test_client())
    who.sign_in(openid)
    with app.app_context():
        me = db.session.scalar(select(Person).where(Person.name == {"op-retiree": "王秀英", "op-son": "张伟"}[openid]))
        own_phone, own_id, own_masked = me.phone_encrypted, me.id_number_encrypted, me.id_number_masked
    for path in page_paths(world["reference"], world["code"], world["institution"]):
        html = who.open(path).get_data(as_text=True)
        assert who.last.status_code < 500, path
        if path == "/m/settings":
            # The owner's own edit form holds the phone to change; nothing else, and never the ID number.
            assert html.count(own_phone) == 1 and f'value="{own_phone}"' in html and own_masked in html
            html = html.replace(own_phone, "")
        assert _shown(html, numbers) == [], path
    assert own_id not in who.open("/m/settings").get_data(as_text=True)


def test_no_api_answer_shows_a_full_id_number_or_phone(app, world, numbers, as_person):
    son, retiree, worker = as_person("op-son"), as_person("op-retiree"), as_person("op-worker")
    answers = {}
    for name, who in (("son", son), ("retiree", retiree)):
        for path in ("/api/v1/filings", f"/api/v1/filings/{world['reference']}", "/api/v1/family",
                     "/api/v1/me", "/api/v1/me/activity"):
            answers[f"{name} {path}"] = who.client.get(path, headers=who.headers)
    answers["son invites"] = son.client.post("/api/v1/family/invitations", headers=son.headers, json={
        "name": "赵敏", "id_number": NEIGHBOUR_ID, "relation": "other", "agent_relation": "other"})
    answers["son lists his filings in the chat"] = son.say("查看我的备案")
    # The worker types a new phone number: the confirmation and the filing show it masked.
    # (The commitment letter, 我已阅读并承诺, the typed phone, 确认提交.)
    said = ("公司派我去苏州工作一年", "12月1日", 1, 1, TYPED_PHONE, 1)
    for n, line in enumerate(said):
        answers[f"worker says {line} (turn {n})"] = worker.choose(line) if isinstance(line, int) else worker.say(line)
    reference = answers[f"worker says 1 (turn {len(said) - 1})"].get_json()["filing"]["reference"]
    answers["worker's filing"] = worker.filing(reference)
    for name, answer in answers.items():
        assert answer.status_code in (200, 201), (name, answer.get_json())
        assert _shown(answer.get_data(as_text=True), numbers) == [], name
    confirmation = answers[f"worker says {TYPED_PHONE} (turn 4)"].get_json()["reply"]
    assert "请核对" in confirmation and re.search(r"139\*{4}5678", confirmation)
    assert answers["worker's filing"].get_json()["contact_phone"] == "139****5678"
