"""Matching rounds as the pages show them: progress, fill rows, placements, override choices,
blocking pairs, the default answer deadline."""

from __future__ import annotations

from datetime import UTC, datetime

from fanxiang_web.domain import rounds

APPS = [
    {
        "student_id": "S1",
        "status": "eligible",
        "home_county": "140302",
        "choices": [{"rank": 2, "post_id": "P2"}, {"rank": 1, "post_id": "P1"}],
    },
    {"student_id": "S2", "status": "eligible", "home_county": "140321", "choices": []},
    {"student_id": "S3", "status": "withdrawn", "home_county": "140302", "choices": []},
]
POSTS = [
    {"post_id": "P1", "title": "新闻采编实习", "unit_id": "U1", "unit_name": "阳泉市融媒体中心"},
    {"post_id": "P2", "title": "政务服务窗口助理", "unit_id": "U2", "unit_name": "城区政府办"},
]
STUDENTS = [{"student_id": "S1", "name": "赵一"}, {"student_id": "S2", "name": "钱二"}]
COUNTIES = {"city": "市直", "140302": "城区", "140321": "平定县"}


def names() -> rounds.Names:
    return rounds.names_from(APPS, STUDENTS, POSTS, COUNTIES)


def test_progress_of_a_running_round() -> None:
    p = rounds.progress({"progress": {"phase": "solving", "done": 3, "total": 8}})
    assert (p.phase, p.percent) == ("solving", 38)
    assert (
        rounds.progress({"progress": {"phase": "loading", "done": 0, "total": 0}}).percent is None
    )
    # Whatever matching sends, the bar is drawn (no total, junk, over 100 %).
    assert rounds.progress({}).phase == "queued"
    assert rounds.progress({"progress": "junk"}).percent is None
    assert rounds.progress({"progress": {"phase": "solve", "done": "x", "total": 4}}).percent == 0
    assert rounds.progress({"progress": {"phase": "solve", "done": 9, "total": 4}}).percent == 100


def test_names_keep_live_applications_with_choices_in_rank_order() -> None:
    n = names()
    assert n.choices == {"S1": ["P1", "P2"], "S2": []}
    assert n.home == {"S1": "140302", "S2": "140321"}
    assert n.student("S1") == "赵一" and n.student("S9") == "S9"
    assert n.post("P2") == "政务服务窗口助理" and n.post(None) == "" and n.post("P9") == "P9"
    assert n.unit_of("P1") == "阳泉市融媒体中心"


def test_fill_rows_are_labelled_and_counties_keep_the_city_order() -> None:
    figures = {
        "fill": {
            "county": {
                "140321": {"posts": 1, "seats": 2, "placed": 1},
                "city": {"posts": 2, "seats": 5, "placed": 0},
            },
            "unit": {
                "U2": {"posts": 1, "seats": 1, "placed": 1},
                "U1": {"posts": 2, "seats": 6, "placed": 2},
            },
        }
    }
    counties = rounds.fill_rows(figures, "county", names())
    assert [r.label for r in counties] == ["市直", "平定县"]
    assert counties[1].fill_rate == 0.5
    units = rounds.fill_rows(figures, "unit", names())
    assert [r.label for r in units] == ["阳泉市融媒体中心", "城区政府办"]  # most seats first
    assert rounds.fill_rows(figures, "category", names()) == []
    chart = rounds.fill_chart(units, lambda s, **_: s)
    assert chart["series"][0]["data"] == [6, 1] and chart["series"][1]["data"] == [2, 1]


def test_placed_by_choice_as_a_list_or_a_mapping() -> None:
    assert rounds.choice_counts([3, 0, 1]) == [(1, 3), (2, 0), (3, 1)]
    assert rounds.choice_counts({"2": 1, "1": 4}) == [(1, 4), (2, 1)]
    assert rounds.choice_counts(None) == []
    assert rounds.by_choice_chart([], lambda s, **_: s) is None


def test_placements_name_the_student_post_unit_and_choice_then_the_unplaced() -> None:
    round_ = {"assignments": {"S1": "P2"}, "unmatched": ["S2"]}
    rows = rounds.placements(round_, names())
    assert [(r.student, r.home, r.post, r.unit, r.choice) for r in rows] == [
        ("赵一", "城区", "政务服务窗口助理", "城区政府办", 2),
        ("钱二", "平定县", "", "", None),
    ]


def test_override_options_are_the_students_own_choices() -> None:
    options = rounds.override_options({"assignments": {"S1": "P1"}, "unmatched": ["S2"]}, names())
    assert [o["name"] for o in options] == ["赵一", "钱二"]
    assert options[0]["current"] == "P1"
    assert [(c["rank"], c["title"]) for c in options[0]["choices"]] == [
        (1, "新闻采编实习"),
        (2, "政务服务窗口助理"),
    ]


def test_blocking_pairs_by_name() -> None:
    pairs = [{"student": "S1", "post": "P1", "reason": "post under capacity"}]
    assert rounds.blocking_pairs(pairs, names()) == [
        rounds.Blocking("赵一", "新闻采编实习", "post under capacity")
    ]
    assert "post under capacity" in rounds.BLOCKING_REASON


def test_default_answer_deadline_is_a_week_on_at_six_in_the_evening() -> None:
    at = rounds.default_accept_by(datetime(2026, 7, 1, 9, 30, tzinfo=UTC))
    assert at == datetime(2026, 7, 8, 18, 0, tzinfo=UTC)


def test_why_not_each_higher_choice_in_words() -> None:
    explanation = {
        "post": "P2",
        "choice": 2,
        "not_placed_higher": [
            {
                "post": "P1",
                "reason": "full",
                "capacity": 3,
                "cutoff_rank": 3,
                "your_rank": 5,
                "cutoff_score": 88.5,
                "your_score": 80.0,
            }
        ],
    }
    [why] = rounds.why_not(explanation, names(), "S1")
    assert (why.rank, why.post, why.text) == (1, "新闻采编实习", rounds.WHY_NOT["full_scored"])
    assert why.values == {
        "capacity": 3,
        "cutoff": 3,
        "mine": 5,
        "cutoff_score": "88.5",
        "your_score": "80",
    }
    for item, key in (
        ({"post": "P1", "reason": "outside_home_county"}, "outside_home_county"),
        ({"post": "P1", "reason": "not_acceptable", "detail": "refused"}, "refused"),
        ({"post": "P1", "reason": "not_acceptable", "detail": "not_ranked"}, "not_ranked"),
        ({"post": "P1", "reason": "full", "capacity": 1, "cutoff_rank": 1, "your_rank": 2}, "full"),
    ):
        [why] = rounds.why_not({"not_placed_higher": [item]}, names(), "S1")
        assert why.text == rounds.WHY_NOT[key]
    assert rounds.why_not({}, names(), "S1") == []


def test_students_a_coordinator_may_exempt_from_locality() -> None:
    applications = [
        {"student_id": "S2", "status": "eligible", "choices": [
            {"post_id": "P1", "title": "远方岗位", "local": False},
            {"post_id": "P2", "title": "家乡岗位", "local": True},
        ]},
        {"student_id": "S1", "status": "eligible", "choices": [{"post_id": "P2", "local": True}]},
        {"student_id": "S3", "status": "withdrawn", "choices": [{"post_id": "P1", "local": False}]},
    ]  # fmt: skip
    assert rounds.exemptable(applications) == [{"student_id": "S2", "posts": ["远方岗位"]}]
