"""A sweep of every H5 page (each persona, normal and large text) and every console page (each staff role):
the text a person or reviewer reads holds no internal code (snake_case or dotted identifiers, stored
English values such as "employee" or "retired", who-acted codes).

The console's case, queue and family pages have their own tests of what they say
(test_console_reads_no_codes.py); this one covers every page the apps serve, so a page added later is
swept too: the console's page list is read from the app's routes.
"""
import json

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import Document
from tests.support.console import ConsoleActions, create_staff
from tests.support.pages import PageActions, build_world, large_step_paths, page_paths
from tests.web.test_console_reads_no_codes import codes_in, visible_text

PERSONAS = ("op-retiree", "op-son", "op-worker", "op-revoked", "op-neighbour")
STAFF_ROLES = ("reviewer-shenyang", "admin-shenyang", "auditor")
# Console routes that answer a file, not a page.
NOT_PAGES = {"console.static", "console.dashboard_csv", "console.export_policy", "console.paper_thumbnail"}


@pytest.fixture()
def world(app, people, as_person, today):
    return build_world(app, as_person)


def test_no_h5_page_shows_a_code_to_any_persona_in_either_text_size(app, client, world):
    pages = PageActions(client)
    found = {}
    for openid in PERSONAS:
        pages.sign_in(openid)
        for large in (False, True):
            pages.submit("/m/text-size", {"large": "1" if large else "", "next": "/m/"})
            paths = page_paths(world["reference"], world["code"], world["institution"])
            paths += large_step_paths(world["reference"], world["institution"]) if large else []
            paths += [f"/m/filings/{world['papers_reference']}",
                      f"/m/filings/{world['papers_reference']}/papers/{world['material']}"]
            for path in paths:
                response = pages.open(path)
                assert response.status_code < 500, (openid, path)
                codes = codes_in(visible_text(response))
                if codes:
                    found[(openid, large, path)] = sorted(codes)
    assert found == {}, json.dumps({" ".join(map(str, k)): v for k, v in found.items()}, ensure_ascii=False)


def _console_paths(app, world) -> list[str]:
    with app.app_context():
        document = db.session.scalar(select(Document.id).order_by(Document.id).limit(1))
    values = {"reference": world["papers_reference"], "area_code": "210100", "document_id": document}
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", str(values[name])).replace(f"<int:{name}>", str(values[name]))
        paths.append(path)
    paths.append(f"/console/cases/{world['reference']}")
    return paths


def test_no_console_page_shows_a_code_to_any_staff_role(app, client, world):
    with app.app_context():
        create_staff(*STAFF_ROLES)
    found = {}
    paths = _console_paths(app, world)
    assert "/console/" in paths and any(p.startswith("/console/cases/") for p in paths)
    for username in STAFF_ROLES:
        console = ConsoleActions(client)
        console.login(username)
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (username, path)
            if response.status_code != 200 or not response.mimetype == "text/html":
                continue
            codes = codes_in(visible_text(response))
            if codes:
                found[(username, path)] = sorted(codes)
        client.post("/console/logout", data={"csrf_token": console.token("/console/")}) if hasattr(console, "token") else None
    assert found == {}, json.dumps({" ".join(map(str, k)): v for k, v in found.items()}, ensure_ascii=False)
