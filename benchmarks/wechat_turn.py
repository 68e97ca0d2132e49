"""Signed official-account turns per second through POST /wechat, against a bare Flask endpoint.

What is measured
  `POST /wechat?signature=…&timestamp=…&nonce=…` served by gunicorn (2 sync workers) on
  loopback with 16 connections (wrk). Every request is a text message in WeChat's XML,
  signed as WeChat signs it (sha1 of the sorted token, timestamp and nonce), with a
  distinct MsgId, from a follower bound to an insured person: the signature check, the
  size and DTD checks, wechatpy's parser, the MsgId record (dedup), a real dialog turn
  (the conversation of benchmarks/dialog_turn.py, numbered choices typed as digits) and
  the XML reply. 64 followers over 16 connections, so no two requests race for one session.

  In the same run a bare Flask app (`bare_app` below: read the body, answer a fixed XML
  reply) is served by gunicorn with identical settings and driven with the same requests.
  Target: the WeChat endpoint reaches >= 40% of the bare endpoint's requests per second.

The floor (skipped with --no-floor)
  A third server, benchmarks/wechat_floor_app.py, does only the least every deduplicated,
  persisted WeChat turn must do: the signature, size and DTD checks, wechatpy's parser, then in
  one transaction the MsgId record (a primary key refuses a retry), the follower's session row
  read and written back under the optimistic lock, the commit; and wechatpy's XML reply. Raw
  driver, no ORM, no NLU, no engine. Its ratio floor/bare is the ceiling of the wechat/bare
  ratio on this machine with this server set-up: where it is below 40%, the target is out of
  reach whatever the implementation. Its tables (floor_wechat_messages, floor_wechat_sessions
  with a row per follower) live in a sibling SQLite file in the run's temporary directory, or
  in the run's throw-away PostgreSQL database.

  A fourth server (also skipped with --no-floor), benchmarks/wechat_no_turn_app.py, is the real
  app with the dialog turn replaced by a fixed answer: Flask's and the extensions' request hooks,
  the checks, the parser and the reply, no database. Its ratio says how much of the target the
  app's own request handling uses before a turn does any work.

  The servers run one after another (each started, warmed up, measured and stopped before the
  next), with the same wrk script; every run has its own MsgId range.

  Databases, users and servers are made with benchmarks/dialog_turn.py's helpers (fresh
  SQLite file and/or fresh PostgreSQL database at 127.0.0.1:5432, `flask upgrade`,
  `flask load-demo`, bound users). WECHAT_API_BASE_URL points at a closed loopback port so
  that nothing can leave the machine. Everything made is removed at the end, also on Ctrl-C.

Run
  .venv/bin/python benchmarks/wechat_turn.py [--seconds 15] [--warmup 5] [--backends sqlite,postgresql]
      [--no-floor]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dialog_turn as base  # noqa: E402  (servers, databases, users, cleanup)
from flask import Flask, Response, request  # noqa: E402

ROOT = base.ROOT
PATH = "/wechat"
TOKEN = "benchmark-wechat-token"
TARGET_RATIO = 0.40
TARGET_OF_FLOOR = 0.50  # the WeChat turn against the WeChat floor, served the same way in the same run
FLOOR_RUN = 100  # the floor's run numbers start here: its MsgIds never meet those of the other runs
NO_TURN_RUN = 200  # and the app-without-its-turn runs here
FLOOR_DDL = (
    "CREATE TABLE floor_wechat_messages (dedup_key TEXT PRIMARY KEY, received_at BIGINT NOT NULL)",
    "CREATE TABLE floor_wechat_sessions (openid TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL)",
)
TEXTS = [m["text"] if "text" in m else str(m["choice"]) for m in base.CONVERSATION]
REPLY = ("<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[gh_bench]]></FromUserName>"
         "<CreateTime>0</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[好的]]></Content></xml>")


def _make_bare_app() -> Flask:
    app = Flask(__name__)

    @app.post(PATH)
    def wechat():
        """Read the pushed body and answer a fixed text reply (no checks, no database)."""
        body = request.get_data()
        return Response(REPLY.format(to="bench" if body else ""), mimetype="application/xml")

    @app.get("/healthz")
    def healthz():
        """Answer that the process is up."""
        return {"status": "ok"}

    return app


bare_app = _make_bare_app()


# The endpoint accepts each (timestamp, nonce) once within its 300 s freshness window (a replayed signed
# query is refused), so every request needs its own: enough for the longest run at the best rate seen.
SIGNED_QUERIES = 40000


def signed_query(nonce: str = "bench1234") -> str:
    """Return one valid signature query (WeChat's signature does not cover the body)."""
    import hashlib

    timestamp = str(int(time.time()))
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return f"?signature={signature}&timestamp={timestamp}&nonce={nonce}"


def signed_queries(count: int = SIGNED_QUERIES) -> str:
    """Return a Lua list of distinct signed queries, signed now (the run starts within the window)."""
    return ",".join(f'"{signed_query(f"b{i:07d}")}"' for i in range(count))


def write_lua(path: Path, openids: list[str], per: int, msgid_base: int) -> None:
    """Write the wrk script: per connection its followers, their positions, and distinct MsgIds.

    Each connection (a Lua thread, `id`) takes every len(openids) // per -th signed query, so the connections
    never share one and a run of up to SIGNED_QUERIES pushes never sends a nonce twice (a replayed nonce is
    refused with 403, as WeChat's retries of a used nonce would be).
    """
    users = ",".join(f'"{o}"' for o in openids)
    texts = ",".join(base.lua_string(t) for t in TEXTS)
    path.write_text(f"""-- generated by benchmarks/wechat_turn.py
local users = {{{users}}}
local texts = {{{texts}}}
local per = {per}
local queries = {{{signed_queries()}}}
{base.LUA_THREADS}
function init(args)
  mine, pos = {{}}, {{}}
  for i = 1, per do
    mine[i] = users[id * per + i]
    pos[i] = #texts - 1     -- the first message of each follower is the last one: "不办了"
  end
  cur, counter = 0, 0
  replies, empty, other = 0, 0, 0
end

function request()
  nxt = cur % per + 1
  npos = pos[nxt] % #texts + 1
  counter = counter + 1
  local target = "{PATH}" .. queries[((counter - 1) * {len(openids) // per} + id) % #queries + 1]
  local msgid = {msgid_base} + id * 100000000 + counter
  local body = string.format("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>" ..
    "<FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>" ..
    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>",
    mine[nxt], os.time(), texts[npos], msgid)
  return wrk.format("POST", target, {{["Content-Type"] = "text/xml"}}, body)
end

function response(status, headers, body)
  cur = nxt
  pos[cur] = npos
  if status == 200 and string.find(body, "<Content>", 1, true) then
    replies = replies + 1
  elseif status == 200 then
    empty = empty + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = {{replies = 0, empty = 0, other = 0}}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {{"requests":%d,"duration_us":%d,"sock":%d,"replies":%d,"empty":%d,"other":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, t.replies, t.empty, t.other,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
""", encoding="utf-8")


def run_wrk(port: int, lua: Path, connections: int, seconds: float) -> dict:
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", str(lua), f"http://127.0.0.1:{port}{PATH}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if out.returncode != 0 or line is None:
        raise base.RunError(f"wrk failed ({out.returncode}):\n{out.stdout[-1500:]}\n{out.stderr[-1500:]}")
    result = json.loads(line[len("BENCHJSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(server, openids: list[str], args, workdir: str, run: int) -> dict:
    """Warm up, then measure one server; MsgIds never repeat across runs."""
    per = len(openids) // args.connections
    lua = Path(workdir) / f"{server.name}-{run}.lua"
    if args.warmup > 0:
        write_lua(lua, openids, per, (run * 2 + 1) * 10**12)
        run_wrk(server.port, lua, args.connections, args.warmup)
        time.sleep(1.0)
    write_lua(lua, openids, per, (run * 2 + 2) * 10**12)
    workers = server.worker_pids()
    cpu_before, started = base.cpu_seconds(workers), time.perf_counter()
    result = run_wrk(server.port, lua, args.connections, args.seconds)
    result["cpu"] = (base.cpu_seconds(workers) - cpu_before) / (time.perf_counter() - started)
    return result


def prepare_floor(backend: str, env: dict, openids: list[str], workdir: str) -> str:
    """Make the floor's tables, with a session row per follower, in the run's database; return FLOOR_DB.

    SQLite: a sibling file in the run's temporary directory (no lock shared with the app's file);
    PostgreSQL: the run's throw-away database (dropped by base.cleanup()).
    """
    state = json.dumps({"step": "idle", "slots": {"city": "深圳"}}, ensure_ascii=False)
    rows = [(openid, 1, state) for openid in openids]
    if backend == "sqlite":
        import sqlite3

        floor_db = str(Path(workdir) / "floor.db")
        with sqlite3.connect(floor_db) as conn:
            for ddl in FLOOR_DDL:
                conn.execute(ddl)
            conn.executemany("INSERT INTO floor_wechat_sessions VALUES (?, ?, ?)", rows)
        conn.close()
        return floor_db
    import psycopg

    floor_db = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(floor_db) as conn:
        for ddl in FLOOR_DDL:
            conn.execute(ddl)
        conn.cursor().executemany("INSERT INTO floor_wechat_sessions VALUES (%s, %s, %s)", rows)
    return floor_db


def run_server(name: str, app_args: list[str], env: dict, openids: list[str], args, workdir: str,
               run: int) -> tuple[dict, Path]:
    """Start one server (gunicorn, 2 sync workers), measure it, stop it; return the result and its log."""
    server = base.start_server(name, app_args, env, "sync", 2, 1, workdir)
    try:
        result = measure(server, openids, args, workdir, run)
        if server.proc.poll() is not None:
            raise base.RunError(f"{name} died during the run:\n{base.tail(server.log_path)}")
        return result, server.log_path
    finally:
        base.stop_process(server.proc)


def failed(r: dict, *, empty_counts: bool = False) -> int:
    """Return the requests of a run that got no answer or a non-200 (and "success", when it should not)."""
    return r["other"] + r["sock"] + (r["empty"] if empty_counts else 0)


def run_backend(backend: str, args, run: int) -> tuple[dict, dict, dict | None, dict | None]:
    """Measure the WeChat endpoint, the bare endpoint and (unless --no-floor) the floor and the app without
    its turn, one at a time."""
    print(f"\n== {backend} ==")
    env, _tokens = base.prepare_database(backend, args.users)
    env = dict(env, WECHAT_TOKEN=TOKEN, WECHAT_APP_ID="dev", WECHAT_OA_APP_ID="dev",
               WECHAT_API_BASE_URL="http://127.0.0.1:9")  # the users' identities are "dev" ones; port 9: discard
    openids = [f"bench-user-{i}" for i in range(args.users)]
    workdir = base._TMPDIRS[-1]
    bench_dir = ["--chdir", str(ROOT / "benchmarks")]
    wechat, app_log = run_server(f"wechat-{backend}", ["wsgi:app"], env, openids, args, workdir, run)
    plain, _ = run_server(f"bare-{backend}", bench_dir + ["wechat_turn:bare_app"], env, openids, args, workdir, run)
    floor = floor_log = None
    if args.floor:
        floor_env = dict(env, FLOOR_DB=prepare_floor(backend, env, openids, workdir))
        floor_env.pop("FLOOR_AUTOCOMMIT", None)  # the dedup record and the turn commit together
        floor, floor_log = run_server(f"floor-{backend}", bench_dir + ["wechat_floor_app:app"], floor_env, openids,
                                      args, workdir, FLOOR_RUN + run)
    bare_app_row = None
    if args.floor:
        # The app's own request handling with the turn replaced by a fixed answer (no database).
        bare_app_row, _ = run_server(f"no-turn-{backend}", bench_dir + ["wechat_no_turn_app:app"], env, openids,
                                     args, workdir, NO_TURN_RUN + run)
    ratio = wechat["rps"] / plain["rps"] if plain["rps"] else 0.0
    print(f"  gunicorn -w 2 sync · {args.connections} connections · {args.seconds:g}s after {args.warmup:g}s warm-up")
    print(f"    {'':16}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'replies':>9}{'success':>9}"
          f"{'non-200':>9}{'sock err':>9}{'CPU':>6}")
    rows = [("wechat turn", wechat), ("bare endpoint", plain)] + ([("floor turn", floor)] if floor else []) \
        + ([("app, no turn", bare_app_row)] if bare_app_row else [])
    for label, r in rows:
        print(f"    {label:16}{r['rps']:9.1f}{r['p50'] / 1000:9.2f}{r['p90'] / 1000:9.2f}{r['p99'] / 1000:9.2f}"
              f"{r['replies']:9d}{r['empty']:9d}{r['other']:9d}{r['sock']:9d}{r['cpu']:6.2f}")
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(f"    ratio wechat/bare {ratio:6.1%}   target >= {TARGET_RATIO:.0%}   {verdict}")
    if floor:
        print(f"    ratio floor/bare  {floor_ratio(floor, plain):6.1%}: the ceiling of the wechat/bare ratio with this "
              f"server set-up (target >= {TARGET_RATIO:.0%}): {reach(floor, plain)}")
    if bare_app_row:
        print(f"    ratio app-without-turn/bare {floor_ratio(bare_app_row, plain):6.1%}: what the app's request handling "
              f"(hooks, checks, parser, reply) leaves before a turn does any work")
        shared = shared_work_seconds()
        bare_app_row["ceiling"] = app_ceiling(bare_app_row, floor, plain, shared)
        print(f"    estimated ceiling of this app {bare_app_row['ceiling']:6.1%}: the app without its turn plus the floor's "
              f"database work (checks, parser and reply counted once: {shared * 1e6:.0f} µs in-process), with an "
              f"identity lookup, NLU, engine and rendering that cost nothing")
    if failed(wechat, empty_counts=True):
        print(f"    app log tail:\n{base.tail(app_log, 10)}")
    if floor and failed(floor, empty_counts=True):
        print(f"    floor log tail:\n{base.tail(floor_log, 10)}")
    return wechat, plain, floor, bare_app_row


def shared_work_seconds(pushes: int = 20000) -> float:
    """Measure in this process what the floor and the app without its turn both do for one push.

    The signature check, the size and DTD checks, wechatpy's parser and reply, with the real
    endpoint's functions, on one core; the estimate in app_ceiling() must not count it twice.
    """
    import hashlib

    from wechatpy import parse_message
    from wechatpy.replies import TextReply

    sys.path.insert(0, str(ROOT))
    from backend.services.wechat import wechat_xml

    timestamp, nonce = "1764000000", "bench1234"
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    body = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[bench-user-0]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{TEXTS[1]}]]></Content><MsgId>1</MsgId></xml>").encode()

    def one() -> None:
        assert wechat_xml.signature_ok(TOKEN, signature, timestamp, nonce)
        TextReply(message=parse_message(wechat_xml.check_xml(body)), content="好的").render()

    for _ in range(pushes // 10):
        one()
    started = time.perf_counter()
    for _ in range(pushes):
        one()
    return (time.perf_counter() - started) / pushes


def app_ceiling(no_turn: dict, floor: dict, plain: dict, shared: float) -> float:
    """Estimate the ratio of this app with a turn that costs nothing but the floor's database work.

    Seconds per request add up: the app without its turn, plus what the floor adds to the bare
    endpoint, minus the checks, parser and reply they share. The shared part is taken at its full
    one-core cost although two workers share the load, so the estimate is on the generous side.
    """
    per_request = 1 / no_turn["rps"] + (1 / floor["rps"] - 1 / plain["rps"]) - shared
    return (1 / per_request) / plain["rps"] if per_request > 0 and plain["rps"] else 0.0


def floor_ratio(floor: dict, plain: dict) -> float:
    """Return the floor's requests/s as a fraction of the bare endpoint's."""
    return floor["rps"] / plain["rps"] if plain["rps"] else 0.0


def reach(floor: dict, plain: dict) -> str:
    """Say whether the target ratio is reachable at all, from the floor's ratio."""
    return "reachable" if floor_ratio(floor, plain) >= TARGET_RATIO else "OUT OF REACH"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the floor (benchmarks/wechat_floor_app.py)")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"} or not backends or args.users % args.connections:
        parser.error("--backends takes sqlite and/or postgresql; users must be a multiple of connections")
    if shutil.which("wrk") is None:
        print("wrk is required (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    results, failure = [], None
    try:
        for run, backend in enumerate(backends):
            results.append((backend, *run_backend(backend, args, run)))
    except KeyboardInterrupt:
        failure = "interrupted"
    except base.RunError as exc:
        failure = str(exc)
    finally:
        base.cleanup()
    if results:
        print("\n== summary ==")
        for backend, w, b, f, n in results:
            ratio = w["rps"] / b["rps"] if b["rps"] else 0.0
            print(f"  {backend:11} wechat {w['rps']:8.1f} req/s  bare {b['rps']:8.1f} req/s  ratio {ratio:6.1%}  "
                  f"p99 {w['p99'] / 1000:.1f} ms  errors {failed(w, empty_counts=True)}  "
                  f"{'PASS' if ratio >= TARGET_RATIO else 'MISS'} (target >= {TARGET_RATIO:.0%})")
            if f:
                print(f"  {backend:11} floor  {f['rps']:8.1f} req/s  ratio floor/bare {floor_ratio(f, b):6.1%}  "
                      f"p99 {f['p99'] / 1000:.1f} ms  errors {failed(f, empty_counts=True)}  "
                      f"target {reach(f, b)} with this server set-up")
                of_floor = w["rps"] / f["rps"] if f["rps"] else 0.0
                print(f"  {backend:11} ratio wechat/floor {of_floor:6.1%}  "
                      f"{'PASS' if of_floor >= TARGET_OF_FLOOR else 'MISS'} (target >= {TARGET_OF_FLOOR:.0%})")
            if n:
                print(f"  {backend:11} app without its turn {n['rps']:8.1f} req/s  ratio {floor_ratio(n, b):6.1%}  "
                      f"errors {failed(n, empty_counts=True)}  estimated ceiling of this app {n['ceiling']:6.1%}")
    if failure:
        print(f"\nRUN FAILED: {failure}", file=sys.stderr)
        return 2
    # A "success" from the floor is an error too (its turns never run late; no MsgId repeats).
    broken = any(failed(w) or (f and failed(f, empty_counts=True)) or (n and failed(n, empty_counts=True))
                 for _, w, _b, f, n in results)
    return 1 if broken else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
