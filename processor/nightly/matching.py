"""The year's files from the ledger with every Word report matched to its form, and which of them tonight answers.

A department sends its form and its 绩效自评报告 when each is ready, often on different nights, so reports are matched
over the whole year's forms in the ledger every night (processor.narrative.link in its nightly mode): a report whose
form has not come is 待匹配 and gets no letter yet; it is answered on the night its form arrives, in that form's
letter. A report from an earlier night that a newer one replaces is a version, as an old form is: it leaves the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from processor.core.model import SUPERSEDED, WAITING, FileResult, Report
from processor.core.spool import Spool
from processor.narrative.link import link_reports
from processor.nightly.config import Config
from processor.nightly.ledger import Ledger


def year_report(ledger: Ledger, config: Config, spool: Spool) -> tuple[Report, int | None]:
    """The summary's files (thin; full ones in `spool`, by index) and its year, reports matched and judged."""
    report, year = ledger.current_report(config.year, spool)
    linked = link_reports(report, config.require_report, full=spool.get, waiting=True,
                          known=sorted(config.departments))
    spool.settle(report, linked)
    kept = [i for i, f in enumerate(linked.files) if f.report is None or f.report.verdict != SUPERSEDED]
    if len(kept) < len(linked.files):
        spool.keep(kept)
    return Report(tuple(linked.files[i] for i in kept)), year


@dataclass(frozen=True)
class Answers:
    """Tonight's files as matched in the year's report (`tonight`), and what tonight's letters answer (`letters`,
    with `full(i)` giving letter i's full result)."""

    tonight: Report
    letters: Report
    full: Callable[[int], FileResult]


def answers(tonight: list[tuple[str, FileResult]], year: Report, spool: Spool, ledger: Ledger) -> Answers:
    """Each of tonight's files as the year's report now has it (a report with its comparison, a form with its
    report-missing warnings); the letters leave out a report still waiting for its form and take in an earlier
    night's report that a form arriving tonight is the first to match."""
    where = {f.path: i for i, f in enumerate(year.files)}
    now = [(sha, year.files[where[r.path]] if r.path in where else r) for sha, r in tonight]
    forms = {r.path for _, r in now if r.report is None}
    letters = [(sha, r) for sha, r in now if r.report is None or r.report.verdict not in (WAITING, SUPERSEDED)]
    answered = {r.path for _, r in letters}
    letters += [("", f) for f in year.files
                if f.report is not None and f.report.form in forms and f.path not in answered]

    def full(i: int) -> FileResult:
        sha, result = letters[i]
        if result.report is not None:
            return result  # a report holds no project rows: its entry is whole
        return spool.get(where[result.path]) if result.path in where else ledger.result(sha)

    return Answers(Report(tuple(r for _, r in now)), Report(tuple(r for _, r in letters)), full)
