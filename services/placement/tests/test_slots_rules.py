"""Interview slots: where and when a slot may lie; bookings change only before the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanxiang_common.errors import AppError, Conflict
from placement_service.domain.interviews import (
    SlotDraft,
    check_slot,
    require_not_started,
    slot_full,
    where,
)

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=1), NOW + timedelta(days=20))
START = NOW + timedelta(days=2)


def _loc(**changes: object) -> tuple[object, ...] | None:
    base: dict[str, object] = {
        "starts_at": START,
        "ends_at": START + timedelta(minutes=30),
        "place": "302 会议室",
        "online_url": None,
        "capacity": 3,
    }
    try:
        check_slot(SlotDraft(**{**base, **changes}), WINDOW, NOW)  # type: ignore[arg-type]
    except AppError as exc:
        return tuple(exc.detail()[0]["loc"])
    return None


def test_a_good_slot_passes() -> None:
    assert _loc() is None
    assert _loc(place=None, online_url="https://m.example/1") is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": NOW}, "starts_at"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START + timedelta(hours=9)}, "ends_at"),
        ({"starts_at": WINDOW[1] - timedelta(minutes=10)}, "ends_at"),
        ({"place": None}, "place"),
        ({"capacity": 0}, "capacity"),
    ],
)
def test_refusals_name_the_field(changes: dict[str, object], field: str) -> None:
    if "starts_at" in changes and "ends_at" not in changes:
        start = changes["starts_at"]
        assert isinstance(start, datetime)
        changes = {**changes, "ends_at": start + timedelta(minutes=30)}
    assert _loc(**changes) == ("body", field)


def test_a_slot_before_the_window_is_refused() -> None:
    early = (NOW + timedelta(days=5), NOW + timedelta(days=20))
    with pytest.raises(AppError) as exc:
        check_slot(SlotDraft(START, START + timedelta(hours=1), "x", None, 1), early, NOW)
    assert exc.value.detail()[0]["loc"] == ["body", "starts_at"]


def test_bookings_change_only_before_the_start() -> None:
    require_not_started(START, NOW, ("body", "slot_id"))
    with pytest.raises(Conflict):
        require_not_started(START, START, ("body", "slot_id"))
    assert slot_full().code == "slot_full"


def test_where_joins_place_and_link() -> None:
    assert where("302", None) == "302"
    assert where("302", "https://m") == "302 / https://m"
    assert where(None, "https://m") == "https://m"
