"""Every setting the README's configuration table documents is read from the environment."""
import os
import re

import pytest
from limits import parse_many

from backend import create_app
from backend.config import PROJECT_ROOT, ConfigError, build_config
from backend.lib import crypto

# Settings stored under another key, or with a format the generic sample cannot guess:
# name -> (value set in the environment, where it lands, what must be there).
SPECIAL = {
    "APP_ENV": ("production", lambda c: c["APP_ENV"], "production"),
    "DATABASE_URL": ("postgres://u@db.example/app", lambda c: c["SQLALCHEMY_DATABASE_URI"],
                     "postgresql+psycopg://u@db.example/app"),
    "DATABASE_READ_URL": ("postgresql://u@replica.example/app", lambda c: c["SQLALCHEMY_BINDS"]["search"],
                          "postgresql+psycopg://u@replica.example/app"),
    "DB_POOL_SIZE": ("11", lambda c: c["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"], 11),
    "DB_MAX_OVERFLOW": ("12", lambda c: c["SQLALCHEMY_ENGINE_OPTIONS"]["max_overflow"], 12),
    "DB_POOL_TIMEOUT": ("13.5", lambda c: c["SQLALCHEMY_ENGINE_OPTIONS"]["pool_timeout"], 13.5),
    "DB_POOL_RECYCLE": ("14", lambda c: c["SQLALCHEMY_ENGINE_OPTIONS"]["pool_recycle"], 14),
    "DB_CONNECT_TIMEOUT": ("15", lambda c: c["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"], 15),
    "REDIS_URL": ("redis://127.0.0.1:6379/15", lambda c: c["REDIS_URL"], "redis://127.0.0.1:6379/15"),
    "SETTLEMENT_URL": ("http://127.0.0.1:5100/", lambda c: c["SETTLEMENT_URL"], "http://127.0.0.1:5100"),
    "SETTLEMENT_MAINTENANCE": ("2026-12-05T00:00/2026-12-05T06:00", lambda c: c["SETTLEMENT_MAINTENANCE"],
                               "2026-12-05T00:00/2026-12-05T06:00"),
    # rq, not thread: an app made outside a click command would start a delivery thread.
    "OUTBOX_WORKER": ("rq", lambda c: c["OUTBOX_WORKER"], "rq"),
}


def readme_settings() -> list[str]:
    """Return every name in the first column of the README's configuration table."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])]


def sample(name: str, default, tmp_path):
    """Return (environment value, expected app.config value) of a non-default setting."""
    if name == "INSTANCE_PATH":
        return str(tmp_path), str(tmp_path)
    if isinstance(default, bool):
        return ("false", False) if default else ("true", True)
    if isinstance(default, int):
        return str(default + 7), default + 7
    if isinstance(default, float):
        return str(default + 1.5), default + 1.5
    if default and "/" in default and _is_rate_limit(default):
        return "7/minute;70/day", "7/minute;70/day"
    return f"sample-{name.lower()}", f"sample-{name.lower()}"


def _is_rate_limit(text: str) -> bool:
    try:
        parse_many(text)
    except ValueError:
        return False
    return True


def test_the_readme_documents_the_settings_people_asked_about():
    names = readme_settings()
    for name in ("STAFF_LOGIN_RATE_LIMIT", "STAFF_LOGIN_USER_RATE_LIMIT", "STAFF_SESSION_HOURS",
                 "STAFF_SESSION_IDLE_MINUTES", "WECHAT_LOGIN_RATE_LIMIT", "WECHAT_BIND_RATE_LIMIT",
                 "WECHAT_REPLY_DEADLINE", "PAGES_SESSION_SECONDS", "DATABASE_URL", "SECRET_KEY"):
        assert name in names
    assert len(names) == len(set(names)), "a setting is documented twice"


def test_every_documented_setting_set_in_the_environment_reaches_app_config(monkeypatch, tmp_path):
    defaults = build_config()
    expected = {}
    for name in readme_settings():
        if name in SPECIAL:
            raw, where, value = SPECIAL[name]
        else:
            assert name in defaults, f"{name} is documented but build_config() has no such key"
            raw, value = sample(name, defaults[name], tmp_path)
            where = (lambda key: lambda c: c[key])(name)
            assert value != defaults[name]
        monkeypatch.setenv(name, raw)
        expected[name] = (where, value)
    # create_app installs the process-wide cipher from SECRET_KEY; put the suite's one back after.
    monkeypatch.setattr(crypto, "_cipher", crypto._cipher)

    config = create_app().config

    wrong = {name: where(config) for name, (where, value) in expected.items()
             if where(config) != value or type(where(config)) is not type(value)}
    assert wrong == {}


def test_every_setting_the_app_reads_is_in_the_readme(monkeypatch):
    read: set[str] = set()

    class Recording(dict):
        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    monkeypatch.setattr(os, "environ", Recording(os.environ))
    build_config()
    assert read - set(readme_settings()) == set()


@pytest.mark.parametrize("name, value", [
    ("STAFF_SESSION_HOURS", "eight"),
    ("STAFF_SESSION_IDLE_MINUTES", "0"),
    ("PAGES_SESSION_SECONDS", "1.5"),
    ("WECHAT_REPLY_DEADLINE", "-1"),
    ("WECHAT_BIND_RATE_LIMIT", "five a day"),
    ("PORT", "http"),
    ("SETTLEMENT_MAINTENANCE", "2026-12-05T06:00/2026-12-05T00:00"),
    ("OUTBOX_WORKER", "celery"),
    ("APP_ENV", "staging"),
])
def test_a_bad_value_stops_the_start_up_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name}="):
        create_app()
