"""Soak: many simulated people each completing a filing conversation against gunicorn on loopback.

What is measured
  N users (default 10,000), each a bound insured person, complete a filing conversation of six
  turns ("公司派我去苏州工作一年", "下个月1号", then 1 each for the commitment letter, 我已阅读并承诺,
  the phone on file and 确认提交 -> an approved filing). Channels are mixed:
  about half talk through the mini-program API (`POST /api/v1/dialog/messages`, bearer token),
  the other half through the official account (`POST /wechat`, XML signed as WeChat signs it,
  a distinct MsgId per message). The app runs as in production: gunicorn with 2 sync workers
  (APP_ENV=production) on a fresh SQLite or PostgreSQL database, plus the outbox worker
  (`flask worker`) handing the filings off to the embedded settlement service.

  It prints throughput (turns/s, users/s), p50/p99 latency per endpoint, the error count
  (any non-200, a conversation that did not end with a filing, a socket error: must be 0), the
  RSS of every app worker after warm-up and at the end (growth must stay within 10%), and the
  hand-offs delivered. Bounded: it stops starting new users after --max-seconds and reports how
  many finished. Only 127.0.0.1 is contacted; everything it made is removed at the end.

Run
  .venv/bin/python benchmarks/soak.py [--users 10000] [--concurrency 16] [--max-seconds 1200]
      [--backend sqlite|postgresql]
  A short form (--users 200) runs in `make test` (tests/web/test_soak_short.py).
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import queue
import re
import secrets
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dialog_turn as base  # noqa: E402  (servers, databases, cleanup)

WECHAT_TOKEN, OA_APP_ID = "soak-wechat-token", "wx-oa-soak"
LINES = ["公司派我去苏州工作一年", "下个月1号", 1, 1, 1, 1]
MAX_RSS_GROWTH = 0.10

SETUP_SNIPPET = r"""
import json, sys
from datetime import date, timedelta
from wsgi import app
from backend.auth import issue_token
from backend.extensions import db
from backend.lib import idnumber
from backend.models import Person, WeChatIdentity

count, oa_app = int(sys.argv[1]), sys.argv[2]
users = []
with app.app_context():
    for i in range(count):
        birth = date(1950, 1, 1) + timedelta(days=i % 15000)
        first17 = "340102" + birth.strftime("%Y%m%d") + "%03d" % (i // 15000 + 1)
        person = Person(name="测试%05d" % i, insured_area_code="340100", scheme="employee",
                        employment_status="working")
        person.set_id_number(first17 + idnumber.check_digit(first17))
        person.set_phone("139%08d" % i)
        db.session.add(person)
        db.session.flush()
        channel = "wechat" if i % 2 else "api"
        identity = WeChatIdentity(app_id=oa_app if channel == "wechat" else "dev", openid="soak-%d" % i,
                                  person_id=person.id)
        db.session.add(identity)
        users.append((channel, identity))
        if i % 500 == 499:
            db.session.commit()
    db.session.commit()
    out = [{"channel": c, "openid": ident.openid, "token": issue_token(ident) if c == "api" else None}
           for c, ident in users]
print("USERS " + json.dumps(out))
"""


def prepare(backend: str, users: int) -> tuple[dict, list[dict]]:
    """A fresh database with the demo data and N bound users; return the server env and the users."""
    tmp = tempfile.mkdtemp(prefix=f"bench-soak-{backend}-")
    base._TMPDIRS.append(tmp)
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/soak.db"
    else:
        name = f"bench_soak_{os.getpid()}"
        base.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        base.pg_admin(f'CREATE DATABASE "{name}"')
        base._DATABASES.append(name)
        url = base.PG_URL.format(db=name)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "FLASK_APP")}
    env.update(APP_ENV="development", INSTANCE_PATH=tmp, DATABASE_URL=url, SECRET_KEY=base.SECRET_KEY,
               PYTHONPATH=str(base.ROOT), WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_OA_APP_ID=OA_APP_ID)
    started = time.perf_counter()
    base.flask_cli(env, "upgrade")
    base.flask_cli(env, "load-demo")
    out = base.run_cli(env, sys.executable, "-c", SETUP_SNIPPET, str(users), OA_APP_ID, timeout=1800)
    line = next(ln for ln in out.splitlines() if ln.startswith("USERS "))
    people = json.loads(line[len("USERS "):])
    print(f"  {backend}: database ready in {time.perf_counter() - started:.0f}s ({users} bound users)")
    # QUICK_TAP_SECONDS=0: the simulated people submit at machine speed, sooner than anyone could read the
    # summary; the guard that holds such a number back is tested in tests/web/test_quick_tap.py.
    return dict(env, APP_ENV="production", PUBLIC_RATE_LIMIT="1000000/minute", QUICK_TAP_SECONDS="0"), people


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Client:
    """One keep-alive connection; runs whole conversations and records what it saw."""

    def __init__(self, port: int, stats: dict, lock: threading.Lock):
        self.port, self.stats, self.lock = port, stats, lock
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def _request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body, headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status, data
            except (http.client.HTTPException, OSError):
                # gunicorn's sync workers close idle keep-alive connections: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(self, endpoint: str, seconds: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.stats.setdefault(endpoint, []).append(seconds)
            if not ok:
                self.stats.setdefault("errors", []).append(why)

    def api_user(self, user: dict) -> bool:
        headers = {"Authorization": f"Bearer {user['token']}", "Content-Type": "application/json"}
        body = None
        for line in LINES:
            payload = {"choice": line} if isinstance(line, int) else {"text": line}
            payload["message_id"] = uuid.uuid4().hex
            started = time.perf_counter()
            status, data = self._request("POST", "/api/v1/dialog/messages", json.dumps(payload).encode(), headers)
            ok = status == 200
            self._record("api /api/v1/dialog/messages", time.perf_counter() - started, ok, f"api {status}")
            if not ok:
                return False
            body = json.loads(data)
        done = bool(body and body.get("filing") and body["filing"]["status"] == "approved")
        if not done:
            self._record("conversation", 0.0, False, f"api conversation ended at {body and body.get('state')}")
        return done

    def wechat_user(self, user: dict) -> bool:
        reply = ""
        for line in LINES:
            timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
            signature = hashlib.sha1("".join(sorted([WECHAT_TOKEN, timestamp, nonce])).encode()).hexdigest()
            query = urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce})
            msg_id = int(time.time() * 1000) * 1000 + secrets.randbelow(1000)
            xml = (f"<xml><ToUserName><![CDATA[gh_soak]]></ToUserName><FromUserName><![CDATA[{user['openid']}]]>"
                   f"</FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                   f"<Content><![CDATA[{line}]]></Content><MsgId>{msg_id}</MsgId></xml>")
            started = time.perf_counter()
            status, data = self._request("POST", f"/wechat?{query}", xml.encode(), {"Content-Type": "text/xml"})
            ok = status == 200
            self._record("wechat /wechat", time.perf_counter() - started, ok, f"wechat {status}")
            if not ok:
                return False
            reply = data.decode("utf-8", "replace")
        done = "BA" in reply  # the outcome names the new filing's reference
        if not done:
            self._record("conversation", 0.0, False, "wechat conversation ended without a reference: "
                         + re.sub(r"\s+", " ", reply)[:120])
        return done


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run(backend: str, users: int, concurrency: int, max_seconds: float) -> int:
    env, people = prepare(backend, users)
    server = base.start_server("soak", ["wsgi:app"], env, "sync", 2, 1, env["INSTANCE_PATH"])
    worker = base.subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=base.ROOT, env=env,
                                   stdout=base.subprocess.DEVNULL, stderr=base.subprocess.DEVNULL,
                                   start_new_session=True)
    base._PROCS.append(worker)
    stats: dict = {}
    lock = threading.Lock()
    todo: queue.Queue = queue.Queue()
    for user in people:
        todo.put(user)
    finished = [0]
    # The baseline is taken once a quarter of the users are through: by then each of the two sync workers has
    # served both channels and built its per-process caches (areas, institution names, templates). With a
    # tenth (6 users in the suite's short run) one worker could still be cold, and building those later
    # (about 20 MB) read as growth.
    warm = max(1, min(200, users // 4))
    rss_start: dict[int, int] = {}
    deadline = time.monotonic() + max_seconds

    def drive():
        client = Client(server.port, stats, lock)
        while time.monotonic() < deadline:
            try:
                user = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done = client.api_user(user) if user["channel"] == "api" else client.wechat_user(user)
            except (http.client.HTTPException, OSError) as exc:
                client._record("socket", 0.0, False, f"socket {type(exc).__name__}")
                done = False
            with lock:
                finished[0] += done
                if finished[0] == warm and not rss_start:
                    rss_start.update({pid: rss_kb(pid) for pid in server.worker_pids()})

    started = time.perf_counter()
    threads = [threading.Thread(target=drive) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    rss_end = {pid: rss_kb(pid) for pid in server.worker_pids()}
    time.sleep(3)  # let the outbox worker catch up before counting hand-offs
    delivered = handoffs(env)
    turns = sum(len(v) for k, v in stats.items() if k.startswith(("api", "wechat")))
    errors = stats.get("errors", [])
    print(f"soak, {backend}: {finished[0]}/{users} users completed a filing in {elapsed:.0f}s "
          f"({finished[0] / elapsed:.1f} users/s, {turns / elapsed:.0f} turns/s, concurrency {concurrency})")
    for endpoint in sorted(k for k in stats if k.startswith(("api", "wechat"))):
        values = stats[endpoint]
        print(f"  {endpoint:32s} {len(values):7d} requests  p50 {pct(values, 0.5):7.1f} ms  "
              f"p99 {pct(values, 0.99):7.1f} ms")
    print(f"  errors {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
    growth_ok = True
    for pid, end in rss_end.items():
        start = rss_start.get(pid)
        if start:
            growth = (end - start) / start
            growth_ok &= growth <= MAX_RSS_GROWTH
            print(f"  worker {pid}: RSS {start / 1024:.1f} MB after warm-up -> {end / 1024:.1f} MB at the end "
                  f"({growth:+.1%})")
        else:
            print(f"  worker {pid}: started after the warm-up (a restarted worker?), RSS {end / 1024:.1f} MB")
            growth_ok = False
    print(f"  hand-offs delivered to the settlement service: {delivered}/{finished[0]}")
    verdict = not errors and growth_ok and finished[0] == users
    print(f"  {'PASS' if verdict else 'MISS'}: errors must be 0, every user must finish within "
          f"{max_seconds:.0f}s, RSS growth <= {MAX_RSS_GROWTH:.0%}")
    return 0 if verdict else 1


def handoffs(env: dict) -> int:
    snippet = ("from wsgi import app\nfrom backend.extensions import db\nfrom backend.models import Filing\n"
               "with app.app_context():\n    print(db.session.query(Filing).filter_by(handoff_status='delivered')"
               ".count())")
    return int(base.run_cli(dict(env, APP_ENV="development"), sys.executable, "-c", snippet).strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=1200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    try:
        return run(args.backend, args.users, args.concurrency, args.max_seconds)
    finally:
        base.cleanup()


if __name__ == "__main__":
    sys.exit(main())
