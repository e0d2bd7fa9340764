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
from portal.personal_data import files as file_scan
from portal.personal_data import texts as personal_data
from portal.privacy import mask, scan
from portal.timeutil import utcnow
from portal.villages.finance import (
    TOO_COMPLEX,
    UNREADABLE,
    FinanceTableError,
    Statement,
    parse_statement,
)
from portal.villages.lifecycle import keep_version, snapshot
from portal.villages.models import (
    FinanceRow,
    FinanceTable,
    NoticeAttachment,
    NoticeCategory,
    NoticeStatus,
    VillageNotice,
)
from portal.villages.services import get_notice

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


def add_attachments(actor, notice_id: int, files: list[FileStorage], *,
                    confirmed: bool = False) -> VillageNotice:
    """Attach scans or documents (checked by content). Requires `village_clerk`.

    Every file is scanned for personal data as it is attached (portal.personal_data.files);
    with `confirmed` the clerk records, for files that cannot be read automatically
    (images, scans), that they checked them (已人工核对，不含个人敏感信息; audited).
    Findings do not refuse the upload: they are listed on the notice and block submission.
    """
    notice = _draft_for_clerk(actor, notice_id, "attachment.upload")
    files = [f for f in files if f and f.filename]
    if not files:
        raise ValidationError("请选择要上传的文件。", field="files")
    if len(notice.attachments) + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(f"每个公开事项最多 {MAX_ATTACHMENTS} 个附件。", field="files")
    position = len(notice.attachments)
    for offset, stored in enumerate(save_uploads(files, uploaded_by=actor)):
        file_scan.check(stored)
        notice.attachments.append(NoticeAttachment(file=stored, position=position + offset))
        audit.record(actor, "attachment.upload", notice,
                     after={"file": stored.display_name, "sha256": stored.sha256,
                            "privacy": stored.privacy_state})
        if confirmed and stored.privacy_state == file_scan.PrivacyState.UNREADABLE:
            file_scan.confirm(actor, stored, notice)
    notice.updated_at = utcnow()
    db.session.commit()
    return notice


def _attachment(notice: VillageNotice, file_id: int):
    link = next((a for a in notice.attachments if a.stored_file_id == file_id), None)
    if link is None:
        raise ValidationError("该附件不属于此公开事项。")
    return link


def confirm_attachment(actor, notice_id: int, file_id: int) -> VillageNotice:
    """The clerk confirms they checked an attachment that could not be read automatically
    (or holds only suspected numbers) and it holds no personal data. Requires
    `village_clerk`; audited. Raises Conflict for a file with definite findings."""
    notice = _draft_for_clerk(actor, notice_id, "attachment.privacy_confirm")
    file_scan.confirm(actor, _attachment(notice, file_id).file, notice)
    db.session.commit()
    return notice


def remove_attachment(actor, notice_id: int, file_id: int) -> VillageNotice:
    """Take an attachment off a draft (e.g. to upload a masked copy). Requires
    `village_clerk`; the file stays on record in the audit log."""
    notice = _draft_for_clerk(actor, notice_id, "attachment.remove")
    link = _attachment(notice, file_id)
    keep_version(actor, notice)
    notice.attachments.remove(link)
    audit.record(actor, "attachment.remove", notice, before={"file": link.file.display_name})
    notice.updated_at = utcnow()
    db.session.commit()
    return notice


def clear_suspected(actor, notice_id: int) -> int:
    """The clerk confirms that the suspected numbers left in the draft's text (a mistyped
    ID number, an account number that fails its check) are nobody's personal data.
    Requires `village_clerk`; audited. Returns how many were cleared."""
    from portal.villages.services import text_fields

    notice = _draft_for_clerk(actor, notice_id, "personal_data.clear_suspected")
    count = personal_data.clear_suspected(actor, notice, text_fields(notice))
    db.session.commit()
    return count
