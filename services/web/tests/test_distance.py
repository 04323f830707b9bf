"""就近就便: posts nearest the student's home first (county seats; own township first)."""

from __future__ import annotations

import pytest

from fanxiang_web.domain.distance import Home, Seat, distance, great_circle_km, nearest_first

# County seats of Yangquan (PROGRAMME.md, Geography).
SEATS = {
    "140302": Seat(113.600669, 37.847436),  # 城区
    "140303": Seat(113.555279, 37.868494),  # 矿区
    "140311": Seat(113.594163, 37.944679),  # 郊区
    "140321": Seat(113.630107, 37.804988),  # 平定县
    "140322": Seat(113.412330, 38.085619),  # 盂县
}


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ("140302", "140303", 4.6),
        ("140302", "140311", 10.8),
        ("140302", "140321", 5.4),
        ("140302", "140322", 31.2),
        ("140321", "140322", 36.6),
    ],
)
def test_seat_distances_match_the_programme_notes(a: str, b: str, km: float) -> None:
    assert great_circle_km(SEATS[a], SEATS[b]) == pytest.approx(km, abs=0.1)


def test_distance_is_symmetric_and_zero_at_home() -> None:
    assert great_circle_km(SEATS["140303"], SEATS["140322"]) == pytest.approx(
        great_circle_km(SEATS["140322"], SEATS["140303"])
    )
    assert great_circle_km(SEATS["140311"], SEATS["140311"]) == 0


def post(post_id: str, county: str, township: str | None = None) -> dict[str, str | None]:
    return {"post_id": post_id, "county": county, "township": township}


def arrange(home: Home, posts: list[dict[str, str | None]]) -> list[str]:
    measured = nearest_first(
        posts,
        lambda p: (str(p["county"]), p["township"]),
        home,
        SEATS,
        "140302",
        tie=lambda p: str(p["post_id"]),
    )
    return [str(p["post_id"]) for p, _ in measured]


def test_a_student_from_yu_county_sees_yu_county_first_and_pingding_last() -> None:
    home = Home("140322", "140322100")
    posts = [
        post("pingding", "140321", "140321100"),
        post("city", "city"),
        post("yu-other-town", "140322", "140322103"),
        post("jiaoqu", "140311", "140311100"),
        post("yu-home-town", "140322", "140322100"),
    ]
    assert arrange(home, posts) == ["yu-home-town", "yu-other-town", "jiaoqu", "city", "pingding"]


def test_city_level_posts_sit_at_the_city_seat() -> None:
    d = distance(Home("140302"), "city", None, SEATS, "140302")
    assert d.km == 0 and not d.same_county and not d.same_township


def test_an_unknown_county_sorts_last_and_equal_distances_keep_a_stable_order() -> None:
    home = Home("140303")
    posts = [post("b", "999999"), post("z", "140303"), post("a", "140303"), post("c", "140302")]
    assert arrange(home, posts) == ["a", "z", "c", "b"]


def test_a_student_without_a_known_home_county_gets_no_distance() -> None:
    d = distance(Home("000000"), "140302", None, SEATS, "140302")
    assert d.km is None
