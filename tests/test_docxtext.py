"""A submitted report's text as its reader sees it (processor/narrative/docxtext.py): changes accepted, field
results not codes, text boxes once, tables as rows of cells, each place numbered the way a finding names it — and
every hostile or broken package refused with its finding, never parsed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from reportbuilder import (
    DOCUMENT,
    TITLE_LINES,
    W,
    add_control,
    add_field,
    add_hidden,
    add_hyperlink,
    add_joined,
    add_moved,
    add_simple_field,
    add_table,
    add_text_box,
    add_tracked,
    append_xml,
    forge_size,
    new_report,
    ole_file,
    package,
    pdf_file,
    report_bytes,
    rewrite,
    table_report,
    truncated,
    with_bomb,
    with_dtd,
    without_document,
    write_report,
)

from processor.narrative.docxtext import Para, ReportText, document_kind, read_docx
from processor.read.guard import Refused

BODY = ["一、项目概况", "2021年度项目资金全年为200万元。", "二、绩效自评工作开展情况", "由市委组织部组织指导科具体负责。"]


def texts(report: ReportText) -> list[str]:
    return [p.text for p in report.paragraphs]


def refused(data: bytes) -> Refused:
    with pytest.raises(Refused) as caught:
        read_docx(data)
    return caught.value


# -- paragraphs, numbering, title ------------------------------------------------------------------------------


def test_paragraphs_are_numbered_in_reading_order_and_the_title_spans_two_lines(tmp_path: Path) -> None:
    path = write_report(tmp_path / "报告.docx", [BODY[0], "", "   ", *BODY[1:]])
    report = read_docx(path.read_bytes())
    assert report.title == "2021年度城市基层党建工作专项资金绩效自评报告"
    assert report.paragraphs == tuple(
        Para(n, text, f"第{n}段") for n, text in enumerate([*TITLE_LINES, *BODY], 1))  # the blank ones are not counted


def test_whitespace_as_the_reader_sees_it() -> None:
    doc = new_report()
    paragraph = doc.add_paragraph("　　全年预算数")  # indented with ideographic spaces, as clerks do
    run = paragraph.add_run("200")
    run.add_tab()
    run.add_text("万元")
    run.add_break()
    paragraph.add_run("  执行数\u00a0200万元  ")
    report = read_docx(package(doc))
    assert report.paragraphs[-1].text == "全年预算数200 万元 执行数 200万元"


@pytest.mark.parametrize(("lines", "title"), [
    (("关于2021年度城市基层党建工作专项资金的", "绩效自评报告"), "关于2021年度城市基层党建工作专项资金的绩效自评报告"),
    (("附件2", "2021年度城市基层党建工作专项资金绩效自评报告", "（市委组织部）"),
     "2021年度城市基层党建工作专项资金绩效自评报告"),  # the year starts a whole title: the 附件 mark is not part of it
    (("市委组织部", "2021年度城市基层党建工作专项资金绩效自评报告"), "2021年度城市基层党建工作专项资金绩效自评报告"),
    (("城市基层党建工作专项资金", "绩效自评情况"), "城市基层党建工作专项资金绩效自评情况"),
])
def test_title_lines(lines: tuple[str, ...], title: str) -> None:
    assert read_docx(report_bytes(BODY, title_lines=lines)).title == title


def test_without_a_title_in_the_body_the_documents_own_title_is_used() -> None:
    doc = new_report(())
    doc.core_properties.title = "城市基层党建工作专项资金绩效自评报告"
    for line in BODY:
        doc.add_paragraph(line)
    assert read_docx(package(doc)).title == "城市基层党建工作专项资金绩效自评报告"
    assert read_docx(report_bytes(BODY, title_lines=())).title == ""
    prose = report_bytes(["根据有关文件要求，现将2021年度项目绩效自评情况报告如下：", *BODY], title_lines=())
    assert read_docx(prose).title == ""


# -- tracked changes, fields, boxes, links, controls ---------------------------------------------------------------


def test_tracked_changes_read_as_accepted() -> None:
    doc = new_report()
    add_tracked(doc, "本项目综合得分为", "99", "95", "分。")
    add_moved(doc, "资金使用率100%。", "结余资金0万元，", "已全部拨付。")
    add_joined(doc, "经评价，等级为", "优秀。")
    report = read_docx(package(doc))
    assert texts(report)[2:] == ["本项目综合得分为99分。", "资金使用率100%。已全部拨付。", "经评价，等级为优秀。"]
    assert "95" not in "".join(texts(report))
    assert [p.where for p in report.paragraphs][2:] == ["第3段", "第4段", "第5段"]


def test_fields_show_their_results_not_their_codes() -> None:
    doc = new_report()
    add_field(doc, "全年预算数", ' MERGEFIELD 全年预算数 \\# "0.00" ', "200.00", "万元。")
    add_simple_field(doc, "第", " PAGE ", "3")
    report = read_docx(package(doc))
    assert texts(report)[2:] == ["全年预算数200.00万元。", "第3"]
    assert "MERGEFIELD" not in "".join(texts(report))


def test_nested_fields() -> None:
    """A field inside another's instructions (IF { MERGEFIELD … }) shows nothing of its own; one inside a result
    shows its result in place."""
    def field(code: str, result: str) -> str:
        return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>' + code
                + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + result + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')

    def run(text: str, tag: str = "w:t") -> str:
        return f"<w:r><{tag}>{text}</{tag}></w:r>"

    doc = new_report()
    append_xml(doc, "<w:p>" + field(run("IF ", "w:instrText") + field(run("MERGEFIELD 得分", "w:instrText"), run("99"))
                                    + run(" > 90", "w:instrText"), run("优秀")) + "</w:p>")
    append_xml(doc, "<w:p>" + field(run("QUOTE", "w:instrText"), run("得分") + field(run("PAGE", "w:instrText"), run("99"))
                                    + run("分")) + run("。") + "</w:p>")
    assert texts(read_docx(package(doc)))[2:] == ["优秀", "得分99分。"]


def test_text_boxes_are_read_once_in_place() -> None:
    doc = new_report(())
    add_text_box(doc, "", ["2021年度城市基层党建工作", "专项资金绩效自评报告"])  # a cover page in a text box
    doc.add_paragraph(BODY[0])
    add_text_box(doc, "见右侧说明", ["结余资金0万元"])
    report = read_docx(package(doc))
    assert texts(report) == [*TITLE_LINES, BODY[0], "见右侧说明", "结余资金0万元"]
    assert report.title == "2021年度城市基层党建工作专项资金绩效自评报告"


def test_links_controls_and_hidden_text() -> None:
    doc = new_report()
    add_hyperlink(doc, "详见", "附件：项目支出绩效自评表", "。")
    add_control(doc, "市委组织部")
    add_hidden(doc, "得分99分", "（内部：原为95分）")
    assert texts(read_docx(package(doc)))[2:] == ["详见附件：项目支出绩效自评表。", "市委组织部", "得分99分"]


def test_strict_open_xml_reads_the_same() -> None:
    data = report_bytes(BODY, tables=[[["预算数", "200"]]])
    strict = rewrite(data, {DOCUMENT: lambda xml: xml.replace(
        W.encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main")})
    assert read_docx(strict) == read_docx(data)


# -- tables -------------------------------------------------------------------------------------------------------


def test_tables_are_rows_of_cells_after_the_paragraphs() -> None:
    data = report_bytes(BODY[:2], tables=[
        [["指标", "年度指标值", "实际完成值"], ["", "", ""], ["示范点数量", "100个", "100个"]],
        [["综合得分", "99"]],
    ])
    rows = read_docx(data).paragraphs[4:]
    assert rows == (
        Para(5, "指标 | 年度指标值 | 实际完成值", "表格1第1行", ("指标", "年度指标值", "实际完成值")),
        Para(6, "示范点数量 | 100个 | 100个", "表格1第3行", ("示范点数量", "100个", "100个")),  # row 2 is blank
        Para(7, "综合得分 | 99", "表格2第1行", ("综合得分", "99")),
    )


def test_a_report_laid_out_as_a_table(tmp_path: Path) -> None:
    rows = [("项目名称", "城市基层党建工作专项资金"), ("全年预算数（万元）", "200"), ("全年执行数（万元）", "200"),
            ("自评得分", "99")]
    report = read_docx(table_report(tmp_path / "表.docx", rows).read_bytes())
    assert [p.cells for p in report.paragraphs[2:]] == rows
    assert [p.where for p in report.paragraphs[2:]] == [f"表格1第{n}行" for n in range(1, 5)]
    merged = read_docx(table_report(tmp_path / "并.docx", rows, merged_label=("资金", 3)).read_bytes())
    assert [p.cells for p in merged.paragraphs[2:]] == [
        ("资金", *rows[0]), ("", *rows[1]), ("", *rows[2]), ("", *rows[3])]  # the merged label once


def test_merged_cells_once_nested_tables_after_their_row_and_deleted_rows_gone() -> None:
    doc = new_report()
    table = add_table(doc, [["产出指标", "数量指标", "", ""], ["效益指标", "社会效益", "x", "y"]])
    table.cell(0, 1).merge(table.cell(0, 3))  # one cell across three columns
    inner = table.cell(1, 1).add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("群众满意度", "≥90%"), ("实际", "95%")]):
        inner.cell(r, 0).text, inner.cell(r, 1).text = a, b
    append_xml(doc, ('<w:tbl><w:tr><w:trPr><w:del w:id="1" w:author="a" w:date="2022-03-01T00:00:00Z"/></w:trPr>'
                     '<w:tc><w:p><w:r><w:t>删除的行</w:t></w:r></w:p></w:tc></w:tr>'
                     "<w:tr><w:tc><w:p><w:r><w:t>保留的行</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"))
    innermost = inner.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).add_table(rows=1, cols=1)
    innermost.cell(0, 0).text = "三层"
    rows = read_docx(package(doc)).paragraphs[2:]
    assert [(p.where, p.cells) for p in rows] == [
        ("表格1第1行", ("产出指标", "数量指标")),
        ("表格1第2行", ("效益指标", "社会效益", "x", "y")),
        ("表格1第2行的内嵌表格第1行", ("群众满意度", "≥90%")),
        ("表格1第2行的内嵌表格第2行", ("实际", "95%")),
        ("表格1第2行的第3层内嵌表格第1行", ("三层",)),  # deeper tables keep a short name
        ("表格2第1行", ("保留的行",)),
    ]
    assert [p.number for p in rows] == [3, 4, 5, 6, 7, 8]


def test_our_own_draft_reads_as_python_docx_shows_it(tmp_path: Path) -> None:
    import datetime as dt

    import docx
    from formbuilder import seed_spec, write_workbook

    from processor.draft import draft

    form = write_workbook(tmp_path / "form.xlsx", [("表1", seed_spec())])
    path = draft([form], tmp_path / "out", date=dt.date(2026, 11, 30)).drafts[0].path
    report = read_docx(path.read_bytes())
    shown = [" ".join(p.text.split()) for p in docx.Document(str(path)).paragraphs]
    assert [p.text for p in report.paragraphs if not p.cells] == [t for t in shown if t]
    assert report.title.startswith("2021年度") and report.title.endswith("绩效自评报告")
    assert any(p.where == "表格1第1行" and p.cells for p in report.paragraphs)


def test_the_same_calls_give_the_same_bytes() -> None:
    assert report_bytes(BODY, tables=[[["a", "b"]]]) == report_bytes(BODY, tables=[[["a", "b"]]])


# -- hostile and broken packages ---------------------------------------------------------------------------------


def test_a_dtd_is_refused_unparsed() -> None:
    found = refused(with_dtd(report_bytes(BODY))).finding
    assert (found.code, found.value) == ("file-xml-dtd", "")
    assert "word/document.xml" in found.message and "<!DOCTYPE" in found.message


def test_a_dtd_behind_leading_whitespace_is_refused_too() -> None:
    """XML allows whitespace before a DOCTYPE when there is no XML declaration: the guard looks past it (since
    d8c333a), and docxtext refuses a DTD itself as well, so either catches it."""
    found = refused(with_dtd(report_bytes(BODY), leading_spaces=200)).finding
    assert found.code == "file-xml-dtd" and "word/document.xml" in found.message


@pytest.mark.parametrize(("make", "code"), [
    (with_bomb, "file-bomb"),
    (without_document, "report-unreadable"),
    (truncated, "file-damaged"),
    (lambda data: truncated(data, 0.1), "file-damaged"),
    (forge_size, "file-size-forged"),
    (lambda data: b"just some text, named .docx", "file-damaged"),
    (lambda data: rewrite(data, {DOCUMENT: lambda xml: xml[:len(xml) // 2]}), "file-damaged"),
], ids=["bomb", "no-document", "half", "tenth", "forged", "text", "xml-cut"])
def test_broken_and_hostile_packages_are_refused(make: object, code: str) -> None:
    data = make(report_bytes(BODY))  # type: ignore[operator]
    assert refused(data).finding.code == code


def test_the_document_properties_are_read_as_warily() -> None:
    data = report_bytes(BODY, title_lines=())
    broken = rewrite(data, {"docProps/core.xml": lambda xml: xml[:40]})
    assert read_docx(broken).paragraphs == read_docx(data).paragraphs  # a broken core.xml costs only the title
    hostile = rewrite(data, {"docProps/core.xml": lambda xml: b" " * 100 + xml.split(b"?>", 1)[1].replace(
        b"<cp:coreProperties", b'<!DOCTYPE cp:coreProperties [<!ENTITY t "x">]><cp:coreProperties', 1)})
    found = refused(hostile).finding
    assert found.code == "file-xml-dtd" and "docProps/core.xml" in found.message


def test_no_document_part_says_it_is_not_a_word_document() -> None:
    found = refused(without_document(report_bytes(BODY))).finding
    assert "word/document.xml" in found.message and "不是 Word 文档" in found.message


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep = "<w:tbl><w:tr><w:tc>" * 300 + "<w:p/>" + "</w:tc></w:tr></w:tbl>" * 300
    data = rewrite(report_bytes(BODY), {DOCUMENT: lambda xml: xml.replace(b"</w:body>", deep.encode() + b"</w:body>")})
    assert refused(data).finding.code == "file-damaged"


# -- what a file is ----------------------------------------------------------------------------------------------


def test_document_kinds() -> None:
    data = report_bytes(BODY)
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert document_kind(data) == "docx"
    assert document_kind(truncated(data)) == "docx"  # still a docx: reading it says it is damaged
    assert document_kind(without_document(data)) == "other"
    assert document_kind(xlsx.getvalue()) == "other"
    assert document_kind(ole_file()) == "doc"  # Word 97–2003 .doc and WPS .wps alike
    assert document_kind(ole_file("Workbook")) == "other"  # an .xls
    assert document_kind(ole_file("EncryptedPackage")) == "other"  # a password-protected .docx
    assert document_kind(pdf_file()) == "pdf"
    assert document_kind(b"\r\n" + pdf_file()) == "pdf"
    assert document_kind(b"") == document_kind("报告".encode()) == "other"


def test_the_ole_file_is_a_real_compound_file() -> None:
    """The .doc stand-in follows the layout any OLE reader follows: the guard's own reader finds the stream."""
    from processor.read.guard_xls import _ole_stream

    content = b"\xec\xa5" + bytes(100)
    assert _ole_stream(ole_file("Workbook", content))[:102] == content  # type: ignore[index]
