"""The package as IT staff install it: a wheel in a fresh virtual environment, not this editable checkout.

What a source checkout hides is what a wheel leaves out: the rule profiles and template.toml are data
files, and they travel only if pyproject.toml's package-data names them. The wheel is built with this
venv's setuptools (no download) and installed without its dependencies; the fresh venv borrows those
from this venv's site-packages through a .pth line, which adds the folder to sys.path without running
its own .pth files, so the editable install of this checkout stays out of sight.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False)


def test_a_wheel_in_a_fresh_venv_checks_the_samples(tmp_path: Path) -> None:
    # from a copy: setuptools builds in ./build and would pick up whatever an earlier build left there
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "out", "corpus", "__pycache__", ".*_cache", ".hypothesis"))
    built = run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-q",
                "-w", tmp_path / "dist", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("selfeval-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = sorted(n for n in names if n.endswith(".toml"))
    assert any(n.endswith("/central2020.toml") for n in data) and any(n.endswith("/template.toml") for n in data)

    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    python = fresh / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                       cwd=tmp_path).stdout.strip())
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel,
                    cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    where = run(python, "-c", "import processor; print(processor.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(fresh), where.stdout + where.stderr

    shutil.copytree(ROOT / "samples" / "inbox", tmp_path / "inbox")
    script = fresh / ("Scripts/selfeval.exe" if sys.platform == "win32" else "bin/selfeval")
    checked = run(script, "check", "inbox", "--json", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr  # the samples plant returned and rejected files
    assert '"profile": "hunan-legacy"' in checked.stdout and '"profile": "central2020"' in checked.stdout
    blank = run(script, "template", "--profile", "hunan-legacy", "-o", "blank.xlsx", cwd=tmp_path)
    assert blank.returncode == 0 and (tmp_path / "blank.xlsx").stat().st_size > 0, blank.stderr
