"""Plain frozen dataclasses passed between the pipeline stages.

Every stage takes and returns these, so a stage can be tested, replaced or run in another
process without knowing about the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Status(StrEnum):
    ACCEPTED = "accepted"
    RETURNED = "returned"
    REJECTED = "rejected"
    SKIPPED = "skipped"


STATUS_ZH = {Status.ACCEPTED: "通过", Status.RETURNED: "退回修改", Status.REJECTED: "拒收", Status.SKIPPED: "跳过"}
SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


class ValueKind(StrEnum):
    QUANTITY = "quantity"
    PERCENT = "percent"
    DATE = "date"
    QUALITATIVE = "qualitative"
    EMPTY = "empty"


@dataclass(frozen=True)
class Finding:
    """One problem, at one place. `value` is the offending cell's text, kept for messages and sheets."""

    code: str
    severity: Severity
    message: str
    hint: str
    sheet: str = ""
    cell: str = ""
    value: str = ""
    project: int | None = None  # index into FileResult.projects; None for findings about the whole file


@dataclass(frozen=True)
class Value:
    """A target (年度指标值) or actual (实际完成值) as written and as understood.

    `op` is one of ">=", ">", "=", "<=", "<" or None (a bare number); `date` is ISO "YYYY-MM" or
    "YYYY-MM-DD" for date values.
    """

    raw: str
    op: str | None
    value: float | None
    unit: str
    kind: ValueKind
    date: str | None = None


EMPTY_VALUE = Value(raw="", op=None, value=None, unit="", kind=ValueKind.EMPTY)


@dataclass(frozen=True)
class FundRow:
    """One row of the 项目资金 block (年度资金总额 or one of its parts), amounts in 万元."""

    key: str  # total | current | carryover | other
    label: str
    row: int
    initial_budget: float | None
    annual_budget: float | None
    executed: float | None
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Funds:
    """The 年度资金总额 row, the only one that is scored, plus its parts for the arithmetic checks."""

    initial_budget: float | None
    annual_budget: float | None
    executed: float | None
    execution_rate: float | None
    weight: float | None
    self_score: float | None
    computed_score: float | None = None
    money_unit: str = "万元"
    row: int = 0
    cells: dict[str, str] = field(default_factory=dict)
    parts: tuple[FundRow, ...] = ()


@dataclass(frozen=True)
class Indicator:
    level1: str
    level2: str
    name: str
    raw_name: str
    row: int
    target: Value
    actual: Value
    weight: float | None
    self_score: float | None
    reason: str
    key_indicator: bool = False
    computed_score: float | None = None
    method: str | None = None
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """A 一级 or 二级 label with the weight printed in it, e.g. 产出指标(50分) → level 1, 50."""

    level: int
    name: str
    parent: str
    declared_weight: float | None
    cell: str


@dataclass(frozen=True)
class YearFigures:
    """The same project in an earlier year, as the summary sets it beside this year's (issue 19): that year's form's
    own figures and our re-score of it, from an earlier year's file (a --history folder or the nightly ledger)."""

    year: int | None
    file: str  # the earlier year's file (its path as that batch or the ledger knows it)
    sheet: str
    name: str  # its 项目名称 that year (the name may carry its year, or have changed: see matched_by)
    matched_by: str  # code | name | table (the [history] match table named it)
    annual_budget: float | None
    executed: float | None
    rate: float | None  # 执行率 as a ratio: 执行数 ÷ 全年预算数, else the form's printed one (scoring.years_rate)
    self_total: float | None
    computed_total: float | None
    self_grade: str | None
    computed_grade: str | None


@dataclass(frozen=True)
class Project:
    sheet: str
    year: int | None
    name: str
    department: str
    unit: str
    profile: str
    funds: Funds
    indicators: tuple[Indicator, ...]
    self_total: float | None
    self_grade: str | None
    declared_grade: str | None = None
    computed_total: float | None = None
    computed_grade: str | None = None
    goal_expected: str = ""
    goal_actual: str = ""
    groups: tuple[Group, ...] = ()
    weight_total: float | None = None
    cells: dict[str, str] = field(default_factory=dict)
    version: int = 1  # the nightly ledger's submission count for this (year, 主管部门, 项目名称)
    received: str = ""  # the date the ledger received the file this project was read from
    code: str = ""  # the budget system's project code, printed as `code-name` (51000021R000000019951-工资性支出)
    points: str = "weights"  # what the form prints: "weights" (分值 and 得分), "scores" (得分 only), "none"
    conclusion: str = ""  # 评价结论, as written (text, not a grade cell)
    problems: str = ""  # 存在问题 / 偏差大或目标未完成原因分析
    measures: str = ""  # 改进措施 / 改进措施及结果应用方案
    history: tuple[YearFigures, ...] = ()  # earlier years matched with this project, oldest first (issue 19)

    @property
    def previous(self) -> YearFigures | None:
        """上年: the matched year just before this one (an older year alone is history, not 上年)."""
        if self.year is None:
            return None
        return next((h for h in self.history if h.year == self.year - 1), None)


@dataclass(frozen=True)
class ProjectAt:
    """One project of one file: the file's path (its entry in the report), the project's index there, the project
    itself. What a Word report is matched against (processor.narrative.match) and an earlier year is paired with
    (processor.review.across)."""

    file: str
    index: int
    project: Project


@dataclass(frozen=True)
class Statement:
    """A sentence of a Word 绩效自评报告 that restates the form: `value` in the form's units (万元, percent, points,
    a grade 优/良/中/差, a count, a year); `raw` as written ("180万元"); `where` the paragraph (第12段, 表格1第3行)."""

    key: str  # total | grade | budget | initial_budget | executed | rate | balance | level1_count | level2_count | year
    value: float | str
    paragraph: int
    quote: str
    raw: str
    where: str = ""


@dataclass(frozen=True)
class ReportInfo:
    """What a submitted 绩效自评报告 says and which form it restates (docs/narrative.md): on the report's FileResult.

    `form` is the path of the matched form's file entry and `project` the index of the project there; `match` how
    sure the match is (1.0: the same name). `verdict` is what 项目汇总 shows: 一致, 有出入, 未匹配, 重复（未采用）,
    PDF未核对, 无法核对; in the nightly job also 待匹配 (its form has not arrived yet) and 已被新版替代 (a later
    run brought a newer report for the project). `received` is the date the nightly ledger received it."""

    kind: str  # docx | pdf | doc
    title: str = ""
    name: str = ""  # the project name the report states (title, else file name)
    year: int | None = None
    department: str = ""  # the 主管部门 it was matched within ("" if none could be told)
    statements: tuple[Statement, ...] = ()
    sections: tuple[str, ...] = ()
    form: str = ""
    project: int | None = None
    project_name: str = ""
    match: float = 0.0
    verdict: str = ""
    opening: str = ""  # the first paragraphs' text (up to 600 characters): where a report names its department
    received: str = ""
    submitted: str = ""  # nightly: where the department put it, relative to the inbox
    run: int = 0  # nightly: the ledger's run that received it (a later run's report replaces an earlier one's)


# ReportInfo.verdict values several stages act on (the others are only shown)
DUPLICATE = "重复（未采用）"  # a second report for the same project, received with the one used: a warning
SUPERSEDED = "已被新版替代"  # an earlier night's report for a project a newer one restates: a version, not shown
WAITING = "待匹配"  # nightly: no form restated by it has arrived yet; matched again every night


@dataclass(frozen=True)
class FileResult:
    path: str
    status: Status
    reason: str = ""
    format: str = ""
    projects: tuple[Project, ...] = ()
    findings: tuple[Finding, ...] = ()
    report: ReportInfo | None = None  # set when the file is a Word/PDF 绩效自评报告, not a workbook

    def findings_of(self, index: int) -> list[Finding]:
        return [f for f in self.findings if f.project == index]

    def project_status(self, index: int) -> Status:
        """A project's own status, from its own findings: a clean project in a returned file is accepted (the
        file goes back for another project's errors, and the reviewer should see which)."""
        if self.status is Status.REJECTED:
            return Status.REJECTED
        errors = any(f.severity is Severity.ERROR for f in self.findings_of(index))
        return Status.RETURNED if errors else Status.ACCEPTED


@dataclass(frozen=True)
class Report:
    files: tuple[FileResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for f in self.files if f.status is status)

    @property
    def exit_code(self) -> int:
        """0 when every file is accepted or skipped, 1 when any is returned or rejected."""
        bad = {Status.RETURNED, Status.REJECTED}
        return 1 if any(f.status in bad for f in self.files) else 0
