"""The service's round computation (pure): phases reported in order, and the same round from
the parsed instance as from its stored dict read back with its keys in another order."""

from __future__ import annotations

from typing import Any

from hypothesis import given
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
