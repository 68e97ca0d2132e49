"""Reviewers read words, never the codes the database stores (category, materials, statuses, acts)."""
import html
import re
from datetime import datetime

import pytest

from backend.console.labels import label
from backend.extensions import db
from backend.lib import clock
from backend.models import Person, StaffUser
from backend.services.console import review
from tests.support.console import ConsoleActions, create_staff, pending_filing, text
from tests.support.personas import link

SNAKE_OR_DOTTED = re.compile(r"\b[a-z]+(?:[_.][a-z]+)*[_.][a-z]+\b")
# Stored values that are plain English words, so the pattern above cannot see them. The pages' English
# second line says "the person" and "staff member", so who acted is looked for where an audit row puts it.
PLAIN_CODES = ("employee", "resident", "working", "retired", "normal", "paid", "auto", "miniprogram", "invited",
               "consented")
ACTOR_CODE = re.compile(r"· (person|staff|system|wechat_identity)\b")


def visible_text(response) -> str:
    """Return what a reader sees: no tags, scripts, styles or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", text(response), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def codes_in(page: str) -> set[str]:
    return (set(SNAKE_OR_DOTTED.findall(page)) | {w for w in PLAIN_CODES if re.search(rf"\b{w}\b", page)}
            | set(ACTOR_CODE.findall(page)))


@pytest.fixture()
def console(client):
    return ConsoleActions(client)


@pytest.fixture()
def shenyang_cases(app, people, today):
    """The retiree's case filed by her son, after an earlier one a reviewer rejected; an invitation waiting."""
    with app.app_context():
        reviewer = create_staff("reviewer-shenyang")["reviewer-shenyang"]
        with clock.frozen(datetime(2026, 11, 3, 15, 0, tzinfo=clock.CHINA)):
            earlier = pending_filing(people.retiree, treatment="310000", category="long_term_resident")
        review.decide(db.session.get(StaffUser, reviewer), earlier, "reject", "documents_invalid")
        current = pending_filing(people.retiree, treatment="440300", category="retiree_resettled", by=people.son)
        link(db.session.get(Person, people.neighbour), db.session.get(Person, people.retiree), "mother", "son",
             state="invited")
        db.session.commit()
        return {"earlier": earlier, "current": current}


def test_the_case_page_names_the_person_filing_and_trail_in_chinese(console, shenyang_cases):
    console.login("reviewer-shenyang")
    page = visible_text(console.case(shenyang_cases["current"]))
    assert "职工医保" in page and "退休" in page and "参保正常 · 缴费正常" in page
    assert "异地安置退休人员" in page and "（儿子）" in page
    assert "办理了备案 · 申请人" in page
    earlier = visible_text(console.case(shenyang_cases["earlier"]))
    assert "审核未通过 · 工作人员 · 材料不能证明所选类别" in earlier and "工作人员审核" in earlier
    assert codes_in(page) == set() and codes_in(earlier) == set()


def test_the_materials_an_area_accepts_are_named_not_coded(console, app, people, today):
    with app.app_context():
        create_staff("reviewer-hefei")
        reference = pending_filing(people.worker)
    console.login("reviewer-hefei")
    page = visible_text(console.case(reference))
    assert "常驻异地工作人员" in page
    accepted = page[page.index("可接受的材料"):].split("\n")[0]
    assert "单位派出证明" in accepted and "劳动合同" in accepted and " 或 " in accepted
    assert codes_in(page) == set()


def test_the_queue_and_the_family_page_name_categories_relations_checks_and_states(console, shenyang_cases):
    console.login("reviewer-shenyang")
    queue = visible_text(console.queue())
    assert "异地安置退休人员" in queue and "（儿子代办）" in queue and "证明材料" in queue
    family = visible_text(console.client.get("/console/family"))
    assert "母亲 / 儿子" in family and "等待家人同意" in family
    assert codes_in(queue) == set() and codes_in(family) == set()


def test_the_sweep_sees_a_code_when_one_is_shown():
    assert codes_in("类别 posted_worker · filing.submitted · person · employee") == {
        "posted_worker", "filing.submitted", "person", "employee"}


def test_a_code_nobody_named_is_shown_as_it_is_and_an_unknown_kind_is_a_bug():
    assert label("new_material_of_2027", "material") == "new_material_of_2027"
    assert label(None, "category") == "—"
    with pytest.raises(ValueError):
        label("employee", "schemes")
