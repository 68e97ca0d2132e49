"""Editing an area's rules in the console: bilingual field errors that keep the input, history, import/export."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AreaPolicy
from tests.support.console import ConsoleActions, create_staff, text


@pytest.fixture()
def admin(app, client, people, today):
    with app.app_context():
        create_staff()
    actions = ConsoleActions(client)
    actions.login("admin-shenyang")
    return actions


def _form(page: str) -> dict:
    """Return the edit form's current values as a browser would submit them."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and (' type="checkbox"' not in tag or " checked" in tag):
            data.setdefault(name.group(1), []).append(value.group(1) if value else "y")
    data = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    for block in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', block[1]) or re.search(r'value="([^"]*)"', block[1])
        data[block[0]] = chosen.group(1)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*(.*?)</textarea>', page, re.S):
        data[name] = value
    return data


def test_the_edit_form_refuses_a_ratio_above_one_and_a_cap_below_the_deductible_in_both_languages(app, admin):
    page = text(admin.client.get("/console/policies/210100/edit"))
    data = _form(page)
    data["rules-0-ratio"] = "1.5"
    data["rules-1-deductible"], data["rules-1-annual_cap"] = "9000", "100"
    data["change_lock_months"] = "-2"
    response = admin.client.post("/console/policies/210100/edit", data=data)
    body = text(response)
    assert response.status_code == 400
    assert "比例须在 0 到 1 之间 / a ratio between 0 and 1" in body
    assert "年度限额须 ≥ 起付标准 / the annual cap must be &gt;= the deductible" in body
    assert "须为 0–120 的整数" in body
    assert 'value="1.5"' in body and 'value="9000"' in body  # what was typed is kept
    with app.app_context():
        assert len(db.session.scalars(select(AreaPolicy).where(AreaPolicy.area_code == "210100")).all()) == 1


def test_a_valid_edit_becomes_a_new_version_in_the_history(app, admin):
    data = _form(text(admin.client.get("/console/policies/210100/edit")))
    data["change_lock_months"] = "3"
    data["note"] = "调整变更锁定期"
    response = admin.client.post("/console/policies/210100/edit", data=data)
    assert response.status_code == 302, text(response)[:2000]
    history = text(admin.client.get("/console/policies/210100"))
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    assert tomorrow in history and "待生效 upcoming" in history and "调整变更锁定期" in history
    with app.app_context():
        new = db.session.scalar(select(AreaPolicy).where(AreaPolicy.effective_from == clock.today() + timedelta(days=1)))
        assert new.change_lock_months == 3 and new.created_by == "staff:admin-shenyang"
        assert len(new.reimbursement_rules) == 15 and len(new.chronic_diseases) == 10


def test_export_then_import_of_a_file_through_the_console(app, admin):
    exported = admin.client.get("/console/policies/210100/export.yaml")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    body = text(exported).replace("effective_from: '2025-01-01'", f"effective_from: '{tomorrow}'")
    response = admin.post("/console/policies/210100/import", {"file": (io.BytesIO(body.encode()), "p.yaml")},
                          token_from="/console/policies/210100", content_type="multipart/form-data")
    assert response.status_code == 302
    broken = admin.post("/console/policies/210100/import", {"file": (io.BytesIO(b"\xff\xfe"), "p.yaml")},
                        token_from="/console/policies/210100", content_type="multipart/form-data")
    assert broken.status_code == 400 and "UTF-8" in text(broken)


def test_a_reviewer_may_read_the_rules_of_their_area_but_not_edit_them(app, client, people):
    with app.app_context():
        create_staff("reviewer-shenyang")
    reviewer = ConsoleActions(client)
    reviewer.login("reviewer-shenyang")
    assert reviewer.client.get("/console/policies/210100").status_code == 200
    assert reviewer.client.get("/console/policies/210100/edit").status_code == 403
    assert reviewer.client.get("/console/policies/340100").status_code == 404


@pytest.mark.parametrize("field, typed", [("change_lock_months", 600), ("max_institutions", 50),
                                          ("emergency_late_filing_days", 400)])
def test_a_number_out_of_range_is_refused_with_the_same_words_by_the_form_and_every_import(app, admin, tmp_path,
                                                                                        field, typed):
    # The console form.
    data = _form(text(admin.client.get("/console/policies/210100/edit")))
    data[field] = str(typed)
    form = admin.client.post("/console/policies/210100/edit", data=data)
    assert form.status_code == 400
    said = {m for m in re.findall(r"须为[^<]*", text(form))}
    assert len(said) == 1, said
    words = said.pop().strip()
    # The console's file import, of the exported rules with that one number changed.
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    exported = text(admin.client.get("/console/policies/210100/export.yaml"))
    body = exported.replace("effective_from: '2025-01-01'", f"effective_from: '{tomorrow}'")
    body = re.sub(rf"(\n\s+{field}:) [^\n]*", rf"\1 {typed}", body)
    if f"{field}: {typed}" not in body:  # an empty limit is not exported: add it to the filing rules
        body = body.replace("\n  filing:\n", f"\n  filing:\n    {field}: {typed}\n", 1)
    assert f"{field}: {typed}" in body
    imported = admin.post("/console/policies/210100/import", {"file": (io.BytesIO(body.encode()), "p.yaml")},
                          token_from="/console/policies/210100", content_type="multipart/form-data")
    assert imported.status_code == 400 and words in text(imported), text(imported)[-1500:]
    # The command-line YAML import (what `flask import-policies` and the settlement service's import run).
    path = tmp_path / "p.yaml"
    path.write_text(body, encoding="utf-8")
    from backend.services.data import reference_data

    with app.app_context():
        report = reference_data.import_policies(path)
    assert report.accepted == 0 and any(words in reason for _, reason in report.rejected), report.rejected
