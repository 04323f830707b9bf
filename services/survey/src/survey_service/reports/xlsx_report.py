"""Excel workbook: 概览, one sheet per question, one per cross-tab, and 导入问题."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from survey_service.reports.html_report import KIND_ZH

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(raw: str, taken: set[str]) -> str:
    """Excel's rules: ≤ 31 characters, none of []:*?/\\, not blank, no leading/trailing
    apostrophe, not 'History', unique ignoring case."""
    name = _BAD.sub("_", raw).strip().strip("'").strip() or "Sheet"
    if name.lower() == "history":
        name = "History_"
    name = name[:31]
    base, i = name, 2
    while name.lower() in taken:
        suffix = f"~{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(name.lower())
    return name


class _Book:
    def __init__(self, path: Path) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        self.bold = self.wb.add_format({"bold": True})
        self.head = self.wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        self.title = self.wb.add_format({"bold": True, "font_size": 14})
        self.pct = self.wb.add_format({"num_format": '0.00"%"'})
        self.note = self.wb.add_format({"font_color": "#808080"})
        self.taken: set[str] = set()

    def sheet(self, name: str) -> Worksheet:
        ws = self.wb.add_worksheet(sheet_name(name, self.taken))
        ws.set_column(0, 0, 28)
        ws.set_column(1, 12, 13)
        return ws

    def table(
        self,
        ws: Worksheet,
        row: int,
        head: list[str],
        rows: list[list[Any]],
        pct_cols: tuple[int, ...] = (),
        none: str = "",
    ) -> int:
        ws.write_row(row, 0, head, self.head)
        for r, values in enumerate(rows, start=row + 1):
            for c, v in enumerate(values):
                if v is None:
                    ws.write_string(r, c, none if c else "", self.note)
                elif isinstance(v, int | float) and not isinstance(v, bool):
                    ws.write_number(r, c, v, self.pct if c in pct_cols else None)
                else:
                    ws.write_string(r, c, str(v))
        return row + len(rows) + 2

    def chart(
        self, ws: Worksheet, sheet: str, first: int, last: int, col: int, anchor: str
    ) -> None:
        if last < first:
            return
        ch = self.wb.add_chart({"type": "bar"})
        ch.add_series(
            {
                "categories": [sheet, first, 0, last, 0],
                "values": [sheet, first, col, last, col],
                "name": "比例(%)",
            }
        )
        ch.set_legend({"none": True})
        ch.set_y_axis({"reverse": True})
        ch.set_size({"width": 520, "height": max(200, 28 * (last - first + 1) + 60)})
        ws.insert_chart(anchor, ch)


def _overview(b: _Book, result: dict[str, Any]) -> None:
    ws = b.sheet("概览")
    ov = result.get("overview", {})
    dur = ov.get("duration_seconds", {})
    ws.write(0, 0, result.get("questionnaire", {}).get("title") or "问卷分析", b.title)
    rows: list[list[Any]] = [
        ["答卷数", result["responses"]],
        ["有效答卷（去除过快与重复）", ov.get("valid")],
        [f"用时少于{ov.get('speeder_seconds', 60)}秒", ov.get("speeders")],
        ["答案完全相同的答卷", ov.get("duplicates")],
        ["用时中位数（秒）", dur.get("median")],
        ["用时平均（秒）", dur.get("mean")],
        ["首次提交日期", ov.get("first_day")],
        ["最后提交日期", ov.get("last_day")],
    ]
    row = b.table(ws, 2, ["指标", "值"], [[k, "" if v is None else v] for k, v in rows])
    if ov.get("sources"):
        row = b.table(ws, row, ["来源", "答卷数"], [[k, v] for k, v in ov["sources"].items()])
    imp = result.get("import")
    if imp:
        row = b.table(
            ws,
            row,
            ["导入", "值"],
            [
                ["格式", imp["format"]],
                ["编码", imp.get("encoding") or ""],
                ["平台", imp["vendor"]],
                ["下载方式", imp["mode"]],
                ["数据行", imp["data_rows"]],
                ["导入答卷", imp["responses"]],
                ["拒收行", imp["rejected"]],
                ["空行", imp["blank"]],
                ["警告", imp["warnings"]],
                ["已丢弃的个人信息列", "、".join(imp.get("dropped_columns", []))],
            ],
        )
        for n in imp.get("notes", []):
            ws.write_string(row, 0, n, b.note)
            row += 1
    ws.write_string(row + 1, 0, result.get("privacy", {}).get("note", ""), b.note)


def _question(b: _Book, q: dict[str, Any]) -> None:
    name = f"Q{q['number']} {q['title']}"
    ws = b.sheet(name)
    sheet = ws.get_name()
    ws.write(
        0, 0, f"第{q['number']}题　{q['title']}（{KIND_ZH.get(q['kind'], q['kind'])}）", b.title
    )
    ws.write_string(
        1,
        0,
        f"作答 {q['answered']}；跳过/未显示 {q['skipped']}；未答 {q['empty']}"
        f"；无效 {q.get('invalid', 0)}",
        b.note,
    )
    kind = q["kind"]
    if kind == "text":
        row = b.table(
            ws,
            3,
            ["关键词", "权重", "提及答卷（样本）"],
            [[k["word"], k["weight"], k["answers"]] for k in q.get("keywords", [])],
        )
        for t in q.get("themes", []):
            ws.write_string(
                row, 0, f"{t['theme']}（{t['count'] if t['count'] is not None else '<5'}）", b.bold
            )
            for i, quote in enumerate(t.get("quotes", [])):
                ws.write_string(row + 1 + i, 0, quote)
            row += len(t.get("quotes", [])) + 2
        return
    if kind == "matrix":
        opts = q.get("options", [])
        rows = [
            [
                r,
                *(c.get(o, 0) for o in opts),
                q["rows"][r]["answered"],
                q["rows"][r]["mean"],
                q["rows"][r]["sd"],
                q["rows"][r]["top2box"],
            ]
            for r, c in q["counts"].items()
        ]
        b.table(ws, 3, ["", *opts, "作答", "均值", "标准差", "前两项占比%"], rows)
        return
    labels = list(q["counts"])
    if kind == "multi":
        rows = [
            [lb, q["counts"][lb], q["pct_of_respondents"][lb], q["pct_of_responses"][lb]]
            for lb in labels
        ]
        end = b.table(ws, 3, ["选项", "人次", "占答题人数%", "占选择次数%"], rows, (2, 3))
    elif kind == "ranking":
        rows = [
            [
                lb,
                q["counts"][lb],
                q["percentages"][lb],
                q["first_choice"][lb],
                q["average_rank"][lb],
            ]
            for lb in labels
        ]
        end = b.table(ws, 3, ["选项", "被排序人次", "比例%", "排第一", "平均名次"], rows, (2,))
    else:
        rows = [[lb, q["counts"][lb], q["percentages"][lb]] for lb in labels]
        end = b.table(ws, 3, ["选项", "人数", "比例%"], rows, (2,))
        if q.get("mean") is not None:
            end = b.table(
                ws, end, ["均值", "标准差", "前两项占比%"], [[q["mean"], q["sd"], q.get("top2box")]]
            )
    b.chart(ws, sheet, 4, 3 + len(labels), 2, "G3")
    if q.get("other_texts"):
        b.table(
            ws, end, ["“其他”填写内容", "次数"], [[o["text"], o["count"]] for o in q["other_texts"]]
        )


def _crosstab(b: _Book, ct: dict[str, Any]) -> None:
    ws = b.sheet(f"交叉 Q{ct['row']['number']}×Q{ct['column']['number']}")
    ws.write(0, 0, f"{ct['row']['title']} × {ct['column']['title']}", b.title)
    cols = ct["column_labels"]
    head = ["人数", *cols]
    counts = [[lb, *ct["counts"][i]] for i, lb in enumerate(ct["row_labels"])]
    counts.append(["合计", *ct["column_totals"]])
    row = b.table(ws, 2, head, counts, none="<5")
    pct = [[lb, *ct["column_pct"][i]] for i, lb in enumerate(ct["row_labels"])]
    row = b.table(ws, row, ["列百分比%", *cols], pct, none="<5")
    if ct.get("chi2") is not None:
        row = b.table(
            ws,
            row,
            ["χ²", "自由度", "p", "Cramér's V", "n"],
            [[ct["chi2"], ct["df"], ct["p"], ct["cramers_v"], ct["n"]]],
        )
    for w in ct.get("warnings", []):
        ws.write_string(row, 0, w, b.note)
        row += 1


def write_xlsx(result: dict[str, Any], path: str | Path) -> None:
    b = _Book(Path(path))
    _overview(b, result)
    for q in result["questions"]:
        _question(b, q)
    for ct in result.get("crosstabs", []):
        _crosstab(b, ct)
    problems = result.get("import", {}).get("problems", [])
    if problems:
        ws = b.sheet("导入问题")
        b.table(
            ws,
            0,
            ["行", "列", "问题", "级别"],
            [
                [
                    p["row"] if p["row"] is not None else "",
                    p["column"] or "",
                    p["reason"],
                    p["level"],
                ]
                for p in problems
            ],
        )
    b.wb.close()
