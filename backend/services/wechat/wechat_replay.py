"""Refuse replayed WeChat pushes: a freshness window on the signed timestamp, and each nonce used once.

In plain mode WeChat's signature covers only (token, timestamp, nonce), not the body: a captured
`?signature=…&timestamp=…&nonce=…` would otherwise post any body as any FromUserName forever. So a
push is accepted only while its timestamp is within FRESHNESS_SECONDS of our clock, and only once
per (timestamp, nonce) during that window. 300 s is the common practice for WeChat server
verification (and for signed webhooks generally): WeChat signs each push and each retry when it
sends it, so a genuine one is seconds old, and five minutes leaves room for clock drift.
"""
from __future__ import annotations

import time

from backend.services.wechat import used_once

FRESHNESS_SECONDS = 300


def fresh(timestamp: str) -> bool:
    """Return whether a signed timestamp is a whole number within the window of now (either side)."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    # Wall-clock time, not the service clock: tests freeze the latter to a date, WeChat signs with the former.
    return abs(time.time() - int(timestamp)) <= FRESHNESS_SECONDS


def first_use(key: str) -> bool:
    """Remember a key for twice the window (it can be fresh that long); False when it was seen already."""
    return used_once.first_use(key, 2 * FRESHNESS_SECONDS)
