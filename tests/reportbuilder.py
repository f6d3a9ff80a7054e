"""Build 绩效自评报告 .docx files by code, the way departments' Word and WPS leave them: titles on two lines, tables
for the figures, tracked changes left in, fields, text boxes — and the hostile and broken variants of
docs/hostile-inputs.md (a DTD, a bomb, no document part, cut short, forged sizes).

python-docx writes the ordinary parts; what it cannot write (tracked changes, fields, text boxes, content controls)
is added as WordprocessingML with lxml. Every package is re-packed with one pinned time (processor.core.packing),
so the same calls give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from hostile.zipcraft import forged

from processor.core.packing import pinned

TITLE_LINES: tuple[str, ...] = ("2021年度城市基层党建工作", "专项资金绩效自评报告")
STAMP = dt.datetime(2022, 3, 1)
DOCUMENT = "word/document.xml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = (f'xmlns:w="{W}" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:v="urn:schemas-microsoft-com:vml"')
_REVISION = 'w:author="张科员" w:date="2022-03-01T09:00:00Z"'


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run(text: str, tag: str = "w:t") -> str:
    return f'<w:r><{tag} xml:space="preserve">{_esc(text)}</{tag}></w:r>'


# -- documents --------------------------------------------------------------------------------------------


def new_report(title_lines: Sequence[str] = TITLE_LINES) -> Document:
    """A blank report with its title set line by line (one Word paragraph each), as the seed's is."""
    doc = docx.Document()
    for line in title_lines:
        doc.add_paragraph(line)
    return doc


def append_xml(doc: Document, xml: str) -> Any:
    """Append a block (a w:p, w:tbl or w:sdt written with the prefixes of _NS) to the body, before its sectPr."""
    first = xml.index(">")
    element = parse_xml(xml[:first] + " " + _NS + xml[first:])
    body = doc.element.body
    section = body.find(qn("w:sectPr"))
    if section is not None:
        section.addprevious(element)
    else:
        body.append(element)
    return element


def add_tracked(doc: Document, before: str, inserted: str, deleted: str, after: str = "") -> Any:
    """A paragraph edited with 修订 on and never accepted: `inserted` in a w:ins, `deleted` in a w:del (w:delText)."""
    return append_xml(doc, (
        "<w:p>" + _run(before)
        + f'<w:ins w:id="901" {_REVISION}>{_run(inserted)}</w:ins>'
        + f'<w:del w:id="902" {_REVISION}>{_run(deleted, "w:delText")}</w:del>'
        + _run(after) + "</w:p>"))


def add_moved(doc: Document, kept: str, moved_away: str, moved_here: str) -> Any:
    """A paragraph where text was dragged with 修订 on: the old place in w:moveFrom, the new in w:moveTo."""
    return append_xml(doc, (
        "<w:p>" + f'<w:moveFrom w:id="911" {_REVISION}>{_run(moved_away)}</w:moveFrom>' + _run(kept)
        + f'<w:moveTo w:id="912" {_REVISION}>{_run(moved_here)}</w:moveTo></w:p>'))


def add_joined(doc: Document, first: str, second: str) -> None:
    """Two paragraphs whose break was deleted with 修订 on: accepted, they are one paragraph."""
    append_xml(doc, f'<w:p><w:pPr><w:rPr><w:del w:id="921" {_REVISION}/></w:rPr></w:pPr>{_run(first)}</w:p>')
    append_xml(doc, f"<w:p>{_run(second)}</w:p>")


def add_field(doc: Document, before: str, instruction: str, result: str, after: str = "") -> Any:
    """A paragraph with a complex field (begin, w:instrText, separate, result, end), e.g. a MERGEFIELD or PAGE."""
    return append_xml(doc, (
        "<w:p>" + _run(before)
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>' + _run(instruction, "w:instrText")
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + _run(result)
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>' + _run(after) + "</w:p>"))


def add_simple_field(doc: Document, before: str, instruction: str, result: str) -> Any:
    return append_xml(doc, f'<w:p>{_run(before)}<w:fldSimple w:instr="{_esc(instruction)}">{_run(result)}'
                           "</w:fldSimple></w:p>")


def add_hyperlink(doc: Document, before: str, link: str, after: str = "") -> Any:
    return append_xml(doc, f'<w:p>{_run(before)}<w:hyperlink w:anchor="附件">{_run(link)}</w:hyperlink>{_run(after)}</w:p>')


def add_control(doc: Document, text: str) -> Any:
    """A block content control (w:sdt) around one paragraph, as forms built from templates have."""
    return append_xml(doc, ('<w:sdt><w:sdtPr><w:alias w:val="单位名称"/><w:showingPlcHdr/></w:sdtPr>'
                            f"<w:sdtContent><w:p>{_run(text)}</w:p></w:sdtContent></w:sdt>"))


def add_text_box(doc: Document, host: str, lines: Sequence[str]) -> Any:
    """A paragraph (text `host`) anchoring a text box, written twice as Word does: DrawingML in mc:Choice, VML in
    mc:Fallback."""
    inner = "".join(f"<w:p>{_run(line)}</w:p>" for line in lines)
    return append_xml(doc, (
        f"<w:p>{_run(host)}<w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        f"<wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx>"
        "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape>"
        "</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"))


def add_hidden(doc: Document, visible: str, hidden: str) -> None:
    paragraph = doc.add_paragraph(visible)
    paragraph.add_run(hidden).font.hidden = True


def add_table(doc: Document, rows: Sequence[Sequence[str]]) -> Any:
    """A table of the given cell texts (rows may be ragged: short rows are padded with blank cells)."""
    width = max((len(r) for r in rows), default=1)
    table = doc.add_table(rows=len(rows), cols=width)
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    return table


def package(doc: Document) -> bytes:
    """The .docx bytes, every entry dated STAMP (python-docx stamps the clock into the zip)."""
    out = io.BytesIO()
    doc.save(out)
    return pinned(out.getvalue(), STAMP)


def report_bytes(paragraphs: Sequence[str], *, tables: Sequence[Sequence[Sequence[str]]] = (),
                 title_lines: Sequence[str] = TITLE_LINES) -> bytes:
    doc = new_report(title_lines)
    for text in paragraphs:
        doc.add_paragraph(text)
    for rows in tables:
        add_table(doc, rows)
    return package(doc)


def write_report(path: Path, paragraphs: Sequence[str], *, tables: Sequence[Sequence[Sequence[str]]] = (),
                 title_lines: Sequence[str] = TITLE_LINES) -> Path:
    """A report: its title lines, then one Word paragraph per string, then the tables (rows of cell texts)."""
    path.write_bytes(report_bytes(paragraphs, tables=tables, title_lines=title_lines))
    return path


def table_report(path: Path, rows: Sequence[tuple[str, str]], *, title_lines: Sequence[str] = TITLE_LINES,
                 merged_label: tuple[str, int] | None = None) -> Path:
    """A report laid out as one table, label cell | value cell (some departments fill a 报告表 instead of prose).
    `merged_label` = (label, n) adds a first column whose label is merged down over the first n rows."""
    doc = new_report(title_lines)
    if merged_label is None:
        add_table(doc, [list(r) for r in rows])
    else:
        label, span = merged_label
        table = add_table(doc, [["", *r] for r in rows])
        table.cell(0, 0).merge(table.cell(span - 1, 0)).text = label
    path.write_bytes(package(doc))
    return path


# -- hostile and broken packages -------------------------------------------------------------------------------


def rewrite(data: bytes, edits: dict[str, Callable[[bytes], bytes]] | None = None, drop: Iterable[str] = (),
            add: dict[str, Iterable[bytes]] | None = None) -> bytes:
    """A copy of a package with members edited (bytes → bytes), dropped, or added chunk by chunk."""
    edits, dropped, add = edits or {}, set(drop), add or {}
    out = io.BytesIO()
    stamp = STAMP.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in dropped:
                continue
            content = zin.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, edits[info.filename](content) if info.filename in edits else content)
        for name, chunks in add.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(entry, "w") as stream:
                for chunk in chunks:
                    stream.write(chunk)
    return out.getvalue()


_LAUGHS = (b'<!DOCTYPE w:document [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10)
                      for i in range(1, 10)) + b"]>")


def with_dtd(data: bytes, *, leading_spaces: int = 0) -> bytes:
    """document.xml with a billion-laughs DTD and a reference to it in the first paragraph. With
    `leading_spaces`, the XML declaration is replaced by that many spaces: still well-formed XML, which a guard
    deciding from a part's first bytes alone would take for something else."""
    def edit(xml: bytes) -> bytes:
        head, sep, rest = xml.partition(b"?>")
        if leading_spaces:
            head, sep = b" " * leading_spaces, b""
        rest = rest.replace(b"<w:t>", b"<w:t>&lol9;", 1)
        return head + sep + b"\n" + _LAUGHS + rest
    return rewrite(data, {DOCUMENT: edit})


def with_bomb(data: bytes, megabytes: int = 12) -> bytes:
    """An embedded part of zeros that inflates more than 1,000:1 past the guard's 10 MB floor."""
    block = bytes(1 << 20)
    return rewrite(data, add={"word/embeddings/oleObject1.bin": (block for _ in range(megabytes))})


def without_document(data: bytes) -> bytes:
    """The package without its main part (a .docx that is some other zip, or was assembled wrongly)."""
    return rewrite(data, drop=[DOCUMENT])


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """Cut short, as a broken upload leaves it: no central directory."""
    return data[:int(len(data) * keep)]


def forge_size(data: bytes, member: str = DOCUMENT, declared: int = 100) -> bytes:
    """The member's uncompressed size overwritten with a smaller one (the workbooks' hostile helper)."""
    return forged(data, member, declared)


# -- other kinds of file ------------------------------------------------------------------------------------------

_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _entry(name: str, kind: int, start: int = _END, size: int = 0, child: int = _NONE) -> bytes:
    """One 128-byte OLE directory entry (type 5 root, 2 stream, 0 unused)."""
    raw = (name.encode("utf-16-le") + b"\x00\x00") if name else b""
    return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1) + struct.pack("<III", _NONE, _NONE, child)
            + bytes(16) + struct.pack("<I", 0) + bytes(16) + struct.pack("<IQ", start, size))


def ole_file(stream: str = "WordDocument", content: bytes = b"\xec\xa5\xc1\x00") -> bytes:
    """A minimal OLE compound file (v3, 512-byte sectors) holding one stream of 4,096 bytes, the size Word's
    smallest .doc streams reach: a header, one FAT sector, one directory sector, eight stream sectors. Word 97–2003
    (.doc) and WPS (.wps) name their main stream WordDocument; Excel's is Workbook; an encrypted .docx has an
    EncryptedPackage."""
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    fat = [_FAT, _END] + [n + 1 for n in range(2, 9)] + [_END]
    fat_sector = struct.pack("<128I", *(fat + [_FREE] * (128 - len(fat))))
    directory = (_entry("Root Entry", 5, child=1) + _entry(stream, 2, start=2, size=4096)
                 + _entry("", 0) + _entry("", 0))
    return header + fat_sector + directory + content.ljust(4096, b"\x00")


def pdf_file() -> bytes:
    """The smallest PDF a viewer opens: what a scanned, stamped report is named like."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
