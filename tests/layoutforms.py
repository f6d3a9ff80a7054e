"""The layouts of docs/layouts.md (A–J), and four forms that only look like one, typed cell by cell.

Each `layout_x(path)` writes one workbook with xlsxwriter and returns `Expected`: what the form prints, read
the way a clerk reads it — amounts in 万元 (H prints 元), rates as fractions, 一级/二级 names without their
printed weight (`产出指标(50分)` → 产出指标), 三级 names without their numbering (`指标1新建…` → 新建…), a
split target joined into one text (`≤ | 30 | 万元` → ≤30万元). Every form adds up: parts to totals,
执行率 = 执行数 ÷ 全年预算数, scores by the rulebook, 总分 = Σ 得分. The projects, units and numbers are made up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

Cell = str | float | int | None
CREATED = dt.datetime(2022, 1, 15, 9, 0, 0)  # same bytes every run


@dataclass(frozen=True)
class W:
    """A value merged across `n` columns of its row."""

    value: Cell
    n: int


@dataclass(frozen=True)
class F:
    """A number shown with a number format (10.00, 98.00%)."""

    value: float
    fmt: str


Put = Cell | W | F


@dataclass(frozen=True)
class Ind:
    level1: str
    level2: str
    name: str
    target: str  # as one text: "≤30万元"
    actual: str
    weight: float | None
    score: float | None
    reason: str = ""


@dataclass(frozen=True)
class Money:
    """The 年度资金总额 row in 万元; parts are (label without 其中：, 全年预算数) of the rows that add up to it."""

    annual_budget: float
    executed: float
    execution_rate: float
    weight: float | None
    score: float | None
    parts: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Expected:
    name: str
    code: str
    department: str
    unit: str
    year: int
    funds: Money
    goal_expected: str
    goal_actual: str
    indicators: tuple[Ind, ...]
    self_total: float | None
    declared_grade: str | None = None
    conclusion: str = ""
    problems: str = ""
    measures: str = ""


def money(budget: float, executed: float, weight: float | None, score: float | None,
          *parts: tuple[str, float]) -> Money:
    return Money(budget, executed, round(executed / budget, 4), weight, score, parts)


def total(m: Money, inds: Sequence[Ind]) -> float:
    return round((m.score or 0) + sum(i.score or 0 for i in inds), 2)


# -- a sheet under construction ------------------------------------------------------------------------------
class Sheet:
    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: dict[tuple[int, int], Cell | F] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.height = 0

    def add(self, *cells: Put) -> int:
        """Append a row, left to right (a W takes n columns); returns its 0-based index."""
        r, c = self.height, 0
        for cell in cells:
            n, value = (cell.n, cell.value) if isinstance(cell, W) else (1, cell)
            if n > 1:
                self.merges.append((r, c, r, c + n - 1))
            if value is not None:
                self.cells[r, c] = value
            c += n
        self.height += 1
        return r

    def down(self, r0: int, r1: int, c: int = 0) -> None:
        """Merge column c from row r0 to r1: a section label beside its rows."""
        if r1 > r0:
            self.merges.append((r0, c, r1, c))

    def runs(self, r0: int, r1: int, col: int, within: int | None = None) -> None:
        """Merge each run of one label down `col` (一级/二级), runs not crossing those of column `within`."""
        def key(r: int) -> tuple[Cell | F, Cell | F]:
            return self.cells.get((r, within)) if within is not None else None, self.cells.get((r, col))

        r = r0
        while r <= r1:
            end = r
            while end < r1 and key(end + 1) == key(r):
                end += 1
                del self.cells[end, col]
            self.down(r, end, col)
            r = end + 1


def save(path: Path, *sheets: Sheet) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": CREATED})
    base = {"text_wrap": True, "valign": "vcenter", "border": 1}
    plain = book.add_format(base)
    formats: dict[str, object] = {}
    for sh in sheets:
        ws = book.add_worksheet(sh.name)
        ws.set_column(0, 11, 13)
        for r0, c0, r1, c1 in sh.merges:
            ws.merge_range(r0, c0, r1, c1, "", plain)
        for (r, c), v in sorted(sh.cells.items()):
            if isinstance(v, F):
                fmt = formats.setdefault(v.fmt, book.add_format({**base, "num_format": v.fmt}))
                ws.write_number(r, c, v.value, fmt)
            elif isinstance(v, str):  # never write(): "=100%" must stay text
                ws.write_string(r, c, v, plain)
            else:
                ws.write_number(r, c, v, plain)
    book.close()


# -- pieces shared by the layouts ----------------------------------------------------------------------------
RowCells = Callable[[int, Ind], Sequence[Put]]
_SPLIT = re.compile(r"^(\D*?)(\d+(?:\.\d+)?)(\D*)$")


def split(target: str) -> tuple[str, float | int, str]:
    """≤30万元 → ("≤", 30, "万元"): the three cells of a split target."""
    m = _SPLIT.match(target)
    assert m, target
    return m.group(1), bare(m.group(2)), m.group(3)


def bare(text: str) -> float | int:
    """A number typed as a number: "93" → 93, "4.6" → 4.6."""
    x = float(text)
    return int(x) if x.is_integer() else x


def numbered(inds: Sequence[Ind]) -> list[int]:
    """Each indicator's position inside its 二级 group (指标1, 指标2 …)."""
    count: dict[tuple[str, str], int] = {}
    out = []
    for ind in inds:
        count[ind.level1, ind.level2] = count.get((ind.level1, ind.level2), 0) + 1
        out.append(count[ind.level1, ind.level2])
    return out


def weighted(inds: Sequence[Ind], level1: str) -> str:
    """产出指标 → 产出指标(50分): the 一级 label with the sum of its 分值."""
    return f"{level1}({sum(i.weight or 0 for i in inds if i.level1 == level1):g}分)"


def rows(sh: Sheet, inds: Sequence[Ind], cells: RowCells, lead: int = 1) -> int:
    """One row per indicator, 一级/二级 (columns lead, lead + 1) merged down their runs; returns the last row."""
    first = sh.height
    for i, ind in zip(numbered(inds), inds, strict=True):
        sh.add(*cells(i, ind))
    last = sh.height - 1
    sh.runs(first, last, lead + 1, within=lead)
    sh.runs(first, last, lead)
    return last


def plain(_: int, ind: Ind) -> list[Put]:
    """A central indicator row: 绩效指标 | 一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 得分 | 原因."""
    actual: Put = bare(ind.actual) if re.fullmatch(r"\d+(\.\d+)?", ind.actual) else ind.actual
    return [None, ind.level1, ind.level2, ind.name, ind.target, actual, ind.weight, ind.score, ind.reason or None]


@dataclass(frozen=True)
class Skin:
    """The printed labels of a central-skeleton form (nine columns)."""

    title: tuple[str, ...]
    heads: tuple[str, str, str] = ("项目名称", "主管部门", "实施单位")
    funds: tuple[Cell, ...] = ("项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    goals: tuple[str, str, str] = ("年度总体目标", "预期目标", "实际完成情况")
    table: tuple[str, ...] = ("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施")


def head(sh: Sheet, labels: Sequence[str], exp: Expected, width: int = 9) -> None:
    sh.add(labels[0], W(exp.name, width - 1))
    sh.add(labels[1], W(exp.department, 3), labels[2], W(exp.unit, width - 5))


def funds(sh: Sheet, header: Sequence[Put], lines: Sequence[Sequence[Put]]) -> None:
    top = sh.add(*header)
    for line in lines:
        sh.add(None, *line)
    sh.down(top, top + len(lines))


def goals(sh: Sheet, labels: Sequence[str], exp: Expected, width: int = 9) -> None:
    top = sh.add(labels[0], W(labels[1], 4), W(labels[2], width - 5))
    sh.add(None, W(exp.goal_expected, 4), W(exp.goal_actual, width - 5))
    sh.down(top, top + 1)


def central_sheet(name: str, skin: Skin, exp: Expected, fund_lines: Sequence[Sequence[Put]], cells: RowCells,
                  tail: Sequence[Sequence[Put]]) -> Sheet:
    sh = Sheet(name)
    for line in skin.title:
        sh.add(W(line, 9))
    head(sh, skin.heads, exp)
    funds(sh, skin.funds, fund_lines)
    goals(sh, skin.goals, exp)
    top = sh.add(*skin.table)
    sh.down(top, rows(sh, exp.indicators, cells))
    for line in tail:
        sh.add(*line)
    return sh


def score_rows(exp: Expected, grade: str | None = None) -> list[list[Put]]:
    """总分 | 100 | <total> (| grade)."""
    return [[W("总分", 6), 100, exp.self_total, *([grade] if grade else [])]]


def parts(*lines: tuple[str, float, float, float]) -> list[list[Put]]:
    """Rows of the parts: label | 年初 | 全年 | 执行 | — | | —."""
    return [[label, a0, a, b, "—", None, "—"] for label, a0, a, b in lines]


# -- A. central 2020 ---------------------------------------------------------------------------------------
def layout_a(path: Path) -> Expected:
    """A: `年度资金总额:`, `其中:本年财政拨款`, `产出指标(50分)`, names `指标1…` without a colon, unit 百分比,
    an integer budget 得分 (执行率 86% → 9)."""
    inds = (
        Ind("产出指标", "数量指标", "新建集中供水工程", "≥12处", "12处", 10, 10),
        Ind("产出指标", "数量指标", "改造供水管网长度", "≥85公里", "88.5公里", 10, 10),
        Ind("产出指标", "质量指标", "集中供水工程水质达标率", "≥90百分比", "93", 10, 10),
        Ind("产出指标", "时效指标", "工程完工时间", "2022年11月底前", "2022年11月", 10, 10),
        Ind("产出指标", "成本指标", "单位供水管网造价", "≤4.8万元/公里", "4.62万元/公里", 10, 10),
        Ind("效益指标", "社会效益指标", "巩固提升受益农村人口", "≥3.2万人", "3.35万人", 10, 10),
        Ind("效益指标", "社会效益指标", "农村自来水普及率", "≥92%", "90.5%", 10, 9.84,
            "部分山区村组因配套资金拨付滞后，管网延伸未完工，已列入2023年计划"),
        Ind("效益指标", "可持续影响指标", "工程长效运行管护机制", "健全", "机制健全，运行有效", 10, 10),
        Ind("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "94%", 10, 10),
    )
    m = money(520, 447.2, 10, 9, ("本年财政拨款", 420), ("上年结转资金", 100), ("其他资金", 0))
    exp = Expected("农村饮水安全巩固提升工程", "", "会同县水利局", "会同县农村饮水安全工程管理站", 2022, m,
                   "新建集中供水工程12处，改造供水管网85公里，巩固提升3.2万农村人口饮水安全保障水平。",
                   "建成集中供水工程12处，改造管网88.5公里，受益人口3.35万人，农村自来水普及率达90.5%。",
                   inds, total(m, inds), "优")

    def cells(i: int, ind: Ind) -> list[Put]:
        row = plain(i, ind)
        return [None, weighted(inds, ind.level1), ind.level2, f"指标{i}{ind.name}", *row[4:]]

    lines = [["年度资金总额:", 500, 520, 447.2, 10, "86%", 9],
             *parts(("其中:本年财政拨款", 400, 420, 347.2), ("上年结转资金", 100, 100, 100), ("其他资金", 0, 0, 0))]
    tail = [*score_rows(exp), [W("自评等级", 6), W("优", 3)]]
    save(path, central_sheet("自评表", Skin(("2022年度项目支出绩效自评表",)), exp, lines, cells, tail))
    return exp


def layout_a2(path: Path) -> Expected:
    """A, the 年度资金总额 row left at 0 while 其中：当年财政拨款 holds the money: the form's amounts are its parts'."""
    inds = (
        Ind("产出指标", "数量指标", "城乡居民医保参保人数", "≥62万人", "63.1万人", 20, 20),
        Ind("产出指标", "质量指标", "财政补助资金足额到位率", "100%", "100%", 15, 15),
        Ind("产出指标", "时效指标", "补助资金拨付时间", "2021年12月底前", "2021年12月", 15, 15),
        Ind("效益指标", "社会效益指标", "政策范围内住院费用基金支付比例", "≥70%", "70.6%", 15, 15),
        Ind("效益指标", "可持续影响指标", "医保基金运行情况", "收支平衡、略有结余", "达成预期指标", 15, 15),
        Ind("满意度指标", "服务对象满意度指标", "参保群众满意度", "≥85%", "91.3%", 10, 10),
    )
    m = money(6200, 5921, 10, 9.55, ("当年财政拨款", 6200), ("上年结转资金", 0), ("其他资金", 0))
    exp = Expected("城乡居民医保财政补助", "", "益阳市医疗保障局", "益阳市医疗保险服务中心", 2021, m,
                   "按人均580元标准足额落实城乡居民医保财政补助，参保人数稳定在62万人以上。",
                   "全年参保63.1万人，财政补助资金5921万元拨付到位，政策范围内住院费用基金支付比例70.6%。",
                   inds, total(m, inds), "优")

    def cells(i: int, ind: Ind) -> list[Put]:
        row = plain(i, ind)
        return [*row[:3], f"指标{i}：{ind.name}", *row[4:]]

    lines = [["年度资金总额", 0, 0, 0, 10, F(0.955, "0.00%"), 9.55],
             *parts(("其中：当年财政拨款", 5600, 6200, 5921), ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0))]
    skin = Skin(("项目支出绩效自评表", "（2021年度）"))
    save(path, central_sheet("Sheet1", skin, exp, lines, cells, score_rows(exp, "优")))
    return exp


def weights_256(path: Path) -> Expected:
    """A central form whose indicator 分值 add to 256: its total (265.5) is above 90 but it cannot be graded."""
    inds = (
        Ind("产出指标", "数量指标", "校舍维修改造面积", "≥2.4万平方米", "2.46万平方米", 40, 40),
        Ind("产出指标", "数量指标", "改造学校数量", "≥18所", "18所", 40, 40),
        Ind("产出指标", "质量指标", "工程竣工验收合格率", "100%", "100%", 32, 32),
        Ind("产出指标", "时效指标", "工程完工时间", "2022年8月底前", "2022年8月", 32, 32),
        Ind("效益指标", "社会效益指标", "校舍安全隐患消除率", "≥95%", "96%", 32, 32),
        Ind("效益指标", "社会效益指标", "受益学生人数", "≥1.2万人", "1.26万人", 32, 32),
        Ind("效益指标", "可持续影响指标", "校舍安全长效管理机制", "建立健全", "达成预期指标", 24, 24),
        Ind("满意度指标", "服务对象满意度指标", "师生及家长满意度", "≥90%", "93%", 24, 24),
    )
    m = money(300, 285, 10, 9.5, ("当年财政拨款", 300), ("上年结转资金", 0), ("其他资金", 0))
    exp = Expected("中小学校舍安全保障工程", "", "邵东市教育局", "邵东市教育基础设施建设中心", 2022, m,
                   "完成18所中小学校舍维修改造2.4万平方米。", "完成18所学校校舍维修改造2.46万平方米，消除安全隐患。",
                   inds, total(m, inds))
    lines = [["年度资金总额", 300, 300, 285, 10, "95%", 9.5],
             *parts(("其中：当年财政拨款", 300, 300, 285), ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0))]
    tail = [[W("总分", 6), 266, exp.self_total]]
    save(path, central_sheet("自评表", Skin(("2022年度项目支出绩效自评表",)), exp, lines, plain, tail))
    return exp


# -- B. central, letters in the headers -------------------------------------------------------------------------
def layout_b(path: Path) -> Expected:
    """B: 市级主管部门 / 项目实施单位, （A）/（B） headers, a 中央补助 row inside 当年财政拨款, 总分 | 100 | total."""
    inds = (
        Ind("产出指标", "数量指标", "城乡低保保障人数", "≥2.1万人", "2.16万人", 15, 15),
        Ind("产出指标", "数量指标", "特困人员救助供养人数", "≥3200人", "3085人", 10, 9.64,
            "部分特困人员自然减员，按实际在册人数足额供养"),
        Ind("产出指标", "质量指标", "救助资金发放准确率", "100%", "100%", 10, 10),
        Ind("产出指标", "时效指标", "救助金按月发放及时率", "100%", "100%", 10, 10),
        Ind("产出指标", "成本指标", "救助资金管理费用占比", "≤2%", "1.6%", 5, 5),
        Ind("效益指标", "社会效益指标", "困难群众基本生活保障率", "100%", "100%", 15, 15),
        Ind("效益指标", "社会效益指标", "低保对象动态管理", "应保尽保、应退尽退", "达成预期指标", 15, 13.5,
            "个别对象收入信息核对滞后，下一步加强部门间数据比对"),
        Ind("满意度指标", "服务对象满意度指标", "救助对象满意度", "≥90%", "95.2%", 10, 10),
    )
    m = money(2850, 2793, 10, 9.8, ("当年财政拨款", 2650), ("上年结转资金", 200), ("其他资金", 0))
    exp = Expected("城乡困难群众基本生活救助", "", "岳阳市民政局", "岳阳市社会救助服务中心", 2022, m,
                   "保障城乡低保对象2.1万人、特困人员3200人基本生活，救助资金按月足额发放。",
                   "全年保障低保对象2.16万人、特困人员3085人，发放救助资金2793万元。", inds, total(m, inds))
    skin = Skin(("项目支出绩效自评表", "（2022年度）"), ("项目名称", "市级主管部门", "项目实施单位"),
                ("项目资金（万元）", None, "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"),
                ("年度总体目标", "年初预期目标", "年度实际完成情况"),
                ("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值（A）", "实际完成值（B）", "分值", "得分",
                 "偏差原因分析及改进措施"))
    lines = [["年度资金总额", 2600, 2850, 2793, 10, "98%", 9.8],
             *parts(("其中：当年财政拨款", 2400, 2650, 2600), ("中央补助", 1500, 1650, 1650),
                    ("上年结转资金", 200, 200, 193), ("其他资金", 0, 0, 0))]
    save(path, central_sheet("自评表", skin, exp, lines, plain, score_rows(exp)))
    return exp


# -- C. central department system export (2019) -----------------------------------------------------------------
C_FUNDS = ("项目资金（万元）", "项目名称", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")


def c_selfeval(exp: Expected, lines: Sequence[Sequence[Put]], tail: Sequence[Sequence[Put]]) -> Sheet:
    """The export's 自评表 sheet: (2019年度) in row 2, labels merged over two columns, 项目名称 as a column title."""
    sh = Sheet("项目支出绩效自评表")
    sh.add(W("项目支出绩效自评表", 9))
    sh.add(W(f"({exp.year}年度)", 9))
    sh.add()
    sh.add(W("项目名称", 2), W(exp.name, 7))
    sh.add(W("主管部门", 2), W(exp.department, 3), W("实施单位", 2), W(exp.unit or None, 2))
    funds(sh, C_FUNDS, lines)
    goals(sh, Skin(()).goals, exp)
    top = sh.add(*Skin(()).table)
    sh.down(top, rows(sh, exp.indicators, plain) if exp.indicators else top)
    for line in tail:
        sh.add(*line)
    return sh


def c_other_sheets(exp: Expected, monitor: Sequence[tuple[str, str, str]]) -> list[Sheet]:
    """项目基本信息, 项目支出绩效目标申报表 and 项目支出绩效目标执行监控 (which has an indicator table of its own)."""
    info, target, watch = Sheet("项目基本信息"), Sheet("项目支出绩效目标申报表"), Sheet("项目支出绩效目标执行监控")
    info.add(W("项目基本信息", 4))
    for label, value in (("项目名称", exp.name), ("主管部门", exp.department), ("实施单位", exp.unit),
                         ("项目类型", "其他项目"), ("项目起止年限", "2019年1月至2019年12月")):
        info.add(label, W(value, 3))
    for sh, title in ((target, "项目支出绩效目标申报表"), (watch, "项目支出绩效目标执行监控表")):
        sh.add(W(title, 7))
        sh.add(W(f"({exp.year}年度)", 7))
        sh.add("项目名称", W(exp.name, 6))
        sh.add("主管部门", W(exp.department, 2), "实施单位", W(exp.unit, 3))
    target.add("年度绩效目标", W(exp.goal_expected, 6))
    target.add("一级指标", "二级指标", "三级指标", W("指标值", 4))
    rows(target, exp.indicators, lambda _, i: [i.level1, i.level2, i.name, W(i.target, 4)], lead=0)
    watch.add("一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行情况", "全年预计完成情况", "偏差原因分析")
    progress = dict(zip([i.name for i in exp.indicators], monitor, strict=True))
    rows(watch, exp.indicators, lambda _, i: [i.level1, i.level2, i.name, i.target, *progress[i.name]], lead=0)
    return [info, target, watch]


def layout_c(path: Path) -> Expected:
    """C: the five-sheet export of one project; only 项目支出绩效自评表 is the form."""
    inds = (
        Ind("产出指标", "数量指标", "发表高水平学术论文", "≥40篇", "46篇", 10, 10),
        Ind("产出指标", "数量指标", "申请发明专利", "≥12项", "15项", 10, 10),
        Ind("产出指标", "质量指标", "科研成果验收通过率", "≥95%", "100%", 10, 10),
        Ind("产出指标", "时效指标", "年度科研任务完成时间", "2019年12月", "2019年12月", 10, 10),
        Ind("产出指标", "成本指标", "人均科研经费", "≤15万元", "14.2万元", 10, 10),
        Ind("效益指标", "经济效益指标", "示范区亩均节本增效", "≥80元", "86元", 10, 10),
        Ind("效益指标", "社会效益指标", "支撑地方农业绿色发展技术服务", "≥20次", "18次", 10, 9,
            "受汛期影响，两次田间技术服务推迟至次年春播前开展"),
        Ind("效益指标", "可持续影响指标", "青年科研人才梯队建设", "持续加强", "达成预期指标", 10, 10),
        Ind("满意度指标", "服务对象满意度指标", "合作单位满意度", "≥90%", "93%", 10, 10),
    )
    m = money(820, 803.6, 10, 9.8, ("当年财政拨款", 720), ("上年结转资金", 100), ("其他资金", 0))
    exp = Expected("中央级公益性科研院所基本科研业务费", "", "中国农业科学院", "农业资源与农业区划研究所", 2019, m,
                   "支持青年科研人员开展自主选题研究，发表论文40篇以上，申请发明专利12项以上。",
                   "全年发表论文46篇，申请发明专利15项，开展技术服务18次。", inds, total(m, inds))
    monitor = [("28篇", "≥40篇", ""), ("9项", "≥12项", ""), ("100%", "100%", ""), ("按计划推进", "2019年12月", ""),
               ("8.1万元", "≤15万元", ""), ("—", "≥80元", ""), ("9次", "18次", "汛期影响田间服务"),
               ("按计划推进", "持续加强", ""), ("—", "≥90%", "")]
    lines = [["年度资金总额", 800, 820, 803.6, 10, F(0.98, "0.00%"), 9.8],
             *parts(("其中：当年财政拨款", 700, 720, 703.6), ("上年结转资金", 100, 100, 100), ("其他资金", 0, 0, 0))]
    report = Sheet("部门评审报告")
    for text in ("部门评审意见", "该项目年度绩效目标明确，预算执行率98%，绩效指标基本完成。", "评审结论：同意自评结果。"):
        report.add(W(text, 8))
    save(path, *c_other_sheets(exp, monitor), c_selfeval(exp, lines, score_rows(exp)), report)
    return exp


def blank_export(path: Path) -> None:
    """A 2019 export left blank below its header: funds rows without amounts, the indicator header then 总分 0."""
    m = Money(0, 0, 0, None, None)
    exp = Expected("长江水生生物资源养护", "", "农业农村部", "", 2019, m, "", "", (), 0)
    lines = [[label, *[None] * 6] for label in ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")]
    save(path, c_selfeval(exp, lines, [[W("总分", 6), None, 0]]))


# -- D. older central / vendor (pre-2020) ------------------------------------------------------------------------
def layout_d(path: Path) -> Expected:
    """D: 主管部门及代码 | 承担处室, one budget column (预算数), rows 财政拨款 / 其他资金, 年度总体目标完成情况."""
    inds = (
        Ind("产出指标", "数量指标", "监测站点运行维护数量", "≥736个", "736个", 15, 15),
        Ind("产出指标", "数量指标", "水土流失动态监测面积", "≥160万平方公里", "168万平方公里", 10, 10),
        Ind("产出指标", "质量指标", "监测数据有效率", "≥98%", "97.2%", 15, 14.88,
            "部分偏远站点通信中断导致数据缺测，已更换卫星传输设备"),
        Ind("产出指标", "时效指标", "年度水土保持公报发布时间", "2018年6月底前", "2018年6月", 10, 10),
        Ind("效益指标", "社会效益指标", "为水土保持决策提供数据支撑", "有效支撑", "达成预期指标", 15, 15),
        Ind("效益指标", "可持续影响指标", "监测网络稳定运行年限", "≥5年", "5年", 15, 15),
        Ind("满意度指标", "服务对象满意度指标", "数据使用单位满意度", "≥85%", "92%", 10, 10),
    )
    m = money(1350, 1323, 10, 9.8, ("财政拨款", 1350), ("其他资金", 0))
    exp = Expected("全国水土保持监测网络运行维护", "", "水利部", "水土保持司监测评价处", 2018, m,
                   "保障全国736个水土保持监测站点正常运行，完成年度水土流失动态监测。",
                   "736个站点全部正常运行，完成168万平方公里动态监测，按期发布年度公报。", inds, total(m, inds), "优")
    skin = Skin(("项目支出绩效自评表", "（2018年度）"), ("项目名称", "主管部门及代码", "承担处室"),
                ("项目资金（万元）", None, "预算数", "全年执行数", "分值", "执行率", "得分"),
                ("年度总体目标完成情况", "预期目标", "目标实际完成情况"))
    lines = [["年度资金总额", 1350, 1323, 10, "98%", 9.8], ["财政拨款", 1350, 1323, "—", None, "—"],
             ["其他资金", 0, 0, "—", None, "—"]]
    save(path, central_sheet("自评表", skin, exp, lines, plain, score_rows(exp, "优")))
    return exp


# -- E. Sichuan ------------------------------------------------------------------------------------------------------
def layout_e(path: Path) -> Expected:
    """E: 报表编号 line, `code-name`, 实施单位（盖章）, 项目基本情况, 预算执行情况(10分), 绩效指标(90分) with the
    target in three cells, 合计 | 100 | total, 评价结论 / 存在问题 / 改进措施, 项目负责人: | 财务负责人:."""
    inds = (
        Ind("产出指标", "数量指标", "全年免费开放天数", "≥300天", "306", 10, 10),
        Ind("产出指标", "数量指标", "举办公益讲座及展览场次", "≥120场", "134", 10, 10),
        Ind("产出指标", "质量指标", "馆藏文献完好率", "≥98%", "99.2", 10, 10),
        Ind("产出指标", "时效指标", "免费开放补助资金拨付及时率", "＝100%", "100", 10, 10),
        Ind("产出指标", "经济成本指标", "免费开放年度运行成本", "≤640万元", "628.48", 10, 10),
        Ind("效益指标", "社会效益指标", "年度到馆读者人次", "≥180万人次", "172.6", 10, 9.59,
            "上半年馆舍局部改造闭馆两周，到馆人次略低于预期；下半年已延长开放时间"),
        Ind("效益指标", "社会效益指标", "数字资源访问量", "≥1500万次", "1620", 10, 10),
        Ind("效益指标", "可持续影响指标", "基层分馆服务覆盖率", "≥95%", "96.5", 10, 10),
        Ind("满意度指标", "服务对象满意度指标", "读者满意度", "≥90%", "95.8", 10, 10),
    )
    m = money(640, 628.48, 10, 9.82, ("财政资金", 600), ("财政专户管理资金", 0), ("单位资金", 40), ("其他资金", 0))
    t = total(m, inds)
    exp = Expected(
        "省级公共图书馆免费开放补助", "51000022Y000000047263", "四川省文化和旅游厅", "四川省图书馆", 2022, m,
        "全年免费开放300天以上，举办公益讲座及展览120场以上，服务到馆读者180万人次。",
        "全年免费开放306天，举办讲座及展览134场，到馆读者172.6万人次，数字资源访问1620万次。", inds, t,
        conclusion=f"经自评，本项目综合得分{t:g}分，预算执行率98.20%，年度绩效目标基本完成。",
        problems="受馆舍局部改造影响，到馆读者人次未达年度目标。",
        measures="合理安排改造工期，错峰施工，拓展线上服务，提升到馆服务能力。")
    sh = Sheet("510000_0013zp")
    sh.add("报表编号:510000_0013zp")
    sh.add(W("部门预算项目支出绩效自评表（2022年度）", 11))
    sh.add("项目名称", W(f"{exp.code}-{exp.name}", 10))
    sh.add("主管部门", W(exp.department, 4), W("实施单位（盖章）", 2), W(exp.unit, 4))
    top = sh.add("项目基本情况", W("1.项目年度目标完成情况", 10))
    sh.add(None, W("项目年度目标", 5), W("年度目标完成情况", 5))
    sh.add(None, W(exp.goal_expected, 5), W(exp.goal_actual, 5))
    last = sh.add(None, W("2.项目实施内容及过程概述", 3),
                  W("按月开展免费开放服务，组织公益讲座、展览和阅读推广活动，推进基层分馆总分馆建设。", 7))
    sh.down(top, last)
    funds(sh, ("预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重",
               "得分", W("原因", 3)),
          [["总额", 600, 640, 628.48, "98.20%", 10, 9.82], ["其中:财政资金", 560, 600, 589.2, "98.20%"],
           ["财政专户管理资金", 0, 0, 0], ["单位资金", 40, 40, 39.28, "98.20%"], ["其他资金", 0, 0, 0]])
    top = sh.add("绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
                 "得分", "未完成原因分析")
    sh.down(top, rows(sh, inds, lambda _, i: [None, i.level1, i.level2, i.name, *split(i.target), bare(i.actual),
                                              i.weight, i.score, i.reason or None]))
    sh.add(W("合计", 8), 100, t)
    for label, text in (("评价结论", exp.conclusion), ("存在问题", exp.problems), ("改进措施", exp.measures)):
        sh.add(W(label, 2), W(text, 9))
    sh.add(W("项目负责人:", 5), W("财务负责人:", 6))
    save(path, sh)
    return exp


# -- F. Yunnan ----------------------------------------------------------------------------------------------------
def layout_f(path: Path) -> Expected:
    """F: the indicator header in two rows (绩效指标 / 年度指标值 over three columns each), ﹦ and ≥, 元 and %."""
    inds = (
        Ind("产出指标", "数量指标", "农村公路养护里程", "≥1260公里", "1285", 15, 15),
        Ind("产出指标", "数量指标", "养护补助资金发放金额", "﹦3150000元", "3150000", 15, 15),
        Ind("产出指标", "质量指标", "优良中等路率", "≥75%", "78.6", 10, 10),
        Ind("产出指标", "成本指标", "每公里养护补助标准", "≤2500元", "2451.36", 10, 10),
        Ind("效益指标", "社会效益指标", "农村公路列养率", "﹦100%", "100", 15, 15),
        Ind("效益指标", "社会效益指标", "路域环境整治达标率", "≥90%", "88.2", 15, 14.7,
            "雨季塌方清理占用养护力量，部分路段整治延后，已于次年一季度完成"),
        Ind("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "93.5", 10, 10),
    )
    m = money(420, 411.6, 10, 9.8, ("当年财政拨款", 420), ("上年结转资金", 0), ("其他资金", 0))
    exp = Expected("农村公路养护补助资金", "", "宾川县交通运输局", "宾川县公路管理段", 2022, m,
                   "完成1260公里农村公路日常养护，优良中等路率达到75%以上。",
                   "完成1285公里农村公路养护，优良中等路率78.6%，列养率100%。", inds, total(m, inds))
    sh = Sheet("项目自评表")
    sh.add(W("项目支出绩效自评表", 10))
    sh.add(W("（2022年度）", 10))
    head(sh, ("项目名称", "主管部门", "实施单位"), exp, width=10)
    two = "0.00"
    funds(sh, ("项目资金（万元）", W(None, 2), "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
          [[W("年度资金总额", 2), 380, 420, 411.6, F(10, two), F(0.98, "0.00%"), F(9.8, two)],
           [W("其中：当年财政拨款", 2), 380, 420, 411.6], [W("上年结转资金", 2), 0, 0, 0], [W("其他资金", 2), 0, 0, 0]])
    goals(sh, Skin(()).goals, exp, width=10)
    top = sh.add(W("绩效指标", 3), W("年度指标值", 3), "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    sh.add("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    for c in range(6, 10):
        sh.down(top, top + 1, c)
    rows(sh, inds, lambda _, i: [i.level1, i.level2, i.name, *split(i.target), bare(i.actual), F(i.weight or 0, two),
                                 F(i.score or 0, two), i.reason or None], lead=0)
    sh.add(W("总分", 7), F(100, two), F(exp.self_total or 0, two))
    save(path, sh)
    return exp


# -- G. Hubei ------------------------------------------------------------------------------------------------------
def layout_g(path: Path) -> Expected:
    """G: (绩效目标)自评表, 单位名称/填报日期 line, tick boxes, the budget worth 20, indicators with 得分 but no 分值."""
    inds = (
        Ind("过程指标", "资金管理", "培训补贴资金专款专用率", "100%", "100%", None, 5),
        Ind("过程指标", "组织实施", "培训机构资质审核", "严格审核", "达成预期指标", None, 5),
        Ind("产出指标", "数量指标", "完成职业技能培训人数", "≥2400人", "2536人", None, 20),
        Ind("产出指标", "质量指标", "培训合格率", "≥90%", "93.6%", None, 10),
        Ind("产出指标", "时效指标", "培训补贴发放时间", "2022年12月底前", "2022年12月", None, 5),
        Ind("产出指标", "成本指标", "人均培训补贴", "≤1000元", "984元", None, 5),
        Ind("效益指标", "社会效益指标", "培训后实现就业人数", "≥1500人", "1428人", None, 9.52),
        Ind("效益指标", "可持续影响指标", "劳动者职业技能水平", "持续提升", "达成预期指标", None, 10),
        Ind("满意度指标", "服务对象满意度指标", "参训学员满意度", "≥90%", "95%", None, 10),
    )
    m = money(260, 249.6, 20, 19.2)
    exp = Expected("农村劳动力转移就业技能培训项目", "", "京山市人力资源和社会保障局", "京山市就业训练中心", 2022, m,
                   "", "", inds, total(m, inds),
                   problems="部分参训人员返乡务农或自主创业，培训后实现就业人数1428人，未达到1500人的目标。",
                   measures="加强培训与岗位对接，开展订单式培训；评价结果作为下年度培训补贴资金分配的依据。")
    sh = Sheet("自评表")
    sh.add(W("2022年度 农村劳动力转移就业技能培训项目(绩效目标)自评表", 6))
    sh.add(W("单位名称：京山市人力资源和社会保障局　　　　填报日期：2023年3月20日", 6))
    sh.add("项目名称", W(exp.name, 5))
    sh.add("主管部门", W(exp.department, 2), "项目实施单位", W(exp.unit, 2))
    for label, boxes in (("项目类别", "1、部门预算项目☑ 2、省直专项□ 3、中央转移支付□ 4、其他□"),
                         ("项目属性", "1、持续性项目☑ 2、新增性项目□"),
                         ("项目类型", "1、常年性项目□ 2、延续性项目☑ 3、一次性项目□")):
        sh.add(label, W(boxes, 5))
    sh.add("预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", W("得分（20分*执行率）", 2))
    sh.add("年度财政资金总额", 260, 249.6, "96.00%", W(19.2, 2))
    sh.add("一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分")
    rows(sh, inds, lambda _, i: [i.level1, i.level2, i.name, i.target, i.actual, i.score], lead=0)
    sh.add(W("总分", 5), exp.self_total)
    notes = ("1.定量指标：正向指标得分=权重×B/A，反向指标得分=权重×A/B，得分不超过权重；"
             "2.定性指标：达成目标得权重的100%-80%，部分达成得80%-50%，未达成得50%-0。")
    for label, text in (("偏差大或目标未完成原因分析", exp.problems), ("改进措施及结果应用方案", exp.measures),
                        ("备注", notes)):
        sh.add(label, W(text, 5))
    save(path, sh)
    return exp


# -- H. Shanghai, amounts in 元 --------------------------------------------------------------------------------------
def layout_h(path: Path) -> Expected:
    """H: 项目资金 (元) with amounts typed as text (1,231,744.6), ASCII operators, 绩/效/指/标 printed vertically."""
    inds = (
        Ind("产出指标", "数量指标", "运营补贴覆盖社区养老服务设施数", ">=32家", "32家", 15, 15),
        Ind("产出指标", "数量指标", "年度助餐服务老年人人次", ">=5万人次", "4.86万人次", 10, 9.72,
            "两家长者食堂三季度装修停业一个月，服务人次略低于目标"),
        Ind("产出指标", "质量指标", "设施年度运营评估达标率", "=100%", "100%", 15, 15),
        Ind("产出指标", "时效指标", "补贴资金拨付及时率", "=100%", "100%", 10, 10),
        Ind("效益指标", "社会效益指标", "社区老年人助餐服务覆盖率", ">=90%", "91.5%", 15, 15),
        Ind("效益指标", "可持续影响指标", "设施持续运营率", ">=95%", "100%", 15, 15),
        Ind("满意度指标", "服务对象满意度指标", "服务对象满意度", ">=90%", "92.3%", 10, 10),
    )
    m = money(128, 123.17446, 10, 9.62, ("当年财政拨款", 128), ("上年结转资金", 0), ("其他资金", 0))
    exp = Expected("社区养老服务设施运营补贴", "", "上海市长宁区民政局", "长宁区养老服务指导中心", 2021, m,
                   "对全区32家社区养老服务设施给予运营补贴，全年助餐服务老年人5万人次。",
                   "32家设施全部获得运营补贴，全年助餐服务4.86万人次，助餐服务覆盖率91.5%。", inds, total(m, inds))
    skin = Skin(("2021年度财政项目支出绩效自评表",),
                funds=("项目资金 (元)", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
                table=("绩\n效\n指\n标", *Skin(()).table[1:]))
    lines = [["年度资金总额", "1280000.00", "1,280,000.00", "1,231,744.6", 10, "96.23%", 9.62],
             *[[label, *amounts, "—", None, "—"] for label, amounts in (
                 ("其中：当年财政拨款", ("1280000.00", "1,280,000.00", "1,231,744.6")),
                 ("上年结转资金", ("0.00", "0.00", "0.00")), ("其他资金", ("0.00", "0.00", "0.00")))]]
    save(path, central_sheet("自评表", skin, exp, lines, plain, score_rows(exp)))
    return exp


# -- I. vendor system columns ------------------------------------------------------------------------------------------
def layout_i(path: Path) -> Expected:
    """I: 计算符号 in its own column, 计量单位 after the actual, funds 资金来源 … 预算执行率% (98.50), no 分值 there."""
    inds = (
        Ind("产出指标", "数量指标", "补助基层医疗卫生机构数量", "≥42个", "42", 15, 15),
        Ind("产出指标", "质量指标", "基本药物配备使用率", "≥90%", "92.4", 15, 15),
        Ind("产出指标", "时效指标", "补助资金拨付及时率", "=100%", "100", 10, 10),
        Ind("产出指标", "成本指标", "村卫生室平均补助标准", "≤1.2万元", "1.18", 10, 10),
        Ind("效益指标", "社会效益指标", "基层医疗卫生机构门急诊人次", "≥38万人次", "36.5", 15, 14.41,
            "一季度疫情防控期间门诊量下降，下半年已恢复"),
        Ind("效益指标", "可持续影响指标", "县域内基层就诊率", "≥65%", "66.8", 15, 15),
        Ind("满意度指标", "服务对象满意度指标", "患者满意度", "≥90%", "94.2", 10, 10),
    )
    m = money(200, 197, None, 9.85, ("当年财政拨款", 200), ("其他资金", 0))
    exp = Expected("基层医疗卫生机构实施基本药物制度补助", "", "祁阳市卫生健康局", "祁阳市卫生健康综合服务中心", 2023, m,
                   "补助42家基层医疗卫生机构实施国家基本药物制度，基本药物配备使用率达到90%以上。",
                   "42家机构全部落实补助，基本药物配备使用率92.4%，县域内基层就诊率66.8%。", inds, total(m, inds))
    sh = Sheet("绩效自评")
    sh.add(W("2023年度项目支出绩效自评表", 10))
    sh.add("项目名称", W(exp.name, 9))
    sh.add("主管部门", W(exp.department, 4), W("实施单位", 2), W(exp.unit, 3))
    sh.add(W("项目资金（万元）", 10))
    sh.add("资金来源", "年初预算", "年度预算调整", "调整后的预算", "全年执行数", "预算执行率%", "得分")
    sh.add("年度资金总额", 180, 20, 200, 197, "98.50", 9.85)
    sh.add("其中：当年财政拨款", 180, 20, 200, 197, "98.50")
    sh.add("其他资金", 0, 0, 0, 0)
    top = sh.add("年度总体目标", W("预期目标", 4), W("实际完成情况", 5))
    sh.add(None, W(exp.goal_expected, 4), W(exp.goal_actual, 5))
    sh.down(top, top + 1)
    sh.add("一级指标", "二级指标", "指标名称", "计算符号", "指标值", "实际完成值", "计量单位", "权重", "实际得分",
           "偏差原因及改进措施")

    def cells(_: int, i: Ind) -> list[Put]:
        op, number, unit = split(i.target)
        return [i.level1, i.level2, i.name, op, number, bare(i.actual), unit, i.weight, i.score, i.reason or None]

    rows(sh, inds, cells, lead=0)
    sh.add(W("总分", 7), 100, exp.self_total)
    save(path, sh)
    return exp


# -- J. transfer-payment region form ---------------------------------------------------------------------------------
def layout_j(path: Path) -> Expected:
    """J: 转移支付（项目）名称, 中央/地方主管部门, 资金使用单位, 资金投入情况（万元）, and no points anywhere."""
    inds = (
        Ind("产出指标", "数量指标", "耕地地力保护补贴发放面积", "≥28.6万亩", "28.9万亩", None, None),
        Ind("产出指标", "数量指标", "农机购置补贴机具数量", "≥420台", "398台", None, None,
            "部分农户购机意愿推迟，剩余补贴资金结转下年使用"),
        Ind("产出指标", "质量指标", "补贴资金兑付准确率", "100%", "100%", None, None),
        Ind("产出指标", "时效指标", "补贴资金兑付时间", "2022年10月底前", "2022年9月", None, None),
        Ind("效益指标", "经济效益指标", "社会化服务带动小农户增收", "≥300元/户", "312元/户", None, None),
        Ind("效益指标", "社会效益指标", "主要农作物耕种收综合机械化率", "≥60%", "61.5%", None, None),
        Ind("效益指标", "可持续影响指标", "耕地质量等级", "稳中有升", "达成预期指标", None, None),
        Ind("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%", "93%", None, None),
    )
    m = money(1260, 1213.38, None, None, ("中央财政资金", 1000), ("地方资金", 260), ("其他资金", 0))
    exp = Expected("中央财政农业生产发展资金", "", "弥渡县农业农村局", "弥渡县农业技术推广中心", 2022, m,
                   "落实耕地地力保护补贴28.6万亩，补贴购置农机具420台，推进农业社会化服务。",
                   "发放耕地地力保护补贴28.9万亩，补贴农机具398台，综合机械化率达61.5%。", inds, None)
    sh = Sheet("区域绩效自评表")
    sh.add(W("转移支付区域绩效自评表", 9))
    sh.add(W("（2022年度）", 9))
    sh.add("转移支付（项目）名称", W(exp.name, 8))
    sh.add("中央主管部门", W("农业农村部", 8))
    sh.add("地方主管部门", W(exp.department, 3), "资金使用单位", W(exp.unit, 4))
    funds(sh, ("资金投入情况（万元）", None, W("全年预算数（A）", 2), W("全年执行数（B）", 2), W("预算执行率（B/A）", 3)),
          [[label, W(a, 2), W(b, 2), W(rate, 3)] for label, a, b, rate in (
              ("年度资金总额", 1260, 1213.38, "96.30%"), ("其中：中央财政资金", 1000, 963.38, "96.34%"),
              ("地方资金", 260, 250, "96.15%"), ("其他资金", 0, 0, None))])
    goals(sh, ("年度总体目标", "预期目标", "目标实际完成情况"), exp)
    top = sh.add("绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "全年实际完成值", W("未完成原因和改进措施", 3))
    sh.down(top, rows(sh, inds, lambda _, i: [None, i.level1, i.level2, i.name, i.target, i.actual,
                                              W(i.reason or None, 3)]))
    save(path, sh)
    return exp


LAYOUTS: dict[str, Callable[[Path], Expected]] = {
    "A": layout_a, "A2": layout_a2, "B": layout_b, "C": layout_c, "D": layout_d, "E": layout_e, "F": layout_f,
    "G": layout_g, "H": layout_h, "I": layout_i, "J": layout_j,
}


# -- forms that are not a 自评表 ------------------------------------------------------------------------------------------
def targets_form(path: Path) -> None:
    """A 绩效目标申报表: targets only (指标内容 | 指标值 | 评分细则), no actuals, no scores."""
    sh = Sheet("申报表")
    sh.add(W("2023年度项目支出绩效目标申报表", 6))
    sh.add("项目名称", W("城区老旧小区改造配套基础设施建设", 5))
    sh.add("主管部门", W("常德市住房和城乡建设局", 2), "实施单位", W("常德市城市更新服务中心", 2))
    funds(sh, ("项目资金（万元）", "年度资金总额", 3600), [["其中：财政拨款", 3000], ["其他资金", 600]])
    sh.add("年度总体目标", W("完成24个老旧小区供水、排水、道路及照明等配套设施改造，惠及居民8600户。", 5))
    top = sh.add("绩效指标", "一级指标", "二级指标", "指标内容", "指标值", "评分细则")
    for line in (("产出指标", "数量指标", "改造老旧小区数量", "≥24个", "每少1个扣1分"),
                 ("产出指标", "质量指标", "改造工程验收合格率", "100%", "每低1个百分点扣1分"),
                 ("产出指标", "时效指标", "改造完工时间", "2023年11月底前", "每延迟1个月扣2分"),
                 ("效益指标", "社会效益指标", "惠及居民户数", "≥8600户", "按完成比例计分"),
                 ("满意度指标", "服务对象满意度指标", "小区居民满意度", "≥90%", "每低1个百分点扣0.5分")):
        sh.add(None, *line)
    sh.down(top, sh.height - 1)
    save(path, sh)


def department_form(path: Path) -> None:
    """A 部门整体支出绩效自评表: 部门决策(25分), 部门管理(25分), 目标任务(15分), 部门绩效(35分)."""
    sh = Sheet("部门整体自评")
    sh.add(W("2022年度部门整体支出绩效自评表", 6))
    sh.add("部门名称", W("沅陵县林业局", 5))
    sh.add("预算执行情况（万元）", "全年预算数", "全年执行数", "执行率", W(None, 2))
    sh.add("部门预算总额", 2860, 2774.2, "97%", W(None, 2))
    sh.add("一级指标", "二级指标", "三级指标", "分值", "评分标准", "得分")
    lines = (("部门决策(25分)", "目标设定", "绩效目标合理性", 10, "目标与部门职能相符得满分", 10),
             ("部门决策(25分)", "预算编制", "预算编制科学性", 15, "编制规范、依据充分得满分", 14),
             ("部门管理(25分)", "资金管理", "资金使用合规性", 15, "无违规使用得满分", 15),
             ("部门管理(25分)", "资产管理", "资产管理规范性", 10, "制度健全、账实相符得满分", 9),
             ("目标任务(15分)", "重点工作", "年度重点工作完成率", 15, "按完成比例计分", 14.5),
             ("部门绩效(35分)", "社会效益", "森林覆盖率", 20, "达到目标值得满分", 20),
             ("部门绩效(35分)", "满意度", "社会公众满意度", 15, "≥90%得满分", 13))
    for line in lines:
        sh.add(*line)
    sh.add(W("总分", 3), 100, None, sum(line[5] for line in lines))
    sh.add(W("评价等级", 3), W("优", 3))
    save(path, sh)
