"""Reports beside their forms, for a whole batch: each report matched with its form's project, compared with it,
and given its findings, status and verdict; with `require`, each form project without a report gets a warning.

One report per project: when two reports match the same project, the newer one is used (a later nightly run first,
then the file's modification time, then its name). An older one received with it is marked 重复（未采用） with a
warning; one from an earlier run is a version (已被新版替代), as an old form is, with no finding. A report's status
follows its own findings only; the form's status is never changed by its report (a late or wrong report must not
hold up an accepted form). In the nightly job (`wait_from`) a report whose form has not arrived is 待匹配, not an
error: departments send the two on different nights, and the ledger's forms are matched again every night. A report
still unmatched after the wait (processor.nightly.matching.WAIT_DAYS) is report-no-form, as in a one-shot run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from processor.core.findings import finding, guarded
from processor.core.model import (
    DUPLICATE,
    SUPERSEDED,
    WAITING,
    FileResult,
    Finding,
    ProjectAt,
    Report,
    Severity,
    Status,
)
from processor.narrative.compare import mismatches, missing_sections
from processor.narrative.match import Match, department_of, match, placed_department
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


@dataclass(frozen=True)
class _Batch:
    """What every report of a batch is matched against."""

    candidates: list[ProjectAt]
    departments: list[str]  # the forms' 主管部门: where a report's department is looked for
    known: list[str]  # those and their 实施单位: a department named by a file but not here has no form
    folders: list[str]  # every file's folder: tells a department's folder from the inbox itself
    wait_from: str | None  # nightly: a report received on or after this date may wait for its form


def _folder(result: FileResult, batch: _Batch) -> str:
    """The department folder the report lay in, or "": in the nightly inbox the first folder below it (the path it
    was submitted at); in a one-shot batch its own folder when the batch has files in folders beside it."""
    info = result.report
    assert info is not None
    if info.submitted:
        parts = PurePath(info.submitted).parts
        return parts[0] if len(parts) > 1 else ""
    here = PurePath(result.path).parent
    beside = any(PurePath(f).parent == here.parent and PurePath(f) != here for f in batch.folders)
    return here.name if beside else ""


def _find(result: FileResult, batch: _Batch) -> Match:
    info = result.report
    assert info is not None
    name = PurePath(info.submitted or result.path).name
    folder = _folder(result, batch)
    where = str(PurePath(folder or PurePath(result.path).parent.name) / name)
    department = department_of(where, info.title, info.opening, batch.departments)
    names = [n for n in (info.name, PurePath(name).stem) if n]
    named_by_place = bool(department) and department in PurePath(name).stem + folder
    projects = [c.project.name for c in batch.candidates]
    placed = "" if named_by_place else placed_department(name, batch.known, folder, projects)
    if placed:  # its own department's form was refused or never sent: another department's is not its form
        return Match(None, 0.0, placed, why=f"文件名或文件夹写明的主管部门“{placed}”没有自评表")
    found = match(names, info.year, department, batch.candidates)
    if found.chosen is None and not found.close and department and not named_by_place:
        # the department was only guessed from the text (which may name the funder first): look in the whole batch
        found = match(names, info.year, "", batch.candidates)
    return found


def _link_one(result: FileResult, batch: _Batch, whole: Callable[[ProjectAt], ProjectAt]) -> FileResult:
    info = result.report
    assert info is not None
    if result.status is Status.REJECTED:
        return result
    found = _find(result, batch)
    title = info.title or Path(result.path).name
    extra: list[Finding] = []
    if found.chosen is None and info.kind not in (READABLE, "pdf"):
        # a .doc/.wps is already asked for again as .docx; guessing its project from its file name adds nothing
        return replace(result, report=replace(info, department=found.department))
    if found.chosen is None:
        if found.close:
            shown = "、".join(f"“{c.project.name}”（{Path(c.file).name}）" for c in found.close[:4])
            extra.append(finding("report-match-ambiguous", title=title, candidates=shown))
            verdict = "无法确定对应项目"
        elif batch.wait_from is not None and info.received >= batch.wait_from:
            extra.append(finding("report-waiting", title=title, why=found.why))
            verdict = WAITING
        else:
            extra.append(finding("report-no-form", title=title, why=found.why))
            verdict = "未匹配"
        info = replace(info, department=found.department, match=found.score, verdict=verdict)
        findings = (*result.findings, *extra)
        reason = extra[0].message if extra[0].severity is Severity.ERROR else result.reason
        return replace(result, report=info, findings=findings, status=_status(findings, result.status), reason=reason)
    c = whole(found.chosen)
    if found.score < 1.0:
        extra.append(finding("report-name-differs", stated=info.name, form=c.project.name, score=f"{found.score:.2f}"))
    if info.kind == READABLE:
        extra += mismatches(info.statements, c.project, Path(c.file).name)
        extra += missing_sections(info.sections, SECTION_TITLES)
    errors = any(f.severity is Severity.ERROR for f in extra)
    verdict = info.verdict or ("有出入" if errors else "一致")
    info = replace(info, department=found.department, form=c.file, project=c.index, project_name=c.project.name,
                   match=found.score, verdict=verdict)
    findings = (*result.findings, *extra)
    reason = next((f.message for f in findings if f.severity is Severity.ERROR), result.reason)
    return replace(result, report=info, findings=findings, status=_status(findings, result.status), reason=reason)


def _safely(result: FileResult, batch: _Batch, whole: Callable[[ProjectAt], ProjectAt]) -> FileResult:
    """One strange report rejects itself (internal-error), never the batch."""
    return guarded(lambda: _link_one(result, batch, whole),
                   lambda found: replace(result, status=Status.REJECTED, reason=found.message,
                                         findings=(*result.findings, found)))


def _one_per_project(files: list[FileResult]) -> list[FileResult]:
    """The newest report for a project is used (see the module); the others are marked as duplicates or versions."""
    by_project: dict[tuple[str, int], list[int]] = {}
    for n, f in enumerate(files):
        if f.report is not None and f.report.form and f.report.project is not None:
            by_project.setdefault((f.report.form, f.report.project), []).append(n)
    out = list(files)

    def age(n: int) -> tuple[int, float, str]:
        info = files[n].report
        return (info.run if info is not None else 0, _mtime(files[n].path), files[n].path)

    for (_, _), indexes in by_project.items():
        if len(indexes) < 2:
            continue
        newest = max(indexes, key=age)
        latest = age(newest)[0]
        for n in indexes:
            if n == newest:
                continue
            f = files[n]
            assert f.report is not None
            if f.report.run < latest:  # an earlier run's report, replaced by a later one's: a version
                out[n] = replace(f, findings=(), status=Status.ACCEPTED, reason="",
                                 report=replace(f.report, verdict=SUPERSEDED))
                continue
            dup = finding("report-duplicate", project=f.report.project_name, other=Path(files[newest].path).name,
                          newer="较新的一份（按文件修改时间）")
            # the unused copy is not judged: only the warning that it was superseded
            out[n] = replace(f, findings=(dup,), status=Status.ACCEPTED, reason="",
                             report=replace(f.report, verdict=DUPLICATE))
    return out


def link_reports(report: Report, require: bool = False,
                 full: Callable[[int], FileResult] | None = None, *, wait_from: str | None = None) -> Report:
    """Every report of the batch matched, compared and judged; the forms untouched unless `require`. `full(i)`
    gives file i's full result where the report holds thin ones (a spooled batch: no indicator rows). `wait_from`:
    the nightly job (see the module): a report received on or after this date whose form has not come is 待匹配."""
    if not any(f.report is not None for f in report.files) and not require:
        return report
    candidates = [ProjectAt(f.path, i, p) for f in report.files if f.report is None for i, p in enumerate(f.projects)]
    departments = sorted({c.project.department for c in candidates if c.project.department})
    units = {c.project.unit for c in candidates if c.project.unit}
    batch = _Batch(candidates, departments, sorted({*departments, *units}),
                   sorted({str(Path(f.path).parent) for f in report.files}), wait_from)
    if full is not None and any(f.report is not None for f in report.files):
        index = {f.path: n for n, f in enumerate(report.files)}
        loaded: dict[str, FileResult] = {}

        def whole(c: ProjectAt) -> ProjectAt:
            if c.file not in loaded:
                loaded[c.file] = full(index[c.file])
            return ProjectAt(c.file, c.index, loaded[c.file].projects[c.index])
    else:
        def whole(c: ProjectAt) -> ProjectAt:
            return c
    files = [(_safely(f, batch, whole) if f.report is not None else f) for f in report.files]
    files = _one_per_project(files)
    if require:
        files = _require(files)
    return Report(tuple(files))


def _require(files: list[FileResult]) -> list[FileResult]:
    """A warning on each form project no used report restates."""
    covered = {(f.report.form, f.report.project) for f in files
               if f.report is not None and f.report.project is not None and f.report.verdict not in (DUPLICATE,
                                                                                                      SUPERSEDED)}
    out: list[FileResult] = []
    for f in files:
        if f.report is not None or not f.projects:
            out.append(f)
            continue
        missing = [replace(finding("report-missing", project=p.name), project=i, sheet=p.sheet)
                   for i, p in enumerate(f.projects) if (f.path, i) not in covered]
        out.append(replace(f, findings=(*f.findings, *missing)) if missing else f)
    return out
