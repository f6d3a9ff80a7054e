"""The hidden marker sheet of our own blank template (processor.write.template): the reader skips it as a
form and, when it names an older template version, says so (`template-outdated`), so that a department
still filling last year's template learns that its formulas or printed rules are out of date."""

from __future__ import annotations

import re

from processor.core.findings import finding
from processor.core.model import Finding
from processor.read.values import cell_text
from processor.read.workbook import Sheet, Workbook

TEMPLATE_ID = "selfeval-自评表"
TEMPLATE_VERSION = 1  # raise when the layout, formulas or rules printed in the template change
MARKER_SHEET = "_selfeval"


def is_marker(sheet: Sheet) -> bool:
    """The marker sheet is bookkeeping: never a form, never a hidden copy of one."""
    return sheet.name == MARKER_SHEET and bool(sheet.rows) and cell_text(sheet.rows[0][0]) == "模板标识"


def template_findings(book: Workbook) -> list[Finding]:
    """`template-outdated` when the workbook was filled on an older version of our template.

    A workbook without the marker is simply someone else's form: nothing to say about it.
    """
    marker = next((s for s in book.sheets if is_marker(s)), None)
    fields = {cell_text(row[0]): row[1] for row in marker.rows if len(row) > 1} if marker else {}
    raw = cell_text(fields.get("模板版本"))
    if cell_text(fields.get("模板标识")) != TEMPLATE_ID or (re.fullmatch(r"\d+(\.\d+)?", raw)
                                                       and float(raw) >= TEMPLATE_VERSION):
        return []
    return [finding("template-outdated", value=raw or "（未标明）", current=TEMPLATE_VERSION)]
