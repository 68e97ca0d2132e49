"""DEMO staff accounts and a few DEMO filings waiting for review, for `load-demo` (never in production)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock, idnumber
from backend.models import Person, StaffUser
from backend.services.filing import filings
from backend.services.console import staff_accounts
from backend.services.unit_of_work import unit_of_work

# Printed by load-demo; demo accounts exist only outside production.
DEMO_PASSWORD = "demo-console-2026"
DEMO_STAFF = [
    ("demo-reviewer-shenyang", "演示审核员（沈阳）", "reviewer", ["210100"]),
    ("demo-reviewer-hefei", "演示审核员（合肥）", "reviewer", ["340100"]),
    ("demo-admin", "演示管理员", "area_admin", ["210100", "340100"]),
    ("demo-auditor", "演示审计员", "auditor", []),
]
# (ID prefix, name, insured area, category, treatment area): fictional people whose filings used documents.
DEMO_QUEUE = [
    ("21010219700101001", "演示甲", "210100", "posted_worker", "320500"),
    ("21010219620202002", "演示乙", "210100", "retiree_resettled", "440300"),
    ("34010219880303003", "演示丙", "340100", "long_term_resident", "310000"),
]


def load_demo_staff() -> list[str]:
    """Create the demo staff accounts and demo queue filings (idempotent); return lines to print.

    Each account is created in its own unit of work (create_staff); the queue's filings in one more.
    """
    if current_app.config.get("APP_ENV") == "production":
        return ["demo staff accounts are not created in production"]
    lines = []
    for username, name, role, areas in DEMO_STAFF:
        if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
            staff_accounts.create_staff(username, DEMO_PASSWORD, role, areas, display_name=name, created_by="load-demo")
        lines.append(f"DEMO staff {username} ({role} {','.join(areas) or 'all'}) password {DEMO_PASSWORD}")
    made = 0
    with unit_of_work():
        for prefix, name, area, category, treatment in DEMO_QUEUE:
            number = prefix + idnumber.check_digit(prefix)
            if db.session.scalar(select(Person.id).where(Person.id_number_hash == Person.hash_for(number))):
                continue
            person = Person(name=name, insured_area_code=area, scheme="employee", employment_status="working",
                            is_demo=True)
            person.set_id_number(number)
            person.set_phone("1390000" + prefix[-4:])
            db.session.add(person)
            db.session.flush()
            start = clock.today() + timedelta(days=10)
            filings.submit_filing(person, {"category": category, "treatment_area": treatment,
                                           "start_date": start.isoformat(), "materials": "documents",
                                           "phone": "profile"}, channel="demo", submit_key=None)
            made += 1
    lines.append(f"{made} DEMO filings added to the review queue")
    return lines
