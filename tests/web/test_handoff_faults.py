"""Fault tests: the settlement service as its own process on loopback, the outbox worker as another.

Down for 1,000 approvals then back; slow or failing with 5xx; the worker killed between the
delivery and its acknowledgement. Every filing version must be registered exactly once (one 201
from the service per version, any resend answered 200 "duplicate"), in order, and the service must
end with each filing's final state: its last version, cancelled where the assistant cancelled it.
"""
import signal
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, select, text

from backend.extensions import db
from backend.lib import clock
from backend.models import Filing, OutboxMessage
from backend.services.filing import filings
from tests.support import processes
from tests.support.personas import load_policies, make_person

pytestmark = pytest.mark.slow


class Settlement:
    """The settlement service in its own process and database, behind a fault-injecting proxy."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.db_url = f"sqlite:///{tmp_path / 'settlement.db'}"
        self.env = processes.env_with(DATABASE_URL=self.db_url, INSTANCE_PATH=tmp_path / "settlement-instance")
        processes.run(processes.FLASK + ["--app", processes.SETTLEMENT_APP, "upgrade"], self.env)
        self.port, proxy_port = processes.free_port(), processes.free_port()
        self.url, self.proxy_url = f"http://127.0.0.1:{self.port}", f"http://127.0.0.1:{proxy_port}"
        self.proc = None
        self.proxy = processes.start([processes.sys.executable, "-m", "tests.support.fault_proxy", self.url,
                                      str(proxy_port)], self.env, tmp_path / "proxy.log")
        processes.wait_http(f"{self.proxy_url}/_fault", proc=self.proxy)
        self.engine = create_engine(self.db_url)

    def up(self):
        self.proc = processes.start(processes.FLASK + ["--app", processes.SETTLEMENT_APP, "run", "--port",
                                                       str(self.port), "--no-reload"],
                                    self.env, self.tmp / "settlement.log")
        processes.wait_http(f"{self.url}/healthz", proc=self.proc)

    def fault(self, **settings):
        return requests.post(f"{self.proxy_url}/_fault", json=settings, timeout=5).json()

    def answered(self) -> dict[str, int]:
        """Return the service's answers through the proxy by status: 201 first delivery, 200 duplicate."""
        return requests.get(f"{self.proxy_url}/_fault", timeout=5).json()["answered"]

    def final_state(self) -> dict[str, tuple[int, str]]:
        """Return the settlement side's current (version, status) of each filing."""
        with self.engine.connect() as conn:
            return {r.reference: (r.version, r.status) for r in conn.execute(text(
                "SELECT reference, version, status FROM settlement_filings"))}

    def registrations(self) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT reference, version FROM settlement_registrations ORDER BY id"))]

    def stop(self):
        processes.kill(self.proc)
        processes.kill(self.proxy)
        self.engine.dispose()


@pytest.fixture()
def settlement(tmp_path):
    service = Settlement(tmp_path)
    yield service
    service.stop()


class Workers:
    """Outbox worker processes on the assistant's database, talking to the proxy."""

    def __init__(self, database_url, settlement, tmp_path):
        self.env = processes.env_with(DATABASE_URL=database_url, SETTLEMENT_URL=settlement.proxy_url,
                                      OUTBOX_POLL_SECONDS=0.2, OUTBOX_BACKOFF_MAX=0.5, OUTBOX_LEASE_SECONDS=3,
                                      SETTLEMENT_TIMEOUT=1.5)
        self.tmp, self.procs = tmp_path, []

    def start(self, **overrides):
        env = {**self.env, **{k: str(v) for k, v in overrides.items()}}
        proc = processes.start(processes.FLASK + ["--app", "wsgi", "worker"], env, self.tmp / "worker.log")
        self.procs.append(proc)
        return proc

    def stop(self):
        for proc in self.procs:
            processes.kill(proc)


@pytest.fixture()
def workers(database_url, settlement, tmp_path):
    pool = Workers(database_url, settlement, tmp_path)
    yield pool
    pool.stop()


def approve_filings(app, count: int, *, cancel_every: int = 0, batch: str = "01") -> list[tuple[str, int]]:
    """Create count approved filings (and cancel every n-th at once); return the expected (reference, version)s.

    Each batch ("01", "02", ...) makes its own people, so a test may approve more later.
    """
    expected = []
    start = (clock.today() + timedelta(days=7)).isoformat()  # the workers run on the real clock
    with app.app_context():
        if batch == "01":  # later batches reuse the policy (a version used by decisions is never re-imported)
            load_policies("210100")
        for n in range(count):
            prefix = f"210102{1950 + n % 40}{batch}01{n % 1000:03d}"
            person = make_person(f"op-fault-{batch}-{n}", f"测试{n}", prefix[:17], "210100",
                                 phone=f"13{batch[-1]}{n:08d}")
            filing = filings.submit_filing(person, {"principal": "self", "category": "other_temporary",
                                                    "treatment_area": "440300", "start_date": start},
                                           channel="api", submit_key=None)
            assert filing.status == "approved", filing.decision_checks
            db.session.commit()
            expected.append((filing.reference, 1))
            if cancel_every and n % cancel_every == 0:
                filings.cancel_filing(person, filing.reference, channel="api", reason="test")
                expected.append((filing.reference, 2))
    return expected


def in_order_once(settlement: Settlement, expected: list[tuple[str, int]]) -> None:
    """Check every version arrived once and in order (the service's UNIQUE(reference, version)
    makes a second row impossible, so "once" is read from its answers: one 201 per version)."""
    registered = settlement.registrations()
    assert sorted(registered) == sorted(expected)
    assert settlement.answered().get("201") == len(expected), settlement.answered()
    seen: dict[str, int] = {}
    for reference, version in registered:
        assert version == seen.get(reference, 0) + 1, f"{reference} v{version} arrived out of order"
        seen[reference] = version


def final_states(app, expected: list[tuple[str, int]]) -> dict[str, tuple[int, str]]:
    """Return what the service should end with: each filing's last version, cancelled if cancelled."""
    with app.app_context():
        rows = db.session.execute(select(Filing.reference, Filing.version, Filing.status)
                                  .where(Filing.reference.in_({ref for ref, _ in expected})))
        return {r.reference: (r.version, "cancelled" if r.status == "cancelled" else "registered") for r in rows}


def handoff_states(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Filing.handoff_status, db.func.count()).group_by(Filing.handoff_status))
        return dict(rows.all())


def test_a_settlement_outage_over_1000_approvals_ends_with_each_registered_once_in_order(
        app, settlement, workers):
    workers.start()
    expected = approve_filings(app, 1000, cancel_every=10)
    assert len(expected) == 1100
    # The service has been down all along: everything waits in the outbox, nothing is lost.
    with app.app_context():
        waiting = db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.topic.startswith("filing."),
                                           OutboxMessage.status != "delivered"))
    assert waiting == 1100 and settlement.registrations() == []
    settlement.up()
    processes.wait_until(lambda: len(settlement.registrations()) >= 1100, timeout=240, what="1,100 registrations")
    processes.wait_until(lambda: handoff_states(app).get("delivered") == 1000, timeout=60, what="acknowledgements")
    in_order_once(settlement, expected)
    final = final_states(app, expected)
    assert sum(status == "cancelled" for _, status in final.values()) == 100
    assert settlement.final_state() == final


def test_slow_answers_and_5xx_are_retried_without_registering_twice(app, settlement, workers):
    settlement.up()
    settlement.fault(mode="error", count=5)
    workers.start()
    expected = approve_filings(app, 3)
    processes.wait_until(lambda: len(settlement.registrations()) == 3, timeout=60, what="registrations after 5xx")
    assert settlement.fault(mode="slow", delay=3)["refused"] == 5
    # Slower than the worker's 1.5 s timeout: the service registers the first one, the worker gives up
    # waiting and sends it again; the service answers "duplicate" and registers nothing twice.
    before = settlement.fault(mode="slow", delay=3)["forwarded"]
    expected += approve_filings(app, 3, batch="02")
    # Four sends for three filings: at least one was sent again after a timeout.
    processes.wait_until(lambda: settlement.fault(mode="slow", delay=3)["forwarded"] >= before + 4, timeout=60,
                         what="retries of a slow answer")
    settlement.fault(mode="pass")
    processes.wait_until(lambda: handoff_states(app).get("delivered") == 6, timeout=60, what="acknowledgements")
    in_order_once(settlement, expected)
    assert settlement.answered().get("200", 0) >= 1  # the resent one, answered "duplicate"
    assert settlement.final_state() == final_states(app, expected)


def test_a_worker_killed_between_delivery_and_acknowledgement_causes_no_duplicate(app, settlement, workers):
    settlement.up()
    settlement.fault(mode="hold", delay=60)
    first = workers.start(SETTLEMENT_TIMEOUT=90)
    expected = approve_filings(app, 1)
    # The service has registered it; the worker still waits for the answer. Kill it there.
    processes.wait_until(lambda: settlement.registrations() == expected, timeout=30, what="delivery")
    processes.kill(first, signal.SIGKILL)
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic.startswith("filing.")))
        assert message.status == "sending"  # claimed, never acknowledged
    settlement.fault(mode="pass")
    workers.start()  # picks it up once the dead worker's 3 s lease has run out
    processes.wait_until(lambda: handoff_states(app).get("delivered") == 1, timeout=60, what="redelivery")
    assert settlement.registrations() == expected
    # The redelivery reached the service and was answered "duplicate": one 201, then one 200.
    assert settlement.fault(mode="pass")["forwarded"] == 2
    assert settlement.answered() == {"201": 1, "200": 1}
    assert settlement.final_state() == final_states(app, expected) == {expected[0][0]: (1, "registered")}
