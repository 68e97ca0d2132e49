"""No ID number, phone number or credential reaches a log line: the app's and gunicorn's, under gunicorn as
`make serve-prod` runs it (access log on, the masking logger class)."""
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from backend.config import PROJECT_ROOT
from tests.support import processes
from tests.support.personas import token_for

pytestmark = pytest.mark.slow
ID18, ID18X, ID15, PHONE = "210102195803120023", "21010219580312002X", "110105491231002", "13812345678"


def _serve_prod_gunicorn_flags() -> list[str]:
    """Return the gunicorn logging flags `make serve-prod` uses (read from the Makefile, so they cannot drift)."""
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    flags = re.findall(r"(--access-logfile \S+|--logger-class \S+)", text)
    assert len(flags) == 2, flags
    return [part for flag in flags for part in flag.split()]


def test_no_number_or_credential_reaches_any_log_line(app, people, database_url, tmp_path):
    with app.app_context():
        token = token_for("op-son")
    log_path = tmp_path / "serve-prod.log"
    env = processes.env_with(APP_ENV="development", DATABASE_URL=database_url, OUTBOX_WORKER="off",
                             WECHAT_TOKEN="sweep-token")
    port = processes.free_port()
    proc = processes.start([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                            *_serve_prod_gunicorn_flags(), "wsgi:app"], env, log_path)
    url = f"http://127.0.0.1:{port}"
    bearer = {"Authorization": f"Bearer {token}"}
    signature = "5f" * 20
    try:
        processes.wait_http(f"{url}/healthz", proc=proc)
        for number in (ID18, ID18X, ID15, PHONE):
            for query in (number, quote("身份证号" + number), "id" + number, quote(number[:6] + " " + number[6:]),
                          "+".join((number[:6], number[6:14], number[14:]))):
                requests.get(f"{url}/api/v1/institutions?q={query}", timeout=10)
                requests.get(f"{url}/m/institutions?q={query}&city={query}", timeout=10)
            requests.get(f"{url}/api/v1/institutions/{number}", timeout=10)
            requests.get(f"{url}/m/{quote('号码' + number)}", timeout=10)
            requests.get(f"{url}/console/login?next=/console/{number}", timeout=10)
            requests.post(f"{url}/api/v1/auth/bind", json={"name": "王秀英", "id_number": number,
                                                           "insured_area": "210100"}, timeout=10)
            requests.post(f"{url}/api/v1/family/invitations", headers=bearer, timeout=10, json={
                "name": "王秀英", "id_number": number, "relation": "mother", "agent_relation": "son"})
            requests.post(f"{url}/api/v1/dialog/messages", headers=bearer, timeout=10,
                          json={"text": f"我的身份证号是{number}，电话{PHONE}"})
        requests.get(f"{url}/m/auth?token={token}", timeout=10)
        requests.get(f"{url}/m/auth?code={token}", timeout=10)
        requests.get(f"{url}/wechat?signature={signature}&timestamp=1700000000&nonce=n0nce&echostr=e", timeout=10)
        requests.post(f"{url}/wechat?signature={signature}&msg_signature={signature}&timestamp=1&nonce=2",
                      data="<xml/>", timeout=10)
    finally:
        processes.kill(proc)

    log = Path(log_path).read_text(encoding="utf-8", errors="replace")
    assert "GET /api/v1/institutions" in log and "/m/auth" in log  # the access log and the request log were on
    for secret in (ID18, ID18X, ID15, PHONE, token, signature, quote(ID18), ID18[:6] + "%20" + ID18[6:]):
        leaks = [line for line in log.splitlines() if secret in line]
        assert not leaks, (secret, leaks[:3])
