"""Dialog and filing commands: dev-token, chat, filings list."""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from backend.auth import ensure_identity, issue_token
from backend.extensions import db
from backend.models import Filing
from backend.services.dialog import dialog_turns
from backend.services.filing import filings
from backend.lib.errors import StaleTurn
from backend.services.unit_of_work import unit_of_work

filings_group = AppGroup("filings", help="Inspect filings.")


def register(app: Flask) -> None:
    """Attach the dialog and filing commands."""
    app.cli.add_command(filings_group)

    @app.cli.command("dev-token")
    @click.argument("openid")
    @click.option("--app-id", default="dev", show_default=True)
    def dev_token_command(openid: str, app_id: str):
        """Print an API session token for OPENID (development and testing only)."""
        if app.config["APP_ENV"] not in ("development", "testing"):
            # Tokens for any openid would let anyone act as anyone: never in production.
            raise click.ClickException("dev-token is disabled unless APP_ENV is development or testing")
        with unit_of_work():
            identity = ensure_identity(openid, app_id)
        click.echo(issue_token(identity))

    @app.cli.command("chat")
    @click.option("--openid", default="demo-zhang-wei", show_default=True, help="who you are (demo identities exist)")
    @click.option("--app-id", default="dev", show_default=True)
    def chat_command(openid: str, app_id: str):
        """Talk to the assistant in the terminal (the same engine and sessions as every channel)."""
        with unit_of_work():
            identity = ensure_identity(openid, app_id)
        click.echo("异地就医备案助手 — 输入消息，Ctrl-D 退出。 (type a message; Ctrl-D quits)\n")
        while True:
            try:
                text = click.prompt("您", prompt_suffix="> ", default="", show_default=False)
            except (EOFError, click.Abort):
                click.echo()
                return
            try:
                result = dialog_turns.handle_turn(identity, {"text": text}, channel="terminal")
            except StaleTurn as exc:
                result = exc.params["result"]
            click.echo(f"\n助手> {result.text}\n")


@filings_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def list_command(as_json: bool):
    """List every filing (reference, status, category, areas, dates, actor)."""
    rows = []
    for filing in db.session.scalars(db.select(Filing).order_by(Filing.id)):
        item = filings.summary(filing)
        rows.append({k: item[k] for k in ("reference", "status", "category", "insured_area", "treatment_area",
                                          "start_date", "end_date", "filed_by", "filed_by_name", "submitted_at",
                                          "decision_mode", "reason", "handoff_status", "channel")}
                    | {"principal_person_id": filing.principal_person_id, "actor_person_id": filing.actor_person_id})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['reference']}  {r['status']:<15} {r['category']:<20} "
                   f"{r['insured_area']['name']} -> {r['treatment_area']['name']}  {r['start_date']}..{r['end_date'] or ''}")
