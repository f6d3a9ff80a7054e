"""The summary's finish (issue 15, "Sheets"): formats, 合计 rows, titles and footers, the problems-by-rule table,
the sorted execution rates, file names beside full paths, and 问题清单 links that open the finding's cell.

Everything is read back from the files: values with calamine, formats, footers and links with openpyxl, charts
from their XML; every expected figure is computed here from the JSON report (processor.report.to_dict).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from formbuilder import clean_spec, write_workbook
from layoutforms import weights_256
from python_calamine import CalamineWorkbook

from processor.core.findings import CATALOGUE
from processor.report import to_dict
from processor.run import RunResult, run
from processor.write.summary import HEAD

DAY = dt.date(2026, 11, 27)
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "inbox"
FOOTER = "第 &P 页 共 &N 页"
UNIT_LINE = "单位：万元　制表日期：2026-11-27"
SCORE, MONEY, RATE = "0.00", "#,##0.00", "0.0%"
OVERSPENT = {"total": (100, 100, 105, 10, "105%", 10), "current": (100, 100, 105, None, None, None),
             "carryover": (0, 0, 0, None, None, None), "other": (0, 0, 0, None, None, None)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunResult]:
    """The samples, plus a form that cannot be graded (分值 add to 256, with a budget) and a department that
    spent 105% of its budget."""
    base = tmp_path_factory.mktemp("finish")
    inbox = base / "inbox"
    shutil.copytree(SAMPLES, inbox)
    weights_256(inbox / "邵东市教育局_自评表.xlsx")
    write_workbook(inbox / "县超支局_自评表.xlsx", [("自评表", clean_spec(name="超支项目", department="县超支局",
                                                                     funds=OVERSPENT))])
    return {"one": run(inbox, base / "one", date=DAY, feedback=False, split="none"),
            "split": run(inbox, base / "split", date=DAY, feedback=False, split="department")}


@pytest.fixture(scope="module")
def one(runs: dict[str, RunResult]) -> RunResult:
    return runs["one"]


def rows_of(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def table(path: Path, sheet: str) -> tuple[dict[str, int], list[list[Any]], list[list[Any]]]:
    """Columns by header, the table's rows, and the rows below the blank row that ends it (the 合计)."""
    rows = rows_of(path, sheet)
    body: list[list[Any]] = []
    for row in rows[HEAD + 1:]:
        if all(v == "" for v in row):
            break
        body.append(row)
    return {h: i for i, h in enumerate(rows[HEAD])}, body, rows[HEAD + 2 + len(body):]


def projects_of(result: RunResult) -> list[dict[str, Any]]:
    return [{**p, "path": f["path"]} for f in to_dict(result.report)["files"] for p in f["projects"]]


def department_of(p: dict[str, Any]) -> str:
    return p["department"] or "（未填主管部门）"


def rate_of(p: dict[str, Any]) -> float | None:
    budget, executed = p["funds"]["annual_budget"], p["funds"]["executed"]
    return executed / budget if budget and executed is not None else None


def expected_totals(projects: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums; Σ执行数 ÷ Σ全年预算数 over projects with a rate; weighted and plain means of graded projects."""
    def money(key: str) -> float | None:
        values = [p["funds"][key] for p in projects if p["funds"][key] is not None]
        return round(sum(values), 2) if values else None

    rated = [p for p in projects if rate_of(p) is not None]
    graded = [p for p in projects if p["computed_grade"] is not None]
    weighted = [p for p in graded if (p["funds"]["annual_budget"] or 0) > 0]
    budget = sum(p["funds"]["annual_budget"] for p in weighted)

    def wmean(key: str) -> float:
        return round(sum(p[key] * p["funds"]["annual_budget"] for p in weighted) / budget, 2)

    def mean(key: str) -> float:
        return round(sum(p[key] for p in graded) / len(graded), 2)

    return {"projects": len(projects), "initial_budget": money("initial_budget"),
            "annual_budget": money("annual_budget"), "executed": money("executed"),
            "rate": sum(p["funds"]["executed"] for p in rated) / sum(p["funds"]["annual_budget"] for p in rated),
            "self_weighted": wmean("self_total"), "computed_weighted": wmean("computed_total"),
            "self_mean": mean("self_total"), "computed_mean": mean("computed_total")}


def test_the_fixture_has_an_ungraded_project_with_money_and_a_rate_above_100(one: RunResult) -> None:
    projects = projects_of(one)
    assert any(p["computed_grade"] is None and p["funds"]["annual_budget"] for p in projects)
    assert max(r for p in projects if (r := rate_of(p)) is not None) == pytest.approx(1.05)


def test_project_totals_equal_the_json_report(one: RunResult) -> None:
    col, body, totals = table(one.summary, "项目汇总")
    projects = projects_of(one)
    want = expected_totals(projects)
    assert len(body) == len(projects) and len(totals) == 2
    total, plain = totals
    assert (total[col["序号"]], total[col["主管部门"]]) == ("合计", f"{len(projects)} 个项目")
    assert total[col["年初预算数"]] == pytest.approx(want["initial_budget"])
    assert total[col["全年预算数"]] == pytest.approx(want["annual_budget"])
    assert total[col["全年执行数"]] == pytest.approx(want["executed"])
    assert total[col["执行率"]] == pytest.approx(want["rate"])
    assert total[col["自评得分"]] == want["self_weighted"] and total[col["复核得分"]] == want["computed_weighted"]
    assert total[col["差异（复核−自评）"]] == round(want["computed_weighted"] - want["self_weighted"], 2)
    findings = [x for f in to_dict(one.report)["files"] for x in f["findings"] if x["project"] is not None]
    assert total[col["错误"]] == sum(x["severity"] == "error" for x in findings)
    assert total[col["警告"]] == sum(x["severity"] == "warning" for x in findings)
    assert plain[col["序号"]] == "平均"
    assert plain[col["自评得分"]] == want["self_mean"] and plain[col["复核得分"]] == want["computed_mean"]
    assert plain[col["全年预算数"]] == ""  # money is summed once, in 合计
    # the ungraded project's money counts in the sums and the rate, its 266 points in no mean
    assert want["self_mean"] < 100


def test_department_totals_equal_the_json_report(one: RunResult) -> None:
    col, body, totals = table(one.summary, "部门汇总")
    projects = projects_of(one)
    want = expected_totals(projects)
    (total,) = totals
    assert total[col["主管部门"]] == "合计" and total[col["项目数"]] == len(projects) == sum(r[col["项目数"]] for r in body)
    for key, header in (("initial_budget", "年初预算数"), ("annual_budget", "全年预算数"), ("executed", "全年执行数"),
                        ("rate", "执行率（资金加权）")):
        assert total[col[header]] == pytest.approx(want[key]), header
    for key, header in (("self_mean", "自评得分平均"), ("computed_mean", "复核得分平均"),
                        ("self_weighted", "自评得分（资金加权）"), ("computed_weighted", "复核得分（资金加权）")):
        assert total[col[header]] == want[key], header
    for grade in ("优", "良", "中", "差", "未评级"):
        counted = sum((p["computed_grade"] or "未评级") == grade for p in projects)
        assert total[col[f"复核{grade}"]] == counted == sum(r[col[f"复核{grade}"]] for r in body)
    # the same figures as 总览
    overview = {r[0]: r[1] for r in rows_of(one.summary, "总览") if r and isinstance(r[0], str)}
    assert overview["复核得分（资金加权平均）"] == want["computed_weighted"]
    assert overview["自评得分平均（不含未评级项目，下同）"] == want["self_mean"]


def test_totals_are_values_outside_the_filter_and_inside_the_print_area(one: RunResult) -> None:
    book = openpyxl.load_workbook(one.summary)
    for sheet, n in (("项目汇总", len(one.aggregate.projects)), ("部门汇总", len(one.aggregate.departments))):
        ws = book[sheet]
        first_total = HEAD + 1 + n + 2  # 1-based: the header, n rows, a blank row
        assert ws.cell(first_total, 1).value == "合计"
        assert ws.auto_filter.ref.endswith(str(HEAD + 1 + n))
        assert ws.auto_filter.ref.startswith(f"A{HEAD + 1}:")
        assert all(c.value is None for c in ws[HEAD + 2 + n])
        assert not any(c.data_type == "f" for row in ws.iter_rows(min_row=first_total) for c in row)
        assert ws.freeze_panes == f"A{HEAD + 2}"
        assert ws.print_title_rows == f"${HEAD + 1}:${HEAD + 1}"
        area = ws.print_area if isinstance(ws.print_area, str) else ",".join(ws.print_area)
        last = int(re.findall(r"\$(\d+)$", area)[0]) if area else ws.max_row
        assert last >= ws.max_row, (sheet, area)
    # conditional formats colour the projects, never the 合计
    ws = book["项目汇总"]
    n = len(one.aggregate.projects)
    for cf in ws.conditional_formatting:
        assert str(cf.sqref).endswith(str(HEAD + 1 + n)) and re.search(rf"[A-Z]{HEAD + 2}:", str(cf.sqref))


def test_titles_unit_lines_and_footers_on_every_table_sheet(runs: dict[str, RunResult]) -> None:
    one, split = runs["one"], runs["split"]
    book = openpyxl.load_workbook(one.summary)
    titles = {"项目汇总": "项目支出绩效自评项目汇总（2021年度）", "部门汇总": "项目支出绩效自评部门汇总（2021年度）",
              "问题清单": "项目支出绩效自评问题清单（2021年度）", "退回与拒收": "项目支出绩效自评退回与拒收的文件（2021年度）",
              "目录": "项目支出绩效自评目录（2021年度）"}
    for sheet, title in titles.items():
        rows = rows_of(one.summary, sheet)
        assert rows[0][0] == title and rows[1][0] == UNIT_LINE, sheet
        assert book[sheet].oddFooter.center.text == FOOTER, sheet
        assert book[sheet].freeze_panes == f"A{HEAD + 2}", sheet
    overview = rows_of(one.summary, "总览")
    assert overview[1][0] == UNIT_LINE and book["总览"].oddFooter.center.text == FOOTER
    assert book[one.sheets[0]].oddFooter.center.text == FOOTER
    books = sorted((split.summary.parent / (split.summary.stem + "_分部门")).glob("*.xlsx"))
    assert books
    for path in books:
        ws = openpyxl.load_workbook(path)["项目汇总"]
        assert ws["A1"].value == f"项目支出绩效自评项目汇总（{path.name[4:-5]}，2021年度）" and ws["A2"].value == UNIT_LINE
        assert ws.oddFooter.center.text == FOOTER and ws.freeze_panes == f"A{HEAD + 2}"
    # 目录 of the split summary, too
    assert openpyxl.load_workbook(split.summary)["目录"].oddFooter.center.text == FOOTER


def formats(ws: Any, header_row: int, headers: list[str], rows: range) -> dict[str, set[str]]:
    col = {c.value: c.column for c in ws[header_row]}
    return {h: {ws.cell(r, col[h]).number_format for r in rows if ws.cell(r, col[h]).value is not None}
            for h in headers}


def test_number_formats_in_every_sheet(runs: dict[str, RunResult]) -> None:
    one, split = runs["one"], runs["split"]
    book = openpyxl.load_workbook(one.summary)
    n = len(one.aggregate.projects)
    kinds = {"年初预算数": MONEY, "全年预算数": MONEY, "全年执行数": MONEY, "执行率": RATE, "自评得分": SCORE,
             "复核得分": SCORE, "差异（复核−自评）": SCORE}
    got = formats(book["项目汇总"], HEAD + 1, list(kinds), range(HEAD + 2, HEAD + 2 + n + 3))  # rows and 合计
    assert got == {h: {f} for h, f in kinds.items()}
    d = len(one.aggregate.departments)
    kinds = {"年初预算数": MONEY, "全年执行数": MONEY, "执行率（资金加权）": RATE, "自评得分平均": SCORE,
             "复核得分平均": SCORE, "自评得分（资金加权）": SCORE, "复核得分（资金加权）": SCORE}
    got = formats(book["部门汇总"], HEAD + 1, list(kinds), range(HEAD + 2, HEAD + 2 + d + 2))
    assert got == {h: {f} for h, f in kinds.items()}
    got = formats(book["目录"], HEAD + 1, ["自评得分", "复核得分"], range(HEAD + 2, HEAD + 2 + n))
    assert got == {"自评得分": {SCORE}, "复核得分": {SCORE}}
    overview = {row[0].value: row[1].number_format for row in book["总览"].iter_rows(min_row=4, max_row=20)}
    assert overview["复核得分（资金加权平均）"] == SCORE and overview["自评得分平均（不含未评级项目，下同）"] == SCORE
    assert overview["全年预算数合计（万元）"] == MONEY and overview["执行率（资金加权，16 个有预算和执行数的项目）"] == RATE
    # a project sheet: 总分 row and an indicator row (scores, 差异), the funds row (money, rates)
    ws = book[one.sheets[0]]
    total_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "总分")
    assert {ws.cell(total_row, c).number_format for c in (7, 8, 9, 10)} == {SCORE}
    assert {ws.cell(13, c).number_format for c in (7, 8, 9, 10)} == {SCORE}
    assert {ws.cell(6, c).number_format for c in (4, 5, 6)} == {MONEY}
    assert {ws.cell(6, c).number_format for c in (8, 9)} == {RATE}
    # a department workbook: its 项目汇总 and its project sheets
    path = sorted((split.summary.parent / (split.summary.stem + "_分部门")).glob("*.xlsx"))[0]
    dept = openpyxl.load_workbook(path)
    rows = range(HEAD + 2, dept["项目汇总"].max_row + 1)
    assert formats(dept["项目汇总"], HEAD + 1, ["全年预算数", "执行率", "复核得分"], rows) == {
        "全年预算数": {MONEY}, "执行率": {RATE}, "复核得分": {SCORE}}
    sheet = dept[dept.sheetnames[1]]
    total_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "总分")
    assert {sheet.cell(total_row, c).number_format for c in (7, 8, 9, 10)} == {SCORE}


def test_tables_show_file_names_and_the_path_last(one: RunResult) -> None:
    for sheet, name_col in (("项目汇总", "来源文件"), ("问题清单", "来源文件"), ("退回与拒收", "来源文件")):
        col, body, _ = table(one.summary, sheet)
        assert list(col)[-1] == "完整路径", sheet
        assert body and all(r[col[name_col]] == Path(r[col["完整路径"]]).name for r in body), sheet
        assert all("/" not in r[col[name_col]] and "\\" not in r[col[name_col]] for r in body), sheet


def test_problems_by_rule_top_10(one: RunResult) -> None:
    findings = [(f["path"], x) for f in to_dict(one.report)["files"] for x in f["findings"]
                if x["severity"] in ("error", "warning")]
    counts = Counter(x["code"] for _, x in findings)
    projects = {code: len({(p, x["project"]) for p, x in findings if x["code"] == code and x["project"] is not None})
                for code in counts}
    ranked = sorted(counts, key=lambda c: (-counts[c], -projects[c], c))[:10]
    rows = rows_of(one.summary, "总览")
    head = next(i for i, r in enumerate(rows) if r[:4] == ["问题类别", "代码", "问题条数", "涉及项目数"])
    table_ = [r[:4] for r in rows[head + 1:head + 1 + len(ranked)]]
    assert table_ == [[CATALOGUE[c].title, c, counts[c], projects[c]] for c in ranked]
    assert len(counts) > 10 and len(ranked) == 10  # the samples have more rules than the top ten
    after = rows[head + 1 + len(ranked):]
    assert not after or after[0][:4] == ["", "", "", ""]  # ten rows, no more
    assert all(re.search(r"[\u4e00-\u9fff]", r[0]) for r in table_)  # Chinese titles, not codes
    # the bar chart draws that table: its categories are the titles, its values the counts
    chart = chart_xml(one.summary, "问题最多的规则")
    assert '<c:barDir val="bar"/>' in chart
    first, last = head + 2, head + 1 + len(ranked)
    assert f"<c:f>总览!$A${first}:$A${last}</c:f>" in chart and f"<c:f>总览!$C${first}:$C${last}</c:f>" in chart


def chart_xml(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    (chart,) = [c for c in charts if title in c]
    return chart


def cells_of(path: Path, sheet: str, ref: str) -> list[Any]:
    """The values of a range like 总览!$AA$2:$AA$12, read back with calamine."""
    m = re.fullmatch(r"\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ref)
    assert m
    col = openpyxl.utils.column_index_from_string(m.group(1)) - 1
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [rows[r][col] for r in range(int(m.group(2)) - 1, int(m.group(4)))]


def test_execution_rates_sorted_with_a_90_line_and_the_axis_past_100(one: RunResult) -> None:
    by_department: dict[str, list[dict[str, Any]]] = {}
    for p in projects_of(one):
        if rate_of(p) is not None:
            by_department.setdefault(department_of(p), []).append(p)
    rates = {d: sum(p["funds"]["executed"] for p in ps) / sum(p["funds"]["annual_budget"] for p in ps)
             for d, ps in by_department.items()}
    order = sorted(rates, key=lambda d: (-rates[d], d))
    chart = chart_xml(one.summary, "各主管部门预算执行率")
    refs = re.findall(r"<c:f>总览!(\$[A-Z]+\$\d+:\$[A-Z]+\$\d+)</c:f>", chart)
    names, values, line = cells_of(one.summary, "总览", refs[0]), cells_of(one.summary, "总览", refs[1]), refs[-1]
    assert names == order and values == pytest.approx([rates[d] for d in order])
    assert values == sorted(values, reverse=True) and names[0] == "县超支局"
    assert "<c:lineChart>" in chart and cells_of(one.summary, "总览", line) == [0.9] * len(order)
    highest = max(rates.values())
    assert highest > 1
    top = float(re.findall(r'<c:max val="([\d.]+)"/>', chart)[0])
    assert top >= max(1.0, highest) and top == math.ceil(highest * 10) / 10  # 105% → the axis runs to 110%
    # the chart's data is off the printed page
    area = openpyxl.load_workbook(one.summary)["总览"].print_area
    last_col = re.findall(r":\$([A-Z]+)\$", area if isinstance(area, str) else area[0])[0]
    assert openpyxl.utils.column_index_from_string(last_col) < openpyxl.utils.column_index_from_string(
        re.findall(r"\$([A-Z]+)\$", refs[0])[0])


def test_the_rate_axis_stops_at_100_when_no_rate_is_above(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])  # 95%
    result = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    assert re.findall(r'<c:max val="([\d.]+)"/>', chart_xml(result.summary, "各主管部门预算执行率")) == ["1.0"]


def link_target(link: Any) -> tuple[str, str]:
    sheet, cell = link.location.rsplit("!", 1)
    return sheet[1:-1].replace("''", "'"), cell


def same(shown: Any, value: str) -> bool:
    """The re-laid cell shows the finding's value: the same text, or the same number."""
    if isinstance(shown, str):
        return shown == value
    try:
        return float(value.replace(",", "")) == pytest.approx(shown)
    except ValueError:
        return False


def test_findings_links_open_the_findings_cell(one: RunResult) -> None:
    book = openpyxl.load_workbook(one.summary)
    ws = book["问题清单"]
    header = [c.value for c in ws[HEAD + 1]]
    col = {h: header.index(h) + 1 for h in header}
    assert header[:3] == ["级别", "问题类别", "代码"] and "原表单元格" in header and "单元格" not in header
    findings = {(f["path"], x["sheet"], x["cell"], x["code"]): x for f in to_dict(one.report)["files"]
                for x in f["findings"]}
    sheet_of = {(str(r["path"]), r["name"]): name for r, name in
                zip(one.aggregate.projects.to_dict("records"), one.sheets, strict=True)}
    on_form = in_list = compared = 0
    for r in range(HEAD + 2, ws.max_row + 1):
        code, path, cell = ws.cell(r, col["代码"]).value, ws.cell(r, col["完整路径"]).value, ws.cell(r, col["原表单元格"]).value
        assert ws.cell(r, col["问题类别"]).value == CATALOGUE[code].title
        x = findings[(path, ws.cell(r, col["工作表"]).value or "", cell or "", code)]
        link = ws.cell(r, col["查看"]).hyperlink
        if x["project"] is None:
            assert link is None
            continue
        sheet, target = link_target(link)
        assert sheet == sheet_of[(path, ws.cell(r, col["项目名称"]).value)]
        shown = book[sheet][target]
        if target.startswith("A") and book[sheet].cell(shown.row, 3).value == code:  # its line in 本表问题
            in_list += 1
            continue
        on_form += 1
        if x["value"] and code not in ("money-unit-converted", "group-weight-mismatch", "weights-off-profile", "weights-not-100",
                                       "low-execution-unexplained"):  # their value is a figure, not the cell's text
            assert same(shown.value, x["value"]), (code, sheet, target, shown.value, x["value"])
            compared += 1
    assert on_form >= 25 and compared >= 20
    # the inflated score of 学生资助补助经费: H13 in the department's file, H13 of our sheet
    row = next(r for r in range(HEAD + 2, ws.max_row + 1) if ws.cell(r, col["代码"]).value == "score-inflated"
               and ws.cell(r, col["项目名称"]).value == "学生资助补助经费")
    sheet, target = link_target(ws.cell(row, col["查看"]).hyperlink)
    assert target == "H13" and book[sheet]["H13"].value == 5 and book[sheet]["H13"].comment is not None


def test_a_finding_with_no_place_on_the_form_opens_its_line_in_the_list(tmp_path: Path) -> None:
    from formbuilder import Row, clean_rows

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    placeholder = Row("产出指标", "数量指标", "指标1：", None, None, None, None)  # skipped: no place on the form
    write_workbook(inbox / "a.xlsx", [("表", clean_spec(rows=[placeholder, *clean_rows(r0={"actual": "8个"})]))])
    result = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    book = openpyxl.load_workbook(result.summary)
    ws = book["问题清单"]
    header = [c.value for c in ws[HEAD + 1]]
    targets = {ws.cell(r, header.index("代码") + 1).value: link_target(ws.cell(r, header.index("查看") + 1).hyperlink)
               for r in range(HEAD + 2, ws.max_row + 1)}
    sheet, cell = targets["placeholder-row-skipped"]
    assert cell.startswith("A") and book[sheet].cell(int(cell[1:]), 3).value == "placeholder-row-skipped"
    assert targets["score-inflated"] == (sheet, "H13")  # the department's H14: one row up on our form


def test_split_links_open_the_same_cells_in_the_department_workbooks(runs: dict[str, RunResult]) -> None:
    one, split = runs["one"], runs["split"]

    def targets(result: RunResult) -> list[tuple[str, str, str]]:
        ws = openpyxl.load_workbook(result.summary)["问题清单"]
        header = [c.value for c in ws[HEAD + 1]]
        out = []
        for r in range(HEAD + 2, ws.max_row + 1):
            link = ws.cell(r, header.index("查看") + 1).hyperlink
            if link is not None:
                sheet, cell = link_target(link)
                out.append(((link.target or "").replace("\\", "/"), sheet, cell))
        return out

    single, parts = targets(one), targets(split)
    # the same project's sheet (split, numbered within its department: P001 …) and the same cell
    assert [(s.split(" ", 1)[1], c) for _, s, c in single] == [(s.split(" ", 1)[1], c) for _, s, c in parts] and single
    folder = split.summary.parent
    for file, sheet, _ in parts[:12]:
        assert file.startswith(split.summary.stem + "_分部门/")
        assert sheet in openpyxl.load_workbook(folder / file, read_only=True).sheetnames
    # a project sheet's back link returns to its row of the department's 项目汇总
    path = sorted((folder / (split.summary.stem + "_分部门")).glob("*.xlsx"))[0]
    book = openpyxl.load_workbook(path)
    for i, name in enumerate(book.sheetnames[1:]):
        assert book[name]["A2"].hyperlink.location == f"'项目汇总'!A{HEAD + 2 + i}"
        assert book["项目汇总"].cell(HEAD + 2 + i, 4).value in (book[name]["B3"].value, "（未填项目名称）")
