"""The fast 审核意见 copy (processor/write/fastcopy.py) says what the openpyxl copy says, cell for cell, and
keeps the department's package otherwise byte for byte; what it cannot edit falls back to openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import FIXTURES
from formbuilder import clean_rows, clean_spec, write_workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from processor.check import check_file
from processor.core.model import FileResult, Finding, Severity
from processor.write import fastcopy
from processor.write.fastcopy import Unsupported, fast_copy, marked_copy
from processor.write.feedback import LIST_SHEET, annotated_copy, needs_feedback
from processor.write.slowcopy import openpyxl_copy

DAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples" / "inbox").iterdir()
                 if p.suffix in (".xlsx", ".xlsm") and not p.name.startswith("~$"))
soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                             reason="LibreOffice (soffice) not installed: .ci/run installs it")


def snapshot(data: bytes) -> dict[str, Any]:
    """What a department sees, as openpyxl reads it back: sheets, values, fills, comments, links, page setup…"""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out: dict[str, Any] = {"sheets": wb.sheetnames, "active": wb.active.title if wb.active else None,
                           "names": sorted((n, d.value) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {c.coordinate: c for row in ws.iter_rows() for c in row}
        setup, pr = ws.page_setup, ws.sheet_properties.pageSetUpPr
        out[ws.title] = {
            # "": openpyxl writes an empty text as no value; the fast copy keeps the department's cell as it is
            "values": {k: c.value for k, c in cells.items() if c.value not in (None, "")},
            "fills": {k: c.fill.fgColor.rgb for k, c in cells.items() if c.fill.fill_type == "solid"},
            "comments": {k: c.comment.text for k, c in cells.items() if c.comment is not None},
            "links": {k: c.hyperlink.location for k, c in cells.items() if c.hyperlink is not None},
            "setup": (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight,
                      pr.fitToPage if pr is not None else None),
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "local": sorted((n, d.value) for n, d in ws.defined_names.items()),
            "titles": ws.print_title_rows, "freeze": ws.freeze_panes, "selected": bool(ws.sheet_view.tabSelected),
        }
    return out


def both(path: Path, result: FileResult | None = None) -> tuple[bytes, bytes]:
    """The fast copy (which must be taken: fast_copy raises otherwise) and the openpyxl copy."""
    result = result if result is not None else check_file(path)
    data = path.read_bytes()
    slow = openpyxl_copy(data, result, DAY)
    assert slow is not None
    return fast_copy(data, result, DAY), slow


def assert_same(path: Path, result: FileResult | None = None) -> bytes:
    fast, slow = both(path, result)
    a, b = snapshot(fast), snapshot(slow)
    assert a == b
    assert a["sheets"][0] == LIST_SHEET and a[LIST_SHEET]["selected"]
    assert [s for s in a["sheets"] if a[s]["selected"]] == [LIST_SHEET] and a["active"] == LIST_SHEET
    return fast


def with_findings(path: Path, *extra: Finding) -> FileResult:
    result = check_file(path)
    return replace(result, findings=(*result.findings, *extra))


def warn(sheet: str, cell: str, message: str = "人工复核", severity: Severity = Severity.WARNING) -> Finding:
    return Finding("score-inflated", severity, message, "请核实", sheet, cell)


@pytest.fixture
def form(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "市教育局_2021.xlsx", [("助学", clean_spec(
        department="市教育局", rows=clean_rows(r0={"actual": "8个"}))), ("校舍", clean_spec(department="市教育局"))])


@pytest.mark.parametrize("path", [p for p in SAMPLES if needs_feedback(check_file(p)) and check_file(p).projects],
                         ids=lambda p: p.name)
def test_samples_fast_copy_equals_openpyxl_copy(path: Path) -> None:
    assert_same(path)


def test_seed_xlsm_stays_macro_enabled() -> None:
    path = FIXTURES / "seed.xlsm"
    fast = assert_same(path, with_findings(path, warn("自评表", "C7")))
    with zipfile.ZipFile(io.BytesIO(fast)) as out:
        assert b"macroEnabled" in out.read("[Content_Types].xml")


def test_xlsm_macros_are_kept_byte_for_byte(form: Path) -> None:
    """A VBA project (here a stand-in: the copy never looks inside it) travels with the copy unchanged."""
    path = form.with_suffix(".xlsm")
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml".replace(
                    b"ms-excel", b"ms-excel"))
                data = data.replace(b"application/vnd.openxmlformats-officedocument.ms-excel.sheet.macroEnabled",
                                    b"application/vnd.ms-excel.sheet.macroEnabled")
                data = data.replace(b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                                                  b'vbaProject"/><Default ', 1)
            if name == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.'
                                    b'com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            out.writestr(name, data)
        out.writestr("xl/vbaProject.bin", VBA)
    fast = assert_same(path)
    with zipfile.ZipFile(io.BytesIO(fast)) as out:
        assert out.read("xl/vbaProject.bin") == VBA
        assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in out.read("[Content_Types].xml")


VBA = bytes(range(256)) * 8


def test_cells_absent_merged_and_beyond_the_data(form: Path) -> None:
    result = with_findings(form, warn("助学", "Z40", "不存在的行和列"), warn("助学", "J5", "行内不存在的单元格"),
                           warn("校舍", "A2", "第二张表", Severity.ERROR))
    merged = next(r for r in openpyxl.load_workbook(form)["助学"].merged_cells.ranges if r.size["columns"] > 1)
    inside = f"{openpyxl.utils.get_column_letter(merged.max_col)}{merged.max_row}"
    result = replace(result, findings=(*result.findings, warn("助学", inside, "合并区域内")))
    fast = assert_same(form, result)
    ws = openpyxl.load_workbook(io.BytesIO(fast))["助学"]
    assert ws["Z40"].fill.fgColor.rgb == "FFFFE699" and "不存在的行和列" in ws["Z40"].comment.text
    top = ws.cell(merged.min_row, merged.min_col)
    assert "合并区域内" in top.comment.text  # the merge's top-left cell carries the mark
    assert openpyxl.load_workbook(io.BytesIO(fast))["校舍"]["A2"].fill.fgColor.rgb == "FFF8CBAD"


def test_defined_names_and_print_titles_shift_with_the_new_first_sheet(form: Path) -> None:
    book = openpyxl.load_workbook(form)
    book["校舍"].print_title_rows = "1:2"
    book["助学"].defined_names["本表合计"] = DefinedName("本表合计", attr_text="助学!$H$5")
    book.defined_names["全局"] = DefinedName("全局", attr_text="校舍!$A$1:$B$2")
    book.active = 1
    book.save(form)
    fast = assert_same(form)
    copy = openpyxl.load_workbook(io.BytesIO(fast))
    assert copy["校舍"].print_title_rows == "$1:$2" and "本表合计" in copy["助学"].defined_names
    assert copy[LIST_SHEET].print_title_rows is not None


MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
X14AC = 'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
X15AC = 'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"'


def test_excel_2016_markup_compatibility_survives(form: Path) -> None:
    """Excel declares namespaces only mc:Ignorable names and puts mc:AlternateContent in workbook.xml: a reader
    that knows neither must find them as they were, or Excel calls the file corrupt."""
    with zipfile.ZipFile(form) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    book = parts["xl/workbook.xml"].decode()
    book = book.replace("<workbook ", f'<workbook {MC} {X15AC} mc:Ignorable="x15ac" ', 1)
    book = re.sub(r"(<workbookPr[^>]*/>)", r'\1<mc:AlternateContent><mc:Choice Requires="x15">'
                  r'<x15ac:absPath url="C:\\部门\\"/></mc:Choice></mc:AlternateContent>', book, count=1)
    sheet = parts["xl/worksheets/sheet1.xml"].decode().replace("<worksheet ", f'<worksheet {MC} {X14AC} '
                                                               'mc:Ignorable="x14ac" ', 1)
    parts["xl/workbook.xml"] = book.encode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'<row r="(\d+)"', r'<row r="\1" x14ac:dyDescent="0.25"', sheet).encode()
    with zipfile.ZipFile(form, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    fast = assert_same(form, with_findings(form, warn("助学", "C7")))
    with zipfile.ZipFile(io.BytesIO(fast)) as out:
        book_out, sheet_out = out.read("xl/workbook.xml").decode(), out.read("xl/worksheets/sheet1.xml").decode()
    assert X15AC in book_out and "<x15ac:absPath" in book_out and book_out.index("<mc:Alternate") < book_out.index("<bookViews")
    assert X14AC in sheet_out and 'mc:Ignorable="x14ac"' in sheet_out and "x14ac:dyDescent" in sheet_out


def test_untouched_parts_are_copied_byte_for_byte(form: Path) -> None:
    fast, _ = both(form, with_findings(form, warn("助学", "C7")))
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(io.BytesIO(fast)) as out:
        same = {n for n in src.namelist() if out.read(n) == src.read(n)}
        assert set(src.namelist()) - same <= {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                              "xl/styles.xml", "docProps/core.xml", "xl/worksheets/sheet1.xml",
                                              "xl/worksheets/sheet2.xml"}
        assert "xl/sharedStrings.xml" in same and "xl/theme/theme1.xml" in same
        assert {i.date_time for i in out.infolist()} == {(2026, 11, 27, 0, 0, 0)}
        assert out.namelist()[0] == "[Content_Types].xml"
        core = out.read("docProps/core.xml").decode()
        assert "2026-11-27T00:00:00Z" in core and "绩效自评复核" in core


def test_fast_copy_is_deterministic_and_taken_by_annotated_copy(form: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = check_file(form)
    first = annotated_copy(result, DAY)
    assert first is not None and first == annotated_copy(result, DAY) == fast_copy(form.read_bytes(), result, DAY)
    monkeypatch.setattr("processor.write.slowcopy.openpyxl.load_workbook", None)  # the fast path needs no openpyxl
    assert annotated_copy(result, DAY) == first


def test_comments_of_unmarked_sheets_are_kept_and_drawing_ids_stay_unique(form: Path) -> None:
    book = openpyxl.load_workbook(form)
    book["校舍"]["A1"].comment = Comment("部门自己的批注", "张三")
    book.save(form)
    result = check_file(form)
    result = replace(result, findings=(*(f for f in result.findings if f.sheet != "校舍"), warn("助学", "C7")))
    fast = assert_same(form, result)
    copy = openpyxl.load_workbook(io.BytesIO(fast))
    assert copy["校舍"]["A1"].comment.text == "部门自己的批注" and "人工复核" in copy["助学"]["C7"].comment.text
    with zipfile.ZipFile(io.BytesIO(fast)) as out:
        assert out.testzip() is None
        blocks = [re.search(rb'idmap[^>]*data="([0-9]+)"', out.read(n))[1]  # type: ignore[index]
                  for n in out.namelist() if n.endswith(".vml")]
    assert len(blocks) == 2 and len(set(blocks)) == 2  # shape ids never collide across sheets


def test_existing_comments_are_merged_below_ours(form: Path) -> None:
    """The department's own comment on a marked cell stays, below ours; its other comments stay as they are."""
    book = openpyxl.load_workbook(form)
    book["助学"]["H13"].comment = Comment("科长：已核", "张三")
    book["助学"]["A1"].comment = Comment("无关的批注", "李四")
    book.save(form)
    result = with_findings(form, warn("助学", "Z40", "新批注"))
    assert any(f.sheet == "助学" and f.cell == "H13" and f.severity is not Severity.INFO for f in result.findings)
    fast = assert_same(form, result)
    ws = openpyxl.load_workbook(io.BytesIO(fast))["助学"]
    text = ws["H13"].comment.text
    assert text.index("修改建议") < text.index("（原批注）科长：已核")
    assert ws["A1"].comment.text == "无关的批注" and "新批注" in ws["Z40"].comment.text
    with zipfile.ZipFile(io.BytesIO(fast)) as out:
        assert len([n for n in out.namelist() if n.endswith(".vml")]) == 1  # merged into the sheet's own drawing
        vml = out.read(next(n for n in out.namelist() if n.endswith(".vml"))).decode()
    ids = re.findall(r'id="(_x0000_s[0-9]+)"', vml)
    assert len(ids) == 3 == len(set(ids))


def test_prefixed_spreadsheetml_falls_back_to_openpyxl(form: Path) -> None:
    """Some generators write <x:worksheet xmlns:x=…>: valid, but not what the fast copy edits."""
    with zipfile.ZipFile(form) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                          'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    sheet = sheet.replace("</", "</x:").replace("<", "<x:").replace("<x:/x:", "</x:").replace("<x:?", "<?")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(form, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    result = check_file(form)
    assert result.projects and needs_feedback(result)
    with pytest.raises(Unsupported):
        fast_copy(form.read_bytes(), result, DAY)
    assert marked_copy(form.read_bytes(), result, DAY) is None
    copy = annotated_copy(result, DAY)
    assert copy is not None and copy == openpyxl_copy(form.read_bytes(), result, DAY)


def test_a_bug_of_the_fast_path_falls_back(form: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> bytes:
        raise RuntimeError("bug")

    monkeypatch.setattr(fastcopy._Copy, "build", broken)
    result = check_file(form)
    assert annotated_copy(result, DAY) == openpyxl_copy(form.read_bytes(), result, DAY)


@soffice
def test_libreoffice_saved_workbook_takes_the_fast_path(form: Path, tmp_path: Path) -> None:
    """LibreOffice's own dialect: "true" for "1", its core-properties type, notes drawn without o:idmap."""
    book = openpyxl.load_workbook(form)
    book["助学"]["H13"].comment = Comment("科长：已核", "张三")
    book.save(form)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(form)],
                   capture_output=True, timeout=120, check=True)
    saved = out / form.name
    fast = assert_same(saved, with_findings(saved, warn("助学", "Z40"), warn("助学", "C7")))
    assert "（原批注）科长：已核" in openpyxl.load_workbook(io.BytesIO(fast))["助学"]["H13"].comment.text


@soffice
def test_libreoffice_converts_a_fast_copy(tmp_path: Path) -> None:
    path = next(p for p in SAMPLES if "教育局" in p.name)
    target = tmp_path / "copy.xlsx"
    target.write_bytes(fast_copy(path.read_bytes(), check_file(path), DAY))
    proc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(target)],
                          capture_output=True, text=True, timeout=120)
    pdf = tmp_path / "copy.pdf"
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 5000, proc.stderr
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())) >= 2  # the list and the forms
    if shutil.which("pdftotext") is not None:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "项目支出绩效自评表审核意见" in text and "修改建议" in text


# -- a second reader's cases -------------------------------------------------------------------------------------------

def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as src:
        return {n: src.read(n) for n in src.namelist()}


def _repack(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_a_sheet_with_excel_365_threaded_comments_falls_back(form: Path) -> None:
    """Excel 365 shows a threaded comment's own text, not the note under it: merged there, ours would be hidden."""
    parts = _parts(form)
    parts["xl/threadedComments/threadedComment1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><ThreadedComments xmlns="http://schemas.microsoft.com/office/'
        b'spreadsheetml/2018/threadedcomments"><threadedComment ref="C7" id="{D1A2B3C4-0000-4000-8000-000000000001}">'
        b'<text>\xe7\xa7\x91\xe9\x95\xbf\xef\xbc\x9a\xe5\xb7\xb2\xe6\xa0\xb8</text></threadedComment></ThreadedComments>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId90" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
            'threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>')
    parts.setdefault("xl/worksheets/_rels/sheet1.xml.rels", rels.encode())
    _repack(form, parts)
    result = with_findings(form, warn("助学", "C7"))
    with pytest.raises(Unsupported, match="threaded"):
        fast_copy(form.read_bytes(), result, DAY)
    assert annotated_copy(result, DAY) == openpyxl_copy(form.read_bytes(), result, DAY)


def test_a_stale_override_never_names_a_new_part_twice(form: Path) -> None:
    """A tool that removed a sheet may leave its Override behind: the new list sheet must take another name."""
    parts = _parts(form)
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/worksheets/sheet3.xml" ContentType="{kind}"/></Types>'.encode())
    _repack(form, parts)
    fast = assert_same(form, with_findings(form, warn("助学", "C7")))
    names = re.findall(r'PartName="([^"]+)"', _parts_of(fast)["[Content_Types].xml"].decode())
    assert len(names) == len(set(names)) and "/xl/worksheets/sheet3.xml" in names


def _parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return {n: src.read(n) for n in src.namelist()}


def test_more_notes_than_a_drawing_block_holds_fall_back(form: Path) -> None:
    """One o:idmap block numbers 1,024 shapes: past that, two drawings would share shape ids."""
    marks = [warn("助学", f"{col}{row}") for col in ("M", "N", "O", "P", "Q") for row in range(1, 206)]
    result = with_findings(form, *marks)
    assert len(marks) > fastcopy.MAX_NOTES
    with pytest.raises(Unsupported, match="notes"):
        fast_copy(form.read_bytes(), result, DAY)


def test_the_fast_copy_cleans_text_and_names_columns_as_openpyxl_does() -> None:
    """fastparts keeps its own copies of openpyxl's pattern and column letters, so that a run need not import
    openpyxl: they must stay the same."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    from processor.write import fastparts

    assert fastparts.ILLEGAL_CHARACTERS.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert all(fastparts.column_letter(n) == get_column_letter(n) for n in (1, 26, 27, 702, 703, 16384))


def test_a_run_does_not_import_what_it_does_not_use(tmp_path: Path) -> None:
    """`selfeval run` without --config, Word reports or an openpyxl copy imports neither openpyxl, python-docx,
    smtplib nor sqlite3: together they were 0.2 s of every start."""
    import subprocess
    import sys

    code = ("import sys, processor.cli, processor.run; "
            "print(sorted(m for m in ('openpyxl', 'docx', 'smtplib', 'sqlite3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]"
