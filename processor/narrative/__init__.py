"""The Word 绩效自评报告 that accompanies each form: drafted from the form (issue 17); checked against it next.

content.py says what a draft says (plain data, testable as text); document.py, table.py and fonts.py set it
in Word. This stage sits beside the workbook writers: it takes the reviewed FileResult and writes a file.

The drafting names are imported on first use (PEP 562): processor.check needs only the report matching here,
and importing python-docx (document.py) cost every `selfeval run` 0.05–0.1 s of start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from processor.narrative.content import Draft, Para, Span, compose
    from processor.narrative.document import render

__all__ = ["Draft", "Para", "Span", "compose", "render"]
_FROM = {"Draft": "content", "Para": "content", "Span": "content", "compose": "content", "render": "document"}


def __getattr__(name: str) -> object:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_FROM[name]}"), name)
