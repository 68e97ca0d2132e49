"""Concurrent submits of one confirmed dialog create exactly one filing (PostgreSQL, real HTTP)."""
import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Filing, OutboxMessage
from tests.support.server import serving

PARALLEL = 50


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# The concurrency guarantee is tested on the production database only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_fifty_parallel_confirmations_create_exactly_one_filing(app, as_person, today):
    worker = as_person("op-worker")
    confirm = worker.answer_until_summary("公司派我去苏州工作", "12月1日")
    assert confirm["state"] == "confirmed"
    token = worker.headers["Authorization"].split()[1]
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(PARALLEL)

    with serving(app) as base:
        def submit():
            barrier.wait()
            results.append(_post(f"{base}/api/v1/dialog/messages", token, {"choice": 1}))

        threads = [threading.Thread(target=submit) for _ in range(PARALLEL)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

    assert len(results) == PARALLEL
    assert {status for status, _ in results} <= {200, 409}
    created = [body["filing"]["reference"] for status, body in results if status == 200 and body.get("filing")]
    assert len(set(created)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    # The losers were told, in Chinese, that their tap was a repeat, and shown where things stand.
    losers = [body for status, body in results if status == 409]
    assert all(body["error"] == "stale_turn" and "turn" in body for body in losers)
