"""The pipeline for one file and for many: discover → read → locate → parse (→ review, later).

`check_file` never raises for anything a file contains: every problem becomes a finding, and the
file's status says what happens to it.
"""

from __future__ import annotations

from pathlib import Path

from processor.discover import Candidate, discover
from processor.findings import finding
from processor.grid import Grid
from processor.locate import find_forms
from processor.model import FileResult, Finding, Project, Report, Severity, Status
from processor.parse import FormParser
from processor.read import ReadFailure, load


def check_file(path: Path, shown: str | None = None) -> FileResult:
    shown = shown if shown is not None else str(path)
    try:
        book = load(path)
    except ReadFailure as failure:
        return FileResult(shown, Status.REJECTED, failure.finding.message, failure.format,
                          findings=(failure.finding,))
    projects: list[Project] = []
    findings: list[Finding] = []
    for sheet in book.sheets:
        grid = Grid(sheet)
        for block in find_forms(grid):
            parser = FormParser(grid, block, path.name)
            projects.append(parser.parse())
            findings.extend(parser.findings)
    if not projects:
        names = "、".join(s.name for s in book.sheets) or "（无工作表）"
        found = finding("no-form", sheets=names)
        return FileResult(shown, Status.REJECTED, found.message, book.format, findings=(found,))
    status = Status.RETURNED if any(f.severity is Severity.ERROR for f in findings) else Status.ACCEPTED
    return FileResult(shown, status, "", book.format, tuple(projects), tuple(findings))


def check_candidate(candidate: Candidate) -> FileResult:
    if candidate.skip_reason:
        return FileResult(candidate.shown, Status.SKIPPED, candidate.skip_reason)
    return check_file(candidate.path, candidate.shown)


def check_paths(paths: list[Path]) -> Report:
    """Check every file under the paths. Raises UsageError only for a path that does not exist."""
    return Report(tuple(check_candidate(c) for c in discover(paths)))
