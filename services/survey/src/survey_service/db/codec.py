"""Answers as stored in ``response.answers`` (jsonb) and back, and the respondent's county.

Stored form, per question number: ``{"s": "skipped"}`` for a missing answer, else any of
``l`` (labels), ``v`` (score), ``r`` (matrix row → label), ``t`` (text), ``o`` (open-option text).
"""

from __future__ import annotations

from typing import Any

from survey_service.domain import Answer, Questionnaire
from survey_service.domain.responses import EMPTY, MISSING_ANSWERS
from survey_service.domain.values import Missing

# The season questionnaire's 户籍县区 options → county codes (placement's geography; the
# development zone is managed by its own 团工委, code 140311400).
COUNTY_CODES = {
    "城区": "140302",
    "矿区": "140303",
    "郊区": "140311",
    "平定县": "140321",
    "盂县": "140322",
    "开发区": "140311400",
}


def encode(answers: dict[int, Answer]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, a in answers.items():
        if a.status is not None:
            if a.status is not Missing.EMPTY:
                out[str(number)] = {"s": str(a.status)}
            continue
        d: dict[str, Any] = {}
        if a.labels:
            d["l"] = list(a.labels)
        if a.value is not None:
            d["v"] = a.value
        if a.rows:
            d["r"] = a.rows
        if a.text is not None:
            d["t"] = a.text
        if a.other is not None:
            d["o"] = a.other
        out[str(number)] = d
    return out


def decode(stored: dict[str, Any], questionnaire: Questionnaire) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    for q in questionnaire.questions:
        d = stored.get(str(q.number))
        if d is None:
            answers[q.number] = EMPTY
        elif "s" in d:
            answers[q.number] = MISSING_ANSWERS.get(Missing(d["s"]), EMPTY)
        else:
            answers[q.number] = Answer(
                labels=tuple(d.get("l", ())),
                value=d.get("v"),
                rows=d.get("r"),
                text=d.get("t"),
                other=d.get("o"),
            )
    return answers


def county_of(answers: dict[int, Answer], questionnaire: Questionnaire) -> str | None:
    """The respondent's home county code, from the first single-choice question about 县区."""
    for q in questionnaire.questions:
        if q.kind == "single" and "县区" in q.title:
            a = answers.get(q.number)
            if a is not None and a.status is None and a.labels:
                return COUNTY_CODES.get(a.labels[0])
            return None
    return None
