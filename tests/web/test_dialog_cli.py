"""The operator commands of the filing issue: dev-token, chat, filings list --json."""
import json

from backend import create_app


def test_dev_token_prints_a_token_the_api_accepts(runner, client):
    result = runner.invoke(args=["dev-token", "op-cli"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.post("/api/v1/dialog/messages", json={"text": "你好"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_dev_token_is_refused_in_production(database_url, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    result = app.test_cli_runner().invoke(args=["dev-token", "someone"])
    assert result.exit_code != 0 and "disabled" in result.output


def test_the_terminal_chat_runs_the_same_engine_and_sessions(runner, people, today):
    # The commitment letter, 我已阅读并承诺, the phone on file, 确认提交.
    script = "公司派我去苏州工作\n12月1日\n1\n1\n1\n1\n"
    result = runner.invoke(args=["chat", "--openid", "op-worker"], input=script)
    assert result.exit_code == 0, result.output
    assert "备案已通过" in result.output and "BA20261122-" in result.output


def test_filings_list_json_prints_reference_status_category_areas_dates_and_actor(runner, people, as_person, today):
    as_person("op-son").file("我妈退休后住在深圳，参保在沈阳", "下个月1号")
    result = runner.invoke(args=["filings", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "approved" and row["category"] == "retiree_resettled"
    assert row["treatment_area"]["code"] == "440300" and row["insured_area"]["code"] == "210100"
    assert row["start_date"] == "2026-12-01" and row["filed_by"] == "son"
    assert row["principal_person_id"] == people.retiree and row["actor_person_id"] == people.son
