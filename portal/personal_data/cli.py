"""`flask attachments rescan`: read the files attached before the personal-data scan
existed (or all of them), so the public may download those found clean."""

from __future__ import annotations

from collections import Counter

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import audit
from portal.attachments.models import StoredFile
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.auth.system import SYSTEM
from portal.extensions import db
from portal.personal_data import files

attachments_cli = AppGroup("attachments", help="附件：个人信息检查。")
BATCH = 50


def rescan(actor, *, everything: bool = False) -> tuple[Counter, list[str]]:
    """Scan every unchecked file (with `everything`, every file a person has not
    confirmed). Requires `admin`; one audit event. Returns the count per verdict and the
    places found."""
    require(actor, Role.ADMIN, None, action="attachments.rescan")
    stmt = select(StoredFile.id).order_by(StoredFile.id)
    if everything:
        stmt = stmt.where(StoredFile.privacy_state != files.PrivacyState.CONFIRMED.value)
    else:
        stmt = stmt.where(StoredFile.privacy_state == files.PrivacyState.UNCHECKED.value)
    verdicts: Counter = Counter()
    places: list[str] = []
    ids = list(db.session.scalars(stmt))
    for start in range(0, len(ids), BATCH):
        for stored in db.session.scalars(select(StoredFile).where(
                StoredFile.id.in_(ids[start:start + BATCH]))):
            state = files.check(stored)
            verdicts[state.label] += 1
            if state is not files.PrivacyState.CLEAN:
                places += stored.privacy_places or []
        db.session.commit()
    audit.record(actor, "attachments.rescan", None,
                 after={"files": len(ids), **dict(verdicts)})
    db.session.commit()
    return verdicts, places


@attachments_cli.command("rescan")
@click.option("--all", "everything", is_flag=True,
              help="重新检查全部附件（人工核对过的除外），而不只是尚未检查的。")
def rescan_command(everything: bool) -> None:
    """检查附件中的身份证号、银行卡号、手机号；检查通过或经人工核对的附件才向公众提供。"""
    verdicts, places = rescan(SYSTEM, everything=everything)
    total = sum(verdicts.values())
    click.echo(f"已检查 {total} 个附件：" + "，".join(f"{label} {count} 个"
                                                  for label, count in verdicts.items()))
    for place in places:
        click.echo(f"  {place}")
    if places:
        click.echo("以上附件在处理前不向公众提供：含个人信息的请遮盖后重新上传，"
                   "无法自动检查的请工作人员人工核对后确认。")
