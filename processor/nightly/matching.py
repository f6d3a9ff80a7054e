"""The year's files from the ledger with every Word report matched to its form and every project beside its earlier
years, and which of them tonight's letters answer.

A department sends its form and its 绩效自评报告 when each is ready, often on different nights, so reports are matched
over the whole year's forms in the ledger every night (processor.narrative.link in its nightly mode): a report whose
form has not come is 待匹配 for WAIT_DAYS and gets no letter; it is answered once, the first night it can be checked
(matched, ambiguous, or still without a form after the wait), and again in its form's letter whenever a new version of
that form arrives. A report from an earlier run that a newer one replaces is a version, as an old form is: it leaves
the summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from processor.core.model import SUPERSEDED, WAITING, FileResult, ProjectAt, Report
from processor.core.spool import Spool
from processor.narrative.link import link_reports
from processor.nightly.config import Config
from processor.nightly.ledger import Ledger
from processor.review.past import attach
from processor.review.profiles import Profile

WAIT_DAYS = 14  # a report waits this long for its form before it is report-no-form (an error, and a letter)


def year_report(ledger: Ledger, config: Config, spool: Spool, today: dt.date,
                profile: Profile | None = None) -> tuple[Report, int | None]:
    """The summary's files (thin; full ones in `spool`, by index) and its year: reports matched and judged, projects
    set beside their earlier years in the ledger (issue 19)."""
    report, year = ledger.current_report(config.year, spool, today)
    wait_from = (today - dt.timedelta(days=WAIT_DAYS)).isoformat()
    linked = link_reports(report, config.require_report, full=spool.get, wait_from=wait_from)
    spool.settle(report, linked)
    kept = [i for i, f in enumerate(linked.files) if f.report is None or f.report.verdict != SUPERSEDED]
    if len(kept) < len(linked.files):
        spool.keep(kept)
    current = Report(tuple(linked.files[i] for i in kept))
    earlier, whole = ledger.earlier_index(year) if year is not None else ([], None)
    if earlier and whole is not None:
        load = whole
        current = attach(current, earlier, table=config.history_match, aliases=config.department_aliases,
                         profile=profile, full=spool.get, put=spool.put,
                         whole=lambda e: ProjectAt(e.file, e.index, load(e.file, e.index)))
    return current, year


@dataclass(frozen=True)
class Answers:
    """Tonight's files as matched in the year's report (`tonight`), and what tonight's letters answer (`letters`,
    with `full(i)` giving letter i's full result)."""

    tonight: Report
    letters: Report
    full: Callable[[int], FileResult]

    @property
    def reports(self) -> list[str]:
        return [f.path for f in self.letters.files if f.report is not None]


def answers(tonight: list[tuple[str, FileResult]], year: Report, spool: Spool, ledger: Ledger) -> Answers:
    """Each of tonight's files as the year's report now has it (a report with its comparison, a form with its
    report-missing warnings and history); the letters: tonight's forms, and every report of the year that can be
    checked and has not been answered yet or restates one of tonight's forms. A report tonight that the year's report
    no longer holds (replaced by a newer one, or another year's) is not answered."""
    where = {f.path: i for i, f in enumerate(year.files)}
    now = [(sha, year.files[where[r.path]] if r.path in where else r) for sha, r in tonight]
    forms = {r.path for _, r in now if r.report is None}
    letters = [(sha, r) for sha, r in now if r.report is None]
    done = ledger.answered()
    letters += [("", f) for f in year.files if f.report is not None and f.report.verdict not in (WAITING, SUPERSEDED)
                and (f.path not in done or f.report.form in forms)]

    def full(i: int) -> FileResult:
        sha, result = letters[i]
        if result.report is not None:
            return result  # a report holds no project rows: its entry is whole
        return spool.get(where[result.path]) if result.path in where else ledger.result(sha)

    return Answers(Report(tuple(r for _, r in now)), Report(tuple(r for _, r in letters)), full)
