"""Signing out ends the session on the server: a copy of the cookie taken before no longer works."""
from tests.support.console import ConsoleActions, create_staff
from tests.support.pages import PageActions


def _copy_of_cookie(app, client):
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def test_a_page_cookie_copied_before_sign_out_no_longer_signs_in(app, client, people):
    pages = PageActions(client)
    pages.sign_in("op-retiree")
    copied = _copy_of_cookie(app, client)
    assert copied.get("/m/filings").status_code == 200

    pages.submit("/m/signout", token_from="/m/")

    assert copied.get("/m/filings").status_code == 302
    assert "/m/signin" in copied.get("/m/filings").headers["Location"]
    pages.sign_in("op-retiree")  # signing in again starts a fresh session that works
    assert client.get("/m/filings").status_code == 200


def test_a_console_cookie_copied_before_logout_no_longer_opens_the_console(app, client, people):
    with app.app_context():
        create_staff("reviewer-shenyang")
    console = ConsoleActions(client)
    assert console.login("reviewer-shenyang").status_code == 302
    copied = _copy_of_cookie(app, client)
    assert copied.get("/console/").status_code == 200

    console.logout()

    answer = copied.get("/console/")
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]
