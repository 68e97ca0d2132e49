"""Masking a mobile number (138****1234) and a name (张*) for display, each defined once.

The lowest layer that shows them is the dialogs' replies, so the maskers live here; the backend
(backend/lib/masking.py: records, replies, log lines; the Person model) imports them.
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


def mask_name(name: str) -> str:
    """Show only the first character of a name (张*)."""
    return name[:1] + "*" * max(1, len(name) - 1)
