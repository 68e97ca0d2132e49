"""Mask identity numbers and phone numbers in free text (logs, error reports)."""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from dialogs.masking import mask_name, mask_phone  # noqa: F401  (the one name and phone maskers)

# A run of digits that single spaces, dashes or pluses may split ("2101 0219 5803 1200 23", a query's
# "+" or a decoded %20), optionally ending in the ID number's X. Only digits stop it on the left, so a
# number right after a letter or a Chinese character is found too.
_RUN_RE = re.compile(r"(?<![0-9])\+?\d(?:[ +\-]?\d)*(?:[ +\-]?[Xx](?![0-9A-Za-z]))?")
_ID18_RE = re.compile(r"(?<![0-9])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9])")
_ID15_RE = re.compile(r"(?<![0-9])(\d{4})\d{7}(\d{4})(?![0-9])")
_PHONE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?![0-9])")
# Credentials and one-time values in an address: WeChat's signature parameters, tokens, codes.
_SECRET_PARAM_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(signature|msg_signature|timestamp|nonce|echostr|token|access_token|code|js_code)="
    r"[^&\s\"']*")


def _mask_run(match: re.Match) -> str:
    run = match.group(0)
    compact = re.sub(r"[ +\-]", "", run)
    if len(compact) == 18 and compact[:17].isdigit():
        return compact[:4] + "*" * 10 + compact[-4:]
    if len(compact) == 15 and compact.isdigit():
        return compact[:4] + "*" * 7 + compact[-4:]
    if re.fullmatch(r"(?:86)?1[3-9]\d{9}", compact):
        return compact[-11:-8] + "****" + compact[-4:]
    # Not one number as a whole: mask the numbers inside it, separators kept.
    run = _ID18_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), run)
    run = _ID15_RE.sub(lambda m: m.group(1) + "*" * 7 + m.group(2), run)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), run)


def mask_text(text: str) -> str:
    """Mask every ID number (18 or 15 digits) and mobile number in text, and blank credentials in addresses.

    The one masking rule of every log line (the app's, gunicorn's access and error logs):
    percent-encoding is decoded first, so "%E5%8F%B7210102…" or "2101%2002…" is seen as the number it is.
    """
    if "%" in text:
        text = unquote(text)
    text = _SECRET_PARAM_RE.sub(lambda m: m.group(1) + "=[redacted]", text)
    return _RUN_RE.sub(_mask_run, text)


class MaskingFilter(logging.Filter):
    """Logging filter that masks personal numbers in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
