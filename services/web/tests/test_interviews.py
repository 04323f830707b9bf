"""A student's interviews: which one comes next, how many posts wait for a booking, links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fanxiang_web.domain.interviews import bookable, is_link, upcoming

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def item(title: str, hours: float | None, slots: int = 0, booked: bool = False) -> dict:
    at = None if hours is None else {"at": (NOW + timedelta(hours=hours)).isoformat()}
    return {
        "title": title,
        "interview": at,
        "slots": [{"slot_id": f"S{i}"} for i in range(slots)],
        "booking": {"slot_id": "B"} if booked else None,
    }


def test_the_next_interview_is_the_earliest_not_yet_started() -> None:
    items = [item("past", -1), item("later", 48), item("sooner", 2), item("none", None)]
    found = upcoming(items, NOW)
    assert found is not None and found["title"] == "sooner"
    assert upcoming([item("past", -1), item("none", None)], NOW) is None
    assert upcoming([], NOW) is None


def test_posts_waiting_for_a_booking_are_those_with_slots_and_no_booking() -> None:
    items = [item("a", None, slots=2), item("b", 3, slots=1, booked=True), item("c", None)]
    assert bookable(items) == 1


def test_only_http_links_are_links() -> None:
    assert is_link("https://meeting.tencent.com/dm/abc")
    assert is_link("http://x.example")
    assert not is_link("城区团委 302 会议室")
    assert not is_link("javascript:alert(1)")
    assert not is_link(None) and not is_link("")
