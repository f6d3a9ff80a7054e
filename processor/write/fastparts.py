"""The package side of the fast 审核意见 copy (processor/write/fastcopy.py): reading the department's zip and
writing it back with a few parts replaced, styles.xml's appended formats, and the parts the copy adds.

The added parts are new, so nothing of the department's has to be kept in them: they are written straight as
strings, which costs microseconds where building them through an XML library costs milliseconds. They say
what processor/write/feedback.py's openpyxl path says, cell for cell, so the copy reads the same whichever
path wrote it: the list's rows and head come from processor.write.lettertext, as feedback's do.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from xlsxwriter.utility import xl_col_to_name

from processor.core.model import Severity
from processor.read.guard import MAX_MEMBERS, MAX_TOTAL_BYTES, MB
from processor.write.styles import AMBER_FILL, FONT, HEAD_FILL, RED_FILL, row_height, text_lines

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
M = "{" + MAIN + "}"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
RELS, RELATIONSHIP = "{" + PKG + "}Relationships", "{" + PKG + "}Relationship"
MAX_PARSED = 64 * MB  # one part handed to lxml; a form's sheet is 10–50 KB
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, collect_ids=False)
_DTD = re.compile(rb"<!(?!--|\[CDATA\[)")
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
RED, AMBER, HEAD = ("FF" + c.lstrip("#") for c in (RED_FILL, AMBER_FILL, HEAD_FILL))


def fill_xml(rgb: str) -> str:
    return f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor indexed="64"/></patternFill></fill>'


def font_xml(size: int, *, bold: bool = False, color: str = "", underline: bool = False) -> str:
    colour = f'<color rgb="{color}"/>' if color else ""
    return f'<font>{"<b/>" if bold else ""}{"<u/>" if underline else ""}<sz val="{size}"/>{colour}<name val="{FONT}"/></font>'


BOX = ('<border><left style="thin"><color rgb="FFBFBFBF"/></left><right style="thin"><color rgb="FFBFBFBF"/></right>'
       '<top style="thin"><color rgb="FFBFBFBF"/></top><bottom style="thin"><color rgb="FFBFBFBF"/></bottom>'
       "<diagonal/></border>")
# The list sheet's cell formats: (font, fill, border, alignment); font/fill/border are indexes into the lists
# below, turned into the workbook's own indexes by fastcopy. None: the workbook's default (0).
FONTS = (font_xml(16, bold=True), font_xml(11), font_xml(10, color="FF595959"), font_xml(10, bold=True),
         font_xml(10), font_xml(10, color="FF0563C1", underline=True))
FILLS = (HEAD, RED, AMBER)
_WRAP = '<alignment vertical="center" wrapText="1"/>'
LIST_XFS: dict[str, tuple[int, int | None, bool, str]] = {
    "title": (0, None, False, '<alignment horizontal="center" vertical="center" wrapText="1"/>'),
    "info": (1, None, False, _WRAP),
    "note": (2, None, False, _WRAP),
    "header": (3, 0, True, '<alignment horizontal="center"/>'),
    "body": (4, None, True, _WRAP),
    "body-error": (4, 1, True, _WRAP),
    "body-warning": (4, 2, True, _WRAP),
    "link": (5, None, True, _WRAP),
}


def xf_xml(font: int, fill: int, border: int, alignment: str) -> str:
    return (f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0" applyFont="1" '
            f'applyFill="1" applyBorder="1" applyAlignment="1">{alignment}</xf>')


MAX_CELL_TEXT = 32_767  # Excel's limit for a cell's text; a comment's is not cut (nor by openpyxl)
# openpyxl's ILLEGAL_CHARACTERS_RE, the control characters XML cannot hold, as a pattern of our own: importing
# openpyxl to read one constant cost every run 0.06 s (tests/test_fastcopy.py holds the two equal)
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def column_letter(col: int) -> str:
    """openpyxl's get_column_letter: 1 → A."""
    return str(xl_col_to_name(col - 1))


def text_run(text: str, limit: int | None = None) -> str:
    """A <t> as openpyxl writes the text: without the control characters XML cannot hold, cut to `limit`."""
    return f'<t xml:space="preserve">{escape(ILLEGAL_CHARACTERS.sub("", text)[:limit])}</t>'


def _cell_text(text: str) -> str:
    return text_run(text, MAX_CELL_TEXT)


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class ListRow:
    """One finding's line in the list: its texts, height, severity and the cell its link opens (or "")."""

    values: tuple[str, ...]
    height: float
    severity: Severity
    link: str


def list_sheet(lines: Sequence[tuple[str, str]], rows: Sequence[ListRow], columns: Sequence[tuple[str, float]],
               cell_column: int, width: float, xf: dict[str, int]) -> tuple[str, int]:
    """The 审核意见 worksheet as slowcopy._list_sheet lays it out, with inline strings (the shared string table
    stays the department's); returns the XML and the header's row number (for the print titles)."""
    last = column_letter(len(columns))
    out: list[str] = []
    merges: list[str] = []
    for r, (kind, text) in enumerate(lines, 1):
        height = 28 if kind == "title" else row_height(text_lines(text, width - 10))
        out.append(f'<row r="{r}" ht="{_num(height)}" customHeight="1"><c r="A{r}" s="{xf[kind]}" t="inlineStr">'
                   f"<is>{_cell_text(text)}</is></c></row>")
        merges.append(f'<mergeCell ref="A{r}:{last}{r}"/>')
    head = len(lines) + 2
    out.append(f'<row r="{head}">' + "".join(
        f'<c r="{column_letter(c)}{head}" s="{xf["header"]}" t="inlineStr"><is>{_cell_text(name)}</is></c>'
        for c, (name, _) in enumerate(columns, 1)) + "</row>")
    links: list[str] = []
    body = {Severity.ERROR: xf["body-error"], Severity.WARNING: xf["body-warning"]}
    for r, row in enumerate(rows, head + 1):
        cells = []
        for c, value in enumerate(row.values):
            style = (body.get(row.severity, xf["body"]) if c == 0 else
                     xf["link"] if c == cell_column and row.link else xf["body"])
            cells.append(f'<c r="{column_letter(c + 1)}{r}" s="{style}" t="inlineStr"><is>{_cell_text(value)}</is></c>')
        out.append(f'<row r="{r}" ht="{_num(row.height)}" customHeight="1">{"".join(cells)}</row>')
        if row.link:
            links.append(f'<hyperlink ref="{column_letter(cell_column + 1)}{r}" location={quoteattr(row.link)}/>')
    end = head + len(rows)
    cols = "".join(f'<col min="{c}" max="{c}" width="{_num(w)}" customWidth="1"/>' for c, (_, w) in enumerate(columns, 1))
    xml = (f'{DECL}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last}{end}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           f'<pane ySplit="{head}" topLeftCell="A{head + 1}" activePane="bottomLeft" state="frozen"/>'
           f'<selection pane="bottomLeft" activeCell="A{head + 1}" sqref="A{head + 1}"/></sheetView></sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(out)}</sheetData>'
           f'<mergeCells count="{len(merges)}">{"".join(merges)}</mergeCells>'
           + (f'<hyperlinks>{"".join(links)}</hyperlinks>' if links else "")
           + '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
           '<pageSetup paperSize="9" orientation="landscape" fitToHeight="0"/></worksheet>')
    return xml, head


@dataclass(frozen=True)
class Note:
    """A marked cell's comment: where (1-based row and column, A1), its text and its box height in pixels."""

    row: int
    col: int
    ref: str
    text: str
    height: int


def comments_xml(notes: Iterable[Note], author: str) -> str:
    body = "".join(f'<comment ref="{n.ref}" authorId="0" shapeId="0"><text>{text_run(n.text)}</text></comment>'
                   for n in notes)
    return f'{DECL}<comments xmlns="{MAIN}"><authors><author>{escape(author)}</author></authors>' \
           f"<commentList>{body}</commentList></comments>"


VML_NS = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:x="urn:schemas-microsoft-com:office:excel"')


def vml_shape(n: Note, shape_id: int, z: int) -> str:
    """One hidden note box, as openpyxl's ShapeWriter draws it (prefixes v, o, x: VML_NS)."""
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;'
            f'margin-top:1.5pt;width:400px;height:{n.height}px;z-index:{z};visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False'
            f"</x:AutoFill><x:Row>{n.row - 1}</x:Row><x:Column>{n.col - 1}</x:Column></x:ClientData></v:shape>")


def vml_xml(notes: Iterable[Note], block: int) -> str:
    """The legacy drawing Excel shows comments with (one hidden note box per comment). `block`: the o:idmap
    number, unique in the workbook, so that shape ids (1024 per block) never collide across sheets."""
    shapes = "".join(vml_shape(n, block * 1024 + k, k) for k, n in enumerate(notes, 1))
    return (f'<xml {VML_NS}><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{block}"/></o:shapelayout><v:shapetype id="_x0000_t202" '
            'coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            f'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>{shapes}</xml>')


def package(source: zipfile.ZipFile, changed: dict[str, bytes], stamp: dt.datetime) -> bytes:
    """The package with `changed` parts replaced or added, as processor.core.packing.pinned lays a package out:
    every entry dated `stamp`, [Content_Types].xml first, the rest by name. Parts not changed are copied
    compressed as they are (a deflated or stored stream is valid whatever wrote it), so nothing of the
    department's is inflated and deflated again: their bytes cannot change, and the copy costs no zlib time."""
    out = io.BytesIO()
    infos = {i.filename: i for i in source.infolist()}
    names = sorted(set(infos) | set(changed), key=lambda n: (n != "[Content_Types].xml", n))
    when = stamp.timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            entry = zipfile.ZipInfo(name, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            old = infos.get(name)
            entry.external_attr = old.external_attr if old is not None else 0o600 << 16
            if name in changed or old is None:
                dst.writestr(entry, changed[name])
            else:
                _raw_copy(source, old, dst, entry)
    return out.getvalue()


def _raw_copy(source: zipfile.ZipFile, old: zipfile.ZipInfo, dst: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Write one entry's compressed stream unchanged under a new header (zipfile has no public way to)."""
    if old.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or old.flag_bits & 0x1:
        dst.writestr(entry, source.read(old))  # not reached: fastcopy refuses such packages
        return
    fp = source.fp
    assert fp is not None
    fp.seek(old.header_offset)
    head = fp.read(30)
    if head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{old.filename}: no local header")
    skip = int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    fp.seek(old.header_offset + 30 + skip)
    raw = fp.read(old.compress_size)
    if len(raw) != old.compress_size:
        raise zipfile.BadZipFile(f"{old.filename}: truncated")
    entry.compress_type, entry.CRC = old.compress_type, old.CRC
    entry.compress_size, entry.file_size = old.compress_size, old.file_size
    entry.flag_bits = 0  # FileHeader adds the UTF-8 name flag itself; sizes are in the header, no descriptor
    out = dst.fp
    assert out is not None
    entry.header_offset = out.tell()
    out.write(entry.FileHeader())
    out.write(raw)
    dst.start_dir = out.tell()
    dst.filelist.append(entry)
    dst.NameToInfo[entry.filename] = entry
    dst._didModify = True  # type: ignore[attr-defined]


class Unsupported(Exception):
    """The package holds something the fast copy does not edit safely: openpyxl makes this copy."""


def tag(el: etree._Element) -> str:
    """An element's local name; "" for comments and processing instructions."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def unique_part(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n).casefold() in taken:
        n += 1
    taken.add(pattern.format(n).casefold())
    return pattern.format(n)


class Package:
    """The department's zip, only read: parts by name, each XML part parsed at most once and re-serialised
    only if it was edited."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise Unsupported("too large")
        if any(i.flag_bits & 1 or i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
            raise Unsupported("encrypted or unusual compression")
        self.names = {i.filename for i in infos}
        self.taken = {n.casefold() for n in self.names}
        if len(self.taken) != len(self.names):
            raise Unsupported("part names differing only in case")
        self.trees: dict[str, etree._Element] = {}
        self.dirty: set[str] = set()
        self.added: dict[str, bytes] = {}

    def raw(self, name: str) -> bytes:
        if name not in self.names or self.zip.getinfo(name).file_size > MAX_PARSED:
            raise Unsupported(name)
        return self.zip.read(name)  # inflated within its declared size, CRC checked

    def xml(self, name: str, edit: bool = True) -> etree._Element:
        if name not in self.trees:
            raw = self.raw(name)
            if _DTD.search(raw) or not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                raise Unsupported(f"{name}: DTD or not UTF-8")  # the guard refuses a DTD; UTF-16 is not expected
            self.trees[name] = etree.fromstring(raw, PARSER)
        if edit:
            self.dirty.add(name)
        return self.trees[name]

    def rels(self, part: str) -> etree._Element:
        """The relationships part of `part` (created empty if it has none), for editing."""
        path = _rels_path(part)
        if path in self.trees and path not in self.names:  # made by an earlier call
            return self.trees[path]
        if path in self.names:
            root = self.xml(path)
            if root.tag != RELS:
                raise Unsupported(path)
            return root
        self.taken.add(path.casefold())
        self.trees[path] = etree.Element(RELS, nsmap={None: PKG})
        self.dirty.add(path)
        return self.trees[path]

    def targets(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, part it points to) of `part`'s internal relationships."""
        path = _rels_path(part)
        if path not in self.names:
            return {}
        out = {}
        for rel in self.xml(path, edit=False):
            if tag(rel) == "Relationship" and rel.get("TargetMode") != "External":
                out[rel.get("Id", "")] = (rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
        return out

    def relate(self, part: str, kind: str, target: str) -> str:
        root = self.rels(part)
        ids = {rel.get("Id") for rel in root}
        rid = next(f"rId{n}" for n in range(len(ids) + 1, 2 * len(ids) + 2) if f"rId{n}" not in ids)
        etree.SubElement(root, RELATIONSHIP, Id=rid, Type=REL + "/" + kind,
                         Target=posixpath.relpath(target, posixpath.dirname(part) or "."))
        return rid

    def build(self, stamp: dt.datetime) -> bytes:
        changed = dict(self.added)
        for name in sorted(self.dirty):
            tree = self.trees[name].getroottree()
            changed[name] = (etree.tostring(tree, encoding="UTF-8") if name.casefold().endswith(".vml")  # as Excel
                             else etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True))
        return package(self.zip, changed, stamp)


def _rels_path(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _resolve(part: str, target: str) -> str:
    target = unquote(target)
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        posixpath.join(posixpath.dirname(part), target))


class Styles:
    """styles.xml with formats appended: the list sheet's, and each marked cell's own format with our fill."""

    def __init__(self, root: etree._Element) -> None:
        if root.tag != M + "styleSheet" or root.prefix is not None:
            raise Unsupported("styles")
        self.root = root
        self.lists = {}
        for name in ("fonts", "fills", "borders", "cellXfs"):
            found = root.find(M + name)
            if found is None:
                raise Unsupported(f"styles without {name}")
            self.lists[name] = found
        self.xfs = [x for x in self.lists["cellXfs"] if tag(x) == "xf"]
        self.fills: dict[str, int] = {}
        self.done: dict[tuple[int, str], int] = {}
        self.list_fonts: list[int] = []
        self.box = -1

    def _add(self, name: str, el: etree._Element) -> int:
        group = self.lists[name]
        index = sum(1 for c in group if isinstance(c.tag, str))
        group.append(el)
        group.set("count", str(index + 1))
        return index

    def _frag(self, xml: str) -> etree._Element:
        return etree.fromstring(f'<x xmlns="{MAIN}">{xml}</x>', PARSER)[0]

    def fill(self, rgb: str) -> int:
        if rgb not in self.fills:
            self.fills[rgb] = self._add("fills", self._frag(fill_xml(rgb)))
        return self.fills[rgb]

    def marked(self, style: int, rgb: str) -> int:
        """A new format: the cell's own with our fill (its font, borders, number format stay)."""
        if (style, rgb) not in self.done:
            if not 0 <= style < len(self.xfs):
                raise Unsupported("a cell's style index out of range")
            xf = deepcopy(self.xfs[style])
            xf.set("fillId", str(self.fill(rgb)))
            xf.set("applyFill", "1")
            self.xfs.append(xf)
            self.done[style, rgb] = self._add("cellXfs", xf)
        return self.done[style, rgb]

    def list_xf(self, kind: str) -> int:
        if not self.list_fonts:
            self.list_fonts = [self._add("fonts", self._frag(f)) for f in FONTS]
            self.box = self._add("borders", self._frag(BOX))
        font, fill, border, alignment = LIST_XFS[kind]
        xf = self._frag(xf_xml(self.list_fonts[font], 0 if fill is None else self.fill(FILLS[fill]),
                                     self.box if border else 0, alignment))
        self.xfs.append(xf)
        return self._add("cellXfs", xf)
