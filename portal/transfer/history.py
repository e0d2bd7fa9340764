"""Historical documents carried over from a county's earlier site (历史信息导入):
`flask --app portal disclosures import meta.csv|meta.xlsx --files DIR`. The columns are
described in `portal.transfer.rows`.

Decisions:
- One transaction, all or nothing. Every row is read and checked, its files are stored
  and scanned, and its document is built before anything is committed; when any row is
  refused, the transaction is rolled back and the files stored for the import are removed
  again. A dry run does all of it and always rolls back, so its report is exactly what
  the import would do. A very large site splits its table into several files and imports
  them one after another: each is all or nothing, and a row imported before is refused as
  already there, so running a file again is safe. (No half-applied batches to resume.)
- The documents were published before, on the earlier site: they are published directly,
  without review, by the command (the system actor), keeping their original publication
  time, 文号 and — when it has this site's form and the unit's code — 索引号. Each is
  audited as `disclosure.import`, which says so and names the table, the row and any
  original 索引号 that had to be replaced; the import as a whole as `disclosures.import`.
- A kept 索引号 lifts its code's yearly counter past its serial, so numbers allocated later
  never collide with it; rows without one get numbers in order of publication.
- Personal data: the text and every attachment pass the gate of every publication on the
  site (`portal.disclosures.privacy`); a row holding personal data is refused with each
  place named. Files no machine can read pass only with 附件已人工核对 = 是.
- Search: the documents are indexed in the same transaction, like any publication.
- Already there: a document of the same unit with the same title and day of publication,
  or one holding the same 索引号, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import audit
from portal.attachments.models import StoredFile
from portal.attachments.storage import discard_file, save_upload
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.disclosures import privacy
from portal.disclosures.models import (
    Disclosure,
    DisclosureAttachment,
    IndexSequence,
    Status,
)
from portal.disclosures.services import allocate_index_number, snapshot_json
from portal.disclosures.timeliness import publish_deadline
from portal.errors import DomainError
from portal.extensions import db
from portal.personal_data import files as file_scan
from portal.sequences import raise_to
from portal.table_input import TableError, header_problems, read_table
from portal.timeutil import LOCAL_TZ, to_local, utcnow
from portal.transfer import rows as columns
from portal.transfer.rows import HistoricalRow, Publishers, RowProblem, read_row

REVIEW_NOTE = "历史信息导入：原网站已发布，由导入命令直接发布，未经本站审核"


@dataclass
class HistoryImport:
    """Per row: what would be (or was) created, or why it is refused."""

    rows: list[HistoricalRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the table as a whole
    index_numbers: dict[int, str] = field(default_factory=dict)  # row → 索引号
    applied: bool = False

    @property
    def refused(self) -> list[HistoricalRow]:
        return [row for row in self.rows if row.problems]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.refused


def import_history(actor, data: bytes, kind: str, files_dir: Path, *, source: str = "",
                   dry_run: bool = False) -> HistoryImport:
    """Import historical documents from a metadata table (`kind` "csv" or "xlsx") and
    the files in `files_dir`. Commits only when every row passes and this is not a dry
    run. Requires `admin` on every publishing unit (the server's command line passes).
    Returns the per-row report."""
    require(actor, Role.ADMIN, None, action="disclosures.import")
    result = HistoryImport()
    try:
        table = read_table(data, kind)
    except TableError as error:
        result.problems.append(error.message)
        return result
    result.problems = header_problems(table.headers, known=columns.COLUMNS,
                                      required=columns.REQUIRED)
    if result.problems:
        return result
    publishers, now = Publishers(), utcnow()
    result.rows = [read_row(record, files_dir, now, publishers) for record in table.records]
    _refuse_repeats(result.rows)
    saved: list[StoredFile] = []
    try:
        built = [(row, doc) for row in result.rows if not row.problems
                 and (doc := _build(actor, row, saved)) is not None]
        result.index_numbers = _publish(actor, built, source)
        if not result.ok or dry_run:
            _undo(saved)
            return result
        audit.record(actor, "disclosures.import", None, after={
            "source": source, "created": len(built), "files": len(saved)},
            message=REVIEW_NOTE)
        db.session.commit()
    except BaseException:
        _undo(saved)
        raise
    result.applied = True
    return result


def _undo(saved: list[StoredFile]) -> None:
    db.session.rollback()
    for stored in saved:
        discard_file(stored)


def _refuse_repeats(rows: list[HistoricalRow]) -> None:
    """The same document twice in the table, or already in the system."""
    seen_index: dict[str, int] = {}
    seen_doc: dict[tuple, int] = {}
    for row in rows:
        if row.organization is None or row.published_at is None:
            continue
        key = (row.organization.id, row.title, row.published_at.date())
        if key in seen_doc:
            row.problem(columns.TITLE, f"与第 {seen_doc[key]} 行是同一发布机构、同一标题、"
                                       "同一发布日期的信息。")
        seen_doc.setdefault(key, row.number)
        if row.index_number:
            if row.index_number in seen_index:
                row.problem(columns.INDEX, f"索引号与第 {seen_index[row.index_number]} 行相同。")
            seen_index.setdefault(row.index_number, row.number)
        if existing := _already_there(row):
            row.problem(columns.TITLE, f"系统中已有这条信息（索引号 {existing.index_number}），"
                                       "可能已经导入过。")


def _already_there(row: HistoricalRow) -> Disclosure | None:
    if row.index_number:
        found = db.session.scalar(select(Disclosure).where(
            Disclosure.index_number == row.index_number))
        if found is not None:
            return found
    start = datetime.combine(row.published_at.date(), time(0), tzinfo=LOCAL_TZ)
    return db.session.scalar(select(Disclosure).where(
        Disclosure.organization_id == row.organization.id, Disclosure.title == row.title,
        Disclosure.published_at >= start, Disclosure.published_at < start + timedelta(days=1),
        Disclosure.status.in_((Status.PUBLISHED, Status.SUPERSEDED, Status.WITHDRAWN))))


def _store_files(row: HistoricalRow, saved: list[StoredFile]) -> list[StoredFile]:
    stored_files = []
    for path in row.attachments:
        try:
            with path.open("rb") as handle:
                stored = save_upload(FileStorage(handle, filename=path.name), None)
        except DomainError as error:
            row.problem(columns.ATTACHMENTS, error.message)
            continue
        saved.append(stored)
        stored_files.append(stored)
        file_scan.check(stored)
    return stored_files


def _build(actor, row: HistoricalRow, saved: list[StoredFile]) -> Disclosure | None:
    """The document of one row, as a draft still, with its files stored and checked; None
    after noting why the row is refused."""
    try:
        require(actor, Role.ADMIN, row.organization, action="disclosure.import")
    except DomainError as error:
        row.problem(columns.PUBLISHER, error.message)
        return None
    stored_files = _store_files(row, saved)
    if row.problems:
        return None
    org, now = row.organization, utcnow()
    deadline = publish_deadline(row.formed_on)
    doc = Disclosure(
        organization=org, category=row.category, title=row.title, body_html=row.body_html,
        doc_number=row.doc_number, written_on=row.written_on, formed_on=row.formed_on,
        topic=row.topic, keywords=row.keywords, mode=row.mode, validity=row.validity,
        repealed_on=row.repealed_on, source=row.source or org.publisher_name,
        status=Status.DRAFT, version=1, author_id=None, publish_due=deadline.due,
        publish_due_provisional=deadline.provisional, created_at=now, updated_at=now)
    doc.attachments = [DisclosureAttachment(file=stored, position=position)
                       for position, stored in enumerate(stored_files)]
    db.session.add(doc)
    db.session.flush()
    if row.checked_by_person:
        for stored in stored_files:
            if file_scan.may_confirm(stored):
                file_scan.confirm(actor, stored, doc)
    places = privacy.places(doc)
    for place in places:
        row.problem("", f"含有个人信息或须人工核对的内容，不能公开：{place}")
    return None if places else doc


def _publish(actor, built: list[tuple[HistoricalRow, Disclosure]], source: str) -> dict:
    """Give each document its 索引号 (kept ones first, the rest in order of publication)
    and publish it as of its original time. Returns row number → 索引号."""
    for row, doc in built:
        if row.index_number:
            code, _, rest = row.index_number.partition("/")
            year, _, serial = rest.partition("-")
            raise_to(IndexSequence, int(serial), prefix=code, year=int(year))
            doc.index_number = row.index_number
    for row, doc in sorted(built, key=lambda pair: pair[0].published_at):
        if doc.index_number is None:
            doc.index_number = allocate_index_number(doc.organization,
                                                     to_local(row.published_at).year)
        doc.status = Status.PUBLISHED
        doc.published_at = doc.first_published_at = row.published_at
        audit.record(actor, "disclosure.import", doc, after={
            **snapshot_json(doc), "published_at": row.published_at, "review": "none",
            "source": source, "row": row.number,
            "replaced_index_number": row.given_index if row.given_index
            and row.given_index != row.index_number else None,
            "files": [{"name": link.file.display_name, "sha256": link.file.sha256,
                       "privacy": link.file.privacy_state} for link in doc.attachments]},
            message=REVIEW_NOTE)
    db.session.flush()
    return {row.number: doc.index_number for row, doc in built}


__all__ = ["HistoryImport", "RowProblem", "import_history"]
