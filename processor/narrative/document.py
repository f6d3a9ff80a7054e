"""A Draft set as Chinese government documents are set (GB/T 9704 in spirit): A4, 方正小标宋 title, 黑体 and 楷体
headings, 仿宋 body at 三号 on a fixed 28-point line, page numbers "— 1 —" at the foot.

python-docx sets only the Latin font of a run (w:ascii); Word then shows Chinese text in the theme's East
Asian font (usually 等线), so every run here gets its w:eastAsia font too. The bytes are pinned like the
workbooks' (core/packing): the same draft and date give the same file.
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from processor.core.model import Project
from processor.core.packing import pinned, stamp_of
from processor.narrative.content import Draft, Para
from processor.narrative.fonts import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    LATIN_FONT,
    SUBHEADING_FONT,
    TITLE_FONT,
    set_font,
)
from processor.narrative.table import attachment_table

AUTHOR = "selfeval"
LINE = Pt(28)

# kind → (font, size in points, bold, alignment, first-line indent in characters)
KINDS: dict[str, tuple[str, float, bool, WD_ALIGN_PARAGRAPH, int]] = {
    "title": (TITLE_FONT, 22, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "subtitle": (SUBHEADING_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "note": (BODY_FONT, 12, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "h1": (HEADING_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "h2": (SUBHEADING_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "body": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "item": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "signer": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "sign": (BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "attachment": (HEADING_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
}


def _layout(paragraph: Paragraph, kind: str) -> None:
    _, size, _, align, indent = KINDS[kind]
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = Pt(size * indent) if indent else None
    fmt.space_before = fmt.space_after = Pt(0)
    if kind == "title":
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(36)
        fmt.space_after = Pt(14)
    elif kind == "note":
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(20)
    else:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    if kind in ("signer", "sign"):
        fmt.right_indent = Pt(BODY_SIZE * 2)
    if kind == "signer":
        fmt.space_before = LINE * 2
    if kind in ("h1", "h2", "attachment"):
        fmt.keep_with_next = True


def _write(doc: DocxDocument, para: Para, before: Paragraph | None = None) -> Paragraph:
    font, size, bold, _, _ = KINDS[para.kind]
    paragraph = doc.add_paragraph() if before is None else before
    _layout(paragraph, para.kind)
    for span in para.spans:
        lines = span.text.split("\n")  # a title's two lines: a line break, not a new paragraph
        run = paragraph.add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
        set_font(run, font, size, bold)
        if span.fill:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return paragraph


def _page_numbers(doc: DocxDocument) -> None:
    """"— 1 —" centred at the foot of every page: a PAGE field between two dashes."""
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(footer.add_run("— "), "宋体", 14)
    for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("text", "1"), ("end", "")):
        run = footer.add_run()
        set_font(run, "宋体", 14)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
    set_font(footer.add_run(" —"), "宋体", 14)


def _page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.5)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _properties(doc: DocxDocument, title: str, stamp: dt.datetime) -> None:
    """Our own name and the draft's date, not python-docx's template defaults (author python-docx, 2013), and
    no thumbnail: the template's would show another document in Explorer."""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, AUTHOR, AUTHOR
    props.created = props.modified = stamp
    props.revision, props.comments, props.keywords, props.subject = 1, "", "", "绩效自评报告（初稿）"
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]


def render(draft: Draft, project: Project, date: dt.date) -> bytes:
    """The draft as .docx bytes; the form itself follows as the 附件 table, on a page of its own."""
    doc = Document()
    _page(doc)
    _page_numbers(doc)
    first = doc.paragraphs[0] if doc.paragraphs else None
    for n, para in enumerate(draft.paras):
        paragraph = _write(doc, para, first if n == 0 else None)
        if para.kind == "attachment":
            paragraph.paragraph_format.page_break_before = True
    attachment_table(doc, project)
    stamp = stamp_of(date)
    _properties(doc, draft.title, stamp)
    raw = io.BytesIO()
    doc.save(raw)
    return pinned(raw.getvalue(), stamp)

