"""Settlement estimates per second per core, claims of 30 line items, through the pure rules.

Target (settlement issue): >= 2,000 claims/s/core through the pure rules. One process,
one core. (The HTTP measurement comes with the settlement service's HTTP API.)

Run: .venv/bin/python benchmarks/settlement_estimate.py [--seconds 5]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
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


if __name__ == "__main__":
    main()
