"""Masking a mobile number for display (138****1234), defined once.

The lowest layer that shows phone numbers is the dialogs' confirmation summary, so the one phone masker
lives here; the backend (backend/lib/masking.py: records, replies, log lines) imports it.
"""
from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str | None:
    """Show the first 3 and last 4 digits of a mobile number (138****1234); None stays None."""
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
