"""Configuration read from environment variables, with working embedded defaults."""
from __future__ import annotations

import math
import os
import secrets
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def _instance_path() -> Path:
    return Path(os.environ.get("INSTANCE_PATH", DEFAULT_INSTANCE))


def _secret_key(env: str) -> str:
    """Return SECRET_KEY, generating a persistent one for development only."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        # A generated key would differ per instance and silently break session
        # tokens and the ID-number hash index, so production must set one.
        raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
    path = _instance_path() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _normalise_db_url(url: str) -> str:
    # Operators paste URLs in the libpq form; SQLAlchemy needs the driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _read(name: str, default, parse=str):
    """Return the environment's value for one setting, parsed, or the default when unset or empty.

    A value that does not parse stops the start-up with a message naming the setting, rather than
    a traceback from deep inside the first request that reads it.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None


def _whole(raw: str, minimum: int) -> int:
    digits = raw[1:] if raw.startswith("-") else raw
    if not digits.isdigit() or int(raw) < minimum:
        raise ValueError(f"expected a whole number, {minimum} or more")
    return int(raw)


def _positive_int(raw: str) -> int:
    return _whole(raw, 1)


def _count(raw: str) -> int:
    return _whole(raw, 0)


def _number(raw: str, *, zero_allowed: bool) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    # nan fails both comparisons; inf would make every timeout and session endless.
    if not (value >= 0 if zero_allowed else value > 0) or math.isinf(value):
        raise ValueError("expected a number, 0 or more" if zero_allowed else "expected a number above 0")
    return value


def _seconds(raw: str) -> float:
    return _number(raw, zero_allowed=False)


def _deadline(raw: str) -> float:
    return _number(raw, zero_allowed=True)


def _rate_limit(raw: str) -> str:
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ValueError("expected a rate limit such as 10/minute or 5/hour;10/day") from None
    return raw


def _maintenance_windows(raw: str) -> str:
    # Checked here so a typo stops the start-up instead of failing every readiness check later.
    for part in filter(None, (p.strip() for p in raw.split(","))):
        start, _, end = part.partition("/")
        try:
            ordered = datetime.fromisoformat(start) < datetime.fromisoformat(end)
        except ValueError:
            ordered = False
        if not ordered:
            raise ValueError("expected start/end pairs such as 2026-12-05T00:00/2026-12-05T06:00, start first")
    return raw


def _one_of(*choices: str):
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError("expected one of " + ", ".join(choices))
        return raw
    return parse


class Config:
    """Settings for a running app, from the environment.

    Every setting in the README's configuration table is read here, with its type and default;
    tests/test_config_table.py checks that each one set in the environment reaches app.config.
    """

    def __init__(self) -> None:
        self.APP_ENV = _read("APP_ENV", "development", _one_of("development", "testing", "production"))
        self.TESTING = self.APP_ENV == "testing"
        instance = _instance_path()
        default_db = f"sqlite:///{instance / 'app.db'}"
        self.SQLALCHEMY_DATABASE_URI = _normalise_db_url(_read("DATABASE_URL", default_db))
        self.REDIS_URL = _read("REDIS_URL", "")
        self.SECRET_KEY = _secret_key(self.APP_ENV)
        self.WECHAT_TOKEN = _read("WECHAT_TOKEN", "")
        self.WECHAT_APP_ID = _read("WECHAT_APP_ID", "")
        self.WECHAT_APP_SECRET = _read("WECHAT_APP_SECRET", "")
        self.WECHAT_AES_KEY = _read("WECHAT_AES_KEY", "")
        self.WECHAT_API_BASE_URL = _read("WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
        # The official account is a separate WeChat app from the mini-program; one app in development.
        self.WECHAT_OA_APP_ID = _read("WECHAT_OA_APP_ID", self.WECHAT_APP_ID)
        self.WECHAT_OA_APP_SECRET = _read("WECHAT_OA_APP_SECRET", self.WECHAT_APP_SECRET)
        # "filing_decided=TEMPLATE_ID,handoff_delivered=...,handoff_failed=..." (mini-program subscribe messages).
        self.WECHAT_SUBSCRIBE_TEMPLATES = _read("WECHAT_SUBSCRIBE_TEMPLATES", "")
        # WeChat drops a push not answered within 5 s; after this many seconds the turn's reply
        # goes by customer-service message instead (0 = always).
        self.WECHAT_REPLY_DEADLINE = _read("WECHAT_REPLY_DEADLINE", 4.0, _deadline)
        self.WECHAT_LOGIN_RATE_LIMIT = _read("WECHAT_LOGIN_RATE_LIMIT", "30/minute", _rate_limit)
        # Binding guesses ID numbers against names, so it is kept slow (also in the conversation).
        self.WECHAT_BIND_RATE_LIMIT = _read("WECHAT_BIND_RATE_LIMIT", "5/hour;10/day", _rate_limit)
        self.SESSION_TOKEN_SECONDS = _read("SESSION_TOKEN_SECONDS", 7 * 24 * 3600, _positive_int)
        self.PAGES_SESSION_SECONDS = _read("PAGES_SESSION_SECONDS", 7 * 24 * 3600, _positive_int)
        self.FAMILY_INVITE_RATE_LIMIT = _read("FAMILY_INVITE_RATE_LIMIT", "10/hour;20/day", _rate_limit)
        self.STAFF_LOGIN_RATE_LIMIT = _read("STAFF_LOGIN_RATE_LIMIT", "10/minute", _rate_limit)
        self.STAFF_LOGIN_USER_RATE_LIMIT = _read("STAFF_LOGIN_USER_RATE_LIMIT", "20/hour", _rate_limit)
        self.STAFF_SESSION_HOURS = _read("STAFF_SESSION_HOURS", 8.0, _seconds)
        self.STAFF_SESSION_IDLE_MINUTES = _read("STAFF_SESSION_IDLE_MINUTES", 30.0, _seconds)
        self.SETTLEMENT_URL = _read("SETTLEMENT_URL", "").rstrip("/")
        # The settlement service's API takes a shared bearer token; by default both sides derive
        # it from SECRET_KEY, so an embedded app or two processes with one SECRET_KEY just work.
        self.SETTLEMENT_API_TOKEN = _read("SETTLEMENT_API_TOKEN", "")
        self.SETTLEMENT_TIMEOUT = _read("SETTLEMENT_TIMEOUT", 5.0, _seconds)
        # Platform maintenance windows in China time: "2026-12-05T00:00/2026-12-05T06:00,...".
        self.SETTLEMENT_MAINTENANCE = _read("SETTLEMENT_MAINTENANCE", "", _maintenance_windows)
        # Outbox delivery: "rq" (needs REDIS_URL), "thread" (in-process), "off" (tests drive it).
        default_worker = "off" if self.TESTING else ("rq" if self.REDIS_URL else "thread")
        self.OUTBOX_WORKER = _read("OUTBOX_WORKER", default_worker, _one_of("rq", "thread", "off"))
        self.OUTBOX_LEASE_SECONDS = _read("OUTBOX_LEASE_SECONDS", 60.0, _seconds)
        self.OUTBOX_BACKOFF_MAX = _read("OUTBOX_BACKOFF_MAX", 300.0, _seconds)
        self.OUTBOX_POLL_SECONDS = _read("OUTBOX_POLL_SECONDS", 5.0, _seconds)
        self.REFERENCE_CACHE_TTL = _read("REFERENCE_CACHE_TTL", 600.0, _seconds)
        # A number that would sign, submit or cancel, sent without the dialog's version (WeChat) sooner than this
        # after the question, is asked again (services/dialog/dialog_turns._hasty_act). 0 = off (tests that type
        # a whole conversation at machine speed; the guard's own tests set it).
        self.QUICK_TAP_SECONDS = _read("QUICK_TAP_SECONDS", 0.0 if self.TESTING else 3.0, _deadline)
        self.PORT = _read("PORT", 5000, _positive_int)
        self.INSTANCE_PATH = str(instance)
        # No ping on every checkout: backend/__init__.py pings a connection that was idle a while, so a
        # connection broken by a database restart is replaced, not handed to a request.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
        # Read whatever the database, so a bad value is refused on SQLite too, before production.
        pool = {"pool_size": _read("DB_POOL_SIZE", 5, _positive_int),
                "max_overflow": _read("DB_MAX_OVERFLOW", 5, _count),
                "pool_timeout": _read("DB_POOL_TIMEOUT", 5.0, _seconds),
                "pool_recycle": _read("DB_POOL_RECYCLE", 1800, _positive_int)}
        connect_timeout = _read("DB_CONNECT_TIMEOUT", 3, _positive_int)
        if not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            # Per process: gunicorn workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW) must stay under max_connections.
            self.SQLALCHEMY_ENGINE_OPTIONS.update(pool, connect_args={"connect_timeout": connect_timeout})
        # A read replica for the institution search (the heaviest read); empty = the primary.
        self.DATABASE_READ_URL = _read("DATABASE_READ_URL", "")
        self.SQLALCHEMY_BINDS = ({"search": _normalise_db_url(self.DATABASE_READ_URL)}
                                 if self.DATABASE_READ_URL else {})
        # Behind a TLS-terminating proxy: how many proxies to trust for X-Forwarded-For/-Proto/-Host.
        self.PROXY_FIX = _read("PROXY_FIX", 0, _count)
        self.JSON_AS_ASCII = False
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        self.PUBLIC_RATE_LIMIT = _read("PUBLIC_RATE_LIMIT", "120/minute", _rate_limit)
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Redis down must not take the assistant down: fall back to per-process limits meanwhile.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True


def build_config(overrides: dict | None = None) -> dict:
    """Return the configuration mapping with test or caller overrides applied."""
    values = {k: v for k, v in vars(Config()).items() if k.isupper()}
    if overrides:
        values.update(overrides)
        if "SQLALCHEMY_DATABASE_URI" in overrides:
            values["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(overrides["SQLALCHEMY_DATABASE_URI"])
    return values
