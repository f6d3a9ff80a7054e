"""A submitted report file read on its own: what it states, before it is matched with its form (link.py).

A .docx is read through the guard (bombs, entity declarations, forged sizes) like a workbook; a .doc or .wps
(Word 97–2003 or WPS, OLE files) cannot be read and is asked for again as .docx; a PDF (often a stamped scan) is
registered as submitted, unchecked. The report's file entry is `accepted` until its findings say otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from processor.core.findings import finding
from processor.core.model import FileResult, Finding, ReportInfo, Statement, Status
from processor.narrative.docxtext import Para, document_kind, read_docx
from processor.narrative.statements import extract
from processor.read.discover import NOT_WORKBOOK
from processor.read.guard import Refused
from processor.read.workbook import DEFAULT_MAX_FILE_MB, cap_bytes, over_cap

_PLACEHOLDER = re.compile(r"【请填写[:：][^】]{0,80}】")
_YEARS = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_NOT_THIS_YEAR = ("上年", "上一年", "去年", "以前年度", "下一年", "下年度", "明年", "计划安排", "拟安排", "每年", "三年", "历年")


def other_year(quote: str, year: int | None) -> bool:
    """A sentence about another year or a plan (2020年…预算150万元, 2022年计划安排, 每年安排): its figures are not
    this form's, and comparing them would accuse the department of a contradiction it did not make."""
    years = {int(y) for y in _YEARS.findall(quote)}
    return any(w in quote for w in _NOT_THIS_YEAR) or (year is not None and bool(years - {year}))


KIND_ZH = {"doc": "Word 97-2003 或 WPS（.doc/.wps）", "pdf": "PDF"}


def read_report(path: Path, shown: str, data: bytes | None = None,
                max_file_mb: float = DEFAULT_MAX_FILE_MB) -> FileResult:
    try:
        size = path.stat().st_size if data is None else len(data)
        if size > cap_bytes(max_file_mb):
            found = over_cap(size, max_file_mb)
            return FileResult(shown, Status.REJECTED, found.message, "docx", findings=(found,),
                              report=ReportInfo("docx", verdict="无法核对"))
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        found = finding("report-unreadable", detail=exc.strerror or type(exc).__name__)
        return FileResult(shown, Status.REJECTED, found.message, "docx", findings=(found,),
                          report=ReportInfo("docx", verdict="无法核对"))
    kind = document_kind(data)
    name = Path(shown).stem
    if kind == "pdf":
        found = finding("report-pdf-unchecked")
        return FileResult(shown, Status.ACCEPTED, "", "pdf", findings=(found,),
                          report=ReportInfo("pdf", name=name, verdict="PDF未核对"))
    if kind == "doc":
        found = finding("report-not-docx", kind=KIND_ZH["doc"])
        return FileResult(shown, Status.RETURNED, found.message, "doc", findings=(found,),
                          report=ReportInfo("doc", name=name, verdict="无法核对"))
    if kind != "docx":
        found = finding("report-unreadable", detail="文件内容不是 Word 文档")
        return FileResult(shown, Status.REJECTED, found.message, kind, findings=(found,),
                          report=ReportInfo(kind, name=name, verdict="无法核对"))
    try:
        text = read_docx(data)
    except Refused as refused:
        return FileResult(shown, Status.REJECTED, refused.finding.message, "docx", findings=(refused.finding,),
                          report=ReportInfo("docx", name=name, verdict="无法核对"))
    stated = extract(text.paragraphs, text.title)
    if not stated.sections and all(s.key == "year" for s in stated.statements):
        # a 填报说明.docx or a cover letter (关于报送…自评报告的函) beside the forms: a document, answered as one
        return FileResult(shown, Status.SKIPPED, f"{NOT_WORKBOOK}：Word 文档，但不是绩效自评报告（没有报告的章节），未审核")
    where = {p.number: p.where for p in text.paragraphs}
    statements = tuple(Statement(s.key, s.value, s.paragraph, s.quote, s.raw, where.get(s.paragraph, "标题"))
                       for s in stated.statements if s.key == "year" or not other_year(s.quote, stated.year))
    opening = "".join(p.text for p in text.paragraphs)[:600]
    info = ReportInfo("docx", title=text.title, name=stated.name or name, year=stated.year,
                      statements=statements, sections=stated.sections, opening=opening)
    return FileResult(shown, Status.ACCEPTED, "", "docx", findings=unfinished(text.paragraphs), report=info)


def unfinished(paragraphs: Sequence[Para]) -> tuple[Finding, ...]:
    """A selfeval draft sent on as it was: its 【请填写：…】 gaps are there to be seen, and are named (once, at the
    first, with how many more) so the report is not filed as final."""
    gaps = [(p, m.group(0)) for p in paragraphs for m in _PLACEHOLDER.finditer(p.text)]
    if not gaps:
        return ()
    first, text = gaps[0]
    more = f"，全文共 {len(gaps)} 处" if len(gaps) > 1 else ""
    return (finding("report-draft-unfinished", cell=first.where, value=text, where=first.where, more=more),)

