"""How many SQL statements each kind of dialog turn runs, so the count cannot grow back unnoticed (#22).

A persisted turn must read the person and the session, and write the session (a conditional UPDATE: the
optimistic lock); a submit also writes the filing, its decision, the outbox row and the audit row in the
same transaction. Anything beyond that is work the turn should not do. The budgets below are today's
counts, measured 2026-12-08 on SQLite and PostgreSQL alike (the same on both); lowering them is welcome,
raising them needs a reason in the commit.
"""
import pytest
from sqlalchemy import event

from backend.extensions import db

# turn kind -> the most statements it may run
BUDGET = {
    "first message of a session": 7,   # 8 before the family members were read only when a step asks
    "answer inside a flow": 5,
    "answer with a date": 5,   # 8 before the area's rules were read once a turn, 6 before answered steps were passed
    "summary reached": 6,      # 7 before
    "submit": 23,              # 25 before
    "status question": 9,      # 11 before the family links were read once for the list, 10 before 2026-12-08
}


@pytest.fixture()
def statements(app):
    """Collect the statements sent to the database; returns the list (cleared by the test between turns)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _turn(person, statements, said) -> tuple[int, dict]:
    statements.clear()
    response = person.choose(said) if isinstance(said, int) else person.say(said)
    assert response.status_code == 200, response.get_json()
    return len(statements), response.get_json()


def test_each_kind_of_turn_stays_within_its_statement_budget(app, as_person, people, statements):
    worker = as_person("op-worker")
    counted: dict[str, int] = {}
    counted["first message of a session"], _ = _turn(worker, statements, "你好")
    counted["answer inside a flow"], answer = _turn(worker, statements, "公司派我去苏州工作一年")
    assert answer["state"] == "start_date", answer["reply"]
    counted["answer with a date"], answer = _turn(worker, statements, "下个月1号")
    while answer["state"] != "confirmed":
        wanted = {"materials": "commitment_letter", "commitment": "signed", "phone": "profile"}[answer["state"]]
        number = next(c["number"] for c in answer["choices"] if c["value"] == wanted)
        count, answer = _turn(worker, statements, number)
        counted["summary reached"] = count
    submit = next(c["number"] for c in answer["choices"] if c["value"] == "yes")
    counted["submit"], answer = _turn(worker, statements, submit)
    assert answer["state"] == "submitted" and answer["filing"], answer["reply"]
    counted["status question"], answer = _turn(worker, statements, "我的备案办好了吗")
    over = {kind: (count, BUDGET[kind]) for kind, count in counted.items() if count > BUDGET[kind]}
    assert over == {}, f"turns over their statement budget (count, budget): {over}; all: {counted}"
    assert set(counted) == set(BUDGET)


def test_the_count_sees_statements_when_a_turn_runs_more(app, as_person, people, statements, monkeypatch):
    # The counter is real: one extra query in the turn shows up in the count.
    from backend.services.dialog import dialog_turns
    from sqlalchemy import text

    worker = as_person("op-worker")
    _turn(worker, statements, "你好")
    before, _ = _turn(worker, statements, "我的备案办好了吗")
    original = dialog_turns.build_context

    def with_one_more(*args, **kwargs):
        db.session.execute(text("SELECT 1"))
        return original(*args, **kwargs)

    monkeypatch.setattr(dialog_turns, "build_context", with_one_more)
    after, _ = _turn(worker, statements, "我的备案办好了吗")
    assert after == before + 1
