"""The re-laid project sheet: values read back where the layout puts them, findings marked on their cells.

Forms are `clean_spec()` with one thing changed, so every figure below is known. The re-laid sheet has
the same rows as the builder's form (the builder's 附件 + title rows are our title + link rows):
title 1, link/source 2, 项目名称 3, 主管部门 4, 资金 header 5, 年度资金总额 6, parts 7–9, goals 10–11,
indicator header 12, indicators 13–21, 总分 22, 等级 23, blank 24, 本表问题 25, its header 26, findings 27…
Columns: A 栏目 B 一级 C 二级 D 三级 E 指标值 F 完成值 G 分值 H 自评 I 复核 J 差异 K 方法 L 原因; funds use
D 年初 E 全年预算 F 执行 G 分值 H 执行率自评 I 执行率复核 J 得分自评 K 得分复核.
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter
from formbuilder import FormSpec, Row, clean_rows, clean_spec, seed_spec, write_workbook
from python_calamine import CalamineWorkbook

from processor import check_file
from processor.core.findings import note_text
from processor.core.model import FileResult, Finding, Severity
from processor.write.projectsheet import placed, write_project_sheet, write_project_sheets
from processor.write.styles import AMBER_FILL, RED_FILL, make_styles

SHEET = "项目1"


def check(tmp_path: Path, spec: FormSpec) -> FileResult:
    return check_file(write_workbook(tmp_path / "form.xlsx", [("表", spec)]))


def relay(tmp_path: Path, result: FileResult, name: str = "out.xlsx") -> Path:
    out = tmp_path / name
    book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": dt.datetime(2022, 1, 15)})
    styles = make_styles(book)
    book.add_worksheet("项目汇总")
    write_project_sheet(book, SHEET, result, 0, styles)
    book.close()
    return out


def grid(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python(skip_empty_area=False)


def fill(ws: Any, cell: str) -> str:
    return str(ws[cell].fill.fgColor.rgb)[-6:] if ws[cell].fill.fill_type == "solid" else ""


def commented(ws: Any) -> dict[str, str]:
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


@pytest.fixture
def inflated(tmp_path: Path) -> tuple[FileResult, Path]:
    """The first indicator misses ≥10个 with 8个 yet scores 10/10: score-inflated at H13."""
    result = check(tmp_path, clean_spec(rows=clean_rows(r0={"actual": "8个"})))
    assert [(f.code, f.cell) for f in result.findings] == [("score-inflated", "H13")]
    return result, relay(tmp_path, result)


def test_head_and_funds_read_back(inflated: tuple[FileResult, Path]) -> None:
    result, out = inflated
    g = grid(out)
    assert g[0][0] == "项目支出绩效自评表（复核）（2021年度）"
    assert g[1][0] == "← 返回项目汇总"
    assert g[1][2] == f"来源：{result.path} / 工作表 表 / 评分规则 中央2020版 / 状态 退回修改"
    assert (g[2][0], g[2][1]) == ("项目名称", "社区综合服务站建设经费")
    assert (g[3][0], g[3][1], g[3][4], g[3][5]) == ("主管部门", "市民政局", "实施单位", "基层政权建设科")
    assert g[4][3:11] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率\n（自评）", "执行率\n（复核）",
                          "得分\n（自评）", "得分\n（复核）"]
    assert g[5][1] == "年度资金总额" and g[5][3:8] == [100, 100, 95, 10, 0.95]
    assert g[5][8] == pytest.approx(0.95) and (g[5][9], g[5][10]) == (9.5, 9.5)
    assert [(r[1], r[3:6]) for r in g[6:9]] == [
        ("其中：当年财政拨款", [80, 80, 76]), ("上年结转资金", [20, 20, 19]), ("其他资金", [0, 0, 0])]
    assert (g[9][0], g[9][1], g[9][6]) == ("年度总体目标", "预期目标", "实际完成情况")
    assert g[10][1] == "新建社区综合服务站10个，培训社区工作人员500人次。"
    assert g[10][6] == "建成社区综合服务站11个，培训560人次，居民满意度95%。"


def test_indicators_totals_and_grades_read_back(inflated: tuple[FileResult, Path]) -> None:
    _, out = inflated
    g = grid(out)
    assert g[11][:5] == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值"]
    assert g[12][1:11] == ["产出指标", "数量指标", "指标1：新建社区服务站数量", "≥10个", "8个", 10, 10, 8, -2, "正向"]
    assert (g[13][1], g[13][2]) == ("", "")  # merged under 产出指标 / 数量指标, as on the paper form
    assert [r[1] for r in g[12:21]] == ["产出指标", "", "", "", "", "效益指标", "", "", "满意度指标"]
    assert [r[2] for r in g[12:21]] == ["数量指标", "", "质量指标", "时效指标", "成本指标", "社会效益指标", "",
                                        "可持续影响指标", "服务对象满意度指标"]
    assert [r[7] for r in g[12:21]] == [10] * 9
    assert [r[8] for r in g[12:21]] == [8] + [10] * 8
    assert [r[10] for r in g[12:21]] == ["正向", "正向", "正向", "时间", "反向", "正向", "定性", "正向", "正向"]
    assert g[14][4:6] == ["100%", "100%"] and g[15][4:6] == ["2021年12月", "2021年11月"]
    assert (g[21][0], g[21][6], g[21][7], g[21][8], g[21][9]) == ("总分", 100, 99.5, 97.5, -2)
    assert g[22][0].startswith("等级") and g[22][6:9] == ["优", "优", "优"]


def test_findings_list(inflated: tuple[FileResult, Path]) -> None:
    result, out = inflated
    g = grid(out)
    (f,) = result.findings
    assert g[23] == [""] * 12
    assert g[24][0] == "本表问题（共 1 条：错误 1）"
    assert [g[25][c] for c in (0, 1, 2, 3, 4, 8)] == ["级别", "问题类别", "代码", "原表单元格", "问题", "修改建议"]
    assert [g[26][c] for c in (0, 1, 2, 3, 4, 8)] == ["错误", "自评分虚高", "score-inflated", "表!H13", f.message, f.hint]
    assert len(g) == 27


def test_inflated_score_is_red_with_its_comment(inflated: tuple[FileResult, Path]) -> None:
    result, out = inflated
    ws = openpyxl.load_workbook(out)[SHEET]
    assert fill(ws, "H13") == RED_FILL[1:]
    assert ws["H13"].number_format == "0.00" and ws["I13"].number_format == "0.00" and ws["J13"].number_format == "0.00"
    notes = commented(ws)
    assert list(notes) == ["H13"]
    # worded as the 审核意见 copies word it: severity and the rule's Chinese title first
    assert notes["H13"] == note_text(result.findings[0])
    assert notes["H13"].startswith("【错误·自评分虚高】指标“新建社区服务站数量”")
    assert "修改建议：请按评分规则重新打分" in notes["H13"]
    assert fill(ws, "I13") == "" and fill(ws, "H14") == ""
    link = ws["A2"].hyperlink
    assert link is not None and link.location == "'项目汇总'!A1"


def test_page_setup(inflated: tuple[FileResult, Path]) -> None:
    _, out = inflated
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default, left out
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.freeze_panes is None
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.column_dimensions["D"].width >= 30 and ws.column_dimensions["L"].width >= 30
    assert ws.row_dimensions[27].height and ws.row_dimensions[27].height > 20  # the long message wraps


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    # set on the parsed project: the form builder's merged cells would themselves turn "=…" into a formula
    result = check(tmp_path, clean_spec())
    p = result.projects[0]
    first = replace(p.indicators[0], raw_name="=1+1", reason="-因工期顺延")
    p = replace(p, name="=HYPERLINK(\"http://x\")社区服务站", unit="+基层政权建设科", department="@市民政局",
                goal_expected="=A1", indicators=(first, *p.indicators[1:]))
    out = relay(tmp_path, replace(result, projects=(p,)))
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws["B3"].data_type == "s" and ws["B3"].value == "=HYPERLINK(\"http://x\")社区服务站"
    assert (ws["F4"].value, ws["B4"].value, ws["B11"].value) == ("+基层政权建设科", "@市民政局", "=A1")
    assert (ws["D13"].value, ws["L13"].value) == ("=1+1", "-因工期顺延")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert grid(out)[2][1] == "=HYPERLINK(\"http://x\")社区服务站"


def test_cells_follow_the_form_not_the_address(tmp_path: Path) -> None:
    """A skipped placeholder row shifts the department's rows by one; marks follow the indicator."""
    placeholder = Row("产出指标", "数量指标", "指标1：", None, None, None, None)
    result = check(tmp_path, clean_spec(rows=[placeholder, *clean_rows(r0={"actual": "8个"})]))
    codes = [(f.code, f.cell, f.severity) for f in result.findings]
    assert ("score-inflated", "H14", Severity.ERROR) in codes and ("placeholder-row-skipped", "D13", Severity.INFO) in codes
    g = grid(relay(tmp_path, result))
    assert g[12][3] == "指标1：新建社区服务站数量" and g[21][7] == 99.5
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")[SHEET]
    assert fill(ws, "H13") == RED_FILL[1:] and fill(ws, "H14") == "" and fill(ws, "D13") == ""
    assert list(commented(ws)) == ["H13"]  # the info finding is listed, not marked
    listed = [(r[0], r[2], r[3]) for r in g[26:]]
    assert ("提示", "placeholder-row-skipped", "表!D13") in listed and ("错误", "score-inflated", "表!H14") in listed
    # the department's H14 is our H13; its D13 (the skipped row) has no place on the form
    where = placed(result, 0)
    assert where.cell("表", "H14") == "H13" and where.cell("表", "$h$14") == "H13" and where.cell("表", "D13") is None
    assert where.cell("别的表", "H14") is None
    k = [f.code for f in result.findings_of(0)].index("placeholder-row-skipped")
    assert where.target("表", "D13", k) == f"A{27 + k}" and g[26 + k][2] == "placeholder-row-skipped"


def test_warnings_are_amber_on_group_labels_and_errors_red_on_money(tmp_path: Path) -> None:
    # the seed: 产出指标(50分) over indicators worth 60, 效益指标(40分) over 30 → amber 一级 labels B13, B19
    seed = check(tmp_path, seed_spec())
    assert [(f.code, f.cell) for f in seed.findings] == [("score-recomputed", "H21"), ("group-weight-mismatch", "B13"),
                                                        ("group-weight-mismatch", "B19")]
    ws = openpyxl.load_workbook(relay(tmp_path, seed, "seed.xlsx"))[SHEET]
    assert (ws["B13"].value, ws["B19"].value) == ("产出指标", "效益指标")
    assert fill(ws, "B13") == AMBER_FILL[1:] and fill(ws, "B19") == AMBER_FILL[1:] and fill(ws, "C13") != AMBER_FILL[1:]
    assert commented(ws)["B13"].startswith("【警告·指标分值与标注分值不符】")
    # parts summing to 110 against a total of 100, and a 执行率 of 100% for 95 ÷ 100
    funds = {"total": (100, 100, 95, 10, "100%", 9.5), "current": (80, 80, 76, None, None, None),
             "carryover": (30, 30, 19, None, None, None), "other": (None,) * 6}
    bad = check(tmp_path, clean_spec(funds=funds))
    assert {(f.code, f.cell) for f in bad.findings} >= {("funds-sum-mismatch", "C6"), ("funds-sum-mismatch", "D6"),
                                                        ("rate-miscomputed", "G6")}
    ws = openpyxl.load_workbook(relay(tmp_path, bad, "funds.xlsx"))[SHEET]
    assert fill(ws, "D6") == RED_FILL[1:] and ws["D6"].number_format == "#,##0.00" and ws["D6"].value == 100
    assert fill(ws, "E6") == RED_FILL[1:] and fill(ws, "F6") == ""
    assert fill(ws, "H6") == RED_FILL[1:] and ws["H6"].number_format == "0.0%" and ws["H6"].value == 1
    assert ws["I6"].value == pytest.approx(0.95) and fill(ws, "I6") == ""


def test_several_findings_on_one_cell_and_unmapped_ones(tmp_path: Path) -> None:
    result = check(tmp_path, clean_spec(rows=clean_rows(r0={"actual": "8个"})))
    extra = (Finding("reason-missing", Severity.WARNING, "扣分未说明。", "请说明。", "表", "H13", "10", 0),
             Finding("number-unreadable", Severity.WARNING, "无处可标。", "请改。", "表", "Z99", "", 0),
             Finding("no-form", Severity.ERROR, "别的项目。", "无关。", "表", "D13", "", 1))
    result = replace(result, findings=result.findings + extra)
    out = relay(tmp_path, result)
    ws = openpyxl.load_workbook(out)[SHEET]
    notes = commented(ws)
    assert list(notes) == ["H13"] and fill(ws, "H13") == RED_FILL[1:]  # the error wins over the warning
    assert notes["H13"].index("·自评分虚高】") < notes["H13"].index("】扣分未说明。\n修改建议：请说明。")
    g = grid(out)
    assert g[24][0] == "本表问题（共 3 条：错误 1，警告 2）"
    assert [(r[0], r[2], r[3]) for r in g[26:]] == [("错误", "score-inflated", "表!H13"),
                                                    ("警告", "reason-missing", "表!H13"),
                                                    ("警告", "number-unreadable", "表!Z99")]


def test_no_year_no_findings(tmp_path: Path) -> None:
    result = check(tmp_path, clean_spec())
    assert result.findings == ()
    result = replace(result, projects=(replace(result.projects[0], year=None),))
    g = grid(relay(tmp_path, result))
    assert g[0][0] == "项目支出绩效自评表（复核）"
    assert "状态 通过" in g[1][2]
    assert g[24][0] == "本表问题（共 0 条）" and g[26][0] == "无"


def test_same_result_same_bytes(inflated: tuple[FileResult, Path], tmp_path: Path) -> None:
    result, first = inflated
    second = relay(tmp_path, result, "again.xlsx")
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed: .ci/run installs it")
def test_libreoffice_converts_the_sheet(inflated: tuple[FileResult, Path], tmp_path: Path) -> None:
    _, out = inflated
    profile = (tmp_path / "lo-profile").as_uri()  # own profile: a parallel soffice must not lock ours
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path / "pdf"), str(out)], capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "pdf" / "out.pdf"
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, proc.stderr


# --- issue 20: a project sheet writes the cells that show something, and draws the form's grid with one rule

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def written(path: Path) -> dict[str, bool]:
    """The cells the sheet's XML holds (A1 → whether it has a value), read from the file itself: openpyxl
    would make up cells for merged ranges."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("xl/worksheets/sheet2.xml"))  # sheet1 is 项目汇总
    return {c.attrib["r"]: c.find(f"{MAIN}v") is not None for c in root.iter(f"{MAIN}c")}


def test_blank_cells_are_written_only_where_they_show_a_fill(inflated: tuple[FileResult, Path]) -> None:
    _, out = inflated
    cells = written(out)
    ws = openpyxl.load_workbook(out)[SHEET]
    # the back link's A2:B2 lies above the grid rule and keeps its bordered B2; below it, a blank that is written
    # shows a fill (资金's empty header B5:C5), nothing is written for a border alone
    assert cells["B2"] is False and ws["B2"].border.right.style == "thin"
    blanks = sorted(a for a, has_value in cells.items() if not has_value and a != "B2")
    assert all(fill(ws, a) for a in blanks), [a for a in blanks if not fill(ws, a)]
    assert "B5" in blanks and fill(ws, "B5") == "D9E1F2"
    # the merged-over cells (项目名称 B3:L3, 一级 B13:B17) and the parts' empty 分值…得分 cells are not in the file
    assert not {"C3", "L3", "B14", "B17", "A6", "G7", "H7", "K7", "L7", "K22", "L22"} & set(cells)
    # every value is still there, in the cell that shows it
    assert (cells["B3"], cells["D6"], cells["H13"], cells["A25"], cells["E27"]) == (True,) * 5
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B3:L3", "B4:D4", "F4:L4", "A5:A9", "B5:C5", "K6:L6", "K7:L7", "B13:B17", "A22:F22", "A25:L25",
            "E27:H27", "I27:L27"} <= merged


def test_one_rule_draws_the_grid_of_the_form_and_its_findings(inflated: tuple[FileResult, Path]) -> None:
    _, out = inflated
    ws = openpyxl.load_workbook(out)[SHEET]
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    assert len(rules) == 1
    sqref, rule = rules[0]
    # 项目名称 (row 3) to 等级 (23), then 本表问题 (25) to its last finding (27); not the title, link or blank row
    assert sqref == "A3:L23 A25:L27"
    assert rule.type == "expression" and rule.formula == ["1"]  # always true, so every cell of the ranges
    border = rule.dxf.border
    for side in (border.left, border.right, border.top, border.bottom):
        assert side.style == "thin" and side.color.rgb == "FFBFBFBF"
    assert rule.dxf.fill is None and rule.dxf.numFmt is None  # the cells' own fills and number formats show
    # the cells that are written keep their own border too, so the page is the same where the rule is not read
    assert ws["D13"].border.left.style == "thin" and ws["B5"].border.bottom.style == "thin"


def test_a_finding_on_an_empty_cell_keeps_its_fill_and_comment(tmp_path: Path) -> None:
    result = check(tmp_path, clean_spec())
    mark = Finding("weight-missing", Severity.WARNING, "分值未填。", "请填写。", "表", "F7", "", 0)
    result = replace(result, findings=(mark,))
    out = relay(tmp_path, result)
    ws = openpyxl.load_workbook(out)[SHEET]
    cells = written(out)
    # the department's F7 (a fund part's 分值, left empty) is our G7: written blank, amber, with the comment
    assert cells.get("G7") is False and fill(ws, "G7") == AMBER_FILL[1:] and ws["G7"].value is None
    assert commented(ws) == {"G7": note_text(mark)}
    assert "H7" not in cells and "G8" not in cells  # its unmarked neighbours are left to the grid rule
    assert placed(result, 0).cell("表", "F7") == "G7"


def test_the_dry_run_places_what_the_sheet_writes(tmp_path: Path) -> None:
    result = check(tmp_path, clean_spec(rows=clean_rows(r0={"actual": "8个"})))
    book = xlsxwriter.Workbook(str(tmp_path / "p.xlsx"))
    written_places = write_project_sheet(book, SHEET, result, 0, make_styles(book))
    book.close()
    assert placed(result, 0) == written_places and written_places.cells["H13"] == "H13"
    assert written_places.cells["F7"] == "G7" and written_places.first_finding == 26


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(inflated: tuple[FileResult, Path], tmp_path: Path,
                                                 enabled: bool) -> None:
    result, _ = inflated
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        book = xlsxwriter.Workbook(str(tmp_path / "many.xlsx"))
        places = write_project_sheets(book, [("甲", 0, 0), ("乙", 0, 0)], lambda i: result, make_styles(book))
        book.close()
        assert gc.isenabled() is enabled and [p.cells["H13"] for p in places] == ["H13", "H13"]
    finally:
        (gc.enable if was else gc.disable)()
