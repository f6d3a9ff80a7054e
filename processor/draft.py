"""`selfeval draft`: a 绩效自评报告（初稿） in Word for every project read from the given workbooks.

The forms are checked as `check` does, so each draft can open with what the review found; returned forms
are drafted too (the department needs the draft most when it must fix its form anyway), rejected files
have no project to draft. Each project gets `DIR/<主管部门>/<项目名称>_<年度>_绩效自评报告（初稿）.docx`; two
projects that would share a name (case does not count: Windows) get their sheet name, then their file's
name, then a number added. An existing draft is kept unless `force`: a department may already be editing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from processor.check import check_paths
from processor.core.errors import OutputError
from processor.core.fsutil import atomic_write
from processor.core.model import FileResult, Report, Status
from processor.core.names import BLANK_DEPARTMENT, safe_name
from processor.narrative import compose, render
from processor.read.workbook import DEFAULT_MAX_FILE_MB
from processor.review.past import Earlier
from processor.review.profiles import Profile

SUFFIX = "_绩效自评报告（初稿）.docx"
FOLDER = "自评报告"  # where `make run` puts the samples' drafts, beside the summary


@dataclass(frozen=True)
class Drafted:
    """One project's draft: `state` is written, kept (exists, no --force)."""

    source: str
    sheet: str
    project: str
    department: str
    path: Path
    state: str
    findings: int  # errors and warnings of the form, listed in the draft's note


@dataclass(frozen=True)
class DraftResult:
    report: Report
    drafts: tuple[Drafted, ...]
    out: Path

    @property
    def written(self) -> int:
        return sum(1 for d in self.drafts if d.state == "written")

    @property
    def kept(self) -> int:
        return sum(1 for d in self.drafts if d.state == "kept")

    @property
    def undrafted(self) -> tuple[FileResult, ...]:
        """Files sent for review with no project to draft: rejected (unreadable, not a form). Skipped files
        (Excel's ~$ lock files, documents) were never forms and are not listed."""
        return tuple(f for f in self.report.files if not f.projects and f.status is not Status.SKIPPED)

    @property
    def exit_code(self) -> int:
        """0 when every project read has its draft written (a rejected file has none to write, as `run` still
        succeeds with rejected files); 1 when a draft was kept because it exists (the user asked for it)."""
        return 1 if self.kept else 0


NAME_BYTES = 240  # a file name's limit is 255 bytes on most systems; room for "(12)" and the temporary file's


def _stem(file: FileResult, index: int, level: int) -> str:
    """<项目名称>_<年度>[_<文件>][_<工作表>], cut so the whole name with SUFFIX stays under NAME_BYTES."""
    p = file.projects[index]
    room = NAME_BYTES - len(SUFFIX.encode("utf-8"))
    year = str(p.year) if p.year else "年度未填"
    extra = []
    if level >= 2:
        extra.append(safe_name(Path(file.path).stem, "文件", limit=60))
    if level >= 1:
        extra.append(safe_name(p.sheet, "工作表", limit=45))
    tail = "_".join([year, *extra])
    name = safe_name(p.name, "未填项目名称", limit=max(room - len(tail.encode("utf-8")) - 1, 30))
    return safe_name(f"{name}_{tail}", "未填项目名称", limit=room)


def plan(report: Report, out: Path) -> list[tuple[FileResult, int, Path]]:
    """Every project's target path, made unique by adding what tells the projects apart."""
    items = [(f, i) for f in report.files for i in range(len(f.projects))]
    folders = [out / safe_name(f.projects[i].department, BLANK_DEPARTMENT) for f, i in items]
    levels = [0] * len(items)
    for level in (1, 2):
        names = [(str(folders[n]) + "/" + _stem(f, i, levels[n])).casefold() for n, (f, i) in enumerate(items)]
        for n, name in enumerate(names):
            if names.count(name) > 1:
                levels[n] = level
    paths: list[Path] = []
    taken: set[str] = set()
    for n, (f, i) in enumerate(items):
        stem, k = _stem(f, i, levels[n]), 1
        path = folders[n] / (stem + SUFFIX)
        while str(path).casefold() in taken:
            k += 1
            path = folders[n] / f"{stem}({k}){SUFFIX}"
        taken.add(str(path).casefold())
        paths.append(path)
    return [(f, i, path) for (f, i), path in zip(items, paths, strict=True)]


def write_drafts(report: Report, out: Path, date: dt.date, force: bool = False) -> tuple[Drafted, ...]:
    drafts: list[Drafted] = []
    for file, index, path in plan(report, out):
        p = file.projects[index]
        found = sum(1 for f in file.findings if (f.project in (index, None)) and f.severity.value in ("error", "warning"))
        try:
            state = "kept" if path.exists() and not force else "written"
        except OSError as exc:
            raise OutputError(f"无法检查输出文件 {path}（{exc.strerror}）。请检查输出文件夹是否可访问，然后重新运行。") from exc
        if state == "written":
            data = render(compose(file, index, date), p, date)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, partial(Path.write_bytes, data=data))
            except OSError as exc:
                raise OutputError(f"无法写出自评报告初稿 {path}（{exc.strerror}）。请检查输出文件夹是否可写、"
                                  "文件是否正在 Word/WPS 中打开，然后重新运行。") from exc
        drafts.append(Drafted(file.path, p.sheet, p.name, p.department, path, state, found))
    return tuple(drafts)


def draft(paths: list[Path], out: Path, *, date: dt.date | None = None, force: bool = False,
          profile: Profile | None = None, labels: Sequence[Path] | None = None, jobs: int = 1,
          max_file_mb: float = DEFAULT_MAX_FILE_MB,
          progress: Callable[[int, int, str], None] | None = None, history: Sequence[Earlier] = ()) -> DraftResult:
    """Check the forms under `paths` (never under `out`), then write one draft per project into `out`; with
    `history`, section 四（一） compares each project with its last year."""
    report = check_paths(paths, profile, exclude=(out,), jobs=jobs, labels=labels, progress=progress,
                         max_file_mb=max_file_mb, reports=False, history=history)
    day = date or dt.date.today()
    return DraftResult(report, write_drafts(report, out, day, force), out)
