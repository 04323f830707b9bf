"""Smaller pure parts: the current season, the post list's orders, dashboard figures with
small groups hidden, the post form's majors, interview times, local redirects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fanxiang_web.api.unit import beijing_to_aware, ranked, split_majors
from fanxiang_web.domain import dashboard, listing, seasons
from fanxiang_web.domain.distance import Home, Seat
from fanxiang_web.ui import safe_next

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def season(sid: str, opens: int, closes: int, closed: bool = False) -> dict[str, Any]:
    return {
        "season_id": sid,
        "closed": closed,
        "applications_open": (NOW + timedelta(days=opens)).isoformat(),
        "applications_close": (NOW + timedelta(days=closes)).isoformat(),
    }


def test_the_current_season_is_the_one_taking_applications() -> None:
    found = seasons.current(
        [season("old", -400, -360, closed=True), season("now", -1, 10), season("next", 100, 120)],
        NOW,
    )
    assert found is not None and found["season_id"] == "now"


def test_between_seasons_the_next_one_is_current_and_without_any_the_last() -> None:
    upcoming = seasons.current([season("past", -40, -30), season("next", 5, 20)], NOW)
    assert upcoming is not None and upcoming["season_id"] == "next"
    past = seasons.current([season("a", -90, -80, True), season("b", -40, -30, True)], NOW)
    assert past is not None and past["season_id"] == "b"
    assert seasons.current([], NOW) is None


def test_window_states() -> None:
    s = season("s", -1, 1)
    assert seasons.window(s, "applications", NOW) == "open"
    assert seasons.window(s, "applications", NOW + timedelta(days=2)) == "closed"
    assert seasons.window(s, "applications", NOW - timedelta(days=2)) == "not_yet"
    assert seasons.window({**s, "closed": True}, "applications", NOW) == "closed"


def test_listing_orders_and_the_places_left_filter() -> None:
    seats = {"140302": Seat(113.600669, 37.847436), "140322": Seat(113.412330, 38.085619)}
    posts = [
        {"post_id": "far", "county": "140322", "capacity": 5, "filled": 0, "approved_at": "3"},
        {"post_id": "near", "county": "140302", "capacity": 1, "filled": 0, "approved_at": "1"},
        {"post_id": "full", "county": "140302", "capacity": 2, "filled": 2, "approved_at": "2"},
    ]

    city = Home("140302")

    def ids(sort: str, only: bool = False, home: Home | None = city) -> list[str]:
        out = listing.arrange(
            posts,
            sort=sort,
            only_with_places=only,
            home=home,
            seats=seats,
            city_seat_county="140302",
        )
        return [p["post_id"] for p, _ in out]

    assert ids("near") == ["full", "near", "far"]
    assert ids("new") == ["far", "full", "near"]
    assert ids("places") == ["far", "near", "full"]
    assert ids("near", only=True) == ["near", "far"]
    assert ids("near", home=None) == ["far", "full", "near"]  # no home: newest first


def test_dashboard_counts_approved_posts_per_place_and_category() -> None:
    posts = [
        {
            "county": "140302",
            "category": "政务实践",
            "status": "published",
            "capacity": 3,
            "filled": 1,
        },
        {"county": "140302", "category": "政务实践", "status": "full", "capacity": 2, "filled": 2},
        {
            "county": "city",
            "category": "文化宣传",
            "status": "submitted",
            "capacity": 9,
            "filled": 0,
        },
        {"county": "140322", "category": "文化宣传", "status": "draft", "capacity": 4, "filled": 0},
    ]
    f = dashboard.figures(
        posts, {"city": "市直", "140302": "城区", "140322": "盂县"}, ["政务实践", "文化宣传"]
    )
    assert (f.total.posts, f.total.capacity, f.total.filled, f.total.pending) == (2, 5, 3, 1)
    assert [(r.label, r.posts, r.capacity, r.pending) for r in f.by_place] == [
        ("市直", 0, 0, 1),
        ("城区", 2, 5, 0),
        ("盂县", 0, 0, 0),
    ]
    assert f.by_place[1].fill_rate == pytest.approx(0.6) and f.by_place[0].fill_rate is None
    assert f.by_status == {"published": 1, "full": 1, "submitted": 1, "draft": 1}
    chart = dashboard.capacity_chart(f.by_place, lambda s: s)
    assert chart["xAxis"]["data"] == ["市直", "城区", "盂县"]
    assert chart["series"][0]["data"] == [0, 5, 0]


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (120, "120")]
)
def test_groups_smaller_than_five_are_hidden(count: int, shown: str) -> None:
    assert dashboard.suppressed(count) == shown


def test_majors_split_on_any_usual_separator() -> None:
    assert split_majors("汉语言文学，新闻学、法学; 法学/ 统计学\n") == [
        "汉语言文学",
        "新闻学",
        "法学",
        "统计学",
    ]
    assert split_majors("  ") == []


def test_an_interview_time_typed_in_beijing_time_is_sent_with_its_offset() -> None:
    assert beijing_to_aware("2026-07-01T09:30") == "2026-07-01T01:30:00+00:00"


def test_the_ranking_puts_scored_first_then_unscored_then_refused() -> None:
    applicants = [
        {"name": "a", "rank": 1, "overall": None},
        {"name": "b", "rank": 2, "overall": 80.0},
        {"name": "c", "rank": 1, "overall": 80.0},
        {"name": "d", "rank": 1, "overall": 95.0, "refused": True},
        {"name": "e", "rank": 3, "overall": 90.5},
    ]
    assert [a["name"] for a in ranked(applicants)] == ["e", "c", "b", "a", "d"]


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/s/posts?county=140302", "/s/posts?county=140302"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_redirects_stay_on_this_site(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe
