"""The fonts of a Chinese official document, and the one way a run gets them.

python-docx sets only the Latin font of a run (w:ascii); Word then shows Chinese text in the theme's East Asian
font (usually 等线), so every run gets its w:eastAsia font explicitly, on the run itself (not only its style:
WPS and Word differ there).
"""

from __future__ import annotations

from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.run import Run

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"
BODY_SIZE = 16  # 三号


def set_font(run: Run, font: str, size: float, bold: bool = False, latin: str = LATIN_FONT) -> None:
    """Latin and East Asian fonts both, on the run itself (not only its style: WPS and Word differ there)."""
    run.font.name, run.font.size, run.font.bold = latin, Pt(size), bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
