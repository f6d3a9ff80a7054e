"""Which earlier year's form is the same project as this year's (issue 19).

A project keeps its budget code when it is renamed, so two forms that both print a code are compared by it, whole.
Otherwise the name decides, once the year words that change every year are taken off (2021年城市基层党建工作经费 and
2022年度城市基层党建工作经费 are one project), and only within the same 主管部门: 工资性支出 is the name of many.
A renamed project is named in the config's [history] match table; a renamed department in its alias table.
One candidate is a match. Two or more are never guessed between: the caller reports them (history-ambiguous).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from processor.core.model import Indicator, Project, ProjectAt, YearFigures
from processor.core.names import project_key
from processor.review.scoring import years_rate

CODE, NAME, TABLE = "code", "name", "table"
_NONE: Mapping[str, str] = MappingProxyType({})

_Y = r"(?:19|20)\d{2}"
_SEP = r"[-－—–─~～〜至到]"
# 2021年, 2021年度, 2021-2023年, 2021年—2023年度, 2021至2023年: a year (or a span of years) followed by 年 or 年度.
# A bare number is kept: 1000 is no year word, and "2021" alone in a name may be part of it.
_YEAR_WORDS = re.compile(rf"{_Y}\s*(?:年度?)?\s*{_SEP}\s*{_Y}\s*年度?|{_Y}\s*年度?")


def _flat(text: str) -> str:
    """Only what tells two spellings apart: full-width forms, spaces, brackets, dashes and case are not it."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "C", "S"))).casefold()


def plain_name(name: str) -> str:
    """The name a project keeps from year to year: its year words removed, then flattened."""
    return _flat(_YEAR_WORDS.sub("", unicodedata.normalize("NFKC", name)))


def _dept(name: str) -> str:
    return _flat(unicodedata.normalize("NFKC", name))


class _Departments:
    """A department under its current name: an old name in the aliases (old → current) becomes the current one, also
    through several renames (a loop in the table stops where it would repeat); the table flattened once, each name
    resolved once, for a whole batch."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self.known = {_dept(old): _dept(new) for old, new in aliases.items()}
        self.done: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self.done:
            current = _dept(name)
            seen = {current}
            while current in self.known and self.known[current] not in seen:
                current = self.known[current]
                seen.add(current)
            self.done[name] = current
        return self.done[name]


@dataclass(frozen=True)
class Paired:
    """This year's project's earlier years: per year one match and how it was found, or the candidates that could
    not be told apart (not used: a guess would set the wrong form beside this one)."""

    matched: tuple[tuple[ProjectAt, str], ...] = ()  # (entry, code | name | table), oldest year first
    unclear: tuple[tuple[int, tuple[ProjectAt, ...]], ...] = ()  # (year, the candidates), oldest year first

    def years(self) -> list[tuple[ProjectAt, str]]:
        return list(self.matched)

    def ambiguous(self) -> list[tuple[int, tuple[ProjectAt, ...]]]:
        return list(self.unclear)

    def previous(self, year: int | None) -> ProjectAt | None:
        """上年's match: an older year alone is history, not the year the checks compare with."""
        if year is None:
            return None
        return next((e for e, _ in self.matched if e.project.year == year - 1), None)


def _dedupe(entries: Iterable[ProjectAt], dept: _Departments) -> list[ProjectAt]:
    """The same earlier project sent twice (two versions of a form) is one candidate: the last one given is kept. The
    same project is the same code in a year, else the same name within a 主管部门 (as names.project_key counts), so two
    工资性支出 of one department with different codes stay two."""
    kept: dict[tuple[object, ...], ProjectAt] = {}
    for e in entries:
        p = e.project
        # the raw name, as the ledger counts versions: 2020年彩票公益金 and 2021年彩票公益金 sent in one year are two
        # projects (both then stay candidates: ambiguous, never one chosen by file order)
        kept[project_key(p.year, dept(p.department), p.name, p.code)] = e
    return list(kept.values())


def _candidates(p: Project, pool: Sequence[ProjectAt], table: Mapping[str, str],
                dept: _Departments) -> tuple[list[ProjectAt], str]:
    """The entries of one earlier year that may be this project, and how they were found. The table comes first (it
    is the reviewer's word): an earlier name within the department, or a code anywhere; then a code where both forms
    print one; the name rule comes last, within the department, and never pairs two forms whose codes differ."""
    department = dept(p.department)

    def same_department(e: ProjectAt) -> bool:
        # a form without 主管部门 is nobody's: it is found by its code or the table's code only
        return bool(department) and dept(e.project.department) == department

    said = (table.get(k) for k in (plain_name(p.name), plain_name(p.code + p.name), plain_name(p.code)) if k)
    named = plain_name(next((v for v in said if v), ""))
    if named:  # the table overrides: an earlier name, its code, or both as printed (51000021R000000011111-工资性支出)
        by_code = [e for e in pool if e.project.code and named in (plain_name(e.project.code),
                                                                   plain_name(e.project.code + e.project.name))]
        # a name is looked for in the department only (工资性支出 = 人员工资 is one department's rename, not every
        # department's); a code names one project wherever it is
        found = by_code or [e for e in pool if same_department(e) and named == plain_name(e.project.name)]
        if found:
            return found, TABLE
    if p.code:
        found = [e for e in pool if e.project.code == p.code]
        if found:
            return found, CODE
    name = plain_name(p.name)
    if not name:
        return [], NAME
    found = [e for e in pool if same_department(e) and plain_name(e.project.name) == name
             and not (p.code and e.project.code)]
    return found, NAME


def pair(this: Sequence[ProjectAt], earlier: Sequence[ProjectAt], *, table: Mapping[str, str] = _NONE,
         aliases: Mapping[str, str] = _NONE) -> dict[tuple[str, int], Paired]:
    """This year's projects with their earlier years, keyed by (file, index); a project with neither a match nor an
    ambiguity in any year is left out. `table`: this year's name → an earlier name ([history] match); `aliases`:
    a department's old name → its current one. Callers pass earlier projects' current versions."""
    keyed = {plain_name(k): v for k, v in table.items()}
    dept = _Departments(aliases)
    years: dict[int, list[ProjectAt]] = {}
    for e in _dedupe(earlier, dept):
        if e.project.year is not None:
            years.setdefault(e.project.year, []).append(e)
    out: dict[tuple[str, int], Paired] = {}
    for entry in this:
        p = entry.project
        if p.year is None:
            continue
        matched: list[tuple[ProjectAt, str]] = []
        unclear: list[tuple[int, tuple[ProjectAt, ...]]] = []
        for year in sorted(y for y in years if y < p.year):
            found, how = _candidates(p, years[year], keyed, dept)
            if len(found) == 1:
                matched.append((found[0], how))
            elif found:
                unclear.append((year, tuple(found)))
        if matched or unclear:
            out[(entry.file, entry.index)] = Paired(tuple(matched), tuple(unclear))
    return out


def indicator_pairs(this: Project, previous: Project) -> list[tuple[Indicator, Indicator]]:
    """This year's indicators beside last year's of the same name; a name that appears twice on either form is left
    out, since which row is which could only be guessed."""

    def named(p: Project) -> dict[str, Indicator | None]:
        seen: dict[str, Indicator | None] = {}
        for ind in p.indicators:
            key = plain_name(ind.name or ind.raw_name)
            if key:
                seen[key] = None if key in seen else ind
        return seen

    before = named(previous)
    out: list[tuple[Indicator, Indicator]] = []
    for key, ind in named(this).items():
        old = before.get(key)
        if ind is not None and old is not None:
            out.append((ind, old))
    return out


def figures(entry: ProjectAt, how: str) -> YearFigures:
    """An earlier year as the summary shows it: 执行数 ÷ 全年预算数, else the rate the form printed (the summary, the
    checks and the draft compare the years by one rate, the computed one)."""
    p, f = entry.project, entry.project.funds
    rate = years_rate(f)
    return YearFigures(year=p.year, file=entry.file, sheet=p.sheet, name=p.name, matched_by=how,
                       annual_budget=f.annual_budget, executed=f.executed, rate=rate, self_total=p.self_total,
                       computed_total=p.computed_total, self_grade=p.self_grade, computed_grade=p.computed_grade)
