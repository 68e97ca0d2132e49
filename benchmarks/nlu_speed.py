"""Time what the chat does with each message before a flow sees it: intent + slots (issue #16: <= 0.3 ms).

Every message of the two labelled corpora (tests/dialogs/corpus/*.yaml), each understood at the step it
was said at, exactly as the engine calls dialogs.intents.understand, on the shipped national gazetteer
(3,215 areas). The process is pinned to one core. Prints the mean and p99 per message and the ratio
against the 0.3 ms target.

Run: .venv/bin/python benchmarks/nlu_speed.py
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from dialogs import intents, nlu  # noqa: E402
from tests.dialogs.corpus.evaluate import TODAY, diseases, step_info  # noqa: E402
from tests.dialogs.support import gazetteer  # noqa: E402

TARGET_MS = 0.3
ROUNDS = 20


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    started = time.perf_counter()
    g = gazetteer()
    g.latin_names(), g.sounds_like("深圳")  # the lazily built indexes, built once per process in the app too
    build_ms = (time.perf_counter() - started) * 1000
    entries = []
    for name in ("utterances.yaml", "heldout.yaml"):
        entries += yaml.safe_load((ROOT / "tests" / "dialogs" / "corpus" / name).read_text(encoding="utf-8"))
    prepared = [(e["text"], step_info(e.get("step", "idle")), e.get("step", "idle").startswith(
        ("filing.", "cancel.", "change."))) for e in entries]
    known = diseases()
    for text, step, form in prepared:  # warm caches (regex compilation, OpenCC, pinyin)
        intents.understand(text, today=TODAY, gazetteer=g, step=step, diseases=known, in_form=form)
    # The gazetteer and the indexes are long-lived: like the served app (backend/__init__.py), keep them out
    # of the cyclic garbage collector's full passes, which otherwise stall a random message for ~100 ms.
    gc.collect()
    gc.freeze()
    timings = []
    for _ in range(ROUNDS):
        # Each round reads every message afresh: only what recurs in real use (choice labels, within a turn)
        # may come from the normalisation cache.
        nlu._normalize_cached.cache_clear()
        for text, step, form in prepared:
            t0 = time.perf_counter_ns()
            intents.understand(text, today=TODAY, gazetteer=g, step=step, diseases=known, in_form=form)
            timings.append((time.perf_counter_ns() - t0) / 1e6)
    timings.sort()
    mean = statistics.fmean(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"Intent + slots on the national gazetteer (built in {build_ms:.0f} ms), one core:")
    print(f"  {len(prepared)} corpus messages x {ROUNDS} rounds: mean {mean * 1000:.0f} µs, "
          f"median {timings[len(timings) // 2] * 1000:.0f} µs, p99 {p99 * 1000:.0f} µs per message")
    print(f"  target {TARGET_MS} ms per message: mean is {mean / TARGET_MS:.0%} of it "
          f"({'met' if mean <= TARGET_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
