"""Each project of a batch beside its earlier years (issue 19): matched (processor.review.across), given its
history (Project.history, which the summary, the JSON and the draft show) and the findings only history makes
possible (processor.review.history).

A history finding is the evaluated year's: it sits on this year's file and project, at this year's cell, and counts
in its status like any other (the shipped severities only warn or inform: last year's file may be the wrong one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from processor.core.model import FileResult, Finding, Project, ProjectAt, Report, Severity, Status
from processor.core.spool import thin
from processor.review.across import Paired, figures, pair
from processor.review.checks import apply_severity
from processor.review.history import ambiguous_finding, history_findings
from processor.review.profiles import DEFAULT, Profile, shipped

Earlier = tuple[str, int, Project]  # the file, the project's index in it, the whole project


def attach(report: Report, earlier: Sequence[Earlier], *, table: Mapping[str, str] | None = None,
           aliases: Mapping[str, str] | None = None, profile: Profile | None = None,
           full: Callable[[int], FileResult] | None = None,
           put: Callable[[int, FileResult], None] | None = None,
           whole: Callable[[ProjectAt], ProjectAt] | None = None) -> Report:
    """The report with every matched project's history and history findings. `full(i)`/`put(i, result)` read and
    store file i's full result where the report holds thin ones (a spooled run); the checks need indicator rows.
    `whole(entry)`: the earlier project in full where `earlier` holds only what pairing needs (year, 主管部门, name,
    code: the nightly ledger's index), so only the matched ones are ever read."""
    mine = {f.path for f in report.files}
    before = [ProjectAt(path, idx, p) for path, idx, p in earlier if path not in mine]
    if not before:
        return report
    this = [ProjectAt(f.path, i, p) for f in report.files if f.report is None and f.status is not Status.REJECTED
            for i, p in enumerate(f.projects)]
    paired = pair(this, before, table=table or {}, aliases=aliases or {})
    if whole is not None:
        paired = {key: _whole(match, whole) for key, match in paired.items()}
    files = list(report.files)
    for n, f in enumerate(report.files):
        if not any((f.path, i) in paired for i in range(len(f.projects))):
            continue
        done = _with_history(full(n) if full is not None else f, paired, profile)
        if put is not None:
            put(n, done)
        files[n] = thin(done) if full is not None else done
    return Report(tuple(files))


def _whole(match: Paired, whole: Callable[[ProjectAt], ProjectAt]) -> Paired:
    return Paired(tuple((whole(e), how) for e, how in match.matched),
                  tuple((year, tuple(whole(e) for e in found)) for year, found in match.unclear))


def _with_history(result: FileResult, paired: Mapping[tuple[str, int], Paired], forced: Profile | None) -> FileResult:
    projects = list(result.projects)
    found: list[Finding] = []
    for i, p in enumerate(result.projects):
        match = paired.get((result.path, i))
        if match is None:
            continue
        rules = forced or shipped(p.profile or DEFAULT)
        history = tuple(figures(entry, how) for entry, how in match.years())
        projects[i] = replace(p, history=history)
        more: list[Finding] = [ambiguous_finding(p, year, entries) for year, entries in match.ambiguous()]
        previous = match.previous(p.year)
        if previous is not None:
            more += history_findings(projects[i], previous.project, rules, file=previous.file)
        found += [replace(x, project=i, sheet=x.sheet or p.sheet) for x in apply_severity(more, rules)]
    if not found and projects == list(result.projects):
        return result
    findings = (*result.findings, *found)
    status = result.status
    if status is Status.ACCEPTED and any(x.severity is Severity.ERROR for x in found):
        status = Status.RETURNED  # only where a profile makes a history finding an error
    return replace(result, projects=tuple(projects), findings=findings, status=status)
