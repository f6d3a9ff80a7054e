"""Edge cases of the summary found by a second reader: each pinned by a test on real files."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from formbuilder import clean_spec, write_workbook
from python_calamine import CalamineWorkbook

from processor.run import run
from processor.write.sheetnames import internal_link, unique_names
from processor.write.summary import HEAD

DAY = dt.date(2026, 11, 27)


def rows_of(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_department_rate_counts_only_projects_with_both_figures(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])  # 100 → 95
    write_workbook(inbox / "b.xlsx", [("表", clean_spec(name="无预算项目", funds={
        "total": (None, None, 50, 10, None, 10), "current": (None, None, None, None, None, None)}))])
    result = run(inbox, tmp_path / "out", date=DAY)
    rows = rows_of(result.summary, "部门汇总")
    col = {h: i for i, h in enumerate(rows[HEAD])}
    assert rows[HEAD + 1][col["执行率（资金加权）"]] == pytest.approx(0.95)
    assert rows[-1][0] == "合计" and rows[-1][col["执行率（资金加权）"]] == pytest.approx(0.95)
    assert result.aggregate.overview["rate"] == pytest.approx(0.95)
    assert result.aggregate.overview["rate_projects"] == 1


def test_output_folder_inside_the_inbox_is_not_read_back(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])
    first = run(inbox, inbox / "汇总", date=DAY)
    second = run(inbox, inbox / "汇总", date=DAY)
    assert first.aggregate.overview["projects"] == second.aggregate.overview["projects"] == 1
    assert len(second.report.files) == 1


def test_apostrophes_and_long_names_make_valid_sheets_and_links() -> None:
    names = unique_names(["城" * 25 + "'s 项目", "'引号'", "a" * 40, "A" * 40])
    for n in names:
        assert len(n) <= 31 and not n.startswith("'") and not n.endswith("'")
    assert names[2].casefold() != names[3].casefold()
    assert internal_link("P003 '引号") == "internal:'P003 ''引号'!A1"


def test_apostrophe_in_a_project_name_survives_the_run(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec(name="城" * 25 + "'s 项目"))])
    write_workbook(inbox / "b.xlsx", [("表", clean_spec(name="'引号'项目"))])
    result = run(inbox, tmp_path / "out", date=DAY)
    ws = openpyxl.load_workbook(result.summary)["项目汇总"]
    col = [c.value for c in ws[HEAD + 1]].index("查看") + 1
    locations = [ws.cell(r, col).hyperlink.location for r in (HEAD + 2, HEAD + 3)]
    assert all(loc.endswith("'!A1") for loc in locations)
    assert [loc[1:-4].replace("''", "'") for loc in locations] == list(result.sheets)


def test_conditional_formats_skip_blank_cells(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])
    result = run(inbox, tmp_path / "out", date=DAY)
    ws = openpyxl.load_workbook(result.summary)["项目汇总"]
    formulas = [rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules]
    assert formulas and all("ISNUMBER" in f for f in formulas)
    assert any("<0.9" in f for f in formulas) and any("<-0.5" in f for f in formulas)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "processor", "run", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=180)


def test_run_exit_codes(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])
    ok = cli(str(inbox), "--out", str(tmp_path / "out"), "--date", "2026-11-27", "--no-feedback")
    assert ok.returncode == 0 and "汇总表已生成" in ok.stdout
    previous = (tmp_path / "out" / "绩效自评汇总_2021_2026-11-27.xlsx").read_bytes()
    assert cli(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")).returncode == 2
    assert cli(str(inbox), "--date", "27/11/2026").returncode == 2
    # the output folder's path is taken by a file: a usage error saying so (exit 2)
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder", encoding="utf-8")
    failed = cli(str(inbox), "--out", str(blocker), "--no-feedback")
    assert failed.returncode == 2 and "Traceback" not in failed.stderr + failed.stdout
    assert "是一个文件" in failed.stderr
    # the summary's own name is taken by a folder: the write fails, the folder's content is untouched
    taken = tmp_path / "out2"
    (taken / "绩效自评汇总_2021_2026-11-27.xlsx").mkdir(parents=True)
    (taken / "绩效自评汇总_2021_2026-11-27.xlsx" / "keep.txt").write_text("x", encoding="utf-8")
    failed = cli(str(inbox), "--out", str(taken), "--date", "2026-11-27", "--no-feedback")
    assert failed.returncode == 3 and "原有文件未被改动" in failed.stderr
    assert (taken / "绩效自评汇总_2021_2026-11-27.xlsx" / "keep.txt").exists()
    assert not list(taken.glob(".selfeval-*"))
    assert (tmp_path / "out" / "绩效自评汇总_2021_2026-11-27.xlsx").read_bytes() == previous


def test_two_files_claiming_the_same_project_are_both_warned(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec())])
    write_workbook(inbox / "b.xlsx", [("第二份", clean_spec(total_score=99))])
    result = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    found = {(Path(f.path).name, x.code, x.sheet, x.cell) for f in result.report.files for x in f.findings}
    assert ("a.xlsx", "project-duplicated", "表", "B3") in found
    assert ("b.xlsx", "project-duplicated", "第二份", "B3") in found
    message = next(x.message for f in result.report.files for x in f.findings if x.code == "project-duplicated")
    assert "社区综合服务站建设经费" in message and "b.xlsx" in message


def test_parallel_and_serial_runs_write_identical_workbooks(tmp_path: Path) -> None:
    from inbox import build_inbox

    inbox = build_inbox(tmp_path / "inbox")
    serial = run(inbox, tmp_path / "serial", date=DAY, jobs=1)
    parallel = run(inbox, tmp_path / "parallel", date=DAY, jobs=2)
    assert serial.report == parallel.report
    assert serial.summary.read_bytes() == parallel.summary.read_bytes()
    assert [p.read_bytes() for p in serial.feedback] == [p.read_bytes() for p in parallel.feedback]
