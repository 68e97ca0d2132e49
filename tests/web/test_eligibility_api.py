"""POST /api/v1/eligibility/chronic and the chronic conversation, with real data on both backends."""
from datetime import date

import pytest

from backend.extensions import db
from backend.models import Qualification
from backend.services.data import reference_data

PEOPLES_HOSPITAL = "SH4403000003"  # 深圳市人民医院: networked for dialysis (sample)
PKU_SHENZHEN = "SH4403000002"      # 北京大学深圳医院: not networked for dialysis (sample)


@pytest.fixture()
def mother_on_dialysis(app, as_person, people, today):
    with app.app_context():
        reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        db.session.add(Qualification(person_id=people.retiree, disease_code="uraemia_dialysis",
                                     insured_area_code="210100", certified_on=date(2024, 3, 1)))
        db.session.commit()
    son = as_person("op-son")
    son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    return son


def ask(actions, **body):
    return actions.client.post("/api/v1/eligibility/chronic", json=body, headers=actions.headers)


def test_the_son_learns_his_mothers_dialysis_settles_at_a_networked_hospital(mother_on_dialysis, people):
    response = ask(mother_on_dialysis, disease="透析", institution=PEOPLES_HOSPITAL, date="2026-12-10",
                   principal=f"member:{people.retiree}")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["eligible"] is True and body["disease"]["code"] == "uraemia_dialysis"
    assert body["area"]["code"] == "440300"  # taken from her approved filing
    assert [c["code"] for c in body["conditions"]] == ["qualification", "filing", "opened", "institution"]


def test_a_hospital_not_networked_for_the_disease_fails_first_with_the_ones_that_are(mother_on_dialysis, people):
    body = ask(mother_on_dialysis, disease="尿毒症", institution=PKU_SHENZHEN, date="2026-12-10",
               principal=f"member:{people.retiree}").get_json()
    assert body["eligible"] is False
    first = body["conditions"][0]
    assert (first["code"], first["reason"]) == ("institution", "institution_not_networked")
    assert "深圳市人民医院" in first["message"] or body["alternatives"]
    assert all(a["area_code"] == "440300" for a in body["alternatives"])


def test_a_person_without_the_qualification_is_told_to_apply_at_the_insured_area(mother_on_dialysis):
    body = ask(mother_on_dialysis, disease="透析", area="440300", date="2026-12-10").get_json()
    reasons = [c["reason"] for c in body["conditions"] if not c["passed"]]
    assert reasons[0] == "qualification_missing" and "filing_missing" in reasons
    assert "沈阳市" in body["conditions"][0]["message"]


def test_an_unknown_disease_word_answers_404_with_examples(mother_on_dialysis):
    response = ask(mother_on_dialysis, disease="头疼脑热", area="440300")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_disease" and "高血压" in response.get_json()["message"]


def test_the_neighbour_cannot_ask_about_the_retiree(mother_on_dialysis, as_person, people):
    neighbour = as_person("op-neighbour")
    assert ask(neighbour, disease="透析", area="440300", principal=f"member:{people.retiree}").status_code == 403


def test_the_chronic_conversation_answers_in_a_few_lines_failing_condition_first(mother_on_dialysis):
    # Today (2026-11-22) her filing, which starts on 2026-12-01, is not in force yet.
    answer = mother_on_dialysis.conversation("我妈在深圳透析，能直接结算吗")
    assert answer["flow"] is None
    lines = answer["reply"].splitlines()
    verdict = lines.index("目前不能直接结算，原因：")
    assert lines[verdict + 1].startswith("✗ 您的备案从2026-12-01起才生效")
    assert lines[verdict + 2:verdict + 4] == ["✓ 尿毒症透析已在参保地认定。", "✓ 参保地已开通尿毒症透析的跨省直接结算。"]
    assert "1. 深圳市人民医院" in lines

