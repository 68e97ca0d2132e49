"""Without Redis the console's sign-in limit still holds across gunicorn workers: failures are counted in the database."""
import re
import sys
import threading

import pytest
import requests

from tests.support import processes
from tests.support.console import create_staff

pytestmark = pytest.mark.slow
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _attempt(url: str) -> int:
    with requests.Session() as browser:  # its own cookie and CSRF token, as a guesser's script would
        page = browser.get(f"{url}/console/login", timeout=10)
        token = _CSRF.search(page.text).group(1)
        return browser.post(f"{url}/console/login", timeout=10, allow_redirects=False, data={
            "username": "reviewer-shenyang", "password": "a wrong guess", "csrf_token": token}).status_code


def test_the_first_429_comes_at_the_eleventh_attempt_with_two_workers(app, people, database_url, tmp_path):
    with app.app_context():
        create_staff("reviewer-shenyang")
    env = processes.env_with(DATABASE_URL=database_url, STAFF_LOGIN_USER_RATE_LIMIT="1000/hour")
    port = processes.free_port()
    proc = processes.start([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                           env, tmp_path / "gunicorn.log")
    url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_http(f"{url}/healthz", proc=proc)
        statuses = []
        for _pair in range(5):  # two at a time, so both workers take guesses
            answers = [None, None]
            threads = [threading.Thread(target=lambda i=i: answers.__setitem__(i, _attempt(url))) for i in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            statuses += answers
        statuses.append(_attempt(url))
    finally:
        processes.kill(proc)

    assert statuses == [401] * 10 + [429], statuses  # STAFF_LOGIN_RATE_LIMIT: 10/minute per address
