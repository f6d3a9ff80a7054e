"""Which form a submitted 绩效自评报告 restates.

Reports rarely carry the form's exact project name: the seed's report is titled for 城市基层党建工作专项资金 while its
form names 城市基层党建工作经费. So names are compared after taking off what varies between the two (year words,
绩效自评报告, and the generic endings 专项资金/工作经费/资金/经费/项目 …), by similarity, and only within the report's
主管部门 when it can be told (its folder, its file name, or its text naming one of the batch's departments).
The best candidate is taken when it is clearly best; two close candidates are ambiguous (a finding, never a guess).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import PurePath

from processor.core.model import ProjectAt

THRESHOLD = 0.85  # below this no candidate is the report's form (农村 vs 城市基层党建 is 0.75: another project)
MARGIN = 0.08  # the best must beat the next by this much, unless it is an exact match

_YEAR = re.compile(r"[（(]?\s*\d{4}\s*(?:年度|年)?\s*(?:[-—─~～至]\s*\d{4}\s*(?:年度|年)?)?\s*[）)]?")
_REPORT_WORDS = ("项目支出绩效自评报告", "绩效自评报告", "自评报告", "绩效评价报告", "报告", "初稿", "终稿", "定稿", "修改稿")
_ENDINGS = ("专项资金", "专项经费", "项目资金", "资金", "经费", "项目", "专项")
_NOISE = re.compile(r"[\s_\-—·.,，。:：;；、()（）\[\]【】《》\"'“”‘’]+")


def core_name(text: str) -> str:
    """A project name reduced to what tells projects apart."""
    name = unicodedata.normalize("NFKC", text)
    name = _YEAR.sub("", name)
    for word in _REPORT_WORDS:
        name = name.replace(word, "")
    name = _NOISE.sub("", name)
    changed = True
    while changed and name:
        changed = False
        for ending in _ENDINGS:
            if name.endswith(ending) and len(name) > len(ending) + 1:
                name, changed = name[: -len(ending)], True
                break
    return name


def similarity(a: str, b: str) -> float:
    """1.0 for the same core name; else difflib's ratio, raised when one name holds the whole other."""
    x, y = core_name(a), core_name(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    ratio = SequenceMatcher(None, x, y, autojunk=False).ratio()
    if (x in y or y in x) and min(len(x), len(y)) >= 4:
        ratio = max(ratio, 0.9)
    return round(ratio, 2)


def _without(name: str, department: str) -> str:
    return name.replace(department, "") if department and department != name else name


@dataclass(frozen=True)
class Match:
    chosen: ProjectAt | None
    score: float
    department: str
    close: tuple[ProjectAt, ...] = ()  # the candidates too close to tell apart (ambiguous), best first
    why: str = ""  # why nothing was chosen, in Chinese


def department_of(report_path: str, title: str, text: str, departments: Sequence[str]) -> str:
    """The 主管部门 a report belongs to: its folder, its file name, its title or opening text naming one of the
    batch's departments (the longest name wins: 市教育局 over 教育局)."""
    path = PurePath(report_path)
    # the file's own name, then its own folder (not the ones above: 市财政局绩效科/收件箱 is the bureau's), then the
    # title; the text last, where another department may be named first (市财政局安排资金…)
    places = [path.stem, path.parent.name, title, text[:400]]
    for place in places:
        found = [d for d in departments if d and d in place]
        if found:
            return max(found, key=len)
    return ""


# a department's name as departments name their files and folders: 市卫健委, 区教育局, 市委组织部, 某某街道办事处
_DEPARTMENT = re.compile(r"[\u4e00-\u9fff]{1,18}(?:委员会|办公室|办事处|政府|中心|街道|局|委|部|办|厅|院|署|馆|站|所|队|社)")
_SEGMENT = re.compile(r"[\s_\-—－·+＋、]+")


def placed_department(report_path: str, known: Sequence[str], folder: str = "", projects: Sequence[str] = ()) -> str:
    """A department the report's own file name or `folder` names that none of the batch's forms belongs to (its form
    was refused or never sent), or "": then the report is not searched for in other departments' forms, where a
    project of the same name is another department's (市卫健委's 党建工作经费 is not 市委组织部's).

    Only a name standing alone counts: the file name's first part (市卫健委_2021_…报告), or the folder the caller knows
    to be a department's. A name is known when a form's 主管部门 or 实施单位 contains it, is contained in it or
    abbreviates it (市卫健委 for 市卫生健康委员会); a name inside a project's name (新时代文明实践中心) is no department."""
    places = [_SEGMENT.split(PurePath(report_path).stem.strip(), maxsplit=1)[0], folder]
    for place in places:
        if not place or not _DEPARTMENT.fullmatch(place):
            continue
        if any(_same_department(place, k) for k in known if k) or any(place in n for n in projects):
            continue
        return place
    return ""


def _same_department(a: str, b: str) -> bool:
    return a in b or b in a or _abbreviates(a, b) or _abbreviates(b, a)


def _abbreviates(short: str, long: str) -> bool:
    """Whether `short` is `long` shortened the way departments shorten names: its characters in order, from the
    first (市卫健委, 市卫生健康委员会)."""
    if len(short) < 3 or short[0] != long[:1]:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def match(names: Sequence[str], year: int | None, department: str, candidates: Sequence[ProjectAt]) -> Match:
    """The form among `candidates` whose project the report names (by any of `names`: its title, its file name)."""
    pool = [c for c in candidates if not department or c.project.department == department]
    if year is not None:
        same_year = [c for c in pool if c.project.year in (year, None)]
        pool = same_year or pool
    # a file name often starts with the department (市委组织部_2021_…报告): it does not name the project
    scored = sorted(((max(similarity(_without(n, c.project.department), c.project.name) for n in names if n), c)
                     for c in pool), key=lambda sc: -sc[0])
    if not scored or scored[0][0] < THRESHOLD:
        where = f"在{department}的自评表中" if department else "在本批自评表中"
        return Match(None, scored[0][0] if scored else 0.0, department, why=f"{where}没有名称相近的项目")
    # the same project sent twice (project-duplicated) is one candidate, not an ambiguity: the later file is kept
    seen: dict[tuple[object, ...], int] = {}
    for n, (_, c) in enumerate(scored):
        seen[(c.project.year, c.project.department, core_name(c.project.name))] = n
    scored = [sc for n, sc in enumerate(scored) if seen[(sc[1].project.year, sc[1].project.department,
                                                         core_name(sc[1].project.name))] == n]
    best, chosen = scored[0]
    close = tuple(c for s, c in scored[1:] if best - s < MARGIN)
    if (close and best < 1.0) or any(s == 1.0 for s, _ in scored[1:]):
        return Match(None, best, department, (chosen, *close))
    return Match(chosen, best, department or chosen.project.department)
