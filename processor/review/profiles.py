"""Rule profiles: the rulebook's numbers as data, because every province and year varies them.

Profiles ship as TOML beside this module; a user adds one as a TOML file that may `extends` a
shipped one. Nothing in the review engine branches on a profile's name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from processor.core.errors import UsageError
from processor.core.grades import grade_for
from processor.core.model import Project, Severity
from processor.read.labels import label_key

SHIPPED = Path(__file__).with_name("profiles")
DEFAULT = "central2020"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    budget_weight: float
    satisfaction_level: int
    reverse_formula: str
    qualitative_bands: dict[str, tuple[float, float]]
    over_achievement: float
    execution_reason_below: float
    score_tolerance: float
    rate_tolerance: float
    money_tolerance: float
    rounding: int
    satisfaction_min: float
    late_date_score: float
    grade_bands: tuple[tuple[float, str], ...]
    level1_weights: dict[str, float]
    grade_words: dict[str, str]  # word → grade
    goal_block: bool = True  # False: the layout prints no 年度总体目标, so a form without one is not told to add it
    rounding_tolerance: float = 0.05
    effect_error_points: float = 1.0
    reverse_words: tuple[str, ...] = ()
    positive_words: tuple[str, ...] = ()
    label: str = ""  # the Chinese name a person reads (中央2020版); the name stays the code used in files
    # comparing a project with its 上年 (issue 19; processor/review/history.py)
    history_target_margin: float = 0.3  # last year's actual beat an unchanged target by this much: targets-unchanged
    history_score_rise: float = 2.0  # points the self-score rose while …
    history_rate_fall: float = 0.10  # … the execution rate fell by this much (a ratio): score-up-money-down
    history_budget_change: float = 0.5  # the 全年预算数 changed by this much either way: budget-jump

    @property
    def shown(self) -> str:
        return self.label or self.name
    severity: dict[str, Severity | None] = field(default_factory=dict)  # None: silenced

    def grade(self, total: float | None) -> str | None:
        return grade_for(total, self.grade_bands)

    def grade_of_word(self, word: str) -> str | None:
        return self.grade_words.get(label_key(word))


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if key == "level1_weights":  # a profile names all its level-1 weights or none
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _raw(source: str | Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = Path(source) if str(source).endswith(".toml") else SHIPPED / f"{source}.toml"
    if not path.is_file():
        names = "、".join(available())
        raise UsageError(f"找不到评分规则（profile）“{source}”。可用的内置规则：{names}；或给出一个 .toml 文件的路径。")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"评分规则文件 {path} 格式有误：{exc}。请按 TOML 格式修改。") from exc
    data.setdefault("name", path.stem)  # a user file that names nothing is known by its file name
    data.setdefault("label", data["name"])  # …and shown by its name, not by the label of the profile it extends
    parent = data.pop("extends", None)
    if parent:
        if parent in seen:
            raise UsageError(f"评分规则 {path} 的 extends 形成循环：{' → '.join((*seen, parent))}")
        data = _merge(_raw(parent, (*seen, str(source))), data)
    return data


_FIELDS = ("name", "title", "budget_weight", "satisfaction_level", "reverse_formula", "qualitative_bands",
           "over_achievement", "execution_reason_below", "score_tolerance", "rate_tolerance", "money_tolerance",
           "rounding", "satisfaction_min", "late_date_score", "grade_bands", "level1_weights", "grade_words")


def load_profile(source: str | Path) -> Profile:
    """A shipped profile by name, or a user's TOML file by path. Bad profiles are usage errors."""
    data = _raw(source)
    missing = [k for k in _FIELDS if k not in data]
    if missing:
        raise UsageError(f"评分规则“{source}”缺少设置：{', '.join(missing)}。可在文件开头写 extends = \"{DEFAULT}\" 继承其余设置。")
    if data["reverse_formula"] not in ("ratio", "linear"):
        raise UsageError(f"评分规则“{source}”的 reverse_formula 应为 \"ratio\" 或 \"linear\"，现为 {data['reverse_formula']!r}。")
    severity: dict[str, Severity | None] = {}
    for code, level in data.get("severity", {}).items():
        if level not in ("error", "warning", "info", "off"):
            raise UsageError(f"评分规则“{source}”中 severity.{code} 应为 error/warning/info/off，现为 {level!r}。")
        severity[code] = None if level == "off" else Severity(level)
    return Profile(
        name=data["name"], title=data["title"], budget_weight=float(data["budget_weight"]),
        satisfaction_level=int(data["satisfaction_level"]), reverse_formula=data["reverse_formula"],
        qualitative_bands={k: (float(v[0]), float(v[1])) for k, v in data["qualitative_bands"].items()},
        over_achievement=float(data["over_achievement"]), execution_reason_below=float(data["execution_reason_below"]),
        score_tolerance=float(data["score_tolerance"]), rate_tolerance=float(data["rate_tolerance"]),
        money_tolerance=float(data["money_tolerance"]), rounding=int(data["rounding"]),
        satisfaction_min=float(data["satisfaction_min"]), late_date_score=float(data["late_date_score"]),
        grade_bands=tuple((float(f), str(g)) for f, g in data["grade_bands"]),
        level1_weights={label_key(k): float(v) for k, v in data["level1_weights"].items()},
        grade_words={label_key(w): g for g, words in data["grade_words"].items() for w in words},
        severity=severity, goal_block=bool(data.get("goal_block", True)),
        rounding_tolerance=float(data.get("rounding_tolerance", 0.05)),
        effect_error_points=float(data.get("effect_error_points", 1.0)),
        reverse_words=tuple(str(w) for w in data.get("reverse_words", ())),
        positive_words=tuple(str(w) for w in data.get("positive_words", ())),
        label=str(data.get("label", "")),
        history_target_margin=float(data.get("history_target_margin", 0.3)),
        history_score_rise=float(data.get("history_score_rise", 2.0)),
        history_rate_fall=float(data.get("history_rate_fall", 0.10)),
        history_budget_change=float(data.get("history_budget_change", 0.5)),
    )


def available() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.toml"))


@cache
def shown_name(name: str) -> str:
    """The Chinese name of a shipped profile (中央2020版) for a project's `profile`; a user's profile by its own."""
    try:
        return load_profile(name).shown if name in available() else name
    except UsageError:
        return name


def detect(project: Project) -> str:
    """The shipped profile a form was made for, from where 满意度 sits and the weights printed in labels."""
    funds = project.funds
    if funds.weight is not None and abs(funds.weight - 20) < 1e-9 and "weight" not in funds.cells:
        return "hubei"  # 预算执行情况（万元）（20分）: the points in the block's title, no 分值 column
    for ind in project.indicators:
        if "满意度" in ind.level2 and ("效益" in ind.level1 or "效果" in ind.level1):
            return "hunan-legacy"
    for g in project.groups:
        if g.level == 1 and "效益" in g.name and g.declared_weight == 40:
            return "hunan-legacy"
    return DEFAULT


@cache
def shipped(name: str) -> Profile:
    """A profile by name, loaded once per process: every form names the one it was reviewed by."""
    return load_profile(name)
