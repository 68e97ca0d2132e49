"""Staff personas and console actions for tests: who reviews what, and filings waiting for them.

- the Shenyang reviewer (沈阳 210100) and the Hefei reviewer (合肥 340100);
- the Shenyang area administrator;
- the auditor (reads every area, changes nothing).
"""
from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from backend.data.build_sample_policies import policy_for
from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, Person
from backend.services.filing import filings
from backend.services.console import staff_accounts
from backend.services.data.reference_data import import_policy_documents

PASSWORD = "correct horse battery staple"
STAFF = {
    "reviewer-shenyang": ("沈阳审核员", "reviewer", ["210100"]),
    "reviewer-shenyang-2": ("沈阳审核员二", "reviewer", ["210100"]),
    "reviewer-hefei": ("合肥审核员", "reviewer", ["340100"]),
    "admin-shenyang": ("沈阳管理员", "area_admin", ["210100"]),
    "auditor": ("审计员", "auditor", []),
}
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def create_staff(*usernames: str, totp: bool = False) -> dict[str, int]:
    """Create the named staff personas (all by default); return {username: id}."""
    made = {}
    for username in usernames or STAFF:
        name, role, areas = STAFF[username]
        made[username] = staff_accounts.create_staff(username, PASSWORD, role, areas, display_name=name,
                                                     with_totp=totp, created_by="test").staff.id
    return made


def pending_filing(person_id: int, *, treatment: str = "320500", category: str = "posted_worker",
                   start: date | None = None, materials: str = "documents", by: int | None = None,
                   replaces: str | None = None) -> str:
    """Submit a filing with documents for a person (by an agent if given); commits; returns its reference.

    A person has one long-term filing at a time: a second one must name the filing it replaces.
    """
    actor = db.session.get(Person, by or person_id)
    slots = {"category": category, "treatment_area": treatment, "materials": materials, "phone": "profile",
             "start_date": (start or clock.today() + timedelta(days=9)).isoformat(),
             "principal": f"member:{person_id}" if by else "self", "replaces": replaces}
    filing = filings.submit_filing(actor, slots, channel="test", submit_key=None)
    db.session.commit()
    return filing.reference


def waiting_at_different_times(people) -> dict[str, str]:
    """Four Shenyang cases filed on different days (call with the clock frozen at 2026-11-22); commits.

    They are submitted newest first, so their row ids run against their age and only the submission
    time can put them oldest first:
    - "fresh": the son, posted worker to Suzhou, filed 2026-11-21 (1 day waiting);
    - "middle": 刘芳, long-term resident in Shanghai, 2026-11-18 (4 days);
    - "older": 陈刚, the son's colleague, posted worker to Haikou, 2026-11-16 (6 days);
    - "oldest": the retiree, resettled retiree in Shenzhen, 2026-11-10 (12 days).

    Each is a different person's: a person has one long-term filing at a time.
    """
    from tests.support.personas import make_person

    def on(day: int):
        return clock.frozen(datetime(2026, 11, day, 9, 30, tzinfo=clock.CHINA))

    colleague = make_person("op-colleague", "陈刚", "21010219880214001", "210100").id
    made = {}
    with on(21):
        made["fresh"] = pending_filing(people.son)
    with on(18):
        made["middle"] = pending_filing(people.revoked, treatment="310000", category="long_term_resident")
    with on(16):
        made["older"] = pending_filing(colleague, treatment="460000")
    with on(10):
        made["oldest"] = pending_filing(people.retiree, treatment="440300", category="retiree_resettled")
    return made


def new_policy_version(area_code: str, **filing_rules) -> None:
    """Put a new version of an area's SAMPLE rules in force today, with filing-rule overrides; commits."""
    doc = copy.deepcopy(policy_for(area_code))
    doc["effective_from"] = clock.today().isoformat()
    doc["filing"].update(filing_rules)
    report = import_policy_documents([(0, doc)])
    assert not report.rejected, report.rejected


def filing(reference: str) -> Filing:
    """Return a filing by reference (fresh from the database)."""
    db.session.expire_all()
    return db.session.scalar(select(Filing).where(Filing.reference == reference))


class ConsoleActions:
    """What a staff member does in the console; tests call this instead of hand-building requests."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/console/login") -> str:
        page = self.client.get(path)
        match = _CSRF.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD, totp: str = ""):
        token = self.csrf("/console/login")
        return self.client.post("/console/login", data={"username": username, "password": password, "totp": totp,
                                                        "csrf_token": token})

    def logout(self):
        return self.client.post("/console/logout", data={"csrf_token": self.csrf("/console/")})

    def queue(self, **filters):
        return self.client.get("/console/", query_string=filters)

    def case(self, reference: str):
        return self.client.get(f"/console/cases/{reference}")

    def decide(self, reference: str, action: str, reason: str, note: str = "", token: str | None = None):
        token = token or self.csrf(f"/console/cases/{reference}")
        return self.client.post(f"/console/cases/{reference}/decision",
                                data={"action": action, "reason": reason, "note": note, "csrf_token": token})

    def bulk_approve(self, *references: str):
        return self.client.post("/console/bulk-approve",
                                data={"references": list(references), "csrf_token": self.csrf("/console/")})

    def mark_paper(self, reference: str, document_id: int, verdict: str, note: str = ""):
        return self.post(f"/console/cases/{reference}/documents/{document_id}/verdict",
                         {"verdict": verdict, "note": note}, token_from=f"/console/cases/{reference}")

    def ask_for_paper(self, reference: str, material: str, reason: str):
        return self.post(f"/console/cases/{reference}/ask-for-paper", {"material": material, "reason": reason},
                         token_from=f"/console/cases/{reference}")

    def post(self, path: str, data: dict, token_from: str | None = None, **kwargs):
        return self.client.post(path, data={**data, "csrf_token": self.csrf(token_from or path)}, **kwargs)


def text(response) -> str:
    """Return a response body as text."""
    return response.get_data(as_text=True)
