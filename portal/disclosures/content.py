"""A disclosure's content as staff edit it: the form's input and its checks, the body
(typed, pasted or imported from Word), the fields a version keeps, and attachments as they
are stored and scanned. Drafts take it directly (`services`); published documents take it
through a reviewed revision (`revisions`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import audit, validation
from portal.attachments.gongwen import normal_doc_number
from portal.attachments.models import StoredFile
from portal.attachments.services import save_uploads
from portal.attachments.word import import_docx
from portal.catalogue.services import check_entry_choice
from portal.disclosures.models import (
    TOPICS,
    Category,
    Disclosure,
    DisclosureVersion,
    Mode,
    Status,
    Validity,
)
from portal.disclosures.timeliness import publish_deadline
from portal.errors import ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.personal_data import files as file_scan
from portal.sanitize import clean_html, find_unsafe, text_to_html
from portal.timeutil import local_now, utcnow

MAX_ATTACHMENTS = 20


@dataclass
class DisclosureInput:
    """What staff fill in on the form; the view builds it, services validate it."""

    organization: Organization
    category: Category
    title: str
    body_html: str
    formed_on: date
    written_on: date | None = None
    doc_number: str = ""
    topic: str = "综合政务"
    keywords: str = ""
    mode: Mode = Mode.PROACTIVE
    validity: Validity = Validity.VALID
    repealed_on: date | None = None
    source: str = ""
    supersedes_index: str = ""
    word_file: FileStorage | None = None  # replaces the body when given
    catalogue_entry_id: int | None = None  # 公开目录事项


OPTIONAL_TEXT = (("doc_number", "发文字号", 100), ("keywords", "主题词", 200),
                 ("source", "信息来源", 100), ("supersedes_index", "替代的文件（索引号）", 40))
INPUT_FIELDS = ("organization", "category", "title", "formed_on", "written_on", "doc_number",
                "topic", "keywords", "mode", "validity", "repealed_on", "source",
                "catalogue_entry_id")


def validate(data: DisclosureInput, current_catalogue_entry: int | None = None) -> None:
    """Check and trim the input in place. Raises ValidationError naming the field."""
    data.title = validation.text(data.title, field="title", label="标题", max_length=200)
    for name, label, limit in OPTIONAL_TEXT:
        setattr(data, name, validation.text(getattr(data, name), field=name, label=label,
                                            max_length=limit, required=False))
    if data.topic not in TOPICS:
        raise ValidationError("请选择主题分类。", field="topic")
    today = local_now().date()
    if data.formed_on > today:
        raise ValidationError("信息形成日期不能晚于今天。", field="formed_on")
    if data.written_on and data.written_on > today:
        raise ValidationError("成文日期不能晚于今天。", field="written_on")
    if data.validity is Validity.REPEALED and not data.repealed_on:
        raise ValidationError("有效性为“废止”时请填写废止日期。", field="repealed_on")
    if data.validity is not Validity.REPEALED and data.repealed_on:
        raise ValidationError("只有已废止的文件才填写废止日期。", field="repealed_on")
    check_entry_choice(data.catalogue_entry_id, current_catalogue_entry)


def snapshot(disclosure: Disclosure) -> dict:
    """The fields a version keeps, in JSON form."""
    return {
        "title": disclosure.title, "body_html": disclosure.body_html,
        "category": disclosure.category.value, "organization_id": disclosure.organization_id,
        "doc_number": disclosure.doc_number, "written_on": disclosure.written_on,
        "formed_on": disclosure.formed_on, "topic": disclosure.topic,
        "keywords": disclosure.keywords, "mode": disclosure.mode.value,
        "validity": disclosure.validity.value, "repealed_on": disclosure.repealed_on,
        "source": disclosure.source, "status": disclosure.status.value,
        "index_number": disclosure.index_number,
        "catalogue_entry_id": disclosure.catalogue_entry_id,
        "attachments": [link.file.display_name for link in disclosure.attachments],
    }


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    return value.value if isinstance(value, enum.Enum) else value


def jsonable(values: dict) -> dict:
    """Field values as JSON keeps them: dates in ISO form, enums as their values."""
    return {name: _jsonable(value) for name, value in values.items()}


def snapshot_json(disclosure: Disclosure) -> dict:
    return jsonable(snapshot(disclosure))


def state(disclosure: Disclosure) -> dict:
    """What a revision proposes a replacement for: the snapshot and the attachments' ids."""
    return {**snapshot_json(disclosure),
            "attachment_ids": [link.stored_file_id for link in disclosure.attachments]}


def keep_version(editor, disclosure: Disclosure) -> None:
    """Keep the current state as a version; `editor` is who made the change that follows."""
    db.session.add(DisclosureVersion(
        disclosure=disclosure, number=disclosure.version,
        snapshot=snapshot_json(disclosure), edited_by_id=getattr(editor, "id", None),
        was_published=disclosure.status is Status.PUBLISHED,
    ))
    disclosure.version += 1


@dataclass
class WordFill:
    """What a Word import puts into the form: the body, the fields it filled because they
    were empty (name → value), and what to tell the person (in Chinese)."""

    body_html: str
    filled: dict[str, object]
    notes: list[str]


def import_word(file: FileStorage, *, title: str, doc_number: str, has_written_on: bool,
                has_source: bool) -> WordFill:
    """Convert a Word .docx (a 公文 read for its structure, portal.attachments.gongwen)
    into the body, and fill 标题, 发文字号, 成文日期 and 信息来源 (the 发文机关) from the
    document where the form left them empty; a filled field is never overwritten.
    Stores nothing. Raises ValidationError (or PayloadTooLarge) for a file that cannot
    be imported."""
    imported = import_docx(file, title=title.strip())
    found = imported.found
    filled: dict[str, object] = {}
    notes = list(imported.warnings)
    if found.title and not title.strip() and len(found.title) <= 200:
        filled["title"] = found.title
    if found.doc_number:
        if not doc_number.strip():
            filled["doc_number"] = found.doc_number
        elif (normal_doc_number(doc_number) or doc_number.strip()) != found.doc_number:
            notes.append(f"文档中的发文字号为“{found.doc_number}”，与已填写的“{doc_number.strip()}”"
                         "不同，已保留填写的内容，请核对。")
    if found.written_on and not has_written_on:
        day = date.fromisoformat(found.written_on)
        if day <= local_now().date():
            filled["written_on"] = day
    if found.issuer and not has_source:
        filled["source"] = found.issuer
    notes[:0] = _recognised(found, filled)
    return WordFill(imported.html, filled, notes)


FILLED_LABELS = {"title": "标题", "doc_number": "发文字号", "written_on": "成文日期",
                 "source": "信息来源（发文机关）"}
HEADING_MARKERS = {1: "“一、”", 2: "“（一）”", 3: "“1.”", 4: "“（1）”"}


def _recognised(found, filled: dict[str, object]) -> list[str]:
    """The notice of what the import recognised and filled in."""
    notes = []
    dropped = (["版头（发文机关标志、发文字号）"] if found.head_dropped else []) + (
        ["与标题重复的标题行"] if found.title_dropped else [])
    if dropped:
        notes.append("已按公文格式识别，正文中去掉了" + "和".join(dropped) + "。")
    if found.headings:
        notes.append("已将" + "、".join(f"{HEADING_MARKERS[level]}开头的 {count} 处"
                                       for level, count in sorted(found.headings.items()))
                     + "识别为各级小标题。")
    if filled:
        notes.append("已从文档中填入：" + "；".join(
            f"{FILLED_LABELS[name]}“{value}”" for name, value in filled.items()) + "。")
    return notes


def body_html(data: DisclosureInput, notes: list[str] | None) -> str:
    """The body as stored: imported from the Word file when one is given (filling the
    fields the form left empty), else the typed text (plain text becomes paragraphs,
    markup is cleaned, script is refused)."""
    if data.word_file is not None and data.word_file.filename:
        fill = import_word(data.word_file, title=data.title, doc_number=data.doc_number,
                           has_written_on=data.written_on is not None,
                           has_source=bool(data.source.strip()))
        for name, value in fill.filled.items():
            setattr(data, name, value)
        if notes is not None:
            notes.extend(fill.notes)
        return fill.body_html
    body = data.body_html.strip()
    unsafe = find_unsafe(body)
    if unsafe:
        raise ValidationError("正文含有可执行的不安全内容（" + "、".join(unsafe[:5])
                              + "），请删除后再保存。", field="body_html",
                              audit_action="disclosure.unsafe_html")
    return clean_html(body) if "<" in body else text_to_html(body)


def input_fields(data: DisclosureInput, notes: list[str] | None) -> dict:
    """The validated input as the document's field values."""
    body = body_html(data, notes)
    fields = {name: getattr(data, name) for name in INPUT_FIELDS}
    fields["title"] = data.title.strip()
    fields["body_html"] = body
    fields["source"] = data.source.strip() or data.organization.publisher_name
    return fields


def apply_fields(disclosure: Disclosure, fields: dict) -> None:
    """Set the fields and the publication deadline that follows from 信息形成日期."""
    for name, value in fields.items():
        setattr(disclosure, name, value)
    deadline = publish_deadline(disclosure.formed_on)
    disclosure.publish_due = deadline.due
    disclosure.publish_due_provisional = deadline.provisional
    disclosure.updated_at = utcnow()


def store_files(actor, disclosure: Disclosure, files: list[FileStorage], *,
                confirmed: bool) -> list[StoredFile]:
    """Store and scan uploads for `disclosure` (audited per file); with `confirmed`, the
    editor's check of files no machine can read is recorded. The caller links them."""
    saved = save_uploads(files, uploaded_by=actor)
    for stored in saved:
        file_scan.check(stored)
        audit.record(actor, "attachment.upload", disclosure,
                     after={"file": stored.display_name, "kind": stored.kind,
                            "size": stored.size, "sha256": stored.sha256,
                            "privacy": stored.privacy_state})
        if confirmed and stored.privacy_state == file_scan.PrivacyState.UNREADABLE:
            file_scan.confirm(actor, stored, disclosure)
    return saved


def stored_files(ids: list[int]) -> list[StoredFile]:
    """The stored files with these ids, in the same order."""
    if not ids:
        return []
    found = {f.id: f for f in db.session.scalars(select(StoredFile).where(
        StoredFile.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def chosen(files: list[FileStorage], already: int) -> list[FileStorage]:
    """The files actually chosen in the form, within the limit per document."""
    files = [f for f in files if f and f.filename]
    if not files:
        raise ValidationError("请选择要上传的文件。", field="files")
    if already + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(f"每条信息最多 {MAX_ATTACHMENTS} 个附件。", field="files")
    return files
