"""How fast the staff console's review queue renders with 10,000 filings waiting.

Seeds 10,000 pending filings (each with its person) in the reviewer's insured area, plus 40,000
decided filings spread over other areas, then times GET /console/ through the Flask test client,
signed in as a reviewer: the first page, a deep page, a category filter, an age filter, and the
auditor's all-areas queue. Target (console issue): the queue page renders in under 300 ms.

Run: .venv/bin/python benchmarks/console_queue.py [--backend sqlite|postgresql] [--pending 10000]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MS = 300.0
REQUESTS = 200
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REVIEWER_AREA = "210100"
OTHER_AREAS = ("340100", "131000", "440300", "320500", "110000", "310000")


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--decided", type=int, default=40_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-console-")
    os.environ.update(APP_ENV="testing", SECRET_KEY="benchmark-only", INSTANCE_PATH=tmp)
    worst = 0.0
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        schema = admin = None
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            from sqlalchemy import create_engine, text

            schema = f"bench_console_{os.getpid()}"
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        try:
            worst = max(worst, run(url, backend, args.pending, args.decided))
        finally:
            if schema:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    print(f"worst p99 {worst:.1f} ms vs target {TARGET_MS:.0f} ms -> {TARGET_MS / worst:.1f}x under the target"
          if worst < TARGET_MS else f"worst p99 {worst:.1f} ms: MISS (target {TARGET_MS:.0f} ms)")
    sys.exit(0 if worst < TARGET_MS else 1)


def seed(pending: int, decided: int) -> None:
    """Insert persons and filings in bulk (the rules are not run: only the queue's reading is timed)."""
    from sqlalchemy import insert

    from backend.extensions import db
    from backend.lib import clock, crypto, idnumber
    from backend.models import Filing, Person

    rng = random.Random(2026)
    now = clock.now()
    checks = [{"code": "insurance_status", "passed": True, "effect": "refuse", "params": {}},
              {"code": "category_offered", "passed": True, "effect": "refuse", "params": {}},
              {"code": "materials", "passed": False, "effect": "review",
               "params": {"documents": True, "category": "posted_worker", "required": [["posting_letter"]]}},
              {"code": "self_service", "passed": True, "effect": "review", "params": {}}]
    cipher = crypto.cipher()
    total = pending + decided
    for start in range(0, total, 2000):
        people, filings = [], []
        for i in range(start, min(total, start + 2000)):
            prefix = f"21010219{60 + i % 40:02d}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
            number = prefix + idnumber.check_digit(prefix)
            is_pending = i < pending
            people.append({"id": i + 1, "id_number_encrypted": number,
                           "id_number_hash": cipher.lookup_hash(number + str(i)),
                           "id_number_masked": idnumber.mask(number), "name": f"测试{i}",
                           "insured_area_code": REVIEWER_AREA if is_pending else rng.choice(OTHER_AREAS)})
            submitted = now - timedelta(minutes=rng.randint(1, 14 * 24 * 60))
            filings.append({
                "id": i + 1, "reference": f"BA{submitted:%Y%m%d}-{i + 1:06d}", "principal_person_id": i + 1,
                "actor_person_id": i + 1, "category": rng.choice(("posted_worker", "retiree_resettled", "referral")),
                "insured_area_code": people[-1]["insured_area_code"], "treatment_area_code": "320500",
                "start_date": (now + timedelta(days=10)).date(), "materials": ["documents"],
                "status": "pending_review" if is_pending else "approved",
                "decision_mode": None if is_pending else "auto", "decision_checks": checks,
                "decided_at": None if is_pending else submitted, "submitted_at": submitted})
        db.session.execute(insert(Person), people)
        db.session.execute(insert(Filing), filings)
        db.session.commit()


def run(url: str, backend: str, pending: int, decided: int) -> float:
    """Seed, then time the queue pages; return the worst p99 in ms."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from backend import create_app
    from backend.extensions import db
    from backend.services.data import reference_data
    from tests.support.console import ConsoleActions, create_staff

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        reference_data.load_areas()
        reference_data.load_diseases()
        db.session.commit()
        started = time.perf_counter()
        seed(pending, decided)
        create_staff("reviewer-shenyang", "auditor")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        seeded_s = time.perf_counter() - started
        db.engine.dispose()

    reviewer, auditor = ConsoleActions(app.test_client()), ConsoleActions(app.test_client())
    reviewer.login("reviewer-shenyang")
    auditor.login("auditor")
    pages = {
        "first page (oldest 50)": (reviewer, {}),
        "page 100": (reviewer, {"page": 100}),
        "category filter": (reviewer, {"category": "referral"}),
        "waiting >= 7 days": (reviewer, {"min_age_days": 7}),
        "auditor, all areas": (auditor, {}),
    }
    print(f"review queue, {backend}: {pending:,} pending + {decided:,} decided filings (seeded in {seeded_s:.1f} s),"
          f" {REQUESTS} requests per page, Flask test client")
    worst = 0.0
    for label, (actions, query) in pages.items():
        first = actions.queue(**query)
        assert first.status_code == 200 and "BA" in first.get_data(as_text=True), (label, first.status_code)
        timings = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = actions.queue(**query)
            response.get_data()
            timings.append((time.perf_counter() - started) * 1000)
        p99 = percentile(timings, 99)
        worst = max(worst, p99)
        print(f"  {label:24} p50 {percentile(timings, 50):6.1f} ms   p99 {p99:6.1f} ms   max {max(timings):6.1f} ms")
    return worst


if __name__ == "__main__":
    main()
