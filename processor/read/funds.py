"""The 项目资金 block: 年度资金总额 and its parts, converted to 万元.

A blank total or rate in a program-written file is a formula without its result: it is computed the
way the form defines it (total = Σ parts, 执行率 = B ÷ A, 得分 = min(执行率, 1) × 分值) and reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from processor.core.model import FundRow, Funds
from processor.read.context import FormContext
from processor.read.grid import a1
from processor.read.labels import declared_weight, memo_short, squash
from processor.read.locate import FUND_ROWS, Header
from processor.read.values import ErrorValue, Unreadable, cell_text, parse_rate

AMOUNTS = ("initial_budget", "annual_budget", "executed")
FIELD_NAMES = {
    "initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
    "weight": "分值", "rate": "执行率", "score": "得分",
}
NO_FUNDS = Funds(None, None, None, None, None, None)
_MONEY_TOLERANCE = 0.01  # 万元, as the review's money tolerance
_NEXT_SECTIONS = {"goals", "goal_expected", "goal_actual", "indicators", "level1", "level2", "level3"}
_UNIT_NOTE = re.compile(r"单位:?(万元|元)")
_YUAN = re.compile(r"\(元\)|单位:?元")


def money_unit(ctx: FormContext, header: Header) -> str:
    """万元 or 元, from the 项目资金 label and the funds header only (a project name may say 万元)."""
    g = ctx.grid
    texts = [squash(text) for text in g.row_texts(header.row)]
    label = ctx.block.first("funds")
    if label:
        texts.append(squash(g.text(label.row, label.col)))
    for r in range(ctx.block.top, header.row):  # a 单位：元 note above the form
        for text in g.row_texts(r):
            if note := _unit_note(text):
                texts.append(note)
    joined = " ".join(t for t in texts if t and len(t) < 40)
    if "万元" in joined:
        return "万元"
    return "元" if _YUAN.search(joined) else "万元"


@memo_short
def _unit_note(text: str) -> str | None:
    """The 单位：元 / 单位：万元 a text says, if any. Memoised: money_unit asks it of every cell above the funds
    header, title rows and 项目名称 lines that recur from form to form."""
    m = _UNIT_NOTE.search(squash(text))
    return m.group(0) if m else None


def parse_funds(ctx: FormContext) -> Funds:
    header = ctx.block.funds
    if header is None:
        ctx.note("missing-funds-row", ctx.label_cell("funds") or ctx.form_cell())
        return NO_FUNDS
    scale = 1 / 10000 if money_unit(ctx, header) == "元" else 1.0
    cols = header.cols
    first_money = min(cols.get(f, 10**6) for f in AMOUNTS)
    # the fund rows: below the header, above the next section (年度总体目标, 绩效指标), one per row; a field may
    # recur (其中：当年财政拨款 and, further down, 其中：中央财政资金 broken out of it)
    end = min((lb.row for lb in ctx.block.labels if lb.row > header.row and lb.field in _NEXT_SECTIONS),
              default=ctx.block.bottom)
    total: FundRow | None = None
    found: list[FundRow] = []
    seen: set[int] = set()
    for lb in sorted(ctx.block.labels, key=lambda lb: (lb.row, lb.col)):
        if lb.field in FUND_ROWS and header.row < lb.row < end and lb.col < first_money and lb.row not in seen:
            seen.add(lb.row)
            if lb.field != "fund_total":
                found.append(_fund_row(ctx, lb.field, lb.row, lb.col, cols, scale))
            elif total is None:
                total = _fund_row(ctx, lb.field, lb.row, lb.col, cols, scale)
    if total is None:
        ctx.note("missing-funds-row", ctx.label_cell("fund_total") or ctx.label_cell("funds") or ctx.form_cell())
        return NO_FUNDS
    parts = _top_level(total, tuple(found))
    total = _total_from_parts(ctx, total, parts)
    r = total.row - 1
    weight = ctx.number(r, cols["weight"], "分值") if "weight" in cols else _declared_weight(ctx)
    rate = _rate(ctx, r, cols)
    score = ctx.number(r, cols["score"], "得分") if "score" in cols else None
    if scale != 1.0 and total.annual_budget is not None:
        ctx.note("money-unit-converted", total.cells.get("annual_budget", ""),
                 value=f"{total.annual_budget / scale:,.2f}", converted=f"{total.annual_budget:,.4f}")
    for f in ("annual_budget", "executed"):
        if getattr(total, f) is None and not ctx.unreadable_at(total.cells.get(f, "")):
            ctx.note("missing-funds-value", total.cells.get(f, a1(r, first_money)), field=FIELD_NAMES[f])
    if rate is None and total.annual_budget and total.executed is not None and "rate" in cols:
        rate = total.executed / total.annual_budget
        _computed(ctx, total.cells["rate"], field="执行率", value=f"{rate:.2%}")
    if score is None and weight is not None and rate is not None and "score" in cols:
        score = round(min(rate, 1.0) * weight, 2)
        _computed(ctx, total.cells["score"], field="预算执行率得分", value=f"{score:g}")
    return Funds(
        initial_budget=total.initial_budget, annual_budget=total.annual_budget, executed=total.executed,
        execution_rate=rate, weight=weight, self_score=score, money_unit="万元", row=total.row,
        cells=total.cells, parts=parts,
    )


def _adds_up(row: FundRow, parts: Sequence[FundRow]) -> bool:
    """True when the parts' amounts add up to the row's, in every amount the row has (at least one non-zero)."""
    compared = False
    for f in AMOUNTS:
        whole = getattr(row, f)
        if whole is None:
            continue
        if abs(whole - sum(getattr(p, f) or 0.0 for p in parts)) > _MONEY_TOLERANCE:
            return False
        compared = compared or whole != 0
    return compared


def _top_level(total: FundRow, parts: tuple[FundRow, ...]) -> tuple[FundRow, ...]:
    """The parts that make up the total. Some forms break one part down further in the rows below it
    (其中：当年财政拨款 250, then 中央财政资金 150 and 地方财政资金 100): when the parts do not add up to the total
    as printed but do once such a breakdown is left out, the breakdown is not counted a second time."""
    if len(parts) < 3 or _adds_up(total, parts):
        return parts
    ordered = sorted(parts, key=lambda p: p.row)
    for i, head in enumerate(ordered):
        for j in range(i + 2, len(ordered) + 1):
            if _adds_up(head, ordered[i + 1:j]):
                kept = ordered[:i + 1] + ordered[j:]
                if _adds_up(total, kept):
                    return tuple(p for p in parts if p in kept)
    return parts


def _declared_weight(ctx: FormContext) -> float | None:
    """Without a 分值 column the block's title may carry it: 预算执行情况（万元）（20分）."""
    label = ctx.block.first("funds")
    return declared_weight(ctx.grid.text(label.row, label.col)) if label else None


def _computed(ctx: FormContext, cell: str, **kw: object) -> None:
    """Say that a blank formula cell was computed — unless the cell is not blank but unreadable (`#N/A` typed
    as text, `十万`): its number-unreadable warning already names it, and a second note calling it 为空 would
    contradict the first."""
    if not ctx.unreadable_at(cell):
        ctx.note("value-computed", cell, **kw)


def _fund_row(ctx: FormContext, field: str, r: int, c: int, cols: dict[str, int], scale: float) -> FundRow:
    amounts: list[float | None] = []
    for f in AMOUNTS:
        v = ctx.number(r, cols[f], FIELD_NAMES[f]) if f in cols else None
        amounts.append(None if v is None else round(v * scale, 8))  # 元 → 万元 exactly, without float noise
    cells = {f: a1(r, col) for f, col in cols.items() if f in FIELD_NAMES}
    initial, annual, executed = amounts
    return FundRow(field.removeprefix("fund_"), cell_text(ctx.grid.get(r, c)), r + 1, initial, annual, executed,
                   cells)


def _total_from_parts(ctx: FormContext, total: FundRow, parts: tuple[FundRow, ...]) -> FundRow:
    """A blank total amount whose parts are filled is the form's own sum formula without a result."""
    changes: dict[str, float] = {}
    # the whole total row left at 0 while 当年财政拨款 holds the money (docs/layouts.md, layout A): take the parts
    zero_row = all(not getattr(total, f) for f in AMOUNTS) and any(getattr(total, f) == 0 for f in AMOUNTS)
    for f in AMOUNTS:
        values = [getattr(p, f) for p in parts if getattr(p, f) is not None]
        if getattr(total, f) is None and values and f in total.cells:
            changes[f] = round(sum(values), 6)
            _computed(ctx, total.cells[f], field=f"年度资金总额的{FIELD_NAMES[f]}", value=f"{changes[f]:g}（各分项之和）")
        elif zero_row and getattr(total, f) == 0 and sum(values) > 0 and f in total.cells:
            changes[f] = round(sum(values), 6)
            ctx.note("funds-total-zero", total.cells[f], field=FIELD_NAMES[f], value=f"{changes[f]:g}")
    if not changes:
        return total
    return FundRow(total.key, total.label, total.row, changes.get("initial_budget", total.initial_budget),
                   changes.get("annual_budget", total.annual_budget), changes.get("executed", total.executed),
                   total.cells)


def _rate(ctx: FormContext, row: int, cols: dict[str, int]) -> float | None:
    if "rate" not in cols:
        return None
    try:
        return parse_rate(ctx.grid.get(row, cols["rate"]))
    except ErrorValue as exc:
        ctx.note("cell-error", (row, cols["rate"]), field="执行率", value=str(exc))
        return None
    except Unreadable as exc:
        ctx.note("number-unreadable", (row, cols["rate"]), field="执行率", value=str(exc))
        return None
