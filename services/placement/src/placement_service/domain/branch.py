"""The season's temporary League branch (临时团支部): who belongs to it, its officers and
their limits, its activities (sign-up, attendance) and the figures the coordinator reads.

Membership is derived, never entered: a student belongs to a season's branch while one of
their placements in that season is on post (已上岗) or completed (已结束). Officers are
members who nominated themselves and whom the coordinator approved; their office is what
lets them organise — their account stays a student account (one role per phone), so an
office takes effect, and ends, at once without signing in again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, Unprocessable

MEMBER_STATES = ("on_post", "completed")
"""Placement states that make a student a member of their season's branch."""


class Office(StrEnum):
    SECRETARY = "secretary"  # 书记
    DEPUTY_SECRETARY = "deputy_secretary"  # 副书记
    COMMITTEE_MEMBER = "committee_member"  # 委员


OFFICE_NAMES = {
    Office.SECRETARY: "书记",
    Office.DEPUTY_SECRETARY: "副书记",
    Office.COMMITTEE_MEMBER: "委员",
}

OFFICE_LIMITS: Mapping[Office, int] = {
    Office.SECRETARY: 1,
    Office.DEPUTY_SECRETARY: 2,
    Office.COMMITTEE_MEMBER: 5,
}
"""How many may hold each office at once."""

MAX_OFFICERS = 7
"""A League branch committee has 3–7 members (the seed's branch had five)."""


class NominationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ENDED = "ended"  # stepped down, or removed by the coordinator


class ActivityKind(StrEnum):
    LECTURE = "lecture"  # 讲座 (e.g. the micro-lecture series)
    SPORTS = "sports"  # 体育 (the basketball team)
    VOLUNTEER = "volunteer"  # 志愿服务 (village wall-painting)
    FORUM = "forum"  # 座谈 (the talent-policy forum)
    OTHER = "other"


KIND_NAMES = {
    ActivityKind.LECTURE: "讲座",
    ActivityKind.SPORTS: "体育",
    ActivityKind.VOLUNTEER: "志愿服务",
    ActivityKind.FORUM: "座谈",
    ActivityKind.OTHER: "其他",
}


class ActivityStatus(StrEnum):
    ANNOUNCED = "announced"
    CANCELLED = "cancelled"


# --- who the caller is in a branch ---------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The caller's place in one season's branch."""

    role: Role
    member: bool = False
    office: Office | None = None

    @property
    def organiser(self) -> bool:
        """May create and cancel activities, see the roster and mark attendance: the
        coordinator, an officer account the coordinator created (a League cadre helping every
        branch), or a member holding an office."""
        if self.role in (Role.COORDINATOR, Role.OFFICER):
            return True
        return self.role is Role.STUDENT and self.member and self.office is not None

    @property
    def reader(self) -> bool:
        """May see the branch and its activities: organisers and members."""
        return self.organiser or (self.role is Role.STUDENT and self.member)


def standing(principal: Principal, member: bool, office: str | None) -> Standing:
    if principal.role is not Role.STUDENT:
        return Standing(principal.role)
    # An office only counts while its holder is still a member (on post or completed).
    return Standing(Role.STUDENT, member, Office(office) if office and member else None)


def require_reader(s: Standing) -> None:
    if not s.reader:
        raise Forbidden(
            "only the branch's members (students on post this season) and its officers",
            loc=("path", "season_id"),
        )


def require_organiser(s: Standing) -> None:
    if not s.organiser:
        raise Forbidden(
            "only the branch's officers and the coordinator organise", loc=("path", "season_id")
        )


def require_member(s: Standing) -> None:
    """Signing up and nominating oneself: students on post in this season."""
    if s.role is not Role.STUDENT:
        raise Forbidden("this needs one of the roles: student")
    if not s.member:
        raise Forbidden(
            "only students on post this season belong to its branch", loc=("path", "season_id")
        )


# --- officers -------------------------------------------------------------------------------------


def check_office_free(office: Office, approved: Mapping[Office, int]) -> None:
    """Approving one more holder of ``office`` keeps within the limits (checked under a lock
    on the season's nominations, so two approvals cannot both take the last place)."""
    if approved.get(office, 0) >= OFFICE_LIMITS[office]:
        raise Conflict(
            f"the branch already has {OFFICE_LIMITS[office]} {OFFICE_NAMES[office]}",
            loc=("body", "office"),
            code="office_full",
        )
    if sum(approved.values()) >= MAX_OFFICERS:
        raise Conflict(
            f"the branch committee has {MAX_OFFICERS} officers already",
            loc=("body", "office"),
            code="office_full",
        )


def require_pending(status: str) -> None:
    if status != NominationStatus.PENDING:
        raise Conflict(
            f"this nomination was already decided ({status})",
            loc=("path", "nomination_id"),
            code="invalid_state",
        )


def may_end_office(principal: Principal, holder: str, status: str) -> None:
    """The holder steps down, or the coordinator removes them; only a held office ends."""
    if principal.role is not Role.COORDINATOR and principal.subject != holder:
        raise Forbidden("only the officer or the coordinator ends an office")
    if status != NominationStatus.APPROVED:
        raise Conflict(
            f"this nomination is {status}, not a held office",
            loc=("path", "nomination_id"),
            code="invalid_state",
        )


# --- activities -----------------------------------------------------------------------------------

MAX_ACTIVITY_LENGTH = timedelta(days=7)
"""A volunteer week is the longest activity the seed shows."""

MAX_CAPACITY = 1000
ATTENDANCE_OPENS = timedelta(hours=1)
"""Attendance may be marked from an hour before the start…"""
ATTENDANCE_CLOSES = timedelta(days=7)
"""…until a week after the end (from a paper list)."""


@dataclass(frozen=True)
class ActivityDraft:
    starts_at: datetime
    ends_at: datetime
    capacity: int


def check_activity(draft: ActivityDraft, now: datetime) -> None:
    """An activity is announced before it starts, ends after it starts, lasts at most a
    week and takes 1–1000 people."""
    if draft.starts_at <= now:
        raise Unprocessable("an activity is announced before it starts", loc=("body", "starts_at"))
    if draft.ends_at <= draft.starts_at:
        raise Unprocessable("an activity must end after it starts", loc=("body", "ends_at"))
    if draft.ends_at - draft.starts_at > MAX_ACTIVITY_LENGTH:
        raise Unprocessable("an activity lasts at most 7 days", loc=("body", "ends_at"))
    if not 1 <= draft.capacity <= MAX_CAPACITY:
        raise Unprocessable(f"capacity is between 1 and {MAX_CAPACITY}", loc=("body", "capacity"))


def require_announced(status: str) -> None:
    if status != ActivityStatus.ANNOUNCED:
        raise Conflict(
            "this activity was cancelled", loc=("path", "activity_id"), code="activity_cancelled"
        )


def require_not_started(starts_at: datetime, now: datetime) -> None:
    """Sign-ups are made and cancelled, and activities cancelled, only before the start."""
    if now >= starts_at:
        raise Conflict(
            f"the activity started at {starts_at.isoformat()}; it cannot be changed",
            loc=("path", "activity_id"),
            code="activity_started",
        )


def activity_full() -> Conflict:
    return Conflict("this activity is full", loc=("path", "activity_id"), code="activity_full")


def check_attendance_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if now < starts_at - ATTENDANCE_OPENS:
        raise Conflict(
            "attendance is marked from an hour before the start",
            loc=("path", "activity_id"),
            code="attendance_not_open",
        )
    if now > ends_at + ATTENDANCE_CLOSES:
        raise Conflict(
            "attendance closed a week after the activity ended",
            loc=("path", "activity_id"),
            code="attendance_closed",
        )


def unknown_students(asked: Iterable[str], members: Iterable[str]) -> list[int]:
    """Positions in ``asked`` of students who are not members (for errors naming them)."""
    known = set(members)
    return [i for i, s in enumerate(asked) if s not in known]


# --- figures ----------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """A share rounded to 3 places; None when there is nothing to divide by."""
    return round(part / whole, 3) if whole else None


@dataclass(frozen=True)
class ActivityCounts:
    activity_id: str
    kind: str
    status: str
    started: bool
    signed_up: int
    attended: int
    attended_signed_up: int
    """Of those who signed up, how many came (the rest of ``attended`` walked in)."""

    @property
    def attendance_rate(self) -> float | None:
        """Of those who signed up, the share who came; None before it starts."""
        return rate(self.attended_signed_up, self.signed_up) if self.started else None


@dataclass(frozen=True)
class BranchFigures:
    members: int
    officers: int
    activities: int
    held: int
    by_kind: dict[str, int]
    sign_ups: int
    attendances: int
    members_attending: int
    attendance_rate: float | None
    """Sign-ups of held activities that turned into attendance."""
    participation_rate: float | None
    """Members who attended at least one activity."""


def branch_figures(
    members: int, officers: int, activities: Iterable[ActivityCounts], members_attending: int
) -> BranchFigures:
    """The branch's figures over its activities (cancelled ones are not counted)."""
    live = [a for a in activities if a.status == ActivityStatus.ANNOUNCED]
    held = [a for a in live if a.started]
    by_kind = {k.value: 0 for k in ActivityKind}
    for a in live:
        by_kind[a.kind] = by_kind.get(a.kind, 0) + 1
    signed_held = sum(a.signed_up for a in held)
    return BranchFigures(
        members=members,
        officers=officers,
        activities=len(live),
        held=len(held),
        by_kind=by_kind,
        sign_ups=sum(a.signed_up for a in live),
        attendances=sum(a.attended for a in held),
        members_attending=members_attending,
        attendance_rate=rate(sum(a.attended_signed_up for a in held), signed_held),
        participation_rate=rate(members_attending, members),
    )
