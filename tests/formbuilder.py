"""Type a 自评表 into a workbook the way departments do: merged labels, numbers as text, shifted.

Tests describe a form with raw cell values (exactly what a clerk types: "10分", "　200") and this
writes it with xlsxwriter. The real 2021 form of 益阳市委组织部 is `seed_spec()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import xlsxwriter

Raw = str | float | int | None


@dataclass
class Row:
    level1: str
    level2: str
    name: str
    target: Raw
    actual: Raw
    weight: Raw
    score: Raw
    reason: Raw = None


@dataclass
class FormSpec:
    name: Raw = "城市基层党建工作经费　　"
    department: Raw = "　       市委组织部"
    unit: Raw = "组织指导科"
    title: str = "2021年度项目支出绩效自评表"
    annex: str | None = " 附件"
    funds_label: str = "项目资金\n（万元）"
    # key → (年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分)
    funds: dict[str, tuple[Raw, ...]] = field(default_factory=dict)
    fund_labels: dict[str, str] = field(default_factory=lambda: {
        "total": "年度资金总额　", "current": "其中：当年财政拨款　", "carryover": "上年结转资金　",
        "other": "其他资金"})
    funds_headers: tuple[str, ...] = (
        "年初\n预算数", "全年\n预算数", "全年\n执行数", "分值", "执行率", "得分")
    goal_expected: Raw = "全面推进城市居民小区党建工作"
    goal_actual: Raw = "构建起“街道-社区-小区（网格）”纵向到底的基层组织体系，全覆盖组建697个小区党支部。"
    indicator_headers: tuple[str, ...] = (
        "一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分", "偏差原因\n分析及\n改进措施")
    rows: list[Row] = field(default_factory=list)
    total_weight: Raw = "100分"
    total_score: Raw = "99分"
    grade: Raw = None
    grade_label: str | None = None  # e.g. "自评等级": the grade goes on its own labelled row, not the 总分 row
    row_offset: int = 0
    col_offset: int = 0
    merge_groups: bool = True  # False: 一级/二级 written on the first row only, no merge (as in .ods exports)
    omit: tuple[str, ...] = ()  # sections left out: "funds", "indicators", "goals", "total"


SEED_ROWS = [
    Row("产出指标\n\n(50分)", "数量指标（30分）", "指标1：全覆盖开展城市居民向小区党建工作", "697", "697", "10分", "10分"),
    Row("产出指标\n\n(50分)", "数量指标（30分）", "指标2：指导100个小区党支部开展市级示范点创建工作", "100", "100",
        "10分", "10分"),
    Row("产出指标\n\n(50分)", "数量指标（30分）", "指标3：评选市级小区党建示范点", "30", "30", "10分", "10分"),
    Row("产出指标\n\n(50分)", "质量指标（20分）", "指标1：举办培训提升小区党支部书记履职能力", "697", "825", "10分", "10分"),
    Row("产出指标\n\n(50分)", "质量指标（20分）", "指标2：加强调研指导，压实属地责任，全面提升城市基层小区党建水平",
        "100%", "100%", "10分", "10分"),
    Row("产出指标\n\n(50分)", "时效指标（10分）", "指标1：年底前拨付到位", "100%", "100%", "10分", "10分"),
    Row("效益指标\n\n（40分）\n　", "社会效\n益指标（10分）", "指标1：推动城市基层党建工作提质增效", "100%", "100%",
        "5分", "5分"),
    Row("效益指标\n\n（40分）\n　", "社会效\n益指标（10分）", "指标2：抓好创建工作，发挥典型引路作用", "100%", "100%",
        "5分", "5分"),
    Row("效益指标\n\n（40分）\n　", "可持续影响指标（10分）", "指标1：继续抓实城市居民小区党建工作，提升基层治理效能",
        "100%", "100%", "10分", "9分", "加大党建引领基层治理的探索和工作力度，特别是要提升小区党支部的服务能力和水平"),
    Row("效益指标\n\n（40分）\n　", "服务对象满意度指标（10分）", "指标1：资金拨付的小区居民满意度", "100%", "100%",
        "10分", "10分"),
]


def seed_spec(**changes: Any) -> FormSpec:
    spec = FormSpec(
        funds={
            "total": ("　200", 200, 200, 10, "100%", "　10"),
            "current": ("　200", "200　", "200　", None, None, None),
            "carryover": ("　", "　", "　", "　", "　", "　"),
            "other": ("　", "　", "　", "　", "　", "　"),
        },
        rows=list(SEED_ROWS),
    )
    return replace(spec, **changes)


def write_form(book: xlsxwriter.Workbook, ws: Any, spec: FormSpec) -> int:
    """Write one form starting at the spec's offset; returns the first row after it (0-based)."""
    wrap = book.add_format({"text_wrap": True, "valign": "vcenter", "border": 1})
    r, c0 = spec.row_offset, spec.col_offset

    def put(row: int, col: int, value: Raw) -> None:
        if value is None:
            ws.write_blank(row, c0 + col, None, wrap)
        elif isinstance(value, str):
            ws.write_string(row, c0 + col, value, wrap)
        else:
            ws.write_number(row, c0 + col, value, wrap)

    def merge(r0: int, col0: int, r1: int, col1: int, value: Raw) -> None:
        if (r0, col0) == (r1, col1):
            put(r0, col0, value)
        else:  # merge empty, then write the value typed: a text starting with "=" must stay text
            ws.merge_range(r0, c0 + col0, r1, c0 + col1, "", wrap)
            put(r0, col0, value)

    for i, width in enumerate((10, 12, 14, 30, 14, 14, 8, 8, 30)):  # as a department would size them
        ws.set_column(c0 + i, c0 + i, width)
    if spec.annex is not None:
        put(r, 0, spec.annex)
        r += 1
    merge(r, 0, r, 8, spec.title)
    r += 1
    put(r, 0, "项目名称")
    merge(r, 1, r, 8, spec.name)
    r += 1
    put(r, 0, "主管部门")
    merge(r, 1, r, 3, spec.department)
    put(r, 4, "实施单位")
    merge(r, 5, r, 8, spec.unit)
    r += 1
    if "funds" not in spec.omit:
        keys = [k for k in ("total", "current", "carryover", "other") if k in spec.funds]
        merge(r, 0, r + len(keys), 0, spec.funds_label)
        put(r, 1, None)
        for i, h in enumerate(spec.funds_headers):
            put(r, 2 + i, h)
        for k in keys:
            r += 1
            put(r, 1, spec.fund_labels[k])
            for i, v in enumerate(spec.funds[k]):
                put(r, 2 + i, v)
        r += 1
    if "goals" not in spec.omit:
        merge(r, 0, r + 1, 0, "年度总体目标")
        merge(r, 1, r, 4, "预期目标")
        merge(r, 5, r, 8, "实际完成情况　")
        merge(r + 1, 1, r + 1, 4, spec.goal_expected)
        merge(r + 1, 5, r + 1, 8, spec.goal_actual)
        r += 2
    if "indicators" not in spec.omit:
        merge(r, 0, r + len(spec.rows), 0, "绩\n效\n指\n标")
        for i, h in enumerate(spec.indicator_headers):
            put(r, 1 + i, h)
        r += 1
        start = r
        for lvl in (0, 1):
            i = 0
            while i < len(spec.rows):
                label = (spec.rows[i].level1, spec.rows[i].level2)[lvl]
                j = i
                while j + 1 < len(spec.rows) and (spec.rows[j + 1].level1, spec.rows[j + 1].level2)[lvl] == label \
                        and (lvl == 0 or spec.rows[j + 1].level1 == spec.rows[i].level1):
                    j += 1
                if spec.merge_groups:
                    merge(start + i, 1 + lvl, start + j, 1 + lvl, label)
                else:
                    put(start + i, 1 + lvl, label)
                i = j + 1
        for row in spec.rows:
            for i, v in enumerate((row.name, row.target, row.actual, row.weight, row.score, row.reason)):
                put(r, 3 + i, v)
            r += 1
    if "total" not in spec.omit:
        merge(r, 0, r, 5, "总分")
        put(r, 6, spec.total_weight)
        put(r, 7, spec.total_score)
        if spec.grade is not None and spec.grade_label is None:
            put(r, 8, spec.grade)
        r += 1
        if spec.grade_label is not None:
            merge(r, 0, r, 5, spec.grade_label)
            merge(r, 6, r, 8, spec.grade)
            r += 1
    return r


def write_workbook(path: Path, sheets: list[tuple[str, FormSpec | list[list[Raw]]]]) -> Path:
    """Write sheets in order: a FormSpec is laid out as a form, a list of rows is written as-is."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2022, 1, 15, 9, 0, 0)})  # same bytes every run
    for name, content in sheets:
        ws = book.add_worksheet(name)
        if isinstance(content, FormSpec):
            write_form(book, ws, content)
        else:
            for r, line in enumerate(content):
                for c, v in enumerate(line):
                    if v is not None:
                        ws.write(r, c, v)
    book.close()
    return path


CLEAN_ROWS = [
    Row("产出指标", "数量指标", "指标1：新建社区服务站数量", "≥10个", "11个", 10, 10),
    Row("产出指标", "数量指标", "指标2：培训社区工作人员人次", "≥500人次", "560人次", 10, 10),
    Row("产出指标", "质量指标", "指标1：服务站验收合格率", "100%", "100%", 10, 10),
    Row("产出指标", "时效指标", "指标1：项目完成时间", "2021年12月", "2021年11月", 10, 10),
    Row("产出指标", "成本指标", "指标1：单个服务站建设成本", "≤20万元", "18.5万元", 10, 10),
    Row("效益指标", "社会效益指标", "指标1：社区服务覆盖居民户数", "≥3000户", "3200户", 10, 10),
    Row("效益指标", "社会效益指标", "指标2：社区治理水平", "显著提升", "达成预期指标", 10, 10),
    Row("效益指标", "可持续影响指标", "指标1：服务站持续运营年限", "≥5年", "5年", 10, 10),
    Row("满意度指标", "服务对象满意度指标", "指标1：居民满意度", "≥90%", "95%", 10, 10),
]


def clean_spec(**changes: Any) -> FormSpec:
    """A central2020 form with nothing for a reviewer to find: the baseline every check test perturbs."""
    spec = FormSpec(
        name="社区综合服务站建设经费", department="市民政局", unit="基层政权建设科",
        funds={
            "total": (100, 100, 95, 10, "95%", 9.5),
            "current": (80, 80, 76, None, None, None),
            "carryover": (20, 20, 19, None, None, None),
            "other": (0, 0, 0, None, None, None),
        },
        goal_expected="新建社区综合服务站10个，培训社区工作人员500人次。",
        goal_actual="建成社区综合服务站11个，培训560人次，居民满意度95%。",
        rows=list(CLEAN_ROWS), total_score=99.5, grade="优",
    )
    return replace(spec, **changes)


def clean_rows(**edits: dict[str, Any]) -> list[Row]:
    """CLEAN_ROWS with fields replaced: clean_rows(r0={"actual": "8个"}) edits the first indicator (row 13)."""
    out = list(CLEAN_ROWS)
    for key, fields in edits.items():
        i = int(key[1:])
        out[i] = replace(out[i], **fields)
    return out
