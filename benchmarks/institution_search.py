"""Institution search at national scale: indexed search vs a full scan, service layer and HTTP.

Seeds 650,000 generated institutions (SQLite by default; `--backend postgresql` uses a
fresh schema in the `test` database), then runs five query mixes of ~200 varied queries:
  1 area + service   2 area + disease   3 name substring (no area)
  4 pinyin initials (no area)           5 nearest to a point within an area
through `search()` in an app context and through `GET /api/v1/institutions` served by
gunicorn (one sync worker), and a naive implementation that streams every row with a
plain SELECT and filters in Python (fewer queries: each reads the whole table).
Targets: p99 <= 15 ms per query through the service layer, >= 50x faster than the full
scan, RSS <= 200 MB. Prints a PASS/MISS line for each.

Run: .venv/bin/python benchmarks/institution_search.py [--backend postgresql] [--count N]
"""
from __future__ import annotations

import argparse
import gc
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET_KEY = "benchmark-only-secret-key"
P99_TARGET_MS, SPEEDUP_TARGET, RSS_TARGET_MB = 15.0, 50.0, 200.0
MIXES = ("area+service", "area+disease", "name substring", "pinyin initials", "near a point in an area")


def rss_mb(pid: int | str = "self") -> float:
    """Return the resident set size of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(env: dict, *args: str, timeout: float = 600) -> None:
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{out.stderr[-2000:]}")


def prepare(backend: str, count: int, tmp: str) -> tuple[str, dict, object]:
    """Create, migrate and seed a fresh database in subprocesses; return its URL, env and clean-up."""
    cleanup = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/bench.db"
    else:
        from sqlalchemy import create_engine, text

        schema = f"bench_search_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

        url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "FLASK_APP")}
    env.update(APP_ENV="production", INSTANCE_PATH=tmp, DATABASE_URL=url, SECRET_KEY=SECRET_KEY,
               PUBLIC_RATE_LIMIT="100000000/minute", PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    run(env, "upgrade")
    run(env, "load-reference")
    run(env, "seed-institutions", "--count", str(count), timeout=1200)
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()
    print(f"  seeded {count} institutions in {time.perf_counter() - started:.1f}s (subprocesses)")
    return url, env, cleanup


def make_queries(per_mix: int, seed: int = 11) -> dict[str, list[dict]]:
    """Sample varied parameters for each mix from the seeded data (in an app context)."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import Area, Disease, Institution

    rng = random.Random(seed)
    pools = db.session.execute(select(Area.code, Area.latitude, Area.longitude).where(
        Area.is_pool.is_(True), Area.code.in_(select(Institution.area_code).distinct()))).all()
    diseases = list(db.session.scalars(select(Disease.code)))
    services = ["inpatient", "outpatient", "chronic", "pharmacy"]
    samples = []
    # Names and initials from random areas (one indexed query each), to cut substrings from.
    for code, _lat, _lon in rng.sample(pools, min(60, len(pools))):
        samples += db.session.execute(select(Institution.name, Institution.name_initials, Institution.latitude,
                                             Institution.longitude, Institution.area_code)
                                      .where(Institution.area_code == code).limit(20)).all()
    mixes: dict[str, list[dict]] = {m: [] for m in MIXES}
    for _ in range(per_mix):
        area = rng.choice(pools)
        mixes["area+service"].append({"area": area.code, "service": rng.choice(services),
                                      "page": rng.choice([1, 1, 1, 2])})
        mixes["area+disease"].append({"area": area.code, "disease": rng.choice(diseases)})
        name, initials, lat, lon, code = rng.choice(samples)
        # The longest run of Chinese characters, so the substring really occurs in the name.
        chinese = max(re.findall("[\u4e00-\u9fff]+", name), key=len)
        size = rng.randint(2, 4)
        start = rng.randrange(0, max(1, len(chinese) - size + 1))
        mixes["name substring"].append({"q": chinese[start:start + size]})
        size = rng.randint(2, 4)
        start = rng.randrange(0, max(1, len(initials) - size + 1))
        mixes["pinyin initials"].append({"q": initials[start:start + size]})
        mixes["near a point in an area"].append({
            "area": code, "lat": round(lat + rng.uniform(-0.02, 0.02), 5),
            "lon": round(lon + rng.uniform(-0.02, 0.02), 5), "sort": "distance",
            **({"service": rng.choice(services)} if rng.random() < 0.5 else {}),
        })
    return mixes


def to_filters(params: dict):
    from backend.services.filing.institution_search import SearchFilters

    return SearchFilters(area_code=params.get("area"), service=params.get("service"),
                         disease=params.get("disease"), query=params.get("q"), latitude=params.get("lat"),
                         longitude=params.get("lon"), sort=params.get("sort", "level"),
                         page=params.get("page", 1), per_page=10)


def time_service(queries: list[dict]) -> tuple[list[float], list]:
    from backend.extensions import db
    from backend.services.filing.institution_search import search

    times, pages = [], []
    for params in queries:
        started = time.perf_counter()
        page = search(to_filters(params))
        times.append((time.perf_counter() - started) * 1000)
        pages.append(page)
        db.session.remove()
    return times, pages


# --------------------------------------------------------------------------- naive full scan

class NaiveSearch:
    """The same queries answered by streaming the whole table and filtering in Python."""

    RANK = {"3A": 0, "3B": 1, "3": 2, "2A": 3, "2": 4, "1": 5, "none": 6}

    def search(self, params: dict) -> list[str]:
        from sqlalchemy import text

        from backend.extensions import db
        from backend.services.filing.institution_search import haversine_km

        disease_codes = None
        if params.get("disease"):
            disease_codes = {c for (c, d) in db.session.execute(text(
                "SELECT institution_code, disease_code FROM institution_diseases")) if d == params["disease"]}
        q = params.get("q")
        found = []
        result = db.session.execute(text(
            "SELECT code, name, area_code, level, latitude, longitude, net_inpatient, net_outpatient, "
            "net_chronic, net_pharmacy, name_pinyin, name_initials FROM institutions"
        ).execution_options(yield_per=5000))
        for row in result:
            if params.get("area") and row.area_code != params["area"]:
                continue
            if params.get("service") and not getattr(row, f"net_{params['service']}"):
                continue
            if disease_codes is not None and row.code not in disease_codes:
                continue
            if q and not (q in row.name or q in row.name_pinyin or q in row.name_initials):
                continue
            if params.get("sort") == "distance":
                if row.latitude is None:
                    continue
                key = (haversine_km(params["lat"], params["lon"], row.latitude, row.longitude), row.code)
            else:
                key = (self.RANK[row.level], row.name, row.code)
            found.append((key, row.code))
        found.sort()
        start = (params.get("page", 1) - 1) * 10
        return [code for _, code in found[start:start + 10]]


def time_naive(queries: list[dict]) -> list[float]:
    from backend.extensions import db

    naive, times = NaiveSearch(), []
    for params in queries:
        started = time.perf_counter()
        naive.search(params)
        times.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return times


# --------------------------------------------------------------------------- HTTP

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, tmp: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(Path(tmp) / "gunicorn.log", "ab")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited: " + (Path(tmp) / "gunicorn.log").read_text()[-2000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def worker_pid(master: int) -> int | None:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                return int(entry)
    return None


def time_http(port: int, queries: list[dict]) -> list[float] | str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/institutions?area=110000")
    response = conn.getresponse()
    response.read()
    if response.status == 404:
        return "GET /api/v1/institutions answered 404 (route not there yet): HTTP skipped"
    times = []
    for params in queries:
        path = "/api/v1/institutions?" + urlencode(params)
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            return f"GET {path} answered {response.status}: HTTP figures not valid"
    conn.close()
    return times


# --------------------------------------------------------------------------- main

def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--count", type=int, default=650_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per mix (indexed)")
    parser.add_argument("--naive-queries", type=int, default=5, help="queries per mix for the full scan")
    args = parser.parse_args()
    print(f"institution search, {args.backend}, {args.count} institutions")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        url, env, cleanup = prepare(args.backend, args.count, tmp)
        try:
            report(args, url, env, tmp)
        finally:
            if cleanup:
                cleanup()


def report(args, url: str, env: dict, tmp: str) -> None:
    os.environ.update(APP_ENV="testing", SECRET_KEY=SECRET_KEY, INSTANCE_PATH=tmp)
    from backend import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    results = {}
    with app.app_context():
        mixes = make_queries(args.queries)
        for name, queries in mixes.items():
            time_service(queries[:10])  # warm the caches and the connection
            times, pages = time_service(queries)
            empty = sum(1 for p in pages if not p.hits)
            results[name] = {"service": times, "empty": empty}
        rss_service = rss_mb()
        for name, queries in mixes.items():
            gc.collect()
            results[name]["naive"] = time_naive(queries[:args.naive_queries])
        rss_after_naive = rss_mb()
    proc, port = start_gunicorn(env, tmp)
    try:
        for name, queries in mixes.items():
            time_http(port, queries[:10])
            results[name]["http"] = time_http(port, queries)
        worker = worker_pid(proc.pid)
        rss_worker = rss_mb(worker) if worker else 0.0
    finally:
        stop_gunicorn(proc)

    print(f"\n  {'mix':26} {'service p50':>11} {'p99':>7} {'HTTP p50':>9} {'p99':>7} "
          f"{'scan p50':>9} {'scan/idx':>9}  empty pages")
    worst_p99, worst_ratio = 0.0, float("inf")
    for name, r in results.items():
        sp50, sp99 = percentile(r["service"], 0.5), percentile(r["service"], 0.99)
        np50 = percentile(r["naive"], 0.5)
        ratio = np50 / sp50
        worst_p99, worst_ratio = max(worst_p99, sp99), min(worst_ratio, ratio)
        if isinstance(r["http"], str):
            http_cols = f"{'-':>9} {'-':>7}"
        else:
            http_cols = f"{percentile(r['http'], 0.5):9.2f} {percentile(r['http'], 0.99):7.2f}"
        print(f"  {name:26} {sp50:11.2f} {sp99:7.2f} {http_cols} {np50:9.0f} {ratio:8.0f}x  "
              f"{r['empty']}/{len(r['service'])}")
        if isinstance(r["http"], str):
            print(f"    {r['http']}")
    print("  (milliseconds; scan = stream every row with a plain SELECT and filter in Python, "
          f"{args.naive_queries} queries per mix; scan/idx = ratio of the p50s)")
    print(f"\n  RSS: this process after the indexed queries {rss_service:.0f} MB, after the full scans "
          f"{rss_after_naive:.0f} MB; gunicorn worker {rss_worker:.0f} MB")
    print(f"  {verdict(worst_p99 <= P99_TARGET_MS)}  p99 through the service layer <= {P99_TARGET_MS:.0f} ms "
          f"(worst mix {worst_p99:.2f} ms)")
    print(f"  {verdict(worst_ratio >= SPEEDUP_TARGET)}  >= {SPEEDUP_TARGET:.0f}x faster than the full scan "
          f"(worst mix {worst_ratio:.0f}x)")
    print(f"  {verdict(max(rss_service, rss_worker) <= RSS_TARGET_MB)}  RSS <= {RSS_TARGET_MB:.0f} MB "
          f"(service process {rss_service:.0f} MB, worker {rss_worker:.0f} MB)")


if __name__ == "__main__":
    main()
