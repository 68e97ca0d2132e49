"""Time the Chinese NLU on the shipped national gazetteer (3,215 areas).

The dialog turn budget (p99 <= 25 ms for a whole persisted turn) leaves the NLU
well under a millisecond; this prints what it takes per message and the ratio
against that 1 ms allowance.

Run: .venv/bin/python benchmarks/nlu_speed.py
"""
from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dialogs.nlu import Gazetteer, extract  # noqa: E402

MESSAGES = [
    "我妈退休后住在深圳，参保在沈阳",
    "公司派我去苏州工作一年，在那边看病怎么报销？",
    "出差在北京，急诊住院了，没备案怎么办",
    "医保在上海，退休了搬去三亚跟女儿住，打算12月1日过去，电话13812345678",
    "1", "下周一", "重新开始", "是的",
]
ALLOWANCE_MS = 1.0


def main() -> None:
    started = time.perf_counter()
    gazetteer = Gazetteer.from_csv(ROOT / "backend" / "data" / "areas.csv")
    build_ms = (time.perf_counter() - started) * 1000
    today, rounds = date(2026, 11, 22), 2000
    for text in MESSAGES:
        extract(text, today=today, gazetteer=gazetteer)
    started = time.perf_counter()
    for _ in range(rounds):
        for text in MESSAGES:
            extract(text, today=today, gazetteer=gazetteer)
    per_message_ms = (time.perf_counter() - started) * 1000 / (rounds * len(MESSAGES))
    print(f"NLU on the national gazetteer: built in {build_ms:.0f} ms")
    print(f"  extract(): {per_message_ms * 1000:.1f} µs per message (mix of {len(MESSAGES)} messages, {rounds} rounds)")
    print(f"  allowance {ALLOWANCE_MS:.1f} ms -> {ALLOWANCE_MS / per_message_ms:.0f}x under it")


if __name__ == "__main__":
    main()
