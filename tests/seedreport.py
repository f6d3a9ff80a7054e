"""The seed's 绩效自评报告 as text: its title lines and paragraphs up to and including section 七 (not the 附件, the
form itself), one string per Word paragraph, as the department wrote them (the seventh heading is "7、", the
project is named by its fund, 专项资金, where the form says 工作经费). The tests carry it here and never read ../shared.

Helpers make variants: a figure changed in one paragraph, a section dropped. Paragraph numbers are 1-based
positions in the list (SEED[0] is paragraph 1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SEED: tuple[str, ...] = (
    '2021年度城市基层党建工作',
    '专项资金绩效自评报告',
    '一、项目概况',
    '根据中办发〔2019〕30号、湘组〔2019〕105号文件精神，经市委主要领导批示同意，2021年─2023年市财政局每年安排200万元城市基层党建工作专项资金，用于推进城市居民小区党建工作。通过构建小区党支部引领、各类治理主体共同参与、共建共治共享的城市居民小区治理格局，进一步提升推进城市基层治理体系和治理能力现代化。目前，全市共成立小区党支部697个、中心城区网格党支部586个，实现所有城市居民小区全覆盖。',
    '二、绩效自评工作开展情况',
    '严格按照《中共中央 国务院关于全面实施预算绩效管理的意见》（中发〔2018〕34号）精神，健全绩效评价常态化机制，增强各预算部门及资金使用单位绩效意识，提高财政资金使用效益，认真开展2021年城市基层党建工作项目资金绩效自评工作。市委组织部高度重视城市基层党建工作专项经费项目，根据《关于全面推进城市居民小区党建工作的实施意见》（益组联〔2020〕5号）《关于进一步提升抓实党建引领“基层吹哨、部门报到”和“联点单位进社区、在职党员进小区”工作的若干措施》（益组联〔2021〕14号）文件，规范使用该专项资金。由市委组织部组织指导科具体负责，做好城市基层党建工作专项资金项目自评工作。',
    '三、综合评价结论',
    '根据2021年项目支出绩效自评表，对绩效评价指标体系划分为产出指标、效益指标等2个一级指标，细化为数量指标、质量指标、时效指标、社会效益指标、可持续效益指标、服务对象满意度指标等6个二级指标。经评价，本项目综合得分为99分，等级为优秀。',
    '具体评分情况详见附表。',
    '四、绩效目标实现情况分析',
    '（一）项目资金使用及管理情况',
    '2021年度项目资金全年为200万元，已于第四季度拨付到位。经2021年第31次部务会研究后，市财政局批复下达，全部用于全市城市基层党建工作经费，拨付160万元至相应社区，专款用于小区党支部示范建设；市级层面统筹推进小区党建等城市基层党建有关重点任务的工作经费为40万元。结余资金0万元，资金使用率100%。市委组织部出台了《关于关于做好城市基层党建工作专项经费使用管理的提示》下发至各区县（市），要求规范管理和使用资金，切实加强资金监管。',
    '（二）总体绩效目标完成情况分析',
    '2021年，根据年初制定的目标计划，我们以着力创建100个市级城市居民小区党建示范点为抓手，扎实开展党建引领“基层吹哨、部门报到”工作和“我为群众办实事”实践活动，打造一批特色鲜明、载体丰富、服务精良的小区党建品牌，以优异成绩庆祝建党100周年。2021年底，我市已全面实现城市居民小区党的组织覆盖，规范设置了城市居民小区服务阵地，党建引领城市居民小区治理格局基本形成，党建引领小区治理水平显著提升。',
    '下一步，我们将总结并推广各地各部门工作推进中的好做法好经验，探索在全市697个城市居民小区开展“一老一小”服务项目，提炼出可复制可推广的党建引领城市基层治理益阳经验。',
    '（三）绩效指标完成情况分析',
    '全面地完成了2021年城市居民小区党建等城市基层党建各项工作任务，到年底完成全部项目的100%，资金拨付达到100%，完成项目验收率达到100%。',
    '五、存在的问题和改进措施',
    '（一）存在的问题',
    '党建引领基层治理方面的部门联动还不强，水平还不够高。',
    '（二）建议和改进措施',
    '我们将根据年初组织部长会议精神和有关城市党建和基层治理的文件要求，商市委政法委、市民政局、市住建局（市人防办）等相关部门单位联合开展调研，从组织建设、队伍管理、作用发挥和专项资金管理等方面加大指导力度，进一步提升党建引领基层治理的工作实效。同时，在全市小区党支部探索开展“一老一小”服务项目，组织小区党支部书记培训班，进一步抓实提升小区党支部服务能力和水平。',
    '六、绩效自评结果拟应用和公开情况',
    '自评报告在益阳党建网公示。',
    '7、 其他需要说明的问题',
    '无',
)

TITLE = SEED[0] + SEED[1]  # the title is set on two lines

_TOP = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d+\s*、|第[一二三四五六七八九十]+部分)")


def number_of(fragment: str, lines: Sequence[str] = SEED) -> int:
    """The paragraph number (1-based) of the one paragraph that contains fragment."""
    found = [n for n, line in enumerate(lines, 1) if fragment in line]
    assert len(found) == 1, f"{fragment!r} is in paragraphs {found}"
    return found[0]


def line_of(fragment: str, lines: Sequence[str] = SEED) -> str:
    return lines[number_of(fragment, lines) - 1]


def replace(old: str, new: str, lines: Sequence[str] = SEED) -> list[str]:
    """The report with old replaced by new in the one paragraph that contains it (once)."""
    n = number_of(old, lines)
    out = list(lines)
    out[n - 1] = out[n - 1].replace(old, new, 1)
    return out


def drop_section(heading: str, lines: Sequence[str] = SEED) -> list[str]:
    """The report without the top-level section whose heading contains `heading`: its heading line and everything
    up to the next top-level heading (一、… or 7、…)."""
    start = number_of(heading, lines) - 1
    assert _TOP.match(lines[start]), f"{lines[start]!r} is not a top-level heading"
    end = next((i for i in range(start + 1, len(lines)) if _TOP.match(lines[i])), len(lines))
    return [*lines[:start], *lines[end:]]
