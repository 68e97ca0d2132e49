"""Throughput and latency of one persisted dialog turn, against a bare Flask endpoint.

What is measured
  `POST /api/v1/dialog/messages` served by gunicorn (2 workers, sync and/or
  gthread with 4 threads) on loopback, with 16 concurrent connections. Every
  request is a real turn of a bound user: token check, load the dialog session
  row, NLU, engine, save with the optimistic lock, commit. The messages follow a
  realistic conversation (start a filing, city, temporary/referral, start date,
  default validity, materials, phone, then "重新开始" and "不办了"),
  so the cycle covers the flow's steps without submitting a filing (a submitted
  filing would change the path of every later cycle). Each connection has its
  own users (64 users over 16 connections), so no two requests ever race for one
  session: a 409 stale answer is a bug in the run and is reported as an error.

  In the same run a bare Flask app (benchmarks/bare_app.py: one POST route that
  parses the JSON and answers a small JSON) is served by gunicorn with identical
  settings and driven with the same requests. Its throughput is the ceiling of
  the HTTP stack on this machine; the ratio dialog/bare says what the turn costs.
  A third server, the floor (benchmarks/floor_app.py; --no-floor skips it), does
  only the database work no persisted turn can skip (read the session row, the
  conditional UPDATE, commit) with the raw driver, in the same database: the
  ratio dialog/floor (target >= 50%) says how much more than that the turn costs.
  Before the servers, benchmarks/turn_stages.py drives the same conversation
  in-process and prints the CPU per turn (target <= 1.5 ms) split by stage
  (identity, session, context, engine, effects, render, commit, the rest).

  Both on a fresh SQLite database (temporary directory) and on a fresh
  PostgreSQL database (CREATE DATABASE bench_dialog_<pid> at 127.0.0.1:5432,
  dropped at the end), each made with `flask upgrade` and `flask load-demo`,
  plus the benchmark's bound users (persons + dev WeChat identities) and their
  tokens from the `dev-token` command.

How
  The load generator is wrk (Debian package `wrk`) with one connection per wrk
  thread and a generated Lua script that keeps each connection's users and
  conversation positions, checks that every reply's `state` is the step the
  script expects ("off-script" otherwise; BENCH_DEBUG=1 prints each one) and
  counts 409s and other non-2xx answers. Without wrk it says so and falls back
  to a Python client (threads with keep-alive http.client connections), which
  shares the 2 cores with the servers and so understates the figures.

  Per backend it prints requests/s for the dialog turn and the bare endpoint,
  their ratio (target >= 50%), the p50/p90/p99 client-side latency of the turns
  (target p99 <= 25 ms), the server-side handling time from the app's request
  log, the CPU used by the app workers, PostgreSQL and the load generator, and
  PASS/MISS per target. It exits non-zero only when the run itself had errors
  (setup failed, non-2xx answers, 409s, socket errors, off-script replies), not
  when a target is missed. Only 127.0.0.1 is contacted; every server process,
  temporary directory and database it made is removed at the end, also on
  Ctrl-C.

Run
  .venv/bin/python benchmarks/dialog_turn.py [--seconds 15] [--warmup 5]
      [--backends sqlite,postgresql] [--worker-classes sync,gthread]
      [--users 64] [--connections 16] [--python-client]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import turn_stages  # noqa: E402  (the in-process CPU per stage)

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/dialog/messages"
SECRET_KEY = "benchmark-only-secret-key"
TARGET_RATIO = 0.50
TARGET_P99_MS = 25.0
TARGET_OF_FLOOR = 0.50  # the turn against the floor endpoint (benchmarks/floor_app.py), served the same way
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"

# One cycle of a user's conversation. Each user starts at the last message
# ("不办了"), which brings any session, whatever its step, back to idle.
CONVERSATION: list[dict] = [
    {"text": "我想办异地就医备案"},
    {"text": "深圳"},
    {"choice": 2},          # 临时去看病
    {"choice": 1},          # 转诊
    {"text": "下周一"},
    {"choice": 1},          # 默认有效期
    {"choice": 1},          # materials
    {"choice": 1},          # 用已留的电话 -> confirm step
    {"text": "重新开始"},   # from scratch: the draft is forgotten, so every cycle takes the same path
    {"text": "不办了"},
]

# Made by the benchmark, removed by cleanup() (also on Ctrl-C).
_PROCS: list[subprocess.Popen] = []
_DATABASES: list[str] = []
_TMPDIRS: list[str] = []


class RunError(RuntimeError):
    """The run itself failed (as opposed to a missed target)."""


# --------------------------------------------------------------------------- setup

USERS_SNIPPET = r"""
import json, sys
from datetime import date, timedelta
from wsgi import app
from backend.extensions import db
from backend.lib import idnumber
from backend.models import Person, WeChatIdentity

count = int(sys.argv[1])
with app.app_context():
    for i in range(count):
        birth = date(1960, 1, 1) + timedelta(days=11 * i)
        first17 = "210102" + birth.strftime("%Y%m%d") + "%03d" % (i % 997 + 1)
        person = Person(name="测试%03d" % i, insured_area_code="210100", scheme="employee",
                        employment_status="working")
        person.set_id_number(first17 + idnumber.check_digit(first17))
        person.set_phone("1390000%04d" % i)
        db.session.add(person)
        db.session.flush()
        db.session.add(WeChatIdentity(app_id="dev", openid="bench-user-%d" % i, person_id=person.id))
    db.session.commit()
# Tokens from the dev-token command itself, in-process (64 CLI start-ups would take minutes);
# bench-user-0's comes from a real `flask dev-token` subprocess afterwards.
tokens = []
runner = app.test_cli_runner()
for i in range(1, count):
    result = runner.invoke(args=["dev-token", "bench-user-%d" % i])
    if result.exit_code != 0:
        raise SystemExit("dev-token failed: %r" % (result.output,))
    tokens.append(result.stdout.strip().splitlines()[-1])
print("TOKENS " + json.dumps(tokens))
"""


def run_cli(env: dict, *args: str, timeout: float = 300) -> str:
    """Run a command in the repo with env; return stdout or raise RunError with its stderr."""
    label = " ".join(a if len(a) < 60 else a.strip().splitlines()[0][:40] + "..." for a in args[1:5])
    try:
        out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RunError(f"{label} timed out after {timeout}s") from exc
    if out.returncode != 0:
        raise RunError(f"{label} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return out.stdout


def flask_cli(env: dict, *args: str) -> str:
    """Run `flask --app wsgi ARGS` with the benchmark's environment."""
    return run_cli(env, sys.executable, "-m", "flask", "--app", "wsgi", *args)


def prepare_database(backend: str, users: int) -> tuple[dict, list[str]]:
    """Make a fresh database with the demo data and bound users; return the server env and tokens."""
    tmp = tempfile.mkdtemp(prefix=f"bench-dialog-{backend}-")
    _TMPDIRS.append(tmp)
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/bench.db"
    else:
        name = f"bench_dialog_{os.getpid()}"
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{name}"')
        _DATABASES.append(name)
        url = PG_URL.format(db=name)
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "FLASK_APP")}
    cli_env = dict(base, APP_ENV="development", INSTANCE_PATH=tmp, DATABASE_URL=url, SECRET_KEY=SECRET_KEY,
                   PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    flask_cli(cli_env, "upgrade")
    flask_cli(cli_env, "load-demo")
    out = run_cli(cli_env, sys.executable, "-c", USERS_SNIPPET, str(users))
    line = next((ln for ln in out.splitlines() if ln.startswith("TOKENS ")), None)
    if line is None:
        raise RunError("the user set-up printed no tokens")
    tokens = [flask_cli(cli_env, "dev-token", "bench-user-0").strip().splitlines()[-1]]
    tokens += json.loads(line[len("TOKENS "):])
    if len(tokens) != users or len(set(tokens)) != users:
        raise RunError(f"expected {users} distinct tokens, got {len(set(tokens))}")
    print(f"  database ready in {time.perf_counter() - started:.1f}s: upgrade, load-demo, "
          f"{users} bound users with dev-token tokens")
    # The servers run as in production (same secret, so the development tokens stay valid).
    server_env = dict(cli_env, APP_ENV="production")
    return server_env, tokens


def prepare_floor(env: dict, tokens: list[str]) -> str:
    """Give the floor endpoint (benchmarks/floor_app.py) its session rows, keyed by the same tokens, in the
    run's database; return its FLOOR_DB."""
    ddl = "CREATE TABLE floor_sessions (user_key TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL)"
    rows = [(t, 1, json.dumps({"step": "idle", "slots": {"city": "深圳"}})) for t in tokens]
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        import sqlite3

        path = url[len("sqlite:///"):]
        with sqlite3.connect(path) as conn:
            conn.execute(ddl)
            conn.executemany("INSERT INTO floor_sessions VALUES (?, ?, ?)", rows)
        return path
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute(ddl)
        conn.cursor().executemany("INSERT INTO floor_sessions VALUES (%s, %s, %s)", rows)
    return dsn


def stage_figures(env: dict, tokens: list[str], workdir: str) -> dict | None:
    """Run benchmarks/turn_stages.py on the run's database: in-process CPU per turn and per stage."""
    tokens_file = Path(workdir) / "tokens.json"
    tokens_file.write_text(json.dumps(tokens))
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "turn_stages.py"), "--json",
                          "--database-url", env["DATABASE_URL"], "--tokens-file", str(tokens_file),
                          "--turns", str(ARGS.stage_turns)],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("STAGES ")), None)
    if out.returncode != 0 or line is None:
        print(f"    in-process stages could not be measured:\n{out.stderr[-1500:]}")
        return None
    return json.loads(line[len("STAGES "):])


def pg_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL maintenance database (autocommit)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master we started, its port and its log file."""

    name: str
    proc: subprocess.Popen
    port: int
    log_path: Path

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's children (the workers)."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry))
        return pids

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0


def gunicorn_bin() -> str:
    for candidate in (Path(sys.executable).parent / "gunicorn", ROOT / ".venv" / "bin" / "gunicorn"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gunicorn")
    if not found:
        raise RunError("gunicorn not found (install requirements.txt into .venv)")
    return found


def start_server(name: str, app_args: list[str], env: dict, worker_class: str, workers: int, threads: int,
                 log_dir: str) -> Server:
    """Start gunicorn on a free loopback port and wait until /healthz answers."""
    port = free_port()
    cmd = [gunicorn_bin(), "-w", str(workers), "-b", f"127.0.0.1:{port}", "-k", worker_class]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    cmd += app_args
    log_path = Path(log_dir) / f"{name}-{worker_class}.log"
    log = open(log_path, "ab")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    _PROCS.append(proc)
    server = Server(name, proc, port, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RunError(f"{name} gunicorn exited ({proc.returncode}):\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RunError(f"{name} did not answer /healthz within 30s:\n{tail(log_path)}")


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a gunicorn master we started (TERM, then KILL of its own process group)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only its workers are left in it
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------- CPU accounting

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- load

@dataclass
class LoadResult:
    """One measured load run."""

    requests: int = 0
    seconds: float = 0.0
    ok: int = 0
    stale: int = 0           # 409
    other_non2xx: int = 0
    socket_errors: int = 0
    off_script: int = 0
    p50: float = 0.0         # milliseconds
    p90: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    server_ms: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.stale + self.other_non2xx + self.socket_errors + self.off_script


def bodies() -> list[str]:
    return [json.dumps(m, ensure_ascii=False, separators=(",", ":")) for m in CONVERSATION]


def lua_string(s: str) -> str:
    level = "=" * 3
    assert f"]{level}]" not in s
    return f"[{level}[{s}]{level}]"


# Each wrk connection (a Lua thread) gets an id, so it can take its own slice of the users.
LUA_THREADS = """local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
"""


def write_lua(path: Path, tokens: list[str], per: int, expected: list[str] | None) -> None:
    """Write the wrk script: one connection per wrk thread, with its own users and positions."""
    tok = ",\n".join(lua_string(t) for t in tokens)
    bod = ",\n".join(lua_string(b) for b in bodies())
    exp = ",\n".join(lua_string(s) for s in expected) if expected else ""
    path.write_text(f"""-- generated by benchmarks/dialog_turn.py
local tokens = {{
{tok}
}}
local bodies = {{
{bod}
}}
local expected = {{
{exp}
}}
local per = {per}
{LUA_THREADS}
function init(args)
  mine, pos = {{}}, {{}}
  for i = 1, per do
    mine[i] = tokens[id * per + i]
    pos[i] = #bodies - 1      -- the first message of each user is the last one: "不办了"
  end
  cur, want = 0, nil
  ok, stale, other, offscript = 0, 0, 0, 0
end

function request()
  -- The user and position advance only when the answer arrives (response below): wrk calls
  -- request() once on thread 1 to verify the script, and that request is never sent.
  nxt = cur % per + 1
  npos = pos[nxt] % #bodies + 1
  want = expected[npos]
  return wrk.format("POST", "{PATH}", {{
    ["Authorization"] = "Bearer " .. mine[nxt],
    ["Content-Type"] = "application/json",
  }}, bodies[npos])
end

function response(status, headers, body)
  cur = nxt
  pos[cur] = npos
  if status >= 200 and status < 300 then
    ok = ok + 1
    if want ~= nil then
      local got = string.match(body, '"state"%s*:%s*"([^"]*)"')
      if got ~= want then
        offscript = offscript + 1
        if os.getenv("BENCH_DEBUG") then
          io.stderr:write("off-script pos=" .. npos .. " want=" .. want .. " got=" .. tostring(got) ..
                          " body=" .. string.sub(body, 1, 160) .. "\\n")
        end
      end
    end
  elseif status == 409 then
    stale = stale + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = {{ok = 0, stale = 0, other = 0, offscript = 0}}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"ok":%d,"stale":%d,"other":%d,"offscript":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    t.ok, t.stale, t.other, t.offscript,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
""", encoding="utf-8")


def run_wrk(port: int, lua: Path, connections: int, seconds: float) -> LoadResult:
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", str(lua), f"http://127.0.0.1:{port}{PATH}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if os.environ.get("BENCH_DEBUG"):
        sys.stderr.write(out.stderr)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RunError(f"wrk failed ({out.returncode}):\n{out.stdout[-1500:]}\n{out.stderr[-1500:]}")
    d = json.loads(line[len("BENCHJSON "):])
    return LoadResult(
        requests=d["requests"], seconds=d["duration_us"] / 1e6, ok=d["ok"], stale=d["stale"],
        other_non2xx=d["other"], socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        off_script=d["offscript"], p50=d["p50"] / 1000, p90=d["p90"] / 1000, p99=d["p99"] / 1000,
        max=d["max"] / 1000,
    )


def run_python_client(port: int, tokens: list[str], per: int, expected: list[str] | None, connections: int,
                      seconds: float) -> LoadResult:
    """The fallback load generator: one keep-alive http.client connection per thread."""
    payloads = [b.encode() for b in bodies()]
    state_re = re.compile(rb'"state"\s*:\s*"([^"]*)"')
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    total = LoadResult()
    latencies: list[float] = []

    def worker(index: int) -> None:
        mine = tokens[index * per:(index + 1) * per]
        pos = [len(payloads) - 2] * per   # so that the first message of each user is "不办了"
        lats, res, cur = [], LoadResult(), -1
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < deadline:
            cur = (cur + 1) % per
            pos[cur] = (pos[cur] + 1) % len(payloads)
            headers = {"Authorization": "Bearer " + mine[cur], "Content-Type": "application/json"}
            started = time.perf_counter()
            try:
                conn.request("POST", PATH, body=payloads[pos[cur]], headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                res.socket_errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            lats.append((time.perf_counter() - started) * 1000)
            res.requests += 1
            if 200 <= resp.status < 300:
                res.ok += 1
                if expected:
                    m = state_re.search(data)
                    if not m or m.group(1).decode() != expected[pos[cur]]:
                        res.off_script += 1
            elif resp.status == 409:
                res.stale += 1
            else:
                res.other_non2xx += 1
        conn.close()
        with lock:
            latencies.extend(lats)
            for f in ("requests", "ok", "stale", "other_non2xx", "socket_errors", "off_script"):
                setattr(total, f, getattr(total, f) + getattr(res, f))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    total.seconds = time.perf_counter() - started
    if latencies:
        latencies.sort()
        total.p50, total.p90, total.p99 = (percentile(latencies, q) for q in (50, 90, 99))
        total.max = latencies[-1]
    return total


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def post(port: int, token: str, body: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", PATH, body=body.encode(),
                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def learn_conversation(port: int, token: str) -> list[str]:
    """Walk one user through the cycle; check each message moved the dialog; return the states."""
    all_bodies = bodies()
    status, reply = post(port, token, all_bodies[-1])
    if status != 200 or reply.get("state") != "idle":
        raise RunError(f"resync message answered {status} {reply.get('state')!r}, expected 200 'idle'")
    states, previous = [], "idle"
    for message, body in zip(CONVERSATION, all_bodies):
        status, reply = post(port, token, body)
        state = reply.get("state")
        if status != 200:
            raise RunError(f"{message} answered {status}: {reply}")
        if state == previous:
            raise RunError(f"{message} did not move the dialog from step {state!r}: "
                           f"{(reply.get('reply') or '')[:200]!r}")
        states.append(state)
        previous = state
    if states[-1] != "idle":
        raise RunError(f"the conversation ends at step {states[-1]!r}, not idle")
    return states


# --------------------------------------------------------------------------- measuring

SERVER_LINE = re.compile(rf"POST {re.escape(PATH)} (\d{{3}}) ([\d.]+)ms")


def server_times(server: Server, offset: int) -> dict:
    """Return p50/p90/p99 of the app's own request-log timings written after offset."""
    with open(server.log_path, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8", errors="replace")
    values = sorted(float(m.group(2)) for m in SERVER_LINE.finditer(text))
    if not values:
        return {}
    return {"n": len(values), **{f"p{q}": percentile(values, q) for q in (50, 90, 99)}}


def reset_sessions(port: int, tokens: list[str]) -> None:
    """Bring every user's session back to idle with nothing kept, before a run: a run ends mid-conversation,
    and "不办了" alone keeps an unfinished filing as a draft that the next "我想办" would resume."""
    for token in tokens:
        for body in ('{"text":"重新开始"}', '{"text":"不办了"}'):
            status, reply = post(port, token, body)
            if status != 200:
                raise RunError(f"resetting a session answered {status}: {reply}")


def measure(server: Server, tokens: list[str], per: int, expected: list[str] | None, args, workdir: str,
            use_wrk: bool, pg: bool) -> LoadResult:
    """Warm up, then measure one server with the conversation requests."""
    lua = Path(workdir) / f"{server.name}.lua"
    if use_wrk:
        write_lua(lua, tokens, per, expected)

    def load(seconds: float) -> LoadResult:
        if expected is not None:
            reset_sessions(server.port, tokens)
        if use_wrk:
            return run_wrk(server.port, lua, args.connections, seconds)
        return run_python_client(server.port, tokens, per, expected, args.connections, seconds)

    if args.warmup > 0:
        load(args.warmup)
        time.sleep(1.0)  # let turns abandoned at the end of the warm-up finish before the next run
    workers = server.worker_pids()
    pg_pids = postgres_pids() if pg else []
    before = (cpu_seconds(workers), cpu_seconds(pg_pids), children_cpu(), time.perf_counter())
    offset = server.log_size()
    result = load(args.seconds)
    after = (cpu_seconds(workers), cpu_seconds(pg_pids), children_cpu(), time.perf_counter())
    wall = after[3] - before[3]
    result.cpu = {"app workers": (after[0] - before[0]) / wall, "load generator": (after[2] - before[2]) / wall}
    if not use_wrk:
        result.cpu["load generator"] = float("nan")  # in-process threads: not separable here
    if pg:
        result.cpu["postgres"] = (after[1] - before[1]) / wall
    time.sleep(1.0)
    result.server_ms = server_times(server, offset)
    return result


# --------------------------------------------------------------------------- report

def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_block(backend: str, worker_label: str, dialog: LoadResult, bare: LoadResult,
                floor: LoadResult | None = None, stages: dict | None = None) -> None:
    ratio = dialog.rps / bare.rps if bare.rps else 0.0
    print(f"\n  {backend} · gunicorn -w {ARGS.workers} {worker_label} · {ARGS.connections} connections · "
          f"{ARGS.seconds:g}s measured after {ARGS.warmup:g}s warm-up")
    print(f"    {'':15}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'non-2xx':>9}{'409':>6}{'sock err':>10}{'off-script':>12}")
    for label, r in (("dialog turn", dialog), ("bare endpoint", bare)) + ((("floor endpoint", floor),) if floor else ()):
        print(f"    {label:15}{r.rps:9.1f}{r.p50:9.2f}{r.p90:9.2f}{r.p99:9.2f}{r.max:9.1f}"
              f"{r.other_non2xx + r.stale:9d}{r.stale:6d}{r.socket_errors:10d}{r.off_script:12d}")
    if dialog.server_ms:
        s = dialog.server_ms
        print(f"    dialog turn, in-app handling time (app request log, no queueing): "
              f"p50 {s['p50']:.2f} ms, p90 {s['p90']:.2f} ms, p99 {s['p99']:.2f} ms over {s['n']} turns")
    for label, r in (("dialog", dialog), ("bare", bare)) + ((("floor", floor),) if floor else ()):
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in r.cpu.items() if v == v)  # v == v: not NaN
        print(f"    CPU during the {label} run (cores of 2): {cpu}")
    print(f"    ratio dialog/bare {ratio:6.1%}   target >= {TARGET_RATIO:.0%}     {verdict(ratio >= TARGET_RATIO)}")
    if floor:
        of_floor = dialog.rps / floor.rps if floor.rps else 0.0
        print(f"    ratio floor/bare  {floor.rps / bare.rps if bare.rps else 0.0:6.1%}   (the most any persisted turn "
              f"could reach on this machine)")
        print(f"    ratio dialog/floor {of_floor:5.1%}   target >= {TARGET_OF_FLOOR:.0%}     "
              f"{verdict(of_floor >= TARGET_OF_FLOOR)}")
    print(f"    p99 dialog turn   {dialog.p99:6.2f} ms target <= {TARGET_P99_MS:g} ms  "
          f"{verdict(dialog.p99 <= TARGET_P99_MS)}")
    if stages:
        turn_stages.report(backend, stages)


ARGS: argparse.Namespace


def run_backend(backend: str, use_wrk: bool) -> list[tuple[str, str, LoadResult, LoadResult]]:
    print(f"\n== {backend} ==")
    env, tokens = prepare_database(backend, ARGS.users)
    per = ARGS.users // ARGS.connections
    workdir = _TMPDIRS[-1]
    stages = stage_figures(env, tokens, workdir) if ARGS.stage_turns else None
    floor_env = dict(env, FLOOR_DB=prepare_floor(env, tokens)) if ARGS.floor else None
    results = []
    for worker_class in ARGS.worker_classes:
        label = f"-k {worker_class}" + (f" --threads {ARGS.threads}" if worker_class == "gthread" else "")
        app = start_server(f"dialog-{backend}", ["wsgi:app"], env, worker_class, ARGS.workers, ARGS.threads,
                           workdir)
        bare = start_server(f"bare-{backend}", ["--chdir", str(ROOT / "benchmarks"), "bare_app:app"], env,
                            worker_class, ARGS.workers, ARGS.threads, workdir)
        floor = (start_server(f"floor-{backend}", ["--chdir", str(ROOT / "benchmarks"), "floor_app:app"], floor_env,
                              worker_class, ARGS.workers, ARGS.threads, workdir) if floor_env else None)
        try:
            expected = learn_conversation(app.port, tokens[0])
            dialog_result = measure(app, tokens, per, expected, ARGS, workdir, use_wrk, backend == "postgresql")
            bare_result = measure(bare, tokens, per, None, ARGS, workdir, use_wrk, False)
            floor_result = (measure(floor, tokens, per, None, ARGS, workdir, use_wrk, backend == "postgresql")
                            if floor else None)
            for server in (app, bare, floor):
                if server is not None and server.proc.poll() is not None:
                    raise RunError(f"{server.name} died during the run:\n{tail(server.log_path)}")
        finally:
            for server in (app, bare, floor):
                if server is not None:
                    stop_process(server.proc)
        if dialog_result.other_non2xx:
            print(f"    app log tail:\n{tail(app.log_path, 10)}")
        print_block(backend, label, dialog_result, bare_result, floor_result, stages)
        results.append((backend, label, dialog_result, bare_result, floor_result))
    return results


def cleanup() -> None:
    for proc in _PROCS:
        stop_process(proc)
    _PROCS.clear()
    for name in _DATABASES:
        try:
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as exc:  # report, keep cleaning
            print(f"could not drop database {name}: {exc}", file=sys.stderr)
    _DATABASES.clear()
    for tmp in _TMPDIRS:
        shutil.rmtree(tmp, ignore_errors=True)
    _TMPDIRS.clear()


def _on_term(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per server (default 15)")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up seconds before each measure (default 5)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--worker-classes", default="sync,gthread",
                        help="gunicorn worker classes to try, each for both apps (default sync,gthread)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk exists")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the floor endpoint (benchmarks/floor_app.py) in the run")
    parser.add_argument("--stage-turns", type=int, default=600,
                        help="turns for the in-process CPU breakdown per stage (benchmarks/turn_stages.py); 0 skips it")
    ARGS = parser.parse_args()
    ARGS.backends = [b.strip() for b in ARGS.backends.split(",") if b.strip()]
    ARGS.worker_classes = [w.strip() for w in ARGS.worker_classes.split(",") if w.strip()]
    if set(ARGS.backends) - {"sqlite", "postgresql"} or not ARGS.backends:
        parser.error("--backends takes sqlite and/or postgresql")
    if set(ARGS.worker_classes) - {"sync", "gthread"} or not ARGS.worker_classes:
        parser.error("--worker-classes takes sync and/or gthread")
    if not (1 <= ARGS.connections <= 256) or not (ARGS.connections <= ARGS.users <= 2000):
        parser.error("need 1 <= connections <= 256 and connections <= users <= 2000")
    if not (1 <= ARGS.seconds <= 600) or not (0 <= ARGS.warmup <= 120):
        parser.error("need 1 <= --seconds <= 600 and 0 <= --warmup <= 120")
    if ARGS.users % ARGS.connections:
        print(f"note: {ARGS.users % ARGS.connections} users left over "
              f"({ARGS.users // ARGS.connections} per connection)")

    use_wrk = not ARGS.python_client and shutil.which("wrk") is not None
    if not use_wrk and not ARGS.python_client:
        print("wrk is not installed (Debian: apt-get install -y wrk); falling back to the Python client, which "
              "runs on the same 2 cores as the servers and so understates the figures.")
    print(f"load generator: {'wrk, one connection per thread' if use_wrk else 'Python http.client threads'}; "
          f"{ARGS.users} bound users over {ARGS.connections} connections; "
          f"conversation of {len(CONVERSATION)} turns per cycle")

    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    results, failure = [], None
    try:
        for backend in ARGS.backends:
            results += run_backend(backend, use_wrk)
    except KeyboardInterrupt:
        failure = "interrupted"
    except RunError as exc:
        failure = str(exc)
    finally:
        cleanup()

    if results:
        print("\n== summary ==")
        print(f"  {'backend':11}{'workers':26}{'turn req/s':>11}{'bare req/s':>11}{'floor req/s':>12}{'t/bare':>8}"
              f"{'t/floor':>8}{'p99 ms':>8}{'errors':>8}   t/bare>=50%  t/floor>=50%  p99<=25ms")
        for backend, label, d, b, f in results:
            ratio = d.rps / b.rps if b.rps else 0.0
            of_floor = d.rps / f.rps if f and f.rps else float("nan")
            print(f"  {backend:11}{label:26}{d.rps:11.1f}{b.rps:11.1f}{(f.rps if f else float('nan')):12.1f}"
                  f"{ratio:8.1%}{of_floor:8.1%}{d.p99:8.2f}{d.errors + b.errors + (f.errors if f else 0):8d}   "
                  f"{verdict(ratio >= TARGET_RATIO):11}  {verdict(of_floor >= TARGET_OF_FLOOR) if f else '-':12}  "
                  f"{verdict(d.p99 <= TARGET_P99_MS)}")
    errors = sum(d.errors + b.errors + (f.errors if f else 0) for _, _, d, b, f in results)
    if failure:
        print(f"\nRUN FAILED: {failure}", file=sys.stderr)
        return 2
    if errors:
        print(f"\nRUN HAD ERRORS: {errors} failed or off-script requests (see the tables above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
