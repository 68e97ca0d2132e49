"""Configuration read from environment variables, with working embedded defaults."""
from __future__ import annotations

import os
import secrets
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


class Config:
    """Settings for a running app, from the environment."""

    def __init__(self) -> None:
        self.APP_ENV = os.environ.get("APP_ENV", "development")
        if self.APP_ENV not in ("development", "testing", "production"):
            raise ConfigError("APP_ENV must be development, testing or production")
        self.TESTING = self.APP_ENV == "testing"
        instance = _instance_path()
        default_db = f"sqlite:///{instance / 'app.db'}"
        self.SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("DATABASE_URL", default_db))
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.SECRET_KEY = _secret_key(self.APP_ENV)
        self.WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN", "")
        self.WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
        self.WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
        self.WECHAT_AES_KEY = os.environ.get("WECHAT_AES_KEY", "")
        self.WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
        # The official account is a separate WeChat app from the mini-program; one app in development.
        self.WECHAT_OA_APP_ID = os.environ.get("WECHAT_OA_APP_ID", "") or self.WECHAT_APP_ID
        self.WECHAT_OA_APP_SECRET = os.environ.get("WECHAT_OA_APP_SECRET", "") or self.WECHAT_APP_SECRET
        # "filing_decided=TEMPLATE_ID,handoff_delivered=...,handoff_failed=..." (mini-program subscribe messages).
        self.WECHAT_SUBSCRIBE_TEMPLATES = os.environ.get("WECHAT_SUBSCRIBE_TEMPLATES", "")
        self.SETTLEMENT_URL = os.environ.get("SETTLEMENT_URL", "").rstrip("/")
        # The settlement service's API takes a shared bearer token; by default both sides derive
        # it from SECRET_KEY, so an embedded app or two processes with one SECRET_KEY just work.
        self.SETTLEMENT_API_TOKEN = os.environ.get("SETTLEMENT_API_TOKEN", "")
        self.SETTLEMENT_TIMEOUT = float(os.environ.get("SETTLEMENT_TIMEOUT", "5"))
        # Platform maintenance windows in China time: "2026-12-05T00:00/2026-12-05T06:00,...".
        self.SETTLEMENT_MAINTENANCE = os.environ.get("SETTLEMENT_MAINTENANCE", "")
        # Outbox delivery: "rq" (needs REDIS_URL), "thread" (in-process), "off" (tests drive it).
        default_worker = "off" if self.TESTING else ("rq" if self.REDIS_URL else "thread")
        self.OUTBOX_WORKER = os.environ.get("OUTBOX_WORKER", default_worker)
        self.OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))
        self.OUTBOX_BACKOFF_MAX = float(os.environ.get("OUTBOX_BACKOFF_MAX", "300"))
        self.OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "5"))
        self.PORT = int(os.environ.get("PORT", "5000"))
        self.INSTANCE_PATH = str(instance)
        # pre_ping: a connection broken by a database restart is replaced, not handed to a request.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        if not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            # Per process: gunicorn workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW) must stay under max_connections.
            self.SQLALCHEMY_ENGINE_OPTIONS.update(
                pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
                max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "5")),
                pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "5")),
                pool_recycle=int(os.environ.get("DB_POOL_RECYCLE", "1800")),
                connect_args={"connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))},
            )
        # A read replica for the institution search (the heaviest read); empty = the primary.
        read_url = os.environ.get("DATABASE_READ_URL", "")
        self.SQLALCHEMY_BINDS = {"search": _normalise_db_url(read_url)} if read_url else {}
        # Behind a TLS-terminating proxy: how many proxies to trust for X-Forwarded-For/-Proto/-Host.
        self.PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
        self.JSON_AS_ASCII = False
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        self.PUBLIC_RATE_LIMIT = os.environ.get("PUBLIC_RATE_LIMIT", "120/minute")
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
