"""`/healthz` and `/readyz`, for the service manager, a load balancer and monitoring.

`/healthz`: the process answers (nothing else is touched). `/readyz`: the database
answers, its schema is at the revision this code ships, and the upload folder takes a
file. Both are JSON, public, never cached, never rate limited, and outside the page
cache; a failing check gives 503 and names itself (the details go to the log).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, jsonify

from portal.extensions import db, limiter
from portal.schema import code_head, database_revision

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _answer(payload: dict, status: int = 200):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return _answer({"status": "ok"})


def _database() -> tuple[str | None, str | None]:
    """(problem with the database, problem with its schema); None where all is well."""
    try:
        with db.engine.connect() as connection:
            revision = database_revision(connection)
    except Exception as error:
        log.warning("readiness: database unreachable: %s", error)
        return "无法连接数据库", "未检查（数据库不可用）"
    wanted = code_head()
    if revision != wanted:
        log.warning("readiness: schema at %s, code needs %s", revision, wanted)
        return None, (f"数据库表结构版本为 {revision or '（空库）'}，程序需要 {wanted}："
                      "请运行 flask --app portal db upgrade")
    return None, None


def _uploads() -> str | None:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".readyz-")
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        log.warning("readiness: upload folder %s not writable: %s", folder, error)
        return "上传目录不可写"
    return None


@bp.get("/readyz")
@limiter.exempt
def readyz():
    database, migrations = _database()
    checks = {"database": database, "migrations": migrations, "uploads": _uploads()}
    failing = [name for name, problem in checks.items() if problem]
    payload = {"status": "fail" if failing else "ok", "failing": failing,
               "checks": {name: problem or "ok" for name, problem in checks.items()}}
    return _answer(payload, 503 if failing else 200)
