"""Profile what `selfeval run` does on a corpus, in one process (jobs=1), and list the hot spots.

    .venv/bin/python bench/profile_run.py                 # city-year, cProfile, top functions
    .venv/bin/python bench/profile_run.py --pyinstrument  # the call tree too (pip install pyinstrument first;
                                                          # it is not a dependency of the project)

Prints, for our code (processor/) and for the libraries it calls, the functions with the largest cumulative
time and their share of the whole run. cProfile roughly doubles the run time; the shares are what matter.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def pipeline(forms: Path, out: Path) -> dict[str, float]:
    from processor.aggregate import aggregate
    from processor.check import check_paths
    from processor.write.summary import write_summary

    t0 = time.perf_counter()
    report = check_paths([forms], None)
    t1 = time.perf_counter()
    agg = aggregate(report)
    t2 = time.perf_counter()
    write_summary(report, agg, out, created=dt.date(2024, 1, 31), year=None)
    t3 = time.perf_counter()
    return {"check_paths": t1 - t0, "aggregate": t2 - t1, "write_summary": t3 - t2}


def main() -> None:
    from make_corpus import ensure_corpus

    name = next((a for a in sys.argv[1:] if not a.startswith("--")), "city-year")
    forms = ensure_corpus(name, quiet=True)
    # imported before the profile starts: start-up is not the work being profiled
    import processor.aggregate
    import processor.check
    import processor.write.summary  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "summary.xlsx"
        if "--pyinstrument" in sys.argv:
            from pyinstrument import Profiler

            prof = Profiler(interval=0.001)
            prof.start()
            split = pipeline(forms, out)
            prof.stop()
            print(prof.output_text(unicode=True, color=False, show_all=False))
        profile = cProfile.Profile()
        profile.enable()
        split = pipeline(forms, out)
        profile.disable()
    stats = pstats.Stats(profile)
    total = sum(split.values())
    print(f"{name}, one process, under cProfile: " + ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in split.items()))
    rows = []
    for (path, line, func), (_, calls, own, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = path.split("site-packages/")[-1]
        where = where[where.find("processor/"):] if "processor/" in where else where
        rows.append((cum, own, calls, f"{where}:{line} {func}"))
    for title, keep in (("our code (processor/)", lambda w: w.startswith("processor/")),
                        ("libraries", lambda w: w.split("/")[0] in ("xlsxwriter", "python_calamine", "pandas",
                                                                      "openpyxl", "zipfile.py"))):
        print(f"\n{title}: cumulative s, share of the run, own s, calls")
        shown = [r for r in sorted(rows, reverse=True) if keep(r[3])][:25]
        for cum, own, calls, where in shown:
            print(f"  {cum:7.2f} {cum / total:6.1%} {own:7.2f} {calls:9d}  {where}")


if __name__ == "__main__":
    main()
