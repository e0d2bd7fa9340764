"""Anonymous refusals, counted instead of chained, so nobody can flood the audit log.

A request without a signed-in user that is refused — a missing or forged CSRF or form
token, a bad Open311 key, a rate limit, an over-large body, a honeypot, an unknown
username — costs the sender nothing, so recording each one as an append-only audit event
let one client write 185 undeletable rows a second. Instead:

- every such refusal increments a row of `refusal_tallies` keyed by (ten-minute window,
  source, kind): one atomic `INSERT … ON CONFLICT … DO UPDATE … RETURNING`. The source is
  the client address, IPv6 clients by their /64 network (one host holds billions of
  addresses);
- only the first refusal of a kind from a source in a window also becomes an audit event,
  and only while fewer than `REFUSAL_AUDIT_PER_WINDOW` (default 30) tallies exist in that
  window: a flood from many addresses adds at most that many events per ten minutes;
- staff events (a signed-in user refused, a failed login of an existing account) stay
  what they were: one audit event each.

Tallies are statistics, not the legal record: rows older than `REFUSAL_RETENTION_DAYS`
(default 185, the audit retention) are deleted opportunistically. Admins read them at
/staff/refusals.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy import func, select

from portal.audit.models import RefusalTally
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.extensions import db
from portal.timeutil import utcnow

WINDOW = timedelta(minutes=10)
KIND_LABELS = {
    "csrf.reject": "表单校验令牌缺失或无效",
    "form.token_reject": "留言或意见表单的提交令牌无效",
    "inquiry.token_replay": "已提交的留言表单被换内容重复提交",
    "consultation.token_replay": "已提交的意见表单被换内容重复提交",
    "open311.key_reject": "Open311 接口密钥无效",
    "ratelimit.exceeded": "请求过于频繁",
    "upload.too_large": "上传内容超过大小限制",
    "request.too_large": "提交内容超过大小限制",
    "auth.login": "以不存在的用户名登录",
    "antispam.honeypot": "疑似自动程序（填写了隐藏字段）",
    "attachment.reject": "上传的文件被拒绝",
    "consultation.comment_closed": "征求意见截止后提交意见",
    "consultation.comment_early": "征求意见开始前提交意见",
}
PURGE_ONE_IN = 200


def source_of(address: str | None) -> str:
    """The client address, or its /64 network for IPv6."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "cli")[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def window_start(moment: datetime) -> datetime:
    seconds = int(WINDOW.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def _table():
    return RefusalTally.__table__


def _upsert(dialect: str):
    module = sa.dialects.postgresql if dialect == "postgresql" else sa.dialects.sqlite
    return module.insert(_table())


def _count(window: datetime, source: str, kind: str, message: str, now: datetime) -> int:
    """One more refusal in the tally; returns the tally's count after it."""
    path = request.path[:200] if has_request_context() else ""
    insert = _upsert(db.engine.dialect.name).values(
        window_start=window, source=source, kind=kind[:64], count=1, first_at=now,
        last_at=now, last_path=path, message=message[:200])
    table = _table()
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.window_start, table.c.source, table.c.kind],
        set_={"count": table.c.count + 1, "last_at": now, "last_path": path},
    ).returning(table.c.count)
    return db.session.execute(statement).scalar_one()


def _may_audit(window: datetime) -> bool:
    cap = current_app.config["REFUSAL_AUDIT_PER_WINDOW"]
    tallies = db.session.scalar(select(func.count()).select_from(_table())
                                .where(_table().c.window_start == window))
    return tallies <= cap


def note(action: str, result: str, message: str, target=None) -> None:
    """Count an anonymous refusal; the first of its kind from its source in the window
    also becomes an audit event (see the module doc). Commits."""
    from portal.audit.services import record

    now = utcnow()
    window = window_start(now)
    source = source_of(request.remote_addr if has_request_context() else None)
    if _count(window, source, action, message, now) == 1 and _may_audit(window):
        event = record(None, action, target, result=result,
                       message=f"{message[:400]}（同一来源十分钟内的后续同类拒绝只计数）")
        db.session.flush()
        db.session.execute(sa.update(_table()).where(
            _table().c.window_start == window, _table().c.source == source,
            _table().c.kind == action[:64]).values(audit_event_id=event.id))
    _maybe_purge(now)
    db.session.commit()


def _maybe_purge(now: datetime) -> None:
    if random.randrange(PURGE_ONE_IN):  # nosec B311 - sampling, not security
        return
    days = current_app.config["REFUSAL_RETENTION_DAYS"]
    db.session.execute(sa.delete(_table()).where(
        _table().c.window_start < now - timedelta(days=days)))


def recent(actor, limit: int = 200) -> list[RefusalTally]:
    """The latest tallies, newest first. Requires `admin`. Raises PermissionDenied."""
    require(actor, Role.ADMIN, None, action="refusals.view")
    return list(db.session.scalars(select(RefusalTally).order_by(
        RefusalTally.last_at.desc(), RefusalTally.id.desc()).limit(limit)))
