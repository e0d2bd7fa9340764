"""The report's tables, computed from plain facts (no database, no request): the layout of
国办公开办函〔2021〕30号 and the counting rules.

Table 三（收到和处理政府信息公开申请情况）counts 依申请公开 work orders (Inquiry.type ==
info_request) of the organization's subtree, by the organization that holds them now (a
transferred application counts where it went). "The year" runs from 1 January 00:00 to the
next 1 January 00:00 Beijing time (Asia/Shanghai):

- 一、本年新收: received (`received_at`) during the year.
- 二、上年结转: received before 1 January and not answered as of 1 January 00:00 — no reply
  yet, or replied on or after 1 January.
- 三、本年度办理结果: answered (`replied_at`) during the year, one row per outcome code of
  `portal.inquiries.outcomes`; （七）总计 is the sum of the outcome rows.
- 四、结转下年度继续办理: received by 31 December and not answered by the end of the year.

These are the rules on today's data. When an earlier year's report is frozen (定稿), the
years after it start from its filed figures instead: the year after it carries over exactly
its frozen 四, column by column (`carryover` states how each application is then counted).

Only original applications count: a work order that handles an application again
(重新办理, `Inquiry.reopened_from_id` set) is no new application, so it is in no row; the
original counts once, with its own reply, in the year that reply was given. Applications
reopened in place before reopening became a linked work order (their reply cleared and given
again) count with the reply they hold now; once a year's report is frozen (定稿), such a
later change shows in its reconciliation note and never in its figures (`carryover`).

An answered application whose outcome is missing or unknown is counted in no row of 三; the
check then fails for its column and the report names its 受理编号.

The check (勾稽关系) of the template: per column, 一 + 二 = 三（七） + 四.

Columns: 自然人 is applicant_kind "citizen" (and old applications without an application
form); the five 法人或其他组织 columns follow `organization_type`, an unknown type counting
as 其他.

Table 四（政府信息公开行政复议、行政诉讼情况）of year Y counts two kinds of cases:
- those filed (申请复议或起诉) during Y, each with its result as it stood on 31 December of
  Y — one decided only later counts as 尚未审结;
- those filed before Y and decided during Y, with their final result (结果维持、结果纠正 or
  其他结果).
So a case filed in one year and decided in the next is 尚未审结 in the first year's report
and shows its result in the second's; 总计 is the number of cases each report covers. This is
our reading of the 2021 template (国办公开办函〔2021〕30号), whose 表四 gives 尚未审结 a column
of its own but no row or column for cases carried over: a case pending at the end of a year
is reported as pending there, and its result is reported where it becomes known, rather than
never. Cases filed earlier and still pending at the end of Y are not counted again in Y.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from portal.annual_report.models import AppealKind, AppealResult
from portal.errors import ValidationError
from portal.inquiries.outcomes import OUTCOMES
from portal.timeutil import year_bounds as local_year_bounds

FIRST_YEAR = 2008  # 政府信息公开条例 took effect on 2008-05-01

# --- table 三: columns and rows -------------------------------------------------------------

CITIZEN = "citizen"
ORGANIZATION_COLUMNS = {"commercial": "商业企业", "research": "科研机构",
                        "public_welfare": "社会公益组织", "legal_services": "法律服务机构",
                        "other": "其他"}
APPLICANT_COLUMNS = {CITIZEN: "自然人", **ORGANIZATION_COLUMNS}
TOTAL = "total"
COLUMN_LABELS = {**APPLICANT_COLUMNS, TOTAL: "总计"}
COLUMNS = tuple(COLUMN_LABELS)
CHECK_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

NEW, CARRIED_IN, ANSWERED_TOTAL, CARRIED_OUT = "new", "carried_in", "answered_total", "carried_out"
RESULTS_SECTION = "三、本年度办理结果"

# The sections staff write, stored on AnnualReport under these names.
NARRATIVE_SECTIONS = {
    "overview": "一、总体情况",
    "problems": "五、存在的主要问题及改进情况",
    "other_matters": "六、其他需要报告的事项",
}


@dataclass(frozen=True)
class RowSpec:
    """A row of table 三. `section` and `group` are the merged cells to its left, if any."""

    key: str
    label: str
    section: str = ""
    group: str = ""


_SUBITEMS = {
    "deny": ("（三）不予公开", ("属于国家秘密", "其他法律行政法规禁止公开",
                           "危及“三安全一稳定”", "保护第三方合法权益", "属于三类内部事务信息",
                           "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项")),
    "unable": ("（四）无法提供", ("本机关不掌握相关政府信息", "没有现成信息需要另行制作",
                            "补正后申请内容仍不明确")),
    "reject": ("（五）不予处理", ("信访举报投诉类申请", "重复申请", "要求提供公开出版物",
                            "无正当理由大量反复申请", "要求行政机关确认或重新出具已获取信息")),
    "other": ("（六）其他处理", ("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                           "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                           "其他")),
}


def _application_rows() -> tuple[RowSpec, ...]:
    rows = [RowSpec(NEW, "一、本年新收政府信息公开申请数量"),
            RowSpec(CARRIED_IN, "二、上年结转政府信息公开申请数量"),
            RowSpec("grant", "（一）予以公开", RESULTS_SECTION),
            RowSpec("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                    RESULTS_SECTION)]
    for prefix, (group, items) in _SUBITEMS.items():
        rows += [RowSpec(f"{prefix}-{n}", f"{n}.{item}", RESULTS_SECTION, group)
                 for n, item in enumerate(items, start=1)]
    rows += [RowSpec(ANSWERED_TOTAL, "（七）总计", RESULTS_SECTION),
             RowSpec(CARRIED_OUT, "四、结转下年度继续办理")]
    return tuple(rows)


APPLICATION_ROWS = _application_rows()
OUTCOME_CODES = tuple(r.key for r in APPLICATION_ROWS if r.key in OUTCOMES)


@dataclass(frozen=True)
class LaidOutRow:
    """A row of table 三 with the spans of the merged cells it starts (0: none starts here)."""

    spec: RowSpec
    section_span: int
    group_span: int


def application_layout() -> list[LaidOutRow]:
    """Table 三's rows with the row spans of the 三、本年度办理结果 and group cells."""
    laid_out = []
    for index, row in enumerate(APPLICATION_ROWS):
        previous = APPLICATION_ROWS[index - 1] if index else None
        section_span = group_span = 0
        if row.section and (previous is None or previous.section != row.section):
            section_span = sum(1 for r in APPLICATION_ROWS if r.section == row.section)
        if row.group and (previous is None or previous.group != row.group):
            group_span = sum(1 for r in APPLICATION_ROWS if r.group == row.group)
        laid_out.append(LaidOutRow(row, section_span, group_span))
    return laid_out


def applicant_column(applicant_kind: str | None, organization_type: str | None) -> str:
    if applicant_kind in (None, "", CITIZEN):
        return CITIZEN
    return organization_type if organization_type in ORGANIZATION_COLUMNS else "other"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of the year in Beijing time, as aware UTC datetimes."""
    start, end = local_year_bounds(year)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)  # tens of thousands of them in one count
class ApplicationFact:
    """What the count needs of one application."""

    number: str
    column: str
    received_at: datetime
    replied_at: datetime | None
    outcome: str


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one application counts in a year's table 三: its column, the row it comes in
    by (`NEW` or `CARRIED_IN`) and the row it leaves by (an outcome code, `CARRIED_OUT`,
    or "" when it was answered without a valid outcome)."""

    number: str
    column: str
    intake: str
    settle: str

    def cells(self) -> set[tuple[str, str]]:
        """The (row, column) cells this application adds one to, totals included."""
        rows = [self.intake] + ([self.settle] if self.settle else [])
        if self.settle in OUTCOMES:
            rows.append(ANSWERED_TOTAL)
        return {(row, column) for row in rows for column in (self.column, TOTAL)}


@dataclass
class ApplicationTable:
    """Table 三: counts[row key][column key], the 总计 column and row （七） included, and
    where each counted application was placed."""

    counts: dict[str, dict[str, int]]
    unclassified: list[str] = field(default_factory=list)  # 受理编号 without a valid outcome
    placements: Sequence[Placement] = ()  # a tuple, or packed (count_codec)

    def value(self, row: str, column: str) -> int:
        return self.counts[row][column]

    def row(self, row: str) -> list[int]:
        return [self.counts[row][column] for column in COLUMNS]


def _empty_counts() -> dict[str, dict[str, int]]:
    return {row.key: dict.fromkeys(COLUMNS, 0) for row in APPLICATION_ROWS}


def with_totals(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Fill the 总计 column and row （七） from the other cells."""
    for column in APPLICANT_COLUMNS:
        counts[ANSWERED_TOTAL][column] = sum(counts[code][column] for code in OUTCOME_CODES)
    for cells in counts.values():
        cells[TOTAL] = sum(cells[column] for column in APPLICANT_COLUMNS)
    return counts


def place(fact: ApplicationFact, year: int) -> Placement | None:
    """Where `fact` counts in `year`'s table 三, or None when that year does not count it."""
    start, end = year_bounds(year)
    if fact.received_at >= end or (fact.replied_at is not None and fact.replied_at < start):
        return None
    intake = NEW if fact.received_at >= start else CARRIED_IN
    if fact.replied_at is None or fact.replied_at >= end:
        settle = CARRIED_OUT
    else:
        settle = fact.outcome if fact.outcome in OUTCOMES else ""
    return Placement(fact.number, fact.column, intake, settle)


def tabulate(placements: Iterable[Placement]) -> ApplicationTable:
    """Table 三 from where each application counts."""
    placements = tuple(placements)
    counts = _empty_counts()
    for placement in placements:
        counts[placement.intake][placement.column] += 1
        if placement.settle:
            counts[placement.settle][placement.column] += 1
    unclassified = sorted(p.number for p in placements if not p.settle)
    return ApplicationTable(with_totals(counts), unclassified, placements)


def count_applications(facts: Iterable[ApplicationFact], year: int) -> ApplicationTable:
    """Table 三 for `year` under the rules in the module docstring."""
    return tabulate(p for p in (place(fact, year) for fact in facts) if p is not None)


@dataclass(frozen=True)
class Mismatch:
    column: str
    received: int  # 一 + 二
    settled: int  # 三（七） + 四

    @property
    def label(self) -> str:
        return COLUMN_LABELS[self.column]


@dataclass(frozen=True)
class BalanceCheck:
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def summary(self) -> str:
        if self.passed:
            return "通过"
        return "不通过：" + "；".join(
            f"{m.label}（一 + 二 = {m.received}，三（七） + 四 = {m.settled}）"
            for m in self.mismatches)


def check_balance(table: ApplicationTable) -> BalanceCheck:
    """勾稽关系: in every column, 一 + 二 must equal 三（七） + 四."""
    mismatches = []
    for column in COLUMNS:
        received = table.value(NEW, column) + table.value(CARRIED_IN, column)
        settled = table.value(ANSWERED_TOTAL, column) + table.value(CARRIED_OUT, column)
        if received != settled:
            mismatches.append(Mismatch(column, received, settled))
    return BalanceCheck(tuple(mismatches))


# --- table 四 ---------------------------------------------------------------------------------

APPEAL_RESULTS = (AppealResult.UPHELD, AppealResult.CORRECTED, AppealResult.OTHER,
                  AppealResult.PENDING)
APPEAL_COLUMN_LABELS = (*(r.label for r in APPEAL_RESULTS), "总计")


@dataclass(frozen=True)
class AppealFact:
    kind: AppealKind
    result: AppealResult  # as of 31 December of the report's year
    case_id: int = 0
    description: str = ""  # how a reconciliation note names the case


@dataclass
class AppealTable:
    counts: dict[AppealKind, dict[AppealResult, int]]
    cases: tuple[AppealFact, ...] = ()

    def cells(self, kind: AppealKind) -> list[int]:
        """结果维持、结果纠正、其他结果、尚未审结、总计 for one kind."""
        values = [self.counts[kind][result] for result in APPEAL_RESULTS]
        return [*values, sum(values)]

    def all_cells(self) -> list[int]:
        """The template's fifteen cells, left to right."""
        return [value for kind in AppealKind for value in self.cells(kind)]


def count_appeals(facts: Iterable[AppealFact]) -> AppealTable:
    facts = tuple(facts)
    counts = {kind: dict.fromkeys(APPEAL_RESULTS, 0) for kind in AppealKind}
    for fact in facts:
        counts[fact.kind][fact.result] += 1
    return AppealTable(counts, facts)


# --- table 二 (手工填报) -----------------------------------------------------------------------

@dataclass(frozen=True)
class ProactiveBlock:
    """One block of table 二: the 条例 provision, its value columns and its rows."""

    provision: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (label, figure keys)


PROACTIVE_BLOCKS = (
    ProactiveBlock("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"),
                   (("规章", ("rules_issued", "rules_repealed", "rules_in_force")),
                    ("行政规范性文件", ("normative_issued", "normative_repealed",
                                 "normative_in_force")))),
    ProactiveBlock("第二十条第（五）项", ("本年处理决定数量",),
                   (("行政许可", ("licensing_decisions",)),)),
    ProactiveBlock("第二十条第（六）项", ("本年处理决定数量",),
                   (("行政处罚", ("penalty_decisions",)),
                    ("行政强制", ("enforcement_decisions",)))),
    ProactiveBlock("第二十条第（八）项", ("本年收费金额（单位：万元）",),
                   (("行政事业性收费", ("fee_amount",)),)),
)
AMOUNT_FIELDS = frozenset({"fee_amount"})
# Filled from the 行政执法公示 registers (`portal.enforcement`): the decisions of the year,
# revoked ones excepted. A figure typed in overrides the register's count and is kept (and
# audited) as typed; a blank field goes back to the count.
REGISTER_FIELDS = ("licensing_decisions", "penalty_decisions", "enforcement_decisions")
MANUAL_FIELDS: dict[str, str] = {
    key: f"{label}·{heading}"
    for block in PROACTIVE_BLOCKS for label, keys in block.rows
    for key, heading in zip(keys, block.headings, strict=True)
}
MAX_COUNT = 10_000_000
MAX_AMOUNT = Decimal("100000000")  # 万元


def _clean_count(key: str, text: str) -> int:
    label = MANUAL_FIELDS[key]
    if not text.isdigit() or not text.isascii():
        raise ValidationError(f"{label}应为不小于 0 的整数。", field=key)
    value = int(text)
    if value >= MAX_COUNT:
        raise ValidationError(f"{label}数值过大，请核对。", field=key)
    return value


def _clean_amount(key: str, text: str) -> str:
    label = MANUAL_FIELDS[key]
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or not text.isascii():
        raise ValidationError(f"{label}应为不小于 0 的数字（单位：万元），如 12.5。", field=key)
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationError(f"{label}最多保留四位小数（即精确到元）。", field=key)
    if value >= MAX_AMOUNT:
        raise ValidationError(f"{label}数值过大，请核对。", field=key)
    return format(value.quantize(Decimal("0.0001")).normalize(), "f")


def clean_manual_figures(values: Mapping[str, str | None]) -> dict[str, int | str]:
    """Table 二 as entered: counts as ints, the fee amount as a decimal string (万元). A blank
    field is 0, except a register-filled one, which is left out (no override). Raises
    ValidationError naming the first bad field."""
    cleaned: dict[str, int | str] = {}
    for key in MANUAL_FIELDS:
        text = (values.get(key) or "").strip()
        if not text and key in REGISTER_FIELDS:
            continue
        text = text or "0"
        cleaned[key] = _clean_amount(key, text) if key in AMOUNT_FIELDS \
            else _clean_count(key, text)
    return cleaned


def manual_figures(stored: Mapping | None,
                   registered: Mapping[str, int] | None = None) -> dict[str, int | Decimal]:
    """Table 二 with every field present: the stored figure, else (register-filled fields)
    the register's count, else 0."""
    stored, registered = stored or {}, registered or {}
    return {key: Decimal(str(stored.get(key, 0))) if key in AMOUNT_FIELDS
            else int(stored.get(key, registered.get(key, 0))) for key in MANUAL_FIELDS}


# --- deadline ---------------------------------------------------------------------------------

def deadline_for(year: int, setting: str, name: str = "ANNUAL_REPORT_DEADLINE_TOWN") -> date:
    """The report on `year` is due on `setting` ("MM-DD") of the following year.

    Raises ValueError, naming the setting `name`, for one that is not a valid month and day.
    """
    try:
        month, day = (int(part) for part in setting.split("-"))
        return date(year + 1, month, day)
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"{name} 应为“MM-DD”格式的月日，当前为 {setting!r}。") from None
