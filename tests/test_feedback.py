"""The 审核意见 copies sent back to departments: marked cells, the list in front, one folder per department."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import FIXTURES
from formbuilder import CLEAN_ROWS, Row, clean_rows, clean_spec, write_workbook
from inbox import build_inbox
from openpyxl.comments import Comment
from rich.console import Console

from processor.check import check_file
from processor.core.errors import OutputError
from processor.core.findings import CATALOGUE
from processor.core.model import FileResult, Finding, Report, Severity, Status
from processor.core.names import safe_name
from processor.report import render_run
from processor.run import RunResult, run
from processor.write.feedback import (
    AUTHOR,
    BLANK_DEPARTMENT,
    LIST_SHEET,
    UNKNOWN_DEPARTMENT,
    _publish,
    annotated_copy,
    fresh_workbook,
    needs_feedback,
    plan,
    write_feedback,
)
from processor.write.styles import AMBER_FILL, RED_FILL

DAY = dt.date(2026, 11, 27)
HEADER = ["级别", "问题类别", "代码", "工作表", "单元格", "问题", "修改建议"]


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build_inbox plus: an info-only file, a blank department, a hostile department name, a stem collision."""
    box = build_inbox(tmp_path_factory.mktemp("feedback") / "inbox")
    placeholder = Row("满意度指标", "服务对象满意度指标", "指标2：", "", "", None, None)
    write_workbook(box / "市住建局_2021.xlsx", [("自评表", clean_spec(department="市住建局",
                                                                      rows=[*CLEAN_ROWS, placeholder]))])
    write_workbook(box / "无部门_2021.xlsx", [("自评表", clean_spec(department=None))])
    write_workbook(box / "恶意_2021.xlsx", [("自评表", clean_spec(department="../../..\\etc/CON:*?\x07 ", total_score=95))])
    (box / "补交").mkdir()
    write_workbook(box / "补交" / "市教育局_2021.xlsx", [("助学", clean_spec(
        department="市教育局", rows=clean_rows(r0={"actual": "8个"})))])
    return box


@pytest.fixture(scope="module")
def result(inbox: Path) -> RunResult:
    before = digests(inbox)
    out = run(inbox, inbox.parent / "out", date=DAY)
    assert digests(inbox) == before  # the departments' originals are never modified
    return out


def by_name(result: RunResult) -> dict[str, Path]:
    return {str(p.relative_to(result.feedback_dir or Path())): p for p in result.feedback}


def sources(result: RunResult) -> list[tuple[FileResult, Path]]:
    """Each feedback file with the file it answers (write_feedback keeps plan's order)."""
    return [(r, p) for (r, _), p in zip(plan(result.report, result.summary.parent), result.feedback, strict=True)]


def file_of(result: RunResult, name: str) -> FileResult:
    return next(f for f in result.report.files if Path(f.path).name == name and "补交" not in f.path)


def listed(path: Path) -> tuple[Any, list[tuple[Any, ...]]]:
    """The 审核意见 sheet's table rows below its header (the row that starts with 级别)."""
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if list(r[:7]) == HEADER)
    return book, rows[head + 1:]


def test_folder_layout_per_department(result: RunResult) -> None:
    assert result.feedback_dir == result.summary.parent / "审核意见"
    assert set(by_name(result)) == {
        "市委组织部/市委组织部_2021_审核意见.xlsx",  # accepted, but with warnings
        "市教育局/市教育局_2021_审核意见.xlsx",
        "市教育局/市教育局_2021_审核意见(2).xlsx",  # same stem from 补交/: a suffix, never an overwrite
        "市文旅局/市文旅局_2021_审核意见.xlsx",
        f"{BLANK_DEPARTMENT}/无部门_2021_审核意见.xlsx",
        "_._._etc_CON___/恶意_2021_审核意见.xlsx",  # ../../..\\etc/CON:*?\\a cannot climb out
        f"{UNKNOWN_DEPARTMENT}/市卫健委_2021_审核意见.xlsx",  # rejected: the list alone
    }
    for path in result.feedback:
        assert path.resolve().is_relative_to((result.summary.parent / "审核意见").resolve())
    assert not list((result.summary.parent / "审核意见").rglob(".selfeval-*"))  # no temporary file left


def test_accepted_files_with_only_infos_get_no_feedback(result: RunResult) -> None:
    housing = file_of(result, "市住建局_2021.xlsx")
    assert housing.status is Status.ACCEPTED and housing.findings
    assert {f.severity for f in housing.findings} == {Severity.INFO}
    assert not needs_feedback(housing) and not needs_feedback(file_of(result, "市民政局_2021.xlsx"))
    assert not any("市住建局" in str(p) or "市民政局" in str(p) for p in result.feedback)


def test_list_sheet_is_first_and_lists_every_finding(result: RunResult) -> None:
    for source, path in sources(result):
        name = str(path)
        book, rows = listed(path)
        assert book.sheetnames[0] == LIST_SHEET and book.active.title == LIST_SHEET
        assert sorted((r[2], r[3], r[4]) for r in rows) == sorted(
            (f.code, f.sheet or "—", f.cell or "—") for f in source.findings), name
        assert all(r[1] == CATALOGUE[r[2]].title for r in rows)  # the rule's Chinese title beside its code
        assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=["错误", "警告", "提示"].index)
        head = " ".join(str(r[0].value) for r in book.worksheets[0].iter_rows(max_row=4) if r[0].value)
        assert Path(source.path).name in head and "原文件未改动" in " ".join(
            str(c.value) for row in book.worksheets[0].iter_rows(max_row=8) for c in row if c.value)


def test_inflated_cell_is_red_with_message_and_hint(result: RunResult) -> None:
    book, _ = listed(by_name(result)["市教育局/市教育局_2021_审核意见.xlsx"])
    assert book.sheetnames == [LIST_SHEET, "助学", "校舍", "教师"]  # the department's own workbook, not a re-lay
    found = next(f for f in file_of(result, "市教育局_2021.xlsx").findings if f.code == "score-inflated")
    cell = book["助学"]["H13"]
    assert cell.fill.fgColor.rgb.endswith(RED_FILL.lstrip("#"))
    assert cell.comment is not None and cell.comment.author == AUTHOR
    assert found.message in cell.comment.text and found.hint in cell.comment.text
    assert cell.comment.text.startswith(f"【{'错误' if found.severity is Severity.ERROR else '警告'}·自评分虚高】")
    assert book["助学"]["H14"].comment is None and book["助学"]["H14"].fill.fill_type is None
    form = book["助学"]  # the department's own sheet: A4 landscape, one page wide (page setup only)
    assert (form.page_setup.orientation, form.page_setup.fitToWidth, form.page_setup.fitToHeight) == ("landscape", 1, 0)
    assert form.sheet_properties.pageSetUpPr.fitToPage
    link = book[LIST_SHEET].cell(next(i for i, r in enumerate(book[LIST_SHEET].iter_rows(values_only=True), 1)
                                      if r[2] == "score-inflated"), 5)
    assert link.value == "H13" and link.hyperlink is not None and link.hyperlink.location == "'助学'!H13"


def test_warning_on_a_merged_label_is_amber(result: RunResult) -> None:
    book, rows = listed(by_name(result)["市委组织部/市委组织部_2021_审核意见.xlsx"])
    assert {(r[0], r[2], r[4]) for r in rows} >= {("警告", "group-weight-mismatch", "B13")}
    cell = book["自评表"]["B13"]  # top-left of the merged 产出指标 label
    assert cell.fill.fgColor.rgb.endswith(AMBER_FILL.lstrip("#"))
    assert cell.comment is not None and "50 分" in cell.comment.text
    assert any("B13" in str(r) for r in book["自评表"].merged_cells.ranges)  # the merge survives


def test_department_data_is_untouched(result: RunResult, inbox: Path) -> None:
    original = openpyxl.load_workbook(inbox / "市教育局_2021.xlsx")
    copy = openpyxl.load_workbook(by_name(result)["市教育局/市教育局_2021_审核意见.xlsx"])
    for ws in original.worksheets:
        mine = copy[ws.title]
        assert [[c.value for c in r] for r in ws.iter_rows()] == [[c.value for c in r] for r in mine.iter_rows()]
        assert sorted(map(str, ws.merged_cells.ranges)) == sorted(map(str, mine.merged_cells.ranges))
    assert copy.properties.created == copy.properties.modified == dt.datetime(2026, 11, 27)


def test_rejected_file_gets_the_list_alone(result: RunResult) -> None:
    book, rows = listed(by_name(result)[f"{UNKNOWN_DEPARTMENT}/市卫健委_2021_审核意见.xlsx"])
    assert book.sheetnames == [LIST_SHEET]
    assert [(r[0], r[1], r[2]) for r in rows] == [("错误", "不是工作簿", "file-not-workbook")]


def test_an_unreadable_file_reaches_the_department_its_name_names(tmp_path: Path) -> None:
    """A rejected file names no 主管部门; when its file name names a department known from the batch (or the
    nightly config), its letter goes to that department's folder, not to 无法识别部门."""
    from processor.core.findings import finding
    from processor.core.model import Project
    from processor.read.funds import NO_FUNDS

    form = FileResult("收件箱/市教育局_2021.xlsx", Status.ACCEPTED, projects=(
        Project("表", 2021, "学生资助", "市教育局", "", "central2020", NO_FUNDS, (), 99.0, "优"),),
        findings=(finding("goal-missing", field="预期目标"),))
    broken = FileResult("收件箱/教育局/市教育局_补交.xlsx", Status.REJECTED, "x",
                        findings=(finding("file-empty"),))
    stray = FileResult("收件箱/市交通局_2021.xlsx", Status.REJECTED, "x", findings=(finding("file-empty"),))
    planned = {Path(r.path).name: base.parent.name for r, base in plan(Report((form, broken, stray)), tmp_path)}
    assert planned["市教育局_补交.xlsx"] == "市教育局" and planned["市交通局_2021.xlsx"] == UNKNOWN_DEPARTMENT
    known = plan(Report((stray,)), tmp_path, known=["市交通局"])
    assert known[0][1].parent.name == "市交通局"


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd", "..", ".", "...", "a/b\\c", "CON", "con.txt", "Nul", "LPT1", "  .hidden", "name. . ",
    "\x00\x1f", "\u202egpj.exe", "市教育局\n（本级）", 'a:b*c?d"e<f>g|h', "局" * 200, "", "　", "/", "C:\\Windows",
    "..\\..\\x", "a/../../b", "\ud800bad",
])
def test_safe_name_cannot_escape_its_folder(hostile: str, tmp_path: Path) -> None:
    name = safe_name(hostile, "未填主管部门")
    assert name and not set(name) & set('<>:"/\\|?*') and ".." not in name
    assert not name.startswith(".") and not name.endswith((".", " ")) and name == name.strip()
    assert all(unicodedata.category(ch)[0] != "C" for ch in name)
    assert len(name.encode("utf-8")) <= 121
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM1"}
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    (tmp_path / name).mkdir()  # a real folder name on this system


def test_safe_name_keeps_ordinary_names() -> None:
    assert safe_name("市教育局", "x") == "市教育局"
    assert safe_name("　 市教育局（本级） ", "x") == "市教育局（本级）"
    assert safe_name("", "未填主管部门") == "未填主管部门"


def test_plan_names_are_unique_ignoring_case_and_extension(tmp_path: Path) -> None:
    def rejected(path: str) -> FileResult:
        return FileResult(path, Status.REJECTED, findings=(Finding("file-damaged", Severity.ERROR, "m", "h"),))

    report = Report((rejected("a/Form.xls"), rejected("b/form.xlsx"), rejected("c/FORM.ods"), rejected("d/x.xlsx")))
    names = [p.name for _, p in plan(report, tmp_path)]
    assert names == ["Form_审核意见", "form_审核意见(2)", "FORM_审核意见(3)", "x_审核意见"]


def test_ods_and_xls_get_a_fresh_workbook_with_the_relaid_forms(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    box.mkdir()
    for name in ("seed.ods", "seed.xls", "multi.ods"):
        shutil.copy(FIXTURES / name, box / name)
    before = digests(box)
    done = run(box, tmp_path / "out", date=DAY)
    assert digests(box) == before
    got = {p.name: p for p in done.feedback}
    assert set(got) == {"multi_审核意见.xlsx", "seed_审核意见.xlsx", "seed_审核意见(2).xlsx"}
    assert all(p.parent.name == "市委组织部" for p in done.feedback)
    book, rows = listed(got["multi_审核意见.xlsx"])
    assert book.sheetnames == [LIST_SHEET, "项目一", "项目二"]
    multi = next(f for f in done.report.files if f.path.endswith("multi.ods"))
    assert sorted((r[2], r[3], r[4]) for r in rows) == sorted((f.code, f.sheet, f.cell) for f in multi.findings)
    assert {r[0] for r in rows} == {"错误", "警告", "提示"}  # 提示: score-recomputed explains a re-score
    ws = book["项目二"]
    assert ws["A1"].value.startswith("项目支出绩效自评表（复核）") and ws["B3"].value == "社区服务中心运行经费"
    marked = [c for row in ws.iter_rows() for c in row if c.comment is not None]
    assert any("总分填为 98" in c.comment.text for c in marked)
    links = [c for row in book[LIST_SHEET].iter_rows() for c in row if c.hyperlink is not None]
    assert links and all(c.hyperlink.location.split("!")[0].strip("'") in ("项目一", "项目二") for c in links)
    total = next(c for c in links if c.value == multi.findings[[f.code for f in multi.findings].index(
        "total-mismatch")].cell)  # the 总分 finding's link opens the marked cell of the re-laid form, not A1
    sheet, cell = total.hyperlink.location.split("!")
    target = book[sheet.strip("'")][cell]
    assert cell != "A1" and target.comment is not None and "总分填为 98" in target.comment.text
    for name in ("seed_审核意见.xlsx", "seed_审核意见(2).xlsx"):
        assert openpyxl.load_workbook(got[name]).sheetnames == [LIST_SHEET, "自评表"]


def test_fresh_workbook_is_byte_identical(tmp_path: Path) -> None:
    checked = check_file(FIXTURES / "multi.ods")
    fresh_workbook(checked, tmp_path / "a.xlsx", DAY)
    fresh_workbook(checked, tmp_path / "b.xlsx", DAY)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_annotated_copy_is_stable_across_runs_and_processes(inbox: Path) -> None:
    checked = check_file(inbox / "市教育局_2021.xlsx")
    first = annotated_copy(checked, DAY)
    assert first is not None and first == annotated_copy(checked, DAY)
    script = ("import datetime, sys; from pathlib import Path; from processor.check import check_file; "
              "from processor.write.feedback import annotated_copy; "
              "sys.stdout.buffer.write(annotated_copy(check_file(Path(sys.argv[1])), datetime.date(2026, 11, 27)))")
    outs = {subprocess.run([sys.executable, "-c", script, str(FIXTURES / "seed.xlsm")], capture_output=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True).stdout for seed in ("1", "2")}
    assert len(outs) == 1  # keep_vba adds parts in set order: sorted, so the hash seed does not matter


def test_xlsm_copy_stays_macro_enabled(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    box.mkdir()
    shutil.copy(FIXTURES / "seed.xlsm", box / "seed.xlsm")
    (path,) = run(box, tmp_path / "out", date=DAY).feedback
    assert path.name == "seed_审核意见.xlsm"
    with zipfile.ZipFile(path) as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    assert openpyxl.load_workbook(path, keep_vba=True).sheetnames == [LIST_SHEET, "自评表"]


def test_openpyxl_failure_falls_back_to_the_fresh_workbook(inbox: Path, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise KeyError("damaged part")

    monkeypatch.setattr("processor.write.slowcopy.openpyxl.load_workbook", refuse)
    monkeypatch.setattr("processor.write.feedback.marked_copy", lambda *args: None)  # what the fast copy leaves
    checked = check_file(inbox / "市教育局_2021.xlsx")
    assert annotated_copy(checked, DAY) is None
    (path,) = [p for _, p in plan(Report((checked,)), tmp_path)]
    (written,) = write_feedback(Report((checked,)), tmp_path, created=DAY)
    assert written.name == path.name + ".xlsx"
    monkeypatch.undo()
    assert openpyxl.load_workbook(written).sheetnames == [LIST_SHEET, "助学", "校舍", "教师"]
    assert openpyxl.load_workbook(written)["助学"]["A1"].value.startswith("项目支出绩效自评表（复核）")


def test_text_that_looks_like_a_formula_stays_text(inbox: Path) -> None:
    checked = check_file(inbox / "市教育局_2021.xlsx")
    evil = Finding("score-inflated", Severity.WARNING, "=HYPERLINK(\"http://x\",\"点我\")", "=1+1", "助学", "G13")
    data = annotated_copy(replace(checked, findings=(*checked.findings, evil)), DAY)
    assert data is not None
    ws = openpyxl.load_workbook(io.BytesIO(data))[LIST_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("=")]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "部门" / "x_审核意见.xlsx"

    def half(path: Path) -> None:
        path.write_bytes(b"PK half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError):
        _publish(target, half)
    assert list((tmp_path / "部门").iterdir()) == []


def test_no_feedback_and_the_run_message(result: RunResult, inbox: Path, tmp_path: Path) -> None:
    quiet = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    assert quiet.feedback == () and quiet.feedback_dir is None and not (tmp_path / "out" / "审核意见").exists()
    console = Console(record=True, width=200)
    render_run(result, console)
    assert f"审核意见已生成 {len(result.feedback)} 个（6 个主管部门文件夹）" in console.export_text()
    proc = subprocess.run([sys.executable, "-m", "processor", "run", str(inbox), "--out", str(tmp_path / "cli"),
                           "--no-feedback", "--date", "2026-11-27"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and not (tmp_path / "cli" / "审核意见").exists(), proc.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed: .ci/run installs it")
def test_libreoffice_opens_a_feedback_copy(result: RunResult, tmp_path: Path) -> None:
    path = by_name(result)["市教育局/市教育局_2021_审核意见.xlsx"]
    proc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=240)
    pdf = tmp_path / (path.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, proc.stderr


def test_existing_comment_and_list_sheet_name_are_kept(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "市教育局_2021.xlsx", [("助学", clean_spec(
        department="市教育局", rows=clean_rows(r0={"actual": "8个"})))])
    book = openpyxl.load_workbook(path)
    book["助学"]["H13"].comment = Comment("科长：已核", "张三")
    book.create_sheet("审核意见").append(["上次的意见"])
    book.save(path)
    data = annotated_copy(check_file(path), DAY)
    assert data is not None
    copy = openpyxl.load_workbook(io.BytesIO(data))
    assert copy.sheetnames == ["审核意见~2", "助学", "审核意见"]
    text = copy["助学"]["H13"].comment.text
    assert text.index("修改建议") < text.index("科长：已核")
