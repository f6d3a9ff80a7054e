"""The consolidated 汇总表, read back with calamine: every figure equals the JSON report's."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from inbox import build_inbox
from python_calamine import CalamineWorkbook

from processor.report import to_dict
from processor.run import RunResult, run
from processor.write.summary import HEAD

DAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    base = tmp_path_factory.mktemp("summary")
    return run(build_inbox(base / "inbox"), base / "out", date=DAY)


def sheet(result: RunResult, name: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(result.summary)).get_sheet_by_name(name).to_python()


def table(result: RunResult, name: str) -> tuple[dict[str, int], list[list[Any]]]:
    """A table sheet's columns by header and its rows: below the title, the 单位 line and the header, down to the
    blank row above the 合计."""
    rows = sheet(result, name)
    body = []
    for row in rows[HEAD + 1:]:
        if all(v == "" for v in row):
            break
        body.append(row)
    return {h: i for i, h in enumerate(rows[HEAD])}, body


def projects_of(result: RunResult) -> list[dict[str, Any]]:
    return [{**p, "path": f["path"]} for f in to_dict(result.report)["files"] for p in f["projects"]]


def test_file_name_and_sheets(result: RunResult) -> None:
    assert result.summary.name == "绩效自评汇总_2021_2026-11-27.xlsx"
    names = CalamineWorkbook.from_path(str(result.summary)).sheet_names
    assert names[:6] == ["总览", "项目汇总", "部门汇总", "问题清单", "退回与拒收", "目录"]
    assert len(names) == 6 + 7
    for n in names:
        assert len(n) <= 31 and not set(n) & set("[]:*?/\\")
    assert len({n.casefold() for n in names}) == len(names)
    assert not list(result.summary.parent.glob(".selfeval-*"))  # no temporary file left behind


def test_overview_figures_equal_the_report(result: RunResult) -> None:
    files = to_dict(result.report)["files"]
    projects = projects_of(result)
    budget = sum(p["funds"]["annual_budget"] for p in projects)
    executed = sum(p["funds"]["executed"] for p in projects)
    weighted = sum(p["computed_total"] * p["funds"]["annual_budget"] for p in projects) / budget
    expected = {
        "收到文件（不含跳过的临时文件）": 5,
        "　其中：通过": sum(f["status"] == "accepted" for f in files),
        "　　　　退回修改": sum(f["status"] == "returned" for f in files),
        "　　　　拒收": 1, "跳过（非提交文件）": 1, "项目数": 7, "主管部门数": 4,
        "全年预算数合计（万元）": budget, "全年执行数合计（万元）": executed,
        "执行率（资金加权，7 个有预算和执行数的项目）": executed / budget,
        # score means are rounded to 2 decimals where aggregate() makes them
        "自评得分平均（不含未评级项目，下同）": round(sum(p["self_total"] for p in projects) / 7, 2),
        "未评级的项目（不计入得分平均）": 0,
        "复核得分平均": round(sum(p["computed_total"] for p in projects) / 7, 2),
        "复核得分（资金加权平均）": round(weighted, 2),
        "自评分虚高的项目（复核低于自评 0.5 分以上）": 1,
        "年度不是 2021 的项目（含未填年度）": 0,
        "自评得分（资金加权平均）": round(sum(p["self_total"] * p["funds"]["annual_budget"] for p in projects) / budget, 2),
    }
    got = {row[0]: row[1] for row in sheet(result, "总览") if row and isinstance(row[0], str)}
    for label, value in expected.items():
        assert got[label] == pytest.approx(value), label
    grades = {row[0]: (row[1], row[2]) for row in sheet(result, "总览")
              if row and row[0] in ("优", "良", "中", "差", "未评级")}
    assert sum(s for s, _ in grades.values()) == 7 and grades["未评级"] == (0, 0)
    assert grades["优"][1] == sum(p["computed_grade"] == "优" for p in projects)


def test_project_rows_equal_the_report(result: RunResult) -> None:
    col, body = table(result, "项目汇总")
    assert len(body) == 7
    by_name = {r[col["项目名称"]]: r for r in body}
    for p in projects_of(result):
        r = by_name[p["name"]]
        assert r[col["主管部门"]] == p["department"] and r[col["来源文件"]] == Path(p["path"]).name
        assert r[col["完整路径"]] == p["path"] and list(col)[-1] == "完整路径"
        assert r[col["全年预算数"]] == pytest.approx(p["funds"]["annual_budget"])
        assert r[col["全年执行数"]] == pytest.approx(p["funds"]["executed"])
        assert r[col["执行率"]] == pytest.approx(p["funds"]["executed"] / p["funds"]["annual_budget"])
        assert r[col["自评得分"]] == pytest.approx(p["self_total"])
        assert r[col["复核得分"]] == pytest.approx(p["computed_total"])
        assert r[col["差异（复核−自评）"]] == pytest.approx(p["computed_total"] - p["self_total"])
        assert (r[col["自评等级"]], r[col["复核等级"]]) == (p["self_grade"], p["computed_grade"])
    inflated = by_name["学生资助补助经费"]
    assert inflated[col["差异（复核−自评）"]] == pytest.approx(-2.0)
    assert inflated[col["错误"]] == 1
    departments = [r[col["主管部门"]] for r in body]
    assert departments == sorted(departments)


def test_department_rows(result: RunResult) -> None:
    col, body = table(result, "部门汇总")
    got = {r[col["主管部门"]]: r for r in body}
    assert set(got) == {"市委组织部", "市民政局", "市教育局", "市文旅局"}
    civil = [p for p in projects_of(result) if p["department"] == "市民政局"]
    r = got["市民政局"]
    budget = sum(p["funds"]["annual_budget"] for p in civil)
    assert r[col["项目数"]] == 2 and r[col["全年预算数"]] == pytest.approx(budget)
    assert r[col["执行率（资金加权）"]] == pytest.approx(sum(p["funds"]["executed"] for p in civil) / budget)
    assert r[col["复核得分（资金加权）"]] == round(
        sum(p["computed_total"] * p["funds"]["annual_budget"] for p in civil) / budget, 2)
    assert r[col["自评得分平均"]] == round(sum(p["self_total"] for p in civil) / 2, 2)


def test_findings_list_has_every_finding(result: RunResult) -> None:
    col, rows = table(result, "问题清单")
    listed = sorted((r[col["代码"]], r[col["完整路径"]], r[col["原表单元格"]]) for r in rows)
    expected = sorted((x["code"], f["path"], x["cell"]) for f in to_dict(result.report)["files"] for x in f["findings"])
    assert listed == expected
    assert all(r[col["来源文件"]] == Path(r[col["完整路径"]]).name for r in rows)
    assert ("自评分虚高", "score-inflated", "H13") in [(r[col["问题类别"]], r[col["代码"]], r[col["原表单元格"]])
                                                   for r in rows if r[col["项目名称"]] == "学生资助补助经费"]
    assert [r[col["级别"]] for r in rows] == sorted((r[col["级别"]] for r in rows), key=["错误", "警告", "提示"].index)


def test_returned_and_rejected_files(result: RunResult) -> None:
    col, rows = table(result, "退回与拒收")
    got = {r[col["来源文件"]]: r for r in rows}
    assert all(Path(r[col["完整路径"]]).name == name for name, r in got.items())
    assert set(got) == {"市教育局_2021.xlsx", "市文旅局_2021.xlsx", "市卫健委_2021.xlsx"}
    assert got["市卫健委_2021.xlsx"][col["状态"]] == "拒收"
    assert "不是 Excel" in got["市卫健委_2021.xlsx"][col["原因"]]
    assert "H22" in got["市文旅局_2021.xlsx"][col["原因"]] and "总分" in got["市文旅局_2021.xlsx"][col["原因"]]


def test_contents_and_links(result: RunResult) -> None:
    _, contents = table(result, "目录")
    assert [r[0] for r in contents] == list(result.sheets)
    book = openpyxl.load_workbook(result.summary)
    ws = book["项目汇总"]
    col = [c.value for c in ws[HEAD + 1]].index("查看") + 1
    links = [ws.cell(HEAD + 2 + i, col).hyperlink for i in range(len(result.sheets))]
    assert all(link is not None for link in links)
    assert [link.location.split("!")[0].strip("'") for link in links] == list(result.sheets)
    assert ws.cell(HEAD + 2 + len(result.sheets) + 1, 1).value == "合计"  # below a blank row, with no link
    # each project sheet's back link returns to the project's own row
    for i, name in enumerate(result.sheets):
        back = book[name]["A2"].hyperlink
        assert back.location == f"'项目汇总'!A{HEAD + 2 + i}"
        assert ws.cell(HEAD + 2 + i, 1).value == i + 1


def test_text_that_looks_like_a_formula_stays_text(result: RunResult) -> None:
    book = openpyxl.load_workbook(result.summary)
    ws = book["项目汇总"]
    names = [ws.cell(r, 4) for r in range(HEAD + 2, ws.max_row + 1)]
    risky = [c for c in names if str(c.value).startswith("=")]
    assert risky and all(c.data_type == "s" for c in risky)
    sheet_name = next(n for n in result.sheets if "校舍" in n)
    assert not set(sheet_name) & set("[]:*?/\\")


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    inbox = build_inbox(tmp_path / "inbox")
    first = run(inbox, tmp_path / "a", date=DAY).summary.read_bytes()
    second = run(inbox, tmp_path / "b", date=DAY).summary.read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed: .ci/run installs it")
def test_libreoffice_opens_the_summary(result: RunResult, tmp_path: Path) -> None:
    proc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                           str(result.summary)], capture_output=True, text=True, timeout=240)
    pdf = tmp_path / (result.summary.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, proc.stderr
