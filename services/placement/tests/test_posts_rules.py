"""The post lifecycle and who may move it."""

from __future__ import annotations

import pytest

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, Unprocessable
from placement_service.domain import posts as rules
from placement_service.domain.geography import default_geography
from placement_service.domain.posts import PostAction, PostRef, PostStatus

GEO = default_geography()
UNIT = Principal(subject="a", role=Role.UNIT, unit_id="U-1")
OTHER_UNIT = Principal(subject="b", role=Role.UNIT, unit_id="U-2")
CHENGQU = Principal(subject="c", role=Role.COUNTY, county="140302")
YUXIAN = Principal(subject="d", role=Role.COUNTY, county="140322")
ZONE = Principal(subject="z", role=Role.COUNTY, county="140311400")
JIAOQU = Principal(subject="j", role=Role.COUNTY, county="140311")
CITY = Principal(subject="e", role=Role.COORDINATOR)
STUDENT = Principal(subject="S-1", role=Role.STUDENT)


def post(
    status: PostStatus = PostStatus.DRAFT,
    county: str = "140302",
    township: str | None = None,
    capacity: int = 2,
    filled: int = 0,
) -> PostRef:
    return PostRef("P-1", "U-1", county, township, status, capacity, filled)


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (PostStatus.DRAFT, PostAction.SUBMIT, PostStatus.SUBMITTED),
        (PostStatus.RETURNED, PostAction.SUBMIT, PostStatus.SUBMITTED),
        (PostStatus.SUBMITTED, PostAction.APPROVE, PostStatus.PUBLISHED),
        (PostStatus.SUBMITTED, PostAction.RETURN, PostStatus.RETURNED),
        (PostStatus.PUBLISHED, PostAction.CLOSE, PostStatus.CLOSED),
        (PostStatus.FULL, PostAction.CLOSE, PostStatus.CLOSED),
        (PostStatus.PUBLISHED, PostAction.WITHDRAW, PostStatus.WITHDRAWN),
        (PostStatus.DRAFT, PostAction.EDIT, PostStatus.DRAFT),
    ],
)
def test_allowed_transitions(start: PostStatus, action: PostAction, end: PostStatus) -> None:
    assert rules.transition(post(start), action) is end


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (PostStatus.DRAFT, PostAction.APPROVE),
        (PostStatus.PUBLISHED, PostAction.EDIT),
        (PostStatus.PUBLISHED, PostAction.SUBMIT),
        (PostStatus.WITHDRAWN, PostAction.WITHDRAW),
        (PostStatus.CLOSED, PostAction.CHANGE_CAPACITY),
        (PostStatus.RETURNED, PostAction.APPROVE),
        (PostStatus.DRAFT, PostAction.CLOSE),
    ],
)
def test_refused_transitions_say_why(start: PostStatus, action: PostAction) -> None:
    with pytest.raises(Conflict, match=f"is {start.value}"):
        rules.transition(post(start), action)


def test_the_county_of_the_post_approves_the_unit_does_not() -> None:
    p = post(PostStatus.SUBMITTED)
    rules.authorise(CHENGQU, p, PostAction.APPROVE, GEO)
    rules.authorise(CITY, p, PostAction.APPROVE, GEO)
    for who in (UNIT, YUXIAN, OTHER_UNIT, STUDENT):
        with pytest.raises(Forbidden):
            rules.authorise(who, p, PostAction.APPROVE, GEO)
    rules.authorise(UNIT, p, PostAction.WITHDRAW, GEO)
    with pytest.raises(Forbidden):
        rules.authorise(OTHER_UNIT, p, PostAction.WITHDRAW, GEO)


def test_city_posts_are_approved_by_the_city_alone() -> None:
    p = post(PostStatus.SUBMITTED, county="city")
    assert rules.is_approver(CITY, p, GEO)
    assert not rules.is_approver(CHENGQU, p, GEO)


def test_the_development_zone_has_its_own_committee() -> None:
    p = post(PostStatus.SUBMITTED, county="140311", township="140311400")
    assert rules.is_approver(ZONE, p, GEO) and not rules.is_approver(JIAOQU, p, GEO)
    ordinary = post(PostStatus.SUBMITTED, county="140311", township="140311100")
    assert rules.is_approver(JIAOQU, ordinary, GEO) and not rules.is_approver(ZONE, ordinary, GEO)


def test_drafts_are_hidden_published_posts_are_not() -> None:
    assert not rules.can_view(STUDENT, post(PostStatus.SUBMITTED), GEO)
    assert rules.can_view(UNIT, post(PostStatus.SUBMITTED), GEO)
    assert rules.can_view(STUDENT, post(PostStatus.PUBLISHED), GEO)


def test_capacity_cannot_drop_below_accepted_places_and_fullness_follows() -> None:
    full = post(PostStatus.PUBLISHED, capacity=3, filled=2)
    with pytest.raises(Unprocessable, match="below the 2 places"):
        rules.check_capacity(full, 1)
    assert rules.check_capacity(full, 2) is PostStatus.FULL
    assert rules.check_capacity(post(PostStatus.FULL, capacity=2, filled=2), 4) is (
        PostStatus.PUBLISHED
    )
    assert rules.check_capacity(post(PostStatus.DRAFT, filled=0), 1) is PostStatus.DRAFT
