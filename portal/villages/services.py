"""A village notice's life: the clerk drafts, the supervision committee signs off, a town
reviewer approves and it goes up on the board. Each operation checks the role on the
village, records the audit event and commits once; the states follow the table in
`portal.villages.lifecycle`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal import audit, validation
from portal.auth import policy
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.lifecycle import check, transition
from portal.organizations.models import Organization, OrgKind
from portal.personal_data import texts as personal_data
from portal.personal_data.texts import TextField
from portal.sanitize import clean_html, find_unsafe, html_to_text, text_to_html
from portal.timeutil import local_today, utcnow
from portal.villages.lifecycle import VILLAGE_NOTICE, keep_version, snapshot
from portal.villages.models import NoticeCategory, NoticeStatus, VillageNotice
from portal.workdays.calendar import add_working_days

# 低保 initial lists and similar are shown for 7 working days (民政部 practice).
DEFAULT_WINDOW_DAYS = {NoticeCategory.RELIEF: 7}


@dataclass
class NoticeInput:
    village: Organization
    category: NoticeCategory
    title: str
    body_html: str
    period_start: date
    period_end: date
    is_major: bool = False
    occurred_on: date | None = None
    window_start: date | None = None
    window_end: date | None = None
    window_working_days: int | None = None


def get_notice(notice_id: int) -> VillageNotice:
    notice = db.session.get(VillageNotice, notice_id)
    if notice is None:
        raise NotFound("找不到该公开事项。")
    return notice


def _validate(data: NoticeInput) -> None:
    if data.village is None or data.village.kind is not OrgKind.VILLAGE:
        raise ValidationError("请选择村。", field="village")
    data.title = validation.text(data.title, field="title", label="标题", max_length=200)
    if data.period_end < data.period_start:
        raise ValidationError("公开期间的结束日期不能早于开始日期。", field="period_end")
    if (data.period_end - data.period_start).days > 366:
        raise ValidationError("公开期间不能超过一年。", field="period_end")
    if data.is_major and data.occurred_on is None:
        raise ValidationError("重大事项请填写事项发生（决定）日期。", field="occurred_on")
    if data.occurred_on and data.occurred_on > local_today():
        raise ValidationError("事项发生日期不能晚于今天。", field="occurred_on")
    _resolve_window(data)
    unsafe = find_unsafe(data.body_html)
    if unsafe:
        raise ValidationError("正文含有可执行的不安全内容（" + "、".join(unsafe[:5])
                              + "），请删除后再保存。", field="body_html",
                              audit_action="village_notice.unsafe_html")


def _resolve_window(data: NoticeInput) -> None:
    days = data.window_working_days or (DEFAULT_WINDOW_DAYS.get(data.category)
                                        if data.window_start and not data.window_end else None)
    if data.window_start and days:
        if not 1 <= days <= 60:
            raise ValidationError("公示天数应为 1 至 60 个工作日。", field="window_working_days")
        # The first day of the window counts as day one.
        data.window_end = add_working_days(data.window_start - timedelta(days=1), days)
    if (data.window_start is None) != (data.window_end is None):
        raise ValidationError("公示期请同时填写开始和结束日期（或公示天数）。", field="window_end")
    if data.window_start and data.window_end < data.window_start:
        raise ValidationError("公示结束日期不能早于开始日期。", field="window_end")


def _body(text: str) -> str:
    body = (text or "").strip()
    return clean_html(body) if "<" in body else text_to_html(body)


FIELDS = ("village", "category", "title", "period_start", "period_end", "is_major",
          "occurred_on", "window_start", "window_end")


def _apply(notice: VillageNotice, data: NoticeInput) -> None:
    for name in FIELDS:
        setattr(notice, name, getattr(data, name))
    notice.body_html = _body(data.body_html)
    notice.updated_at = utcnow()


def create_draft(actor, data: NoticeInput) -> VillageNotice:
    """Start a notice. Requires `village_clerk` on that village (a clerk of one village
    cannot post for another). Raises PermissionDenied or ValidationError."""
    require(actor, Role.VILLAGE_CLERK, data.village, action="village_notice.create")
    _validate(data)
    notice = VillageNotice(author_id=actor.id, status=NoticeStatus.DRAFT, version=1)
    _apply(notice, data)
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "village_notice.create", notice, after=snapshot(notice))
    db.session.commit()
    return notice


def update(actor, notice_id: int, data: NoticeInput) -> VillageNotice:
    """Edit a draft; the previous text is kept as a version. Requires `village_clerk` on
    both the notice's village and the one chosen."""
    notice = get_notice(notice_id)
    require(actor, Role.VILLAGE_CLERK, notice.village, action="village_notice.update",
            target=notice)
    require(actor, Role.VILLAGE_CLERK, data.village, action="village_notice.update",
            target=notice)
    VILLAGE_NOTICE.expect(notice, "edit")
    _validate(data)
    before = snapshot(notice)
    keep_version(actor, notice)
    _apply(notice, data)
    audit.record(actor, "village_notice.update", notice, before=before, after=snapshot(notice))
    db.session.commit()
    return notice


def text_fields(notice: VillageNotice) -> list[TextField]:
    """Everything of the notice's own text the public will read: title, body, and the
    摘要 and 备注 of every finance row."""
    fields = [TextField("标题", notice.title), TextField("正文", html_to_text(notice.body_html))]
    for row in notice.finance_table.rows if notice.finance_table is not None else []:
        fields += [TextField(f"财务表第 {row.position + 1} 条“摘要”", row.item),
                   TextField(f"财务表第 {row.position + 1} 条“备注”", row.note)]
    return fields


def public_files(notice: VillageNotice) -> list:
    """The files the public may download once the notice is up (the finance source file
    never is: the public gets a table regenerated from the masked rows)."""
    return [link.file for link in notice.attachments]


def personal_data_places(notice: VillageNotice) -> list[str]:
    """Every unmasked ID, mobile or bank number with where it is, and every attachment
    that holds personal data or still needs a person's check."""
    return personal_data.places(notice, text_fields(notice), public_files(notice))


def require_clean(notice: VillageNotice) -> None:
    personal_data.require_clean(notice, text_fields(notice), public_files(notice))


def has_only_suspected(notice: VillageNotice) -> bool:
    """Whether what blocks the text is only suspected numbers a person may clear."""
    found = personal_data.findings(notice, text_fields(notice))
    return bool(found) and all(finding.suspected for _field, finding in found)


def staff_download(actor, notice_id: int, file_id: int):
    """An attachment or the finance table's original upload, for staff who may see the
    notice; recorded in the audit log (the original may hold personal data). Raises
    PermissionDenied or NotFound."""
    notice = get_notice(notice_id)
    policy.require(actor, "view", notice, audit_action="village_notice.file_download")
    files = [link.file for link in notice.attachments]
    if notice.finance_table is not None:
        files.append(notice.finance_table.source_file)
    stored = next((f for f in files if f.id == file_id), None)
    if stored is None:
        raise NotFound("该附件不属于此公开事项。")
    audit.record(actor, "village_notice.file_download", notice,
                 after={"file": stored.display_name, "sha256": stored.sha256})
    db.session.commit()
    return stored


def submit(actor, notice_id: int) -> VillageNotice:
    """Send a draft to the supervision committee. Blocked while personal data is
    unmasked (PersonalDataFound lists the places). Requires `village_clerk`."""
    notice = get_notice(notice_id)
    check(actor, notice, "submit")
    if not html_to_text(notice.body_html) and notice.finance_table is None \
            and not notice.attachments:
        raise ValidationError("正文、财务表和附件不能都为空。")
    require_clean(notice)
    transition(actor, notice, "submit")
    db.session.commit()
    return notice


def sign_off(actor, notice_id: int, note: str = "") -> VillageNotice:
    """The village affairs supervision committee (村务监督委员会) signs off. Requires
    `village_supervisor` on the village; the author cannot sign their own notice."""
    notice = get_notice(notice_id)
    check(actor, notice, "sign_off")
    require_clean(notice)
    note = validation.text(note, field="note", label="签署意见", max_length=500, required=False,
                           multiline=True)
    notice.signed_off_by_id = actor.id
    notice.signed_off_at = utcnow()
    notice.signoff_note = note
    transition(actor, notice, "sign_off", message=note)
    db.session.commit()
    return notice


def send_back(actor, notice_id: int, reason: str) -> VillageNotice:
    """The committee or the town reviewer returns the notice to the clerk with a reason."""
    notice = get_notice(notice_id)
    check(actor, notice, "send_back")
    reason = validation.text(reason, field="reason", label="退回理由", max_length=500,
                             multiline=True)
    transition(actor, notice, "send_back", message=reason)
    db.session.commit()
    return notice


def approve(actor, notice_id: int) -> VillageNotice:
    """A town reviewer approves a signed-off notice and it is published at once. Requires
    `reviewer` on the village (a town grant covers its villages); not the author."""
    notice = get_notice(notice_id)
    check(actor, notice, "approve", audit_action="village_notice.approve")
    require_clean(notice)
    notice.approved_by_id = actor.id
    notice.published_at = utcnow()
    transition(actor, notice, "approve")
    db.session.commit()
    return notice


def withdraw(actor, notice_id: int, reason: str) -> VillageNotice:
    """Take a notice down (requires `reviewer`); the reason stays on record."""
    notice = get_notice(notice_id)
    check(actor, notice, "withdraw")
    reason = validation.text(reason, field="reason", label="撤回原因", max_length=500,
                             multiline=True)
    notice.withdrawn_reason = reason
    transition(actor, notice, "withdraw", message=reason)
    db.session.commit()
    return notice
