"""The organization tree as a CSV table: `flask org export` writes it and `flask org
import` reads it back, so an export imports unchanged.

Layout: a header row, then one unit per row (UTF-8 with or without BOM, or GB18030):

    上级代码,名称,全称,类型,代码,统一社会信用代码,排序,状态

- 代码: the unit's 英文标识 (slug) and the key. A row whose 代码 is already in the system
  updates that unit; any other row adds one.
- 上级代码: the parent's 代码, in the file or already in the system; empty for the county.
- 类型: 县, 乡镇, 站所 or 村 (county, town, department, village also accepted).
- Required columns: 上级代码, 名称, 类型, 代码. 全称, 统一社会信用代码, 排序 (an integer,
  default 0) and 状态 (启用 or 停用, default 启用) may be left out: a column that is absent
  keeps every existing unit's value; a column that is present sets it, empty included.
- Rows may come in any order; parents are placed before their children.

Import: every row is checked with the rules of `portal.organizations.services` (the admin
page's), each problem named by row (the line number in the file, the header being 1) and
column. The changes are applied in one transaction and committed only when no row has a
problem; otherwise, and on a dry run, nothing is written. The plan says per row 新增, 更新
(with the columns that change) or 不变. Every change is audited like a change on the page,
and the import itself as `organization.import`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal import audit
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.organizations import credit_code as credit_codes
from portal.organizations import services
from portal.organizations.models import Organization, OrgKind
from portal.spreadsheet import csv_bytes
from portal.table_input import Record, Table, TableError, header_problems, read_table

PARENT, NAME, FORMAL, KIND, SLUG, CODE, ORDER, STATUS = (
    "上级代码", "名称", "全称", "类型", "代码", "统一社会信用代码", "排序", "状态")
HEADERS = (PARENT, NAME, FORMAL, KIND, SLUG, CODE, ORDER, STATUS)
REQUIRED = (PARENT, NAME, KIND, SLUG)
COLUMN_OF = {"parent": PARENT, "name": NAME, "formal_name": FORMAL, "kind": KIND,
             "slug": SLUG, "credit_code": CODE, "sort_order": ORDER, "active": STATUS,
             "organization": STATUS}
FIELD_OF = {column: name for name, column in COLUMN_OF.items() if name != "organization"}
STATUS_WORDS = {"启用": True, "停用": False, "": True}
ADD, UPDATE, SAME, WRONG = "新增", "更新", "不变", "有误"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行“{self.column}”" if self.column else f"第 {self.row} 行"
        return f"{where}：{self.message}"


@dataclass
class RowPlan:
    row: int
    slug: str
    name: str
    action: str = ""
    changes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        changed = f"（{'、'.join(self.changes)}）" if self.changes else ""
        return f"第 {self.row} 行  {self.slug:<24} {self.name}  {self.action}{changed}"


@dataclass
class TreeImport:
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass
class _Row:
    record: Record
    plan: RowPlan
    values: dict = field(default_factory=dict)  # field name → parsed value, columns present
    parent_slug: str = ""
    org: Organization | None = None
    switched: bool = False  # 状态 changed


def export_rows() -> list[list[object]]:
    """The header and every unit (parents first), as `flask org export` writes them."""
    rows: list[list[object]] = [list(HEADERS)]
    for org in services.whole_tree():
        rows.append([org.parent.slug if org.parent else "", org.name, org.formal_name,
                     org.kind.label, org.slug, org.credit_code or "", org.sort_order,
                     "启用" if org.active else "停用"])
    return rows


def export_csv() -> bytes:
    return csv_bytes(export_rows())


def import_tree(actor, data: bytes, *, source: str = "", dry_run: bool = False) -> TreeImport:
    """Add and update units from a tree CSV. Every row is checked; the changes are
    committed only when no row has a problem and this is not a dry run. Requires `admin`
    where each change needs it (services' rules). Returns the plan and the problems."""
    require(actor, Role.ADMIN, None, action="organization.import")
    result = TreeImport()
    try:
        table = read_table(data, "csv")
    except TableError as error:
        result.problems.append(Problem(1, "", error.message))
        return result
    header = header_problems(table.headers, known=HEADERS, required=REQUIRED)
    if header:
        result.problems += [Problem(1, "", text.split("：", 1)[1]) for text in header]
        return result
    rows = [_parse(record, table, result) for record in table.records]
    result.rows = [row.plan for row in rows]
    ordered = _ordered(rows, result)
    _switch(actor, ordered, result, active=True)
    for row in ordered:
        _apply(actor, row, result)
    _switch(actor, ordered, result, active=False)
    _settle(rows, result)
    if result.problems or dry_run:
        db.session.rollback()
        return result
    audit.record(actor, "organization.import", None, after={
        "source": source, "added": result.count(ADD), "updated": result.count(UPDATE),
        "unchanged": result.count(SAME)})
    db.session.commit()
    result.applied = True
    return result


def _problem(result: TreeImport, row: _Row, column: str, message: str) -> None:
    result.problems.append(Problem(row.record.number, column, message))


def _parse(record: Record, table: Table, result: TreeImport) -> _Row:
    row = _Row(record, RowPlan(record.number, record.text(SLUG), record.text(NAME)))
    row.parent_slug = record.text(PARENT)
    kind = OrgKind.parse(record.text(KIND))
    if kind is None:
        _problem(result, row, KIND, f"“{record.text(KIND)}”不是单位类型，应为县、乡镇、站所或村。")
    row.values["kind"] = kind
    for column in (NAME, FORMAL, ORDER):
        if table.has(column):
            row.values[FIELD_OF[column]] = record.text(column)
    if table.has(CODE):
        row.values["credit_code"] = credit_codes.normalize(record.text(CODE)) or None
    _check_cells(row, result)
    if table.has(STATUS):
        if record.text(STATUS) not in STATUS_WORDS:
            _problem(result, row, STATUS, f"“{record.text(STATUS)}”应为“启用”或“停用”。")
        row.values["active"] = STATUS_WORDS.get(record.text(STATUS), True)
    return row


def _check_cells(row: _Row, result: TreeImport) -> None:
    """The checks that need no other row and no database, so that every wrong cell of a
    row is named at once (the rest follow when the row is applied)."""
    if not row.plan.slug:
        _problem(result, row, SLUG, "请填写代码（单位的英文标识）。")
    elif not services.SLUG_RE.fullmatch(row.plan.slug):
        _problem(result, row, SLUG, "代码只能包含小写英文字母、数字和连字符（-），以字母或数字"
                                    "开头，不超过 60 个字符。")
    checks = [(NAME, lambda v: services.check_name(v)),
              (FORMAL, lambda v: services.check_name(v, label="全称", required=False)),
              (ORDER, services.check_sort_order)]
    for column, check in checks:
        if FIELD_OF[column] in row.values or column == NAME:
            try:
                check(row.values.get(FIELD_OF[column], ""))
            except ValidationError as error:
                _problem(result, row, column, error.message)
    code = row.values.get("credit_code")
    if code and (problem := credit_codes.problem(code)):
        _problem(result, row, CODE, problem)


def _ordered(rows: list[_Row], result: TreeImport) -> list[_Row]:
    """Rows with a parent in the file after that parent; a repeated 代码 and a cycle of
    上级代码 are problems (those rows are left out)."""
    by_slug: dict[str, _Row] = {}
    for row in rows:
        slug = row.plan.slug
        if slug in by_slug:
            _problem(result, row, SLUG, f"代码“{slug}”在第 {by_slug[slug].record.number} 行"
                                        "已出现，每个单位只能有一行。")
        elif slug:
            by_slug[slug] = row
            row.org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    ordered: list[_Row] = []
    state: dict[int, str] = {}

    def visit(row: _Row, chain: list[_Row]) -> None:
        if state.get(id(row)) == "done":
            return
        if state.get(id(row)) == "visiting":
            _problem(result, row, PARENT, "上级代码形成循环：" + " → ".join(
                r.plan.slug for r in [*chain, row]))
            return
        state[id(row)] = "visiting"
        parent = by_slug.get(row.parent_slug)
        if parent is not None and parent is not row:
            visit(parent, [*chain, row])
        state[id(row)] = "done"
        ordered.append(row)

    for row in rows:
        if by_slug.get(row.plan.slug) is row:
            visit(row, [])
    return ordered


def _has_problem(row: _Row, result: TreeImport) -> bool:
    return any(problem.row == row.record.number for problem in result.problems)


def _apply(actor, row: _Row, result: TreeImport) -> None:
    if _has_problem(row, result):
        return
    parent = _parent(row, result)
    if parent is False:
        return
    try:
        if row.org is None:
            _add(actor, row, parent)
        else:
            _update(actor, row, row.org, parent)
    except DomainError as error:
        _problem(result, row, COLUMN_OF.get(error.field or "", ""), error.message)


def _settle(rows: list[_Row], result: TreeImport) -> None:
    for row in rows:
        if _has_problem(row, result):
            row.plan.action, row.plan.changes = WRONG, []
        elif row.plan.action != ADD:
            if row.switched:
                row.plan.changes.append(STATUS)
            row.plan.action = UPDATE if row.plan.changes else SAME
    result.problems.sort(key=lambda problem: problem.row)


def _parent(row: _Row, result: TreeImport) -> Organization | bool | None:
    """The parent unit, None for no parent, False after noting a problem."""
    if not row.parent_slug:
        return None
    parent = db.session.scalar(select(Organization).where(
        Organization.slug == row.parent_slug))
    if parent is None:
        _problem(result, row, PARENT, f"找不到上级代码“{row.parent_slug}”：文件和系统中都没有"
                                      "这个单位，或它所在的行有误。")
        return False
    return parent


def _add(actor, row: _Row, parent: Organization | None) -> None:
    require(actor, Role.ADMIN, parent, action="organization.create")
    values = row.values
    org = services.build_organization(
        name=values.get("name", ""), slug=row.plan.slug, kind=values["kind"], parent=parent,
        credit_code=values.get("credit_code"), sort_order=values.get("sort_order", 0),
        formal_name=values.get("formal_name", ""))
    row.org = org
    row.plan.action = ADD
    audit.record(actor, "organization.create", org, after=services.org_snapshot(org),
                 message="组织架构导入")


def _update(actor, row: _Row, org: Organization, parent: Organization | None) -> None:
    require(actor, Role.ADMIN, org, action="organization.update")
    if row.values["kind"] is not org.kind:
        raise _kind_fixed(org)
    fields = {key: row.values[key] for key in ("name", "formal_name", "credit_code",
                                               "sort_order") if key in row.values}
    fields["parent"] = parent
    if parent is not org.parent:
        require(actor, Role.ADMIN, org.parent, action="organization.move", target=org)
        require(actor, Role.ADMIN, parent, action="organization.move", target=org)
    before = services.org_snapshot(org)
    changes = services.change_organization(org, **fields)
    row.plan.changes = [COLUMN_OF[key] for key in changes]
    if changes:
        audit.record(actor, "organization.update", org, before=before,
                     after=services.org_snapshot(org), message="组织架构导入")


def _kind_fixed(org: Organization) -> DomainError:
    return ValidationError(f"单位类型创建后不能修改（“{org.full_name}”现为{org.kind.label}）。",
                           field="kind")


def _switch(actor, rows: list[_Row], result: TreeImport, *, active: bool) -> None:
    """Reactivate existing units parents first (before the rows are applied, so units
    may be added under them), or deactivate children first (after), so a file that turns
    a whole branch on or off works in any row order."""
    wanted = [row for row in rows if row.org is not None and row.org.id is not None
              and row.values.get("active", row.org.active) == active
              and row.org.active != active and not _has_problem(row, result)]
    wanted.sort(key=lambda row: row.org.path.count("/"), reverse=not active)
    action = "organization.reactivate" if active else "organization.deactivate"
    for row in wanted:
        try:
            require(actor, Role.ADMIN, row.org.parent or row.org, action=action,
                    target=row.org)
            services.change_active(row.org, active)
        except DomainError as error:
            _problem(result, row, STATUS, error.message)
            continue
        row.switched = row.plan.action != ADD
        audit.record(actor, action, row.org, before={"active": not active},
                     after={"active": active}, message="组织架构导入")
