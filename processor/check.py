"""The pipeline for one file and for many: discover → read → locate → parse → review.

`check_file` never raises for anything a file contains: every problem becomes a finding, and the
file's status says what happens to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from processor.core.errors import BROKEN_POOL, OutputError
from processor.core.findings import finding, guarded
from processor.core.model import FileResult, Finding, Project, Report, ReportInfo, Severity, Status
from processor.core.names import project_key
from processor.core.pool import new_pool
from processor.core.spool import Spool, store, thin
from processor.narrative.link import link_reports
from processor.narrative.reading import read_report
from processor.read.discover import Candidate, discover
from processor.read.grid import Grid
from processor.read.kind import SELF_EVALUATION, block_kind, sheet_kind
from processor.read.labels import use_labels, worker_setup
from processor.read.locate import Block, find_forms, scan_labels
from processor.read.marker import is_marker, template_findings
from processor.read.parse import FormParser
from processor.read.workbook import DEFAULT_MAX_FILE_MB, ReadFailure, Sheet, check_cap, load
from processor.review.checks import apply_severity, review
from processor.review.past import Earlier, attach
from processor.review.profiles import Profile, detect, shipped

T = TypeVar("T")


def check_file(path: Path, shown: str | None = None, profile: Profile | None = None,
               data: bytes | None = None, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> FileResult:
    """Read, locate, parse and review every form in one file.

    `profile` forces one rule profile; without it each form's profile is detected from its layout.
    `data` is the file's content when the caller has already read it (the ledger hashed these bytes,
    so they are the ones reviewed even if the file changes meanwhile). A file larger than `max_file_mb` MB
    is rejected unread (`file-over-size-cap`).
    """
    shown = shown if shown is not None else str(path)
    try:
        book = load(path, data, max_file_mb)
    except ReadFailure as failure:
        found = apply_severity([failure.finding], profile)
        return FileResult(shown, Status.REJECTED, failure.finding.message, failure.format, findings=tuple(found))
    projects: list[Project] = []
    # sheets the guard skipped as too large, and a form filled on an old template
    findings: list[Finding] = apply_severity([*book.findings, *template_findings(book)], profile)
    forms = [(sheet, Grid(sheet)) for sheet in book.sheets if not is_marker(sheet)]
    located = [(sheet, grid, find_forms(grid)) for sheet, grid in forms]
    any_visible = any(blocks and sheet.visible for sheet, _, blocks in located)
    others: list[tuple[str, str]] = []  # (sheet, kind) of forms that are not 自评表
    for sheet, grid, blocks in located:
        if blocks and not sheet.visible and any_visible:
            # a hidden old copy or template: reviewing it would count a project twice
            findings += apply_severity([finding("hidden-form-skipped", sheet=sheet.name, value=sheet.name)], profile)
            continue
        for block in blocks:
            kind = block_kind(grid, block)
            if kind != SELF_EVALUATION:  # the 执行监控 sheet of an export, a 申报表 sent along
                others.append((sheet.name, kind))
                findings += apply_severity([finding("other-form-skipped", sheet=sheet.name, value=sheet.name, kind=kind)],
                                           profile)  # a forced profile's [severity] reaches file-level findings too
                continue
            parser = FormParser(grid, block, path.name)
            project = parser.parse()
            rules = profile or shipped(detect(project))
            project, more = review(replace(project, profile=rules.name), rules)
            index = len(projects)
            projects.append(project)
            findings.extend(replace(f, project=index) for f in apply_severity(parser.findings + more, rules))
    if not projects:
        found_list = apply_severity([_no_form(located, others)], profile)
        # keep the why: a form on a sheet too large to read shows up as sheet-too-large beside no-form
        return FileResult(shown, Status.REJECTED, found_list[0].message if found_list else "", book.format,
                          findings=tuple(found_list + [f for f in findings if f.project is None]))
    status = Status.RETURNED if any(f.severity is Severity.ERROR for f in findings) else Status.ACCEPTED
    return FileResult(shown, status, "", book.format, tuple(projects), tuple(findings))


def _no_form(located: list[tuple[Sheet, Grid, list[Block]]], others: list[tuple[str, str]]) -> Finding:
    """Why a workbook holds no 自评表: the other form it is (by its titles), else the labels that were found
    beside the ones expected, so that a user can tell a wrong form from a label the reader does not know."""
    names = "、".join(sheet.name for sheet, _, _ in located) or "（无工作表）"
    kinds = others + [(sheet.name, k) for sheet, grid, _ in located
                      if (k := sheet_kind(grid)) not in (None, SELF_EVALUATION)]
    if kinds:
        kind = kinds[0][1]
        note = "；本工具暂不审核部门整体支出绩效自评" if kind.startswith("部门整体") else ""
        return finding("not-a-selfeval-form", sheet=kinds[0][0], cell="A1", kind=kind, note=note,
                       sheets="、".join(dict.fromkeys(s for s, k in kinds if k == kind)))
    found: list[str] = []
    for _, grid, _ in located:
        for label in scan_labels(grid)[0]:
            text = grid.text(label.row, label.col).replace("\n", "")
            if text not in found:
                found.append(text)
    shown = "、".join(found[:15]) + ("等" if len(found) > 15 else "") if found else "（无）"
    return finding("no-form", sheets=names, found=shown)


def check_safely(path: Path, shown: str, profile: Profile | None = None, data: bytes | None = None,
                 max_file_mb: float = DEFAULT_MAX_FILE_MB) -> FileResult:
    """check_file, whatever happens: a bug met by one strange file rejects that file (internal-error) and
    must not end the batch or the night."""
    return guarded(partial(check_file, path, shown, profile, data, max_file_mb),
                   lambda found: FileResult(shown, Status.REJECTED, found.message, findings=(found,)))


def check_candidate(candidate: Candidate, profile: Profile | None = None,
                    max_file_mb: float = DEFAULT_MAX_FILE_MB) -> FileResult:
    """One discovered file's answer: skipped as discovery decided, a report read, else a workbook checked safely."""
    if candidate.skip_reason:
        return FileResult(candidate.shown, Status.SKIPPED, candidate.skip_reason)
    if candidate.report:
        return read_report_safely(candidate.path, candidate.shown, max_file_mb=max_file_mb)
    return check_safely(candidate.path, candidate.shown, profile, max_file_mb=max_file_mb)


def read_report_safely(path: Path, shown: str, data: bytes | None = None,
                       max_file_mb: float = DEFAULT_MAX_FILE_MB) -> FileResult:
    """read_report, whatever happens: like a workbook, a strange report rejects itself, never the batch."""
    return guarded(partial(read_report, path, shown, data, max_file_mb),
                   lambda found: FileResult(shown, Status.REJECTED, found.message, "docx", findings=(found,),
                                            report=ReportInfo("docx", verdict="无法核对")))


def check_paths(paths: list[Path], profile: Profile | None = None, exclude: tuple[Path, ...] = (),
                jobs: int = 1, labels: Sequence[Path] | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                max_file_mb: float = DEFAULT_MAX_FILE_MB, reports: bool = True,
                require_report: bool = False, history: Sequence[Earlier] = ()) -> Report:
    """Check every file under the paths, except under `exclude` (our own output folder, if it lies
    inside the inbox: last night's summary is not a submission). Raises UsageError for a path that
    does not exist or a `max_file_mb` that is not a positive number of MB (a larger file is rejected
    unread, `file-over-size-cap`). With `jobs` > 1 files are checked in worker processes; results keep the
    discovery order, so the output is the same as a serial run. `labels`: a bureau's own label files
    (processor/read/labels.toml says how), in force for this batch and after it; None keeps the labels
    in force (the shipped ones, or what use_labels installed). `progress(done, total, file name)` is called
    before the first file and after each one. `reports`: Word/PDF 绩效自评报告 are read and checked against their
    forms (processor/narrative/link.py); `require_report`: a form project without one gets `report-missing`.
    `history`: earlier years' projects (processor.nightly.earlier.load_history), set beside this batch's."""
    check_cap(max_file_mb)
    if labels is not None:
        use_labels(labels)
    candidates = discover(paths, exclude, reports=reports)
    checked = check_many(candidates, profile, jobs, max_file_mb)
    linked = link_reports(mark_duplicates(Report(tuple(counted(checked, len(candidates), progress)))), require_report)
    return attach(linked, history, profile=profile) if history else linked


def check_spooled(paths: list[Path], spool: Spool, profile: Profile | None = None,
                  exclude: tuple[Path, ...] = (), jobs: int = 1, labels: Sequence[Path] | None = None,
                  progress: Callable[[int, int, str], None] | None = None,
                  max_file_mb: float = DEFAULT_MAX_FILE_MB, require_report: bool = False,
                  history: Sequence[Earlier] = ()) -> Report:
    """`check_paths` for a whole batch whose detail must not stay in memory: each full result goes to the
    spool (written by the worker that made it) and the report holds thin ones (processor.core.spool). Reports
    are compared with their forms' full results, read back from the spool."""
    check_cap(max_file_mb)
    if labels is not None:
        use_labels(labels)
    candidates = discover(paths, exclude, reports=True)
    work = partial(_check_into, folder=spool.folder, profile=profile, max_file_mb=max_file_mb)
    checked = Report(tuple(counted(_map(work, list(enumerate(candidates)), jobs), len(candidates), progress)))
    final = link_reports(mark_duplicates(checked), require_report, full=spool.get)
    spool.settle(checked, final)
    return attach(final, history, profile=profile, full=spool.get, put=spool.put) if history else final


def _check_into(item: tuple[int, Candidate], folder: Path, profile: Profile | None,
                max_file_mb: float = DEFAULT_MAX_FILE_MB) -> FileResult:
    index, candidate = item
    result = check_candidate(candidate, profile, max_file_mb)
    store(folder, index, result)
    return thin(result)


def counted(results: Iterator[FileResult], total: int,
            progress: Callable[[int, int, str], None] | None) -> Iterator[FileResult]:
    """`results` as they come, telling `progress(done, total, file name)` before the first and after each one."""
    if progress is None:
        yield from results
        return
    progress(0, total, "")
    for done, result in enumerate(results, 1):
        progress(done, total, Path(result.path).name)
        yield result


def check_many(candidates: list[Candidate], profile: Profile | None, jobs: int,
               max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Iterator[FileResult]:
    """Results in input order, streamed: a caller can record each file as soon as it and all before it are done."""
    return _map(partial(check_candidate, profile=profile, max_file_mb=max_file_mb), candidates, jobs)


def _map(work: Callable[[T], FileResult], items: list[T], jobs: int) -> Iterator[FileResult]:
    """work over items in input order; in `jobs` processes, in chunks (chunk_size), unless the batch is too small."""
    if jobs <= 1 or len(items) < 2 * jobs:
        yield from map(work, items)
        return
    try:
        with new_pool(jobs, worker_setup()) as pool:
            yield from pool.map(work, items, chunksize=chunk_size(len(items), jobs))
    except BrokenProcessPool as exc:
        raise OutputError(BROKEN_POOL) from exc


def chunk_size(items: int, jobs: int) -> int:
    """Files sent to a worker at a time: up to 8 (a form takes milliseconds, so sending files one at a time would
    cost as much as checking them), but at least 16 chunks per worker, so that the last chunk, which one worker
    checks while the others wait, is short: with 100 files and chunks of 8, a core idled for up to 8 files."""
    return max(1, min(8, items // (16 * jobs)))


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def mark_duplicates(report: Report) -> Report:
    """Two forms of the same project (年度, 主管部门, 项目名称) in one batch: each gets a warning naming the other."""
    seen: dict[tuple[object, ...], list[tuple[int, int]]] = {}
    for i, f in enumerate(report.files):
        for j, p in enumerate(f.projects):
            if p.name and p.department:
                seen.setdefault(project_key(p.year, p.department, p.name, p.code), []).append((i, j))
    extra: dict[int, list[Finding]] = {}
    for places in seen.values():
        first = report.files[places[0][0]].projects[places[0][1]]
        year, dept, name = first.year, first.department, first.name
        for i, j in places:
            for k, m in places:
                if (k, m) != (i, j):
                    other = report.files[k]
                    extra.setdefault(i, []).append(replace(finding(
                        "project-duplicated", sheet=report.files[i].projects[j].sheet,
                        cell=report.files[i].projects[j].cells.get("name", ""), name=name, department=dept,
                        year=year or "年度不详", other=Path(other.path).name, other_sheet=other.projects[m].sheet), project=j))
    if not extra:
        return report
    return Report(tuple(replace(f, findings=f.findings + tuple(extra[i])) if i in extra else f
                        for i, f in enumerate(report.files)))
