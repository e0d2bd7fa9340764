"""One row of a historical documents' metadata table, read and checked cell by cell.

Columns (the header row names them; any order; see `portal.transfer.history` for the rest):

    标题, 发布机构, 公开类别, 发布日期                       required
    成文日期, 信息形成日期, 发文字号, 索引号, 主题分类, 主题词,
    有效性, 废止日期, 信息来源, 公开方式, 正文文件, 正文, 附件, 附件已人工核对   optional

- 发布机构: the unit's 代码 (slug), or its name, full name or 全称 when that names one unit.
  A deactivated unit may be named: its old documents are history too.
- 公开类别: 决策, 执行, 管理, 服务, 结果 (with or without 公开).
- Dates: 2019-03-08, 2019/3/8, 2019.3.8, 2019年3月8日, or a date cell; 发布日期 may carry a
  time (2019-03-08 10:30), otherwise 00:00 Beijing time is kept rather than invented.
  信息形成日期 defaults to 成文日期, else to the day of publication.
- 索引号: kept when it has this site's form (`<统一社会信用代码>/<YYYY>-<NNNNN>`) with the
  publishing unit's code; otherwise a new one is allocated and the report says so.
- 正文文件: a .docx, .html/.htm or .txt file in the files folder; 正文: the text (or HTML)
  itself. One of them, or 附件, must be given.
- 附件: file names in the files folder, separated by ; or ；.
- 附件已人工核对: 是 records that the person importing checked the attachments no machine
  can read (scans, images) and found no personal data; audited like the confirmation on
  the staff page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import validation
from portal.attachments.word import import_docx
from portal.disclosures.models import TOPICS, Category, Mode, Validity
from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.sanitize import clean_html, find_unsafe, text_to_html
from portal.table_input import Record, decode_text
from portal.timeutil import LOCAL_TZ

TITLE, PUBLISHER, CATEGORY, PUBLISHED = "标题", "发布机构", "公开类别", "发布日期"
WRITTEN, FORMED, NUMBER, INDEX = "成文日期", "信息形成日期", "发文字号", "索引号"
TOPIC, KEYWORDS, VALIDITY, REPEALED = "主题分类", "主题词", "有效性", "废止日期"
SOURCE, MODE, BODY_FILE, BODY = "信息来源", "公开方式", "正文文件", "正文"
ATTACHMENTS, CHECKED = "附件", "附件已人工核对"
REQUIRED = (TITLE, PUBLISHER, CATEGORY, PUBLISHED)
COLUMNS = (*REQUIRED, WRITTEN, FORMED, NUMBER, INDEX, TOPIC, KEYWORDS, VALIDITY, REPEALED,
           SOURCE, MODE, BODY_FILE, BODY, ATTACHMENTS, CHECKED)

CATEGORIES = {**{c.label: c for c in Category}, **{c.label[:2]: c for c in Category},
              **{c.value: c for c in Category}}
VALIDITIES = {v.label: v for v in Validity} | {v.value: v for v in Validity}
MODES = {m.label: m for m in Mode} | {m.value: m for m in Mode}
YES = {"是": True, "已核对": True, "否": False, "": False}
BODY_KINDS = ("docx", "html", "htm", "txt")
INDEX_RE = re.compile(r"(?P<code>[0-9A-Z]{18})/(?P<year>\d{4})-(?P<serial>\d{5})")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[\sT]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?")
MAX_ATTACHMENTS = 20


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”：{self.message}" if self.column \
            else f"第 {self.row} 行：{self.message}"


@dataclass
class HistoricalRow:
    """What a row says, checked; `problems` lists every cell that is wrong."""

    number: int
    title: str = ""
    organization: Organization | None = None
    category: Category | None = None
    published_at: datetime | None = None
    written_on: date | None = None
    formed_on: date | None = None
    doc_number: str = ""
    index_number: str = ""  # kept from the earlier site
    given_index: str = ""  # as the table has it, kept or not
    topic: str = "综合政务"
    keywords: str = ""
    validity: Validity = Validity.VALID
    repealed_on: date | None = None
    source: str = ""
    mode: Mode = Mode.PROACTIVE
    body_html: str = ""
    attachments: list[Path] = field(default_factory=list)
    checked_by_person: bool = False
    notes: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, column, message))


def read_row(record: Record, files_dir: Path, now: datetime,
             publishers: Publishers) -> HistoricalRow:
    """Check every cell of `record`; files are looked up in `files_dir`."""
    row = HistoricalRow(record.number)
    cells = _Cells(record, row)
    row.title = cells.text(TITLE, 200, required=True)
    row.organization = cells.check(PUBLISHER, publishers.find)
    row.category = cells.check(CATEGORY, _choice(CATEGORIES, "决策、执行、管理、服务或结果"))
    row.published_at = cells.check(PUBLISHED, _moment)
    row.written_on = cells.check(WRITTEN, _day, optional=True)
    row.formed_on = cells.check(FORMED, _day, optional=True) or row.written_on
    row.doc_number = cells.text(NUMBER, 100)
    row.topic = cells.check(TOPIC, _topic, optional=True) or "综合政务"
    row.keywords = cells.text(KEYWORDS, 200)
    row.validity = cells.check(VALIDITY, _choice(VALIDITIES, "有效、失效或废止"),
                               optional=True) or Validity.VALID
    row.repealed_on = cells.check(REPEALED, _day, optional=True)
    row.source = cells.text(SOURCE, 100)
    row.mode = cells.check(MODE, _choice(MODES, "主动公开或依申请公开"),
                           optional=True) or Mode.PROACTIVE
    row.checked_by_person = cells.check(CHECKED, _choice(YES, "是或否"), optional=True) or False
    row.attachments = cells.check(ATTACHMENTS, lambda v: _attachments(v, files_dir),
                                  optional=True) or []
    row.body_html = _body(cells, files_dir, row)
    _check_dates(row, now)
    _check_index(cells, row)
    if not row.body_html and not row.attachments and not row.problems:
        row.problem(BODY, "正文（或正文文件）和附件不能都为空。")
    return row


class _Cells:
    """Reads cells of one record, noting each problem on the row instead of raising."""

    def __init__(self, record: Record, row: HistoricalRow):
        self.record, self.row = record, row

    def raw(self, column: str):
        value = self.record.values.get(column, "")
        return value.strip() if isinstance(value, str) else value

    def text(self, column: str, limit: int, *, required: bool = False) -> str:
        try:
            return validation.text(str(self.raw(column) or ""), field=column, label=column,
                                   max_length=limit, required=required)
        except ValidationError as error:
            self.row.problem(column, error.message)
            return ""

    def check(self, column: str, parse, *, optional: bool = False):
        value = self.raw(column)
        if value in ("", None):
            if not optional:
                self.row.problem(column, f"请填写{column}。")
            return None
        try:
            return parse(value)
        except DomainError as error:
            self.row.problem(column, error.message)
            return None


def _choice(options: dict, allowed: str):
    def parse(value):
        found = options.get(str(value).strip())
        if found is None:
            raise ValidationError(f"“{str(value)[:40]}”无效，应为{allowed}。")
        return found
    return parse


def _topic(value) -> str:
    if value not in TOPICS:
        raise ValidationError(f"“{str(value)[:40]}”不是主题分类。可选：{'、'.join(TOPICS)}。")
    return value


class Publishers:
    """Every unit by 代码 and by each of its names, read once per import."""

    def __init__(self) -> None:
        self.by_slug: dict[str, Organization] = {}
        self.by_name: dict[str, list[Organization]] = {}
        for org in db.session.scalars(select(Organization).order_by(Organization.path)):
            self.by_slug[org.slug] = org
            for name in {org.name, org.formal_name, org.full_name} - {""}:
                self.by_name.setdefault(name, []).append(org)

    def find(self, value) -> Organization:
        text = str(value).strip()
        if text in self.by_slug:
            return self.by_slug[text]
        candidates = self.by_name.get(text, [])
        if not candidates:
            raise ValidationError(f"找不到发布机构“{text[:40]}”，"
                                  "请填写单位代码（英文标识）或名称。")
        if len(candidates) > 1:
            listed = "、".join(f"{org.full_name}（{org.slug}）" for org in candidates[:5])
            raise ValidationError(f"“{text}”对应多个单位：{listed}，请改填单位代码。")
        return candidates[0]


def _parts(value) -> tuple[date, time | None]:
    if isinstance(value, datetime):
        return value.date(), value.time() if value.time() != time(0) else None
    if isinstance(value, date):
        return value, None
    match = _DATE.fullmatch(str(value).strip())
    if not match:
        raise ValidationError(f"“{str(value)[:40]}”不是日期，请写成 2019-03-08 的形式。")
    y, m, d, hh, mm, ss = match.groups()
    try:
        day = date(int(y), int(m), int(d))
        moment = time(int(hh), int(mm), int(ss or 0)) if hh is not None else None
    except ValueError as error:
        raise ValidationError(f"“{value}”不是有效的日期或时间。") from error
    return day, moment


def _day(value) -> date:
    return _parts(value)[0]


def _moment(value) -> datetime:
    day, moment = _parts(value)
    return datetime.combine(day, moment or time(0), tzinfo=LOCAL_TZ)


def _safe_file(files_dir: Path, name: str) -> Path:
    """`name` as a file directly in `files_dir`; ValidationError otherwise."""
    if not name or any(part in name for part in ("/", "\\")) or name in (".", ".."):
        raise ValidationError(f"文件名“{name[:60]}”无效：只填写文件夹中的文件名，不带路径。")
    path = files_dir / name
    try:
        inside = path.resolve().parent == files_dir.resolve()
    except OSError:
        inside = False
    if not inside or not path.is_file():
        raise ValidationError(f"文件夹中没有文件“{name}”。")
    return path


def _attachments(value, files_dir: Path) -> list[Path]:
    names = [name.strip() for name in re.split(r"[;；]", str(value)) if name.strip()]
    if len(names) > MAX_ATTACHMENTS:
        raise ValidationError(f"每条信息最多 {MAX_ATTACHMENTS} 个附件（现有 {len(names)} 个）。")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValidationError(f"附件“{repeated[0]}”重复出现。")
    missing = []
    paths = []
    for name in names:
        try:
            paths.append(_safe_file(files_dir, name))
        except ValidationError as error:
            missing.append(error.message)
    if missing:
        raise ValidationError(" ".join(missing))
    return paths


def _body(cells: _Cells, files_dir: Path, row: HistoricalRow) -> str:
    name, text = cells.raw(BODY_FILE), cells.raw(BODY)
    if name and text:
        row.problem(BODY, "“正文”和“正文文件”只填一个。")
        return ""
    if name:
        return cells.check(BODY_FILE, lambda v: _body_file(str(v), files_dir, row)) or ""
    if not text:
        return ""
    return cells.check(BODY, lambda v: _html(str(v))) or ""


def _body_file(name: str, files_dir: Path, row: HistoricalRow) -> str:
    path = _safe_file(files_dir, name)
    kind = path.suffix.lower().lstrip(".")
    if kind not in BODY_KINDS:
        raise ValidationError(f"正文文件“{name}”应为 .docx、.html 或 .txt 文件。")
    if kind == "docx":
        with path.open("rb") as handle:
            imported = import_docx(FileStorage(handle, filename=name), title=row.title)
        row.notes += imported.warnings
        return imported.html
    content = decode_text(path.read_bytes())
    return _html(content) if kind in ("html", "htm") else text_to_html(content)


def _html(body: str) -> str:
    body = validation.strip_invisible(body) or ""
    if "<" not in body:
        return text_to_html(body)
    unsafe = find_unsafe(body)
    if unsafe:
        raise ValidationError("正文含有可执行的不安全内容（" + "、".join(unsafe[:5])
                              + "），请删除后再导入。")
    return clean_html(body)


def _check_dates(row: HistoricalRow, now: datetime) -> None:
    if row.published_at is None:
        return
    published_day = row.published_at.date()
    if row.published_at > now:
        row.problem(PUBLISHED, "历史信息的发布日期不能晚于现在。")
    if row.written_on and row.written_on > published_day:
        row.problem(WRITTEN, "成文日期不能晚于发布日期。")
    row.formed_on = row.formed_on or published_day
    if row.formed_on > published_day:
        row.problem(FORMED, "信息形成日期不能晚于发布日期。")
    if row.validity is Validity.REPEALED and not row.repealed_on:
        row.problem(REPEALED, "有效性为“废止”时请填写废止日期。")
    if row.validity is not Validity.REPEALED and row.repealed_on:
        row.problem(REPEALED, "只有已废止的文件才填写废止日期。")


def _check_index(cells: _Cells, row: HistoricalRow) -> None:
    given = str(cells.raw(INDEX) or "").strip().upper()
    org = row.organization
    if org is None:
        return
    if not org.index_code:
        row.problem(PUBLISHER, f"“{org.full_name}”及其上级均未设置统一社会信用代码，"
                               "无法生成索引号。")
        return
    row.given_index = given
    if not given:
        return
    match = INDEX_RE.fullmatch(given)
    if match and match["code"] == org.index_code and int(match["serial"]) > 0:
        row.index_number = given
    else:
        row.notes.append(f"原索引号“{given[:40]}”不是“{org.index_code}/年份-五位序号”的形式，"
                         "将重新分配（原索引号记入审计日志）。")
