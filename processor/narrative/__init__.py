"""The Word 绩效自评报告 that accompanies each form: drafted from the form (issue 17); checked against it next.

content.py says what a draft says (plain data, testable as text); document.py, table.py and fonts.py set it
in Word. This stage sits beside the workbook writers: it takes the reviewed FileResult and writes a file.
"""

from typing import TYPE_CHECKING

from processor.core.lazy import exports

if TYPE_CHECKING:
    from processor.narrative.content import Draft, Para, Span, compose
    from processor.narrative.document import render

__all__ = ["Draft", "Para", "Span", "compose", "render"]
__getattr__ = exports(__name__, {"Draft": "content", "Para": "content", "Span": "content", "compose": "content", "render": "document"})
