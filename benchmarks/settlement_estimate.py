"""Settlement estimates per second per core, claims of 30 line items: pure rules and through HTTP.

Target (settlement issue): >= 2,000 claims/s/core through the pure rules (one process, one core).
Through HTTP: the settlement service as its own process under gunicorn with ONE sync worker (one
core), a fresh SQLite database with the SAMPLE policies and catalogue, every estimate recorded;
4 client threads on loopback keep the worker busy (the client runs on the machine's other core).

Run: .venv/bin/python benchmarks/settlement_estimate.py [--seconds 5] [--skip-http]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import http.client
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dialog_turn as base  # noqa: E402  (gunicorn start/stop, CLI runs, cleanup)
from backend.rules.settlement import Item, Policy, YearToDate, estimate  # noqa: E402

TARGET = 2000


def claims(n: int, seed: int = 7) -> list[list[Item]]:
    """Make n claims of 30 varied items (A/B/C, first self-pay shares, some price ceilings)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        items = []
        for i in range(30):
            category = rng.choice("AAABBC")
            amount = Decimal(rng.randint(100, 500000)) / 100
            ceiling = amount * Decimal("0.8") if rng.random() < 0.1 else None
            items.append(Item(f"i{i}", "item", amount, category,
                              Decimal(rng.choice(["0.05", "0.10", "0.20"])) if category == "B" else Decimal(0),
                              ceiling.quantize(Decimal("0.01")) if ceiling else None))
        out.append(items)
    return out


def http_claims(n: int, seed: int = 7) -> list[bytes]:
    """The same kind of claims as JSON request bodies (Langfang insured, Beijing treatment)."""
    bodies = []
    for items in claims(n, seed):
        bodies.append(json.dumps({
            "insured_area": "131000", "treatment_area": "110000", "scheme": "employee", "person_status": "retired",
            "category": "retiree_resettled", "visit_type": "inpatient", "institution_level": "3A",
            "year_to_date": {"deductible_met": "300", "fund_paid": "1000"},
            "items": [{"code": i.code, "name": i.name, "amount": str(i.amount), "category": i.category,
                       **({"first_self_pay_ratio": str(i.first_self_pay_ratio)} if i.category == "B" else {})}
                      for i in items]}).encode())
    return bodies


def measure_http(seconds: float) -> None:
    """Serve the settlement service alone under gunicorn (1 worker) and post claims for `seconds`."""
    tmp = tempfile.mkdtemp(prefix="bench-settlement-")
    base._TMPDIRS.append(tmp)
    env = dict(base.os.environ, APP_ENV="production", INSTANCE_PATH=tmp, DATABASE_URL=f"sqlite:///{tmp}/s.db",
               SECRET_KEY=base.SECRET_KEY, SETTLEMENT_API_TOKEN="bench-token", PYTHONPATH=str(base.ROOT))
    env.pop("REDIS_URL", None)
    app = "backend:create_settlement_app()"
    for command in (["upgrade"], ["load-reference"], ["import-policies", "backend/data/sample_policies.yaml"],
                    ["import-catalogue", "backend/data/sample_catalogue.yaml"]):
        base.run_cli(env, sys.executable, "-m", "flask", "--app", app, *command)
    server = base.start_server("settlement", [app], env, "sync", 1, 1, tmp)
    bodies = http_claims(200)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer bench-token"}
    counts, errors, stop = [0] * 4, [0] * 4, time.perf_counter() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        i = n
        while time.perf_counter() < stop:
            conn.request("POST", "/settlement/v1/estimate", bodies[i % len(bodies)], headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                counts[n] += 1
            else:
                errors[n] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            i += 4

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    base.stop_process(server.proc)
    rate = sum(counts) / elapsed
    print(f"settlement estimates through HTTP (settlement service, gunicorn 1 sync worker, each recorded): "
          f"{rate:,.0f} claims/s, errors {sum(errors)}")
    print(f"  vs the {TARGET:,} claims/s/core target for the pure rules: {rate / TARGET:.2f}x (no target is set "
          "for HTTP; reported)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    batch = claims(500)
    policy = Policy(Decimal("1200"), Decimal("0.85"), Decimal("400000"), Decimal("0.10"))
    ytd = YearToDate(Decimal("300"), Decimal("1000"))
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for items in batch:
            estimate(items, policy, ytd)
        done += len(batch)
    rate = done / (time.perf_counter() - started)
    print(f"settlement estimates, 30 line items each, pure rules, one core: {rate:,.0f} claims/s")
    print(f"  target {TARGET:,} claims/s/core -> {rate / TARGET:.1f}x ({'PASS' if rate >= TARGET else 'MISS'})")
    if not args.skip_http:
        try:
            measure_http(args.seconds)
        finally:
            base.cleanup()


if __name__ == "__main__":
    main()
