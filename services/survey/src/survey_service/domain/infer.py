"""Infer a question's kind and options from its header group and a sample of its cells, for
exports analysed without a questionnaire (the CLI has no server to ask).

Rules, in order (docs/survey.md lists them with the reasons):
- a type hint in the header (`[多选题]`) wins;
- split columns: `填空N` subs → text; 0/1 (or selected-marker) cells → multi; integer cells
  forming a permutation 1..m in each row → ranking; otherwise → matrix;
- one column: `┋` → multi; `→` → ranking; long or mostly distinct values, or a title asking
  for an opinion → text; integer codes → scale when the title asks for a rating, else single;
  labels of a known 5-point scale (非常满意 …) → scale; otherwise → single.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from survey_service.domain.columns import ColumnGroup
from survey_service.domain.model import Option, Question, QuestionKind
from survey_service.domain.values import (
    MULTI_SEP,
    RANK_SEP,
    as_int,
    missing,
    split_fill,
    split_joined,
)

LIKERT_SCALES: tuple[tuple[str, ...], ...] = (
    ("非常不满意", "不满意", "一般", "满意", "非常满意"),
    ("很不满意", "不太满意", "一般", "比较满意", "很满意"),
    ("非常不满意", "比较不满意", "一般", "比较满意", "非常满意"),
    ("非常不同意", "不同意", "一般", "同意", "非常同意"),
    ("非常不同意", "不同意", "中立", "同意", "非常同意"),
    ("完全不了解", "不太了解", "一般", "比较了解", "非常了解"),
    ("不愿意", "不太愿意", "不确定", "比较愿意", "非常愿意"),
    ("非常不符合", "不符合", "一般", "符合", "非常符合"),
    ("从不", "很少", "有时", "经常", "总是"),
)
SELECTED_MARKS = frozenset({"1", "1.0", "√", "✓", "✔", "是", "选中", "TRUE", "true"})
UNSELECTED_MARKS = frozenset({"0", "0.0", "", "否", "FALSE", "false"})
_RATING_TITLE = re.compile(r"满意|评价|评分|打分|程度|同意|可能性|推荐|了解|符合|重要")
_TEXT_TITLE = re.compile(r"建议|意见|想法|说明|原因|为什么|请填写|请输入|请描述|描述|姓名|留言")


def clean_sub(sub: str) -> str:
    """`其他（请补充）:` → `其他`: the option label without its fill-in decoration."""
    out = re.sub(r"[(（](请|需)?(补充|填写|注明|说明)[^)）]*[)）]", "", sub)
    out = re.sub(r"〖.*?〗|_{2,}", "", out).strip().rstrip(":：").strip()
    return out or sub


def _answers(samples: Sequence[Sequence[str]], col: int) -> list[str]:
    out = []
    for row in samples:
        cell = row[col].strip() if col < len(row) else ""
        if missing(cell) is None:
            out.append(cell)
    return out


def _likert(labels: set[str]) -> tuple[str, ...] | None:
    if len(labels) < 2:
        return None
    for scale in LIKERT_SCALES:
        if labels <= set(scale):
            return scale
    return None


def _ordered(labels: list[str]) -> list[str]:
    """First-seen order, except that all-integer codes sort numerically."""
    seen = list(dict.fromkeys(labels))
    if seen and all(as_int(x) is not None for x in seen):
        return sorted(seen, key=lambda x: int(float(x)))
    return seen


def _scored(labels: list[str]) -> tuple[Option, ...]:
    return tuple(Option(label=lb, value=float(int(float(lb)))) for lb in _ordered(labels))


def infer_question(group: ColumnGroup, samples: Sequence[Sequence[str]]) -> Question:
    title = group.title or f"第{group.number}题"
    if group.split:
        return _infer_split(group, title, samples)
    values = _answers(samples, group.cols[0])
    return _infer_single_column(group, title, values)


def _q(group: ColumnGroup, title: str, kind: QuestionKind, **kw: object) -> Question:
    return Question.model_validate(
        {"number": group.number, "title": title, "kind": kind, "closed": False, **kw}
    )


def _infer_single_column(group: ColumnGroup, title: str, values: list[str]) -> Question:
    hint = group.hint
    if hint == "text" or (hint is None and not values):
        return _q(group, title, QuestionKind.TEXT)
    joined_multi = sum(MULTI_SEP in v for v in values)
    joined_rank = sum(RANK_SEP in v for v in values)
    if hint == "multi" or (hint is None and joined_multi):
        parts = [split_fill(p)[0] for v in values for p in split_joined(v, MULTI_SEP)]
        return _q(group, title, QuestionKind.MULTI, options=_options(parts, values))
    if hint == "ranking" or (hint is None and joined_rank * 2 >= len(values)):
        parts = [split_fill(p)[0] for v in values for p in split_joined(v, RANK_SEP)]
        return _q(group, title, QuestionKind.RANKING, options=_options(parts, values))
    labels = [split_fill(v)[0] for v in values]
    distinct = set(labels)
    ints = all(as_int(x) is not None for x in distinct)
    mean_len = sum(len(v) for v in values) / len(values)
    if (
        hint is None
        and not ints
        and (
            _TEXT_TITLE.search(title)
            or mean_len > 15
            or len(distinct) > 30
            or (len(distinct) > 12 and len(distinct) > 0.8 * len(values))
        )
    ):
        return _q(group, title, QuestionKind.TEXT)
    if (
        ints
        and (hint == "scale" or (hint is None and _RATING_TITLE.search(title)))
        and all(0 <= int(float(x)) <= 10 for x in distinct)
    ):
        return _q(group, title, QuestionKind.SCALE, options=_scored(labels))
    if ints and hint is None and len(distinct) > 30:
        return _q(group, title, QuestionKind.TEXT)  # a numeric fill-in (age, count …)
    scale = _likert(distinct)
    if scale is not None:
        opts = [Option(label=lb, value=float(i + 1)) for i, lb in enumerate(scale)]
        return _q(group, title, QuestionKind.SCALE, options=opts)
    return _q(group, title, QuestionKind.SINGLE, options=_options(labels, values))


def _options(labels: list[str], raw: list[str]) -> list[Option]:
    opened = {
        split_fill(p)[0]
        for v in raw
        if "〖" in v
        for p in split_joined(v, MULTI_SEP) + split_joined(v, RANK_SEP)
        if "〖" in p
    }
    return [Option(label=lb, open=lb in opened) for lb in _ordered(labels)]


def _infer_split(group: ColumnGroup, title: str, samples: Sequence[Sequence[str]]) -> Question:
    subs = [clean_sub(s) if s else f"列{i + 1}" for i, s in enumerate(group.subs)]
    columns = [_answers(samples, c) for c in group.cols]
    hint = group.hint
    if hint == "text" or all(s.startswith("填空") for s in subs):
        return _q(group, title, QuestionKind.TEXT, blanks=subs)
    marked = 0
    for sub, vals in zip(subs, columns, strict=True):
        if all(v in SELECTED_MARKS or v in UNSELECTED_MARKS or v == sub for v in vals):
            marked += 1
    if hint == "multi" or (hint is None and marked >= len(subs) - 1):
        opened = {
            s
            for s, vals in zip(subs, columns, strict=True)
            if any(v not in SELECTED_MARKS and v not in UNSELECTED_MARKS and v != s for v in vals)
        }
        return _q(
            group,
            title,
            QuestionKind.MULTI,
            options=[Option(label=s, open=s in opened) for s in subs],
        )
    all_ints = all(as_int(v) is not None for vals in columns for v in vals)
    if hint == "ranking" or (hint is None and all_ints and _looks_ranked(group, samples)):
        return _q(group, title, QuestionKind.RANKING, options=[Option(label=s) for s in subs])
    labels = [v for vals in columns for v in vals]
    if all_ints and labels and all(0 <= int(float(v)) <= 10 for v in labels):
        opts: list[Option] = list(_scored(labels))
    else:
        scale = _likert(set(labels))
        opts = (
            [Option(label=lb, value=float(i + 1)) for i, lb in enumerate(scale)]
            if scale
            else [Option(label=lb) for lb in _ordered(labels)]
        )
    return _q(group, title, QuestionKind.MATRIX, rows=subs, options=opts)


def _looks_ranked(group: ColumnGroup, samples: Sequence[Sequence[str]]) -> bool:
    """Ranks: within each row the given integers are exactly 1..m (no repeats)."""
    rows = ranked = 0
    for row in samples:
        got = []
        for c in group.cols:
            cell = row[c].strip() if c < len(row) else ""
            if missing(cell) is None and cell not in ("0",):
                n = as_int(cell)
                if n is not None:
                    got.append(n)
        if len(got) >= 2:
            rows += 1
            ranked += sorted(got) == list(range(1, len(got) + 1))
    return rows > 0 and ranked >= 0.9 * rows
