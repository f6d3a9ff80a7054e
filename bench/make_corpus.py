"""Write the benchmark corpora of issue 8: realistic 项目支出绩效自评表 workbooks, deterministically.

    .venv/bin/python bench/make_corpus.py            # city-year and province-year
    .venv/bin/python bench/make_corpus.py city-year  # one of them

*city-year*: 100 department workbooks × 10 projects (1,000 forms); *province-year*: 2,000 workbooks × 10
projects (20,000 forms). Each form has 15–25 indicators in the shapes real forms use (≥50个,
≤90万元, 95%, 100 without a %, 2021年12月完成, 达成预期指标, ≧/═ operators, ★ marks), budgets from a few
万元 to tens of millions, and each workbook its clerk's habits (title rows, a 填表说明 sheet, scores typed as
"10分", amounts as text, unmerged group labels, the hunan-legacy layout, amounts in 元). About 5% of the
forms carry one typical mistake (DOMAIN.md §3): an inflated score, a wrong 总分, actuals copied from the
targets, funds parts that do not add up, a score above its weight.

Workbook i is drawn from `random.Random(f"{seed}:{corpus}:{i}")`, so the corpus is the same whatever the
number of worker processes. It is written to `bench/corpus/<name>/forms/` with a `manifest.json` beside
it; a corpus whose manifest has the same generator version, seed, size and form builder is reused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from formbuilder import FormSpec, Row, write_workbook  # noqa: E402

GENERATOR_VERSION = 1
SEED = 20_240_131
YEAR = 2023
CORPUS_DIR = HERE / "corpus"


@dataclass(frozen=True)
class Corpus:
    name: str
    workbooks: int
    projects: int  # per workbook
    province: bool  # 主管部门 prefixed by a city (a province's year) or the city's own 市…
    mistake_rate: float = 0.05  # the share of forms with one planted mistake
    seed_name: str = ""  # draw from another corpus's seed (the same city, other mistakes)


CORPORA = {
    "city-year": Corpus("city-year", 100, 10, False),
    "province-year": Corpus("province-year", 2000, 10, True),
    # issue 20: the default run (审核意见 copies included) where most files need a letter: a mistake in 20% of the
    # forms leaves about 9 workbooks in 10 with at least one (city-year has 33 letters for 100 files)
    "city-year-findings": Corpus("city-year-findings", 100, 10, False, mistake_rate=0.2, seed_name="city-year"),
}

CITIES = ["长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "张家界市", "益阳市", "郴州市", "永州市",
          "怀化市", "娄底市", "湘西州", "省"]

# 主管部门 (without the 市/city prefix), its 实施单位, project topics and the people it serves
DEPARTMENTS: list[tuple[str, list[str], list[str], str]] = [
    ("教育局", ["教育局机关", "学生资助管理中心", "教师发展中心", "教育考试院"],
     ["学生资助补助经费", "中小学校舍维修改造", "乡村教师培训经费", "义务教育薄弱环节改善", "学前教育发展资金",
      "职业教育质量提升", "校园安全设施建设", "教育信息化建设", "特殊教育补助经费", "普通高中改善办学条件"], "学生"),
    ("民政局", ["民政局机关", "养老服务中心", "救助管理站", "社会福利院"],
     ["居家养老服务补贴", "社区综合服务站建设", "城乡低保资金", "特困人员救助供养", "困难残疾人生活补贴",
      "临时救助资金", "婚姻登记服务经费", "殡葬改革补助", "社会组织培育经费", "儿童福利保障资金"], "服务对象"),
    ("卫生健康委员会", ["卫健委机关", "疾病预防控制中心", "妇幼保健院", "卫生监督所"],
     ["基本公共卫生服务补助", "重大传染病防控经费", "基层医疗机构能力建设", "妇幼健康服务项目", "计划生育家庭扶助",
      "卫生应急物资储备", "院前急救体系建设", "中医药传承发展", "健康教育与促进", "职业病防治项目"], "居民"),
    ("交通运输局", ["交通运输局机关", "公路事务中心", "运输服务中心", "港航事务中心"],
     ["农村公路养护补助", "国省干线大中修工程", "城乡客运一体化补贴", "危桥改造工程", "公路安全生命防护工程",
      "港口码头维护经费", "交通运输执法装备", "农村客运站建设", "公交优先发展补助", "综合交通规划编制"], "沿线群众"),
    ("文化广电旅游局", ["文旅局机关", "图书馆", "文化馆", "博物馆"],
     ["公共图书馆总分馆建设", "送戏下乡文化惠民", "非物质文化遗产保护", "文物保护修缮工程", "全域旅游推广经费",
      "应急广播体系建设", "公共文化场馆免费开放", "乡村文化振兴项目", "文化市场执法经费", "旅游厕所建设补助"], "群众"),
    ("住房和城乡建设局", ["住建局机关", "城市更新服务中心", "建设工程质量安全站", "住房保障中心"],
     ["老旧小区改造补助", "保障性租赁住房建设", "农村危房改造补助", "城市排水防涝设施", "棚户区改造配套",
      "建筑节能改造项目", "城市燃气管网更新", "公共租赁住房运营", "市政道路维护经费", "海绵城市建设补助"], "居民"),
    ("生态环境局", ["生态环境局机关", "环境监测站", "大气污染防治中心", "环境监察支队"],
     ["大气污染防治专项", "水污染防治专项", "土壤污染防治项目", "农村环境综合整治", "重点排污单位监测",
      "生态环境执法能力建设", "饮用水水源地保护", "固体废物污染防治", "噪声污染防治", "生态文明示范创建"], "公众"),
    ("水利局", ["水利局机关", "水旱灾害防御中心", "河道管理所", "水土保持站"],
     ["山洪灾害防治项目", "小型水库除险加固", "农村饮水安全巩固", "中小河流治理工程", "水土保持综合治理",
      "灌区续建配套改造", "河长制工作经费", "防汛抗旱物资储备", "水资源监测能力建设", "农田水利设施维修"], "受益群众"),
    ("市场监督管理局", ["市场监管局机关", "食品检验检测中心", "计量检定测试所", "质量技术监督所"],
     ["食品安全抽检监测", "特种设备安全监察", "药品安全专项整治", "知识产权保护经费", "标准化战略实施",
      "计量器具强制检定", "消费者权益保护", "市场主体登记服务", "广告监测经费", "价格监督检查经费"], "群众"),
    ("农业农村局", ["农业农村局机关", "农业技术推广中心", "动物疫病预防控制中心", "农产品质量安全站"],
     ["高标准农田建设", "特色产业发展项目", "耕地地力保护补贴", "农机购置补贴", "动物疫病防控经费",
      "农产品质量安全监管", "农村人居环境整治", "新型农业经营主体培育", "种业振兴行动", "农业防灾减灾补助"], "农户"),
    ("人力资源和社会保障局", ["人社局机关", "就业服务中心", "社会保险服务中心", "劳动保障监察支队"],
     ["就业创业补贴资金", "职业技能提升行动", "城乡居民养老保险补助", "公益性岗位补贴", "高校毕业生就业见习",
      "农民工工资保障", "人才引进专项经费", "劳动人事争议仲裁", "社保经办能力建设", "创业担保贷款贴息"], "服务对象"),
    ("自然资源和规划局", ["自然资源局机关", "不动产登记中心", "国土空间规划研究中心", "地质灾害防治中心"],
     ["国土空间总体规划编制", "地质灾害综合治理", "耕地保护与占补平衡", "不动产登记信息化", "自然资源调查监测",
      "矿山生态修复工程", "测绘地理信息服务", "土地整治项目", "林长制工作经费", "永久基本农田保护"], "群众"),
    ("应急管理局", ["应急管理局机关", "应急救援指挥中心", "安全生产执法支队", "应急物资储备库"],
     ["安全生产监管执法", "应急救援队伍建设", "自然灾害救助资金", "应急物资储备补充", "防灾减灾宣传教育",
      "危险化学品安全治理", "森林防灭火经费", "应急指挥信息化", "非煤矿山安全整治", "灾害风险普查"], "群众"),
    ("公安局", ["公安局机关", "交通警察支队", "刑事侦查支队", "出入境管理支队"],
     ["智慧警务建设", "道路交通安全管理", "禁毒专项经费", "反电信诈骗宣传", "看守所运行保障", "警用装备购置",
      "社会治安防控体系", "户籍管理服务经费", "消防救援补助", "出入境服务经费"], "群众"),
    ("司法局", ["司法局机关", "公共法律服务中心", "社区矫正管理局", "法律援助中心"],
     ["法律援助经费", "人民调解工作经费", "社区矫正工作经费", "普法宣传教育", "公共法律服务平台运行",
      "行政复议工作经费", "法治政府建设", "律师行业监管", "安置帮教经费", "基层司法所建设"], "服务对象"),
    ("科学技术局", ["科技局机关", "科技创新服务中心", "生产力促进中心", "科技情报所"],
     ["科技创新引导资金", "高新技术企业培育", "科技特派员经费", "重点研发计划项目", "科普基础设施建设",
      "创新平台建设补助", "科技成果转化奖励", "科技金融风险补偿", "农业科技示范推广", "科技人才培养经费"], "企业"),
    ("工业和信息化局", ["工信局机关", "中小企业服务中心", "无线电管理站", "节能监察中心"],
     ["制造业高质量发展", "中小企业纾困资金", "工业企业技术改造", "数字经济发展专项", "节能降耗监察",
      "园区基础设施建设", "专精特新企业培育", "5G基站建设补助", "工业互联网平台", "产业链招商经费"], "企业"),
    ("体育局", ["体育局机关", "体育运动学校", "全民健身中心", "体育场馆管理中心"],
     ["全民健身工程", "青少年体育训练", "体育场馆免费开放", "社会体育指导员培训", "运动会组织经费",
      "体育彩票公益金项目", "农民体育健身工程", "体育赛事活动经费", "竞技体育后备人才", "健身步道建设"], "群众"),
    ("退役军人事务局", ["退役军人事务局机关", "退役军人服务中心", "军供站", "烈士陵园管理处"],
     ["退役军人就业创业扶持", "优抚对象抚恤补助", "烈士纪念设施维护", "军休服务管理经费", "退役士兵安置",
      "双拥工作经费", "退役军人培训经费", "光荣院运行经费", "军供保障经费", "关爱帮扶专项资金"], "退役军人"),
    ("医疗保障局", ["医保局机关", "医疗保障事务中心", "医保基金监管所", "医保信息中心"],
     ["城乡居民医保补助", "医疗救助资金", "医保基金监管经费", "医保信息化建设", "长期护理保险试点",
      "药品集中采购", "异地就医结算", "医保经办服务经费", "大病保险补助", "医保支付方式改革"], "参保群众"),
    ("林业局", ["林业局机关", "林业科学研究所", "国有林场", "森林病虫害防治站"],
     ["国土绿化行动", "森林资源管护", "林业有害生物防治", "湿地保护与恢复", "天然林保护工程",
      "油茶产业发展", "自然保护地建设", "古树名木保护", "林业碳汇项目", "生态护林员补助"], "林农"),
    ("城市管理局", ["城管局机关", "环境卫生管理处", "市政设施管理处", "园林绿化中心"],
     ["城市环境卫生保洁", "生活垃圾分类处理", "市政路灯维护", "城市园林绿化养护", "数字城管平台运行",
      "公厕建设与管理", "城市综合执法经费", "户外广告整治", "餐厨垃圾处理", "城市照明节能改造"], "市民"),
    ("商务局", ["商务局机关", "招商服务中心", "电子商务服务中心", "商务执法大队"],
     ["外贸发展专项资金", "电子商务进农村", "消费促进活动经费", "招商引资专项经费", "县域商业体系建设",
      "外资企业服务经费", "会展业发展补助", "市场保供稳价", "服务业集聚区建设", "口岸建设运行经费"], "企业"),
    ("发展和改革委员会", ["发改委机关", "价格认证中心", "重点项目服务中心", "粮食和物资储备中心"],
     ["重点项目前期工作经费", "以工代赈项目", "价格监测经费", "社会信用体系建设", "粮食储备补贴",
      "节能审查经费", "经济运行监测分析", "区域协调发展项目", "规划编制经费", "物资储备管理经费"], "服务对象"),
    ("市委组织部", ["组织部机关", "组织指导科", "干部教育培训中心", "党员电化教育中心"],
     ["城市基层党建工作经费", "干部教育培训经费", "村级组织运转经费", "党员教育管理", "人才发展专项资金",
      "基层党组织书记培训", "老干部活动经费", "远程教育平台维护", "驻村帮扶工作经费", "党建示范点创建"], "党员群众"),
    ("残疾人联合会", ["残联机关", "残疾人康复中心", "残疾人就业服务中心", "残疾人辅助器具中心"],
     ["残疾人康复救助", "残疾人就业扶持", "残疾人辅助器具适配", "残疾儿童康复救助", "残疾人家庭无障碍改造",
      "残疾人职业培训", "残疾人托养服务", "残疾人体育文化", "残疾人证办理经费", "助残志愿服务"], "残疾人"),
    ("妇女联合会", ["妇联机关", "妇女儿童活动中心", "家庭教育指导中心", "妇女维权服务站"],
     ["妇女创业就业扶持", "两癌免费筛查", "家庭教育指导服务", "妇女儿童维权经费", "巾帼建功活动",
      "留守儿童关爱服务", "最美家庭创建", "妇女干部培训", "儿童之家建设", "春蕾计划助学"], "妇女儿童"),
    ("总工会", ["总工会机关", "职工服务中心", "工人文化宫", "职工技协"],
     ["困难职工帮扶资金", "职工技能竞赛", "职工疗休养经费", "劳模慰问经费", "户外劳动者驿站建设",
      "职工法律援助", "职工文化活动", "农民工欠薪维权", "工会阵地建设", "金秋助学经费"], "职工"),
]

UNITS = ["个", "人", "人次", "户", "所", "家", "项", "次", "公里", "亩", "台", "批次", "场", "处", "套", "万人", "平方米"]
QUANTITY_WORDS = ["覆盖{o}人数", "培训人次", "建设完成数量", "开展活动场次", "检查检测批次", "受益{o}户数", "新建设施数量",
                  "维修改造面积", "补助对象数量", "发放补贴人次", "服务{o}人次", "购置设备数量", "宣传覆盖人次", "督导检查次数",
                  "验收项目数量", "完成任务数量"]
RATE_WORDS = ["验收合格率", "项目完成率", "资金使用合规率", "数据准确率", "问题整改率", "设备完好率", "档案规范率",
              "考核合格率", "达标率", "覆盖率", "信息公开率", "政策知晓率"]
TIME_WORDS = ["项目完成时间", "资金拨付及时率", "任务完成及时性", "提交报告及时性", "补助发放时间", "工程完工时间"]
COST_WORDS = ["项目总成本", "单位建设成本", "人均补助标准", "生均补助成本", "每批次平均成本", "户均补助标准"]
ECON_WORDS = ["带动{o}增收", "节约财政资金", "带动社会投资", "产值增长"]
SOCIAL_QUANT = ["受益{o}人数", "服务{o}覆盖人数", "解决就业人数"]
SOCIAL_QUAL = ["{o}生活水平改善", "公共服务能力提升", "社会治理水平", "对维护市场公平的影响程度", "群众获得感",
               "社会安全稳定", "基层服务能力"]
ECO_WORDS = ["生态环境改善", "节能减排效果", "绿化覆盖率", "污染物排放达标率"]
SUSTAIN_WORDS = ["长效管理机制", "设施使用年限", "持续运行机制", "制度建设完善程度", "后续运营保障"]
QUAL_TARGETS = ["显著提升", "效果明显", "有效提升", "持续改善", "严格执行相关制度规定", "建立并有效运行", "长期有效",
                "稳步提高", "明显改善"]
QUAL_ACTUALS = ["达成预期指标", "达成年度指标", "效果明显", "显著提升", "已达成", "有效提升"]
REASONS = ["部分项目受天气影响进度滞后，已督促加快实施", "个别单位资金拨付延迟，已约谈整改", "受疫情影响部分活动未能开展，次年补办",
           "部分工程尚未完成结算审计，尾款次年支付", "实际需求低于预期，结余资金已收回"]
BUDGET_REASONS = ["部分资金因项目延期结转下年使用，结余资金已按规定收回", "资金拨付进度滞后，剩余资金结转下年"]
INSTRUCTIONS = [["填表说明"], ["1. 每个项目填写一张自评表，一个工作表一个项目。"], ["2. 金额单位为万元，保留两位小数。"],
                ["3. 得分低于分值的，须在“偏差原因分析及改进措施”中说明原因。"]]
MISTAKES = ("inflated", "wrong-total", "copied", "funds-parts", "over-weight")
OUT, BEN, SAT = "产出指标", "效益指标", "满意度指标"


def _num(x: float) -> str:
    """A number as a clerk types it: no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass
class Habits:
    """One clerk's way of filling in forms: the same across a department's workbook."""
    score_text: bool  # "10分" instead of 10
    amount_text: bool  # "　200" instead of 200
    row_offset: int
    col_offset: int
    annex: bool
    merge_groups: bool
    instructions: bool
    legacy: bool  # hunan-legacy layout: 满意度 under 效益, (NN分) in the group labels, 效益 40
    yuan: bool  # amounts in 元
    star: bool  # ★ on key indicators
    jis: bool  # ≧ instead of ≥


def habits(rng: random.Random) -> Habits:
    return Habits(score_text=rng.random() < 0.25, amount_text=rng.random() < 0.15,
                  row_offset=rng.choice([0, 0, 0, 1, 2]), col_offset=rng.choice([0, 0, 0, 0, 1]),
                  annex=rng.random() < 0.7, merge_groups=rng.random() < 0.85, instructions=rng.random() < 0.2,
                  legacy=rng.random() < 0.1, yuan=rng.random() < 0.02, star=rng.random() < 0.1,
                  jis=rng.random() < 0.1)


def split(total: int, n: int, rng: random.Random) -> list[int]:
    """`total` points over n indicators, integers, each at least 1, roughly even."""
    base = [total // n] * n
    for i in rng.sample(range(n), total - sum(base)):
        base[i] += 1
    return base


def level2_plan(n: int, rng: random.Random, legacy: bool) -> list[tuple[str, str]]:
    """(一级, 二级) for n indicators, in form order."""
    sat = 1 if n < 20 else 2
    ben = max(3, round((n - sat) * rng.uniform(0.3, 0.4)))
    out = n - sat - ben
    counts_out = {"数量指标": 0, "质量指标": 0, "时效指标": 0, "成本指标": 0}
    for i in range(out):  # at least one of each, quantity the most
        key = ("数量指标", "质量指标", "时效指标", "成本指标")[i] if i < 4 else \
            rng.choice(["数量指标", "数量指标", "数量指标", "质量指标", "质量指标", "时效指标", "成本指标"])
        counts_out[key] += 1
    kinds_ben = ["社会效益指标", "可持续影响指标", *rng.sample(["经济效益指标", "生态效益指标"], rng.randint(0, 2))]
    counts_ben = dict.fromkeys(kinds_ben, 0)
    for i in range(ben):
        key = kinds_ben[i] if i < len(kinds_ben) else rng.choice(["社会效益指标", "社会效益指标", *kinds_ben])
        counts_ben[key] += 1
    order_ben = [k for k in ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标") if counts_ben.get(k)]
    plan = [(OUT, k) for k, c in counts_out.items() for _ in range(c)]
    plan += [(BEN, k) for k in order_ben for _ in range(counts_ben[k])]
    plan += [(BEN if legacy else SAT, "服务对象满意度指标")] * sat
    return plan


def indicator(level2: str, rng: random.Random, h: Habits, ctx: dict[str, Any]) -> tuple[str, str, str, str]:
    """(name, target, actual, kind) as a clerk types them; kind is quantity|rate|date|cost|qual."""
    o = ctx["object"]
    ge = "≧" if h.jis else "≥"
    if level2 == "数量指标":
        unit = rng.choice(UNITS)
        n = rng.choice([rng.randint(2, 60), rng.randint(50, 5000), round(rng.uniform(1, 30), 1)])
        name = rng.choice(QUANTITY_WORDS).format(o=o)
        form = rng.random()
        target = (f"{ge}{_num(n)}{unit}" if form < 0.6 else f"={_num(n)}{unit}" if form < 0.7 else
                  f"不低于{_num(n)}{unit}" if form < 0.8 else f"{_num(n)}{unit}")
        got = n if rng.random() < 0.6 else n * rng.uniform(1.0, 1.2)
        got = round(got) if float(n).is_integer() else round(got, 1)
        actual = _num(got) if rng.random() < 0.3 else f"{_num(got)}{unit}"  # §4: "50" for ≥50个
        return name, target, actual, "quantity"
    if level2 == "质量指标":
        name = rng.choice(RATE_WORDS)
        p = rng.choice([90, 95, 98, 100, 100, 100])
        target = rng.choice([f"{ge}{p}%", f"{p}%", f"{p}", f"═{p}%" if p == 100 else f"{ge}{p}%",
                             "≥100百分比" if p == 100 else f"不低于{p}%"])
        got = 100 if p == 100 else rng.choice([p, round(rng.uniform(p, 100), 1)])
        actual = _num(got) if target[-1].isdigit() else f"{_num(got)}%"
        return name, target, actual, "rate"
    if level2 == "时效指标":
        name = rng.choice(TIME_WORDS)
        if "率" in name:
            return name, rng.choice(["100%", f"{ge}100%", "≥95%"]), "100%", "rate"
        month = rng.choice([6, 9, 10, 11, 12, 12, 12])
        done = rng.randint(max(1, month - 2), month)
        forms = [(f"{YEAR}年{month}月", f"{YEAR}年{done}月"), (f"{YEAR}年{month}月完成", f"{YEAR}年{done}月完成"),
                 ("在项目计划完成时间内完成", "达成预期指标"), ("年底前完成", "按时完成")]
        target, actual = rng.choice(forms)
        return name, target, actual, "date"
    if level2 == "成本指标":
        name = rng.choice(COST_WORDS)
        if name == "项目总成本":  # §4: ≤90万元 against the budget
            b = ctx["budget"]
            return name, f"≤{_num(b)}万元", _num(ctx["executed"]) if rng.random() < 0.5 else f"{_num(ctx['executed'])}万元", "cost"
        unit = rng.choice(["元/人", "万元/个", "元/户", "元", "万元"])
        x = rng.choice([rng.randint(100, 5000), round(rng.uniform(1, 50), 1)])
        got = round(x * rng.uniform(0.85, 1.0), 1)
        return name, f"≤{_num(x)}{unit}", f"{_num(got)}{unit}", "cost"
    if level2 == "经济效益指标":
        x = round(rng.uniform(1, 500), rng.choice([0, 1, 3]))
        return rng.choice(ECON_WORDS).format(o=o), f"{ge}{_num(x)}万元", f"{_num(round(x * rng.uniform(1, 1.15), 2))}万元", "quantity"
    if level2 in ("社会效益指标", "生态效益指标", "可持续影响指标"):
        words = {"社会效益指标": SOCIAL_QUAL, "生态效益指标": ECO_WORDS, "可持续影响指标": SUSTAIN_WORDS}[level2]
        r = rng.random()
        if level2 == "社会效益指标" and r < 0.35:
            n = rng.randint(100, 20000)
            return rng.choice(SOCIAL_QUANT).format(o=o), f"{ge}{n}人", f"{round(n * rng.uniform(1, 1.1))}人", "quantity"
        if level2 == "可持续影响指标" and r < 0.3:
            n = rng.choice([3, 5, 10, 15, 20])
            return "设施使用年限", f"{ge}{n}年", f"{n}年", "quantity"
        if level2 == "生态效益指标" and r < 0.4:
            p = rng.choice([40, 60, 85, 95])
            return rng.choice(["绿化覆盖率", "污染物排放达标率"]), f"{ge}{p}%", f"{_num(round(rng.uniform(p, min(100, p * 1.1)), 1))}%", "rate"
        return rng.choice(words).format(o=o), rng.choice(QUAL_TARGETS), rng.choice(QUAL_ACTUALS), "qual"
    # 服务对象满意度指标
    p = rng.choice([85, 90, 90, 95])
    return f"{o}满意度", rng.choice([f"{ge}{p}%", f"{p}%", f"不低于{p}%"]), f"{_num(round(rng.uniform(p, 99), 1))}%", "rate"


def make_form(rng: random.Random, h: Habits, dept: str, unit: str, name: str, obj: str,
              mistake: str | None) -> FormSpec:
    budget = round(math.exp(rng.uniform(math.log(5), math.log(3000))), 2)
    low = rng.random() < 0.1
    rate = rng.uniform(0.7, 0.9) if low else rng.choice([1.0, 1.0, rng.uniform(0.9, 1.0)])
    executed = round(budget * rate, 2)
    rate = executed / budget
    ctx = {"object": obj, "budget": budget, "executed": executed}
    n = rng.randint(15, 25)
    plan = level2_plan(n, rng, h.legacy)
    level1_points = {OUT: 50, BEN: 40 if h.legacy else 30, SAT: 10}
    weights: list[int] = []
    for l1 in (OUT, BEN, SAT):
        idx = [i for i, (a, _) in enumerate(plan) if a == l1]
        if idx:
            weights += split(level1_points[l1], len(idx), rng)
    rows: list[list[Any]] = []  # [l1, l2, name, target, actual, weight, score, reason]
    names_used: set[str] = set()
    for (l1, l2), w in zip(plan, weights, strict=True):
        iname, target, actual, kind = indicator(l2, rng, h, ctx)
        k = 2
        while iname in names_used:
            iname, k = f"{iname.split('（')[0]}（{k}）", k + 1
        names_used.add(iname)
        rows.append([l1, l2, iname, target, actual, w, float(w), None, kind])
    # an honest partial miss now and then: a quantity 90% done, scored B/A × 分值, with a reason
    if rng.random() < 0.15:
        cands = [r for r in rows if r[8] == "quantity" and r[3][0] in "≥≧" and r[5] >= 2]
        if cands:
            r = rng.choice(cands)
            a = float("".join(ch for ch in r[3][1:] if ch.isdigit() or ch == ".") or 0)
            if a >= 10:
                got = round(a * 0.9)
                unit = r[3][1:].lstrip("0123456789.")
                r[4], r[6], r[7] = f"{got}{unit}", round(r[5] * got / a, 2), rng.choice(REASONS)
    if low:  # 执行率 below 90%: explained on the last row, as forms do
        rows[-1][7] = rng.choice(BUDGET_REASONS)
    if h.star:
        rows[0][2] = "★" + rows[0][2]
    if mistake == "inflated":  # §3: actual below target, full score anyway
        cands = [r for r in rows if r[8] == "quantity" and r[3][0] in "≥≧" and r[6] == r[5]]
        if cands:
            r = rng.choice(cands)
            a = float("".join(ch for ch in r[3][1:] if ch.isdigit() or ch == ".") or 0)
            unit = r[3][1:].lstrip("0123456789.")
            r[4] = f"{_num(round(a * rng.uniform(0.6, 0.85), 1))}{unit}"
    elif mistake == "copied":  # §3: every actual copied from its target
        for r in rows:
            r[4] = r[3]
    elif mistake == "over-weight":
        r = rng.choice(rows)
        r[6] = r[5] + rng.choice([1, 2, 5])
    exec_score = round(min(rate, 1) * 10, 2)
    total = round(exec_score + sum(r[6] for r in rows), 2)
    if mistake == "wrong-total":
        total = round(total + rng.choice([-6, -3, 2, 3, 5]), 2)
    total = min(total, 100) if mistake != "over-weight" else total
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"

    if h.legacy:  # (NN分) on the group labels
        sums: dict[tuple[str, str], float] = {}
        for r in rows:
            sums[(r[0], r[1])] = sums.get((r[0], r[1]), 0) + r[5]
        l1sum = {l1: sum(v for (a, _), v in sums.items() if a == l1) for l1 in (OUT, BEN)}
        for r in rows:
            key = (r[0], r[1])
            r[1] = f"{r[1]}（{_num(sums[key])}分）"
            r[0] = f"{r[0]}\n\n({_num(l1sum[key[0]])}分)"

    def score(x: float) -> Any:
        return f"{_num(x)}分" if h.score_text else x

    scale = 10_000 if h.yuan else 1

    def money(x: float) -> Any:
        v = round(x * scale, 2)
        return f"　{_num(v)}" if h.amount_text else v

    carry = round(budget * rng.choice([0, 0, 0, 0.1, 0.25]), 2)
    other = round(budget * rng.choice([0, 0, 0, 0, 0.05]), 2)
    current = round(budget - carry - other, 2)
    spent = [round(executed * p / budget, 2) for p in (carry, other)]
    spent = [round(executed - sum(spent), 2), *spent]
    initial = budget if rng.random() < 0.8 else round(budget * rng.uniform(0.8, 1.0), 2)
    init_parts = [round(initial * p / budget, 2) for p in (carry, other)]
    init_parts = [round(initial - sum(init_parts), 2), *init_parts]
    if mistake == "funds-parts":  # §3: 年度资金总额 is not the sum of its parts
        current = round(current + rng.choice([10, 50, 100]), 2)
    funds = {
        "total": (money(initial), money(budget), money(executed), 10, f"{rate:.1%}", exec_score),
        "current": (money(init_parts[0]), money(current), money(spent[0]), None, None, None),
        "carryover": (money(init_parts[1]), money(carry), money(spent[1]), None, None, None),
        "other": (money(init_parts[2]), money(other), money(spent[2]), None, None, None),
    }
    return FormSpec(
        name=name, department=dept, unit=unit, title=f"{YEAR}年度项目支出绩效自评表",
        annex=" 附件" if h.annex else None, funds_label="项目资金\n（元）" if h.yuan else "项目资金\n（万元）",
        funds=funds,
        goal_expected=f"按计划实施{name}，{rows[0][2].lstrip('★')}{rows[0][3]}，{rows[-1][2]}{rows[-1][3]}。",
        goal_actual=f"{name}已按计划实施，{rows[0][2].lstrip('★')}{rows[0][4]}，主要绩效指标基本完成。",
        rows=[Row(r[0], r[1], r[2], r[3], r[4], score(r[5]), score(r[6]), r[7]) for r in rows],
        total_weight="100分" if h.score_text else 100, total_score=score(total), grade=grade,
        row_offset=h.row_offset, col_offset=h.col_offset, merge_groups=h.merge_groups,
    )


def workbook_plan(corpus: Corpus, i: int) -> tuple[str, str, str, list[str], str, int]:
    """(file name, 主管部门, 实施单位, project names, served people, city index) of workbook i."""
    d = DEPARTMENTS[i % len(DEPARTMENTS)]
    k = i // len(DEPARTMENTS)  # how many workbooks this department already sent
    if corpus.province:
        city = CITIES[k % len(CITIES)]
        dept = f"{city}{d[0]}" if city != "省" else f"省{d[0]}"
        unit_no = k // len(CITIES)
    else:
        city, dept, unit_no = "市", f"市{d[0]}", k
    base_unit = d[1][unit_no % len(d[1])]
    unit = base_unit if unit_no < len(d[1]) else f"{base_unit}第{unit_no // len(d[1]) + 1}分中心"
    prefix = "" if unit_no == 0 else unit.replace(d[0].replace("委员会", "委"), "")[:6]
    names = [f"{prefix}{t}" for t in d[2]][: corpus.projects]
    while len(names) < corpus.projects:
        names.append(f"{prefix}{d[2][len(names) % len(d[2])]}（{len(names) // len(d[2]) + 1}）")
    return f"{i + 1:04d}_{dept}_{unit}_{YEAR}年度绩效自评表.xlsx", dept, unit, names, d[3], CITIES.index(city) if city in CITIES else -1


def build_workbook(args: tuple[str, int, str]) -> dict[str, Any]:
    corpus_name, i, out = args
    corpus = CORPORA[corpus_name]
    rng = random.Random(f"{SEED}:{corpus.seed_name or corpus_name}:{i}")
    h = habits(rng)
    file_name, dept, unit, names, obj, _ = workbook_plan(corpus, i)
    sheets: list[tuple[str, Any]] = [("填表说明", INSTRUCTIONS)] if h.instructions else []
    mistakes: dict[str, int] = {}
    for j, name in enumerate(names):
        mistake = rng.choice(MISTAKES) if rng.random() < corpus.mistake_rate else None
        if mistake:
            mistakes[mistake] = mistakes.get(mistake, 0) + 1
        spec = make_form(rng, h, dept, unit, name, obj, mistake)
        sheet = f"{j + 1}.{name}"[:31] if rng.random() < 0.5 or j else name[:31]
        sheets.append((sheet, spec))
    write_workbook(Path(out) / file_name, sheets)
    return {"file": file_name, "forms": len(names), "mistakes": mistakes,
            "indicators": sum(len(s.rows) for _, s in sheets if isinstance(s, FormSpec))}


def _fingerprint(corpus: Corpus) -> dict[str, Any]:
    builder = hashlib.sha256((ROOT / "tests" / "formbuilder.py").read_bytes()).hexdigest()[:16]
    rate = {} if corpus.mistake_rate == Corpus.mistake_rate else {"mistake_rate": corpus.mistake_rate}
    return {"generator_version": GENERATOR_VERSION, "seed": SEED, "workbooks": corpus.workbooks,
            "projects": corpus.projects, "formbuilder": builder, **rate}


def ensure_corpus(name: str, *, jobs: int | None = None, quiet: bool = False) -> Path:
    """The folder of forms of corpus `name`, generated unless a matching one is cached. Returns forms/."""
    corpus = CORPORA[name]
    home = CORPUS_DIR / name
    forms = home / "forms"
    manifest = home / "manifest.json"
    want = _fingerprint(corpus)
    if manifest.exists() and forms.is_dir():
        have = json.loads(manifest.read_text(encoding="utf-8"))
        if have.get("fingerprint") == want and len(list(forms.iterdir())) == corpus.workbooks:
            if not quiet:
                print(f"corpus {name}: cached ({corpus.workbooks} workbooks, {have['forms']} forms) in {forms}")
            return forms
    if home.exists():
        shutil.rmtree(home)
    forms.mkdir(parents=True)
    t0 = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    with Pool(jobs) as pool:
        done = pool.map(build_workbook, [(name, i, str(forms)) for i in range(corpus.workbooks)], chunksize=10)
    mistakes: dict[str, int] = {}
    for d in done:
        for k, v in d["mistakes"].items():
            mistakes[k] = mistakes.get(k, 0) + v
    info = {"fingerprint": want, "forms": sum(d["forms"] for d in done),
            "indicators": sum(d["indicators"] for d in done), "mistakes": dict(sorted(mistakes.items())),
            "bytes": sum(p.stat().st_size for p in forms.iterdir()),
            "seconds": round(time.perf_counter() - t0, 1), "jobs": jobs}
    manifest.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    if not quiet:
        print(f"corpus {name}: generated {corpus.workbooks} workbooks, {info['forms']} forms, "
              f"{info['indicators']} indicators, {info['bytes'] / 1e6:.1f} MB in {info['seconds']} s "
              f"({jobs} processes); planted mistakes {info['mistakes']}")
    return forms


def main(argv: list[str]) -> None:
    for name in argv or list(CORPORA):
        if name not in CORPORA:
            raise SystemExit(f"unknown corpus {name!r}; choose from {', '.join(CORPORA)}")
        ensure_corpus(name)


if __name__ == "__main__":
    main(sys.argv[1:])
