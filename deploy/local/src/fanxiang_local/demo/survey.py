"""Answers to the season questionnaire (survey's definition, as `GET /v1/questionnaires/{id}`
returns it), pure and seeded. Most respondents are the demo's students and answer in line with
their profiles (gender, grade, where they study, discipline, home county); the rest are other
Yangquan students (198 > 174: a response need not belong to a placement)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from fanxiang_local.demo import vocabulary as V
from fanxiang_local.demo.model import Student, SurveyAnswer

REGIONS = {
    "山西": "山西省内",
    "北京": "京津冀",
    "天津": "京津冀",
    "河北": "京津冀",
    "上海": "长三角",
    "江苏": "长三角",
    "浙江": "长三角",
    "安徽": "长三角",
    "广东": "珠三角",
    "辽宁": "东北及其他",
    "黑龙江": "东北及其他",
}
GRADES = {"研一": "硕士研究生", "研二": "硕士研究生"}
NOT_PLACED = "未参加岗位实践"
# How answers on a 1–5 scale lean: satisfaction is mostly good, knowing the policies is not.
SATISFIED = {1: 2, 2: 6, 3: 17, 4: 40, 5: 35}
UNAWARE = {1: 20, 2: 35, 3: 28, 4: 12, 5: 5}


def _labels(question: Mapping[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, open) of every option."""
    out = []
    for o in question.get("options", []):
        if isinstance(o, str):
            out.append((o, None, False))
        else:
            out.append((o["label"], o.get("value"), bool(o.get("open"))))
    return out


def _shown(question: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    cond = question.get("show_if")
    if not cond:
        return True
    given = answers.get(str(cond["question"]))
    if given is None:
        return False
    labels = given if isinstance(given, list) else [given]
    if cond.get("any_of"):
        return any(label in cond["any_of"] for label in labels)
    return not any(label in cond.get("none_of", []) for label in labels)


def _scaled_pick(
    rng: random.Random, options: list[tuple[str, Any, bool]], lean: dict[int, int]
) -> str:
    values = [v for _, v, _ in options]
    weights = [lean.get(int(v), 1) if isinstance(v, int | float) else 1 for v in values]
    return rng.choices([label for label, _, _ in options], weights=weights)[0]


def _answer(rng: random.Random, question: Mapping[str, Any], hints: set[str], placed: bool) -> Any:
    kind = question["kind"]
    title = str(question.get("title", ""))
    options = _labels(question)
    lean = UNAWARE if "了解" in title else SATISFIED
    closed = [o for o in options if not o[2]]
    if kind in ("single", "scale"):
        for label, _, _ in options:
            if label in hints:
                return label
        if any(label == NOT_PLACED for label, _, _ in options):
            return (
                rng.choice([o[0] for o in closed if o[0] != NOT_PLACED]) if placed else NOT_PLACED
            )
        if any(v is not None for _, v, _ in options):
            return _scaled_pick(rng, options, lean)
        return rng.choice(closed)[0]
    if kind == "matrix":
        return {row: _scaled_pick(rng, options, lean) for row in question.get("rows", [])}
    if kind == "multi":
        most = min(question.get("max_choices") or 4, len(closed))
        picked: list[Any] = rng.sample([o[0] for o in closed], rng.randint(1, most))
        return picked
    if kind == "ranking":
        order = [o[0] for o in options]
        rng.shuffle(order)
        return order
    text = rng.choice(V.SUGGESTIONS)
    return text or None


def survey_responses(
    rng: random.Random,
    questionnaire: Mapping[str, Any],
    students: Sequence[Student],
    count: int,
    county_labels: Mapping[str, str],
    prefix: str = "demo",
) -> tuple[SurveyAnswer, ...]:
    """``count`` responses: about four in five students answer, others make up the rest."""
    answering = rng.sample(list(students), min(len(students), round(count * 0.75)))
    out: list[SurveyAnswer] = []
    for i in range(count):
        student = answering[i] if i < len(answering) else None
        if student is not None:
            hints = {
                student.gender,
                GRADES.get(student.grade, student.grade),
                REGIONS.get(student.province, "中西部其他省份"),
                student.discipline,
                county_labels.get(student.home_org, ""),
            }
            placed = bool(student.eligible)
        else:
            hints = {rng.choice(list(county_labels.values()))}
            placed = rng.random() < 0.6
        answers: dict[str, Any] = {}
        for q in sorted(questionnaire["questions"], key=lambda q: int(q["number"])):
            if not _shown(q, answers):
                continue
            value = _answer(rng, q, hints, placed)
            if value is not None:
                answers[str(q["number"])] = value
        out.append(SurveyAnswer(f"{prefix}-{i + 1:03d}", student.key if student else None, answers))
    return tuple(out)
