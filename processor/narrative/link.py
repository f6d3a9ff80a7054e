"""Reports beside their forms, for a whole batch: each report matched with its form's project, compared with it,
and given its findings, status and verdict; with `require`, each form project without a report gets a warning.

One report per project: when two reports match the same project, the newer file (by modification time, then name)
is used and the other is marked 重复（未采用） with a warning. A report's status follows its own findings only; the
form's status is never changed by its report (a late or wrong report must not hold up an accepted form).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from processor.core.findings import finding, guarded
from processor.core.model import FileResult, Finding, Report, Severity, Status
from processor.narrative.compare import mismatches, missing_sections
from processor.narrative.match import Candidate, department_of, match
from processor.narrative.statements import SECTION_TITLES

READABLE = "docx"


def _status(findings: Sequence[Finding], current: Status) -> Status:
    if current is Status.REJECTED:
        return Status.REJECTED
    return Status.RETURNED if any(f.severity is Severity.ERROR for f in findings) else Status.ACCEPTED


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _link_one(result: FileResult, candidates: list[Candidate], departments: list[str],
              whole: Callable[[Candidate], Candidate]) -> FileResult:
    info = result.report
    assert info is not None
    if result.status is Status.REJECTED:
        return result
    department = department_of(result.path, info.title, info.opening, departments)
    names = [n for n in (info.name, Path(result.path).stem) if n]
    found = match(names, info.year, department, candidates)
    named_by_place = bool(department) and department in Path(result.path).stem + Path(result.path).parent.name
    if found.chosen is None and not found.close and department and not named_by_place:
        # the department was only guessed from the text (which may name the funder first): look in the whole batch
        found = match(names, info.year, "", candidates)
    title = info.title or Path(result.path).name
    extra: list[Finding] = []
    if found.chosen is None and info.kind not in (READABLE, "pdf"):
        # a .doc/.wps is already asked for again as .docx; guessing its project from its file name adds nothing
        return replace(result, report=replace(info, department=found.department))
    if found.chosen is None:
        if found.close:
            shown = "、".join(f"“{c.project.name}”（{Path(c.path).name}）" for c in found.close[:4])
            extra.append(finding("report-match-ambiguous", title=title, candidates=shown))
            verdict = "无法确定对应项目"
        else:
            extra.append(finding("report-no-form", title=title, why=found.why))
            verdict = "未匹配"
        info = replace(info, department=found.department, match=found.score, verdict=verdict)
        findings = (*result.findings, *extra)
        return replace(result, report=info, findings=findings, status=_status(findings, result.status),
                       reason=extra[0].message)
    c = whole(found.chosen)
    if found.score < 1.0:
        extra.append(finding("report-name-differs", stated=info.name, form=c.project.name, score=f"{found.score:.2f}"))
    if info.kind == READABLE:
        extra += mismatches(info.statements, c.project, Path(c.path).name)
        extra += missing_sections(info.sections, SECTION_TITLES)
    errors = any(f.severity is Severity.ERROR for f in extra)
    verdict = info.verdict or ("有出入" if errors else "一致")
    info = replace(info, department=found.department, form=c.path, project=c.index, project_name=c.project.name,
                   match=found.score, verdict=verdict)
    findings = (*result.findings, *extra)
    reason = next((f.message for f in findings if f.severity is Severity.ERROR), result.reason)
    return replace(result, report=info, findings=findings, status=_status(findings, result.status), reason=reason)


def _safely(result: FileResult, candidates: list[Candidate], departments: list[str],
            whole: Callable[[Candidate], Candidate]) -> FileResult:
    """One strange report rejects itself (internal-error), never the batch."""
    return guarded(lambda: _link_one(result, candidates, departments, whole),
                   lambda found: replace(result, status=Status.REJECTED, reason=found.message,
                                         findings=(*result.findings, found)))


def _one_per_project(files: list[FileResult]) -> list[FileResult]:
    """The newer of two reports for one project is used; the older gets report-duplicate and 重复（未采用）."""
    by_project: dict[tuple[str, int], list[int]] = {}
    for n, f in enumerate(files):
        if f.report is not None and f.report.form and f.report.project is not None:
            by_project.setdefault((f.report.form, f.report.project), []).append(n)
    out = list(files)
    for (_, _), indexes in by_project.items():
        if len(indexes) < 2:
            continue
        newest = max(indexes, key=lambda n: (_mtime(files[n].path), files[n].path))
        for n in indexes:
            if n == newest:
                continue
            f = files[n]
            assert f.report is not None
            dup = finding("report-duplicate", project=f.report.project_name, other=Path(files[newest].path).name,
                          newer="较新的一份（按文件修改时间）")
            # the unused copy is not judged: only the warning that it was superseded
            out[n] = replace(f, findings=(dup,), status=Status.ACCEPTED, reason="",
                             report=replace(f.report, verdict="重复（未采用）"))
    return out


def link_reports(report: Report, require: bool = False,
                 full: Callable[[int], FileResult] | None = None) -> Report:
    """Every report of the batch matched, compared and judged; the forms untouched unless `require`. `full(i)`
    gives file i's full result where the report holds thin ones (a spooled batch: no indicator rows)."""
    if not any(f.report is not None for f in report.files) and not require:
        return report
    candidates = [Candidate(f.path, i, p) for f in report.files if f.report is None for i, p in enumerate(f.projects)]
    departments = sorted({c.project.department for c in candidates if c.project.department})
    if full is not None and any(f.report is not None for f in report.files):
        index = {f.path: n for n, f in enumerate(report.files)}
        loaded: dict[str, FileResult] = {}

        def whole(c: Candidate) -> Candidate:
            if c.path not in loaded:
                loaded[c.path] = full(index[c.path])
            return Candidate(c.path, c.index, loaded[c.path].projects[c.index])
    else:
        def whole(c: Candidate) -> Candidate:
            return c
    files = [(_safely(f, candidates, departments, whole) if f.report is not None else f) for f in report.files]
    files = _one_per_project(files)
    if require:
        files = _require(files)
    return Report(tuple(files))


def _require(files: list[FileResult]) -> list[FileResult]:
    """A warning on each form project no used report restates."""
    covered = {(f.report.form, f.report.project) for f in files
               if f.report is not None and f.report.project is not None and f.report.verdict != "重复（未采用）"}
    out: list[FileResult] = []
    for f in files:
        if f.report is not None or not f.projects:
            out.append(f)
            continue
        missing = [replace(finding("report-missing", project=p.name), project=i, sheet=p.sheet)
                   for i, p in enumerate(f.projects) if (f.path, i) not in covered]
        out.append(replace(f, findings=(*f.findings, *missing)) if missing else f)
    return out

