"""Ranked choices, eligibility (属地) and the season's windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import AppError, Conflict, Forbidden, Unprocessable
from placement_service.domain import applications as rules
from placement_service.domain.applications import ApplicationStatus, ChoicePost
from placement_service.domain.geography import default_geography
from placement_service.domain.posts import PostStatus
from placement_service.domain.seasons import Phase, Season, check_windows

GEO = default_geography()
POSTS = {f"P{i}": ChoicePost(f"P{i}", "S", PostStatus.PUBLISHED, "140302") for i in range(1, 8)}
POSTS["D"] = ChoicePost("D", "S", PostStatus.SUBMITTED, "140302")
POSTS["X"] = ChoicePost("X", "other", PostStatus.PUBLISHED, "140302")


def check(choices: list[str], max_choices: int = 5) -> list[str]:
    return rules.validate_choices(choices, season_id="S", max_choices=max_choices, posts=POSTS)


def loc_of(choices: list[str], max_choices: int = 5) -> tuple[object, ...]:
    with pytest.raises(Unprocessable) as caught:
        check(choices, max_choices)
    return caught.value.loc


def test_a_ranked_list_within_the_limit_is_kept_in_order() -> None:
    assert check(["P3", "P1", "P2"]) == ["P3", "P1", "P2"]


def test_each_problem_names_its_position() -> None:
    assert loc_of([]) == ("body", "choices")
    assert loc_of(["P1", "P2", "P3", "P4", "P5", "P6"]) == ("body", "choices")
    assert loc_of(["P1", "P2", "P3"], max_choices=2) == ("body", "choices")
    assert loc_of(["P1", "P2", "P1"]) == ("body", "choices", 2)
    assert loc_of(["P1", "nope"]) == ("body", "choices", 1)
    assert loc_of(["D"]) == ("body", "choices", 0)
    assert loc_of(["P1", "X"]) == ("body", "choices", 1)


def test_local_means_home_county_or_city() -> None:
    assert rules.is_local("140302", "140302") and rules.is_local("140302", "city")
    assert not rules.is_local("140302", "140322")


def test_only_the_home_county_decides_eligibility() -> None:
    home = Principal(subject="c", role=Role.COUNTY, county="140322")
    other = Principal(subject="d", role=Role.COUNTY, county="140302")
    kwargs = dict(
        status=ApplicationStatus.SUBMITTED,
        application_id="A",
        home_county="140322",
        home_township=None,
        geo=GEO,
    )
    assert rules.decide_eligibility(home, eligible=True, reason=None, **kwargs) is (
        ApplicationStatus.ELIGIBLE
    )
    with pytest.raises(Forbidden):
        rules.decide_eligibility(other, eligible=True, reason=None, **kwargs)
    with pytest.raises(Unprocessable):
        rules.decide_eligibility(home, eligible=False, reason=" ", **kwargs)
    assert rules.decide_eligibility(home, eligible=False, reason="户籍不在本县", **kwargs) is (
        ApplicationStatus.INELIGIBLE
    )
    with pytest.raises(Conflict):
        rules.decide_eligibility(
            home, eligible=True, reason=None, **{**kwargs, "status": ApplicationStatus.WITHDRAWN}
        )


def season(**overrides: object) -> Season:
    t = datetime(2026, 6, 1, tzinfo=UTC)
    values: dict[str, object] = dict(
        season_id="S",
        name="s",
        posts_open=t,
        posts_close=t + timedelta(days=10),
        applications_open=t + timedelta(days=5),
        applications_close=t + timedelta(days=15),
        interviews_open=t + timedelta(days=15),
        interviews_close=t + timedelta(days=20),
        on_post_start=date(2026, 7, 1),
        on_post_end=date(2026, 8, 31),
    )
    values.update(overrides)
    return Season(**values)  # type: ignore[arg-type]


def test_windows_refuse_early_and_late_actions_with_the_time() -> None:
    s = season()
    t = datetime(2026, 6, 1, tzinfo=UTC)
    s.require_open(Phase.POSTS, t)
    with pytest.raises(Conflict, match="opens at") as early:
        s.require_open(Phase.APPLICATIONS, t)
    assert early.value.code == "window_not_open"
    with pytest.raises(Conflict, match="closed at") as late:
        s.require_open(Phase.POSTS, t + timedelta(days=10))
    assert late.value.code == "window_closed"
    with pytest.raises(Conflict, match="closed"):
        season(closed=True).require_open(Phase.POSTS, t)


@pytest.mark.parametrize(
    "bad",
    [
        {"posts_close": datetime(2026, 5, 1, tzinfo=UTC)},
        {"on_post_end": date(2026, 6, 1)},
        {"max_choices": 0},
    ],
)
def test_inconsistent_seasons_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(AppError):
        check_windows(season(**bad))
