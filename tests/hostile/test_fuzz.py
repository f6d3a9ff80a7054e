"""Fuzzing the reader (issue 7): cell grids shaped like forms, mangled, never crash the pipeline.

The grids start from real forms — the seed form and the clean central2020 form, typed by
tests/formbuilder.py into a workbook and read back by processor.read.workbook.load, so they hold exactly what
calamine hands the reader (strings with U+3000, floats, "" for blanks, merged ranges) — and are then
shuffled, blanked, duplicated, retyped (numbers ↔ text, dates, bools, None, NaN/∞, "#REF!"),
salted with control characters, huge and negative numbers and very long strings, and given random
merged ranges, valid or overlapping, inverted or far outside the sheet. Every one of those can arrive
in a real file: calamine passes a `<v>NaN</v>`, an inverted `C3:A1` merge and an `A1:XFD1048576` merge
through unchanged.

The property: locate → parse → review always ends in Projects and findings whose codes are in the
catalogue and whose cells are A1 references (or ""). A smaller property runs check_file on written
.xlsx files; with SELFEVAL_FUZZ set, a third runs `selfeval run` (summary and letters) on pairs of them.

CI runs a fixed, derandomized sample (the whole file in about 10 s). To fuzz for real:

    SELFEVAL_FUZZ=2000 .venv/bin/python -m pytest tests/hostile/test_fuzz.py

which also randomizes the search. Every grid the fuzzer ever crashed on is kept below in CORPUS, a
table-driven regression test (the corpus issue 7 asks to keep).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import tempfile
import zipfile
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from formbuilder import clean_spec, seed_spec, write_form, write_workbook
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from processor.check import check_file
from processor.core.findings import CATALOGUE
from processor.core.model import FileResult, Finding, Project, Severity, Status
from processor.read.grid import Grid
from processor.read.labels import SYNONYMS
from processor.read.locate import find_forms
from processor.read.parse import FormParser
from processor.read.workbook import Sheet, load
from processor.report import file_dict
from processor.review.checks import apply_severity, review
from processor.review.profiles import detect, load_profile
from processor.run import run

DEEP = int(os.environ.get("SELFEVAL_FUZZ", "0"))
A1 = re.compile(r"^([A-Z]{1,3}[1-9][0-9]{0,6})?$")


def fuzz_settings(ci_examples: int, deep_share: int = 1, **kw: Any) -> Any:
    """Deterministic and quick in CI; `SELFEVAL_FUZZ=N` searches N // deep_share random examples instead."""
    return settings(max_examples=max(DEEP // deep_share, 1) if DEEP else ci_examples, derandomize=not DEEP,
                    deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], **kw)


# -- the seed grids: real forms as calamine reads them -------------------------------------------------

Merge = tuple[tuple[int, int], tuple[int, int]]


@cache
def bases() -> dict[str, Sheet]:
    """The seed and clean forms, two stacked forms, and an .ods-like copy (no merges known)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out: dict[str, Sheet] = {}
        for key, spec in (("seed", seed_spec()), ("clean", clean_spec()),
                          ("split", clean_spec(merge_groups=False, row_offset=2, col_offset=1, annex=None))):
            out[key] = load(write_workbook(folder / f"{key}.xlsx", [("自评表", spec)])).sheets[0]
        book = xlsxwriter.Workbook(str(folder / "stacked.xlsx"))
        ws = book.add_worksheet("两个项目")
        end = write_form(book, ws, clean_spec(omit=("total",)))
        write_form(book, ws, seed_spec(row_offset=end + 2))
        book.close()
        out["stacked"] = load(folder / "stacked.xlsx").sheets[0]
    out["ods"] = replace(out["clean"], merged=(), merges_known=False)
    return out


# -- what a cell can hold --------------------------------------------------------------------------------

ERRORS = ("#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA")
CONTROL = "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x85\u200b\u200e\u202e\u2028\u2029\ufeff\u3000\xa0\ufffe"
LABELS = tuple(s for names in SYNONYMS.values() for s in names)
WORDS = ("≥95%", "≤90万元", "100%", "10分", "　200", "2,200", "97.30%", "2021年12月完成", "达成预期指标", "部分完成",
         "未完成", "—", "/", "无", "……", "指标1：", "优", "良好", "A", "(元)", "单位：元", "万元", "自评表", "附件",
         "填表人：张三", "项目名称：某项目", "自评等级：优", "=SUM(A1:A3)", "+86", "-5", "@cmd", "1e308", "-0", "NaN",
         "inf", "１０分", "≧735人次", "不低于95%", "控制在90万元以内", "2021-13-45", "9999年99月", "0.95", "150%")
_VALUE_CHARS = "0123456789.,-+/%％‰≥≤≧≦═=<>年月日底前内以上下不低于个人万元分:：()（）★　 " + CONTROL

numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),  # NaN, ±inf, ±0.0, subnormals and 1e308 all arrive from <v> elements
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 1e15, -100.0, 0.95, 1.5, 2.0, 100.0, 99.99]),
)
texts = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(LABELS), st.sampled_from(ERRORS),
    st.text(alphabet=_VALUE_CHARS, max_size=12),
    st.text(max_size=20),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(200, 12000)),  # very long
    st.builds(lambda label, ch: label[: len(label) // 2] + ch + label[len(label) // 2:],
              st.sampled_from(LABELS), st.sampled_from(CONTROL)),  # a label broken by a control character
)
cells = st.one_of(
    st.none(), st.just(""), st.booleans(), numbers, texts,
    st.dates(), st.datetimes(), st.times(), st.timedeltas(),
)


# -- how a grid gets mangled -------------------------------------------------------------------------------

idx = st.integers(0, 10_000)  # taken modulo the grid's size when applied: shrinks towards the top-left
ops = st.one_of(
    st.tuples(st.just("set"), idx, idx, cells),
    st.tuples(st.just("value"), idx, st.one_of(numbers, st.sampled_from(ERRORS), texts, cells)),
    st.tuples(st.just("blank"), idx, idx),
    st.tuples(st.just("retype"), idx, idx, st.sampled_from(
        ["text", "number", "date", "bool", "none", "error", "control", "huge", "negative", "long", "formula",
         "nan", "inf"])),
    st.tuples(st.just("swap"), idx, idx),
    st.tuples(st.just("move"), idx, idx),
    st.tuples(st.just("drop"), idx),
    st.tuples(st.just("dup"), idx, idx),
    st.tuples(st.just("label"), idx, idx, st.sampled_from(LABELS)),
    st.tuples(st.just("truncate"), idx, st.integers(0, 12)),
    st.tuples(st.just("widen"), idx, st.integers(1, 30), cells),
    st.tuples(st.just("shift"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("merge"), idx, idx, st.integers(0, 30), st.integers(0, 10)),
    # calamine's ranges are unsigned, but may be inverted (C3:A1) or reach XFD1048576
    st.tuples(st.just("wild-merge"), st.integers(0, 2**20), st.integers(0, 2**14),
              st.integers(0, 2**20), st.integers(0, 2**14)),
    st.tuples(st.just("swap-columns"), idx, idx),
    st.tuples(st.just("unmerge"), idx),
    st.tuples(st.just("transpose-block"), idx, st.integers(2, 6)),
)


def _retype(value: Any, how: str) -> Any:
    text = "" if value is None else str(value)
    match how:
        case "text":
            return text
        case "number":
            digits = re.sub(r"[^\d.\-]", "", text)
            try:
                return float(digits)
            except ValueError:
                return len(text)
        case "date":
            return dt.datetime(2021, 12, 31, 0, 0) if not text else dt.date(2021, 1 + len(text) % 12, 1)
        case "bool":
            return bool(text)
        case "none":
            return None
        case "error":
            return ERRORS[len(text) % len(ERRORS)]
        case "control":
            return text[:1] + "\x00\x1b\u202e" + text[1:] + "\x07"
        case "huge":
            return 1e300 if isinstance(value, float | int) else text[:20] + "9" * 400
        case "negative":
            return -value if isinstance(value, float | int) and not isinstance(value, bool) else "-" + text
        case "long":
            return (text[:20] or "长") * 2000
        case "formula":
            return "=" + text
        case "nan":
            return math.nan
        case _:
            return math.inf


def _apply(op: tuple[Any, ...], rows: list[list[Any]], merged: list[Merge]) -> None:
    kind = op[0]
    n = len(rows)

    def at(r: int, c: int) -> tuple[int, int] | None:
        if not rows:
            return None
        r %= len(rows)
        return (r, c % len(rows[r])) if rows[r] else None

    if kind == "value":  # a cell that holds a figure (分值, 得分, an amount, a target) gets something else
        figures = [(r, c) for r, line in enumerate(rows) for c, v in enumerate(line)
                   if isinstance(v, float | int) or (isinstance(v, str) and re.search(r"\d", v) and len(v) < 12)]
        if figures:
            r, c = figures[op[1] % len(figures)]
            rows[r][c] = op[2]
        return
    if kind in ("set", "blank", "retype", "label"):
        pos = at(op[1], op[2])
        if pos is None:
            return
        r, c = pos
        rows[r][c] = {"set": lambda: op[3], "blank": lambda: "", "label": lambda: op[3],
                      "retype": lambda: _retype(rows[r][c], op[3])}[kind]()
    elif kind == "swap" and n:
        i, j = op[1] % n, op[2] % n
        rows[i], rows[j] = rows[j], rows[i]
    elif kind == "move" and n:
        rows.insert(op[2] % n, rows.pop(op[1] % n))
    elif kind == "drop" and n:
        del rows[op[1] % n]
    elif kind == "dup" and n:
        rows.insert(op[2] % (n + 1), list(rows[op[1] % n]))
    elif kind == "truncate" and n:
        del rows[op[1] % n][op[2]:]
    elif kind == "widen" and n:
        rows[op[1] % n].extend([op[3]] * op[2])
    elif kind == "shift":
        dr, dc = op[1], op[2]
        width = max((len(r) for r in rows), default=0)
        rows[:0] = [[""] * (width + dc) for _ in range(dr)]
        for i in range(dr, len(rows)):
            rows[i][:0] = [""] * dc
        merged[:] = [((r0 + dr, c0 + dc), (r1 + dr, c1 + dc)) for (r0, c0), (r1, c1) in merged]
    elif kind == "swap-columns" and n:
        width = max(len(line) for line in rows) or 1
        i, j = op[1] % width, op[2] % width
        for line in rows:
            line.extend([""] * (max(i, j) + 1 - len(line)))
            line[i], line[j] = line[j], line[i]
    elif kind == "merge" and n:
        r0 = op[1] % n
        c0 = op[2] % max(len(rows[r0]), 1)
        merged.append(((r0, c0), (r0 + op[3] % 8, c0 + op[4])))
    elif kind == "wild-merge":
        merged.append(((op[1], op[2]), (op[3], op[4])))
    elif kind == "unmerge" and merged:
        del merged[op[1] % len(merged)]
    elif kind == "transpose-block" and n:
        r0, k = op[1] % n, op[2]
        block = rows[r0:r0 + k]
        width = max((len(r) for r in block), default=0)
        rows[r0:r0 + k] = [[line[c] if c < len(line) else "" for line in block] for c in range(width)]


@st.composite
def form_grids(draw: st.DrawFn, max_ops: int = 12) -> Sheet:
    base = bases()[draw(st.sampled_from(sorted(bases())))]
    rows = [list(line) for line in base.rows]
    merged: list[Merge] = list(base.merged)
    for op in draw(st.lists(ops, max_size=max_ops)):
        _apply(op, rows, merged)
    return Sheet(base.name, rows, tuple(merged), base.merges_known)


# -- the pipeline and its property -------------------------------------------------------------------------

PROFILES = {name: load_profile(name) for name in ("central2020", "hunan-legacy")}


def pipeline(sheet: Sheet, file_name: str = "2021自评.xlsx") -> list[tuple[Project, list[Finding]]]:
    """What check_file does with one sheet, in memory: locate, parse, review under the detected profile."""
    grid = Grid(sheet)
    out = []
    for block in find_forms(grid):
        parser = FormParser(grid, block, file_name)
        project = parser.parse()
        rules = PROFILES[detect(project)]
        project, more = review(replace(project, profile=rules.name), rules)
        out.append((project, apply_severity(parser.findings + more, rules)))
        # the other profile must cope as well: a user may force either one
        other = PROFILES["hunan-legacy" if rules.name == "central2020" else "central2020"]
        out.append(review(replace(project, profile=other.name), other))
    return out


def _event(text: str) -> None:
    """Statistics for `--hypothesis-show-statistics`; the helpers also serve plain regression tests."""
    if currently_in_test_context():
        event(text)


def assert_sound(findings: list[Finding] | tuple[Finding, ...]) -> None:
    for f in findings:
        assert f.code in CATALOGUE, f.code
        assert isinstance(f.severity, Severity)
        assert A1.match(f.cell), f"{f.code}: cell {f.cell!r} is no A1 reference"
        assert f.message and f.hint and isinstance(f.value, str)


def assert_pipeline_sound(sheet: Sheet) -> None:
    results = pipeline(sheet)
    _event(f"forms found: {len(results) // 2}")
    for project, findings in results:
        assert isinstance(project, Project)
        assert_sound(findings)
        for ind in project.indicators:
            assert A1.match(ind.cells.get("name", "")), ind.cells
        assert all(A1.match(c) for c in project.cells.values()), project.cells
        json.dumps(file_dict(FileResult("x.xlsx", Status.ACCEPTED, projects=(project,), findings=tuple(findings))))


# Grids the fuzzer crashed on (kept as the corpus); each is also described in test_regressions below.
def _seed_with(*edits: tuple[int, int, Any], merged: tuple[Merge, ...] | None = None) -> Sheet:
    base = bases()["seed"]
    rows = [list(line) for line in base.rows]
    for r, c, v in edits:
        rows[r][c] = v
    return Sheet(base.name, rows, base.merged if merged is None else merged, base.merges_known)


@given(form_grids())
@fuzz_settings(150)
def test_mangled_forms_never_crash_the_pipeline(sheet: Sheet) -> None:
    assert_pipeline_sound(sheet)


@st.composite
def label_soup(draw: st.DrawFn) -> Sheet:
    """Small grids made only of labels and odd values: the locator's corner cases, not the parser's."""
    width = draw(st.integers(1, 9))
    rows = draw(st.lists(st.lists(st.one_of(st.sampled_from(LABELS), cells), min_size=0, max_size=width),
                         max_size=14))
    merged = draw(st.lists(st.tuples(st.tuples(st.integers(0, 15), st.integers(0, 10)),
                                     st.tuples(st.integers(0, 15), st.integers(0, 10))), max_size=4))
    return Sheet("Sheet1", rows, tuple(merged), draw(st.booleans()))


@given(label_soup())
@fuzz_settings(150)
def test_label_soup_never_crashes_the_pipeline(sheet: Sheet) -> None:
    assert_pipeline_sound(sheet)


# -- the same through real files -----------------------------------------------------------------------------

def _write_cell(ws: Any, r: int, c: int, v: Any) -> None:
    """Write a value the way a workbook would hold it: error strings as error cells, NaN/∞ patched in later."""
    if v is None or v == "":
        return
    if isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, float) and not math.isfinite(v):
        ws.write_string(r, c, f"__nonfinite_{v}__")
    elif isinstance(v, int | float):
        ws.write_number(r, c, float(v) if abs(v) < 2**53 else float(f"{v:.15g}"))
    elif isinstance(v, dt.datetime | dt.date | dt.time):
        ws.write_datetime(r, c, v)
    elif isinstance(v, dt.timedelta):
        ws.write_number(r, c, v.total_seconds() / 86400)
    elif v in ERRORS:
        ws.write_formula(r, c, "=NA()", None, v)  # a formula whose cached result is the error
    else:
        ws.write_string(r, c, str(v)[:32767])


def write_sheet(path: Path, sheet: Sheet) -> Path:
    """A real .xlsx holding the grid: merges (overlapping, inverted, out of bounds) and NaN/∞ are patched into
    the XML, because xlsxwriter (rightly) refuses to write them."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    book.set_properties({"created": dt.datetime(2022, 1, 15)})
    ws = book.add_worksheet(sheet.name)
    for r, line in enumerate(sheet.rows[:2000]):
        for c, v in enumerate(line[:200]):
            if r < 1_048_576 and c < 16_384:
                try:
                    _write_cell(ws, r, c, v)
                except (ValueError, TypeError, OverflowError):  # xlsxwriter's own limits (dates before 1900 …)
                    ws.write_string(r, c, str(v))
    book.close()
    refs = "".join(f'<mergeCell ref="{_ref(a)}:{_ref(b)}"/>' for a, b in sheet.merged)
    src = zipfile.ZipFile(path)
    shared = src.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in src.namelist() else b""
    nonfinite = partial(_nonfinite, strings=re.findall(rb"<si>(.*?)</si>", shared, re.S))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="([A-Z]+\d+)" t="s"><v>(\d+)</v></c>', nonfinite, data)
                if refs:
                    data = data.replace(b"</sheetData>", f'</sheetData><mergeCells>{refs}</mergeCells>'.encode())
            dst.writestr(info, data)
    src.close()
    path.write_bytes(out.getvalue())
    return path


def _nonfinite(m: re.Match[bytes], strings: list[bytes]) -> bytes:
    text = strings[int(m.group(2))]
    hit = re.search(rb"__nonfinite_(nan|inf|-inf)__", text)
    if hit is None:
        return m.group(0)
    return b'<c r="' + m.group(1) + b'"><v>' + {b"nan": b"NaN", b"inf": b"INF", b"-inf": b"-INF"}[hit.group(1)] + b"</v></c>"


def _ref(pos: tuple[int, int]) -> str:
    r, c = pos
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def assert_file_sound(result: FileResult) -> None:
    _event(f"status: {result.status.value}")
    assert isinstance(result.status, Status) and result.status is not Status.SKIPPED
    assert_sound(result.findings)
    assert all(f.code != "internal-error" for f in result.findings)
    if result.status is Status.REJECTED:
        assert result.findings and not result.projects
    else:
        assert result.projects
    json.dumps(file_dict(result))


@given(form_grids(max_ops=8))
@fuzz_settings(25)
def test_mangled_forms_written_to_xlsx_get_a_status(sheet: Sheet) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_sheet(Path(tmp) / "2021 自评表.xlsx", sheet)
        assert_file_sound(check_file(path))


@pytest.mark.skipif(not DEEP, reason="slow (a whole run per example): only with SELFEVAL_FUZZ=N, N // 10 examples")
@given(form_grids(max_ops=10), form_grids(max_ops=10))
@fuzz_settings(10, deep_share=10)
def test_runs_of_mangled_forms_write_summary_and_letters(first: Sheet, second: Sheet) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        write_sheet(inbox / "a.xlsx", first)  # merges of any size: the 审核意见 copy once died on A30:XFD1048576
        write_sheet(inbox / "b 副本.xlsx", second)
        result = run(inbox, Path(tmp) / "out", date=dt.date(2026, 11, 27))
        for checked in result.report.files:
            assert_file_sound(checked)
        assert result.summary.is_file() and all(p.is_file() for p in result.feedback)


# -- the corpus: every grid the fuzzer crashed on ------------------------------------------------------------
# Seed form, 0-based (row, col): row 5 is 年度资金总额 (C6 年初预算数, D6 全年预算数, E6 全年执行数), row 12 the
# first indicator (E13 年度指标值, F13 实际完成值, G13 分值, H13 得分). Before the fix in processor/read/values.py each
# crashed the review (num() on ∞ or NaN: OverflowError / ValueError) or, through `selfeval run`, the summary
# (xlsxwriter refuses to write ∞ or NaN: TypeError, and the whole night had no summary).

CORPUS = [
    pytest.param([(5, 2, math.inf)], "C6", id="inf-initial-budget"),  # funds-sum-mismatch → num(∞)
    pytest.param([(5, 3, math.nan)], "D6", id="nan-annual-budget"),  # 执行率 NaN → the summary's write_number
    pytest.param([(5, 4, -math.inf)], "E6", id="minus-inf-executed"),
    pytest.param([(12, 6, math.inf)], "G13", id="inf-weight"),  # reason-missing → num(∞)
    pytest.param([(12, 7, math.nan)], "H13", id="nan-score"),
    pytest.param([(12, 6, 1e308), (13, 6, 1e308)], "G13", id="huge-weights-sum-to-inf"),  # weights-not-100
    pytest.param([(12, 7, 1e308), (13, 7, 1e308)], "H13", id="huge-scores-sum-to-inf"),  # total-mismatch
    pytest.param([(12, 6, "1" + "0" * 400)], "G13", id="400-digit-weight-text"),  # float() of it is ∞
    pytest.param([(5, 3, 5e-324), (5, 4, 100.0)], "", id="subnormal-budget"),  # 100 ÷ 5e-324 = ∞ 执行率
    pytest.param([(12, 4, "≥1" + "0" * 400 + "个"), (12, 5, 5.0)], "", id="400-digit-target"),
]


@pytest.mark.parametrize(("edits", "cell"), CORPUS)
def test_corpus_in_memory(edits: list[tuple[int, int, Any]], cell: str) -> None:
    assert_pipeline_sound(_seed_with(*edits))
    (_, findings), _ = pipeline(_seed_with(*edits))
    if cell:  # NaN, ±∞ and absurd magnitudes are no readable number, said at their cell
        assert ("number-unreadable", cell) in [(f.code, f.cell) for f in findings]


def test_corpus_through_run(tmp_path: Path) -> None:
    """The same grids as real files, all in one inbox: every file gets an answer and the summary is written."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, param in enumerate(CORPUS):
        write_sheet(inbox / f"{i:02d}_{param.id}.xlsx", _seed_with(*param.values[0]))
    result = run(inbox, tmp_path / "out", date=dt.date(2026, 11, 27))
    assert result.summary.is_file() and len(result.report.files) == len(CORPUS)
    for checked in result.report.files:
        assert_file_sound(checked)
    budget = next(f for f in result.report.files if "subnormal" in f.path)
    assert budget.projects[0].funds.annual_budget == 0.0  # float noise is 0: 预算为 0 却有支出, not an ∞ rate
    assert "budget-zero-with-spending" in [f.code for f in budget.findings]


def test_written_grid_reads_back_as_written(tmp_path: Path) -> None:
    """The file property is only worth something if write_sheet really puts the oddities into the file."""
    sheet = _seed_with((5, 3, math.nan), (5, 4, math.inf), (12, 6, "#REF!"), (12, 3, "ctl\x01\x1b"),
                       merged=(((2, 2), (0, 0)), ((0, 0), (1048575, 16383))))
    back = load(write_sheet(tmp_path / "w.xlsx", sheet)).sheets[0]
    assert math.isnan(back.rows[5][3]) and back.rows[5][4] == math.inf
    assert back.rows[12][6] == "#REF!"  # calamine reads error cells as blank; the reader puts the error back (xlsx)
    assert back.rows[12][3] == "ctl\x01\x1b"
    assert back.merged == (((2, 2), (0, 0)), ((0, 0), (1048575, 16383)))
