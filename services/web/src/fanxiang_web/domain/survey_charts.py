"""Survey's analysis (its ``questions`` list, contract 5) as tables and ECharts options for the
analysis page: one bar chart per question with options, a stacked bar chart per matrix, and
the keywords and themes of free text. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fanxiang_web.domain.dashboard import PALETTE

Translate = Callable[..., str]

IMPORT_STATUS = {"running": "导入中", "finished": "已完成", "failed": "导入失败"}
PROBLEM_LEVEL = {
    "rejected": "整行未导入",
    "skipped": "空行，已跳过",
    "warning": "该值未计入，其余已导入",
}
QUESTION_KIND = {
    "single": "单选",
    "multi": "多选",
    "scale": "量表",
    "matrix": "矩阵",
    "ranking": "排序",
    "text": "填空",
}


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _bars(labels: list[str], values: list[int], name: str) -> dict[str, Any]:
    """Horizontal bars (option labels are long Chinese phrases: they read better across)."""
    return {
        "color": PALETTE[2:],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 32, "bottom": 8, "top": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": list(reversed(labels)),  # ECharts draws the first category at the bottom
            "axisLabel": {"width": 140, "overflow": "truncate"},
        },
        "series": [
            {
                "name": name,
                "type": "bar",
                "barMaxWidth": 20,
                "label": {"show": True, "position": "right"},
                "data": list(reversed(values)),
            }
        ],
    }


def _stacked(rows: list[str], options: list[str], counts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 48, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": list(reversed(rows)),
            "axisLabel": {"width": 140, "overflow": "truncate"},
        },
        "series": [
            {
                "name": option,
                "type": "bar",
                "stack": "all",
                "barMaxWidth": 22,
                "data": [int((counts.get(r) or {}).get(option) or 0) for r in reversed(rows)],
            }
            for option in options
        ],
    }


def question_view(q: Mapping[str, Any], t: Translate) -> dict[str, Any]:
    """What the page shows of one question: a table (rows of label, count, share), a chart
    option, and the figures survey adds per kind (mean, top-2 box, keywords …)."""
    kind = str(q.get("kind"))
    counts: Mapping[str, Any] = q.get("counts") or {}
    view: dict[str, Any] = {
        "number": q.get("number"),
        "title": q.get("title"),
        "kind": kind,
        "answered": q.get("answered"),
        "skipped": q.get("skipped"),
        "rows": [],
        "matrix": None,
        "chart": None,
        "mean": _num(q.get("mean")),
        "top2box": _num(q.get("top2box")),
        "keywords": [],
        "themes": [],
    }
    if kind == "matrix":
        rows = list(counts)
        options: list[str] = []
        for r in rows:
            for option in counts.get(r) or {}:
                if option not in options:
                    options.append(option)
        per_row = q.get("rows") or {}
        view["matrix"] = {
            "options": options,
            "rows": [
                {
                    "label": r,
                    "counts": [(counts.get(r) or {}).get(o) for o in options],
                    "mean": _num((per_row.get(r) or {}).get("mean"))
                    if isinstance(per_row, Mapping)
                    else None,
                }
                for r in rows
            ],
        }
        if rows and options:
            view["chart"] = _stacked(rows, options, counts)
        return view
    if kind == "text":
        view["keywords"] = [
            str(k["word"]) for k in (q.get("keywords") or [])[:20] if isinstance(k, Mapping)
        ]
        view["themes"] = [
            {"theme": th.get("theme"), "count": th.get("count"), "quotes": th.get("quotes") or []}
            for th in q.get("themes") or []
            if isinstance(th, Mapping)
        ]
        return view
    shares = q.get("pct_of_respondents") if kind == "multi" else q.get("percentages")
    shares = shares if isinstance(shares, Mapping) else {}
    labels = list(counts)
    values = [int(counts[label] or 0) for label in labels]
    view["rows"] = [
        {"label": label, "count": counts[label], "share": _num(shares.get(label))}
        for label in labels
    ]
    if labels:
        view["chart"] = _bars(labels, values, t("人数"))
    return view
