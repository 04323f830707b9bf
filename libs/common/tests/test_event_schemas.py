"""Event models must not change incompatibly within a version (see events/snapshots.py)."""

from __future__ import annotations

import pytest

from fanxiang_common.events.snapshots import compatibility_problems, current_schemas, stored_schemas

CURRENT = current_schemas()
STORED = stored_schemas()


@pytest.mark.parametrize("event_type", sorted(STORED))
def test_no_event_changed_incompatibly(event_type: str) -> None:
    assert event_type in CURRENT, f"{event_type} was removed; publish a new version instead"
    assert compatibility_problems(STORED[event_type], CURRENT[event_type]) == [], (
        "a breaking change needs a new event version (…V2) on a new type"
    )


def test_snapshots_are_up_to_date() -> None:
    assert CURRENT == STORED, (
        "event schemas changed compatibly; run `python -m fanxiang_common.events.snapshots` and commit"
    )


def test_the_checker_catches_breaking_changes() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    assert compatibility_problems(old, old) == []
    added_optional = {
        "properties": {**old["properties"], "c": {"type": "string"}},
        "required": ["a"],
    }
    assert compatibility_problems(old, added_optional) == []
    assert compatibility_problems(
        old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    ) == ["field 'b' removed"]
    retyped = {
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert compatibility_problems(old, retyped) == ["field 'a' changed type"]
    assert compatibility_problems(old, {**old, "required": ["a", "b"]}) == [
        "field 'b' became required"
    ]
