"""Staff sign-in: argon2id passwords, optional TOTP, rate limits, expiring sessions, CSRF, headers, read-only auditors."""
from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.lib import clock
from backend.models import AuditEntry, StaffUser
from backend.services.console import staff_accounts
from tests.support.console import PASSWORD, ConsoleActions, create_staff, pending_filing, text

NOON = datetime(2026, 11, 22, 12, 0, tzinfo=clock.CHINA)


@pytest.fixture()
def staff(app, people):
    with app.app_context():
        return create_staff()


@pytest.fixture()
def console(client):
    return ConsoleActions(client)


def test_a_reviewer_signs_in_with_the_right_password_and_the_hash_is_argon2id(app, console, staff):
    response = console.login("reviewer-shenyang")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    assert "沈阳审核员" in text(console.queue())
    with app.app_context():
        assert db.session.get(StaffUser, staff["reviewer-shenyang"]).password_hash.startswith("$argon2id$")


def test_a_wrong_password_or_an_unknown_username_gets_the_same_answer_and_an_audit_row(app, console, staff):
    wrong = console.login("reviewer-shenyang", "not the password")
    unknown = console.login("nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名、密码或动态验证码不对" in text(wrong) and "用户名、密码或动态验证码不对" in text(unknown)
    assert 'value="reviewer-shenyang"' in text(wrong)  # what was typed is kept (never the password)
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.login_failed")).all()) == 2


def test_sign_in_attempts_are_rate_limited(app, console, staff):
    app.config["STAFF_LOGIN_RATE_LIMIT"] = "3/minute"
    statuses = [console.login("reviewer-shenyang", "guess").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    blocked = console.login("reviewer-shenyang")
    assert blocked.status_code == 429 and "操作太频繁了" in text(blocked)


def test_guesses_at_one_account_from_many_addresses_are_limited_per_username(app, console, staff):
    app.config["STAFF_LOGIN_USER_RATE_LIMIT"] = "3/hour"  # the address limit (10/minute) never trips here

    def login_from(address: str, username: str, password: str):
        return console.client.post("/console/login", environ_base={"REMOTE_ADDR": address}, data={
            "username": username, "password": password, "csrf_token": console.csrf()})

    guesses = [login_from(f"203.0.113.{n}", "reviewer-shenyang", "guess").status_code for n in range(1, 5)]
    assert guesses == [401, 401, 401, 429]
    # The right password from yet another address waits too; the spelling of the name does not matter.
    assert login_from("198.51.100.7", " Reviewer-Shenyang ", PASSWORD).status_code == 429
    # Another account, even from an address that guessed, is not held back.
    assert login_from("203.0.113.1", "reviewer-hefei", PASSWORD).status_code == 302


def test_an_account_with_totp_needs_the_current_code_and_a_code_works_only_once(app, client, people):
    with app.app_context():
        create_staff("reviewer-hefei", totp=True)
        secret = db.session.scalar(select(StaffUser.totp_secret))
    console = ConsoleActions(client)
    with clock.frozen(NOON):
        code = pyotp.TOTP(secret).at(NOON)
        assert console.login("reviewer-hefei").status_code == 401
        assert console.login("reviewer-hefei", totp="000000" if code != "000000" else "111111").status_code == 401
        assert console.login("reviewer-hefei", totp=code).status_code == 302
        again = ConsoleActions(app.test_client())
        assert again.login("reviewer-hefei", totp=code).status_code == 401


def test_a_session_ends_after_30_idle_minutes_and_after_8_hours_in_any_case(app, console, staff):
    with clock.frozen(NOON):
        console.login("reviewer-shenyang")
    with clock.frozen(NOON + timedelta(minutes=29)):
        assert console.queue().status_code == 200
    with clock.frozen(NOON + timedelta(minutes=60)):
        expired = console.queue()
        assert expired.status_code == 302 and "expired=1" in expired.headers["Location"]
    with clock.frozen(NOON):
        console.login("reviewer-shenyang")
    for minutes in range(25, 8 * 60, 25):  # busy all day: never idle, still signed out at 8 hours
        with clock.frozen(NOON + timedelta(minutes=minutes)):
            assert console.queue().status_code == 200
    with clock.frozen(NOON + timedelta(hours=8, minutes=1)):
        assert console.queue().status_code == 302


def test_a_new_password_or_a_disabled_account_ends_open_sessions(app, console, staff):
    console.login("reviewer-shenyang")
    with app.app_context():
        staff_accounts.set_password("reviewer-shenyang", "an entirely new password")
    assert console.queue().status_code == 302
    console.login("reviewer-shenyang", "an entirely new password")
    with app.app_context():
        staff_accounts.set_active("reviewer-shenyang", False)
    assert console.queue().status_code == 302


def test_signing_out_needs_the_form_token_and_ends_the_session(console, staff):
    console.login("reviewer-shenyang")
    assert console.client.post("/console/logout").status_code == 302
    assert console.queue().status_code == 200  # a forged sign-out did nothing
    console.logout()
    assert console.queue().status_code == 302


def test_a_form_without_a_csrf_token_is_refused_while_the_json_api_needs_none(console, as_person, staff):
    response = console.client.post("/console/login", data={"username": "reviewer-shenyang", "password": PASSWORD})
    assert response.status_code == 400 and "页面停留太久" in text(response)
    assert as_person("op-worker").say("你好").status_code == 200


def test_console_pages_carry_the_security_headers_and_a_session_cookie_that_scripts_cannot_read(console, staff):
    response = console.client.get("/console/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_auditor_reads_every_area_but_every_change_is_refused(app, console, staff, people, today):
    with app.app_context():
        reference = pending_filing(people.worker)
    console.login("auditor")
    assert reference in text(console.queue()) and console.case(reference).status_code == 200
    token = console.csrf("/console/")
    for path in (f"/console/cases/{reference}/decision", "/console/bulk-approve", "/console/policies/340100/edit",
                 "/console/policies/340100/import", "/console/family"):
        response = console.client.post(path, data={"csrf_token": token, "action": "approve",
                                                   "reason": "documents_verified", "references": [reference]})
        assert response.status_code == 403, path
        assert "不允许" in text(response)
    with app.app_context():
        from tests.support.console import filing

        assert filing(reference).status == "pending_review"


def test_the_cli_creates_an_account_from_an_environment_password_never_an_argument(app, runner, people):
    result = runner.invoke(args=["staff", "create", "--username", "cli-reviewer", "--role", "reviewer",
                                 "--areas", "210100"], env={"STAFF_PASSWORD": "a long enough password"})
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["staff", "create", "--username", "cli-two", "--role", "reviewer", "--areas", "999999"],
                        env={"STAFF_PASSWORD": "a long enough password"})
    assert bad.exit_code != 0 and "不是统筹区" in bad.output
    with app.app_context():
        assert db.session.scalar(select(StaffUser.area_codes).where(StaffUser.username == "cli-reviewer")) == ["210100"]
