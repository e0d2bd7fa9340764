"""Every public record as data: the same records, fields and masking as the public pages
and the JSON API (`portal.api.serializers`), for the bulk export (`flask export`) and
the open-data download (`/open-data/`).

Parts, each written as `<name>.json` (a list of objects) and `<name>.csv` (one row per
record, Chinese headers; `consultations` adds `consultation-comments.csv`):

- organizations: the tree, in the layout of `flask org export` (deactivated units too).
- disclosures: published and superseded documents with their metadata and the files the
  public may download (clean or checked by a person).
- village-notices: published notices; a finance table as its masked rows and files
  regenerated from them, never the original upload.
- replies: published replies to residents, masked as on the reply list
  (`Inquiry.public_text`: ID, phone and bank numbers, the resident's name, addresses
  finer than the village); no contact details.
- consultations: published and concluded consultations with their published comments
  (surname only, numbers masked) and, once concluded, how each was taken up.
- catalogue: the active entries of the 公开目录.

Files (attachments, regenerated finance tables) are `FileItem`s: the open-data download
links them by their public URLs; the bulk export copies them under `files/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.api import civic, serializers
from portal.attachments.models import StoredFile
from portal.catalogue.models import CatalogueEntry
from portal.consultations.models import PUBLIC_STATUSES as CONSULTATION_STATUSES
from portal.consultations.models import Consultation
from portal.disclosures.models import PUBLIC_STATUSES, Disclosure
from portal.extensions import db
from portal.inquiries.queries import public_replies
from portal.organizations import tree_csv
from portal.organizations.services import whole_tree
from portal.sanitize import html_to_text
from portal.spreadsheet import csv_piece
from portal.villages import finance_export
from portal.villages.models import NoticeStatus, VillageNotice

BATCH = 200
CSV_BATCH = 500  # rows encoded at a time
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class FileItem:
    """A file of a record: where the export puts it, where the site serves it, and its
    bytes (a stored file, or content generated from masked data)."""

    path: str
    url: str
    stored: StoredFile | None = None
    generate: Callable[[], bytes] | None = None


@dataclass
class Record:
    data: dict
    files: list[FileItem] = field(default_factory=list)


@dataclass(frozen=True)
class Part:
    name: str
    title: str
    records: Callable[[], Iterator[Record]]
    headers: tuple[str, ...]
    row: Callable[[dict], list]
    extra_csv: tuple[str, tuple[str, ...], Callable[[dict], list[list]]] | None = None


def safe_name(name: str) -> str:
    """A display name as a file name on any system."""
    return _UNSAFE_IN_NAME.sub("_", name).strip(" .") or "file"


def _batched(stmt) -> Iterator:
    """Rows of `stmt` by id, a batch at a time, so a large site is never held at once;
    what `stmt` loads with its rows (selectinload) costs a statement a batch, not a row."""
    model = stmt.column_descriptions[0]["entity"]
    last = 0
    while True:
        batch = list(db.session.scalars(stmt.where(model.id > last).order_by(model.id)
                                        .limit(BATCH)))
        if not batch:
            return
        yield from batch
        last = batch[-1].id
        db.session.expire_all()


def _attached(kind: str, owner, data: dict) -> list[FileItem]:
    """The public attachments of a serialized record (`owner`'s), with their export paths
    (added to the record as `path`)."""
    items = []
    links = {link.file.sha256 + link.file.display_name: link.file for link in owner.attachments}
    for position, attachment in enumerate(data.get("attachments", []), start=1):
        stored = links[attachment["sha256"] + attachment["name"]]
        path = f"files/{kind}/{owner.id}/{position}-{safe_name(attachment['name'])}"
        attachment["path"] = path
        items.append(FileItem(path, attachment["url"], stored=stored))
    return items


# -- the parts ------------------------------------------------------------------------------

def _organizations() -> Iterator[Record]:
    for org in whole_tree():
        yield Record({"slug": org.slug, "name": org.name, "formal_name": org.formal_name,
                      "full_name": org.full_name, "kind": org.kind.value,
                      "kind_label": org.kind.label,
                      "parent": org.parent.slug if org.parent else None,
                      "credit_code": org.credit_code, "sort_order": org.sort_order,
                      "active": org.active})


def _organization_row(data: dict) -> list:
    return [data["parent"] or "", data["name"], data["formal_name"], data["kind_label"],
            data["slug"], data["credit_code"] or "", data["sort_order"],
            "启用" if data["active"] else "停用"]


def _public_disclosures() -> sa.Select:
    return sa.select(Disclosure).where(Disclosure.status.in_(PUBLIC_STATUSES))


def _disclosures() -> Iterator[Record]:
    stmt = _public_disclosures().options(selectinload(Disclosure.corrections),
                                         selectinload(Disclosure.attachments))
    for doc in _batched(stmt):
        data = serializers.disclosure(doc)
        data["formed_on"] = serializers.day(doc.formed_on)
        yield Record(data, _attached("disclosures", doc, data))


def _names(data: dict) -> str:
    return ";".join(a["name"] for a in data.get("attachments", []))


def _org(data: dict, key: str = "organization") -> str:
    return (data.get(key) or {}).get("slug", "")


def _disclosure_row(d: dict) -> list:
    return [d["id"], d["index_number"], d["title"], d["category_label"], _org(d),
            d["organization"]["publisher_name"], d["doc_number"], d["written_on"], d["topic"],
            d["keywords"], d["mode"], d["validity"], d["repealed_on"], d["source"], d["status"],
            d["published_at"], d["updated_at"], d["url"], _names(d), html_to_text(d["body_html"])]


def _public_notices() -> sa.Select:
    return sa.select(VillageNotice).where(VillageNotice.status == NoticeStatus.PUBLISHED)


def _notices() -> Iterator[Record]:
    stmt = _public_notices().options(selectinload(VillageNotice.village),
                                     selectinload(VillageNotice.attachments),
                                     selectinload(VillageNotice.finance_table))
    for notice in _batched(stmt):
        data = serializers.notice(notice)
        files = _attached("village-notices", notice, data)
        if data["finance"] is not None:
            data["finance"]["paths"] = {}
            for fmt, url in data["finance"]["files"].items():
                path = f"files/village-notices/{notice.id}/收支明细.{fmt}"
                data["finance"]["paths"][fmt] = path
                files.append(FileItem(path, url, generate=_finance(notice.id, fmt)))
        yield Record(data, files)


def _finance(notice_id: int, fmt: str) -> Callable[[], bytes]:
    def content() -> bytes:
        return finance_export.statement_file(db.session.get(VillageNotice, notice_id), fmt)[0]
    return content


def _notice_row(n: dict) -> list:
    finance = n["finance"] or {}
    return [n["id"], n["title"], n["category_label"], _org(n, "village"), _org(n, "town"),
            n["period_start"], n["period_end"], n["window_start"], n["window_end"],
            n["published_at"], n["url"], _names(n), finance.get("total_income"),
            finance.get("total_expense"), html_to_text(n["body_html"])]


def _replies() -> Iterator[Record]:
    for inquiry in _batched(public_replies()):
        yield Record(serializers.reply(inquiry))


def _reply_row(r: dict) -> list:
    return [r["number"], r["type_label"], r["title"], r["question"], r["reply"],
            r["received_at"], r["replied_at"], _org(r), r["url"]]


def _public_consultations() -> sa.Select:
    return sa.select(Consultation).where(Consultation.status.in_(CONSULTATION_STATUSES),
                                         Consultation.published_at.is_not(None))


def _consultations() -> Iterator[Record]:
    for item in _batched(_public_consultations()):
        data = civic.consultation(item)
        concluded = data["adoption_summary"] is not None
        data["comments"] = [{
            "name": comment.public_name, "body": comment.public_body,
            "submitted_at": serializers.timestamp(comment.submitted_at),
            "adoption": comment.adoption.value if concluded and comment.adoption else None,
            "adoption_label": comment.adoption.label if concluded and comment.adoption
            else None,
            "adoption_note": comment.adoption_note if concluded else None,
        } for comment in item.approved_comments]
        yield Record(data)


def _consultation_row(c: dict) -> list:
    return [c["id"], c["title"], _org(c), c["status"], c["opens_on"], c["closes_on"],
            c["published_at"], len(c["comments"]), c["url"], c["summary"],
            html_to_text(c["draft_html"]), c["adoption_summary"] or ""]


def _comment_rows(c: dict) -> list[list]:
    return [[c["id"], n, comment["name"], comment["submitted_at"], comment["body"],
             comment["adoption_label"] or "", comment["adoption_note"] or ""]
            for n, comment in enumerate(c["comments"], start=1)]


def _catalogue() -> Iterator[Record]:
    entries = db.session.scalars(sa.select(CatalogueEntry).where(
        CatalogueEntry.active.is_(True)).order_by(CatalogueEntry.position, CatalogueEntry.id))
    for entry in entries:
        yield Record(civic.catalogue_entry(entry))


def _catalogue_row(e: dict) -> list:
    return [e["id"], e["position"], e["level1"], e["level2"], e["content"], e["basis"],
            e["time_limit"], e["subject"], e["channels"], e["audience"], e["manner"], e["tier"],
            e["url"]]


PARTS = (
    Part("organizations", "组织架构", _organizations, tree_csv.HEADERS, _organization_row),
    Part("disclosures", "政府信息公开", _disclosures, (
        "编号", "索引号", "标题", "公开类别", "发布机构代码", "发布机构", "发文字号", "成文日期",
        "主题分类", "主题词", "公开方式", "有效性", "废止日期", "信息来源", "状态", "发布时间",
        "更新时间", "网址", "附件", "正文"), _disclosure_row),
    Part("village-notices", "村务公开", _notices, (
        "编号", "标题", "类别", "村代码", "乡镇代码", "公开期间起", "公开期间止", "公示起",
        "公示止", "发布时间", "网址", "附件", "收入合计", "支出合计", "正文"), _notice_row),
    Part("replies", "留言答复", _replies, (
        "受理编号", "类型", "标题", "留言内容", "答复", "受理时间", "答复时间", "答复单位代码",
        "网址"), _reply_row),
    Part("consultations", "征求意见", _consultations, (
        "编号", "标题", "发布机构代码", "状态", "征求意见开始", "征求意见截止", "发布时间",
        "公开的意见数", "网址", "说明", "征求意见稿", "意见采纳情况"), _consultation_row,
        extra_csv=("consultation-comments", ("征求意见编号", "序号", "署名", "提交时间", "意见",
                                             "采纳情况", "说明"), _comment_rows)),
    Part("catalogue", "公开目录", _catalogue, (
        "编号", "序号", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限",
        "公开主体", "公开渠道和载体", "公开对象", "公开方式", "公开层级", "网址"), _catalogue_row),
)


# The statements of the parts that grow with the site (the others are a few hundred rows).
_GROWING = {"disclosures": _public_disclosures, "village-notices": _public_notices,
            "replies": public_replies, "consultations": _public_consultations}


def record_statement(part: Part) -> sa.Select | None:
    """The statement of `part`'s records, for counting them; None for a small part."""
    make = _GROWING.get(part.name)
    return None if make is None else make()


@dataclass
class Written:
    """A part written out: how many records it holds and each of its files' SHA-256."""

    count: int
    sums: dict[str, str]


class _OutFile:
    """A data file written as its records come, hashed on the way, to a temporary name
    in its folder, renamed into place only when whole (`close`)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        handle, self.temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        self.out = os.fdopen(handle, "wb")
        self.digest = hashlib.sha256()

    def write(self, content: bytes) -> None:
        self.out.write(content)
        self.digest.update(content)

    def close(self) -> str:
        self.out.flush()
        os.fsync(self.out.fileno())
        self.out.close()
        os.replace(self.temporary, self.target)
        return self.digest.hexdigest()

    def discard(self) -> None:
        self.out.close()
        Path(self.temporary).unlink(missing_ok=True)


class _Table:
    """A CSV file written a batch of rows at a time (one BOM, at its start)."""

    def __init__(self, target: Path, headers: tuple[str, ...]) -> None:
        self.file = _OutFile(target)
        self.rows: list[list] = [list(headers)]
        self.first = True

    def add(self, rows: list[list]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= CSV_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows or self.first:
            self.file.write(csv_piece(self.rows, self.first))
            self.rows, self.first = [], False


def write(part: Part, folder: Path,
          on_files: Callable[[list[FileItem]], None] | None = None) -> Written:
    """Write the part's JSON and CSV files into `folder` as its records are read, a batch
    at a time: however many records a site has, only a batch is held in memory. Each
    file appears whole or not at all. `on_files` gets each record's files."""
    folder.mkdir(parents=True, exist_ok=True)
    document = _OutFile(folder / f"{part.name}.json")
    tables = [(_Table(folder / f"{part.name}.csv", part.headers),
               lambda data: [part.row(data)])]
    if part.extra_csv is not None:
        name, headers, rows = part.extra_csv
        tables.append((_Table(folder / f"{name}.csv", headers), rows))
    outputs = [document, *(table.file for table, _rows in tables)]
    count = 0
    try:
        for record in part.records():
            # json.dumps(list, indent=1), one item at a time: the same bytes as at once.
            item = json.dumps(record.data, ensure_ascii=False, indent=1)
            document.write((",\n " if count else "[\n ").encode()
                           + item.replace("\n", "\n ").encode())
            for table, rows in tables:
                table.add(rows(record.data))
            if on_files is not None and record.files:
                on_files(record.files)
            count += 1
        document.write(b"\n]\n" if count else b"[]\n")
        for table, _rows in tables:
            table.flush()
    except BaseException:
        for output in outputs:
            output.discard()
        raise
    return Written(count, {output.target.name: output.close() for output in outputs})


def json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
