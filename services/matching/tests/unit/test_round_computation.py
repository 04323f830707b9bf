"""The service's round computation (pure): phases reported in order, and the same round from
the parsed instance as from its stored dict read back with its keys in another order."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from matching_cases import QUICK, instances

from matching_service.api import computation
from matching_service.domain import parse_instance


def _facts(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    posts = {
        p["id"]: {
            "county": p["county"],
            "unit_id": "U",
            "category": "c",
            "title": "t",
            "capacity": p["capacity"],
        }
        for p in doc["posts"]
    }
    students = {
        s["id"]: {"application_id": f"A-{s['id']}", "home_county": s["home_county"]}
        for s in doc["students"]
    }
    return posts, students


def _reordered(value: Any) -> Any:
    """As jsonb gives a document back: object keys in another order, lists as they were."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in sorted(value, key=lambda k: (len(k), k))[::-1]}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


@QUICK
@given(instances())
def test_phases_in_order_and_stored_input_gives_the_same_round(doc: dict[str, Any]) -> None:
    posts, students = _facts(doc)
    seen: list[str] = []

    def progress(phase: str, done: int, total: int) -> None:
        assert 0 <= done <= total == len(doc["students"])
        if not seen or seen[-1] != phase:
            seen.append(phase)

    fresh = computation.compute(doc, posts, students, parsed=parse_instance(doc), progress=progress)
    assert seen[0] == "build" and seen[-2:] == ["check", "explain"]
    assert set(seen) <= {"build", "solve", "check", "explain"}
    resumed = computation.compute(_reordered(doc), posts, students)
    assert resumed.result == fresh.result
    assert resumed.explanations == fresh.explanations
    assert fresh.clean


@QUICK
@given(instances(), st.randoms(use_true_random=False))
def test_the_instance_does_not_depend_on_the_order_of_verdicts(
    doc: dict[str, Any], rnd: random.Random
) -> None:
    """The read model's verdicts come back in no particular order (no ORDER BY)."""
    posts = [
        {
            "post_id": p["id"],
            "county": p["county"],
            "unit_id": "U",
            "category": "c",
            "title": "t",
            "capacity": p["capacity"],
        }
        for p in doc["posts"]
    ]
    apps = [
        {
            "application_id": f"A-{s['id']}",
            "student_id": s["id"],
            "home_county": s["home_county"],
            "choices": s["choices"],
        }
        for s in doc["students"]
    ]
    verdicts = [
        {"application_id": f"A-{sid}", "post_id": p["id"], "score": float(score), "refused": False}
        for p in doc["posts"]
        for sid, score in (p.get("scores") or {}).items()
    ] + [
        {"application_id": f"A-{sid}", "post_id": p["id"], "score": None, "refused": True}
        for p in doc["posts"]
        for sid in set(p.get("refused", []))
    ]
    args = {"locality": "any", "seed": 1, "locality_exceptions": set()}
    first = computation.build_instance(posts, apps, verdicts, **args)
    rnd.shuffle(verdicts)
    assert computation.build_instance(posts, apps, verdicts, **args) == first
