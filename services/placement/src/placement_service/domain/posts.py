"""The post lifecycle (因需设岗): who may move a post from which state to which.

draft → submitted → published (approved) | returned (with a reason) → submitted again …
published ⇄ full (by accepted offers vs capacity) → closed; anything not final → withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, Unprocessable
from placement_service.domain.geography import CITY, Geography


class PostStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    FULL = "full"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class PostAction(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    CHANGE_CAPACITY = "change_capacity"


S = PostStatus
# action → (states it may start from, state it leads to; None = unchanged)
TRANSITIONS: dict[PostAction, tuple[frozenset[PostStatus], PostStatus | None]] = {
    PostAction.EDIT: (frozenset({S.DRAFT, S.RETURNED}), None),
    PostAction.SUBMIT: (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    PostAction.APPROVE: (frozenset({S.SUBMITTED}), S.PUBLISHED),
    PostAction.RETURN: (frozenset({S.SUBMITTED}), S.RETURNED),
    PostAction.WITHDRAW: (
        frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.PUBLISHED, S.FULL}),
        S.WITHDRAWN,
    ),
    PostAction.CLOSE: (frozenset({S.PUBLISHED, S.FULL}), S.CLOSED),
    PostAction.CHANGE_CAPACITY: (
        frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.PUBLISHED, S.FULL}),
        None,
    ),
}

OPEN_TO_STUDENTS = frozenset({S.PUBLISHED, S.FULL})
"""States in which students see the post (a full post stays visible, marked full)."""

# Who may do what, besides the coordinator (who may do everything).
_OWNER_ACTIONS = frozenset(
    {PostAction.EDIT, PostAction.SUBMIT, PostAction.WITHDRAW, PostAction.CHANGE_CAPACITY}
)
_APPROVER_ACTIONS = frozenset(PostAction)


@dataclass(frozen=True)
class PostRef:
    """What the rules need to know about a post."""

    post_id: str
    unit_id: str
    county: str
    township: str | None
    status: PostStatus
    capacity: int
    filled: int = 0


def is_owner(principal: Principal, post: PostRef) -> bool:
    return principal.role is Role.UNIT and principal.unit_id == post.unit_id


def is_approver(principal: Principal, post: PostRef, geo: Geography) -> bool:
    """The county committee managing the post's place approves it; 市直 posts only the city."""
    if principal.role is Role.COORDINATOR:
        return True
    if principal.role is not Role.COUNTY or post.county == CITY:
        return False
    return principal.county == geo.managing_org(post.county, post.township)


def can_view(principal: Principal, post: PostRef, geo: Geography) -> bool:
    """Students and everyone else see published posts; drafts only their owner and approvers."""
    if post.status in OPEN_TO_STUDENTS or post.status is S.CLOSED:
        return True
    return is_owner(principal, post) or is_approver(principal, post, geo)


def authorise(principal: Principal, post: PostRef, action: PostAction, geo: Geography) -> None:
    if is_approver(principal, post, geo):
        return
    if is_owner(principal, post) and action in _OWNER_ACTIONS:
        return
    if is_owner(principal, post):
        raise Forbidden(
            f"a unit may not {action.value} its own post; the county committee does",
            loc=("path", "post_id"),
        )
    raise Forbidden(f"you may not {action.value} post {post.post_id}", loc=("path", "post_id"))


def transition(post: PostRef, action: PostAction) -> PostStatus:
    """The state after ``action``, or a 409 saying why the post is not in a state for it."""
    sources, target = TRANSITIONS[action]
    if post.status not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise Conflict(
            f"post {post.post_id} is {post.status.value}; {action.value} needs it to be {allowed}",
            loc=("path", "post_id"),
            code="invalid_state",
        )
    return target or post.status


def check_capacity(post: PostRef, capacity: int) -> PostStatus:
    """A new capacity may not drop below the places already accepted; returns the new state
    (a published post becomes full, a full one opens again)."""
    transition(post, PostAction.CHANGE_CAPACITY)
    if capacity < post.filled:
        raise Unprocessable(
            f"capacity {capacity} is below the {post.filled} places already accepted",
            loc=("body", "capacity"),
        )
    return fill_status(post.status, capacity, post.filled)


def fill_status(status: PostStatus, capacity: int, filled: int) -> PostStatus:
    if status is S.PUBLISHED and filled >= capacity:
        return S.FULL
    if status is S.FULL and filled < capacity:
        return S.PUBLISHED
    return status


def reason_required(reason: str | None, field: str = "reason") -> str:
    if reason is None or not reason.strip():
        raise Unprocessable("give a reason", loc=("body", field))
    return reason.strip()
