"""What a reply may carry, and how a sent reply is corrected.

- A reply still holding a placeholder (`{单位}`, `{联系电话}`, or any other `{…}`, known or
  not) is not sent: the resident would read "请拨打 {联系电话}". The placeholders are named
  in the refusal. Templates insert with what the case knows already filled
  (`portal.inquiries.reply_templates`); the rest is the handler's to write.
- A reply to an application for government information may carry files (the information
  provided). They are checked like every file a resident can fetch
  (portal.personal_data.files): one holding another person's ID, bank or phone number is
  refused, and one no machine can read needs a person's confirmation. The applicant
  downloads them from the tracking page.
- A sent reply is part of the record: it is corrected only by an audited, dated 更正 that
  keeps the text as first sent and says why; the resident sees both.
"""

from __future__ import annotations

from werkzeug.datastructures import FileStorage

from portal import placeholders, validation
from portal.attachments.models import StoredFile
from portal.attachments.services import save_uploads
from portal.attachments.storage import discard_file
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.inquiries.models import (
    ANSWERED_STATUSES,
    Inquiry,
    ReplyAttachment,
    ReplyCorrection,
)
from portal.personal_data import files as file_scan
from portal.personal_data.texts import PersonalDataFound

MAX_FILES = 10


def check_text(text: str | None) -> str:
    """The reply as it will be sent. Raises ValidationError for an empty or over-long text
    or one still holding template placeholders."""
    text = validation.text(text, field="text", label="答复内容", max_length=10000,
                           multiline=True)
    left = placeholders.left_in(text)
    if left:
        raise ValidationError(f"答复中还有未填写的模板占位符：{'、'.join(left)}。"
                              "请换成实际内容后再发送。", field="text")
    return text


def attach(actor, inquiry: Inquiry, files: list[FileStorage], *, confirmed: bool) -> None:
    """Store and check the files sent with a reply; adds to the unit of work. Raises
    PersonalDataFound for a file with personal data or one nobody checked (nothing is
    kept, on disk either), ValidationError for too many files."""
    files = [f for f in files or [] if f and f.filename]
    if not files:
        return
    if len(files) > MAX_FILES:
        raise ValidationError(f"答复附件最多 {MAX_FILES} 个。", field="files")
    saved = save_uploads(files, uploaded_by=actor)
    for stored in saved:
        file_scan.check(stored)
        if confirmed and file_scan.may_confirm(stored):
            file_scan.confirm(actor, stored, inquiry)
    places = file_scan.problems(saved)
    if places:
        for stored in saved:
            discard_file(stored)
            db.session.expunge(stored)
        raise PersonalDataFound(places, target=inquiry)
    for stored in saved:
        db.session.add(ReplyAttachment(inquiry_id=inquiry.id, file=stored))


def files_of(inquiry: Inquiry) -> list[StoredFile]:
    return [link.file for link in db.session.scalars(
        db.select(ReplyAttachment).where(ReplyAttachment.inquiry_id == inquiry.id)
        .order_by(ReplyAttachment.id))]


def corrections_of(inquiry: Inquiry) -> list[ReplyCorrection]:
    return list(db.session.scalars(db.select(ReplyCorrection).where(
        ReplyCorrection.inquiry_id == inquiry.id).order_by(ReplyCorrection.id)))


def correct(actor, inquiry: Inquiry, text: str, reason: str) -> ReplyCorrection:
    """Record a 更正 of a sent reply (the caller checked the handler's role, records the
    timeline event and the audit entry, and commits). The first text stays on record;
    when and whether the reply was on time does not change."""
    if inquiry.status not in ANSWERED_STATUSES or not inquiry.reply_text:
        raise Conflict("只有已发出的答复才能更正。")
    text = check_text(text)
    if text == inquiry.reply_text:
        raise ValidationError("更正后的答复与原答复相同。", field="text")
    reason = validation.text(reason, field="reason", label="更正理由", max_length=500,
                             multiline=True)
    correction = ReplyCorrection(inquiry_id=inquiry.id, corrected_by_id=actor.id,
                                 reason=reason, previous_text=inquiry.reply_text,
                                 new_text=text)
    db.session.add(correction)
    inquiry.reply_text = text
    return correction
