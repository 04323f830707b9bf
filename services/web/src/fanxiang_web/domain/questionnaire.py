"""The season questionnaire as an HTML form: field names per question, skip logic, and the
posted form turned into survey's answers (question number → label | [labels] | {row: label} |
text; ``{"label", "other"}`` for an open 其他 option), with an error per question.

The web checks what survey checks (an option that exists, at most ``max_choices``, no answer
to a question skip logic hides) and also that every shown question with options is answered
(text is optional), so a response it sends on Kafka is one survey stores. Pure: no I/O.

Field names: ``q7`` (single, scale, text; multi repeats it), ``q7.other`` (the 其他 text),
``q9.r0`` … (matrix rows, by index), ``q12.o0`` … (ranking: the rank given to each option),
``q17.b0`` … (a text question with several blanks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHOICE = ("single", "scale")


@dataclass
class Parsed:
    answers: dict[str, Any]
    errors: dict[int, str]  # question number → what is wrong (Chinese; translated on the page)
    values: dict[str, list[str]]  # the form as posted, to show it again


def options(q: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for o in q.get("options") or []:
        out.append({"label": o, "open": False} if isinstance(o, str) else dict(o))
    return out


def labels(q: Mapping[str, Any]) -> list[str]:
    return [str(o["label"]) for o in options(q)]


def shown(q: Mapping[str, Any], answered: Mapping[int, Sequence[str]]) -> bool:
    """Skip logic: shown when the controlling question's answer matches ``show_if`` (a
    question whose controlling question is unanswered is hidden, as survey reads it)."""
    rule = q.get("show_if")
    if not rule:
        return True
    picked = answered.get(int(rule["question"]))
    if not picked:
        return False
    if rule.get("any_of"):
        return any(p in rule["any_of"] for p in picked)
    return not any(p in (rule.get("none_of") or []) for p in picked)


def _first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _with_other(q: Mapping[str, Any], label: str, other: str) -> Any:
    is_open = any(o["label"] == label and o.get("open") for o in options(q))
    return {"label": label, "other": other} if is_open and other else label


def parse(questions: Sequence[Mapping[str, Any]], form: Mapping[str, list[str]]) -> Parsed:
    answers: dict[str, Any] = {}
    errors: dict[int, str] = {}
    picked: dict[int, list[str]] = {}
    for q in questions:
        n = int(q["number"])
        kind = str(q["kind"])
        if not shown(q, picked):
            continue  # whatever was posted for a hidden question is dropped
        name = f"q{n}"
        allowed = labels(q)
        other = _first(form, f"{name}.other")
        if kind in CHOICE:
            label = _first(form, name)
            if not label:
                errors[n] = "请回答这一题"
            elif label not in allowed:
                errors[n] = "请从列表中选择"
            elif _needs_other(q, [label], other):
                errors[n] = "请填写“其他”的具体内容"
            else:
                picked[n] = [label]
                answers[str(n)] = _with_other(q, label, other)
        elif kind == "multi":
            chosen = list(dict.fromkeys(v for v in form.get(name) or [] if v))
            limit = q.get("max_choices")
            if not chosen:
                errors[n] = "请至少选择一项"
            elif any(c not in allowed for c in chosen):
                errors[n] = "请从列表中选择"
            elif limit and len(chosen) > int(limit):
                errors[n] = "最多选 {n} 项"  # the page fills in max_choices
            elif _needs_other(q, chosen, other):
                errors[n] = "请填写“其他”的具体内容"
            else:
                picked[n] = chosen
                answers[str(n)] = [_with_other(q, c, other) for c in chosen]
        elif kind == "matrix":
            rows = [str(r) for r in q.get("rows") or []]
            given = {r: _first(form, f"{name}.r{i}") for i, r in enumerate(rows)}
            if any(not v for v in given.values()):
                errors[n] = "请为每一行选择"
            elif any(v not in allowed for v in given.values()):
                errors[n] = "请从列表中选择"
            else:
                answers[str(n)] = given
        elif kind == "ranking":
            ranked, problem = _ranking(allowed, form, name)
            if problem:
                errors[n] = problem
            else:
                picked[n] = ranked
                answers[str(n)] = ranked
        else:  # text: optional
            blanks = q.get("blanks") or []
            if blanks:
                parts = [_first(form, f"{name}.b{i}") for i in range(len(blanks))]
                text = "；".join(p for p in parts if p)
            else:
                text = _first(form, name)
            if len(text) > 2000:
                errors[n] = "太长了"
            elif text:
                answers[str(n)] = text
    if not errors and not answers:
        errors[int(questions[0]["number"]) if questions else 0] = "请回答这一题"
    return Parsed(answers, errors, {k: list(v) for k, v in form.items()})


def _needs_other(q: Mapping[str, Any], chosen: Sequence[str], other: str) -> bool:
    opened = {o["label"] for o in options(q) if o.get("open")}
    return bool(opened.intersection(chosen)) and not other


def _ranking(
    allowed: Sequence[str], form: Mapping[str, list[str]], name: str
) -> tuple[list[str], str | None]:
    """Options with a rank (1 = first); ranks must be 1..k with no gaps or repeats."""
    ranks: dict[str, int] = {}
    for i, label in enumerate(allowed):
        raw = _first(form, f"{name}.o{i}")
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= len(allowed):
            return [], "排序请填 1 到选项个数之间的整数"
        ranks[label] = int(raw)
    if not ranks:
        return [], "请至少排一项"
    if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
        return [], "排序要从 1 开始连续，不能重复"
    return sorted(ranks, key=lambda label: ranks[label]), None


def show_if_attr(q: Mapping[str, Any]) -> dict[str, Any] | None:
    """What app.js needs to hide and show the question as the form is filled."""
    rule = q.get("show_if")
    if not rule:
        return None
    return {
        "question": int(rule["question"]),
        "any_of": list(rule.get("any_of") or []),
        "none_of": list(rule.get("none_of") or []),
    }
