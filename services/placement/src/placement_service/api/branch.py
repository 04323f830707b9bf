"""The season's temporary League branch (临时团支部): members (the students on post, derived),
officers by self-nomination and the coordinator's approval, activities with sign-up and
attendance, and the figures the coordinator reads. Rules: `domain/branch.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, NotFound, Unprocessable
from fanxiang_common.events.placement import (
    BranchActivityAnnouncedV1,
    BranchActivityCancelledV1,
    BranchOfficerDecidedV1,
    BranchOfficerEndedV1,
    BranchOfficerNominatedV1,
)
from placement_service.api.common import (
    Caller,
    Conn,
    Id,
    IdempotencyKey,
    LongText,
    Model,
    OptionalReasonIn,
    Out,
    Page,
    PagingQ,
    ReasonIn,
    ShortText,
    audit,
    emit,
    now,
    roles,
    runtime,
    write,
)
from placement_service.db import accounts, seasons
from placement_service.db import branch as db
from placement_service.domain import branch as rules
from placement_service.domain.branch import (
    ActivityKind,
    NominationStatus,
    Office,
    Standing,
)

router = APIRouter(prefix="/v1/seasons/{season_id}/branch", tags=["branch"])
Coordinator = Annotated[Principal, Depends(roles(Role.COORDINATOR))]


async def _standing(conn: Conn, season_id: str, principal: Principal) -> Standing:
    if await seasons.get(conn, season_id) is None:
        raise NotFound(f"no season {season_id}", loc=("path", "season_id"))
    if principal.role is not Role.STUDENT:
        return rules.standing(principal, False, None)
    member, office = await db.standing(conn, season_id, principal.subject)
    return rules.standing(principal, member, office)


# --- the branch and its members ------------------------------------------------------------


class OfficerOut(Out):
    student_id: str
    name: str
    office: Office
    office_name: str


class BranchOut(Out):
    season_id: str
    members: int = Field(description="students on post (or completed) this season")
    officers: list[OfficerOut]
    office_limits: dict[str, int]
    member: bool = Field(description="whether the caller is a member")
    office: Office | None = Field(default=None, description="the caller's office, if any")
    organiser: bool = Field(description="whether the caller may organise activities")


def _officer(row: dict[str, Any]) -> OfficerOut:
    return OfficerOut.model_validate(
        {**row, "office_name": rules.OFFICE_NAMES[Office(row["office"])]}
    )


@router.get("", response_model=BranchOut)
async def get_branch(season_id: Id, request: Request, principal: Caller) -> BranchOut:
    """The branch at a glance: how many members, who holds which office, and the caller's
    place in it. Members, officers and the coordinator."""
    async with runtime(request).pool.acquire() as conn:
        s = await _standing(conn, season_id, principal)
        rules.require_reader(s)
        officers = await db.nominations(conn, season_id, None, NominationStatus.APPROVED)
        members = await db.member_count(conn, season_id)
    return BranchOut(
        season_id=season_id,
        members=members,
        officers=[_officer(o) for o in officers],
        office_limits={o.value: n for o, n in rules.OFFICE_LIMITS.items()},
        member=s.member,
        office=s.office,
        organiser=s.organiser,
    )


class MemberOut(Out):
    student_id: str
    name: str
    university: str
    major: str
    post_id: str | None
    post_title: str | None
    unit_name: str | None
    office: Office | None


@router.get("/members", response_model=Page[MemberOut])
async def list_members(
    season_id: Id, request: Request, principal: Caller, paging: PagingQ
) -> Page[MemberOut]:
    """The roster (officers first): for officers taking attendance and the coordinator. No
    phone numbers — notices go through notify."""
    async with runtime(request).pool.acquire() as conn:
        rules.require_organiser(await _standing(conn, season_id, principal))
        rows, total = await db.members(conn, season_id, paging.limit, paging.offset)
    return Page[MemberOut](
        items=[MemberOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


# --- officers: self-nomination, the coordinator decides ------------------------------------


class NominationIn(Model):
    office: Office = Field(
        description="secretary 书记, deputy_secretary 副书记, committee_member 委员"
    )
    statement: LongText | None = Field(default=None, description="why me (竞任陈述)")


class NominationOut(Out):
    nomination_id: str
    season_id: str
    student_id: str
    name: str
    office: Office
    statement: str | None
    status: NominationStatus
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


@router.post("/nominations", status_code=status.HTTP_201_CREATED, response_model=NominationOut)
async def nominate(
    season_id: Id,
    body: NominationIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A member nominates themself for one office (one live nomination each; after a
    rejection they may try again)."""

    async def action(conn: Conn) -> NominationOut:
        rules.require_member(await _standing(conn, season_id, principal))
        row = await db.insert_nomination(
            conn,
            nomination_id=accounts.new_id("BN"),
            season_id=season_id,
            student_id=principal.subject,
            office=body.office.value,
            statement=body.statement,
        )
        if row is None:
            raise Conflict(
                "you already hold or seek an office in this branch",
                loc=("body", "office"),
                code="already_nominated",
            )
        await emit(
            request,
            conn,
            BranchOfficerNominatedV1(
                nomination_id=row["nomination_id"],
                season_id=season_id,
                student_id=principal.subject,
                office=body.office.value,
                office_name=rules.OFFICE_NAMES[body.office],
            ),
        )
        return NominationOut.model_validate(row)

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("/nominations", response_model=list[NominationOut])
async def list_nominations(
    season_id: Id,
    request: Request,
    principal: Caller,
    state: Annotated[NominationStatus | None, Query(alias="status")] = None,
) -> list[NominationOut]:
    """The coordinator sees every nomination; a student sees their own."""
    if principal.role not in (Role.COORDINATOR, Role.STUDENT):
        raise Forbidden("this needs one of the roles: coordinator, student")
    async with runtime(request).pool.acquire() as conn:
        if await seasons.get(conn, season_id) is None:
            raise NotFound(f"no season {season_id}", loc=("path", "season_id"))
        mine = principal.subject if principal.role is Role.STUDENT else None
        rows = await db.nominations(conn, season_id, mine, state.value if state else None)
    return [NominationOut.model_validate(r) for r in rows]


async def _decide(
    request: Request,
    principal: Principal,
    season_id: str,
    nomination_id: str,
    approve: bool,
    reason: str | None,
) -> JSONResponse:
    async def action(conn: Conn) -> NominationOut:
        counts = await db.approved_counts(conn, season_id)  # locks the season's offices
        row = await db.nomination(conn, season_id, nomination_id)
        if row is None:
            raise NotFound(
                f"season {season_id} has no nomination {nomination_id}",
                loc=("path", "nomination_id"),
            )
        rules.require_pending(row["status"])
        if approve:
            member, _ = await db.standing(conn, season_id, row["student_id"])
            if not member:
                raise Conflict(
                    "the nominee is no longer on post this season",
                    loc=("path", "nomination_id"),
                    code="not_a_member",
                )
            rules.check_office_free(
                Office(row["office"]), {Office(k): v for k, v in counts.items()}
            )
        new = NominationStatus.APPROVED if approve else NominationStatus.REJECTED
        await db.decide(conn, nomination_id, new.value, reason, principal.subject)
        await audit(conn, principal, f"branch.officer.{new.value}", nomination_id, reason)
        await emit(
            request,
            conn,
            BranchOfficerDecidedV1(
                nomination_id=nomination_id,
                season_id=season_id,
                student_id=row["student_id"],
                office=row["office"],
                office_name=rules.OFFICE_NAMES[Office(row["office"])],
                approved=approve,
                reason=reason,
                decided_by=principal.subject,
            ),
        )
        decided = await db.nomination(conn, season_id, nomination_id)
        return NominationOut.model_validate(decided)

    return await write(request, principal, None, action)


@router.post("/nominations/{nomination_id}/approve", response_model=NominationOut)
async def approve_nomination(
    season_id: Id,
    nomination_id: Id,
    body: OptionalReasonIn,
    request: Request,
    principal: Coordinator,
) -> JSONResponse:
    """The student takes the office at once (within the limits: one secretary, two deputies,
    five committee members, seven officers in all)."""
    return await _decide(request, principal, season_id, nomination_id, True, body.reason)


@router.post("/nominations/{nomination_id}/reject", response_model=NominationOut)
async def reject_nomination(
    season_id: Id, nomination_id: Id, body: ReasonIn, request: Request, principal: Coordinator
) -> JSONResponse:
    return await _decide(request, principal, season_id, nomination_id, False, body.reason)


@router.post("/nominations/{nomination_id}/end", response_model=NominationOut)
async def end_office(
    season_id: Id, nomination_id: Id, body: OptionalReasonIn, request: Request, principal: Caller
) -> JSONResponse:
    """The officer steps down, or the coordinator removes them (with a reason, audited); the
    office is free again and its powers stop at once."""

    async def action(conn: Conn) -> NominationOut:
        await db.approved_counts(conn, season_id)  # the season's offices, locked
        row = await db.nomination(conn, season_id, nomination_id)
        if row is None or (
            principal.role is Role.STUDENT and row["student_id"] != principal.subject
        ):
            raise NotFound(
                f"season {season_id} has no nomination {nomination_id}",
                loc=("path", "nomination_id"),
            )
        rules.may_end_office(principal, row["student_id"], row["status"])
        await db.end(conn, nomination_id, body.reason, principal.subject)
        await audit(conn, principal, "branch.officer.ended", nomination_id, body.reason)
        await emit(
            request,
            conn,
            BranchOfficerEndedV1(
                nomination_id=nomination_id,
                season_id=season_id,
                student_id=row["student_id"],
                office=row["office"],
                office_name=rules.OFFICE_NAMES[Office(row["office"])],
                reason=body.reason,
                ended_by=principal.subject,
            ),
        )
        return NominationOut.model_validate(await db.nomination(conn, season_id, nomination_id))

    return await write(request, principal, None, action)


# --- activities ----------------------------------------------------------------------------


class ActivityIn(Model):
    title: ShortText
    kind: ActivityKind = Field(
        description="lecture 讲座, sports 体育, volunteer 志愿服务, forum 座谈, other"
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: ShortText
    capacity: int = Field(ge=1, le=rules.MAX_CAPACITY)
    description: LongText | None = None


class ParticipantOut(Out):
    student_id: str
    name: str
    university: str
    signed_up_at: datetime | None
    attended_at: datetime | None


class ActivityOut(Out):
    activity_id: str
    season_id: str
    title: str
    kind: ActivityKind
    kind_name: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    signed_up: int
    free: int
    description: str | None
    status: str
    cancel_reason: str | None
    created_at: datetime
    attended: int | None = Field(default=None, description="for organisers: how many came")
    mine_signed_up: bool | None = Field(default=None, description="for a member")
    mine_attended: bool | None = Field(default=None, description="for a member")
    participants: list[ParticipantOut] | None = Field(
        default=None, description="for organisers: who signed up or attended"
    )


def _activity(row: dict[str, Any], s: Standing, **extra: Any) -> ActivityOut:
    out: dict[str, Any] = {
        **row,
        "kind_name": rules.KIND_NAMES[ActivityKind(row["kind"])],
        "free": row["capacity"] - row["signed_up"],
    }
    if not s.organiser:
        out.pop("attended", None)
    if s.role is Role.STUDENT:
        out["mine_signed_up"] = bool(row.get("signed_up_mine"))
        out["mine_attended"] = bool(row.get("attended_mine"))
    return ActivityOut.model_validate({**out, **extra})


@router.post("/activities", status_code=status.HTTP_201_CREATED, response_model=ActivityOut)
async def create_activity(
    season_id: Id,
    body: ActivityIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Officers and the coordinator announce an activity; notify may tell the members."""
    draft = rules.ActivityDraft(body.starts_at, body.ends_at, body.capacity)

    async def action(conn: Conn) -> ActivityOut:
        s = await _standing(conn, season_id, principal)
        rules.require_organiser(s)
        rules.check_activity(draft, now())
        row = await db.insert_activity(
            conn,
            activity_id=accounts.new_id("BA"),
            season_id=season_id,
            created_by=principal.subject,
            **{**body.model_dump(), "kind": body.kind.value},
        )
        await emit(
            request,
            conn,
            BranchActivityAnnouncedV1(
                activity_id=row["activity_id"],
                season_id=season_id,
                title=body.title,
                starts_at=body.starts_at,
                kind=body.kind.value,
                kind_name=rules.KIND_NAMES[body.kind],
                ends_at=body.ends_at,
                place=body.place,
                capacity=body.capacity,
                description=body.description,
                organised_by=principal.subject,
                member_ids=await db.all_member_ids(conn, season_id),
            ),
        )
        return _activity({**row, "attended": 0}, s, participants=[])

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("/activities", response_model=Page[ActivityOut])
async def list_activities(
    season_id: Id, request: Request, principal: Caller, paging: PagingQ
) -> Page[ActivityOut]:
    async with runtime(request).pool.acquire() as conn:
        s = await _standing(conn, season_id, principal)
        rules.require_reader(s)
        mine = principal.subject if principal.role is Role.STUDENT else None
        rows, total = await db.activities(conn, season_id, mine, paging.limit, paging.offset)
    return Page[ActivityOut](
        items=[_activity(r, s) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


async def _load(conn: Conn, season_id: str, activity_id: str, lock: bool = False) -> dict[str, Any]:
    row = await db.activity(conn, season_id, activity_id, lock)
    if row is None:
        raise NotFound(
            f"season {season_id} has no activity {activity_id}", loc=("path", "activity_id")
        )
    return row


async def _detail(conn: Conn, row: dict[str, Any], s: Standing, student: str | None) -> ActivityOut:
    people = await db.participants(conn, row["activity_id"])
    extra: dict[str, Any] = {"attended": sum(p["attended_at"] is not None for p in people)}
    if student is not None:
        me = next((p for p in people if p["student_id"] == student), None)
        extra["signed_up_mine"] = me is not None and me["signed_up_at"] is not None
        extra["attended_mine"] = me is not None and me["attended_at"] is not None
    out = _activity({**row, **extra}, s)
    if s.organiser:
        out.participants = [ParticipantOut.model_validate(p) for p in people]
    return out


@router.get("/activities/{activity_id}", response_model=ActivityOut)
async def get_activity(
    season_id: Id, activity_id: Id, request: Request, principal: Caller
) -> ActivityOut:
    """Organisers also see who signed up and who came."""
    async with runtime(request).pool.acquire() as conn:
        s = await _standing(conn, season_id, principal)
        rules.require_reader(s)
        row = await _load(conn, season_id, activity_id)
        student = principal.subject if principal.role is Role.STUDENT else None
        return await _detail(conn, row, s, student)


@router.post("/activities/{activity_id}/cancel", response_model=ActivityOut)
async def cancel_activity(
    season_id: Id, activity_id: Id, body: ReasonIn, request: Request, principal: Caller
) -> JSONResponse:
    """Before it starts; the members who signed up are told (notify)."""

    async def action(conn: Conn) -> ActivityOut:
        s = await _standing(conn, season_id, principal)
        rules.require_organiser(s)
        row = await _load(conn, season_id, activity_id, lock=True)
        rules.require_announced(row["status"])
        rules.require_not_started(row["starts_at"], now())
        await db.cancel_activity(conn, activity_id, body.reason)
        await emit(
            request,
            conn,
            BranchActivityCancelledV1(
                activity_id=activity_id,
                season_id=season_id,
                title=row["title"],
                starts_at=row["starts_at"],
                reason=body.reason,
                signed_up_ids=await db.signed_up_ids(conn, activity_id),
            ),
        )
        return await _detail(conn, await _load(conn, season_id, activity_id), s, None)

    return await write(request, principal, None, action)


@router.put("/activities/{activity_id}/signup", response_model=ActivityOut)
async def sign_up(
    season_id: Id, activity_id: Id, request: Request, principal: Caller
) -> JSONResponse:
    """A member signs up before the start (again: no change); a full activity is 409."""

    async def action(conn: Conn) -> ActivityOut:
        s = await _standing(conn, season_id, principal)
        rules.require_member(s)
        row = await _load(conn, season_id, activity_id)
        rules.require_announced(row["status"])
        rules.require_not_started(row["starts_at"], now())
        if await db.sign_up(conn, activity_id, principal.subject) == "full":
            raise rules.activity_full()
        return await _detail(conn, await _load(conn, season_id, activity_id), s, principal.subject)

    return await write(request, principal, None, action)


@router.delete("/activities/{activity_id}/signup", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_sign_up(
    season_id: Id, activity_id: Id, request: Request, principal: Caller
) -> None:
    """Only before the start; the place is free again."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        rules.require_member(await _standing(conn, season_id, principal))
        row = await _load(conn, season_id, activity_id)
        rules.require_not_started(row["starts_at"], now())
        if not await db.withdraw_sign_up(conn, activity_id, principal.subject):
            raise NotFound("you have not signed up for this activity", loc=("path", "activity_id"))


class AttendanceIn(Model):
    student_ids: list[Id] = Field(min_length=1, max_length=1000)
    present: bool = Field(default=True, description="false removes a mark made by mistake")


@router.post("/activities/{activity_id}/attendance", response_model=ActivityOut)
async def mark_attendance(
    season_id: Id, activity_id: Id, body: AttendanceIn, request: Request, principal: Caller
) -> JSONResponse:
    """An officer (or the coordinator) marks who came — signed up or walked in — from an
    hour before the start to a week after the end. Members cannot mark themselves."""

    async def action(conn: Conn) -> ActivityOut:
        s = await _standing(conn, season_id, principal)
        rules.require_organiser(s)
        row = await _load(conn, season_id, activity_id)
        rules.require_announced(row["status"])
        rules.check_attendance_window(row["starts_at"], row["ends_at"], now())
        asked = list(dict.fromkeys(body.student_ids))
        members = await db.member_ids(conn, season_id, asked)
        if strangers := rules.unknown_students(body.student_ids, members):
            raise Unprocessable(
                f"{body.student_ids[strangers[0]]} is not a member of this branch",
                loc=("body", "student_ids", strangers[0]),
            )
        await db.mark(conn, activity_id, asked, body.present, principal.subject)
        return await _detail(conn, row, s, None)

    return await write(request, principal, None, action)


# --- figures -------------------------------------------------------------------------------


class ActivityFiguresOut(Out):
    activity_id: str
    title: str
    kind: ActivityKind
    status: str
    starts_at: datetime
    capacity: int
    signed_up: int
    attended: int
    walk_ins: int
    attendance_rate: float | None = Field(description="of the sign-ups, the share who came")


class FiguresOut(Out):
    season_id: str
    members: int
    officers: int
    activities: int = Field(description="announced, not cancelled")
    held: int = Field(description="of those, started by now")
    by_kind: dict[str, int]
    sign_ups: int
    attendances: int
    members_attending: int = Field(description="members who attended at least one")
    attendance_rate: float | None = Field(description="sign-ups of held activities that came")
    participation_rate: float | None = Field(description="members_attending / members")
    per_activity: list[ActivityFiguresOut]


@router.get("/figures", response_model=FiguresOut)
async def figures(season_id: Id, request: Request, principal: Caller) -> FiguresOut:
    """For the coordinator (and the branch's officers): members, sign-ups, attendance."""
    moment = now()
    async with runtime(request).pool.acquire() as conn:
        rules.require_organiser(await _standing(conn, season_id, principal))
        rows = await db.activity_counts(conn, season_id)
        members = await db.member_count(conn, season_id)
        officers = len(await db.nominations(conn, season_id, None, NominationStatus.APPROVED))
        attending = await db.members_attending(conn, season_id)
    counts = [
        rules.ActivityCounts(
            activity_id=r["activity_id"],
            kind=r["kind"],
            status=r["status"],
            started=r["starts_at"] <= moment,
            signed_up=r["signed_up"],
            attended=r["attended"],
            attended_signed_up=r["attended_signed_up"],
        )
        for r in rows
    ]
    f = rules.branch_figures(members, officers, counts, attending)
    return FiguresOut(
        season_id=season_id,
        **f.__dict__,
        per_activity=[
            ActivityFiguresOut.model_validate(
                {
                    **r,
                    "walk_ins": c.attended - c.attended_signed_up,
                    "attendance_rate": c.attendance_rate,
                }
            )
            for r, c in zip(rows, counts, strict=True)
        ],
    )
