"""The catalogue of finding codes. Codes are stable: reports, ledgers and user profiles refer to them.

A finding is data, never an exception: the reader and the reviewer collect every finding of a file
in one pass, so a department learns about all of its mistakes at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from processor.model import Finding, Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str
    message: str  # str.format template; every placeholder is filled by the caller
    hint: str
    example: str


_RULES = [
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
    Rule("no-form", E, "未找到自评表",
         "工作簿中没有找到项目支出绩效自评表（已检查工作表：{sheets}）。",
         "请确认提交的是《项目支出绩效自评表》，表中应有“项目名称”“项目资金”“绩效指标”等栏目。",
         "只有填表说明的工作簿"),
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
         "请在该单元格填写金额（单位与表头一致，通常为万元）。", "全年预算数 为空"),
    Rule("missing-indicator-table", E, "缺少绩效指标表",
         "找不到绩效指标表（应有“三级指标”“年度指标值”“实际完成值”“分值”“得分”等表头）。",
         "请按自评表格式填写绩效指标部分，每个三级指标一行。", "删去了绩效指标部分的表"),
    Rule("number-unreadable", W, "数字无法识别", "“{field}”的值“{value}”不是可识别的数字。",
         "请填写阿拉伯数字，例如 10 或 10分、95%。", "分值 填为“十分”"),
    # -- notes ------------------------------------------------------------------------------------
    Rule("placeholder-row-skipped", N, "跳过空白模板行", "指标行“{value}”是未填写的模板占位行，已跳过。",
         "如不需要该行，可直接删除；如需要，请填写指标名称、指标值、完成值、分值和得分。", "指标1："),
    Rule("money-unit-converted", N, "金额单位换算",
         "表头金额单位为“元”，已将资金金额除以 10000 换算为万元（例如 {value} 元 = {converted} 万元）。",
         "无需处理；如单位标错，请将表头改为“（万元）”。", "项目资金（元）"),
    Rule("value-computed", N, "空白计算单元格已按公式计算",
         "“{field}”为空（可能是程序生成的文件中未保存计算结果的公式），已按表内定义计算为 {value}。",
         "请在 Excel/WPS 中打开并保存一次，或直接填写该值。", "执行率 为空"),
    Rule("year-missing", N, "未能确定年度", "未能从标题、工作表名或文件名中确定评价年度。",
         "请在表头标题中写明年度，例如“（2021年度）”。", "标题缺少年度"),
]

CATALOGUE: dict[str, Rule] = {r.code: r for r in _RULES}


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
