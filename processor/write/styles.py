"""Cell formats shared by every workbook we write, so the summary and its project sheets look alike.

Fonts: 等线 is what Excel and WPS use for Chinese by default on Windows; LibreOffice falls back to a CJK
font (Noto Sans CJK on Linux). Money is 万元 with two decimals and a thousands separator, scores (and their
differences and means) two decimals, rates percentages with one: the same in every sheet we write.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FONT = "等线"
RED_FILL, AMBER_FILL, BLUE_FILL, HEAD_FILL = "#F8CBAD", "#FFE699", "#DDEBF7", "#D9E1F2"
TOTAL_FILL = "#EDEDED"
MONEY, RATE, SCORE = "#,##0.00", "0.0%", "0.00"
FOOTER = "&C第 &P 页 共 &N 页"  # every printed sheet: page x of y
LINE_HEIGHT, PAD = 13.5, 4.0  # points per line of 10-pt 等线, plus the cell's own margin


class _CharUnits(dict[str, float]):
    """Each character's width, looked up once; kept for the first 20,000 distinct characters only, so a
    hostile text cycling through all of Unicode cannot grow it further."""

    def __missing__(self, ch: str) -> float:
        units = 1.9 if unicodedata.east_asian_width(ch) in "WF" else 1.0
        if len(self) < 20_000:
            self[ch] = units
        return units


_CHAR_UNITS = _CharUnits()


def text_units(text: str) -> float:
    """Width of a text in Excel column units: a CJK character is about two digits wide."""
    if text.isascii():
        return float(len(text))
    return sum(map(_CHAR_UNITS.__getitem__, text))  # summed in order, like the unmemoised form: same rounding


@lru_cache(maxsize=1 << 14)
def text_lines(text: str, width: float) -> int:
    """Lines a wrapped text needs in a column this wide. Row heights are set from this because
    neither Excel nor LibreOffice grows a row for wrapped text in a file written by a program.

    Memoised: a summary measures the same labels, headers and answers (达成预期指标, 100%) thousands
    of times, and measuring walks every character (8% of a city-year run before).
    """
    return sum(max(1, math.ceil(text_units(part) / max(width - 1.5, 1.0))) for part in text.split("\n"))


def row_height(lines: int) -> float:
    return lines * LINE_HEIGHT + PAD


@dataclass(frozen=True)
class Styles:
    title: Format
    subtitle: Format
    header: Format
    label: Format
    label_left: Format
    text: Format
    wrap: Format
    money: Format
    rate: Format
    score: Format
    integer: Format
    link: Format
    error: Format
    warning: Format
    error_score: Format
    warning_score: Format
    big_number: Format
    big_money: Format
    big_rate: Format
    note: Format
    flag_error: Format  # conditional formats: a fill only, so the cell keeps its own number format
    flag_warning: Format
    # a finding's fill on money and rate cells of a re-laid form (projectsheet), keeping their number format
    error_money: Format
    warning_money: Format
    error_rate: Format
    warning_rate: Format
    wrap_middle: Format  # wrapped text centred vertically, to sit level with the numbers of its row
    code: Format  # a finding's code in its narrow column: small, grey, wrapped at the hyphens
    big_score: Format
    unit_line: Format  # a table's 单位/制表日期 line, left above the header
    # a table's 合计 rows: bold on a light fill, below the autofiltered rows
    total_text: Format
    total_money: Format
    total_rate: Format
    total_score: Format
    total_integer: Format
    # a re-laid form's borders, as a conditional format over its rows (projectsheet._grid): a border only
    grid: Format


def make_styles(book: Workbook) -> Styles:
    def fmt(**props: Any) -> Format:
        base: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        base.update(props)
        return book.add_format(base)

    cell = {"border": 1, "border_color": "#BFBFBF"}
    return Styles(
        title=fmt(bold=True, font_size=16, align="center"),
        subtitle=fmt(font_size=10, align="center", font_color="#595959"),
        header=fmt(bold=True, bg_color=HEAD_FILL, text_wrap=True, align="center", **cell),
        label=fmt(bold=True, bg_color="#F2F2F2", text_wrap=True, align="center", **cell),
        label_left=fmt(bold=True, bg_color="#F2F2F2", text_wrap=True, indent=1, **cell),
        text=fmt(**cell),
        wrap=fmt(text_wrap=True, valign="top", **cell),
        money=fmt(num_format=MONEY, **cell),
        rate=fmt(num_format=RATE, **cell),
        score=fmt(num_format=SCORE, **cell),
        integer=fmt(num_format="0", **cell),
        link=fmt(font_color="#0563C1", underline=1, **cell),
        error=fmt(bg_color=RED_FILL, text_wrap=True, **cell),
        warning=fmt(bg_color=AMBER_FILL, text_wrap=True, **cell),
        error_score=fmt(bg_color=RED_FILL, num_format=SCORE, **cell),
        warning_score=fmt(bg_color=AMBER_FILL, num_format=SCORE, **cell),
        big_number=fmt(bold=True, font_size=14, num_format="#,##0", align="left", **cell),
        big_money=fmt(bold=True, font_size=14, num_format=MONEY, align="left", **cell),
        big_rate=fmt(bold=True, font_size=14, num_format=RATE, align="left", **cell),
        note=fmt(font_color="#595959", text_wrap=True, valign="top"),
        flag_error=book.add_format({"bg_color": RED_FILL}),
        flag_warning=book.add_format({"bg_color": AMBER_FILL}),
        error_money=fmt(bg_color=RED_FILL, num_format=MONEY, **cell),
        warning_money=fmt(bg_color=AMBER_FILL, num_format=MONEY, **cell),
        error_rate=fmt(bg_color=RED_FILL, num_format=RATE, **cell),
        warning_rate=fmt(bg_color=AMBER_FILL, num_format=RATE, **cell),
        wrap_middle=fmt(text_wrap=True, **cell),
        code=fmt(font_size=8, font_color="#595959", text_wrap=True, **cell),
        big_score=fmt(bold=True, font_size=14, num_format=SCORE, align="left", **cell),
        unit_line=fmt(font_size=10, font_color="#595959"),
        total_text=fmt(bold=True, bg_color=TOTAL_FILL, text_wrap=True, **cell),
        total_money=fmt(bold=True, bg_color=TOTAL_FILL, num_format=MONEY, **cell),
        total_rate=fmt(bold=True, bg_color=TOTAL_FILL, num_format=RATE, **cell),
        total_score=fmt(bold=True, bg_color=TOTAL_FILL, num_format=SCORE, **cell),
        total_integer=fmt(bold=True, bg_color=TOTAL_FILL, num_format="#,##0", **cell),
        grid=book.add_format(cell),
    )


def landscape(ws: Any, repeat_rows: tuple[int, int] | None = None, width_pages: int = 1, *,
              footer: bool = False) -> None:
    """Print on A4 landscape, fit to the page width, header rows repeated on every page; with `footer`,
    第 x 页 共 y 页 at the foot of each page."""
    ws.set_landscape()
    if footer:
        ws.set_footer(FOOTER)
    ws.set_paper(9)
    ws.fit_to_pages(width_pages, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if repeat_rows is not None:
        ws.repeat_rows(*repeat_rows)


def typed_cell(ws: Worksheet, r: int, c: int, value: Any, fmt: Format) -> None:
    """Typed writes only: a blank for None/NaN, 是/否 for a flag, a number, else text (a project's name stays text
    even when it starts with =)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def score_floor(scores: Iterable[float | None]) -> int:
    """Where a score axis starts: 50 points unless some score is lower (then its ten below), so that 90 and 100
    differ visibly and no score falls off the chart."""
    known = [s for s in scores if s is not None and not math.isnan(s)]
    return max(0, min(50, int(min(known) // 10 * 10))) if known else 50
