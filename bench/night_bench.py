"""Issue 8's fourth target: a night with 10 new files on a ledger of 20,000 forms reads only those 10.

    .venv/bin/python bench/night_bench.py     # about 5 minutes; `make bench-night`

Night 1 takes the whole province-year corpus (2,000 workbooks, 20,000 forms) into a fresh ledger; night 2
finds 10 new workbooks (city-year's first ten) beside the archive. Each night runs `nightly.night` in its
own subprocess, measured from outside like bench/run_bench.py does (wall, CPU, peak RSS of the largest process
and of the process tree), and from inside: how many files were opened and checked, and the time spent in the
ledger's current_report (the year's results back from SQLite into the spool), aggregate and publish_summary.
Results go to bench/corpus/results-night.json; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

NEW_FILES = 10


def worker(config_path: Path, day: str) -> None:
    """One night in this process, with its stages timed by wrapping the functions the night calls."""
    import importlib

    import processor.nightly.intake as intake

    # the package re-exports the function night(): the module itself comes from importlib
    nightly = importlib.import_module("processor.nightly.night")
    from processor.nightly.config import load_config
    from processor.nightly.ledger import Ledger

    timings: dict[str, float] = {"current_report": 0.0, "aggregate": 0.0, "publish_summary": 0.0, "reviewed": 0.0}
    checked = [0]

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - t
                if name == "reviewed":
                    checked[0] += 1
        return wrapper

    Ledger.current_report = timed("current_report", Ledger.current_report)  # type: ignore[method-assign]
    nightly.aggregate = timed("aggregate", nightly.aggregate)  # type: ignore[assignment]
    nightly.publish_summary = timed("publish_summary", nightly.publish_summary)  # type: ignore[assignment]
    # files reviewed tonight: each goes through _finish (record and file away) in this process, whichever
    # worker reviewed it
    intake._finish = timed("reviewed", intake._finish)  # type: ignore[attr-defined]
    config = load_config(config_path)
    t = time.perf_counter()
    result = nightly.night(config, now=dt.datetime.fromisoformat(f"{day}T02:00:00"))
    total = time.perf_counter() - t
    folder = result.summary.with_name(result.summary.stem + "_分部门")
    print(json.dumps({"night": total, **timings, "files_checked": checked[0], "counts": result.counts,
                      "department_workbooks": len(list(folder.glob("*.xlsx"))) if folder.is_dir() else 0}))


def main() -> None:
    from make_corpus import ensure_corpus
    from run_bench import machine, measure

    province = ensure_corpus("province-year")
    city = ensure_corpus("city-year")
    selfeval = [sys.executable, "-m", "processor"]
    results: dict[str, Any] = {"machine": machine(), "when": dt.datetime.now().isoformat(timespec="seconds")}
    keep = os.environ.get("NIGHT_DIR")  # a folder that keeps night 1's state, so night 2 can be measured again
    with tempfile.TemporaryDirectory(prefix="selfeval-night-", dir=keep) as tmp:
        work = Path(tmp) if not keep else Path(keep) / "work"
        pristine = Path(keep) / "after-night1" if keep else None
        import subprocess

        if pristine is not None and pristine.is_dir():  # night 1 again would only measure the same thing
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(pristine, work)
            results["night1"] = json.loads((pristine / "night1.json").read_text(encoding="utf-8"))
            print(f"night 1: kept from {pristine}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
            subprocess.run([*selfeval, "init", str(work)], check=True, capture_output=True)
            cfg = work / "selfeval.toml"
            cfg.write_text(cfg.read_text(encoding="utf-8").replace("settle_seconds = 120", "settle_seconds = 0"),
                           encoding="utf-8")
            inbox = work / "收件箱"
            inbox.mkdir()
            for f in sorted(province.iterdir()):
                shutil.copy2(f, inbox / f.name)
            print(f"night 1: {len(list(inbox.iterdir()))} workbooks into an empty ledger", flush=True)
            results["night1"] = measure("night 1", [sys.executable, __file__, "--worker", str(cfg), "2024-01-30"],
                                        work / "night1.log")
            if pristine is not None:
                shutil.copytree(work, pristine)
                (pristine / "night1.json").write_text(json.dumps(results["night1"]), encoding="utf-8")
        cfg, inbox = work / "selfeval.toml", work / "收件箱"
        for f in sorted(city.iterdir())[:NEW_FILES]:
            shutil.copy2(f, inbox / f"新-{f.name}")
        print(f"night 2: {NEW_FILES} new workbooks, ledger of {results['night1']['inner']['counts']}", flush=True)
        results["night2"] = measure("night 2", [sys.executable, __file__, "--worker", str(cfg), "2024-01-31"],
                                    work / "night2.log")
    (HERE / "corpus" / "results-night.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                                        encoding="utf-8")
    print()
    print(f"{'night':<8} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'tree MB':>8} {'checked':>8} {'ledger→spool':>13} "
          f"{'aggregate':>10} {'summary':>8}")
    for key in ("night1", "night2"):
        r, i = results[key], results[key]["inner"]
        print(f"{key:<8} {r['wall']:8.1f} {r['cpu']:8.1f} {r['maxrss_mb']:8.0f} {r['tree_mb']:8.0f} "
              f"{i['files_checked']:8d} {i['current_report']:13.1f} {i['aggregate']:10.1f} {i['publish_summary']:8.1f}")
    print(f"night 2 opened and checked {results['night2']['inner']['files_checked']} files "
          f"(target: only the {NEW_FILES} new ones)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        os.chdir(ROOT)
        worker(Path(sys.argv[2]), sys.argv[3])
    else:
        main()
