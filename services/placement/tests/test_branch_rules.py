"""The League branch's rules: who stands where, office limits, activities, attendance, figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import AppError, Conflict, Forbidden
from placement_service.domain.branch import (
    MAX_OFFICERS,
    OFFICE_LIMITS,
    ActivityCounts,
    ActivityDraft,
    Office,
    branch_figures,
    check_activity,
    check_attendance_window,
    check_office_free,
    may_end_office,
    rate,
    require_announced,
    require_member,
    require_not_started,
    require_organiser,
    require_pending,
    require_reader,
    standing,
    unknown_students,
)

NOW = datetime(2026, 7, 10, 8, 0, tzinfo=UTC)


def _who(role: Role) -> Principal:
    return Principal(subject="X-1", role=role)


# --- standing -----------------------------------------------------------------------------


def test_a_member_with_an_office_organises() -> None:
    s = standing(_who(Role.STUDENT), True, "secretary")
    assert (s.member, s.office, s.organiser, s.reader) == (True, Office.SECRETARY, True, True)
    require_organiser(s)
    require_member(s)


def test_a_plain_member_reads_but_does_not_organise() -> None:
    s = standing(_who(Role.STUDENT), True, None)
    require_reader(s)
    require_member(s)
    with pytest.raises(Forbidden):
        require_organiser(s)


def test_an_office_lapses_when_its_holder_is_no_longer_on_post() -> None:
    s = standing(_who(Role.STUDENT), False, "committee_member")
    assert s.office is None and not s.organiser
    with pytest.raises(Forbidden):
        require_reader(s)
    with pytest.raises(Forbidden):
        require_member(s)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OFFICER])
def test_the_coordinator_and_officer_accounts_organise_but_are_not_members(role: Role) -> None:
    s = standing(_who(role), True, "secretary")  # ignored for non-students
    require_organiser(s)
    require_reader(s)
    with pytest.raises(Forbidden):
        require_member(s)


@pytest.mark.parametrize("role", [Role.UNIT, Role.COUNTY, Role.LIAISON, Role.SERVICE])
def test_everyone_else_is_outside_the_branch(role: Role) -> None:
    s = standing(_who(role), False, None)
    for check in (require_reader, require_organiser, require_member):
        with pytest.raises(Forbidden):
            check(s)


# --- offices ------------------------------------------------------------------------------


def test_one_secretary_at_most() -> None:
    check_office_free(Office.SECRETARY, {})
    with pytest.raises(Conflict) as err:
        check_office_free(Office.SECRETARY, {Office.SECRETARY: 1})
    assert err.value.code == "office_full"
    assert err.value.loc == ("body", "office")


def test_each_office_has_its_limit() -> None:
    for office, limit in OFFICE_LIMITS.items():
        check_office_free(office, {office: limit - 1})
        with pytest.raises(Conflict):
            check_office_free(office, {office: limit})


def test_seven_officers_in_all() -> None:
    assert sum(OFFICE_LIMITS.values()) > MAX_OFFICERS  # so the total binds on its own
    full = {Office.SECRETARY: 1, Office.DEPUTY_SECRETARY: 2, Office.COMMITTEE_MEMBER: 4}
    assert sum(full.values()) == MAX_OFFICERS
    with pytest.raises(Conflict):
        check_office_free(Office.COMMITTEE_MEMBER, full)


def test_a_nomination_is_decided_once() -> None:
    require_pending("pending")
    for done in ("approved", "rejected"):
        with pytest.raises(Conflict):
            require_pending(done)


# --- activities ---------------------------------------------------------------------------

START = NOW + timedelta(days=2)


def _loc(**changes: object) -> tuple[object, ...] | None:
    base: dict[str, object] = {
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "capacity": 30,
    }
    try:
        check_activity(ActivityDraft(**{**base, **changes}), NOW)  # type: ignore[arg-type]
    except AppError as exc:
        return tuple(exc.detail()[0]["loc"])
    return None


def test_a_good_activity_passes() -> None:
    assert _loc() is None
    assert _loc(ends_at=START + timedelta(days=7)) is None  # a volunteer week


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": NOW, "ends_at": NOW + timedelta(hours=1)}, "starts_at"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START + timedelta(days=7, seconds=1)}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 1001}, "capacity"),
    ],
)
def test_refusals_name_the_field(changes: dict[str, object], field: str) -> None:
    assert _loc(**changes) == ("body", field)


def test_sign_ups_change_only_before_the_start_of_an_announced_activity() -> None:
    require_not_started(START, NOW)
    with pytest.raises(Conflict) as err:
        require_not_started(START, START)
    assert err.value.code == "activity_started"
    require_announced("announced")
    with pytest.raises(Conflict) as err:
        require_announced("cancelled")
    assert err.value.code == "activity_cancelled"


def test_attendance_from_an_hour_before_to_a_week_after() -> None:
    end = START + timedelta(hours=2)
    check_attendance_window(START, end, START - timedelta(hours=1))
    check_attendance_window(START, end, end + timedelta(days=7))
    with pytest.raises(Conflict) as err:
        check_attendance_window(START, end, START - timedelta(hours=1, seconds=1))
    assert err.value.code == "attendance_not_open"
    with pytest.raises(Conflict) as err:
        check_attendance_window(START, end, end + timedelta(days=7, seconds=1))
    assert err.value.code == "attendance_closed"


def test_unknown_students_are_named_by_position() -> None:
    assert unknown_students(["S-1", "S-9", "S-2", "S-8"], ["S-1", "S-2"]) == [1, 3]
    assert unknown_students(["S-1"], ["S-1"]) == []


# --- figures ------------------------------------------------------------------------------


def _counts(
    i: int, kind: str, signed: int, came: int, came_signed: int, **kw: object
) -> ActivityCounts:
    return ActivityCounts(
        activity_id=f"BA-{i}",
        kind=kind,
        status=str(kw.get("status", "announced")),
        started=bool(kw.get("started", True)),
        signed_up=signed,
        attended=came,
        attended_signed_up=came_signed,
    )


def test_rates() -> None:
    assert rate(1, 3) == 0.333
    assert rate(0, 0) is None
    assert _counts(1, "lecture", 4, 5, 3).attendance_rate == 0.75
    assert _counts(1, "lecture", 4, 0, 0, started=False).attendance_rate is None
    assert _counts(1, "lecture", 0, 2, 0).attendance_rate is None


def test_branch_figures_count_held_activities_and_skip_cancelled_ones() -> None:
    acts = [
        _counts(1, "lecture", 10, 9, 8),  # one walk-in
        _counts(2, "sports", 10, 5, 5),
        _counts(3, "forum", 6, 0, 0, started=False),  # ahead: sign-ups count, no attendance
        _counts(4, "volunteer", 3, 0, 0, status="cancelled"),
    ]
    f = branch_figures(members=40, officers=5, activities=acts, members_attending=12)
    assert (f.activities, f.held, f.sign_ups, f.attendances) == (3, 2, 26, 14)
    assert f.by_kind == {"lecture": 1, "sports": 1, "volunteer": 0, "forum": 1, "other": 0}
    assert f.attendance_rate == round(13 / 20, 3)
    assert f.participation_rate == 0.3
    assert (f.members, f.officers) == (40, 5)


def test_an_empty_branch_has_no_rates() -> None:
    f = branch_figures(0, 0, [], 0)
    assert (f.attendance_rate, f.participation_rate, f.activities) == (None, None, 0)


def test_an_office_is_ended_by_its_holder_or_the_coordinator_only_while_held() -> None:
    may_end_office(Principal(subject="S-1", role=Role.STUDENT), "S-1", "approved")
    may_end_office(_who(Role.COORDINATOR), "S-1", "approved")
    with pytest.raises(Forbidden):
        may_end_office(Principal(subject="S-2", role=Role.STUDENT), "S-1", "approved")
    with pytest.raises(Forbidden):
        may_end_office(_who(Role.OFFICER), "S-1", "approved")
    for status in ("pending", "rejected", "ended"):
        with pytest.raises(Conflict):
            may_end_office(_who(Role.COORDINATOR), "S-1", status)
