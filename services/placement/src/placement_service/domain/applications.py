"""Applications (按岗招人): a student's ranked choices 志愿 1..N on published posts, and the
county committee's eligibility review (属地管理)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, Unprocessable
from placement_service.domain.geography import CITY, Geography
from placement_service.domain.posts import PostStatus


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # 已报名
    ELIGIBLE = "eligible"  # 资格审核通过
    INELIGIBLE = "ineligible"  # 未通过 (资格)
    WITHDRAWN = "withdrawn"  # 已退出


EDITABLE = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.INELIGIBLE}
)


@dataclass(frozen=True)
class ChoicePost:
    """What a choice needs to know about the post it names."""

    post_id: str
    season_id: str
    status: PostStatus
    county: str


def validate_choices(
    choices: Sequence[str],
    *,
    season_id: str,
    max_choices: int,
    posts: Mapping[str, ChoicePost],
) -> list[str]:
    """Checks a ranked list, best first: 1..max_choices entries, no repeats, each a published
    post of this season. Errors name the offending position, ``("body", "choices", i)``."""
    if not choices:
        raise Unprocessable("choose at least one post", loc=("body", "choices"))
    if len(choices) > max_choices:
        raise Unprocessable(
            f"at most {max_choices} choices this season, got {len(choices)}",
            loc=("body", "choices"),
        )
    seen: dict[str, int] = {}
    for i, post_id in enumerate(choices):
        loc = ("body", "choices", i)
        if post_id in seen:
            raise Unprocessable(
                f"post {post_id} is already choice {seen[post_id] + 1}", loc=loc, code="duplicate"
            )
        seen[post_id] = i
        post = posts.get(post_id)
        if post is None:
            raise Unprocessable(f"no post {post_id}", loc=loc, code="unknown_post")
        if post.season_id != season_id:
            raise Unprocessable(f"post {post_id} is not in season {season_id}", loc=loc)
        if post.status is not PostStatus.PUBLISHED:
            raise Unprocessable(
                f"post {post_id} is {post.status.value}, not open for applications",
                loc=loc,
                code="post_not_open",
            )
    return list(choices)


def is_local(home_county: str, post_county: str) -> bool:
    """属地: a post in the student's home county, or a 市直 post open to all."""
    return post_county in (home_county, CITY)


def require_editable(status: ApplicationStatus, application_id: str) -> None:
    if status not in EDITABLE:
        raise Conflict(
            f"application {application_id} is {status.value}; it can no longer change",
            loc=("path", "application_id"),
            code="invalid_state",
        )


def may_review(
    principal: Principal, home_county: str, home_township: str | None, geo: Geography
) -> bool:
    """The committee of the student's home place reviews eligibility; the coordinator may too."""
    if principal.role is Role.COORDINATOR:
        return True
    return principal.role is Role.COUNTY and principal.county == geo.managing_org(
        home_county, home_township
    )


def decide_eligibility(
    principal: Principal,
    *,
    status: ApplicationStatus,
    application_id: str,
    home_county: str,
    home_township: str | None,
    eligible: bool,
    reason: str | None,
    geo: Geography,
) -> ApplicationStatus:
    if not may_review(principal, home_county, home_township, geo):
        raise Forbidden(
            "only the committee of the student's home county reviews eligibility",
            loc=("path", "application_id"),
        )
    require_editable(status, application_id)
    if not eligible and not (reason and reason.strip()):
        raise Unprocessable("say why the student is not eligible", loc=("body", "reason"))
    return ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
