"""A submitted .docx report's text as its reader sees it, read without trusting the file.

A report is checked against its form sentence by sentence, and a finding has to point at a place the department
can find: so the text is the text Word shows with all changes accepted (tracked insertions in, deletions out, field
results rather than field codes, hidden runs out), and each paragraph or table row carries where it is (第12段,
表格1第3行). python-docx is not used to read: it drops text boxes, tracked insertions, hyperlinks and content
controls, and it parses the file without the guard's limits.

The file reaches lxml only after the guard that protects the workbook reader (processor.read.guard.inspect_zip,
called with format "docx" so that its refusals name a Word 文档, not a 工作簿) has checked the zip's sizes, member
count, compression ratios and DTDs; the parts read here are checked for a DTD once more, and parsed with entities,
network and huge trees off.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from processor.core.findings import finding
from processor.read.guard import MB, Refused, inspect_zip, refusal

DOCUMENT = "word/document.xml"
CORE = "docProps/core.xml"
# A report's document.xml is tens to hundreds of KB; lxml holds about ten times the XML in memory, so a part
# beyond this (which the guard's 200 MB total would still let through) is refused rather than parsed.
MAX_DOCUMENT_BYTES = 32 * MB

_W_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                 "http://purl.oclc.org/ooxml/wordprocessingml/main")  # transitional, strict
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_ALTERNATE, _CHOICE, _FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"

_NAMES = ("p", "r", "t", "tab", "ptab", "br", "cr", "noBreakHyphen", "tbl", "tr", "tc", "trPr", "tcPr", "pPr", "rPr",
          "del", "ins", "moveFrom", "moveTo", "delText", "instrText", "delInstrText", "fldChar", "txbxContent",
          "sdt", "sdtContent", "sdtPr", "sdtEndPr", "customXml", "customXmlPr", "smartTagPr", "vMerge", "hMerge",
          "vanish", "rt", "ruby", "drawing", "pict", "object", "fldData", "body", "commentReference",
          "footnoteReference", "endnoteReference", "sectPr", "tblPr", "tblGrid", "tblPrEx")
# Clark tag → local name, for both the transitional and the strict namespace (Word saves either)
_W: dict[str, str] = {f"{{{ns}}}{name}": name for ns in _W_NAMESPACES for name in _NAMES}
_VAL = tuple(f"{{{ns}}}val" for ns in _W_NAMESPACES)
_FLD_TYPE = tuple(f"{{{ns}}}fldCharType" for ns in _W_NAMESPACES)

# Inline elements whose content the reader never sees in the accepted text: properties, deleted or moved-away
# runs, field codes, ruby annotations, a content control's placeholder definition, reference marks.
_INLINE_SKIP = {"pPr", "rPr", "del", "moveFrom", "sdtPr", "sdtEndPr", "instrText", "delText", "delInstrText", "rt",
                "customXmlPr", "smartTagPr", "fldData", "commentReference", "footnoteReference", "endnoteReference"}
# Block-level wrappers whose children are blocks (paragraphs, tables) in reading order.
_BLOCK_WRAPPERS = {"sdt", "sdtContent", "customXml", "ins", "moveTo"}

_SPACE = re.compile(r"\s+")
# 一、 / （一） / 1、 / 1. / 第一部分 / 第二章: the lines that open a section, and so end the title
_HEADING = re.compile(r"\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]"
                      r"|\d{1,2}\s*[、.．](?!\d)|第\s*[一二三四五六七八九十\d]+\s*[部章节])")
_ANNEX = re.compile(r"附\s*[件表]\s*\d*\s*[:：]?")
_DATE_LINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")
_COMPLETE_TITLE = re.compile(r"(?:\d{4}\s*年|关于)")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le") + b"\x00\x00"


@dataclass(frozen=True)
class Para:
    """One place a finding can point at: a body paragraph or a table row."""

    number: int  # 1-based position in reading order among non-empty body paragraphs and table rows
    text: str  # whitespace runs collapsed to one space, stripped; a row's non-empty cells joined by " | "
    where: str  # 第12段 (the 12th non-empty body paragraph) or 表格1第3行 (a nested table: 表格1第3行的内嵌表格第1行)
    cells: tuple[str, ...] = ()  # a table row's cells, a merged cell once; () for a paragraph


@dataclass(frozen=True)
class ReportText:
    paragraphs: tuple[Para, ...]
    title: str  # the title lines above the first heading, joined; else docProps/core.xml's title; else ""


def document_kind(data: bytes) -> str:
    """What a submitted report really is, whatever its name says: "docx", "doc" (Word 97–2003 or WPS, both OLE
    files with a WordDocument stream), "pdf" or "other". A zip too damaged to open still counts as a docx when its
    local headers name word/ parts, so that reading it says it is damaged rather than not a Word document."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return "docx" if DOCUMENT in zf.namelist() else "other"
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, NotImplementedError):
            return "docx" if b"word/document.xml" in data else "other"
    if data.startswith(_OLE_MAGIC):
        return "doc" if _ole_has_word_stream(data) else "other"
    if b"%PDF-" in data[:1024]:  # readers accept the header anywhere in the first KB
        return "pdf"
    return "other"


def _ole_has_word_stream(data: bytes) -> bool:
    """An OLE directory entry named WordDocument. Directory entries are 128 bytes inside 512- or 4096-byte sectors
    after a header of the same size, so each starts at a multiple of 128; the name's byte length (26, with its
    terminator) sits at offset 64 and the entry type (2, a stream) at 66."""
    at = data.find(_WORD_STREAM, 512)
    while at >= 0:
        if at % 128 == 0 and data[at + 64:at + 67] == b"\x1a\x00\x02":
            return True
        at = data.find(_WORD_STREAM, at + 1)
    return False


def read_docx(data: bytes) -> ReportText:
    """The report's paragraphs and title. Raises Refused with the finding that says why the file cannot be read:
    the guard's (bomb, forged size, DTD, damaged zip), or report-unreadable for a zip that is no Word document."""
    inspect_zip(data, "docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if DOCUMENT not in names:
                raise Refused(finding("report-unreadable", detail="压缩包中没有 word/document.xml 正文部件，不是 Word 文档"))
            body = _part(zf, DOCUMENT)
            core = _part(zf, CORE) if CORE in names else b""
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, OSError, struct.error) as exc:
        detail = str(exc).strip()[:120] or type(exc).__name__
        raise Refused(finding("file-damaged", detail=f"压缩数据损坏：{detail}")) from exc
    root = _parse(body, DOCUMENT)
    reader = _Reader()
    try:
        for element in root:
            if _name(element) == "body":
                reader.blocks(element)
    except RecursionError as exc:
        raise Refused(finding("file-damaged", detail="正文嵌套层次过深，结构异常")) from exc
    paragraphs = tuple(reader.out)
    title = _title(paragraphs)
    if not title and core:
        title = _core_title(core)
    return ReportText(paragraphs, title)


def _part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_DOCUMENT_BYTES:
        raise Refused(finding("report-unreadable", detail=f"{name} 解压后 {info.file_size / MB:,.1f} MB，"
                                                          f"超过处理上限 {MAX_DOCUMENT_BYTES // MB} MB"))
    return zf.read(info)  # the guard has inflated it within its declared size, and zipfile checks the CRC


def _parse(xml: bytes, member: str) -> etree._Element:
    """Parse one part, refusing a DTD first. The guard has refused one in every XML part already; these are the
    parts handed to a parser, so the check is repeated here on the whole part, owing nothing to how the guard
    decides what is XML (and once more on what lxml saw, below)."""
    probe = xml.replace(b"\x00", b"") if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in xml[:4] else xml
    if m := _DTD.search(probe):
        raise refusal("file-xml-dtd", "docx", member=member, what=m.group(0).decode("ascii").upper())
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        detail = str(exc).strip()[:120] or "XML 语法错误"
        raise Refused(finding("file-damaged", detail=f"{member} 不是完整的 XML：{detail}")) from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise refusal("file-xml-dtd", "docx", member=member, what="<!DOCTYPE")
    return root


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _name(element: etree._Element) -> str | None:
    """The local name of a WordprocessingML element (either namespace); None for anything else."""
    tag = element.tag
    return _W.get(tag) if isinstance(tag, str) else None


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((c for c in parent if _name(c) == name), None)


def _val(element: etree._Element) -> str | None:
    return next((element.get(a) for a in _VAL if element.get(a) is not None), None)


def _hidden(run_properties: etree._Element) -> bool:
    """w:vanish set directly on the run: hidden text is neither printed nor shown unless the reader asks for it."""
    vanish = _child(run_properties, "vanish")
    return vanish is not None and _val(vanish) not in ("0", "false", "off")


def _has(parent: etree._Element, properties: str, mark: str) -> bool:
    """Whether the parent's properties element (pPr, trPr, tcPr) holds the mark (del, vMerge)."""
    return _child(_child(parent, properties), mark) is not None


def _mark_deleted(paragraph: etree._Element) -> bool:
    """A deleted paragraph mark (w:pPr/w:rPr/w:del): accepting the deletion joins the paragraph to the next."""
    return _child(_child(_child(paragraph, "pPr"), "rPr"), "del") is not None


def _merge(cell: etree._Element) -> str | None:
    """A cell's vertical or (legacy) horizontal merge: "restart", "continue", or None."""
    properties = _child(cell, "tcPr")
    mark = _child(properties, "vMerge")
    if mark is None:
        mark = _child(properties, "hMerge")
    if mark is None:
        return None
    return "restart" if _val(mark) == "restart" else "continue"


def _choice(alternate: etree._Element) -> etree._Element | None:
    """Markup compatibility: Word writes a drawing twice, as DrawingML in mc:Choice and as VML in mc:Fallback;
    only the first choice is read, so a text box is not read twice."""
    return next((c for c in alternate if c.tag == _CHOICE), None)


def _boxes(element: etree._Element) -> Iterator[etree._Element]:
    """The text boxes (w:txbxContent) in a drawing, a VML picture or an alternate content, outermost only
    (a box inside a box is read when its outer box is)."""
    if _name(element) == "txbxContent":
        yield element
        return
    if element.tag == _ALTERNATE:
        choice = _choice(element)
        if choice is not None:
            for child in choice:
                yield from _boxes(child)
        return
    if element.tag == _FALLBACK:
        return
    for child in element:
        yield from _boxes(child)


class _Reader:
    """Walks the body in reading order; fields can span runs and paragraphs, so their state lives here."""

    def __init__(self) -> None:
        self.out: list[Para] = []
        self.paragraph_count = 0
        self.table_count = 0
        self.fields: list[bool] = []  # one per open field: True once its result (after `separate`) has begun
        self.in_code = 0  # open fields still in their instructions (a counter: a hostile file may open 10^5)

    # -- blocks ---------------------------------------------------------------------------------------------

    def blocks(self, parent: etree._Element, cell: list[str] | None = None,
               tables: list[etree._Element] | None = None) -> None:
        """Paragraphs and tables of a body, text box or cell. At body level each paragraph becomes a Para and
        each table its rows; inside a cell (`cell` given) paragraphs add to the cell's text and tables are
        handed back in `tables`, to follow their row."""
        parts: list[str] = []  # a paragraph's text, and before it those whose marks were deleted (joined to it)
        for element in _blocks(parent):
            if _name(element) == "p":
                boxes: list[etree._Element] = []
                self._inline(element, parts, boxes)
                if not _mark_deleted(element):
                    self._paragraph("".join(parts), cell)
                    parts = []
                for box in boxes:
                    self.blocks(box, cell, tables)
            elif _name(element) == "tbl":
                if parts:
                    self._paragraph("".join(parts), cell)
                    parts = []
                if tables is not None:
                    tables.append(element)
                else:
                    self.table_count += 1
                    self._table(element, f"表格{self.table_count}")
        if parts:
            self._paragraph("".join(parts), cell)

    def _paragraph(self, raw: str, cell: list[str] | None) -> None:
        text = _squash(raw)
        if not text:
            return
        if cell is not None:
            cell.append(text)
            return
        self.paragraph_count += 1
        self.out.append(Para(len(self.out) + 1, text, f"第{self.paragraph_count}段"))

    def _table(self, table: etree._Element, name: str, anchor: str = "", depth: int = 0) -> None:
        """A table's rows, named 表格3第1行 in the body and 表格3第2行的内嵌表格第1行 one level down; deeper tables
        keep their outermost row (`anchor`) and count levels, so a name stays short whatever the nesting."""
        row_number = 0
        for row in _blocks(table):
            if _name(row) != "tr" or _has(row, "trPr", "del"):
                continue  # a deleted row is gone once the changes are accepted: not counted either
            row_number += 1
            cells: list[str] = []
            nested: list[etree._Element] = []
            for cell in _blocks(row):
                if _name(cell) != "tc":
                    continue
                if _merge(cell) == "continue":
                    if _child(_child(cell, "tcPr"), "vMerge") is not None:
                        cells.append("")  # the merged cell above shows once; this row has a blank there
                    continue  # a legacy horizontal merge: the cell to the left already holds it
                texts: list[str] = []
                self.blocks(cell, texts, nested)
                cells.append(" ".join(texts))
            where = f"{name}第{row_number}行" if depth < 2 else f"{anchor}的第{depth}层内嵌表格第{row_number}行"
            if any(cells):
                text = " | ".join(c for c in cells if c)
                self.out.append(Para(len(self.out) + 1, text, where, tuple(cells)))
            for k, inner in enumerate(nested, 1):
                self._table(inner, f"{where}的内嵌表格{k if len(nested) > 1 else ''}", anchor or where, depth + 1)

    # -- inline content ---------------------------------------------------------------------------------------

    def _inline(self, parent: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
        for child in parent:
            name = _name(child)
            if name == "r":
                self._run(child, parts, boxes)
            elif name in _INLINE_SKIP or child.tag == _FALLBACK or not isinstance(child.tag, str):
                continue
            elif child.tag == _ALTERNATE:
                choice = _choice(child)
                if choice is not None:
                    self._inline(choice, parts, boxes)
            else:  # hyperlink, ins, moveTo, sdt/sdtContent, fldSimple, smartTag, customXml, dir, bdo, …
                self._inline(child, parts, boxes)

    def _run(self, run: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
        hidden = False
        for child in run:
            name = _name(child)
            if name == "rPr":
                hidden = _hidden(child)
            elif name == "fldChar":
                kind = next((child.get(a) for a in _FLD_TYPE if child.get(a) is not None), "")
                if kind == "begin":
                    self.fields.append(False)
                    self.in_code += 1
                elif kind == "separate" and self.fields and not self.fields[-1]:
                    self.fields[-1] = True
                    self.in_code -= 1
                elif kind == "end" and self.fields:
                    self.in_code -= not self.fields.pop()
            elif hidden or self.in_code:
                continue  # hidden text, or a field's instructions (between begin and separate)
            elif name == "t":
                parts.append(child.text or "")
            elif name in ("tab", "ptab", "br", "cr"):
                parts.append(" ")
            elif name == "noBreakHyphen":
                parts.append("-")
            elif name == "ruby":
                for part in child:
                    if _name(part) != "rt":  # the base text; the annotation above it is left out
                        self._inline(part, parts, boxes)
            elif name in ("drawing", "pict", "object") or child.tag == _ALTERNATE:
                boxes.extend(_boxes(child))


def _blocks(parent: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs, tables, rows and cells under a parent, in order: content controls, custom XML and tracked
    insertions unwrapped, tracked deletions and everything else (bookmarks, properties) left out."""
    for element in parent:
        name = _name(element)
        if name in ("p", "tbl", "tr", "tc"):
            yield element
        elif name in _BLOCK_WRAPPERS:
            yield from _blocks(element)
        elif element.tag == _ALTERNATE:
            choice = _choice(element)
            if choice is not None:
                yield from _blocks(choice)


def _title(paragraphs: tuple[Para, ...]) -> str:
    """The title lines: short body paragraphs above the first heading or table, ending with the first that names a
    报告 — with the line above it when the title is set on two lines (2021年度城市基层党建工作 / 专项资金绩效自评
    报告) — or, when none does, the first one or two of them. An 附件 mark, a date or a bracketed unit is not title."""
    lines: list[str] = []
    for p in paragraphs:
        if p.cells or _HEADING.match(p.text) or len(lines) == 4:
            break
        flat = p.text.replace(" ", "")
        if _ANNEX.fullmatch(flat) or _DATE_LINE.fullmatch(flat) or re.fullmatch(r"[（(].*[)）]", flat):
            continue
        if len(flat) > 60 or re.search(r"[。；;：:]$|。", flat):
            break  # prose: the report starts without a title
        lines.append(p.text)
    for k, line in enumerate(lines):
        if "报告" in line:
            above = lines[k - 1] if k else ""
            if above and not _COMPLETE_TITLE.match(line) and len(above) <= 30 and "报告" not in above \
                    and not re.search(r"[，,、]", above):
                return above + line
            return line
    return "".join(lines[:2])


def _core_title(xml: bytes) -> str:
    """docProps/core.xml's title. A DTD there refuses the file like one anywhere; a merely broken core.xml costs
    the title, not the report (Word opens the document and rewrites the properties)."""
    try:
        root = _parse(xml, CORE)
    except Refused as refused:
        if refused.finding.code == "file-xml-dtd":
            raise
        return ""
    title = root.find(_DC_TITLE)
    return _squash(title.text or "") if title is not None else ""
