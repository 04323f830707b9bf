"""Compare two analyses (e.g. two seasons) question by question.

Works on result dicts (`build_result` output, or the JSON a previous season saved), matched by
question number and kind; a title change is reported, not hidden.
"""

from __future__ import annotations

from typing import Any

from survey_service.domain.analysis.privacy import small
from survey_service.domain.analysis.stats import chi_square


def _pp(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 2)


def compare_results(
    before: dict[str, Any], after: dict[str, Any], labels: tuple[str, str] = ("before", "after")
) -> dict[str, Any]:
    """Differences `after − before`: percentage points per option, mean shifts, and a χ² test
    of whether a one-answer question's distribution changed."""
    old = {q["number"]: q for q in before.get("questions", [])}
    items: list[dict[str, Any]] = []
    for q in after.get("questions", []):
        p = old.get(q["number"])
        if p is None or p["kind"] != q["kind"] or q["kind"] == "text":
            continue
        item: dict[str, Any] = {"number": q["number"], "title": q["title"], "kind": q["kind"]}
        if p["title"] != q["title"]:
            item["title_before"] = p["title"]
        if q["kind"] == "matrix":
            rows = {}
            for row, st in q.get("rows", {}).items():
                pst = p.get("rows", {}).get(row)
                if pst is not None:
                    rows[row] = {
                        "mean_before": pst.get("mean"),
                        "mean_after": st.get("mean"),
                        "mean_change": _pp(pst.get("mean"), st.get("mean")),
                    }
            item["rows"] = rows
            items.append(item)
            continue
        pct_key = "pct_of_respondents" if q["kind"] == "multi" else "percentages"
        before_pct, after_pct = p.get(pct_key, {}), q.get(pct_key, {})
        options = list(dict.fromkeys([*before_pct, *after_pct]))
        item["options"] = {
            o: {
                "before": before_pct.get(o),
                "after": after_pct.get(o),
                "change_pp": _pp(before_pct.get(o), after_pct.get(o)),
            }
            for o in options
        }
        if "mean" in q and "mean" in p:
            item["mean_before"], item["mean_after"] = p["mean"], q["mean"]
            item["mean_change"] = _pp(p["mean"], q["mean"])
        if q["kind"] in ("single", "scale"):
            table = [[int(p["counts"].get(o, 0)), int(q["counts"].get(o, 0))] for o in options]
            test = chi_square(table)
            if test is not None:
                item["chi2"], item["df"] = round(test.chi2, 4), test.df
                item["p"] = round(test.p, 6)
                item["unreliable"] = test.unreliable
        items.append(item)
    nb, na = int(before.get("responses", 0)), int(after.get("responses", 0))
    return {
        "labels": {"before": labels[0], "after": labels[1]},
        "responses": {"before": nb, "after": na},
        "questions": items,
        "warnings": [
            f"{lb} 的答卷少于5份，不宜比较"
            for lb, n in zip(labels, (nb, na), strict=True)
            if small(n)
        ],
    }
