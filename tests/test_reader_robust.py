"""Reader cases found by a second reader's attack (crashes and silent misreads), each pinned by a test."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import reader_codes
from formbuilder import Row, seed_spec, write_form, write_workbook

from processor import check_file, check_paths
from processor.core.model import Status, ValueKind


@pytest.mark.parametrize("keep", [512, 2048, 4096, 7000, 9000])
def test_truncated_xls_is_rejected_not_fatal(tmp_path: Path, fixtures: Path, keep: int) -> None:
    data = (fixtures / "seed.xls").read_bytes()
    cut = tmp_path / "cut.xls"
    cut.write_bytes(data[:keep])
    result = check_file(cut)
    assert result.status is Status.REJECTED
    assert [f.code for f in result.findings] == ["file-damaged"]


def test_one_bad_file_never_stops_the_batch(tmp_path: Path, fixtures: Path) -> None:
    (tmp_path / "a_cut.xls").write_bytes((fixtures / "seed.xls").read_bytes()[:7000])
    write_workbook(tmp_path / "b_good.xlsx", [("自评表", seed_spec())])
    report = check_paths([tmp_path])
    assert [(Path(f.path).name, f.status) for f in report.files] == [
        ("a_cut.xls", Status.REJECTED), ("b_good.xlsx", Status.ACCEPTED)]


def test_funds_header_shifted_left_is_a_finding(tmp_path: Path) -> None:
    grid = [
        ["项目名称", "某项目"], ["主管部门", "某局"],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 100, 100, 100, 10, "100%", 10],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        [None, "产出指标", "数量指标", "培训人次", "≥100人次", "120人次", 90, 90],
        ["总分", None, None, None, None, None, 100, 100],
    ]
    result = check_file(write_workbook(tmp_path / "shift.xlsx", [("表", grid)]))
    assert ("missing-funds-row", "表", "B4") in reader_codes(result)
    assert result.status is Status.RETURNED


def test_wan_yuan_in_the_project_name_does_not_hide_a_yuan_header(tmp_path: Path) -> None:
    spec = seed_spec(name="500万元以下农村公路养护补助", funds_label="项目资金\n（元）",
                     funds={"total": (2000000, 2000000, 1800000, 10, "90%", 9),
                            "current": (2000000, 2000000, 1800000, None, None, None)})
    result = check_file(write_workbook(tmp_path / "y.xlsx", [("表", spec)]))
    f = result.projects[0].funds
    assert (f.annual_budget, f.executed) == (200, 180)
    assert ("money-unit-converted", "表", "D6") in reader_codes(result)


def test_notes_below_a_table_without_total_are_not_indicators(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    end = write_form(book, ws, seed_spec(omit=("total",)))
    ws.merge_range(end, 0, end, 8, "填表人：张三　　联系电话：12345678")
    ws.merge_range(end + 1, 0, end + 1, 8, "注：本表金额单位为万元。")
    write_form(book, ws, seed_spec(title="2020年度项目支出绩效自评表", name="第二个项目", row_offset=end + 3))
    book.close()
    result = check_file(path)
    first, second = result.projects
    assert len(first.indicators) == 10 and len(second.indicators) == 10
    assert second.year == 2020
    assert not [c for c in reader_codes(result) if c[0] == "number-unreadable"]


def test_placeholder_rows_with_filler_marks(tmp_path: Path) -> None:
    lvl = ("效益指标\n\n（40分）\n　", "服务对象满意度指标（10分）")
    rows = [*seed_spec().rows, Row(*lvl, "指标3：", "……", "……", None, None), Row(*lvl, "……", "/", "/", "/", "/"),
            Row(*lvl, "指标2：……", None, None, None, None)]
    result = check_file(write_workbook(tmp_path / "p.xlsx", [("表", seed_spec(rows=rows))]))
    assert len(result.projects[0].indicators) == 10
    assert reader_codes(result) == [("placeholder-row-skipped", "表", f"D{r}") for r in (23, 24, 25)]


def test_formula_scores_without_results_are_reported(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "f.xlsx", [("表", seed_spec())])
    book = openpyxl.load_workbook(path)
    book["表"]["H13"] = "=G13"
    book.save(path)
    result = check_file(path)
    assert ("missing-score", "表", "H13") in reader_codes(result)
    assert result.status is Status.RETURNED
    assert "保存一次" in next(f.hint for f in result.findings if f.code == "missing-score")


@pytest.mark.parametrize("grade", ["自评等级：优秀", "评价等级:优"])
def test_grade_written_in_one_cell(tmp_path: Path, grade: str) -> None:
    result = check_file(write_workbook(tmp_path / "g.xlsx", [("表", seed_spec(grade=grade))]))
    assert result.projects[0].declared_grade in ("优秀", "优")
    assert result.projects[0].cells["grade"] == "I23"


def test_hidden_sheet_with_an_old_form_is_not_a_second_project(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path))
    write_form(book, book.add_worksheet("2021"), seed_spec())
    old = book.add_worksheet("2020模板")
    write_form(book, old, seed_spec(title="2020年度项目支出绩效自评表"))
    old.hide()
    book.close()
    result = check_file(path)
    assert [p.sheet for p in result.projects] == ["2021"]
    assert ("hidden-form-skipped", "2020模板", "") in reader_codes(result)


def test_split_target_percent_formatted_value(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    pct = book.add_format({"num_format": "0%"})
    for r, line in enumerate([
        ["项目名称", "学生资助"], ["主管部门", "市教育局"],
        ["项目资金（万元）", None, "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 50, 50, 10, 1.0, 10],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", None, None, "实际完成值", "分值", "得分"],
        [None, None, None, None, "指标性质", "指标值", "度量单位"],
    ]):
        for c, v in enumerate(line):
            if v is not None:
                ws.write(r, c, v)
    ws.write_row(6, 1, ["满意度指标", "服务对象满意度指标", "学生满意度", "≥"])
    ws.write(6, 5, 0.95, pct)
    ws.write(6, 6, "%")
    ws.write(6, 7, 0.97, pct)
    ws.write_row(6, 8, [90, 90])
    book.close()
    (ind,) = check_file(path).projects[0].indicators
    assert (ind.target.op, ind.target.value, ind.target.kind) == (">=", 95, ValueKind.PERCENT)
    assert (ind.actual.value, ind.actual.kind) == (97, ValueKind.PERCENT)


def test_dash_marks_in_part_rows_mean_none(tmp_path: Path) -> None:
    spec = seed_spec()
    spec.funds["carryover"] = ("—", "—", "—", "—", "—", "—")
    spec.funds["other"] = ("/", "/", "/", None, None, None)
    result = check_file(write_workbook(tmp_path / "d.xlsx", [("表", spec)]))
    assert reader_codes(result) == []


def test_filing_date_is_not_the_evaluated_year(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "市民政局_2021年度_自评表.xlsx", [("表", seed_spec(
        annex="填报日期：2022年3月10日", title="项目支出绩效自评表"))])
    assert check_file(path).projects[0].year == 2021


def test_missing_labels_still_name_a_cell(tmp_path: Path) -> None:
    grid = [
        ["2021年度项目支出绩效自评表"],
        ["项目资金（万元）", None, "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 100, 100, 10, "100%", 10],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        [None, "产出指标", "数量指标", "培训人次", "≥100人次", "120人次", 90, 90],
        ["总分", None, None, None, None, None, 100, 100],
    ]
    result = check_file(write_workbook(tmp_path / "nolabels.xlsx", [("表", grid)]))
    assert reader_codes(result) == [("missing-project-name", "表", "A2"), ("missing-department", "表", "A2")]


def test_total_weight_in_a_merged_cell(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    write_form(book, ws, seed_spec(omit=("total",)))
    ws.merge_range(22, 0, 22, 4, "总分")
    ws.merge_range(22, 5, 22, 6, 100)  # F:G, the 分值 header is in G
    ws.merge_range(22, 7, 22, 8, "99分")
    book.close()
    p = check_file(path).projects[0]
    assert (p.weight_total, p.self_total, p.cells["total"]) == (100, 99, "H23")
