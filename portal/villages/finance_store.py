"""Content a clerk adds to a draft: the finance table, attachments, and masking personal
data in one click."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage

from portal import audit, bounded
from portal.attachments.services import save_uploads
from portal.attachments.storage import discard_file, stored_path
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.bounded import Budget, BudgetExceeded, ChildFailed
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.privacy import mask, scan
from portal.timeutil import utcnow
from portal.villages.finance import (
    TOO_COMPLEX,
    UNREADABLE,
    FinanceTableError,
    Statement,
    parse_statement,
)
from portal.villages.models import (
    FinanceRow,
    FinanceTable,
    NoticeAttachment,
    NoticeCategory,
    NoticeStatus,
    VillageNotice,
)
from portal.villages.services import get_notice, keep_version, snapshot

TABLE_CATEGORIES = (NoticeCategory.FINANCE, NoticeCategory.LAND_COMPENSATION,
                    NoticeCategory.PROJECT, NoticeCategory.COLLECTIVE_ASSETS,
                    NoticeCategory.ONE_MATTER, NoticeCategory.RELIEF)
MAX_ATTACHMENTS = 10


def _draft_for_clerk(actor, notice_id: int, action: str) -> VillageNotice:
    notice = get_notice(notice_id)
    require(actor, Role.VILLAGE_CLERK, notice.village, action=action, target=notice)
    if notice.status is not NoticeStatus.DRAFT:
        raise InvalidTransition(notice.status.label, "修改")
    return notice


def import_finance(actor, notice_id: int, file: FileStorage | None) -> VillageNotice:
    """Replace the notice's income/expense table with one read from .xlsx or .csv. The
    file is checked by content and read within the import budget (portal.bounded), and
    every row validated; on any problem nothing is saved (FinanceTableError lists the
    rows, or says the file is too complex to read). Requires `village_clerk`."""
    notice = _draft_for_clerk(actor, notice_id, "village_notice.finance_import")
    if notice.category not in TABLE_CATEGORIES:
        raise ValidationError(f"“{notice.category.label}”类事项不需要收支表。",
                              field="finance_file")
    [stored] = save_uploads([file], uploaded_by=actor, kinds=("xlsx", "csv")) or [None]
    if stored is None:
        raise ValidationError("请选择要导入的表格文件。", field="finance_file")
    try:
        statement = _read_statement(stored, period=(notice.period_start, notice.period_end))
    except ValidationError:
        discard_file(stored)
        raise
    keep_version(actor, notice)
    notice.finance_table = FinanceTable(
        source_file=stored, total_income=statement.total_income,
        total_expense=statement.total_expense,
        rows=[FinanceRow(position=n, entry_date=row.entry_date, item=row.item,
                         income=row.income, expense=row.expense, note=row.note)
              for n, row in enumerate(statement.rows)])
    notice.updated_at = utcnow()
    audit.record(actor, "village_notice.finance_import", notice,
                 after={"file": stored.display_name, "rows": len(statement.rows),
                        "income": str(statement.total_income),
                        "expense": str(statement.total_expense)})
    db.session.commit()
    return notice


def _read_statement(stored, *, period) -> Statement:
    """Parse the stored table in a budgeted child; FinanceTableError when it cannot."""
    data = stored_path(stored.storage_name).read_bytes()
    try:
        return bounded.run(parse_statement, data, stored.kind, period=period,
                           budget=Budget.for_imports())
    except BudgetExceeded as exceeded:
        raise FinanceTableError([TOO_COMPLEX.format(reason=exceeded.reason("读取"))]) from None
    except ChildFailed as failure:
        raise FinanceTableError([UNREADABLE]) from failure


def finance_places(table: FinanceTable) -> list[str]:
    places = []
    for row in table.rows:
        for column, text in (("摘要", row.item), ("备注", row.note)):
            for finding in scan(text):
                places.append(f"财务表第 {row.position + 1} 条“{column}”：{finding.kind.label}"
                              f"“{finding.text}”")
    return places


def mask_personal_data(actor, notice_id: int) -> int:
    """Mask every ID, mobile and bank-card number in the draft (138****1234,
    410421********1234). Returns how many were masked. Requires `village_clerk`."""
    notice = _draft_for_clerk(actor, notice_id, "village_notice.mask")
    count = len(scan(notice.title)) + len(scan(notice.body_html))
    rows = notice.finance_table.rows if notice.finance_table else []
    count += sum(len(scan(row.item)) + len(scan(row.note)) for row in rows)
    if count == 0:
        return 0
    before = snapshot(notice)
    keep_version(actor, notice)
    notice.title = mask(notice.title)
    notice.body_html = mask(notice.body_html)
    for row in rows:
        row.item, row.note = mask(row.item), mask(row.note)
    notice.updated_at = utcnow()
    audit.record(actor, "village_notice.mask", notice, before=before,
                 after={"masked": count})
    db.session.commit()
    return count


def add_attachments(actor, notice_id: int, files: list[FileStorage]) -> VillageNotice:
    """Attach scans or documents (checked by content). Requires `village_clerk`."""
    notice = _draft_for_clerk(actor, notice_id, "attachment.upload")
    files = [f for f in files if f and f.filename]
    if not files:
        raise ValidationError("请选择要上传的文件。", field="files")
    if len(notice.attachments) + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(f"每个公开事项最多 {MAX_ATTACHMENTS} 个附件。", field="files")
    position = len(notice.attachments)
    for offset, stored in enumerate(save_uploads(files, uploaded_by=actor)):
        notice.attachments.append(NoticeAttachment(file=stored, position=position + offset))
        audit.record(actor, "attachment.upload", notice,
                     after={"file": stored.display_name, "sha256": stored.sha256})
    notice.updated_at = utcnow()
    db.session.commit()
    return notice
