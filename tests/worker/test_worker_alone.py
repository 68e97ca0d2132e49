"""A worker process started alone, with none of the web blueprints imported, delivers every kind of outbox message.

The handlers are registered in one table (backend/worker/handlers.py) that the worker loads itself: before,
two of them were registered only because the WeChat blueprint imported their modules, so a worker without
that blueprint marked those messages "no handler". The process here is the real command
(`flask --app "backend:create_worker_app()" worker --once`) run with `python -X importtime`, whose list of
every module imported shows that no web module was loaded.
"""
from __future__ import annotations

import sys

from sqlalchemy import select

from backend.extensions import db
from backend.models import OutboxMessage, SettlementRegistration, WeChatIdentity
from backend.services.filing import notifications
from backend.services.wechat import wechat_replies
from backend.worker.handlers import HANDLERS
from tests.support import processes
from tests.support.fake_wechat import AES_KEY, MINI_APP_ID, OA_APP_ID, TEMPLATES, WECHAT_TOKEN, fake_wechat, wechat  # noqa: F401

WEB_PACKAGES = ("backend.api", "backend.pages", "backend.console", "backend.wechat")
WORKER = ("李强", "340102199001150033", "340100")


def _queue_one_of_each(app, wechat, as_person, people) -> list[str]:
    """Queue, through the app's own use cases, a message for every handler; return their topics."""
    # The worker accepts the filing-decision subscription in the mini-program (a subscribe message can go out).
    token = wechat.login("ok:mp-worker:union-worker").get_json()["token"]
    assert wechat.bind(token, *WORKER).status_code == 200
    assert wechat.client.post("/api/v1/auth/subscriptions", headers={"Authorization": f"Bearer {token}"},
                              json={"results": {TEMPLATES["filing_decided"]: "accept"}}).status_code == 200
    # He follows the official account: linking the follower to his mini-program identity is queued.
    wechat.fake.set_unionid("oa-worker", "union-worker")
    follower = wechat.follower("oa-worker")
    follower.push(follower.xml("event", Event="subscribe"))
    follower.say("你好")  # he wrote to the account: customer-service messages may reach him for 48 hours
    # The son files for his mother: approved at once, the hand-off to the settlement service is queued.
    son = as_person("op-son")
    filed = son.file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    assert filed["filing"]["status"] == "approved", filed
    with app.app_context():
        notifications.notify(people.worker, "filing_decided", {"reference": filed["filing"]["reference"],
                                                               "status": "approved"}, key="worker-alone")
        wechat_replies.queue_customer_service(OA_APP_ID, "oa-worker", ["后面的话"], key="worker-alone")
        db.session.commit()
        topics = [m.topic for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert {prefix for prefix in HANDLERS if any(t.startswith(prefix) for t in topics)} == set(HANDLERS), topics
    return topics


def test_a_worker_alone_delivers_every_kind_of_message_without_importing_the_web(app, database_url, wechat,
                                                                                 as_person, people):
    app.config["OUTBOX_WORKER"] = "off"  # nothing in this process delivers: only the worker below
    topics = _queue_one_of_each(app, wechat, as_person, people)
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"pending"}

    env = processes.env_with(
        DATABASE_URL=database_url, WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_AES_KEY=AES_KEY, WECHAT_APP_ID=MINI_APP_ID,
        WECHAT_APP_SECRET="mini-secret", WECHAT_OA_APP_ID=OA_APP_ID, WECHAT_OA_APP_SECRET="oa-secret",
        WECHAT_API_BASE_URL=wechat.fake.url,
        WECHAT_SUBSCRIBE_TEMPLATES=",".join(f"{k}={v}" for k, v in TEMPLATES.items()))
    done = processes.subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flask", "--app", "backend:create_worker_app()", "worker", "--once"],
        cwd=processes.ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "backend.worker.handlers" in imported and "backend.services.filing.handoff" in imported
    assert not [m for m in imported if m.startswith(WEB_PACKAGES)]

    with app.app_context():
        db.session.expire_all()
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert {(m.topic, m.status, m.last_error) for m in rows} >= {(t, "delivered", None) for t in topics}
        assert all(m.status == "delivered" for m in rows), [(m.topic, m.status, m.last_error) for m in rows]
        # Each receiver has what it was sent: the settlement service the filing, WeChat the messages,
        # and the follower is now the bound person.
        assert db.session.scalar(select(SettlementRegistration.event)) == "registered"
        follower = db.session.scalar(select(WeChatIdentity).where(WeChatIdentity.openid == "oa-worker"))
        assert follower.person_id == people.worker
    assert wechat.fake.received("/cgi-bin/message/subscribe/send")
    assert any("后面的话" in str(call) for call in wechat.fake.received("/cgi-bin/message/custom/send"))
