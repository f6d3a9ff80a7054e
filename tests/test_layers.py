"""The package reads as its pipeline, and imports only go down it.

core < read < review < aggregate < write < the jobs (check, run) < nightly < report, cli: a module may
import from its own level or a lower one, never a higher one, so that a stage can be understood, tested
and reused without what comes after it (issue 12). Every import counts, also one inside a function or
under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "processor"
LEVELS = {"core": 0, "read": 1, "review": 2, "aggregate": 3, "write": 4, "narrative": 4, "check": 5, "run": 5, "draft": 5, "nightly": 6,
          "report": 7, "cli": 7, "__main__": 7, "__init__": 7}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)


def level(module: str) -> int:
    """`processor.read.parse` → read's level; `processor` itself (its __init__) is the top."""
    parts = module.split(".")
    return LEVELS[parts[1] if len(parts) > 1 else "__init__"]


def imported(path: Path, package_dir: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) of every import of our own package in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path, package_dir).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "processor"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *([base] if base else [])])
            if base.split(".")[0] != "processor":
                continue
            # `from processor import guard` imports a module; `from processor.read import parse` likewise
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                root = package_dir.parent
                found.append((node.lineno, sub if (root / (sub.replace(".", "/") + ".py")).exists()
                              or (root / sub.replace(".", "/")).is_dir() else base))
    return found


def upward_imports(package: Path = PACKAGE) -> list[str]:
    wrong = []
    for path in sorted(package.rglob("*.py")):
        me = module_name(path, package)
        for line, target in imported(path, package):
            if target != me and level(target) > level(me):
                wrong.append(f"{path.relative_to(package.parent).as_posix()}:{line} imports {target}")
    return wrong


def test_every_module_has_a_level() -> None:
    for path in PACKAGE.rglob("*.py"):
        level(module_name(path))  # a KeyError names a module outside the pipeline's rooms


def test_no_module_imports_a_later_stage() -> None:
    assert upward_imports() == []


def test_the_check_fails_on_an_upward_import(tmp_path: Path) -> None:
    """The walk above must be able to fail: a reader module importing the writer is caught, and so is a
    relative import of a later stage."""
    fake = tmp_path / "processor"
    (fake / "read").mkdir(parents=True)
    (fake / "write").mkdir()
    (fake / "__init__.py").write_text("", encoding="utf-8")
    (fake / "write" / "summary.py").write_text("", encoding="utf-8")
    (fake / "read" / "parse.py").write_text(
        "def f():\n    from processor.write.summary import write_summary\n", encoding="utf-8")
    (fake / "read" / "grid.py").write_text("from ..write import summary\n", encoding="utf-8")
    assert upward_imports(fake) == ["processor/read/grid.py:1 imports processor.write.summary",
                                    "processor/read/parse.py:2 imports processor.write.summary"]


def test_shared_names_are_defined_once() -> None:
    """The names several stages use (issue 12) have one definition, in core."""
    for name in ("safe_name", "main_year", "folder_for", "should_split", "summary_name", "check_transport"):
        defined = [p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*.py")
                   if any(isinstance(n, ast.FunctionDef) and n.name == name
                          for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
        assert len(defined) == 1, (name, defined)
    for constant in ("SPLIT_ABOVE", "MODES", "DEFAULT_NAME"):
        assigned = [p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*.py")
                    if any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == constant
                                                             for t in n.targets)
                           for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
        assert assigned == ["processor/core/names.py"], (constant, assigned)
