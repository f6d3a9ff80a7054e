"""Layouts other than the seed's (docs/rulebook.md §1): 衔接/扶贫 forms, split targets, synonyms, inline labels."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import reader_codes
from formbuilder import write_workbook

from processor import check_file
from processor.core.model import ValueKind
from processor.read.workbook import sniff

XIANJIE = [
    ["附件2"],
    ["2022年度衔接推进乡村振兴补助资金项目绩效自评表"],
    ["项目名称：", "某村特色产业发展项目"],
    ["主 管 部 门", "县农业农村局", None, "实施单位", "某镇人民政府"],
    ["项目资金（万元）", None, "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"],
    [None, "年度资金总额：", 120, 96, 10, 0.8, 8],
    [None, "其中：财政资金", 120, 96],
    [None, "其他资金", 0, 0],
    ["年度总体目标", "年度预期目标", None, None, "年度目标完成情况"],
    [None, "发展特色种植，带动脱贫户增收", None, None, "完成特色种植29.5亩"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
     "未完成原因及拟采取的改进措施"],
    [None, "产出指标", "数量指标", "★补助各类瓜果蔬菜种植面积", 20, "29.5亩", "29.5亩", 20],
    [None, None, "成本指标", "项目总成本", 10, "≤202.6万元", "132.9万元", 10],
    [None, "效益指标", "经济效益指标", "特色产业带动增加受益农户收入", 20, "≥11.376万元", "12万元", 20],
    [None, "满意度指标", "服务对象满意度指标", "受益脱贫(含监测对象)户满意度", 10, "≥95%", 0.97, 10],
    ["总分", None, None, None, 60, None, None, 58, "良"],
]


def test_xianjie_form(tmp_path: Path) -> None:
    result = check_file(write_workbook(tmp_path / "衔接.xlsx", [("Sheet1", XIANJIE)]))
    assert reader_codes(result) == []
    (p,) = result.projects
    assert (p.name, p.department, p.unit, p.year) == ("某村特色产业发展项目", "县农业农村局", "某镇人民政府", 2022)
    f = p.funds
    assert (f.initial_budget, f.annual_budget, f.executed, f.weight, f.self_score) == (None, 120, 96, 10, 8)
    assert f.execution_rate == pytest.approx(0.8)
    assert [(part.key, part.executed) for part in f.parts] == [("current", 96), ("other", 0)]
    assert p.goal_expected.startswith("发展特色种植") and p.goal_actual.startswith("完成特色种植")
    first, cost, income, satisfaction = p.indicators
    assert (first.name, first.key_indicator, first.weight, first.self_score) == ("补助各类瓜果蔬菜种植面积", True, 20, 20)
    assert (first.target.value, first.target.unit, first.actual.value) == (29.5, "亩", 29.5)
    assert first.cells == {"name": "D12", "weight": "E12", "target": "F12", "actual": "G12", "score": "H12",
                           "reason": "I12"}
    assert (cost.level1, cost.level2, cost.target.op, cost.target.value) == ("产出指标", "成本指标", "<=", 202.6)
    assert (income.level1, income.level2) == ("效益指标", "经济效益指标")
    # a %-formatted 0.97 beside a ≥95% target is 97%
    assert (satisfaction.level1, satisfaction.actual.kind, satisfaction.actual.value) == (
        "满意度指标", ValueKind.PERCENT, 97)
    # this excerpt's weights add to 60 with the budget's: 58 of 60 is no grade on a 100-point scale (not-graded)
    assert (p.self_total, p.weight_total, p.declared_grade, p.self_grade) == (58, 60, "良", None)


SPLIT = [
    ["2023年度项目支出绩效自评表"],
    ["项目名称", "学生资助补助经费"],
    ["主管部门", "市教育局", "实施单位", "市学生资助中心"],
    ["项目资金(万元)", None, "年初预算数", "调整预算数(A)", "执行数(B)", "权重", "预算执行率(B/A×100%)", "自评得分"],
    [None, "年度资金总额", 50, 50, "48.5", 10, "97.00%", 9.7],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", None, None, "实际完成值", "指标权重(分)", "自评得分",
     "偏差原因分析"],
    [None, None, None, None, "指标性质", "指标值", "度量单位"],
    [None, "产出指标", "数量指标", "学生受资助人数", "≧", 735, "人次", 735, 45, 45],
    [None, None, "质量指标", "生均补助标准达标率", "═", 100, "%", "100%", 45, 45],
    ["总分", None, None, None, None, None, None, None, 100, 99.7],
]


def test_split_target_with_synonym_headers(tmp_path: Path) -> None:
    result = check_file(write_workbook(tmp_path / "split.xlsx", [("自评表", SPLIT)]))
    assert reader_codes(result) == []
    (p,) = result.projects
    assert (p.year, p.department, p.unit) == (2023, "市教育局", "市学生资助中心")
    f = p.funds
    assert (f.initial_budget, f.annual_budget, f.executed, f.weight, f.self_score) == (50, 50, 48.5, 10, 9.7)
    assert f.execution_rate == pytest.approx(0.97)
    people, rate = p.indicators
    assert (people.target.raw, people.target.op, people.target.value, people.target.unit) == ("≧735人次", ">=", 735, "人次")
    assert (people.actual.value, people.weight, people.self_score, people.row) == (735, 45, 45, 8)
    assert (rate.target.op, rate.target.value, rate.target.kind) == ("=", 100, ValueKind.PERCENT)
    assert (rate.actual.kind, rate.actual.value) == (ValueKind.PERCENT, 100)
    assert p.self_total == 99.7


def test_inline_labels_in_one_cell(tmp_path: Path) -> None:
    grid = [row[:] for row in XIANJIE]
    grid[2] = ["项目名称：某村特色产业发展项目"]
    grid[3] = ["主管部门：县农业农村局", None, None, "实施单位：某镇人民政府"]
    (p,) = check_file(write_workbook(tmp_path / "inline.xlsx", [("Sheet1", grid)])).projects
    assert (p.name, p.department, p.unit) == ("某村特色产业发展项目", "县农业农村局", "某镇人民政府")
    assert p.cells["name"] == "A3"


def test_sheet_without_project_labels_is_passed_over(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "two.xlsx", [
        ("封面", [["2022年度绩效自评材料"], ["单位：县农业农村局"]]),
        ("Sheet1", XIANJIE),
        ("数据", [["项目", "金额"], ["A", 1]]),
    ])
    result = check_file(path)
    assert [p.sheet for p in result.projects] == ["Sheet1"] and reader_codes(result) == []


def test_xlsb_is_recognised_by_content() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert sniff(buf.getvalue()) == "xlsb"
