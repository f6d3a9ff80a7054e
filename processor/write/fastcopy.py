"""The 审核意见 copy made on the package itself: the department's zip with only the parts that must change.

openpyxl turns a whole workbook into objects and back (0.2–0.45 s of CPU for ten forms) to change a few cells'
styles, add comments and a sheet. Here the copy keeps every part of the department's package as it is, byte
for byte (formulas, styles, merges, macros, pictures openpyxl would drop), and edits only: the marked sheets
(a cell's style index, comments and their VML drawing, page setup), the other sheets' tab selection,
styles.xml (appended formats), workbook.xml and its relationships (the list sheet in front), the content types
and docProps/core.xml; the list sheet and the comment parts are added. What it cannot do safely raises
Unsupported, and feedback.annotated_copy falls back to openpyxl (processor.write.slowcopy).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import NoReturn

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from processor.core.findings import note_text
from processor.core.model import FileResult, Finding, Severity
from processor.core.packing import stamp_of
from processor.write import fastparts as parts
from processor.write import lettertext as letter
from processor.write.fastparts import Unsupported, tag
from processor.write.sheetnames import unique_names
from processor.write.styles import text_lines

M = parts.M
R_ID = "{" + parts.REL + "}id"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
OFFICE = parts.REL + "/officeDocument"
CORE = "/metadata/core-properties"  # LibreOffice spells the type's namespace …/officedocument/2006/relationships
CP, DCTERMS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OOXML = "application/vnd.openxmlformats-officedocument."
MAIN_TYPE = {"xlsx": OOXML + "spreadsheetml.sheet.main+xml", "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml"}
WORKSHEET_TYPE, COMMENTS_TYPE = OOXML + "spreadsheetml.worksheet+xml", OOXML + "spreadsheetml.comments+xml"
VML_TYPE = OOXML + "vmlDrawing"
# CT_Worksheet's and CT_Workbook's child order (ECMA-376 part 1, 18.3.1.99 and 18.2.27): Excel refuses a part
# whose elements are out of it.
SHEET_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
    "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks",
    "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties",
    "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
    "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
BOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
    "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews",
    "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")
SHEET_PR_ORDER = ("tabColor", "outlinePr", "pageSetUpPr")
_BAD_NAME = re.compile(r"[\\*?:/\[\]]|^$")
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_BLOCKS = re.compile(rb'data="([0-9][0-9,\s]*)"')
VML, XL = "{urn:schemas-microsoft-com:vml}", "{urn:schemas-microsoft-com:office:excel}"
MAX_NOTES = 1023  # new notes on one sheet: a VML o:idmap block numbers 1,024 shapes, and we declare one block


def _height(text: str) -> int:
    """A note box's height in pixels for its text (slowcopy._mark)."""
    return min(18 * text_lines(text, 52) + 12, 600)


def _fragment(xml: str, namespaces: str = f'xmlns="{parts.MAIN}"') -> etree._Element:
    return etree.fromstring(f"<x {namespaces}>{xml}</x>", parts.PARSER)[0]


def marked_copy(data: bytes, result: FileResult, created: dt.date) -> bytes | None:
    """The 审核意见 copy of an .xlsx/.xlsm, or None where the package is not one this module edits (openpyxl's
    turn). A failure of ours is no reason to send the department less: it too leaves the copy to openpyxl."""
    try:
        return fast_copy(data, result, created)
    except MemoryError:
        raise
    except Exception:
        return None


def fast_copy(data: bytes, result: FileResult, created: dt.date) -> bytes:
    """marked_copy, raising Unsupported (or what a damaged package raises) instead of returning None."""
    return _Copy(data, result, created).build()


def _place(parent: etree._Element, el: etree._Element, order: tuple[str, ...] | list[str]) -> etree._Element:
    """Move `el` to where the schema's `order` puts it among `parent`'s children."""
    rank = order.index(tag(el))
    parent.remove(el)
    at = next((i for i, c in enumerate(parent) if tag(c) in order and order.index(tag(c)) > rank), len(parent))
    parent.insert(at, el)
    return el


def _child(parent: etree._Element, name: str, order: tuple[str, ...] | list[str]) -> etree._Element:
    found = parent.find(M + name)
    return found if found is not None else _place(parent, etree.SubElement(parent, M + name), order)


def _cell(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref)
    if m is None:
        raise Unsupported(ref)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    if col > 16384 or not 1 <= int(m[2]) <= 1048576:
        raise Unsupported(ref)  # openpyxl refuses it too
    return int(m[2]), col


def _a1(row: int, col: int) -> str:
    return f"{parts.column_letter(col)}{row}"


class _Sheet:
    """A worksheet part: its merged ranges, and its cells found or made in order."""

    def __init__(self, root: etree._Element) -> None:
        if root.tag != M + "worksheet" or root.prefix is not None:
            raise Unsupported("not a transitional SpreadsheetML worksheet without prefixes")
        self.root = root
        self.merges: list[tuple[int, int, int, int]] = []
        merged = root.find(M + "mergeCells")
        for m in merged if merged is not None else ():
            if tag(m) == "mergeCell":
                first, _, last = m.get("ref", "").partition(":")
                self.merges.append((*_cell(first), *_cell(last or first)))

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """A merged range's marks go to its top-left cell (slowcopy._anchor)."""
        return next(((r1, c1) for r1, c1, r2, c2 in self.merges if r1 <= row <= r2 and c1 <= col <= c2), (row, col))

    def cell(self, row: int, col: int) -> etree._Element:
        """The <c> element of a cell, inserted where the schema wants it (rows and cells ascending) if absent;
        a new cell takes its row's or column's format, as Excel shows the empty cell."""
        data = _child(self.root, "sheetData", SHEET_ORDER)
        line = next((r for r in data if tag(r) == "row" and int(r.get("r") or _missing()) >= row), None)
        if line is None or int(line.get("r")) != row:
            new = etree.SubElement(data, M + "row", r=str(row))
            data.remove(new)
            data.insert(data.index(line) if line is not None else len(data), new)
            line = new
        ref, style = _a1(row, col), None
        after = None
        for c in line:
            if tag(c) == "c":
                here = _cell(c.get("r") or _missing())
                if here[1] == col:
                    return c
                if here[1] > col:
                    after = c
                    break
        if line.get("customFormat") in ("1", "true"):
            style = line.get("s")
        else:
            cols = self.root.find(M + "cols")
            style = next((c.get("style") for c in (cols if cols is not None else ()) if tag(c) == "col"
                          and int(c.get("min", "0")) <= col <= int(c.get("max", "0"))), None)
        new = etree.SubElement(line, M + "c", r=ref)
        if style and style != "0":
            new.set("s", style)
        line.remove(new)
        line.insert(line.index(after) if after is not None else len(line), new)
        spans = line.get("spans", "")
        if spans:
            low, _, high = spans.partition(":")
            if " " in spans or not (low.isdigit() and high.isdigit()):
                del line.attrib["spans"]  # spans is an optional hint
            else:
                line.set("spans", f"{min(int(low), col)}:{max(int(high), col)}")
        dimension = self.root.find(M + "dimension")
        first, _, last = (dimension.get("ref", "") if dimension is not None else "").partition(":")
        if _REF.fullmatch(first) and _REF.fullmatch(last or first):  # the used range, as Excel would write it
            (r1, c1), (r2, c2) = _cell(first), _cell(last or first)
            dimension.set("ref", f"{_a1(min(r1, row), min(c1, col))}:{_a1(max(r2, row), max(c2, col))}")
        return new


def _missing() -> NoReturn:
    raise Unsupported("a row or cell without its r attribute")


class _Copy:
    def __init__(self, data: bytes, result: FileResult, created: dt.date) -> None:
        self.pkg = parts.Package(data)
        self.result, self.created = result, created
        self.sheets: dict[str, _Sheet] = {}

    def build(self) -> bytes:
        pkg, result = self.pkg, self.result
        types = pkg.xml("[Content_Types].xml")
        if types.tag != CT + "Types":
            raise Unsupported("content types")
        self.types = types
        top = pkg.targets("")
        main = next((t for kind, t in top.values() if kind == OFFICE), "")
        core = next((t for kind, t in top.values() if kind.endswith(CORE)), "")
        overrides = {o.get("PartName", "").casefold(): o.get("ContentType") for o in types if tag(o) == "Override"}
        # a part a tool removed may keep its Override: a new part must not take that name (two Overrides of one
        # PartName break the package)
        pkg.taken |= {name.lstrip("/") for name in overrides}
        if not main or not core or overrides.get("/" + main.casefold()) != MAIN_TYPE.get(result.format):
            raise Unsupported("main part or its content type")  # a template, or .xlsm content in an .xlsx
        book = pkg.xml(main)
        if book.tag != M + "workbook" or book.prefix is not None:
            raise Unsupported("workbook")
        rels = pkg.targets(main)
        entries = [s for s in _child(book, "sheets", BOOK_ORDER) if tag(s) == "sheet"]
        names = [s.get("name", "") for s in entries]
        if len({n.casefold() for n in names}) != len(names) or any(_BAD_NAME.search(n) for n in names):
            raise Unsupported("sheet names Excel refuses")  # case twins (openpyxl renames one), []:*?/\ (it fails)
        worksheets: dict[str, str] = {}
        for entry, name in zip(entries, names, strict=True):
            kind, path = rels.get(entry.get(R_ID, ""), ("", ""))
            if path not in pkg.names or kind not in (parts.REL + "/worksheet", parts.REL + "/chartsheet"):
                raise Unsupported(f"sheet {name}")  # openpyxl skips it: the list would differ
            if kind.endswith("/worksheet"):
                worksheets[name] = path
            if b"tabSelected" in pkg.raw(path):
                for view in pkg.xml(path).iter(M + "sheetView"):
                    view.attrib.pop("tabSelected", None)
        self.worksheets = worksheets
        styles = next((t for kind, t in rels.values() if kind == parts.REL + "/styles"), "")
        self.styles = parts.Styles(pkg.xml(styles) if styles else _missing())
        marks, links = self._anchors()
        for name in dict.fromkeys(p.sheet for p in result.projects):
            if name in worksheets:
                self._fit(name)
        for name, cells in marks.items():
            self._mark(name, cells)
        self._list(main, book, links)
        self._core(core)
        return pkg.build(stamp_of(self.created))

    def _sheet(self, name: str) -> _Sheet:
        if name not in self.sheets:
            self.sheets[name] = _Sheet(self.pkg.xml(self.worksheets[name], edit=False))
        return self.sheets[name]

    def _anchors(self) -> tuple[dict[str, dict[tuple[int, int], list[Finding]]], dict[int, str]]:
        """The cells to mark, by sheet, with their findings in order; and each finding's link, by its id()."""
        marks: dict[str, dict[tuple[int, int], list[Finding]]] = defaultdict(dict)
        links: dict[int, str] = {}
        for f in self.result.findings:
            if f.sheet in self.worksheets and (ref := letter.cell_ref(f)):
                row, col = self._sheet(f.sheet).anchor(*_cell(ref))
                links[id(f)] = f"'{f.sheet.translate(letter.QUOTE)}'!{_a1(row, col)}"
                if f.severity is not Severity.INFO:
                    marks[f.sheet].setdefault((row, col), []).append(f)
        return marks, links

    def _fit(self, name: str) -> None:
        """slowcopy._fit_forms: A4 landscape, one page wide."""
        self.pkg.dirty.add(self.worksheets[name])
        root = self._sheet(name).root
        setup = _child(root, "pageSetup", SHEET_ORDER)
        setup.set("orientation", "landscape")
        setup.set("paperSize", "9")
        setup.set("fitToWidth", "1")
        setup.set("fitToHeight", "0")
        _child(_child(root, "sheetPr", SHEET_ORDER), "pageSetUpPr", SHEET_PR_ORDER).set("fitToPage", "1")

    def _mark(self, name: str, cells: dict[tuple[int, int], list[Finding]]) -> None:
        """slowcopy._mark on one sheet: fill each cell, and add the comments part and its VML drawing."""
        pkg, sheet, path = self.pkg, self._sheet(name), self.worksheets[name]
        root = sheet.root
        pkg.dirty.add(path)
        if any(isinstance(c.tag, str) and etree.QName(c).namespace != parts.MAIN for c in root):
            raise Unsupported("an element of another namespace among the sheet's")  # mc:AlternateContent
        notes = []
        for (row, col), found in sorted(cells.items()):
            error = any(f.severity is Severity.ERROR for f in found)
            c = sheet.cell(row, col)
            c.set("s", str(self.styles.marked(int(c.get("s", "0")), parts.RED if error else parts.AMBER)))
            text = "\n\n".join(note_text(f) for f in found)
            notes.append(parts.Note(row, col, _a1(row, col), text, _height(text)))
        targets = pkg.targets(path)
        if any(kind.endswith("/threadedComment") for kind, _ in targets.values()):
            # Excel 365 shows a threaded comment's own text, not the note beneath it: ours would be hidden
            raise Unsupported("threaded comments")
        if len(notes) > MAX_NOTES:
            raise Unsupported("more notes than one drawing block holds")
        if root.find(M + "legacyDrawing") is not None or any(k.endswith("/comments") for k, _ in targets.values()):
            self._merge(root, targets, notes)
            return
        base = posixpath.dirname(posixpath.dirname(path)) or "xl"
        comments = parts.unique_part(pkg.taken, base + "/comments/comment{}.xml")
        drawing = parts.unique_part(pkg.taken, base + "/drawings/commentsDrawing{}.vml")
        pkg.added[comments] = parts.comments_xml(notes, letter.AUTHOR).encode()
        pkg.added[drawing] = parts.vml_xml(notes, self._block()).encode()
        pkg.relate(path, "comments", comments)
        legacy = etree.SubElement(root, M + "legacyDrawing", {R_ID: pkg.relate(path, "vmlDrawing", drawing)})
        _place(root, legacy, SHEET_ORDER)
        self._override(comments, COMMENTS_TYPE)
        defaults = {d.get("Extension", "").casefold(): d.get("ContentType") for d in self.types if tag(d) == "Default"}
        if defaults.get("vml") is None:
            self.types.insert(0, etree.Element(CT + "Default", Extension="vml", ContentType=VML_TYPE))
        elif defaults["vml"] != VML_TYPE:
            raise Unsupported("vml content type")

    def _merge(self, root: etree._Element, targets: dict[str, tuple[str, str]], notes: list[parts.Note]) -> None:
        """Our notes into the sheet's own comments and drawing: a cell's own comment stays below ours, as
        "（原批注）…" (slowcopy._mark); other comments, and whatever else the drawing holds, stay as they are."""
        legacy = root.find(M + "legacyDrawing")
        own = [t for k, t in targets.values() if k.endswith("/comments")]
        kind, vml = targets.get(legacy.get(R_ID, "") if legacy is not None else "", ("", ""))
        if len(own) != 1 or not kind.endswith("/vmlDrawing"):
            raise Unsupported("comments without their drawing, or a drawing without comments")
        comments, drawing = self.pkg.xml(own[0]), self.pkg.xml(vml)
        authors, listed = comments.find(M + "authors"), comments.find(M + "commentList")
        if comments.tag != M + "comments" or comments.prefix is not None or authors is None or listed is None:
            raise Unsupported("comments part")
        names = [a.text or "" for a in authors if tag(a) == "author"]
        if letter.AUTHOR not in names:
            etree.SubElement(authors, M + "author").text = letter.AUTHOR
        author = str(names.index(letter.AUTHOR) if letter.AUTHOR in names else len(names))
        by_ref = {c.get("ref"): c for c in listed if tag(c) == "comment"}
        shapes = {}
        for shape in drawing.iter(VML + "shape"):
            data = shape.find(XL + "ClientData")
            if data is not None and data.get("ObjectType") == "Note":
                shapes[int(data.findtext(XL + "Row", "-1")) + 1, int(data.findtext(XL + "Column", "-1")) + 1] = shape
        free = self._free_ids(drawing)
        if drawing.find(f"{VML}shapetype[@id='_x0000_t202']") is None:
            raise Unsupported("a drawing without the note shape type")
        for note in notes:
            old = by_ref.get(note.ref)
            if old is None:
                comment = etree.SubElement(listed, M + "comment", ref=note.ref, authorId=author, shapeId="0")
                etree.SubElement(comment, M + "text").append(_fragment(parts.text_run(note.text)))
                drawing.append(_fragment(parts.vml_shape(note, next(free), len(shapes) + 1), parts.VML_NS))
                continue
            text = old.find(M + "text")
            if text is None or (shape := shapes.get((note.row, note.col))) is None:
                raise Unsupported("a comment without its text or its box")
            runs = (c.text if tag(c) == "t" else c.findtext(M + "t") if tag(c) == "r" else "" for c in text)
            merged = f"{note.text}\n\n（原批注）" + "".join(r or "" for r in runs)  # openpyxl's comment.text
            for child in list(text):
                text.remove(child)
            text.append(_fragment(parts.text_run(merged)))
            old.set("authorId", author)
            style = re.sub(r"width:[^;]*;?|height:[^;]*;?", "", shape.get("style", "")).rstrip(";")
            shape.set("style", f"{style};width:400px;height:{_height(merged)}px".lstrip(";"))

    def _free_ids(self, drawing: etree._Element) -> Iterator[int]:
        """Shape ids of the drawing's own o:idmap blocks that no shape uses (Excel numbers shapes in them)."""
        blocks = [int(n) for m in _BLOCKS.findall(etree.tostring(drawing)) for n in re.findall(rb"[0-9]+", m)]
        if not blocks:  # LibreOffice draws notes without o:idmap: give the drawing a block of its own
            blocks = [self._block()]
            layout = f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks[0]}"/></o:shapelayout>'
            drawing.insert(0, _fragment(layout, parts.VML_NS))
        used = set()
        for shape in drawing.iter(VML + "shape"):  # id="_x0000_s1025", or o:spid where id is a name
            used |= {int(m[1]) for value in shape.attrib.values() if (m := re.fullmatch(r"_x0000_s([0-9]+)", value))}
        yield from (n for b in blocks for n in range(b * 1024 + 1, b * 1024 + 1024) if n not in used)
        raise Unsupported("no shape id left in the drawing's blocks")

    def _block(self) -> int:
        """An o:idmap block no VML drawing of the package uses yet."""
        used = {0}
        for name in self.pkg.names | set(self.pkg.added):
            if name.casefold().endswith(".vml"):
                tree = self.pkg.trees.get(name)
                raw = self.pkg.added.get(name) or (etree.tostring(tree) if tree is not None else self.pkg.raw(name))
                used |= {int(n) for m in _BLOCKS.findall(raw) for n in re.findall(rb"[0-9]+", m)}
        return max(used) + 1  # our own drawings are in pkg.added by now: each gets the next

    def _override(self, part: str, kind: str) -> None:
        etree.SubElement(self.types, CT + "Override", PartName="/" + part, ContentType=kind)

    def _list(self, main: str, book: etree._Element, links: dict[int, str]) -> None:
        """slowcopy._list_sheet: the list first, the only selected tab, with its print titles."""
        pkg = self.pkg
        sheets = _child(book, "sheets", BOOK_ORDER)
        entries = [s for s in sheets if tag(s) == "sheet"]
        title = unique_names([letter.LIST_SHEET], {s.get("name", "") for s in entries})[0]
        xf = {kind: self.styles.list_xf(kind) for kind in parts.LIST_XFS}
        rows = [parts.ListRow(values, height, f.severity, links.get(id(f), "")) for f, values, height
                in letter.list_rows(self.result)]
        xml, head = parts.list_sheet(letter.head_lines(self.result, self.created, letter.NOTE_COPY), rows, letter.COLUMNS,
                                     letter.CELL_COLUMN, letter.WIDTH, xf)
        path = parts.unique_part(pkg.taken, (posixpath.dirname(main) or "xl") + "/worksheets/sheet{}.xml")
        pkg.added[path] = xml.encode()
        self._override(path, WORKSHEET_TYPE)
        ids = [int(s.get("sheetId", "0")) for s in entries if s.get("sheetId", "").isdigit()]
        entry = etree.SubElement(sheets, M + "sheet", {"name": title, "sheetId": str(max(ids, default=0) + 1),
                                                      R_ID: pkg.relate(main, "worksheet", path)})
        sheets.remove(entry)
        sheets.insert(0, entry)
        for name in book.iter(M + "definedName"):
            if (local := name.get("localSheetId")) is not None:
                if not local.isdigit():
                    raise Unsupported("localSheetId")
                name.set("localSheetId", str(int(local) + 1))
        names = _child(book, "definedNames", BOOK_ORDER)
        titles = etree.SubElement(names, M + "definedName", name="_xlnm.Print_Titles", localSheetId="0")
        titles.text = f"'{title.translate(letter.QUOTE)}'!${head}:${head}"
        views = _child(book, "bookViews", BOOK_ORDER)
        for view in views.findall(M + "workbookView") or [etree.SubElement(views, M + "workbookView")]:
            view.attrib.pop("activeTab", None)  # 0, the list
            view.attrib.pop("firstSheet", None)

    def _core(self, path: str) -> None:
        """created and modified pinned to the run date, lastModifiedBy ours: as slowcopy._save stamps them."""
        root = self.pkg.xml(path)
        if root.tag != "{" + CP + "}coreProperties":
            raise Unsupported("core properties")
        when = stamp_of(self.created).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name in ("created", "modified"):
            el = root.find("{" + DCTERMS + "}" + name)
            if el is None:
                el = etree.SubElement(root, "{" + DCTERMS + "}" + name, {"{" + XSI + "}type": "dcterms:W3CDTF"},
                                      nsmap={"dcterms": DCTERMS, "xsi": XSI})  # the type's prefix declared here
            el.text = when
        by = root.find("{" + CP + "}lastModifiedBy")
        (by if by is not None else etree.SubElement(root, "{" + CP + "}lastModifiedBy")).text = letter.AUTHOR


