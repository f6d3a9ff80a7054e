"""Hostile and broken inputs of issue 7 (all but the bombs, DTDs and huge sheets: tests/hostile/test_bombs.py,
test_xml_entities.py, test_huge_sheets.py): one generated file each, asserted by status, code and message.

docs/hostile-inputs.md lists every input with the answer and the test that proves it.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import shutil
import subprocess
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from conftest import FIXTURES
from formbuilder import clean_rows, clean_spec, seed_spec, write_form, write_workbook
from python_calamine import CalamineWorkbook
from tables import table_rows

from processor.check import check_file
from processor.core.model import FileResult, Finding, Status
from processor.read.grid import Grid
from processor.read.locate import find_forms
from processor.read.parse import FormParser
from processor.read.workbook import Sheet
from processor.report import finding_line
from processor.run import RunResult, run
from processor.write.feedback import FOLDER, LIST_SHEET, annotated_copy

DAY = dt.date(2026, 11, 27)
INFLATED = clean_rows(r0={"actual": "8个"})  # 8 of ≥10 scored 10/10: score-inflated at H13, the file is returned


# -- helpers ---------------------------------------------------------------------------------------------------

def patch_zip(path: Path, edits: dict[str, Callable[[bytes], bytes]], add: dict[str, bytes] | None = None) -> Path:
    """Rewrite some parts of an .xlsx in place (what xlsxwriter refuses to write, a hostile file may hold)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, edits[info.filename](data) if info.filename in edits else data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def only(result: FileResult, code: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code]
    return found


def rejected_with(result: FileResult, code: str, says: str) -> Finding:
    """A rejected file: exactly one finding, of the file itself, whose message says what the file is."""
    assert result.status is Status.REJECTED and result.projects == ()
    assert [f.code for f in result.findings] == [code]
    found = result.findings[0]
    assert says in found.message, found.message
    assert found.hint and result.reason == found.message
    assert Path(result.path).name in finding_line(result.path, found)  # the clerk's line names the file
    return found


def every_cell(path: Path) -> list[tuple[str, Any]]:
    """(sheet, openpyxl cell) for every non-empty cell of a workbook."""
    book = openpyxl.load_workbook(path)
    return [(ws.title, c) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def outputs(result: RunResult) -> list[Path]:
    return [result.summary, *result.feedback]


# -- files that are no workbook at all: rejected, the message says what they are ----------------------------

def _seed_bytes(tmp: Path) -> bytes:
    return write_workbook(tmp / "seed.xlsx", [("自评表", seed_spec())]).read_bytes()


def _truncated(keep: Callable[[int], int]) -> Callable[[Path], bytes]:
    return lambda tmp: (data := _seed_bytes(tmp))[: keep(len(data))]


HTML = ("<html xmlns:o='urn:schemas-microsoft-com:office:office' xmlns:x='urn:schemas-microsoft-com:office:excel'>"
        "<head><meta charset='utf-8'><!--[if gte mso 9]><xml><x:ExcelWorkbook/></xml><![endif]--></head><body>"
        "<table><tr><td>项目名称</td><td>城市基层党建工作经费</td></tr><tr><td>主管部门</td><td>市委组织部</td></tr>"
        "</table></body></html>").encode()
SPREADSHEETML = ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                 '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                 'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="自评表"><Table>'
                 '<Row><Cell><Data ss:Type="String">项目名称</Data></Cell></Row></Table></Worksheet></Workbook>').encode()
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

NOT_WORKBOOKS: list[Any] = [
    pytest.param("截断的自评表.xlsx", _truncated(lambda n: n // 2), "file-damaged", "截断", id="truncated-half"),
    pytest.param("截断2.xlsx", _truncated(lambda n: n - 22), "file-damaged", "不完整", id="truncated-no-end-record"),
    pytest.param("截断3.xlsx", _truncated(lambda n: 300), "file-damaged", "不完整", id="truncated-300-bytes"),
    pytest.param("说明.xlsx", lambda _: "这是一个文本文件，不是表格。\r\n项目名称：某项目\r\n".encode("gbk"),
                 "file-not-workbook", "无法识别的内容", id="text-as-xlsx"),
    pytest.param("自评表.xlsx", lambda _: PDF, "file-not-workbook", "PDF 文档", id="pdf-as-xlsx"),
    pytest.param("空文件.xlsx", lambda _: b"", "file-empty", "0 字节", id="zero-bytes"),
    pytest.param("网页导出.xls", lambda _: HTML, "file-web-export", "网页（HTML）", id="html-as-xls"),
    pytest.param("导出2003.xls", lambda _: SPREADSHEETML, "file-web-export", "不是真正的 Excel 工作簿",
                 id="spreadsheetml-as-xls"),
]


@pytest.mark.parametrize(("name", "make", "code", "says"), NOT_WORKBOOKS)
def test_not_a_workbook_is_rejected_with_what_it_is(tmp_path: Path, name: str, make: Callable[[Path], bytes],
                                                    code: str, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    found = rejected_with(check_file(path), code, says)
    assert found.sheet == "" and found.cell == ""  # about the file, not a place in it
    if code == "file-web-export":
        assert ".xls" in found.message and "另存为" in found.hint


def test_spreadsheetml_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "导出2003.xls"
    path.write_bytes(SPREADSHEETML)
    rejected_with(check_file(path), "file-web-export", "Excel 2003 XML")


def test_password_protected_workbook_asks_for_an_unprotected_copy(tmp_path: Path) -> None:
    path = tmp_path / "加密 自评表.xlsx"
    shutil.copy(FIXTURES / "encrypted.xlsx", path)
    found = rejected_with(check_file(path), "file-encrypted", "打开密码")
    assert "不加密的副本" in found.hint


def test_a_night_of_broken_files_still_writes_summary_and_letters(tmp_path: Path) -> None:
    """Every broken file above in one inbox, beside a good form: the good one is summarised, each broken one is
    listed under 退回与拒收 with its reason and gets a letter in the 无法识别部门 folder."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for param in NOT_WORKBOOKS:
        name, make, _, _ = param.values
        (inbox / name).write_bytes(make(tmp_path))
    shutil.copy(FIXTURES / "encrypted.xlsx", inbox / "加密.xlsx")
    write_workbook(inbox / "好的.xlsx", [("表", clean_spec())])
    result = run(inbox, tmp_path / "out", date=DAY)
    assert result.report.count(Status.REJECTED) == len(NOT_WORKBOOKS) + 1
    assert result.report.count(Status.ACCEPTED) == 1 and result.aggregate.overview["projects"] == 1
    header, rows = table_rows(result.summary, "退回与拒收")
    col = {h: i for i, h in enumerate(header)}
    reasons = {r[col["来源文件"]]: r[col["原因"]] for r in rows}
    assert "0 字节" in reasons["空文件.xlsx"] and "PDF" in reasons["自评表.xlsx"] and "密码" in reasons["加密.xlsx"]
    assert {p.parent.name for p in result.feedback} == {"无法识别部门"}
    assert len(result.feedback) == len(NOT_WORKBOOKS) + 1


# -- error values in numeric cells -------------------------------------------------------------------------------

def test_error_values_typed_as_text_are_unreadable_numbers(tmp_path: Path) -> None:
    """`#REF!`, `#DIV/0!`, `#N/A` as text (pasted values, web exports, an .ods) in 分值, 得分 and amounts."""
    spec = clean_spec(rows=clean_rows(r0={"weight": "#REF!"}, r1={"score": "#DIV/0!"}))
    spec.funds["total"] = (100, "#N/A", 95, 10, "#DIV/0!", 9.5)
    result = check_file(write_workbook(tmp_path / "错误值.xlsx", [("表", spec)]))
    unreadable = {(f.cell, f.value) for f in result.findings if f.code == "number-unreadable"}
    assert unreadable == {("G13", "#REF!"), ("H14", "#DIV/0!"), ("D6", "#N/A"), ("G6", "#DIV/0!")}
    f = next(f for f in result.findings if f.cell == "G13")
    assert "“分值”的值“#REF!”不是可识别的数字" in f.message and f.sheet == "表"
    # no second note on the same cells calling them blank (the fuzzer's find: value-computed over an unreadable cell)
    assert not [f for f in result.findings if f.code in ("value-computed", "missing-score")
                and f.cell in ("G13", "H14", "D6", "G6")]
    assert result.status is Status.ACCEPTED  # number-unreadable is a warning: the department is told, not refused
    project = result.projects[0]
    assert project.funds.annual_budget == 100  # the form's own sum of its parts stands in for #N/A


def _error_cells(tmp_path: Path) -> Path:
    """Real error cells, as Excel saves a formula whose result is an error: <c t="e"><f>…</f><v>#REF!</v></c>."""
    path = tmp_path / "错误单元格.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    write_form(book, ws, clean_spec())
    ws.write_formula("G13", "=#REF!", None, "#REF!")  # 分值
    ws.write_formula("H14", "=G14/0", None, "#DIV/0!")  # 得分
    ws.write_formula("D7", "=VLOOKUP(1,Z1:Z2,2,0)", None, "#N/A")  # 全年预算数 of 当年财政拨款
    book.close()
    return path


def test_error_cells_are_named_at_their_cells_never_as_missing(tmp_path: Path) -> None:
    """An .xlsx keeps a formula's error as the cell's value (t="e"); python-calamine reads it as blank, so the
    reader puts it back: each error is a cell-error at its cell, and no finding calls those cells empty."""
    result = check_file(_error_cells(tmp_path))
    errors = {(f.cell, f.value) for f in result.findings if f.code == "cell-error"}
    assert errors == {("G13", "#REF!"), ("H14", "#DIV/0!"), ("D7", "#N/A")}
    assert not [f for f in result.findings if f.code in ("missing-score", "missing-funds-value")
                and f.cell in ("G13", "H14", "D7")]
    assert result.status is Status.RETURNED  # cell-error is an error: the department fixes its formula
    assert all("公式错误" in f.message for f in result.findings if f.code == "cell-error")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed: .ci/run installs it")
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_error_cells_in_ods_and_xls_are_named_at_their_cells(tmp_path: Path, fmt: str) -> None:
    """LibreOffice keeps a formula's error in content.xml (calcext:value-type="error", the text in <text:p>) and
    in the BIFF FORMULA record's cached result; python-calamine reads both as blank, and the guard's scans put
    them back."""
    profile = (tmp_path / "lo-profile").as_uri()  # own profile: a parallel soffice must not lock ours
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                           "--outdir", str(tmp_path / fmt), str(_error_cells(tmp_path))],
                          capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    result = check_file(tmp_path / fmt / f"错误单元格.{fmt}")
    errors = {(f.cell, f.value) for f in result.findings if f.code == "cell-error"}
    # LibreOffice recomputes on conversion: the lookup's #N/A becomes its own error (Err:502, #VALUE!)
    assert {("G13", "#REF!"), ("H14", "#DIV/0!")} <= errors and "D7" in {c for c, _ in errors}
    assert not [f for f in result.findings if f.code in ("missing-score", "missing-funds-value")
                and f.cell in ("G13", "H14", "D7")]


# -- formulas saved without their results ---------------------------------------------------------------------------

def test_formulas_without_cached_values_are_computed_or_asked_for(tmp_path: Path) -> None:
    """openpyxl (like most programs) writes formulas with no cached result: nothing may be read as 0."""
    path = write_workbook(tmp_path / "程序生成.xlsx", [("表", clean_spec())])
    book = openpyxl.load_workbook(path)
    ws = book["表"]
    ws["D6"], ws["E6"] = "=SUM(D7:D9)", "=SUM(E7:E9)"  # 年度资金总额 = Σ parts
    ws["G6"], ws["H6"] = "=E6/D6", "=MIN(G6,1)*F6"  # 执行率, 得分
    ws["H13"] = "=G13"  # an indicator's 得分
    ws["H22"] = "=SUM(H13:H21)+H6"  # 总分
    book.save(path)
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()[5][3] == ""  # no cached value
    result = check_file(path)
    computed = {f.cell: f.message for f in result.findings if f.code == "value-computed"}
    assert set(computed) == {"D6", "E6", "G6", "H6"}
    assert "已按表内定义计算为 95.00%" in computed["G6"] and "100（各分项之和）" in computed["D6"]
    missing = only(result, "missing-score")
    assert missing.cell == "H13" and "保存一次" in missing.hint
    assert result.status is Status.RETURNED
    funds = result.projects[0].funds
    assert (funds.annual_budget, funds.executed, funds.execution_rate, funds.self_score) == (100, 95, 0.95, 9.5)


# -- very long texts and control characters --------------------------------------------------------------------------

LONG = "城市基层党建工作经费" * 10_000  # 100,000 characters: more than Excel's 32,767, as a program may write
CONTROL = "市民政局\x01\x1b\u202e\u200b\x7f局"


def _long_and_control(inbox: Path) -> Path:
    path = write_workbook(inbox / "长文本.xlsx", [("表", clean_spec(
        name="@@LONG@@", department=CONTROL, unit="基层\x00政权\x08建设科",
        rows=clean_rows(r0={"actual": "8个", "reason": "@@LONG@@"}, r1={"name": "指标2：培训\x0b人次\x1f"})))])
    return patch_zip(path, {"xl/sharedStrings.xml": lambda d: d.replace(b"@@LONG@@", LONG.encode())})


def test_very_long_texts_and_control_characters_still_make_summary_and_letter(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _long_and_control(inbox)
    result = run(inbox, tmp_path / "out", date=DAY)
    (checked,) = result.report.files
    project = checked.projects[0]
    assert project.name == LONG and project.department == CONTROL  # read as written
    assert checked.status is Status.RETURNED and only(checked, "score-inflated").cell == "H13"
    (letter,) = result.feedback
    assert letter.parent.name == "市民政局局" and letter.parent.parent == tmp_path / "out" / FOLDER
    for path in outputs(result):
        book = CalamineWorkbook.from_path(str(path))  # both workbooks open …
        ours = book.sheet_names if path == result.summary else [LIST_SHEET]  # (the copy keeps the department's cells)
        for sheet in ours:
            for row in book.get_sheet_by_name(sheet).to_python():
                assert all(len(v) <= 32_767 for v in row if isinstance(v, str))  # … and fit Excel's cell limit
    header, projects = table_rows(result.summary, "项目汇总")
    col = {h: i for i, h in enumerate(header)}
    assert projects[0][col["项目名称"]] == LONG[:32_767]
    assert projects[0][col["主管部门"]] == CONTROL  # xlsxwriter escapes control characters, readers get them back
    assert all(len(name) <= 31 for name in openpyxl.load_workbook(result.summary).sheetnames)


def test_very_long_texts_leave_nothing_behind() -> None:
    """The reader memoises label normalisation; long texts must not be kept alive by those caches (found while
    fuzzing with long strings: 50 MB more per file, for ever, in a nightly run)."""
    rows: list[list[Any]] = [["项目名称", "某项目"], ["主管部门", "某局"]]
    rows += [[f"{i}-{j}-" + "说明文字" * 4_000 for j in range(9)] for i in range(60)]  # 540 × 16,000 characters

    def read_once() -> None:
        grid = Grid(Sheet("表", [list(r) for r in rows], (), True))
        for block in find_forms(grid):
            FormParser(grid, block, "x.xlsx").parse()

    read_once()  # warm up imports and small caches
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rows += [[f"new-{i}-{j}-" + "说明文字" * 4_000 for j in range(9)] for i in range(60)]
        read_once()
        del rows[62:]
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000, f"{kept:,} bytes kept after reading"


# -- a merged range over the whole sheet (found by fuzzing run(): a 10 KB file that killed the process) ---------------

def _whole_sheet_merge(inbox: Path) -> Path:
    path = write_workbook(inbox / "整表合并.xlsx", [("表", clean_spec(rows=INFLATED))])
    return patch_zip(path, {"xl/worksheets/sheet1.xml": lambda d: d.replace(
        b"</mergeCells>", b'<mergeCell ref="A30:XFD1048576"/></mergeCells>')})


def test_a_merge_over_the_whole_sheet_is_read_and_summarised(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _whole_sheet_merge(inbox)
    result = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    (checked,) = result.report.files
    assert checked.status is Status.RETURNED and [f.code for f in checked.findings] == ["score-inflated"]
    assert result.summary.is_file()


def test_a_merge_over_the_whole_sheet_gets_a_marked_copy_and_openpyxl_never_tries(tmp_path: Path) -> None:
    """openpyxl makes an object per merged cell (A30:XFD1048576: tens of GB), so it is never asked; the package-level
    copy leaves the merge as one element and marks the copy all the same."""
    from python_calamine import CalamineWorkbook

    from processor.write.slowcopy import openpyxl_copy

    path = _whole_sheet_merge(tmp_path)
    result = check_file(path)
    assert openpyxl_copy(path.read_bytes(), result, DAY) is None
    data = annotated_copy(result, DAY)
    assert data is not None
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names[0] == "审核意见" and book.sheet_names[1:] == CalamineWorkbook.from_path(str(path)).sheet_names
    listed = book.get_sheet_by_name("审核意见").to_python()
    assert any(f.code in row for f in result.findings for row in listed)


# -- odd sheet names and file names ----------------------------------------------------------------------------------

ODD_SHEETS = ["📊 自评表", " 两头 空格 ", "三十一个字" * 6 + "表", "O'Brien 的表", "FORMX", "Form1"]


def test_odd_sheet_names(tmp_path: Path) -> None:
    """Emoji, leading and trailing spaces, exactly 31 characters, an apostrophe, and two names differing only in
    case (Excel forbids that, a program may still write it: patched into workbook.xml)."""
    assert len(ODD_SHEETS[2]) == 31
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_workbook(inbox / "工作表名.xlsx", [(n, clean_spec(name=f"项目{i}", rows=INFLATED))
                                                    for i, n in enumerate(ODD_SHEETS)])
    patch_zip(path, {p: lambda d: d.replace(b"FORMX", b"FORM1") for p in ("xl/workbook.xml", "docProps/app.xml")})
    names = [*ODD_SHEETS[:4], "FORM1", "Form1"]
    result = run(inbox, tmp_path / "out", date=DAY)
    (checked,) = result.report.files
    assert [p.sheet for p in checked.projects] == names
    assert sorted(f.sheet for f in checked.findings if f.code == "score-inflated") == sorted(names)
    assert all(len(n) <= 31 for n in result.sheets)
    header, projects = table_rows(result.summary, "项目汇总")
    col = {h: i for i, h in enumerate(header)}
    assert [r[col["来源工作表"]] for r in projects] == names
    (letter,) = result.feedback
    book = openpyxl.load_workbook(letter)
    assert book.sheetnames[0] == LIST_SHEET and book.sheetnames[1:5] == ODD_SHEETS[:4]
    links = {c.hyperlink.location for row in book[LIST_SHEET].iter_rows() for c in row if c.hyperlink}
    # every distinct name is linked and its cell marked; openpyxl renames the case twin "Form1" to "Form11" on
    # loading, so that one form's mark is missing from the copy (the list still names it): see the docs table
    assert {"'📊 自评表'!H13", "' 两头 空格 '!H13", f"'{ODD_SHEETS[2]}'!H13", "'O''Brien 的表'!H13", "'FORM1'!H13"} <= links
    assert all(book[n]["H13"].comment is not None for n in ODD_SHEETS[:4])


def test_sheet_name_excel_refuses_gets_a_fresh_letter(tmp_path: Path) -> None:
    """A sheet name with characters Excel forbids ([]:*?/\\) cannot be opened by openpyxl: the letter is a fresh
    workbook with the list and the re-laid form instead of a marked copy."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_workbook(inbox / "坏表名.xlsx", [("SHEETX", clean_spec(rows=INFLATED))])
    patch_zip(path, {p: lambda d: d.replace(b"SHEETX", b"Q[1]/2:*?") for p in ("xl/workbook.xml", "docProps/app.xml")})
    result = run(inbox, tmp_path / "out", date=DAY)
    (checked,) = result.report.files
    assert checked.projects[0].sheet == "Q[1]/2:*?" and only(checked, "score-inflated").sheet == "Q[1]/2:*?"
    book = openpyxl.load_workbook(result.feedback[0])
    assert book.sheetnames[0] == LIST_SHEET and not set("".join(book.sheetnames)) & set("[]:*?/\\")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_emoji_project_names_fit_excels_sheet_name_limit(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec(name="📊" * 40))])
    result = run(inbox, tmp_path / "out", date=DAY, feedback=False)
    assert all(_utf16(name) <= 31 for name in result.sheets), [_utf16(n) for n in result.sheets]


@pytest.mark.parametrize("name", ["市 民政局 自评表 2021.xlsx", "市民政局（2021年度）自评表.xlsx", "📊 自评表 ✅ 2021.xlsx",
                                  " 前导空格.xlsx", "名称.带.很多.点.xlsx"])
def test_file_names_with_spaces_chinese_and_emoji(tmp_path: Path, name: str) -> None:
    inbox = tmp_path / "收件 箱 📥"
    inbox.mkdir()
    write_workbook(inbox / name, [("表", clean_spec(rows=INFLATED))])
    result = run(inbox, tmp_path / "输出 📤", date=DAY)
    (checked,) = result.report.files
    assert Path(checked.path).name == name and checked.status is Status.RETURNED
    (letter,) = result.feedback
    assert letter.name == Path(name).stem.strip(" .") + "_审核意见.xlsx"
    assert letter.parent.parent == tmp_path / "输出 📤" / FOLDER
    header, projects = table_rows(result.summary, "项目汇总")
    assert projects[0][header.index("来源文件")] == name


# -- WPS in-cell images -----------------------------------------------------------------------------------------------

def test_wps_in_cell_image_is_read_as_its_formula_text(tmp_path: Path) -> None:
    """WPS keeps a picture pasted into a cell as =DISPIMG("ID_…",1) plus an xl/cellimages.xml part."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "WPS图片.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    write_form(book, ws, clean_spec(rows=INFLATED))
    ws.write_formula("I13", '=_xlfn.DISPIMG("ID_6F2A0C",1)', None, '=DISPIMG("ID_6F2A0C",1)')
    book.close()
    rel = ('<Relationship Id="rId99" Type="http://www.wps.cn/officeDocument/2020/cellImage" '
           'Target="cellimages.xml"/></Relationships>')
    patch_zip(path, {
        "[Content_Types].xml": lambda d: d.replace(b"</Types>", b'<Override PartName="/xl/cellimages.xml" ContentType='
                                                   b'"application/vnd.wps-officedocument.cellimage+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", rel.encode()),
    }, add={"xl/cellimages.xml": b'<?xml version="1.0"?><etc:cellImages xmlns:etc="http://www.wps.cn/officeDocument/'
                                 b'2017/etCustomData"><etc:cellImage/></etc:cellImages>',
            "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(64)})
    result = run(inbox, tmp_path / "out", date=DAY)
    (checked,) = result.report.files
    assert checked.format == "xlsx" and checked.status is Status.RETURNED
    assert [f.code for f in checked.findings] == ["score-inflated"]
    assert check_file(path).projects[0].indicators[0].reason == '=DISPIMG("ID_6F2A0C",1)'
    sheet = openpyxl.load_workbook(result.summary)[result.sheets[0]]
    shown = [c for row in sheet.iter_rows() for c in row if c.value == '=DISPIMG("ID_6F2A0C",1)']
    assert shown and all(c.data_type == "s" for c in shown)  # the summary shows it as text, never as a formula


# -- the same project twice --------------------------------------------------------------------------------------------

def test_same_file_twice_and_two_files_claiming_one_project(tmp_path: Path) -> None:
    """The one-shot run reads and counts both copies (it cannot know which one counts) and warns each with
    project-duplicated naming the other file; the nightly ledger keeps only the newer (tests/test_nightly*.py)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = write_workbook(inbox / "民政局_自评.xlsx", [("表", clean_spec())])
    (inbox / "民政局_自评 - 副本.xlsx").write_bytes(first.read_bytes())
    write_workbook(inbox / "教育局_助学.xlsx", [("助学", clean_spec(name="学生资助补助经费", department="市教育局"))])
    write_workbook(inbox / "教育局_助学_修改版.xlsx", [("Sheet1", clean_spec(
        name="学生资助补助经费", department="市教育局", total_score=95))])
    result = run(inbox, tmp_path / "out", date=DAY)
    files = {Path(f.path).name: f for f in result.report.files}
    assert result.aggregate.overview["projects"] == 4
    pairs = {"民政局_自评.xlsx": "民政局_自评 - 副本.xlsx", "教育局_助学.xlsx": "教育局_助学_修改版.xlsx"}
    for a, b in [*pairs.items(), *((b, a) for a, b in pairs.items())]:
        dup = only(files[a], "project-duplicated")
        assert dup.cell == "B3" and dup.severity.value == "warning"
        assert b in dup.message and "也有一份自评表" in dup.message
    assert files["民政局_自评.xlsx"].status is Status.ACCEPTED  # a warning: both stay in the summary
    assert files["教育局_助学_修改版.xlsx"].status is Status.RETURNED  # for its own wrong 总分


# -- names from submissions never leave the output folder ---------------------------------------------------------------

@pytest.mark.parametrize("department", ["../../etc", "..", "CON", "nul.txt", "LPT1", "/etc/passwd", "C:\\Windows\\System32",
                                        "\u202egpj.exe", "部门/../../../逃逸", "  ...  "])
def test_department_names_cannot_leave_the_feedback_folder(tmp_path: Path, department: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "a.xlsx", [("表", clean_spec(department=department, rows=INFLATED))])
    out = tmp_path / "out"
    result = run(inbox, out, date=DAY)
    (letter,) = result.feedback
    folder = letter.parent
    assert folder.parent == out / FOLDER and letter.resolve().is_relative_to((out / FOLDER).resolve())
    assert folder.name not in ("", ".", "..") and not set(folder.name) & set("/\\:*?\"<>|\u202e")
    assert folder.name.split(".")[0].upper() not in ("CON", "NUL", "LPT1", "PRN", "AUX", "COM1")
    assert sorted(p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*.xlsx")) == ["inbox", "out", "out"]


# -- text that looks like a formula stays text, in the summary and in every letter ---------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/x","点我领取")',
    "department": "+市财政局",
    "unit": "-基建科",
    "target": "=10+0",
    "actual": "@SUM(1,2)",
    "reason": "=cmd|' /C calc'!A0",
    "reason2": "-2+3 未完成",
}


def _formula_form(path: Path) -> Path:
    f = FORMULAS
    return write_workbook(path, [("表", clean_spec(
        name=f["name"], department=f["department"], unit=f["unit"],
        rows=clean_rows(r0={"target": f["target"], "actual": f["actual"], "reason": f["reason"], "score": 8},
                        r1={"reason": f["reason2"], "score": 9, "actual": "450人次"})))])


def test_text_starting_with_formula_characters_stays_text_everywhere(tmp_path: Path) -> None:
    """= + - @ at the start of names, reasons and targets: text in the summary, in the marked copy of the department's
    .xlsx, and in the fresh letter made when openpyxl cannot open the original (here: a damaged docProps part)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _formula_form(inbox / "公式文本.xlsx")
    patch_zip(_formula_form(inbox / "公式文本_副本打不开.xlsx"), {"docProps/core.xml": lambda d: d[: len(d) // 2]})
    result = run(inbox, tmp_path / "out", date=DAY)
    assert {f.status for f in result.report.files} == {Status.RETURNED}
    assert len(result.feedback) == 2
    fresh = next(p for p in result.feedback if "打不开" in p.name)
    assert openpyxl.load_workbook(fresh)["表"]["A1"].value.startswith("项目支出绩效自评表（复核）")  # re-laid, not marked
    for path in outputs(result):
        cells = every_cell(path)
        formulas = [(s, c.coordinate, c.value) for s, c in cells if c.data_type == "f"]
        assert formulas == [], f"{path.name}: {formulas}"
        texts = {c.value for _, c in cells if c.data_type == "s"}
        missing = {v for v in FORMULAS.values() if v not in texts}
        assert not missing, f"{path.name}: {missing}"
    # the summary's project sheet shows target, actual and reason as the department wrote them, as text
    sheet = every_cell(result.summary)
    risky = [c for s, c in sheet if isinstance(c.value, str) and c.value[:1] in "=+-@" and s.startswith("P0")]
    assert {c.value for c in risky} >= {FORMULAS["name"], FORMULAS["target"], FORMULAS["actual"], FORMULAS["reason"]}
    assert all(c.data_type == "s" for c in risky)
