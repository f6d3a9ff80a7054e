"""Two sheets whose names differ only in case (issue 16): Excel forbids it, a program may write it, and openpyxl
renames the second when the 审核意见 copy is made. Each sheet of the copy must still carry its own marks."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
from formbuilder import clean_rows, clean_spec, write_workbook

from processor.run import run
from processor.write.feedback import LIST_SHEET
from processor.write.styles import RED_FILL

DAY = dt.date(2026, 11, 27)


def twins(path: Path) -> Path:
    """FORM1 and Form1, each a form with a finding at H13 (8 of ≥10 scored 10/10) and the second one also at H14,
    so that a mark landing on the wrong sheet would show. xlsxwriter refuses such names: the names are patched
    into workbook.xml (and app.xml) afterwards."""
    draft = path.with_name("draft.xlsx")
    write_workbook(draft, [
        ("FORMX", clean_spec(name="项目甲", rows=clean_rows(r0={"actual": "8个"}))),
        ("Form1", clean_spec(name="项目乙", rows=clean_rows(r0={"actual": "8个"}, r1={"actual": "400人次"}))),
    ])
    with zipfile.ZipFile(draft) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in ("xl/workbook.xml", "docProps/app.xml"):
                data = data.replace(b"FORMX", b"FORM1")
            dst.writestr(info, data)
    draft.unlink()
    with zipfile.ZipFile(path) as zf:
        assert b'name="FORM1"' in zf.read("xl/workbook.xml") and b'name="Form1"' in zf.read("xl/workbook.xml")
    return path


def test_both_case_twins_keep_their_marks_in_the_copy(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    twins(inbox / "大小写.xlsx")
    result = run(inbox, tmp_path / "out", date=DAY)
    (checked,) = result.report.files
    assert [p.sheet for p in checked.projects] == ["FORM1", "Form1"]
    marked = {(f.sheet, f.cell) for f in checked.findings if f.code == "score-inflated"}
    assert marked == {("FORM1", "H13"), ("Form1", "H13"), ("Form1", "H14")}
    (letter,) = result.feedback
    book = openpyxl.load_workbook(letter)
    assert book.sheetnames == [LIST_SHEET, "FORM1", "Form1~2"]  # renamed so that the copy opens in Excel
    first, second = book["FORM1"], book["Form1~2"]
    names = [{c.value for row in ws.iter_rows() for c in row} & {"项目甲", "项目乙"} for ws in (first, second)]
    assert names == [{"项目甲"}, {"项目乙"}]  # in the workbook's order
    for ws, cells in ((first, ("H13",)), (second, ("H13", "H14"))):
        for ref in cells:
            assert ws[ref].comment is not None and "自评分虚高" in ws[ref].comment.text, (ws.title, ref)
            assert ws[ref].fill.fgColor.rgb == "FF" + RED_FILL.lstrip("#"), (ws.title, ref)
    assert first["H14"].comment is None  # each sheet carries its own marks, no more
    links = {c.hyperlink.location for row in book[LIST_SHEET].iter_rows() for c in row if c.hyperlink}
    assert links == {"'FORM1'!H13", "'Form1~2'!H13", "'Form1~2'!H14"}
    head = [str(c.value) for row in book[LIST_SHEET].iter_rows(max_row=8) for c in row if c.value]
    assert any("“Form1”" in t and "“Form1~2”" in t for t in head)  # the list says where Form1's marks went
