"""The official blank 项目支出绩效自评表 the bureau hands out (`selfeval template`), and its marker.

Most mistakes are made while a department fills the form, so the template computes what the form defines
(执行率, budget 得分, 总分, 自评等级), locks the labels the reader finds forms by, validates what it can and
explains each column where it is typed. Formulas carry an empty cached result: a reader trusting cached
values (python-calamine, ours) then sees "not computed", never a typed 0. A very hidden marker sheet names
the template version, so a form filled on an old copy is recognised (`template-outdated`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from processor.core.errors import OutputError, UsageError
from processor.core.findings import num
from processor.read.grid import a1
from processor.read.marker import MARKER_SHEET, TEMPLATE_ID, TEMPLATE_VERSION
from processor.review.checks import pct
from processor.review.profiles import DEFAULT, Profile, load_profile
from processor.write.styles import FONT, MONEY, RATE, RED_FILL, landscape, make_styles, row_height, text_lines

FORM_SHEET, GUIDE_SHEET = "自评表", "填表说明"
TEMPLATES = ("central2020", "hunan-legacy")  # the shipped profiles with a blank form (templates/, make templates)
DEFAULT_INDICATORS = 12
CREATED = dt.datetime(2024, 1, 1)  # pinned: the committed templates must be reproducible byte for byte
QUALITATIVE = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")
SATISFACTION = "服务对象满意度指标"
LEVEL2 = {"产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
          "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
          "满意度指标": (SATISFACTION,)}
FUND_LABELS = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
FUND_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率")
IND_HEADERS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
WIDTHS = (9, 19, 19, 26, 16, 16, 9, 9, 26)
LAST = len(WIDTHS) - 1
LABEL_FILL, CALC_FILL = "#F2F2F2", "#E2EFDA"

TEXT = tomllib.loads(Path(__file__).with_name("template.toml").read_text(encoding="utf-8"))
RULES: dict[str, dict[str, Any]] = TEXT["validation"]


@dataclass(frozen=True)
class Layout:
    """Row numbers (0-based) of the form's parts, shared by the writer, its formulas and the tests.
    Everything above the indicator table is fixed; n blank indicator rows push 总分 (and 自评等级 below it) down."""

    n: int
    title, year, name, department, funds, fund_total, goals, indicators, first = 0, 1, 2, 3, 4, 5, 9, 11, 12

    @property
    def total(self) -> int:
        return self.first + self.n


@dataclass(frozen=True)
class Section:
    """One 一级指标 of the template: its label with the weight, and the 二级 printed on each blank row."""

    name: str
    label: str
    rows: tuple[str, ...]
    choices: tuple[str, ...]


def plan(profile: Profile, n: int) -> list[Section]:
    """Spread n blank rows over the profile's 一级 in proportion to their weights (at least one each),
    and inside each over its 二级 in order, so the blank form shows every category the rulebook expects."""
    groups = list(profile.level1_weights.items())
    if not len(groups) <= n <= 200:
        raise UsageError(f"--indicators 应在 {len(groups)} 到 200 之间（评分规则 {profile.name} 有 {len(groups)} 个一级指标）。")
    total = sum(w for _, w in groups) or 1.0
    exact = [n * w / total for _, w in groups]
    counts = [max(1, int(x)) for x in exact]
    while sum(counts) < n:
        counts[max(range(len(groups)), key=lambda i: exact[i] - counts[i])] += 1
    while sum(counts) > n:
        counts[max(range(len(groups)), key=lambda i: counts[i] - exact[i] if counts[i] > 1 else -n)] -= 1
    sections = []
    for (name, weight), k in zip(groups, counts, strict=True):
        choices = LEVEL2.get(name, ())
        if name == "效益指标" and profile.satisfaction_level == 2:
            choices = (*choices, SATISFACTION)  # the older form: 满意度 is a 二级 under 效益
        m = len(choices)
        rows = tuple(c for i, c in enumerate(choices) for _ in range(k // m + (i < k % m))) if m else ("",) * k
        sections.append(Section(name, f"{name}（{num(weight)}分）", rows, choices))
    return sections


def _formats(book: Any) -> dict[str, Any]:
    """Black thin borders as on the printed official form; `locked` decides what a department can type."""
    def fmt(**props: Any) -> Any:
        return book.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "text_wrap": True,
                                "border": 1, **props})

    return {
        "label": fmt(bold=True, align="center", bg_color=LABEL_FILL),
        "input": fmt(locked=False, indent=1), "center": fmt(locked=False, align="center"),
        "goal": fmt(locked=False, valign="top", indent=1), "money": fmt(locked=False, num_format=MONEY),
        "number": fmt(locked=False, align="center"), "fixed": fmt(align="center", bg_color=LABEL_FILL),
        "rate": fmt(align="center", num_format=RATE, bg_color=CALC_FILL),
        "calc": fmt(align="center", num_format="0.00", bg_color=CALC_FILL),
        "year": book.add_format({"font_name": FONT, "font_size": 11, "align": "center", "locked": False}),
        "year_fixed": book.add_format({"font_name": FONT, "font_size": 11, "align": "center"}),
        "note": book.add_format({"font_name": FONT, "font_size": 9, "text_wrap": True, "valign": "top"}),
        "red": book.add_format({"bg_color": RED_FILL}), "red_text": book.add_format({"font_color": "#C00000"}),
        "heading": fmt(bold=True, bg_color=LABEL_FILL, border=0),
        "text": fmt(border=0, valign="top"),
    }


def _tip(ws: Any, r0: int, c0: int, r1: int, c1: int, key: str, **rule: Any) -> None:
    title, message = TEXT["messages"][key]
    ws.data_validation(r0, c0, r1, c1, {"validate": "any", **rule, "input_title": title, "input_message": message})


def _alarm(ws: Any, fmt: Any, r0: int, c0: int, r1: int, c1: int, criteria: str) -> None:
    """Turn red while the formula holds: the department sees a mistake as it types it."""
    ws.conditional_format(r0, c0, r1, c1, {"type": "formula", "criteria": criteria, "format": fmt})


def _footer(key: str, profile: Profile) -> str:
    return str(TEXT["form"][key]).format(id=TEMPLATE_ID, version=TEMPLATE_VERSION, profile=profile.name)


def _grade_formula(profile: Profile, cell: str) -> str:
    out = '"差"'
    for floor, grade in sorted(profile.grade_bands):
        out = f'IF({cell}>={num(floor)},"{grade}",{out})'
    return f'=IF(ISNUMBER({cell}),{out},"")'


def _write_form(book: Any, ws: Any, profile: Profile, year: int | None, sections: list[Section],
                password: str) -> None:
    f, lay = _formats(book), Layout(sum(len(s.rows) for s in sections))
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.merge_range(lay.title, 0, lay.title, LAST, "项目支出绩效自评表", make_styles(book).title)
    ws.set_row(lay.title, 30)
    if year is None:  # an evergreen template: the department types its year into the subtitle (red until then)
        ws.merge_range(lay.year, 0, lay.year, LAST, "（　　　　年度）", f["year"])
        _tip(ws, lay.year, 0, lay.year, 0, "year")
        _alarm(ws, f["red_text"], lay.year, 0, lay.year, 0, f'=ISERROR(FIND("20",{a1(lay.year, 0)}))')
    else:
        ws.merge_range(lay.year, 0, lay.year, LAST, f"（{year}年度）", f["year_fixed"])
    for r, label, c0, c1, key in ((lay.name, "项目名称", 1, LAST, "name"), (lay.department, "主管部门", 1, 3, "department"),
                                  (lay.department, "实施单位", 5, LAST, "unit")):
        ws.write(r, c0 - 1, label, f["label"])
        ws.merge_range(r, c0, r, c1, "", f["input"])
        _tip(ws, r, c0, r, c1, key)
        ws.set_row(r, 22)
    _write_funds(ws, f, lay, profile)
    g = lay.goals  # 年度总体目标: each text sits under its label
    ws.merge_range(g, 0, g + 1, 0, "年度总体目标", f["label"])
    for label, c0, c1, key in (("预期目标", 1, 4, "goal_expected"), ("实际完成情况", 5, LAST, "goal_actual")):
        ws.merge_range(g, c0, g, c1, label, f["label"])
        ws.merge_range(g + 1, c0, g + 1, c1, "", f["goal"])
        _tip(ws, g + 1, c0, g + 1, c1, key)
    ws.set_row(g + 1, 58)
    _write_indicators(ws, f, lay, profile, sections)
    ws.print_area(0, 0, lay.total + 2, LAST)
    landscape(ws)
    ws.center_horizontally()
    ws.hide_gridlines(2)  # on screen and on paper only the form's own borders
    ws.set_selection(lay.name, 1, lay.name, 1)
    ws.protect(password, {"format_rows": True, "format_columns": True, "insert_rows": True})


def _write_funds(ws: Any, f: dict[str, Any], lay: Layout, profile: Profile) -> None:
    top, t = lay.funds, lay.fund_total
    ws.merge_range(top, 0, top + len(FUND_LABELS), 0, "项目资金\n（万元）", f["label"])
    ws.write_blank(top, 1, None, f["label"])
    ws.write_row(top, 2, FUND_HEADERS, f["label"])
    ws.merge_range(top, 7, top, LAST, "得分", f["label"])
    ws.set_row(top, 22)
    for k, label in enumerate(FUND_LABELS):
        ws.write(t + k, 1, label, f["label"])
        ws.write_row(t + k, 2, (None, None, None), f["money"])
        if k:  # only 年度资金总额 is scored: its parts print a dash where the total has 分值/执行率/得分
            ws.write_row(t + k, 5, ("—", "—"), f["fixed"])
            ws.merge_range(t + k, 7, t + k, LAST, "—", f["fixed"])
        ws.set_row(t + k, 22)
    budget, spent, weight, rate = (a1(t, c) for c in (3, 4, 5, 6))
    ws.write_number(t, 5, profile.budget_weight, f["fixed"])
    ws.write_formula(t, 6, f'=IF(AND(ISNUMBER({budget}),ISNUMBER({spent})),IF({budget}>0,{spent}/{budget},""),"")',
                     f["rate"], "")
    ws.merge_range(t, 7, t, LAST, "", f["calc"])
    ws.write_formula(t, 7, f'=IF(ISNUMBER({rate}),MIN({rate},1)*{weight},"")', f["calc"], "")
    _tip(ws, t, 2, t + len(FUND_LABELS) - 1, 4, "money", **RULES["money"])
    parts = f"{a1(t + 1, 2)}:{a1(t + len(FUND_LABELS) - 1, 2)}"  # relative: shifts to D and E
    _alarm(ws, f["red"], t, 2, t, 4, f"=AND(COUNT({parts})>0,ABS(N({a1(t, 2)})-SUM({parts}))>0.005)")


def _write_indicators(ws: Any, f: dict[str, Any], lay: Layout, profile: Profile, sections: list[Section]) -> None:
    h, first, last = lay.indicators, lay.first, lay.total - 1
    ws.merge_range(h, 0, last, 0, "绩效指标", f["label"])
    ws.write_row(h, 1, IND_HEADERS, f["label"])
    ws.set_row(h, 30)
    r = first
    for s in sections:
        end = r + len(s.rows) - 1
        if end > r:
            ws.merge_range(r, 1, end, 1, s.label, f["center"])
        else:
            ws.write(r, 1, s.label, f["center"])
        _tip(ws, r, 1, end, 1, "level1", source=[x.label for x in sections], **RULES["group"])
        _tip(ws, r, 2, end, 2, "level2", **({"source": list(s.choices), **RULES["group"]} if s.choices else {}))
        for k, level2 in enumerate(s.rows):
            ws.write_string(r + k, 2, level2, f["center"])
            for c, key in ((3, "input"), (4, "center"), (5, "center"), (6, "number"), (7, "number"), (8, "input")):
                ws.write_blank(r + k, c, None, f[key])
            ws.set_row(r + k, 31)
        r = end + 1
    for c, key in ((3, "level3"), (4, "target"), (8, "reason")):
        _tip(ws, first, c, last, c, key)
    _tip(ws, first, 5, last, 5, "actual", source=list(QUALITATIVE), **RULES["actual"])  # a list offered, any text taken
    _tip(ws, first, 6, last, 6, "weight", **RULES["number"])
    _tip(ws, first, 7, last, 7, "score", **RULES["number"])
    score, weight = a1(first, 7), a1(first, 6)  # relative: each row compares its own 得分 and 分值
    _alarm(ws, f["red"], first, 7, last, 7, f"=AND(ISNUMBER({score}),ISNUMBER({weight}),{score}>{weight})")
    t = lay.total
    weights, scores = f"{a1(first, 6)}:{a1(last, 6)}", f"{a1(first, 7)}:{a1(last, 7)}"
    ws.merge_range(t, 0, t, 5, "总分", f["label"])
    ws.write_formula(t, 6, f'=IF(COUNT({weights})=0,"",{a1(lay.fund_total, 5)}+SUM({weights}))', f["calc"], "")
    _alarm(ws, f["red"], t, 6, t, 6, f"=AND(ISNUMBER({a1(t, 6)}),ABS({a1(t, 6)}-100)>0.01)")
    ws.merge_range(t, 7, t, LAST, "", f["calc"])
    ws.write_formula(t, 7, f'=IF(COUNT({scores})=0,"",N({a1(lay.fund_total, 7)})+SUM({scores}))', f["calc"], "")
    ws.merge_range(t + 1, 0, t + 1, 5, "自评等级", f["label"])
    ws.merge_range(t + 1, 6, t + 1, LAST, "", f["calc"])
    ws.write_formula(t + 1, 6, _grade_formula(profile, a1(t, 7)), f["calc"], "")
    ws.set_row(t, 22)
    ws.set_row(t + 1, 22)
    ws.merge_range(t + 2, 0, t + 2, LAST, _footer("note", profile), f["note"])
    ws.set_row(t + 2, 28)


def guide(profile: Profile) -> list[tuple[str, list[str]]]:
    """The rules a filler needs (docs/rulebook.md §2–3, wording in template.toml) with this profile's numbers."""
    weights = "、".join(f"{name} {num(w)} 分" for name, w in profile.level1_weights.items())
    if profile.satisfaction_level == 2:
        weights += f"（{SATISFACTION}是效益指标下的二级指标）"
    bands = (profile.qualitative_bands[k] for k in ("achieved", "partial", "missed"))
    floors = sorted(profile.grade_bands, reverse=True)
    grades = "，".join(f"{num(lo)} 分（含）" + (f"–{num(floors[i - 1][0])} 分" if i else "以上") + f"为{g}"
                      for i, (lo, g) in enumerate(floors)) + f"，{num(floors[-1][0])} 分以下为差"
    values = {
        "title": profile.title, "budget_weight": num(profile.budget_weight), "weights": weights,
        "below": pct(profile.execution_reason_below), "over": pct(profile.over_achievement),
        "satisfaction_min": num(profile.satisfaction_min), "qualitative": "、".join(QUALITATIVE), "grades": grades,
        "reverse": "指标值 ÷ 完成值 × 分值" if profile.reverse_formula == "ratio"
        else "(2 − 完成值 ÷ 指标值) × 分值，完成值达到指标值 2 倍及以上得 0 分",
        "late": f"逾期完成的得分不超过分值的 {pct(profile.late_date_score)}" if profile.late_date_score > 0
        else "逾期完成的不得分",
        "bands": "；".join(f"“{text}”得分值的 {pct(lo)}–{pct(hi)}" for text, (lo, hi) in zip(QUALITATIVE, bands, strict=True)),
    }
    return [(part["heading"], [item.format(**values) for item in part["items"]]) for part in TEXT["guide"]]


def _write_guide(book: Any, ws: Any, profile: Profile, password: str) -> None:
    """Sentences only, never a label on its own: the reader must pass over this sheet."""
    f = _formats(book)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 120)
    ws.merge_range(0, 0, 0, 1, GUIDE_SHEET, make_styles(book).title)
    ws.set_row(0, 30)
    r, k = 1, 1
    for heading, items in guide(profile):
        ws.merge_range(r, 0, r, 1, heading, f["heading"])
        r += 1
        for text in items:
            ws.write_string(r, 0, f"{k}.", f["text"])
            ws.write_string(r, 1, text, f["text"])
            ws.set_row(r, row_height(text_lines(text, 120)))
            r, k = r + 1, k + 1
    ws.merge_range(r, 0, r, 1, _footer("guide_footer", profile), f["note"])
    landscape(ws)
    ws.fit_to_pages(1, 1)  # the rules on one sheet of paper
    ws.hide_gridlines(2)
    ws.protect(password)


def build_template(profile: str | Path = DEFAULT, year: int | None = None, indicators: int = DEFAULT_INDICATORS,
                   password: str = "") -> bytes:
    """The template's bytes: the form first (it opens there), then 填表说明, then the very hidden marker."""
    rules = load_profile(profile)
    if not rules.level1_weights:
        raise UsageError(f"评分规则“{rules.name}”没有规定一级指标分值（其表样只列得分），无法生成带分值的空白模板。"
                         f"请用 {', '.join(TEMPLATES)} 之一，或在自己的评分规则中写明 [level1_weights]。")
    sections = plan(rules, indicators)
    if year is not None and not 2000 <= year <= 2099:
        raise UsageError(f"--year 应为四位年份（2000–2099），现为 {year}。")
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"title": "项目支出绩效自评表", "subject": rules.title, "author": "selfeval",
                         "comments": f"{TEMPLATE_ID} 第 {TEMPLATE_VERSION} 版", "created": CREATED})
    _write_form(book, book.add_worksheet(FORM_SHEET), rules, year, sections, password)
    _write_guide(book, book.add_worksheet(GUIDE_SHEET), rules, password)
    marker = book.add_worksheet(MARKER_SHEET)
    for r, pair in enumerate((("模板标识", TEMPLATE_ID), ("模板版本", TEMPLATE_VERSION), ("评分规则", rules.name),
                              ("说明", "供审核程序识别模板版本，请勿修改。"))):
        marker.write_row(r, 0, pair)
    marker.very_hidden()
    book.close()
    return buf.getvalue()


def write_template(path: Path, profile: str | Path = DEFAULT, year: int | None = None,
                   indicators: int = DEFAULT_INDICATORS, password: str = "", force: bool = False) -> Path:
    """Write the template to `path` (.xlsx) through a temporary file, so a failed write leaves no half file.
    An existing file is replaced only with `force` (a filled form of the same name must not be lost)."""
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"模板文件名应以 .xlsx 结尾，现为“{path.name}”。")
    data = build_template(profile, year, indicators, password)  # a bad option is said first
    if path.is_dir():
        raise UsageError(f"{path} 是一个文件夹，不能作为模板文件名。请用 -o 给出 .xlsx 文件名，如 -o {path / '自评表模板.xlsx'}。")
    if path.exists() and not force:
        raise UsageError(f"文件 {path} 已存在，未覆盖。要替换它请加 --force，或用 -o 换一个文件名。")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"无法写出模板 {path}：{exc.strerror or exc}") from exc
    return path
