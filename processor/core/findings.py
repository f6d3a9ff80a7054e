"""The catalogue of finding codes. Codes are stable: reports, ledgers and user profiles refer to them.

A finding is data, never an exception: the reader and the reviewer collect every finding of a file
in one pass, so a department learns about all of its mistakes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from processor.core.model import SEVERITY_ZH, FileResult, Finding, Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str
    message: str  # str.format template; every placeholder is filled by the caller
    hint: str
    example: str
    stage: str = "review"  # "read": the reader's findings; "review": the review engine's; "report": the Word report's;
    # "history": comparing a project with its earlier years


_READ_RULES = [
    # -- the file itself (the file is rejected) -------------------------------------------------
    Rule("file-empty", E, "空文件", "文件为空（0 字节），没有任何内容。",
         "请重新导出或重新复制该工作簿后再提交。", "0 字节的 自评表.xlsx"),
    Rule("file-not-workbook", E, "不是工作簿",
         "文件不是 Excel/WPS/ODS 工作簿（按文件内容识别为：{detected}）。",
         "请用 Excel 或 WPS 打开自评表，另存为 .xlsx 后重新提交。", "改名为 .xlsx 的 PDF"),
    Rule("file-web-export", E, "网页或 XML 格式冒充工作簿",
         "文件内容是{detected}，只是扩展名为 {ext}，不是真正的 Excel 工作簿。",
         "请用 Excel 或 WPS 打开该文件，选择“另存为”→“Excel 工作簿 (*.xlsx)”后重新提交。",
         "网上导出的 .xls（实为 HTML）"),
    Rule("file-damaged", E, "文件损坏或不完整", "文件已损坏或不完整，无法读取（{detail}）。",
         "请从原电脑重新保存并完整上传该文件。", "传输中被截断的 .xlsx"),
    Rule("file-encrypted", E, "工作簿有打开密码", "工作簿设置了打开密码（已加密），无法读取内容。",
         "请在 Excel/WPS 中取消“用密码进行加密”，另存一份不加密的副本后重新提交。", "加密的 .xlsx"),
    Rule("file-unreadable", E, "无法读取文件", "无法读取文件（{detail}）。",
         "请检查文件权限或是否被其他程序占用，然后重新提交。", "权限不足"),
    Rule("file-over-size-cap", E, "文件超过大小上限",
         "文件大小 {size} MB，超过处理上限 {limit} MB，未读取。"
         "（处理方如确需审核，可用 selfeval 的 --max-file-mb 选项或 selfeval.toml 的 [review] max_file_mb 提高上限。）",
         "自评表通常只有几十 KB：请删除工作簿中的图片、附件和多余的工作表，或把自评表复制到新工作簿，"
         "另存为 .xlsx 后重新提交。",
         "60 MB 的 .xlsx（插入了大量扫描图片）"),
    # -- hostile or oversized containers (processor/read/guard.py; the file is rejected) -----------------
    Rule("file-too-large", E, "工作簿解压后过大",
         "工作簿解压后共 {size} MB（文件本身 {packed} MB），超过处理上限 {limit} MB，未打开。",
         "自评表通常只有几十 KB：请删除多余的工作表、图片和远处误填的内容，或把自评表复制到新工作簿，另存为 .xlsx 后重新提交。",
         "解压后 300 MB 的 .xlsx"),
    Rule("file-too-many-parts", E, "工作簿内部部件过多",
         "工作簿压缩包内有 {count} 个部件，超过处理上限 {limit} 个，未打开。",
         "请把自评表复制到新工作簿（不带图片、批注等附加内容），另存为 .xlsx 后重新提交。",
         "含 20,000 个部件的 .xlsx"),
    Rule("file-bomb", E, "疑似压缩炸弹",
         "工作簿中的“{member}”压缩后只有 {packed} MB，解压后声明为 {size} MB（压缩比约 {ratio}:1，上限 {limit}:1），"
         "疑似“压缩炸弹”，为安全起见未打开。",
         "正常的自评表不会这样：请用 Excel 或 WPS 重新保存一份正常的工作簿（.xlsx）后提交；来源不明的文件请勿打开。",
         "1 MB 解压为 1,536 MB 的 sheet1.xml"),
    Rule("file-size-forged", E, "压缩包大小信息不实",
         "工作簿中的“{member}”声明解压后为 {declared} MB，实际解压后已达 {actual}：压缩包的大小信息是伪造或损坏的，"
         "为安全起见未打开。",
         "请用 Excel 或 WPS 重新保存一份正常的工作簿（.xlsx）后提交；来源不明的文件请勿打开。",
         "声明 0.01 MB，实际 200 MB 以上"),
    Rule("file-xml-dtd", E, "含 XML 实体声明",
         "工作簿中的“{member}”含有 XML 文档类型或实体声明（{what}），正常的 Excel/WPS 文件从不包含这种内容，"
         "为安全起见未打开。",
         "请在 Excel 或 WPS 中打开该文件，“另存为”新的 .xlsx 后重新提交；来源不明的文件请勿打开。",
         "sharedStrings.xml 中声明了 ENTITY（“十亿笑”攻击）"),
    Rule("file-sheet-too-large", E, "工作表过大，文件无法读取",
         "工作表“{name}”的数据区域达 {rows} 行 × {cols} 列（A1:{corner}，共 {cells} 个单元格），"
         "超过处理上限（{limit}）；{why}，整个文件未读取。",
         "通常是表格远处误填了内容（按 Ctrl+End 可定位到最后一个单元格）：请删除自评表以外的行和列，"
         "或把自评表复制到新工作簿，另存为 .xlsx 后重新提交。",
         "XFD1048576 误填了一个空格"),
    Rule("file-cells-too-many", E, "工作簿单元格总数过多",
         "工作簿 {sheets} 张工作表合计 {cells} 个单元格，超过处理上限 {limit} 个，文件未读取。",
         "请只保留自评表所在的工作表（或把自评表复制到新工作簿），另存为 .xlsx 后重新提交。",
         "300 张各 5 万单元格的工作表"),
    Rule("internal-error", E, "处理文件时程序出错",
         "处理此文件时程序内部出错（{detail}），本文件未能审核；其他文件不受影响。",
         "请将此文件发给系统管理员排查；部门可先检查文件是否能在 Excel/WPS 中正常打开。", "未预料的表格结构"),
    Rule("sheet-too-large", W, "跳过过大的工作表",
         "工作表“{name}”的数据区域达 {rows} 行 × {cols} 列（A1:{corner}，共 {cells} 个单元格），"
         "超过处理上限（{limit}），已跳过该工作表，其中内容未审核。",
         "通常是表格远处误填了内容（按 Ctrl+End 可定位到最后一个单元格）：如该表是自评表，请删除表格以外的行和列后重新提交。",
         "XFD1048576 误填了一个空格"),
    Rule("hidden-form-skipped", N, "跳过隐藏工作表中的自评表",
         "隐藏的工作表“{value}”中也有一张自评表，已按未提交处理（只审核可见工作表）。",
         "如该表也需提交，请在 Excel/WPS 中取消隐藏该工作表；如是旧表，可删除。", "隐藏的“2020模板”"),
    Rule("no-form", E, "未找到自评表",
         "工作簿中没有找到完整的项目支出绩效自评表（已检查工作表：{sheets}）。找到的表头：{found}；"
         "自评表应有：项目名称，项目资金（年度资金总额、全年预算数、全年执行数）或绩效指标（三级指标、年度指标值、实际完成值）。",
         "请确认提交的是《项目支出绩效自评表》。如果这确是自评表、只是表头写法不同，请把上面“找到的表头”告诉系统管理员："
         "可在标签文件中补充写法（selfeval check --labels）。",
         "只有填表说明的工作簿"),
    Rule("not-a-selfeval-form", E, "不是项目支出绩效自评表",
         "这是{kind}，不是项目支出绩效自评表{note}（工作表：{sheets}）。",
         "请提交该项目的《项目支出绩效自评表》（含年度指标值、实际完成值、分值和得分）。", "提交了绩效目标申报表"),
    # -- required parts of a form (the file is returned) ----------------------------------------
    Rule("missing-project-name", E, "项目名称未填写", "“项目名称”未填写。",
         "请在“项目名称”右侧单元格填写项目全称。", "项目名称 | （空）"),
    Rule("missing-department", E, "主管部门未填写", "“主管部门”未填写。",
         "请在“主管部门”右侧单元格填写主管部门名称。", "主管部门 | （空）"),
    Rule("missing-funds-row", E, "缺少年度资金总额行",
         "找不到“年度资金总额”行及其预算数、执行数。",
         "请按自评表格式填写“项目资金”部分，包括“年度资金总额”行的全年预算数和全年执行数。",
         "删去了项目资金部分的表"),
    Rule("missing-funds-value", E, "年度资金总额缺少金额", "“年度资金总额”行的“{field}”为空。",
         "请在该单元格填写金额（单位与表头一致，通常为万元）；如是公式，请在 Excel/WPS 中打开并保存一次，使计算结果保存在文件中。",
         "全年预算数 为空"),
    Rule("no-indicators", E, "绩效指标未填写", "绩效指标未填写：指标表头下没有任何指标行，本项目无法评分、不评等级。",
         "请在绩效指标表中逐行填写三级指标的年度指标值、实际完成值、分值和得分。", "表头之后直接是“总分 0”"),
    Rule("missing-indicator-table", E, "缺少绩效指标表",
         "找不到绩效指标表（应有“三级指标”“年度指标值”“实际完成值”“分值”“得分”等表头）。",
         "请按自评表格式填写绩效指标部分，每个三级指标一行。", "删去了绩效指标部分的表"),
    Rule("missing-score", E, "得分未填写", "“{name}”分值为 {weight}，但得分为空。",
         "请填写该指标的自评得分；如得分是公式，请在 Excel/WPS 中打开文件并保存一次，使计算结果保存在文件中。",
         "分值 10 | 得分（空）"),
    Rule("cell-error", E, "单元格为公式错误", "“{field}”单元格是公式错误 {value}，无法读取数值（不是未填写）。",
         "请在 Excel/WPS 中检查该单元格的公式：#REF! 多为引用的行或列被删除，#DIV/0! 为除以 0，#N/A 为查找不到；"
         "改正后保存并重新提交。", "分值 为 #REF!"),
    Rule("number-unreadable", W, "数字无法识别", "“{field}”的值“{value}”不是可识别的数字。",
         "请填写阿拉伯数字，例如 10 或 10分、95%。", "分值 填为“十分”"),
    # -- notes ------------------------------------------------------------------------------------
    Rule("weights-not-printed", N, "表中未列分值", "本表{detail}。",
         "无需处理；如需按规则复核每个指标的得分，请使用列有“分值”的自评表。", "只有“得分”列的湖北表样"),
    Rule("other-form-skipped", N, "跳过非自评表的工作表", "工作表“{value}”是{kind}，不是自评表，未作为项目读取。",
         "无需处理。", "中央系统导出的执行监控表"),
    Rule("funds-total-zero", E, "年度资金总额填为 0",
         "“年度资金总额”的{field}填为 0，但各分项合计为 {value} 万元：已按分项合计计算。",
         "请在年度资金总额行填写各分项的合计数。", "总额 0，当年财政拨款 200"),
    Rule("placeholder-row-skipped", N, "跳过空白模板行", "指标行“{value}”是未填写的模板占位行，已跳过。",
         "如不需要该行，可直接删除；如需要，请填写指标名称、指标值、完成值、分值和得分。", "指标1："),
    Rule("money-unit-converted", N, "金额单位换算",
         "表头金额单位为“元”，已将资金金额除以 10000 换算为万元（例如 {value} 元 = {converted} 万元）。",
         "无需处理；如单位标错，请将表头改为“（万元）”。", "项目资金（元）"),
    Rule("value-computed", N, "空白计算单元格已按公式计算",
         "“{field}”为空（可能是程序生成的文件中未保存计算结果的公式），已按表内定义计算为 {value}。",
         "请在 Excel/WPS 中打开并保存一次，或直接填写该值。", "执行率 为空"),
    Rule("template-outdated", W, "使用了旧版模板",
         "本表是在第 {value} 版官方自评表模板上填写的，当前模板为第 {current} 版（表样、公式或填表说明可能已更新）。",
         "请下载当前版本的官方自评表模板，将本表内容转填到新模板后重新提交。",
         "第 1 版模板，当前第 2 版"),
    Rule("year-missing", N, "未能确定年度", "未能从标题、工作表名或文件名中确定评价年度。",
         "请在表头标题中写明年度，例如“（2021年度）”。", "标题缺少年度"),
]

_RULES = [
    # -- 项目资金 ------------------------------------------------------------------------------------
    Rule("funds-sum-mismatch", E, "资金总额与分项之和不符",
         "“年度资金总额”的{field} {value} 万元 ≠ {parts}之和 {expected} 万元。",
         "请核对资金来源各分项，使年度资金总额等于各分项之和。", "总额 200 ≠ 150 + 30 + 0"),
    Rule("budget-zero-with-spending", E, "预算为 0 却有支出",
         "全年预算数为 {value}，全年执行数却为 {executed} 万元。",
         "请填写调整后的全年预算数；如确无预算，支出不应计入本项目。", "预算 0、执行 12"),
    Rule("executed-over-budget", W, "执行数超过预算数", "全年执行数 {value} 万元超过全年预算数 {budget} 万元。",
         "请核对执行数；如确有超支，请在偏差原因中说明资金来源和原因。", "执行 210 > 预算 200"),
    Rule("rate-miscomputed", E, "执行率计算错误",
         "执行率填为 {value}，按 全年执行数 ÷ 全年预算数 应为 {expected}。",
         "执行率 = 全年执行数(B) ÷ 全年预算数(A)，请按此重新计算（注意不是年初预算数）。", "填 100%，应为 86%"),
    Rule("budget-score-miscomputed", E, "预算执行率得分计算错误",
         "预算执行率得分填为 {value}，按 执行率 {rate} × 分值 {weight} 应为 {expected}。",
         "预算执行率得分 = min(执行率, 100%) × 分值，请重新计算。", "执行率 86% 得 10 分"),
    Rule("low-execution-unexplained", W, "执行率偏低未说明原因",
         "预算执行率 {value} 低于 {threshold}，但表中没有说明原因。",
         "请在偏差原因分析中说明资金未执行的原因和改进措施。", "执行率 65.6%，无说明"),
    # -- 指标得分 ------------------------------------------------------------------------------------
    Rule("score-inflated", E, "自评分虚高",
         "指标“{name}”：年度指标值 {target}，实际完成值 {actual}，分值 {weight}，自评 {value} 分，"
         "按{method}应得 {expected} 分。",
         "请按评分规则重新打分：未完成指标值的，按完成比例计分；如另有依据，请在偏差原因中说明。",
         "≥4754 → 4604，自评 5/5"),
    Rule("score-above-weight", E, "得分超过分值", "“{name}”得分 {value} 超过分值 {weight}。",
         "得分不能超过该项分值，请改正。", "分值 10，得分 12"),
    Rule("not-graded", N, "未评定复核等级", "未评定复核等级：{why}。",
         "请按提示改正后重新提交；改正后将重新计算总分和等级。", "分值合计 266"),
    Rule("weights-not-100", E, "分值合计不等于 100",
         "各指标分值 {indicators}{budget}合计 {value}，不等于 100。",
         "请调整各指标分值，使其与预算执行率分值合计为 100 分。", "合计 105"),
    Rule("group-weight-mismatch", W, "指标分值与标注分值不符",
         "“{name}”标注为 {declared} 分，但其下各三级指标分值合计 {value} 分。",
         "请使三级指标分值之和等于一级/二级指标标注的分值，或改正标注。", "产出指标(50分) 下合计 60"),
    Rule("total-mismatch", E, "总分计算错误", "总分填为 {value}，但各项得分合计为 {expected}。",
         "总分 = 预算执行率得分 + 各三级指标得分之和，请重新合计。", "填 99，合计 97"),
    Rule("grade-mismatch", E, "自评等级与总分不符", "自评等级填为“{value}”，但总分 {total} 对应等级为“{expected}”。",
         "等级：90（含）以上为优，80（含）–90 为良，60（含）–80 为中，60 以下为差。请改正。", "总分 85 填“优”"),
    # -- 说明 ------------------------------------------------------------------------------------------
    Rule("reason-missing", W, "扣分未说明原因", "“{name}”得分 {value} 低于分值 {weight}，但没有说明偏差原因{filler}。",
         "请在“偏差原因分析及改进措施”中写明未完成的原因和改进措施（“无”“/”“已完成”不算说明）。",
         "5分项得4分，原因栏为空"),
    Rule("overachievement-unexplained", W, "超额完成未说明原因",
         "“{name}”实际完成值 {value} 达到年度指标值 {target} 的 {ratio}，但没有分析原因。",
         "完成值高于指标值较多的，请分析原因（指标值是否设置偏低）。", "指标 697，完成 1000"),
    Rule("score-recomputed", N, "复核得分与自评不同", "“{name}”按规则应得 {expected} 分，自评 {value} 分，{how}。",
         "无需修改；如对复核得分有异议，请在偏差原因中写明依据。", "资金到位及时率 自评 7 分，按规则 10 分"),
    Rule("qualitative-out-of-band", W, "定性指标得分与完成情况不符",
         "“{name}”完成情况为“{actual}”（{band}，应得 {low}–{high} 分），自评 {value} 分。",
         "达成年度指标得 80%–100%，部分达成得 60%–80%，未达成得 0–60% 的分值；请按完成情况打分。",
         "“部分完成”得满分"),
    # -- 指标值与完成值 ----------------------------------------------------------------------------------
    Rule("not-comparable", W, "指标值与完成值不可比", "“{name}”年度指标值“{target}”与实际完成值“{value}”{why}。",
         "实际完成值应与年度指标值同口径填写实测数（如指标为 95% 则填百分比）。", "100% → 1000件"),
    Rule("actual-restates-target", W, "完成值照抄指标值", "“{name}”的实际完成值“{value}”只是重复了指标值，不是实测结果。",
         "请填写实际达到的数值（如 {example}），不要带 ≥、≤ 等符号。", "≥266米 → ≥266米"),
    Rule("copied-actuals", W, "完成值全部照抄指标值",
         "全部 {count} 个指标的实际完成值都与年度指标值相同，且总分为 {value}：疑似未如实填报。",
         "请逐项填写实际完成的数值；复核人员将重点核查此表。", "每行照抄，总分 100"),
    Rule("empty-target", E, "年度指标值未填写", "“{name}”有分值但年度指标值为空。",
         "请填写该指标的年度指标值（目标）。", "指标值为空"),
    Rule("empty-actual", E, "实际完成值未填写", "“{name}”有分值但实际完成值为空。",
         "请填写该指标的实际完成值。", "完成值为空"),
    Rule("unscorable", N, "无法按公式复核", "“{name}”（{target} → {actual}）无法按公式复核，复核得分暂取自评分 {value}。",
         "如可能，请用可比较的数值填写指标值和完成值。", "指标值为文字"),
    # -- 指标设置 ------------------------------------------------------------------------------------------
    Rule("target-not-quantified", W, "数量/成本指标未量化", "{level2}“{name}”的年度指标值“{value}”不是数值。",
         "数量指标和成本指标应设置可衡量的数值目标（如 ≥50个、≤90万元）。", "数量指标：按计划完成"),
    Rule("satisfaction-target-low", W, "满意度目标过低或不是百分比",
         "满意度指标“{name}”的年度指标值为“{value}”{why}。",
         "满意度指标一般应设为不低于 80% 的百分比（如 ≥90%）。", "满意度 ≥70%"),
    Rule("weights-off-profile", W, "一级指标分值与评分规则不一致",
         "一级指标“{name}”{what}，评分规则“{profile}”为 {expected}。",
         "按规定各一级指标分值可适当调整；如非有意调整，请按 {expected} 分设置。", "产出指标 60（规定 50）"),
    Rule("unknown-group", W, "指标类别名称不规范", "{level}指标名称“{value}”不在规范的指标类别中。",
         "一级指标应为产出指标、效益指标、满意度指标；二级指标应为数量、质量、时效、成本、经济效益、社会效益、"
         "生态效益、可持续影响、服务对象满意度指标。", "二级指标“工作指标”"),
    Rule("goal-missing", W, "年度总体目标未填写", "“{field}”未填写。",
         "请填写年度总体目标的预期目标和实际完成情况。", "实际完成情况为空"),
    Rule("goals-identical", W, "实际完成情况照抄预期目标", "“实际完成情况”与“预期目标”内容完全相同。",
         "请如实填写年度总体目标的实际完成情况。", "两栏相同"),
    Rule("project-duplicated", W, "同一项目重复提交",
         "项目“{name}”（{department}，{year}年度）在文件 {other} 的工作表“{other_sheet}”中也有一份自评表。",
         "请确认保留哪一份并撤回另一份；一次性汇总（selfeval run 收件夹）会把两份都计入，夜间批处理只保留较新的一份。",
         "同一项目交了两个文件"),
    Rule("grade-word-unknown", W, "自评等级无法识别", "自评等级填为“{value}”，不是可识别的等级。",
         "请填写 优、良、中 或 差（也可写 优秀、良好、合格、不合格）。", "等级填“A”"),
]

# The submitted Word 绩效自评报告, checked against its form (processor/narrative/; docs/narrative.md). A report's
# findings sit on the report's own file entry; `sheet` is "" and `cell` names the paragraph (第12段, 表格1第3行).
_STATED = "报告{where}写“{quote}”，其中{what}为 {stated}，而自评表（{form_file} 工作表“{form_sheet}”{form_cell}）为 {form}。"
_FIX = "请按自评表修改报告中的这一处；如自评表有误，请先改正自评表，再使报告与之一致。"
_REPORT_RULES = [
    Rule("report-score-mismatch", E, "报告综合得分与自评表不一致", _STATED, _FIX, "报告写 95 分，自评表 99 分"),
    Rule("report-grade-mismatch", E, "报告评价等级与自评表不一致", _STATED, _FIX, "报告写“良好”，自评表为“优”"),
    Rule("report-budget-mismatch", E, "报告预算数与自评表不一致", _STATED, _FIX, "报告写 180 万元，自评表 200 万元"),
    Rule("report-executed-mismatch", E, "报告执行数与自评表不一致", _STATED, _FIX, "报告写执行 150 万元，自评表 200 万元"),
    Rule("report-rate-mismatch", E, "报告执行率与自评表不一致", _STATED, _FIX, "报告写 100%，自评表 75%"),
    Rule("report-balance-mismatch", E, "报告结余资金与自评表不一致", _STATED, _FIX, "报告写结余 0 万元，自评表结余 50 万元"),
    Rule("report-indicator-count-mismatch", E, "报告指标个数与自评表不一致", _STATED, _FIX,
         "报告写 3 个一级指标，自评表 2 个"),
    Rule("report-year-mismatch", E, "报告年度与自评表不一致", _STATED, _FIX, "报告标题 2022 年度，自评表 2021 年度"),
    Rule("report-section-missing", W, "报告缺少章节", "报告中没有找到“{section}”部分。",
         "请按绩效自评报告的提纲补写“{section}”（提纲见审核意见或 selfeval 的报告初稿）。", "缺少“存在的问题和改进措施”"),
    Rule("report-no-form", E, "报告找不到对应的自评表",
         "报告“{title}”没有找到对应的自评表（{why}）。",
         "请同时提交该项目的自评表（Excel/WPS 工作簿），并使报告标题中的项目名称与自评表一致。", "只交了报告"),
    Rule("report-waiting", N, "报告待匹配（尚未收到对应自评表）",
         "报告“{title}”暂未找到对应的自评表（{why}），收到该项目的自评表后自动核对。",
         "如尚未提交该项目的自评表，请尽快提交；如已提交，请使报告标题中的项目名称和主管部门与自评表一致。",
         "报告比自评表早一晚送到"),
    Rule("report-match-ambiguous", E, "报告对应的项目无法确定",
         "报告“{title}”可能对应多个项目：{candidates}，无法确定是哪一个。",
         "请在报告标题中写明与自评表一致的项目名称（和主管部门）后重新提交。", "两个相近的项目名"),
    Rule("report-duplicate", W, "同一项目收到多份报告",
         "项目“{project}”还有一份报告 {other}，以{newer}为准。",
         "请撤回多余的一份，只保留最终版报告。", "初稿和终稿都交了"),
    Rule("report-not-docx", E, "报告不是 .docx 格式",
         "报告是 {kind} 格式，无法核对其内容。",
         "请用 Word 或 WPS 打开，选择“另存为”→“Word 文档 (*.docx)”后重新提交。", "Word 97-2003 的 .doc、WPS 的 .wps"),
    Rule("report-pdf-unchecked", N, "报告为 PDF，未核对",
         "报告是 PDF（常为盖章扫描件），已登记为已提交，但无法核对其中的数字。",
         "如需核对，请另附 Word 格式（.docx）的报告。", "盖章扫描的 PDF"),
    Rule("report-unreadable", E, "报告无法读取", "报告无法读取（{detail}）。",
         "请用 Word 或 WPS 打开并重新另存为 .docx 后提交。", "损坏的 .docx"),
    Rule("report-missing", W, "未提交绩效自评报告",
         "项目“{project}”没有收到绩效自评报告（本次要求提交）。",
         "请提交与自评表一致的绩效自评报告（.docx）。", "只交了自评表"),
    Rule("report-draft-unfinished", W, "报告仍是未完成的初稿",
         "报告{where}仍有未填写的占位内容“{value}”{more}。",
         "请把所有黄色【请填写：…】替换为实际内容，删去“（初稿）”和开头的审核提示，再提交定稿。", "原样提交的 selfeval 初稿"),
    Rule("report-name-differs", N, "报告项目名称与自评表不完全一致",
         "报告标题中的项目名称“{stated}”与自评表的“{form}”不完全一致（按相似度 {score} 对应）。",
         "请核对报告对应的项目；如是同一项目，建议报告标题使用自评表中的项目名称。", "…专项资金 与 …工作经费"),
]

# The same project in an earlier year (issue 19; processor/review/history.py). A history finding sits on this year's
# form, at this year's cell; its message names the earlier year's file. Shipped severities only warn or inform: the
# earlier form may have been matched wrongly, or was wrong itself.
_EARLIER = "上年（{year}年度，{file} 工作表“{then_sheet}”）"
_HISTORY_RULES = [
    Rule("carryover-excess", W, "上年结转资金超过上年结余",
         "本年“上年结转资金”的全年预算数为 {value} 万元，超过" + _EARLIER
         + "的结余 {balance} 万元（全年预算数 {budget} 万元 − 全年执行数 {executed} 万元），多出 {excess} 万元。",
         "结转资金来自上年未执行完的预算，一般不会多于上年结余（少于结余是正常的：部分结余资金可能已被财政收回）。"
         "请核对本年“上年结转资金”和上年的执行数；如另有来源，请在偏差原因中说明。",
         "本年结转 80 万元，上年结余 20 万元"),
    Rule("targets-unchanged", W, "指标值设置偏低且未调整",
         "“{name}”本年年度指标值 {value} 与" + _EARLIER + "相同，而上年实际完成值 {actual} {how}。",
         "请参考上年实际完成情况调整年度指标值（正向指标适当提高，反向指标适当降低）；如有不调整的理由，请在偏差原因中说明。",
         "两年都是 ≥500人次，上年完成 800人次"),
    Rule("score-up-money-down", W, "自评分上升而执行率下降",
         "自评总分由" + _EARLIER + "的 {before} 分升至 {value} 分（提高 {rise} 分），而预算执行率由 {rate_before} "
         "降至 {rate}（下降 {fall} 个百分点）。",
         "资金执行变差而自评分提高，请核对各项自评分是否如实；如确因绩效改善，请在自评报告中说明。",
         "自评 90 → 95 分，执行率 98% → 70%"),
    Rule("budget-jump", N, "预算大幅变化",
         "全年预算数由" + _EARLIER + "的 {before} 万元{change} {value} 万元（{ratio}）。",
         "无需修改；预算大幅变化的，请在自评报告中说明原因，并相应调整绩效指标值。", "200 万元 → 80 万元"),
    Rule("history-ambiguous", N, "上年项目无法确定",
         "{year}年度有 {count} 份自评表都可能是本项目的往年表：{candidates}，无法确定是哪一份，未与该年对比。",
         "夜间任务：由处理方在 selfeval.toml 的 [history.match] 中写明本项目对应的往年项目（本年项目名称 = 往年项目名称或项目代码）；"
         "单次运行（--history）：把往年文件夹中不是本项目往年表的那份移出后重新运行。",
         "上年同一部门有两个“工资性支出”（项目代码不同），本年的表未印代码"),
]

_RULES = ([replace(r, stage="read") for r in _READ_RULES] + _RULES
          + [replace(r, stage="report") for r in _REPORT_RULES] + [replace(r, stage="history") for r in _HISTORY_RULES])
CATALOGUE: dict[str, Rule] = {r.code: r for r in _RULES}


def num(x: float | None) -> str:
    """A number as a reviewer writes it: 10, 8.62, 86.27% is done by callers."""
    if x is None:
        return "（空）"
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def rule_title(code: str) -> str:
    """The rule's Chinese title (自评分虚高), what a person reads before the code; a code outside the
    catalogue (a finding from an older version's ledger) shows as itself."""
    rule = CATALOGUE.get(code)
    return rule.title if rule is not None else code


def note_text(f: Finding) -> str:
    """A finding as a cell comment or a list line reads it: severity and the rule's Chinese title first, the same
    in every copy a department receives (the annotated workbook and the rebuilt one)."""
    return f"【{SEVERITY_ZH[f.severity]}·{rule_title(f.code)}】{f.message}\n修改建议：{f.hint}"


def internal_error(exc: BaseException) -> Finding:
    """A bug of ours met by one strange file: that file is rejected with this, the batch goes on."""
    return finding("internal-error", detail=f"{type(exc).__name__}: {str(exc)[:120]}")


def guarded(work: Callable[[], FileResult], failed: Callable[[Finding], FileResult]) -> FileResult:
    """work(), whatever happens: a bug met by one strange file becomes that file's answer (failed(internal-error)),
    never the end of the batch or the night. Memory exhaustion is not one file's problem and goes on up."""
    try:
        return work()
    except MemoryError:
        raise
    except Exception as exc:
        return failed(internal_error(exc))


def finding(code: str, *, sheet: str = "", cell: str = "", value: object = "", **fmt: object) -> Finding:
    """Build a finding from the catalogue; `value` is both shown in the message and kept on the finding."""
    rule = CATALOGUE[code]
    text = "" if value is None else str(value)
    return Finding(
        code=code,
        severity=rule.severity,
        message=rule.message.format(value=text, **fmt),
        hint=rule.hint.format(value=text, **fmt),
        sheet=sheet,
        cell=cell,
        value=text,
    )
