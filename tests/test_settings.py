"""Settings that cannot silently go wrong: an unknown `PORTAL_*` name, a malformed value
or, in production, a missing secret key or database URL stops the portal with a Chinese
message, before anything is created; the README's table lists exactly the settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal import PROJECT_ROOT, create_app
from portal.config import ConfigurationError, from_environment, setting_names

README = PROJECT_ROOT / "README.md"


def _clean_environment(tmp_path: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({"PORTAL_INSTANCE_PATH": str(tmp_path / "instance"), **settings})
    return env


def test_a_misspelt_setting_names_the_right_one(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATABASE_URI", f"sqlite:///{tmp_path}/typo.db")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert refused.value.message == (
        "未知的设置 PORTAL_DATABASE_URI，您是不是要设置 PORTAL_DATABASE_URL？")
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "instance").exists()


def test_a_name_like_no_setting_points_to_the_table(monkeypatch):
    monkeypatch.setenv("PORTAL_ZZZ", "1")
    with pytest.raises(ConfigurationError, match=r"未知的设置 PORTAL_ZZZ。.*README"):
        from_environment()


def test_malformed_values_are_refused_in_chinese(monkeypatch):
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "二十")
    with pytest.raises(ConfigurationError, match="PORTAL_PAGE_SIZE 应为整数"):
        from_environment()
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "20")
    monkeypatch.setenv("PORTAL_WORKERS", "many")
    with pytest.raises(ConfigurationError, match="PORTAL_WORKERS 应为整数"):
        from_environment()


def test_production_needs_the_secret_key_and_the_database(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert "PORTAL_SECRET_KEY、PORTAL_DATABASE_URL" in refused.value.message
    assert not (tmp_path / "instance").exists()  # no generated key, no SQLite file
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 64)
    with pytest.raises(ConfigurationError, match="必须设置 PORTAL_DATABASE_URL"):
        create_app()
    # development generates what production must be given
    monkeypatch.delenv("PORTAL_SECRET_KEY")
    monkeypatch.setenv("PORTAL_ENV", "development")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/portal.db")
    assert (tmp_path / "instance" / "secret_key").is_file()


def test_an_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "staging")
    with pytest.raises(ConfigurationError, match="PORTAL_ENV 应为 production 或 development"):
        create_app({})


def test_the_flask_command_refuses_and_changes_nothing(tmp_path):
    database = tmp_path / "new.db"
    env = _clean_environment(tmp_path, PORTAL_ENV="production", PORTAL_SECRET_KEY="k" * 64,
                             PORTAL_DATABASE_URI=f"sqlite:///{database}")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "您是不是要设置 PORTAL_DATABASE_URL？" in result.stderr
    assert "Traceback" not in result.stderr
    assert not database.exists()


def test_gunicorn_refuses_before_any_worker_starts(tmp_path):
    env = _clean_environment(tmp_path, PORTAL_ENV="production")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:portal.gunicorn_conf",
         "--bind", "127.0.0.1:0", "portal:create_app()"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "生产环境必须设置 PORTAL_SECRET_KEY、PORTAL_DATABASE_URL" in result.stderr
    assert "Booting worker" not in result.stderr


def _readme_settings() -> list[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings -->", 2)[1]
    return re.findall(r"^\| `(PORTAL_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE)


def test_the_readme_table_lists_exactly_the_settings():
    listed = _readme_settings()
    assert len(listed) == len(set(listed)), "a setting is listed twice"
    assert sorted(listed) == setting_names()


def test_every_listed_setting_is_accepted(monkeypatch):
    """Each name in the table passes the check (a value of the right kind for each)."""
    for name in _readme_settings():
        monkeypatch.setenv(name, "1" if name != "PORTAL_ENV" else "development")
    from_environment()
