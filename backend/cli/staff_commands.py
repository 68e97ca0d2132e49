"""`flask --app wsgi staff …`: create and manage staff accounts for the console."""
from __future__ import annotations

import os

import click
from flask import Flask

from backend import messages
from backend.models.staff import ROLES
from backend.services.console import staff_accounts
from backend.services.console.staff_accounts import StaffAccountError

PASSWORD_ENV = "STAFF_PASSWORD"


def _password() -> str:
    # Never a command-line argument: it would land in the shell history and in `ps` output.
    return os.environ.get(PASSWORD_ENV) or click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _fail(exc: StaffAccountError) -> None:
    raise click.ClickException(f"{messages.text(exc.code, 'zh_CN', **exc.params)} / "
                               f"{messages.text(exc.code, 'en', **exc.params)}")


def register(app: Flask) -> None:
    """Attach the `staff` command group to the app's CLI."""

    @app.cli.group("staff")
    def staff_group():
        """Create and manage staff accounts (reviewers, area administrators, auditors)."""

    @staff_group.command("create")
    @click.option("--username", required=True)
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--areas", default="", help="comma-separated co-ordination area codes, e.g. 210100,340100")
    @click.option("--display-name", default="", help="the name shown to colleagues and in the audit trail")
    @click.option("--totp", is_flag=True, help="require a one-time code from an authenticator app")
    def create_command(username, role, areas, display_name, totp):
        """Create an account; the password comes from $STAFF_PASSWORD or a hidden prompt."""
        try:
            made = staff_accounts.create_staff(username, _password(), role, areas.split(","),
                                               display_name=display_name, with_totp=totp)
        except StaffAccountError as exc:
            _fail(exc)
        click.echo(f"created {made.staff.username} ({made.staff.role}; areas {','.join(made.staff.area_codes) or 'all'})")
        if made.totp_uri:
            click.echo("Add this to an authenticator app (shown once):")
            click.echo(made.totp_uri)

    @staff_group.command("set-password")
    @click.option("--username", required=True)
    def set_password_command(username):
        """Set a new password (ends the account's open sessions)."""
        try:
            staff_accounts.set_password(username, _password())
        except StaffAccountError as exc:
            _fail(exc)
        click.echo(f"password changed for {username}")

    @staff_group.command("disable")
    @click.option("--username", required=True)
    def disable_command(username):
        """Disable an account (its sessions end at the next request)."""
        try:
            staff_accounts.set_active(username, False)
        except StaffAccountError as exc:
            _fail(exc)
        click.echo(f"disabled {username}")

    @staff_group.command("list")
    def list_command():
        """List the accounts."""
        for s in staff_accounts.list_staff():
            click.echo(f"{s.username:24} {s.role:10} {','.join(s.area_codes or []) or 'all':20} "
                       f"{'active' if s.active else 'disabled':8} {'totp' if s.totp_secret else ''}")
