"""Interview slots (双向选择): the post's unit (or its committee) publishes slots — start, end,
place or online link, capacity; an applicant of the post books one, moves to another or
cancels before it starts; the unit sees who booked which. A booking sets the interview's time
and place and is announced like a scheduled interview, so notify tells the student."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, StringConstraints

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, NotFound
from fanxiang_common.events.placement import InterviewCancelledV1, InterviewScheduledV1
from placement_service.api.common import (
    Caller,
    Conn,
    Id,
    IdempotencyKey,
    Model,
    Out,
    ShortText,
    Text,
    emit,
    now,
    roles,
    runtime,
    write,
)
from placement_service.api.interviews import _may_interview
from placement_service.api.posts import load as load_post
from placement_service.db import accounts, interviews, seasons
from placement_service.db import slots as db
from placement_service.domain import interviews as rules
from placement_service.domain.applications import ApplicationStatus
from placement_service.domain.posts import OPEN_TO_STUDENTS, PostStatus
from placement_service.domain.seasons import Phase

router = APIRouter(prefix="/v1/posts/{post_id}", tags=["interviews"])
Student = Annotated[Principal, Depends(roles(Role.STUDENT))]

Link = Annotated[Text, StringConstraints(max_length=500, pattern=r"^https?://[^\s]+$")]


class SlotIn(Model):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: ShortText | None = Field(default=None, description="room and address")
    online_url: Link | None = Field(default=None, description="meeting link (http/https)")
    capacity: int = Field(ge=1, le=500, description="how many applicants may book it")


class BookingOfSlot(Out):
    application_id: str
    student_id: str
    name: str
    university: str
    major: str
    booked_at: datetime


class SlotOut(Out):
    slot_id: str
    post_id: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    capacity: int
    booked: int
    free: int
    mine: bool | None = Field(default=None, description="for an applicant: my booking")
    bookings: list[BookingOfSlot] | None = Field(
        default=None, description="for the unit and its committee: who booked"
    )


class BookingIn(Model):
    slot_id: Id


class BookingOut(Out):
    application_id: str
    post_id: str
    slot_id: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    booked_at: datetime


def _slot(row: dict[str, Any], **extra: Any) -> SlotOut:
    return SlotOut.model_validate({**row, "free": row["capacity"] - row["booked"], **extra})


@router.post("/interview-slots", status_code=status.HTTP_201_CREATED, response_model=SlotOut)
async def create_slot(
    post_id: Id,
    body: SlotIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    draft = rules.SlotDraft(
        body.starts_at, body.ends_at, body.place, body.online_url, body.capacity
    )

    async def action(conn: Conn) -> SlotOut:
        post = await load_post(conn, post_id, principal)
        _may_interview(principal, post)
        if PostStatus(post["status"]) not in OPEN_TO_STUDENTS:
            raise Conflict(
                f"post {post_id} is {post['status']}; slots are for published posts",
                loc=("path", "post_id"),
                code="invalid_state",
            )
        season = await seasons.get(conn, post["season_id"])
        assert season is not None
        rules.check_slot(draft, season.window(Phase.INTERVIEWS), now())
        row = await db.insert(
            conn,
            slot_id=accounts.new_id("IS"),
            post_id=post_id,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            place=body.place,
            online_url=body.online_url,
            capacity=body.capacity,
            created_by=principal.subject,
        )
        return _slot(row, bookings=[])

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("/interview-slots", response_model=list[SlotOut])
async def list_slots(post_id: Id, request: Request, principal: Caller) -> list[SlotOut]:
    """The unit and its committee see every booking; an applicant of the post sees the slots,
    how many places are free and which one is theirs."""
    async with runtime(request).pool.acquire() as conn:
        post = await load_post(conn, post_id, principal)
        rows = await db.list_(conn, post_id)
        if principal.role is Role.STUDENT:
            async with conn.transaction():
                mine = await db.live_application(conn, principal.subject, post_id)
            if mine is None:
                raise Forbidden(
                    "only applicants of this post see its interview slots",
                    loc=("path", "post_id"),
                )
            return [_slot(r, mine=r["slot_id"] == mine["slot_id"]) for r in rows]
        _may_interview(principal, post)
        booked: dict[str, list[dict[str, Any]]] = {}
        for b in await db.bookings(conn, post_id):
            booked.setdefault(b["slot_id"], []).append(b)
    return [_slot(r, bookings=booked.get(r["slot_id"], [])) for r in rows]


@router.delete("/interview-slots/{slot_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_slot(post_id: Id, slot_id: Id, request: Request, principal: Caller) -> None:
    """Remove a slot nobody has booked (a booked slot is kept; applicants move themselves)."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        post = await load_post(conn, post_id, principal)
        _may_interview(principal, post)
        if await db.get(conn, post_id, slot_id) is None:
            raise NotFound(f"post {post_id} has no slot {slot_id}", loc=("path", "slot_id"))
        if not await db.delete(conn, slot_id):
            raise Conflict(
                "applicants booked this slot; it stays", loc=("path", "slot_id"), code="slot_booked"
            )


async def _applicant(conn: Conn, principal: Principal, post_id: str) -> dict[str, Any]:
    await load_post(conn, post_id, principal)
    app = await db.live_application(conn, principal.subject, post_id)
    if app is None:
        raise Forbidden("only applicants of this post book its interviews", loc=("path", "post_id"))
    if app["status"] == ApplicationStatus.INELIGIBLE or app["refused"]:
        raise Conflict(
            "this application is no longer considered for this post",
            loc=("path", "post_id"),
            code="invalid_state",
        )
    return app


@router.put("/interview-booking", response_model=BookingOut)
async def book(post_id: Id, body: BookingIn, request: Request, principal: Student) -> JSONResponse:
    """Book a slot, or move an existing booking to another slot, before either starts."""
    moment = now()

    async def action(conn: Conn) -> BookingOut:
        app = await _applicant(conn, principal, post_id)
        slot = await db.get(conn, post_id, body.slot_id)
        if slot is None:
            raise NotFound(f"post {post_id} has no slot {body.slot_id}", loc=("body", "slot_id"))
        rules.require_not_started(slot["starts_at"], moment, ("body", "slot_id"))
        if app["slot_id"] != body.slot_id:
            if app["slot_id"] is not None:
                rules.require_not_started(app["starts_at"], moment, ("path", "post_id"))
                await db.give_back(conn, app["slot_id"])
            if not await db.take_place(conn, body.slot_id):
                raise rules.slot_full()
            await db.book(conn, app["application_id"], post_id, body.slot_id, principal.subject)
            place = rules.where(slot["place"], slot["online_url"])
            await interviews.schedule(
                conn, app["application_id"], post_id, slot["starts_at"], place
            )
            post = await load_post(conn, post_id, principal)
            await emit(
                request,
                conn,
                InterviewScheduledV1(
                    application_id=app["application_id"],
                    student_id=principal.subject,
                    post_id=post_id,
                    unit_id=post["unit_id"],
                    at=slot["starts_at"],
                    place=place,
                ),
            )
        booking = await conn.fetchrow(
            "SELECT booked_at FROM interview_booking WHERE application_id = $1 AND post_id = $2",
            app["application_id"],
            post_id,
        )
        return BookingOut.model_validate(
            {**slot, "application_id": app["application_id"], "booked_at": booking["booked_at"]}
        )

    return await write(request, principal, None, action)


@router.delete("/interview-booking", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_booking(post_id: Id, request: Request, principal: Student) -> None:
    """Cancel my booking before the slot starts; the place is free again."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        app = await _applicant(conn, principal, post_id)
        if app["slot_id"] is None:
            raise NotFound(
                "you have not booked an interview for this post", loc=("path", "post_id")
            )
        rules.require_not_started(app["starts_at"], now(), ("path", "post_id"))
        await db.give_back(conn, app["slot_id"])
        await db.unbook(conn, app["application_id"], post_id)
        post = await load_post(conn, post_id, principal)
        await emit(
            request,
            conn,
            InterviewCancelledV1(
                application_id=app["application_id"],
                student_id=principal.subject,
                post_id=post_id,
                unit_id=post["unit_id"],
                at=app["starts_at"],
            ),
        )


# The student's side: every post they applied to, with the interview's time and place and the
# slots they could still book. A separate router: its path is under /v1/applications.
mine = APIRouter(prefix="/v1/applications/mine", tags=["interviews"])


class InterviewTime(Out):
    at: datetime
    place: str | None


class MyBooking(Out):
    slot_id: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None


class OpenSlot(Out):
    slot_id: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    free: int


class MyInterview(Out):
    application_id: str
    season_id: str
    rank: int
    post_id: str
    title: str
    unit_id: str
    unit_name: str | None
    post_status: str
    interview: InterviewTime | None = Field(
        description="time and place, set by the unit or by booking a slot"
    )
    booking: MyBooking | None = Field(description="the slot I booked")
    can_book: bool = Field(description="false once this post no longer considers me")
    slots: list[OpenSlot] = Field(description="slots not started with a free place, not mine")


@mine.get("/interviews", response_model=list[MyInterview])
async def my_interviews(request: Request, principal: Student) -> list[MyInterview]:
    """My interviews, per post I applied to (best choice first); no score, no refusal reason."""
    async with runtime(request).pool.acquire() as conn:
        rows = await db.my_interviews(conn, principal.subject)
        open_slots = await db.open_slots(conn, sorted({r["post_id"] for r in rows}), now())
    by_post: dict[str, list[dict[str, Any]]] = {}
    for s in open_slots:
        by_post.setdefault(s["post_id"], []).append({**s, "free": s["capacity"] - s["booked"]})
    out = []
    for r in rows:
        at = r["scheduled_at"]
        bookable = r["can_book"] and PostStatus(r["post_status"]) in OPEN_TO_STUDENTS
        out.append(
            MyInterview.model_validate(
                {
                    **r,
                    "interview": None if at is None else {"at": at, "place": r["interview_place"]},
                    "booking": r if r["slot_id"] else None,
                    "can_book": r["can_book"],
                    "slots": [
                        s for s in by_post.get(r["post_id"], []) if s["slot_id"] != r["slot_id"]
                    ]
                    if bookable
                    else [],
                }
            )
        )
    return out
