"""The dialog API answers a turn exactly as its documented schema (TurnOut) would dump it.

The view builds the JSON itself (backend/api/dialog.turn_json) instead of a schema pass over every reply;
this holds the two equal on every turn of conversations that reach each kind of answer: a question with
choices, a summary, a submitted filing with its summary, a status answer, a cancel.
"""
import json

from backend.api import dialog
from backend.api.schemas import TurnOut


def test_every_turn_is_answered_as_the_schema_dumps_it(app, as_person, today, monkeypatch):
    compared: list[str] = []
    real = dialog.turn_json

    def checked(result):
        response = real(result)
        assert json.loads(response.get_data()) == TurnOut().dump(result.as_dict()), result.state
        compared.append(result.state if result.filing is None else "with a filing")
        return response

    monkeypatch.setattr(dialog, "turn_json", checked)
    worker = as_person("op-worker")
    worker.conversation("公司派我去苏州工作一年", "12月1日", 1, 1, 1)
    answer = worker.conversation(1)
    assert answer["filing"]["status"] == "approved"
    worker.conversation("我的备案办好了吗", "我要取消备案", "English please")
    assert "with a filing" in compared and "confirmed" in compared and len(compared) >= 9
