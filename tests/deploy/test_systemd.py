"""The systemd units in docs/deploy/ pass `systemd-analyze verify`, and the commands
they run are real: each command line is parsed by the portal itself."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portal import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "docs" / "deploy"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
VENV_BIN = "/srv/portal/venv/bin/"
ANALYZE = shutil.which("systemd-analyze")


def _installed_copies(target: Path) -> list[Path]:
    """The units as installed next to this test's virtualenv instead of /srv/portal/venv."""
    copies = []
    for unit in UNITS:
        copy = target / unit.name
        copy.write_text(unit.read_text().replace(VENV_BIN, f"{Path(sys.executable).parent}/"))
        copies.append(copy)
    return copies


def test_the_units_are_the_site_the_worker_and_three_timers():
    names = {unit.name for unit in UNITS}
    assert names == {"portal.service", "portal-worker.service",
                     "portal-backup.service", "portal-backup.timer",
                     "portal-audit-head.service", "portal-audit-head.timer",
                     "portal-transparency-head.service", "portal-transparency-head.timer"}


def test_tree_heads_are_signed_hourly_and_at_the_end_of_the_day():
    timer = (DEPLOY / "portal-transparency-head.timer").read_text()
    assert "OnCalendar=hourly" in timer and "OnCalendar=*-*-* 23:59:00" in timer


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed "
                                            "(Debian: apt-get install systemd)")
def test_systemd_analyze_verify_finds_nothing(tmp_path):
    copies = _installed_copies(tmp_path)
    result = subprocess.run([ANALYZE, "verify", *map(str, copies)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if str(tmp_path) in line or any(copy.name in line for copy in copies)]
    assert result.returncode == 0 and ours == [], result.stdout + result.stderr


def _exec_start(unit: str) -> list[str]:
    line = next(line for line in (DEPLOY / unit).read_text().splitlines()
                if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def _environment(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_ENV="production", PORTAL_SECRET_KEY="k" * 64,
               PORTAL_DATABASE_URL=f"sqlite:///{tmp_path}/portal.db",
               PORTAL_INSTANCE_PATH=str(tmp_path / "instance"))
    return env


@pytest.mark.parametrize("unit", ["portal-backup.service", "portal-audit-head.service",
                                  "portal-transparency-head.service",
                                  "portal-worker.service"])
def test_the_timers_commands_parse(unit, tmp_path):
    command = _exec_start(unit)
    assert command[0].startswith(VENV_BIN)
    result = subprocess.run([sys.executable, "-m", "flask", *command[1:], "--help"],
                            env=_environment(tmp_path), cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_site_command_passes_gunicorns_check(tmp_path):
    command = _exec_start("portal.service")
    assert command[0] == f"{VENV_BIN}gunicorn"
    result = subprocess.run([sys.executable, "-m", "gunicorn", *command[1:-1], "--check-config",
                             command[-1]], env=_environment(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
