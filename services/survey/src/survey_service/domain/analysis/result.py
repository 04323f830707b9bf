"""Turn accumulators into the analysis result: a JSON-ready dict whose `responses` and
`questions[].{number,title,kind,counts}` are the command line's contract 5; every other key is
an addition."""

from __future__ import annotations

from collections import Counter
from typing import Any

from survey_service.domain.analysis.accumulate import (
    SPEEDER_SECONDS,
    Analyzer,
    CrosstabAccumulator,
    Overview,
    QuestionAccumulator,
)
from survey_service.domain.analysis.privacy import (
    MIN_GROUP,
    hide_small_counts,
    small,
    suppress_columns,
)
from survey_service.domain.analysis.stats import chi_square, mean_sd
from survey_service.domain.analysis.textmine import mask_personal
from survey_service.domain.model import Question, QuestionKind, Questionnaire
from survey_service.domain.responses import ImportReport

RESULT_VERSION = 1


def _pct(n: int | None, base: int) -> float | None:
    return None if n is None or base == 0 else round(100.0 * n / base, 2)


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(x, nd)


def _labels(q: Question, seen: Counter[str]) -> list[str]:
    """Questionnaire order first, then labels met only in the data (inferred imports)."""
    out = list(q.labels)
    out += [lb for lb in seen if lb not in out]
    return out


def _top2(q: Question, counts: Counter[str], base: int) -> float | None:
    scored = sorted({o.value for o in q.options if o.value is not None})
    if len(scored) < 3 or base == 0:
        return None
    top = set(scored[-2:])
    n = sum(
        c
        for lb, c in counts.items()
        if next((o.value for o in q.options if o.label == lb), None) in top
    )
    return _pct(n, base)


def _question(acc: QuestionAccumulator, q: Question, keywords: int, scoped: bool) -> dict[str, Any]:
    st = acc.status
    answered = st["answered"]
    out: dict[str, Any] = {
        "number": q.number,
        "title": q.title,
        "kind": str(q.kind),
        "counts": {},
        "answered": answered,
        "skipped": st["skipped"] + st["not_shown"],
        "empty": st["empty"],
        "invalid": st["invalid"],
    }
    kind = q.kind
    if kind is QuestionKind.TEXT:
        assert acc.text is not None
        themes = []
        for t in acc.text.themes():
            if small(t["count"]):
                t = {"theme": t["theme"], "count": None, "quotes": [], "suppressed": True}
            elif scoped:  # a county's own words can point at a person its committee knows
                t = {**t, "quotes": [], "quotes_withheld": True}
            themes.append(t)
        # A word fewer than 5 respondents used (a name, a village, a unit) is not shown.
        out["keywords"] = [
            {"word": w, "weight": wt, "answers": n}
            for w, wt, n in acc.text.keywords(keywords)
            if n >= MIN_GROUP
        ]
        out["themes"] = themes
        out["sampled_answers"] = len(acc.text.sample)
        return out
    if kind is QuestionKind.MATRIX:
        rows = list(q.rows) + [r for r in acc.rows if r not in q.rows]
        labels = list(q.labels)
        for c in acc.rows.values():
            labels += [lb for lb in c if lb not in labels]
        counts: dict[str, dict[str, int]] = {}
        stats: dict[str, Any] = {}
        for row in rows:
            c = acc.rows.get(row, Counter())
            counts[row] = {lb: c[lb] for lb in labels}
            base = sum(c.values())
            n, total, total_sq = acc.row_stats.get(row, [0.0, 0.0, 0.0])
            mean, sd = mean_sd(int(n), total, total_sq)
            stats[row] = {
                "answered": base,
                "mean": _r(mean),
                "sd": _r(sd),
                "top2box": _top2(q, c, base),
                "percentages": {lb: _pct(c[lb], base) for lb in labels},
            }
        out["counts"] = counts
        out["options"] = labels
        out["rows"] = stats
        ranked = [r for r in rows if stats[r]["mean"] is not None]
        out["rows_by_mean"] = sorted(ranked, key=lambda r: -stats[r]["mean"])
        if scoped:
            _hide_small_matrix(out)
        return out
    labels = _labels(q, acc.counts)
    out["counts"] = {lb: acc.counts[lb] for lb in labels}
    if kind is QuestionKind.MULTI:
        out["respondents"] = answered
        out["selections"] = acc.selections
        out["pct_of_respondents"] = {lb: _pct(acc.counts[lb], answered) for lb in labels}
        out["pct_of_responses"] = {lb: _pct(acc.counts[lb], acc.selections) for lb in labels}
        if q.max_choices:
            out["max_choices"] = q.max_choices
    elif kind is QuestionKind.RANKING:
        out["percentages"] = {lb: _pct(acc.counts[lb], answered) for lb in labels}
        out["average_rank"] = {
            lb: _r(acc.rank_sum[lb] / acc.counts[lb], 2) if acc.counts[lb] else None
            for lb in labels
        }
        out["first_choice"] = {lb: acc.rank_pos[(lb, 1)] for lb in labels}
    else:
        out["percentages"] = {lb: _pct(acc.counts[lb], answered) for lb in labels}
        mean, sd = mean_sd(acc.n_scored, acc.total, acc.total_sq)
        if mean is not None:
            out["mean"] = _r(mean)
            out["sd"] = _r(sd)
            out["top2box"] = _top2(q, acc.counts, answered)
    if acc.others and not scoped:  # typed by one person each: not in a county view
        out["other_texts"] = [
            {"text": mask_personal(t), "count": n} for t, n in acc.others.most_common(50)
        ]
    if scoped:
        _hide_small_groups(out, exclusive=kind not in (QuestionKind.MULTI, QuestionKind.RANKING))
    return out


_PER_OPTION = ("percentages", "pct_of_respondents", "pct_of_responses", "average_rank")


def _hide_small_groups(out: dict[str, Any], *, exclusive: bool) -> None:
    """A county's view of one question: option counts of 1–4 and what derives from them are
    hidden (None), and so are the small skipped/empty/invalid counts."""
    counts = hide_small_counts(out["counts"], exclusive=exclusive)
    hidden = {lb for lb, n in counts.items() if n is None}
    out["counts"] = counts
    for field in _PER_OPTION:
        if field in out:
            out[field] = {lb: None if lb in hidden else v for lb, v in out[field].items()}
    if "first_choice" in out:
        out["first_choice"] = {lb: None if small(n) else n for lb, n in out["first_choice"].items()}
    for field in ("skipped", "empty", "invalid"):
        if small(out[field]):
            out[field] = None
    out["small_groups_hidden"] = len(hidden)


def _hide_small_matrix(out: dict[str, Any]) -> None:
    """A county's view of a matrix: each row is a single-choice table of its own."""
    for row, counts in out["counts"].items():
        shown = hide_small_counts(counts, exclusive=True)
        out["counts"][row] = shown
        stats = out["rows"][row]
        stats["percentages"] = {
            lb: None if shown[lb] is None else v for lb, v in stats["percentages"].items()
        }
        if small(stats["answered"]):  # too few answered the row to show its mean either
            stats.update(mean=None, sd=None, top2box=None)
    out["rows_by_mean"] = [r for r in out["rows_by_mean"] if out["rows"][r]["mean"] is not None]


def _crosstab(ct: CrosstabAccumulator, qs: Questionnaire) -> dict[str, Any]:
    rq, cq = qs.question(ct.row), qs.question(ct.col)
    seen_r: Counter[str] = Counter()
    seen_c: Counter[str] = Counter()
    for (a, b), n in ct.cells.items():
        seen_r[a] += n
        seen_c[b] += n
    rows = [lb for lb in _labels(rq, seen_r) if seen_r[lb]]
    cols = [lb for lb in _labels(cq, seen_c) if seen_c[lb]]
    table = [[ct.cells[(r, c)] for c in cols] for r in rows]
    totals = [sum(table[i][j] for i in range(len(rows))) for j in range(len(cols))]
    test = chi_square(table) if cq.kind is not QuestionKind.MULTI else None
    shown, hidden = suppress_columns(table)
    small_cols = [j for j, t in enumerate(totals) if t < MIN_GROUP]
    for j in small_cols:
        for i in range(len(rows)):
            if shown[i][j] is not None:
                shown[i][j] = None
                hidden += 1
    out_totals: list[int | None] = [None if j in small_cols else t for j, t in enumerate(totals)]
    col_pct = [
        [None if shown[i][j] is None else _pct(shown[i][j], totals[j]) for j in range(len(cols))]
        for i in range(len(rows))
    ]
    warnings = []
    if test is not None and test.unreliable:
        warnings.append(
            f"{test.low_expected_share:.0%} 的单元格期望频数小于5（超过20%），"
            "χ²检验结果可能不可靠，可合并选项后再看"
        )
    if hidden:
        warnings.append(f"为保护隐私，{hidden} 个人数少于{MIN_GROUP}的单元格已隐藏")
    if cq.kind is QuestionKind.MULTI:
        warnings.append("列为多选题：每位受访者计入其选择的每一组，不做χ²检验")
    return {
        "row": {"number": rq.number, "title": rq.title},
        "column": {"number": cq.number, "title": cq.title},
        "row_labels": rows,
        "column_labels": cols,
        "counts": shown,
        "column_totals": out_totals,
        "column_pct": col_pct,
        "n": sum(totals),
        "chi2": _r(test.chi2, 4) if test else None,
        "df": test.df if test else None,
        "p": _r(test.p, 6) if test else None,
        "cramers_v": _r(test.cramers_v, 4) if test else None,
        "low_expected_share": _r(test.low_expected_share, 4) if test else None,
        "suppressed_cells": hidden,
        "suppressed_columns": [cols[j] for j in small_cols],
        "warnings": warnings,
    }


def _quantile(hist: Counter[int], total: int, q: float) -> int | None:
    if total == 0:
        return None
    target = q * (total - 1)
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen > target:
            return value
    return max(hist)


def _overview(ov: Overview) -> dict[str, Any]:
    n = sum(ov.durations.values())
    dur: dict[str, Any] = {"n": n}
    if n:
        dur.update(
            {
                "min": min(ov.durations),
                "max": max(ov.durations),
                "mean": _r(sum(k * v for k, v in ov.durations.items()) / n, 1),
                "p25": _quantile(ov.durations, n, 0.25),
                "median": _quantile(ov.durations, n, 0.5),
                "p75": _quantile(ov.durations, n, 0.75),
            }
        )
    days = sorted(ov.days)
    return {
        "responses": ov.responses,
        "valid": ov.responses - ov.flagged,
        "speeders": ov.speeders,
        "speeder_seconds": SPEEDER_SECONDS,
        "duplicates": ov.content_duplicates,
        "duration_seconds": dur,
        "sources": dict(ov.sources.most_common()),
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "per_day": {d.isoformat(): ov.days[d] for d in days},
    }


def build_result(
    analyzer: Analyzer,
    questionnaire: Questionnaire | None = None,
    report: ImportReport | None = None,
    keywords: int = 20,
    *,
    scoped: bool = False,
) -> dict[str, Any]:
    """The analysis as a JSON-ready dict (contract 5 plus additions). ``scoped``: a subgroup's
    view (one county), which shows no verbatim free text (quotes, 其他 texts)."""
    qs = questionnaire or analyzer.questionnaire
    analyzer.flush()
    questions = []
    for q in qs.questions:
        acc = analyzer.questions.get(q.number)
        if acc is None:
            continue
        acc.question = q  # the final questionnaire knows every label seen
        questions.append(_question(acc, q, keywords, scoped))
    result: dict[str, Any] = {
        "responses": analyzer.overview.responses,
        "questions": questions,
        "overview": _overview(analyzer.overview),
        "crosstabs": [_crosstab(ct, qs) for ct in analyzer.crosstabs],
        "questionnaire": {
            "id": qs.id,
            "version": qs.version,
            "title": qs.title,
            "inferred": qs.inferred,
        },
        "privacy": {
            "min_group": MIN_GROUP,
            "note": (
                f"人数少于{MIN_GROUP}的分组（交叉表单元格、交叉表列、文本主题、关键词）不予显示；"
                + (
                    f"县区视图中少于{MIN_GROUP}人的选项人数也不显示，不展示原文引用和“其他”填写内容；"
                    if scoped
                    else ""
                )
                + "IP、用户标识、昵称等个人信息在导入时即已丢弃。"
            ),
            "scoped": scoped,
        },
        "result_version": RESULT_VERSION,
    }
    if report is not None:
        result["import"] = report.as_dict()
    return result
