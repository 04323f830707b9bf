"""One submitted response (question number → value) checked against its questionnaire.

Values: an option label for single and scale questions (a scored one also takes the score), a
list of labels for multi (at most ``max_choices``) and ranking (best first), ``{row: label}``
for a matrix, a string for text; ``{"label": "其他", "other": "…"}`` for an open option;
null or absent for no answer. A question hidden by skip logic must not be answered.
"""

from __future__ import annotations

from typing import Any

from survey_service.domain import Answer, Question, QuestionKind, Questionnaire
from survey_service.domain.responses import EMPTY, SKIPPED


class InvalidAnswer(ValueError):
    def __init__(self, question: str, message: str) -> None:
        super().__init__(message)
        self.question = question
        self.message = message


def _label(q: Question, raw: Any) -> tuple[str, str | None]:
    other = None
    if isinstance(raw, dict):
        other = raw.get("other")
        raw = raw.get("label")
        if other is not None and not isinstance(other, str):
            raise InvalidAnswer(str(q.number), "'other' must be text")
    if q.is_scored and isinstance(raw, int | float) and not isinstance(raw, bool):
        for o in q.options:
            if o.value == raw:
                return o.label, other
        raise InvalidAnswer(str(q.number), f"第{q.number}题没有分值为 {raw} 的选项")
    if not isinstance(raw, str) or not raw:
        raise InvalidAnswer(str(q.number), f"第{q.number}题需要一个选项文字")
    if q.closed and raw not in q.labels:
        raise InvalidAnswer(
            str(q.number), f"第{q.number}题没有选项「{raw}」（可选：{'、'.join(q.labels)}）"
        )
    if other is not None and not any(o.label == raw and o.open for o in q.options):
        raise InvalidAnswer(str(q.number), f"第{q.number}题的选项「{raw}」不可填写其他内容")
    return raw, other


def _answer(q: Question, raw: Any) -> Answer:
    n = q.number
    match q.kind:
        case QuestionKind.SINGLE | QuestionKind.SCALE:
            label, other = _label(q, raw)
            value = next((o.value for o in q.options if o.label == label), None)
            return Answer(labels=(label,), value=value, other=other)
        case QuestionKind.MULTI | QuestionKind.RANKING:
            if not isinstance(raw, list) or not raw:
                raise InvalidAnswer(str(n), f"第{n}题需要一个非空的选项列表")
            picked = [_label(q, x) for x in raw]
            labels = tuple(p[0] for p in picked)
            if len(set(labels)) != len(labels):
                raise InvalidAnswer(str(n), f"第{n}题的选项重复")
            if q.max_choices is not None and len(labels) > q.max_choices:
                raise InvalidAnswer(str(n), f"第{n}题最多选{q.max_choices}项，实际{len(labels)}项")
            others = [p[1] for p in picked if p[1]]
            return Answer(labels=labels, other=others[0] if others else None)
        case QuestionKind.MATRIX:
            if not isinstance(raw, dict) or not raw:
                raise InvalidAnswer(str(n), f"第{n}题需要 {{行: 选项}}")
            rows: dict[str, str] = {}
            for row, label in raw.items():
                if q.closed and row not in q.rows:
                    raise InvalidAnswer(f"{n}.{row}", f"第{n}题没有「{row}」这一行")
                if not isinstance(label, str) or (q.closed and label not in q.labels):
                    raise InvalidAnswer(f"{n}.{row}", f"第{n}题「{row}」没有选项「{label}」")
                rows[row] = label
            return Answer(rows=rows)
        case _:
            if isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()):
                raw = "；".join(raw.values())
            if not isinstance(raw, str):
                raise InvalidAnswer(str(n), f"第{n}题需要文字")
            return Answer(text=raw) if raw.strip() else EMPTY


def validate_answers(questionnaire: Questionnaire, raw: dict[str, Any]) -> dict[int, Answer]:
    """The answers as the analysis reads them; InvalidAnswer names the first bad question."""
    by_number = {str(q.number): q for q in questionnaire.questions}
    for key in raw:
        if key not in by_number:
            raise InvalidAnswer(str(key), f"问卷中没有第{key}题")
    answers: dict[int, Answer] = {}
    for q in questionnaire.questions:
        value = raw.get(str(q.number))
        shown = True
        if q.show_if is not None:
            ctl = answers.get(q.show_if.question)
            shown = q.show_if.shown(ctl.labels if ctl is not None and ctl.answered else None)
        if value is None or value == "" or value == [] or value == {}:
            answers[q.number] = EMPTY if shown else SKIPPED
            continue
        if not shown:
            raise InvalidAnswer(str(q.number), f"按跳题逻辑第{q.number}题不应作答")
        answers[q.number] = _answer(q, value)
    if all(not a.answered for a in answers.values()):
        raise InvalidAnswer("answers", "没有任何作答")
    return answers
