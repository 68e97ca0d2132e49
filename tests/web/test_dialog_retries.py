"""Late retries: every message_id a session applied is answered as the first time and changes nothing."""
import json
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from sqlalchemy import func, select

from backend.extensions import db
from backend.lib import clock
from backend.models import DialogSession, Filing
from backend.models.dialogs import DialogMessageKey
from tests.support.pages import PageActions
from tests.support.server import serving

PARALLEL = 50


def _send(person, message_id: str, body: dict) -> dict:
    response = person.client.post("/api/v1/dialog/messages", json={**body, "message_id": message_id},
                                  headers=person.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _to_confirmation(person) -> list[tuple[str, dict, dict]]:
    """Say where the posted worker goes, then take choice 1 until 请核对; return (id, body, answer) per turn."""
    sent = []
    body = {"text": "公司派我去苏州工作一年"}
    while True:
        message_id = f"a{len(sent) + 1}"
        sent.append((message_id, body, _send(person, message_id, body)))
        if sent[-1][2]["state"] == "confirmed" or len(sent) > 8:
            break
        body = {"choice": 1}
    assert sent[-1][2]["state"] == "confirmed", [answer["state"] for _, _, answer in sent]
    return sent


def _submit_choice(answer: dict) -> int:
    return next(c["number"] for c in answer["choices"] if c["irreversible"])


def _snapshot(app) -> tuple:
    """What a turn may change: the session's step, slots and version, and the filings."""
    with app.app_context():
        session = db.session.scalar(select(DialogSession))
        filings = db.session.scalars(select(Filing.reference).order_by(Filing.id)).all()
        return session.flow, session.step, session.slots, session.engine_data, session.version, filings


def test_a_late_retry_of_an_earlier_choice_at_the_summary_gets_its_original_reply_and_files_nothing(
        app, as_person, today):
    worker = as_person("op-worker")
    sent = _to_confirmation(worker)
    question = _send(worker, "a-question", {"text": "这是什么"})
    assert question["state"] == "confirmed"
    before = _snapshot(app)

    # The phone re-sends its first "1" (the materials choice) long after it was answered.
    message_id, body, original = sent[1]
    assert body == {"choice": 1}
    late = _send(worker, message_id, body)

    assert late["repeated"] is True
    assert {k: v for k, v in late.items() if k != "repeated"} == {k: v for k, v in original.items() if k != "repeated"}
    assert late["state"] != "submitted" and late["filing"] is None
    assert _snapshot(app) == before
    # The summary is still waiting for a deliberate confirmation, which files once.
    confirmed = _send(worker, "a-confirm", {"choice": _submit_choice(question)})
    assert confirmed["state"] == "submitted" and confirmed["filing"]["status"] == "approved"


def test_duplicates_of_every_earlier_message_in_a_ten_turn_conversation_change_nothing(app, as_person, today):
    worker = as_person("op-worker")
    lines = ["公司派我去苏州工作一年", "这是什么", "12月1日"]
    sent: list[tuple[str, dict, dict]] = []

    def turn(body: dict) -> dict:
        message_id = f"t{len(sent) + 1}"
        sent.append((message_id, body, _send(worker, message_id, body)))
        # After every turn, the phone re-sends all the earlier ones: nothing moves.
        before = _snapshot(app)
        for earlier_id, earlier_body, earlier_answer in reversed(sent):
            again = _send(worker, earlier_id, earlier_body)
            assert again["repeated"] is True, earlier_id
            assert again["reply"] == earlier_answer["reply"] and again["version"] == earlier_answer["version"]
            assert again["state"] == earlier_answer["state"] and again["filing"] == earlier_answer["filing"]
        assert _snapshot(app) == before
        return sent[-1][2]

    for line in lines:
        answer = turn({"text": line})
    while answer["state"] != "confirmed" and len(sent) < 8:
        answer = turn({"choice": 1})
    assert answer["state"] == "confirmed"
    answer = turn({"text": "这是什么"})
    answer = turn({"choice": _submit_choice(answer)})
    assert answer["state"] == "submitted"
    while len(sent) < 10:
        turn({"text": "谢谢"})

    assert len(sent) == 10
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) == 1
        assert db.session.scalar(select(func.count()).select_from(DialogMessageKey)) == 10


def test_a_chat_page_form_sent_again_after_the_person_moved_on_changes_nothing(app, people, today):
    # The browser's back button and "resend the form" repeat an old page's hidden message_id.
    worker = PageActions(app.test_client())
    worker.sign_in("op-worker")
    worker.submit("/m/chat", {"text": "公司派我去苏州工作一年", "message_id": "h-1"}, token_from="/m/chat")
    worker.submit("/m/chat", {"text": "12月1日", "message_id": "h-2"}, token_from="/m/chat")
    before = _snapshot(app)
    assert before[1] != "start_date"
    worker.submit("/m/chat", {"text": "公司派我去苏州工作一年", "message_id": "h-1"}, token_from="/m/chat")
    assert worker.last.status_code == 200
    assert _snapshot(app) == before


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_fifty_parallel_retries_of_old_messages_and_the_confirmation_file_at_most_once(app, as_person, today):
    worker = as_person("op-worker")
    sent = _to_confirmation(worker)
    sent.append(("a-question", {"text": "这是什么"}, _send(worker, "a-question", {"text": "这是什么"})))
    confirm = ("a-confirm", {"choice": _submit_choice(sent[-1][2])})
    # Old ids with their own bodies, an old id carrying the confirming choice, and the confirmation itself.
    mixed = [(message_id, body) for message_id, body, _ in sent] + [(sent[1][0], confirm[1]), confirm]
    originals = {message_id: answer for message_id, _, answer in sent}
    token = worker.headers["Authorization"].split()[1]
    results: list[tuple[str, int, dict]] = []
    barrier = threading.Barrier(PARALLEL)

    with serving(app) as base:
        def retry(message_id: str, body: dict):
            barrier.wait()
            status, answer = _post(f"{base}/api/v1/dialog/messages", token, {**body, "message_id": message_id})
            results.append((message_id, status, answer))

        threads = [threading.Thread(target=retry, args=mixed[i % len(mixed)]) for i in range(PARALLEL)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    assert len(results) == PARALLEL
    for message_id, status, answer in results:
        if message_id in originals:
            # An id applied before: its first reply, whatever body came with it.
            assert status == 200 and answer["repeated"] is True, (message_id, status, answer)
            assert answer["reply"] == originals[message_id]["reply"]
        else:
            assert status in (200, 409), (status, answer)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Filing)) <= 1
    created = {answer["filing"]["reference"] for message_id, status, answer in results
               if message_id == confirm[0] and status == 200 and answer.get("filing")}
    assert len(created) <= 1


def test_message_ids_are_kept_three_days_and_pruned_by_the_daily_command(app, as_person, runner):
    worker = as_person("op-worker")
    start = datetime(2026, 11, 22, 10, 0, tzinfo=clock.CHINA)
    with clock.frozen(start):
        _send(worker, "old", {"text": "公司派我去苏州工作一年"})
    with clock.frozen(start + timedelta(days=1)):
        _send(worker, "recent", {"text": "12月1日"})
    with clock.frozen(start + timedelta(days=3, hours=1)):
        # Still answered as the first time within three days...
        assert _send(worker, "recent", {"text": "12月1日"})["repeated"] is True
        result = runner.invoke(args=["wechat", "prune"])
        assert "1 old dialog message ids removed" in result.output, result.output
    with app.app_context():
        assert db.session.scalars(select(DialogMessageKey.message_key)).all() == ["recent"]
