"""The zip guard (processor/read/guard.py) in front of both readers: a DTD hidden behind leading whitespace is
found in any XML part, and a refused Word report is told about its 文档 and .docx, never about a 工作簿.

The guard decides whether a part it does not parse itself is XML (and so must be free of `<!DOCTYPE`/`<!ENTITY`)
from its content. XML allows any amount of whitespace before a DOCTYPE, so that decision cannot rest on a fixed
number of leading bytes: docProps/core.xml, which openpyxl parses when the annotated copy is written, is the
workbook part this matters for; a report's docProps/app.xml or word/settings.xml are parts docxtext never reads.
"""

from __future__ import annotations

import string
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile.zipcraft import clean_xlsx
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from reportbuilder import DOCUMENT, forge_size, report_bytes, rewrite, with_bomb, with_dtd

from processor import check_file
from processor.core.findings import CATALOGUE, finding
from processor.core.model import Finding, Status
from processor.narrative import docxtext
from processor.narrative.docxtext import read_docx
from processor.narrative.reading import read_report
from processor.read import guard
from processor.read.guard import Refused, inspect_zip

BODY = ["一、项目概况", "2021年度项目资金全年为200万元。", "二、绩效自评工作开展情况", "由市委组织部组织指导科具体负责。"]
ENTITY = b'[<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

# What may stand before a DOCTYPE in a well-formed part without an XML declaration: whitespace (more than the
# guard's 1 MB chunk, so its decision spans chunks), a byte-order mark, comments and processing instructions.
LEADS: dict[str, bytes] = {
    "spaces": b" " * 200,
    "bom-newlines": b"\xef\xbb\xbf" + b"\n" * 100,
    "mixed-whitespace": b"\r\n\t " * 50,
    "over-a-chunk": b" " * (2 * guard.MB + 3),
    "whitespace-then-comment": b" " * 100 + b"<!--" + b"x" * 200 + b"-->",
    "long-comment": b"<!--" + b"x" * 5000 + b"-->\n",
}


def hide_dtd(lead: bytes, utf16: bool = False) -> Callable[[bytes], bytes]:
    """A part rewritten as `lead`, a DTD declaring an external entity, then the part's root element (its XML
    declaration dropped: XML allows nothing before one). With `utf16`, the whole part as UTF-16 with a BOM."""
    def edit(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1].lstrip() if xml.startswith(b"<?xml") else xml
        root = body[1:body.find(b" ")]  # <cp:coreProperties xmlns… → cp:coreProperties
        part = lead + b"<!DOCTYPE " + root + b" " + ENTITY + b"\n" + body
        return part.decode("utf-8").encode("utf-16") if utf16 else part
    return edit


def declares_dtd(part: bytes) -> bool:
    """The payload is live: an XML parser accepts the part and sees its DOCTYPE."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    info = etree.fromstring(part, parser).getroottree().docinfo
    return bool(info.doctype)


def xlsx_bytes(tmp_path: Path) -> bytes:
    return clean_xlsx(tmp_path / "clean.xlsx").read_bytes()


def docx_bytes() -> bytes:
    return report_bytes(BODY)


def refused_report(data: bytes) -> Finding:
    with pytest.raises(Refused) as caught:
        read_docx(data)
    return caught.value.finding


def assert_docx_wording(found: Finding) -> None:
    """A department told its report is a 工作簿, to be saved as .xlsx, would look for the wrong file."""
    assert "Word 文档" in found.message and "工作簿" not in found.message, found.message  # not "XML 文档类型"
    assert ".docx" in found.hint and "工作簿" not in found.hint and ".xlsx" not in found.hint, found.hint
    assert "Excel" not in found.message + found.hint


# -- a DTD behind leading whitespace ---------------------------------------------------------------------------


@pytest.mark.parametrize("lead", LEADS.values(), ids=LEADS.keys())
@pytest.mark.parametrize("member", ["docProps/core.xml", "xl/theme/theme1.xml"])
def test_a_workbook_part_hiding_its_dtd_behind_leading_whitespace_is_refused(tmp_path: Path, lead: bytes,
                                                                             member: str) -> None:
    data = rewrite(xlsx_bytes(tmp_path), {member: hide_dtd(lead)})
    with pytest.raises(Refused) as caught:
        inspect_zip(data, "xlsx")
    found = caught.value.finding
    assert found.code == "file-xml-dtd" and f"工作簿中的“{member}”" in found.message
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    result = check_file(path)
    assert result.status is Status.REJECTED and [f.code for f in result.findings] == ["file-xml-dtd"]


def test_the_hostile_parts_are_real_xml_with_a_doctype(tmp_path: Path) -> None:
    """The payloads above are not malformed files the guard may ignore: a parser reads them, DOCTYPE and all."""
    with zipfile.ZipFile(clean_xlsx(tmp_path / "clean.xlsx")) as zf:
        original = zf.read("docProps/core.xml")
    for lead in LEADS.values():
        assert declares_dtd(hide_dtd(lead)(original))
    assert declares_dtd(hide_dtd(b"\n" * 100, utf16=True)(original))


def test_a_utf16_part_hiding_its_dtd_behind_whitespace_is_refused(tmp_path: Path) -> None:
    data = rewrite(xlsx_bytes(tmp_path), {"docProps/core.xml": hide_dtd(b" " * 100, utf16=True)})
    with pytest.raises(Refused) as caught:
        inspect_zip(data, "xlsx")
    assert caught.value.finding.code == "file-xml-dtd"


@pytest.mark.parametrize("lead", [b" " * 300, b"\xef\xbb\xbf" + b"\n" * 4000, b" " * (guard.BLANK_HEAD + 1),
                                  b" " * (2 * guard.MB + 3), b" " * (guard.BLANK_HEAD + 1) + b"text, not XML"],
                         ids=["spaces", "bom-under-the-head", "past-the-head", "over-a-chunk", "text-past-the-head"])
def test_a_part_of_any_name_that_is_xml_is_checked(tmp_path: Path, lead: bytes) -> None:
    """A part need not be named .xml for a relationship to have it parsed as XML: its content decides, and a part
    opening with more blank than the guard looks through is scanned whatever follows."""
    part = lead + b"<!DOCTYPE x " + ENTITY + b"<x/>"
    data = rewrite(xlsx_bytes(tmp_path), add={"xl/extra/part.dat": [part]})
    with pytest.raises(Refused) as caught:
        inspect_zip(data, "xlsx")
    assert "xl/extra/part.dat" in caught.value.finding.message


def test_the_first_byte_is_looked_for_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "CHUNK", 64)  # 1,000 spaces come as 16 blank chunks before the one with the `<`
    part = b" " * 1000 + b"<!DOCTYPE x " + ENTITY + b"<x/>"
    data = rewrite(xlsx_bytes(tmp_path), add={"xl/extra/part.dat": [part]})
    with pytest.raises(Refused) as caught:
        inspect_zip(data, "xlsx")
    assert caught.value.finding.code == "file-xml-dtd"


@pytest.mark.parametrize(("member", "content"), [
    ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + b'Print "<!DOCTYPE html>"'),
    ("xl/media/image1.svg", b" " * 200 + b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'),
    ("xl/printerSettings/printerSettings1.bin", b"\x01\x02" + b" " * 100 + b"<!DOCTYPE"),
    ("xl/blank.dat", b" \r\n\t" * 1000),
], ids=["macro-source", "svg-picture", "binary", "all-whitespace"])
def test_pictures_binary_parts_and_blank_parts_are_not_refused(tmp_path: Path, member: str, content: bytes) -> None:
    """A macro may print an HTML page and an SVG picture may carry a DOCTYPE: neither is parsed as the workbook's
    XML, and refusing them would turn away honest files."""
    data = rewrite(xlsx_bytes(tmp_path), add={member: [content]})
    inspect_zip(data, "xlsx")


@pytest.mark.parametrize("lead", LEADS.values(), ids=LEADS.keys())
@pytest.mark.parametrize("member", ["docProps/app.xml", "word/settings.xml"])
def test_a_report_part_docxtext_never_reads_hiding_its_dtd_is_refused(lead: bytes, member: str) -> None:
    found = refused_report(rewrite(docx_bytes(), {member: hide_dtd(lead)}))
    assert found.code == "file-xml-dtd" and f"“{member}”" in found.message
    assert_docx_wording(found)


# -- a refused report is worded as a report --------------------------------------------------------------------


def _too_many_parts(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(guard, "MAX_MEMBERS", 5)
    return docx_bytes()


def _too_large(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(guard, "MAX_TOTAL_BYTES", 100 * 1024)  # the report's styles alone are ~800 KB
    return docx_bytes()


REFUSALS: dict[str, tuple[Callable[[pytest.MonkeyPatch], bytes], str]] = {
    "bomb": (lambda _: with_bomb(docx_bytes()), "file-bomb"),
    "forged-size": (lambda _: forge_size(docx_bytes()), "file-size-forged"),
    "dtd": (lambda _: with_dtd(docx_bytes()), "file-xml-dtd"),
    "dtd-behind-spaces": (lambda _: with_dtd(docx_bytes(), leading_spaces=200), "file-xml-dtd"),
    "too-many-parts": (_too_many_parts, "file-too-many-parts"),
    "too-large": (_too_large, "file-too-large"),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_report_is_told_about_its_document(monkeypatch: pytest.MonkeyPatch,
                                                     case: tuple[Callable[[pytest.MonkeyPatch], bytes], str]) -> None:
    make, code = case
    found = refused_report(make(monkeypatch))
    assert found.code == code  # the codes stay: ledgers and profiles refer to them
    assert_docx_wording(found)


def test_the_report_reader_words_its_own_dtd_refusal_as_a_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """docxtext checks the parts it parses once more; that refusal is worded like the guard's."""
    monkeypatch.setattr(docxtext, "inspect_zip", lambda data, fmt: [])
    found = refused_report(with_dtd(docx_bytes()))
    assert found.code == "file-xml-dtd" and DOCUMENT in found.message
    assert_docx_wording(found)


def test_the_report_entry_carries_the_report_wording(tmp_path: Path) -> None:
    path = tmp_path / "绩效自评报告.docx"
    path.write_bytes(with_bomb(docx_bytes()))
    result = read_report(path, path.name)
    assert result.status is Status.REJECTED and [f.code for f in result.findings] == ["file-bomb"]
    assert "工作簿" not in result.reason and "Word 文档" in result.reason


def _fields(code: str) -> dict[str, str]:
    rule = CATALOGUE[code]
    names = {name for text in (rule.message, rule.hint) for _, name, _, _ in string.Formatter().parse(text) if name}
    return {name: f"<{name}>" for name in names}


@pytest.mark.parametrize("code", ["file-too-large", "file-too-many-parts", "file-bomb", "file-size-forged",
                                  "file-xml-dtd", "file-damaged"])
def test_a_workbook_keeps_the_catalogue_wording_and_a_report_keeps_its_figures(code: str) -> None:
    fields = _fields(code)
    for fmt in guard.ZIP_FORMATS:
        assert guard.refusal(code, fmt, **fields).finding == finding(code, **fields)
    report = guard.refusal(code, "docx", **fields).finding
    assert (report.code, report.severity) == (code, CATALOGUE[code].severity)
    for value in fields.values():  # every figure the workbook's message gives, the report's gives too
        assert str(value) in report.message
    assert "工作簿" not in report.message + report.hint and ".xlsx" not in report.message + report.hint
