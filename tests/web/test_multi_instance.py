"""Two app instances and one worker sharing PostgreSQL and Redis, as in production (real processes).

One conversation alternates between the instances turn by turn and completes a filing that the
worker (RQ) hands off; a WeChat retry that lands on the other instance is still answered once;
rate limits hold across instances.
"""
import os
import sys

import pytest
import requests
from redis import Redis
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import DialogSession, Filing, WeChatInboundMessage
from tests.support import processes
from tests.support.fake_wechat import WECHAT_TOKEN, OfficialAccountUser
from tests.support.personas import SON_FILES_FOR_MOTHER, token_for

pytestmark = pytest.mark.slow
REDIS_URL = os.environ.get("TEST_REDIS_URL_MULTI", f"redis://127.0.0.1:6379/{14 - 2 * processes.xdist_index()}")


class HttpClient:
    """Just enough of Flask's test client over real HTTP for OfficialAccountUser."""

    def __init__(self, base: str):
        self.base = base

    def post(self, path, query_string=None, data=None, headers=None):
        response = requests.post(self.base + path, params=query_string, data=data, headers=headers, timeout=30)
        response.get_data = lambda as_text=False: response.text if as_text else response.content
        response.data = response.content
        return response


@pytest.fixture()
def cluster(app, people, tmp_path, database_url):
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except Exception as exc:  # noqa: BLE001 (any Redis error means "not usable")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true but Redis at {REDIS_URL} is unreachable: {exc}")
        pytest.skip(f"Redis unavailable: {exc}")
    env = processes.env_with(APP_ENV="production", DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
                             INSTANCE_PATH=tmp_path, WECHAT_TOKEN=WECHAT_TOKEN, PUBLIC_RATE_LIMIT="4/minute",
                             OUTBOX_POLL_SECONDS=1)
    procs, urls = [], []
    try:
        for name in ("a", "b"):
            port = processes.free_port()
            proc = processes.start([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                                   env, tmp_path / f"instance-{name}.log")
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
            processes.wait_http(f"{urls[-1]}/healthz", proc=proc)
        procs.append(processes.start(processes.FLASK + ["--app", "wsgi", "worker"], env, tmp_path / "worker.log"))
        yield urls
    finally:
        for proc in procs:
            processes.kill(proc)
        Redis.from_url(REDIS_URL).flushdb()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_conversation_alternating_between_instances_files_once_and_is_handed_off(app, people, cluster, today):
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for('op-son')}"}
    lines = SON_FILES_FOR_MOTHER
    body = None
    for n, line in enumerate(lines):
        base = cluster[n % 2]
        payload = {"choice": line} if isinstance(line, int) else {"text": line}
        response = requests.post(f"{base}/api/v1/dialog/messages", json=payload, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
    assert body["filing"]["status"] == "approved"
    reference = body["filing"]["reference"]

    def delivered():
        answer = requests.get(f"{cluster[1]}/api/v1/filings/{reference}", headers=headers, timeout=10).json()
        return answer["handoff_status"] == "delivered"

    processes.wait_until(delivered, timeout=30, what="the hand-off through RQ")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_wechat_retry_landing_on_the_other_instance_runs_one_transition(app, people, cluster):
    first = OfficialAccountUser(HttpClient(cluster[0]), "oa-multi-user", token=WECHAT_TOKEN)
    again = OfficialAccountUser(HttpClient(cluster[1]), "oa-multi-user", token=WECHAT_TOKEN)
    xml = first.xml("text", msg_id=424242, Content="我想办异地就医备案")
    reply_a = first.reply_text(first.push(xml))
    assert reply_a  # a real reply, not "success"
    with app.app_context():
        version = db.session.scalar(select(func.max(DialogSession.version)))
    reply_b = again.reply_text(again.push(xml))
    assert reply_b == reply_a
    with app.app_context():
        assert db.session.scalar(select(func.max(DialogSession.version))) == version
        assert db.session.scalar(select(func.count()).select_from(WeChatInboundMessage)) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_rate_limits_hold_across_instances(app, people, cluster):
    statuses = [requests.get(f"{cluster[n % 2]}/api/v1/institutions?area=440300", timeout=10).status_code
                for n in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
