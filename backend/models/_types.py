"""Column types shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import JSON, DateTime, Numeric, String, TypeDecorator

from backend.lib import clock, crypto

# Money in yuan with fen precision; ratios with four decimals (0.8500).
Money = Numeric(14, 2)
Ratio = Numeric(5, 4)
Code = String(32)


def utcnow() -> datetime:
    """Return the service clock's time, timezone-aware in UTC."""
    # Column defaults read the same clock as the services: a row stamped by a default and a
    # query comparing with clock.now() (the outbox's due time, the 48-hour window) must agree,
    # also when tests freeze the clock.
    return clock.now().astimezone(timezone.utc)


class EncryptedText(TypeDecorator):
    """A string stored encrypted (Fernet) and decrypted on load."""

    impl = String(512)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else crypto.cipher().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else crypto.cipher().decrypt(value)


class UTCDateTime(TypeDecorator):
    """A timestamp always returned timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        # SQLite keeps no offset: a China-time value (the frozen test clock) would read back 8 hours off.
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


__all__ = ["JSON", "Money", "Ratio", "Code", "EncryptedText", "UTCDateTime", "utcnow", "Decimal"]
