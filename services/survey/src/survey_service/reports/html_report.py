"""A self-contained HTML report in Chinese: tables and inline SVG charts, no external assets.

Hook for the web app: the full result is embedded as JSON in
`<script type="application/json" id="survey-result">`, and every chart sits in a
`<figure data-question="N">`, so a page serving a pinned ECharts copy can redraw them.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from survey_service.reports.svg import bar_chart, stacked_chart

KIND_ZH = {
    "single": "单选题",
    "multi": "多选题",
    "scale": "量表题",
    "matrix": "矩阵题",
    "ranking": "排序题",
    "text": "填空题",
}

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:1000px;color:#222;line-height:1.5;padding:0 1em}
h1{font-size:1.6em;border-bottom:3px solid #c0392b;padding-bottom:.3em}
h2{font-size:1.3em;margin-top:2em;border-left:5px solid #c0392b;padding-left:.5em}
h3{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f4f4f4}
.note{color:#666;font-size:.9em}.warn{color:#a04000;font-size:.9em}
.kpi{display:inline-block;margin:0 1.5em .5em 0}.kpi b{font-size:1.4em;display:block}
figure{margin:.5em 0}.sup{color:#999}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;padding:0}figure,table,tr{break-inside:avoid}
h2,h3{break-after:avoid}a{color:inherit;text-decoration:none}}
"""


def _e(x: object) -> str:
    return escape(str(x))


def _num(x: object, unit: str = "") -> str:
    if x is None:
        return '<span class="sup">—</span>'
    return f"{x:g}{unit}" if isinstance(x, float) else f"{_e(x)}{unit}"


def _cell(n: int | None) -> str:
    return '<span class="sup" title="少于5人，已隐藏">&lt;5</span>' if n is None else str(n)


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{_e(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _overview(result: dict[str, Any]) -> str:
    ov = result.get("overview", {})
    dur = ov.get("duration_seconds", {})
    kpis = [
        ("答卷数", result["responses"]),
        ("有效答卷", ov.get("valid")),
        (f"用时少于{ov.get('speeder_seconds', 60)}秒", ov.get("speeders")),
        ("答案完全相同", ov.get("duplicates")),
        ("用时中位数（秒）", dur.get("median")),
    ]
    out = ['<h2 id="overview">概览</h2><div>']
    out += [f'<span class="kpi"><b>{_num(v)}</b>{_e(k)}</span>' for k, v in kpis]
    out.append("</div>")
    if dur.get("n"):
        out.append(
            _table(
                ["答题用时（秒）", "最短", "P25", "中位数", "P75", "最长", "平均"],
                [["", *(_num(dur.get(k)) for k in ("min", "p25", "median", "p75", "max", "mean"))]],
            )
        )
    if ov.get("sources"):
        out.append(_table(["来源", "答卷数"], [[_e(k), str(v)] for k, v in ov["sources"].items()]))
    if ov.get("first_day"):
        out.append(f'<p class="note">提交日期：{_e(ov["first_day"])} 至 {_e(ov["last_day"])}</p>')
    imp = result.get("import")
    if imp:
        out.append("<h3>导入</h3>")
        out.append(
            _table(
                ["文件格式", "来源平台", "下载方式", "数据行", "有效导入", "拒收", "空行", "警告"],
                [
                    [
                        _e(imp["format"])
                        + (f"（{_e(imp['encoding'])}）" if imp.get("encoding") else ""),
                        {"wjx": "问卷星", "tencent": "腾讯问卷"}.get(imp["vendor"], "未知"),
                        "按序号" if imp["mode"] == "code" else "按文本",
                        str(imp["data_rows"]),
                        str(imp["responses"]),
                        str(imp["rejected"]),
                        str(imp["blank"]),
                        str(imp["warnings"]),
                    ]
                ],
            )
        )
        if imp.get("dropped_columns"):
            out.append(
                '<p class="note">已在导入时丢弃的个人信息列（不保存、不展示）：'
                + "、".join(_e(c) for c in imp["dropped_columns"])
                + "</p>"
            )
        for n in imp.get("notes", []):
            out.append(f'<p class="warn">{_e(n)}</p>')
    out.append(f'<p class="note">{_e(result.get("privacy", {}).get("note", ""))}</p>')
    return "".join(out)


def _question(q: dict[str, Any]) -> str:
    kind = q["kind"]
    out = [
        f'<h3 id="q{q["number"]}">第{q["number"]}题　{_e(q["title"])}'
        f'<small class="note">（{KIND_ZH.get(kind, kind)}）</small></h3>'
    ]
    out.append(
        f'<p class="note">作答 {q["answered"]} 人；跳过/未显示 {q["skipped"]}；'
        f"未答 {q['empty']}" + (f"；无效 {q['invalid']}" if q.get("invalid") else "") + "</p>"
    )
    fig = f'<figure data-question="{q["number"]}">'
    if kind == "text":
        if q.get("keywords"):
            out.append(
                _table(
                    ["关键词", "权重", "提及答卷（样本）"],
                    [[_e(k["word"]), _num(k["weight"]), str(k["answers"])] for k in q["keywords"]],
                )
            )
        for t in q.get("themes", []):
            if t.get("suppressed"):
                out.append(f'<p class="note">主题“{_e(t["theme"])}”：少于5人提及，不展示</p>')
                continue
            quotes = "".join(f"<li>{_e(x)}</li>" for x in t["quotes"])
            if t.get("quotes_withheld"):
                quotes = '<li class="note">县区视图不展示原文引用</li>'
            out.append(f"<p><b>{_e(t['theme'])}</b>（{t['count']} 条）</p><ul>{quotes}</ul>")
        return "".join(out)
    if kind == "matrix":
        opts = q.get("options", [])
        rows = []
        for row, c in q["counts"].items():
            st = q["rows"][row]
            rows.append(
                [
                    _e(row),
                    *(str(c.get(o, 0)) for o in opts),
                    str(st["answered"]),
                    _num(st["mean"]),
                    _num(st["sd"]),
                    _num(st["top2box"], "%"),
                ]
            )
        out.append(_table(["", *opts, "作答", "均值", "标准差", "前两项占比"], rows))
        pct = {r: q["rows"][r]["percentages"] for r in q["counts"]}
        out.append(fig + stacked_chart(list(q["counts"]), opts, pct) + "</figure>")
        return "".join(out)
    labels = list(q["counts"])
    if kind == "multi":
        rows = [
            [
                _e(lb),
                str(q["counts"][lb]),
                _num(q["pct_of_respondents"][lb], "%"),
                _num(q["pct_of_responses"][lb], "%"),
            ]
            for lb in labels
        ]
        out.append(_table(["选项", "人次", "占答题人数", "占选择次数"], rows))
        values = [q["pct_of_respondents"][lb] for lb in labels]
        out.append('<p class="note">多选题：占答题人数之和可超过100%</p>')
    elif kind == "ranking":
        rows = [
            [_e(lb), str(q["counts"][lb]), str(q["first_choice"][lb]), _num(q["average_rank"][lb])]
            for lb in labels
        ]
        out.append(_table(["选项", "被排序人次", "排第一", "平均名次"], rows))
        values = [q["percentages"][lb] for lb in labels]
    else:
        rows = [[_e(lb), str(q["counts"][lb]), _num(q["percentages"][lb], "%")] for lb in labels]
        out.append(_table(["选项", "人数", "比例"], rows))
        values = [q["percentages"][lb] for lb in labels]
        if q.get("mean") is not None:
            out.append(
                f"<p>均值 {_num(q['mean'])}，标准差 {_num(q['sd'])}，"
                f"前两项（top-2-box）{_num(q.get('top2box'), '%')}</p>"
            )
    out.append(fig + bar_chart(labels, values, title=q["title"]) + "</figure>")
    if q.get("other_texts"):
        items = "".join(f"<li>{_e(o['text'])}（{o['count']}）</li>" for o in q["other_texts"][:20])
        out.append(f'<p class="note">“其他”填写内容：</p><ul>{items}</ul>')
    return "".join(out)


def _crosstab(ct: dict[str, Any]) -> str:
    out = [f"<h3>{_e(ct['row']['title'])} × {_e(ct['column']['title'])}</h3>"]
    cols = ct["column_labels"]
    rows = []
    for i, lb in enumerate(ct["row_labels"]):
        cells = []
        for j in range(len(cols)):
            n, p = ct["counts"][i][j], ct["column_pct"][i][j]
            cells.append(_cell(n) if n is None else f"{n}（{p:g}%）")
        rows.append([_e(lb), *cells])
    rows.append(["合计", *(_cell(t) for t in ct["column_totals"])])
    out.append(_table(["", *cols], rows))
    if ct.get("chi2") is not None:
        out.append(
            f"<p>χ² = {ct['chi2']:g}，自由度 {ct['df']}，p = {ct['p']:.4g}，"
            f"Cramér's V = {ct['cramers_v']:g}（n = {ct['n']}）</p>"
        )
    for w in ct.get("warnings", []):
        out.append(f'<p class="warn">{_e(w)}</p>')
    return "".join(out)


def render_html(result: dict[str, Any], title: str = "问卷分析报告") -> str:
    q_title = result.get("questionnaire", {}).get("title") or title
    toc = "".join(
        f'<li><a href="#q{q["number"]}">第{q["number"]}题 {_e(q["title"])}</a></li>'
        for q in result["questions"]
    )
    body = [
        f"<h1>{_e(q_title)}</h1>",
        _overview(result),
        f'<h2>题目</h2><ol class="note">{toc}</ol>',
    ]
    body += [_question(q) for q in result["questions"]]
    if result.get("crosstabs"):
        body.append(
            '<h2 id="crosstabs">交叉分析</h2><p class="note">单元格为人数（列百分比）。</p>'
        )
        body += [_crosstab(ct) for ct in result["crosstabs"]]
    problems = result.get("import", {}).get("problems", [])
    if problems:
        body.append('<h2 id="problems">导入问题</h2>')
        body.append(
            _table(
                ["行", "列", "问题", "级别"],
                [
                    [
                        _num(p["row"]),
                        _e(p["column"] or ""),
                        _e(p["reason"]),
                        {"rejected": "拒收", "skipped": "跳过", "warning": "警告"}.get(
                            p["level"], _e(p["level"])
                        ),
                    ]
                    for p in problems
                ],
            )
        )
    data = json.dumps(result, ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(q_title)}</title><style>{_CSS}</style></head><body>"
        + "".join(body)
        + f'<script type="application/json" id="survey-result">{data}</script>'
        "</body></html>\n"
    )
