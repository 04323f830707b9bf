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


class Decoder:
    """Stored answers → the analysis' Answers. Equal answers come back as one shared Answer
    (``shared = True``), so the analysis tallies them by identity instead of one by one;
    at most ``limit`` distinct answers are kept (free-text answers are rarely equal)."""

    def __init__(self, questionnaire: Questionnaire, limit: int = 200_000) -> None:
        self.numbers = [(q.number, str(q.number)) for q in questionnaire.questions]
        self.cache: dict[tuple[Any, ...], Answer] = {}
        self.limit = limit

    def __call__(self, stored: dict[str, Any]) -> dict[int, Answer]:
        answers: dict[int, Answer] = {}
        cache = self.cache
        for number, key in self.numbers:
            d = stored.get(key)
            if d is None:
                answers[number] = EMPTY
                continue
            if "s" in d:
                answers[number] = MISSING_ANSWERS.get(Missing(d["s"]), EMPTY)
                continue
            r = d.get("r")
            ck = (
                number,
                tuple(d.get("l", ())),
                d.get("v"),
                tuple(r.items()) if r else None,
                d.get("t"),
                d.get("o"),
            )
            a = cache.get(ck)
            if a is None:
                a = Answer(labels=ck[1], value=ck[2], rows=r, text=ck[4], other=ck[5])
                if len(cache) < self.limit:
                    a.shared = True
                    cache[ck] = a
            answers[number] = a
        return answers


def decode(stored: dict[str, Any], questionnaire: Questionnaire) -> dict[int, Answer]:
    return Decoder(questionnaire, limit=0)(stored)


def county_of(answers: dict[int, Answer], questionnaire: Questionnaire) -> str | None:
    """The respondent's home county code, from the first single-choice question about 县区."""
    for q in questionnaire.questions:
        if q.kind == "single" and "县区" in q.title:
            a = answers.get(q.number)
            if a is not None and a.status is None and a.labels:
                return COUNTY_CODES.get(a.labels[0])
            return None
    return None
