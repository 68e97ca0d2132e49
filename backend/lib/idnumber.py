"""Resident identity numbers (GB 11643-1999): validation and masking."""
from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """The text is not a valid 18-character resident identity number."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise(raw: str) -> str:
    """Return the ID number upper-cased with spaces and full-width digits removed."""
    table = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
    return re.sub(r"[\s-]", "", raw or "").translate(table).upper()


def check_digit(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def validate(raw: str) -> str:
    """Return the normalised number or raise InvalidIdNumber with a reason code."""
    number = normalise(raw)
    if not _SHAPE.match(number):
        raise InvalidIdNumber("id_number_shape")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("id_number_birth_date") from None
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("id_number_checksum")
    return number


def mask(number: str) -> str:
    """Show the first 4 and last 4 characters only (e.g. 2101**********123X)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
