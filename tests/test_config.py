"""Configuration comes from the environment with safe embedded defaults."""
import pytest

from backend.config import ConfigError, build_config


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ConfigError):
        build_config()


def test_development_generates_a_secret_key_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first = build_config()["SECRET_KEY"]
    assert len(first) >= 32
    assert build_config()["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_default_database_is_a_sqlite_file_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    assert build_config()["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'app.db'}"


def test_a_libpq_style_postgres_url_gets_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert build_config()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_an_unknown_app_env_is_refused(monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError):
        build_config()


def test_settings_have_documented_defaults(monkeypatch):
    for name in ("REDIS_URL", "SETTLEMENT_URL", "PORT", "WECHAT_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = build_config()
    assert config["REDIS_URL"] == "" and config["SETTLEMENT_URL"] == "" and config["PORT"] == 5000
    assert config["WECHAT_API_BASE_URL"] == "https://api.weixin.qq.com"
