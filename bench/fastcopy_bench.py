"""`make bench-copy`: CPU per 审核意见 copy, the package-level fast copy against openpyxl, and how often it falls back.

    .venv/bin/python bench/fastcopy_bench.py            # findings corpus + real-saved files
    BENCH_COPY_LIMIT=20 .venv/bin/python bench/fastcopy_bench.py   # only the first 20 corpus forms

Sets measured (each file's findings come from processor.check.check_file, as a run makes them):
  corpus     bench/corpus/city-year-findings/forms (bench/make_corpus.py; xlsxwriter-written, 10 forms a file)
  samples    samples/inbox's .xlsx/.xlsm that get a letter
  real-saved tests/fixtures/seed.xlsm; LibreOffice re-saves (soffice --convert-to xlsx) of the first corpus forms
             and of the samples; an `x:`-prefixed rewrite of a corpus form (as the OpenXML SDK can write it:
             the fast copy refuses it by design)
CPU is time.process_time around marked_copy (median of BENCH_COPY_REPEAT runs, default 5) and around
slowcopy.openpyxl_copy (one run per file: it is the slow one); the table gives the median over files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from processor.check import check_file  # noqa: E402
from processor.write.fastcopy import marked_copy  # noqa: E402
from processor.write.feedback import needs_feedback  # noqa: E402
from processor.write.slowcopy import openpyxl_copy  # noqa: E402

DAY = dt.date(2024, 1, 31)
CORPUS = ROOT / "bench" / "corpus" / "city-year-findings" / "forms"
REPEAT = int(os.environ.get("BENCH_COPY_REPEAT", "5"))


def cpu_ms(fn: object, *args: object, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.process_time()
        out = fn(*args)  # type: ignore[operator]
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times), out


def measure(name: str, paths: list[Path], slow: bool = True) -> dict[str, object]:
    fast_ms, slow_ms, fallbacks, projects = [], [], [], []
    for path in paths:
        result = check_file(path)
        if result.format not in ("xlsx", "xlsm") or not result.projects or not needs_feedback(result):
            continue
        data = path.read_bytes()
        ms, out = cpu_ms(marked_copy, data, result, DAY, repeat=REPEAT)
        if out is None:
            fallbacks.append(path.name)
        else:
            fast_ms.append(ms)
            projects.append(len(result.projects))
        if slow:
            slow_ms.append(cpu_ms(openpyxl_copy, data, result, DAY, repeat=1)[0])
    copies = len(fast_ms) + len(fallbacks)
    med = lambda xs: f"{statistics.median(xs):7.1f}" if xs else "      —"  # noqa: E731
    print(f"{name:<12} {copies:>6} {len(fallbacks):>9} {med(fast_ms)} {max(fast_ms, default=0):7.1f} {med(slow_ms)}"
          f"   {statistics.median(projects) if projects else '—'}")
    for fell in fallbacks:
        print(f"{'':<12} fell back: {fell}")
    return {"copies": copies, "fell_back": fallbacks, "fast_ms": statistics.median(fast_ms) if fast_ms else None,
            "fast_max_ms": max(fast_ms, default=None), "openpyxl_ms": statistics.median(slow_ms) if slow_ms else None,
            "projects": statistics.median(projects) if projects else None}


def libreoffice_saves(paths: list[Path], into: Path) -> list[Path]:
    if shutil.which("soffice") is None:
        print("(soffice not installed: no LibreOffice-saved files)")
        return []
    into.mkdir(parents=True, exist_ok=True)
    src = into / "src"
    src.mkdir()
    for i, p in enumerate(paths):
        shutil.copy(p, src / f"{i:02d}_{p.name}")
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(into), *map(str, src.iterdir())],
                   capture_output=True, timeout=600, check=False)
    return sorted(into.glob("*.xlsx"))


def prefixed(path: Path, into: Path) -> Path:
    """The same workbook with its worksheets written as <x:worksheet xmlns:x=…> (the fast copy's fallback case)."""
    target = into / ("x_" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            data = src.read(name)
            if name.startswith("xl/worksheets/sheet"):
                text = data.decode().replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                                             'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
                text = re.sub(r"<(/?)(?!\?)(?![a-z]+:)([A-Za-z])", r"<\1x:\2", text)
                data = text.encode()
            out.writestr(name, data)
    return target


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from make_corpus import ensure_corpus

    limit = int(os.environ.get("BENCH_COPY_LIMIT", "0")) or None
    corpus = sorted(ensure_corpus("city-year-findings").glob("*.xls[xm]"))[:limit]
    samples = sorted(p for p in (ROOT / "samples" / "inbox").glob("*.xls[xm]") if not p.name.startswith("~$"))
    print(f"CPU ms per copy (median over files; fast: median of {REPEAT} runs each)")
    print(f"{'set':<12} {'copies':>6} {'fell back':>9} {'fast ms':>7} {'max':>7} {'openpyxl':>7}   projects")
    results: dict[str, object] = {"corpus": measure("corpus", corpus), "samples": measure("samples", samples)}
    with tempfile.TemporaryDirectory() as tmp:
        lo = libreoffice_saves([*corpus[:5], *samples], Path(tmp) / "lo")
        results["seed.xlsm"] = measure("seed.xlsm", [ROOT / "tests" / "fixtures" / "seed.xlsm"])
        if lo:
            results["LO corpus"] = measure("LO corpus", [p for p in lo if int(p.name[:2]) < 5])
            results["LO samples"] = measure("LO samples", [p for p in lo if int(p.name[:2]) >= 5])
        results["x:-prefixed"] = measure("x:-prefixed", [prefixed(corpus[0], Path(tmp))])
    results["when"] = dt.datetime.now().isoformat(timespec="seconds")
    (ROOT / "bench" / "corpus" / "results-copy.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                                                 encoding="utf-8")


if __name__ == "__main__":
    main()
