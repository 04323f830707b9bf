"""Posts (因需设岗): units draft and submit them, the managing committee approves (publishes)
or returns them, capacity changes and withdrawals reach matching as events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Forbidden, NotFound, Unprocessable
from fanxiang_common.events.placement import (
    PostCapacityChangedV1,
    PostPublishedV1,
    PostReturnedV1,
    PostSubmittedV1,
    PostWithdrawnV1,
)
from placement_service.api.common import (
    Caller,
    Conn,
    CountyCode,
    Id,
    IdempotencyKey,
    LongText,
    Model,
    Out,
    Page,
    PagingQ,
    ReasonIn,
    ShortText,
    TownshipCode,
    emit,
    geo,
    now,
    runtime,
    write,
)
from placement_service.db import accounts, seasons, units
from placement_service.db import posts as db
from placement_service.domain import posts as rules
from placement_service.domain.geography import CITY
from placement_service.domain.posts import PostAction, PostRef, PostStatus
from placement_service.domain.reference import PostCategory
from placement_service.domain.seasons import Phase

router = APIRouter(prefix="/v1/posts", tags=["posts"])

Major = Annotated[ShortText, Field(max_length=40)]


class PostFields(Model):
    title: ShortText = Field(min_length=2, description="岗位名称")
    category: PostCategory
    county: CountyCode = Field(description="adcode of the county, or 'city' for 市直 posts")
    township: TownshipCode | None = None
    address: ShortText | None = None
    need: LongText | None = Field(default=None, description="the need the post meets (因需设岗)")
    duties: LongText | None = None
    capacity: int = Field(ge=1, le=1000)
    starts_on: date | None = None
    ends_on: date | None = None
    hours: ShortText | None = Field(default=None, description="e.g. 工作日 9:00-17:00")
    majors: list[Major] = Field(
        default_factory=list, max_length=20, description="majors wanted; empty = any"
    )
    supervisor: ShortText | None = Field(default=None, description="带教老师 (name, title)")
    subsidy: ShortText | None = None
    meals: ShortText | None = None
    safety_notes: LongText | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> PostFields:
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValueError("starts_on must not be after ends_on")
        if len(set(self.majors)) != len(self.majors):
            raise ValueError("majors lists a major twice")
        return self


class PostIn(PostFields):
    season_id: Id
    unit_id: Id | None = Field(default=None, description="required unless the caller is a unit")


class PostOut(Out):
    post_id: str
    unit_id: str
    unit_name: str | None = None
    season_id: str
    status: PostStatus
    managing_org: str | None = None
    title: str
    category: str
    county: str
    township: str | None = None
    address: str | None = None
    need: str | None = None
    duties: str | None = None
    capacity: int
    filled: int = 0
    starts_on: date | None = None
    ends_on: date | None = None
    hours: str | None = None
    majors: list[str] = Field(default_factory=list)
    supervisor: str | None = None
    subsidy: str | None = None
    meals: str | None = None
    safety_notes: str | None = None
    return_reason: str | None = None
    status_reason: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    submitted_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CapacityIn(Model):
    capacity: int = Field(ge=1, le=1000)


def ref(row: dict[str, Any]) -> PostRef:
    return PostRef(
        row["post_id"],
        row["unit_id"],
        row["county"],
        row["township"],
        PostStatus(row["status"]),
        row["capacity"],
        row["filled"],
    )


def check_place(fields: PostFields) -> None:
    g = geo()
    if not g.is_post_county(fields.county):
        raise Unprocessable(f"unknown county {fields.county}", loc=("body", "county"))
    if fields.township and (
        fields.county == CITY or not g.has_township(fields.county, fields.township)
    ):
        raise Unprocessable(
            f"township {fields.township} is not in county {fields.county}", loc=("body", "township")
        )


async def load(
    conn: Conn, post_id: str, principal: Principal, *, lock: bool = False
) -> dict[str, Any]:
    row = await db.get(conn, post_id, lock=lock)
    if row is None or not rules.can_view(principal, ref(row), geo()):
        raise NotFound(f"no post {post_id}", loc=("path", "post_id"))
    return row


def published_event(row: dict[str, Any], approved_by: str) -> PostPublishedV1:
    return PostPublishedV1(
        post_id=row["post_id"],
        unit_id=row["unit_id"],
        season_id=row["season_id"],
        title=row["title"],
        category=row["category"],
        county=row["county"],
        township=row["township"],
        capacity=row["capacity"],
        majors=row["majors"] or [],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        unit_name=row.get("unit_name"),
        approved_by=approved_by,
    )


async def create_post(
    conn: Conn, request: Request, principal: Principal, body: PostIn, publish: bool
) -> dict[str, Any]:
    """Shared by the form, the API-token path and the spreadsheet import."""
    unit_id = body.unit_id
    if principal.role is Role.UNIT:
        if unit_id not in (None, principal.unit_id):
            raise Forbidden("a unit creates posts for itself only", loc=("body", "unit_id"))
        unit_id = principal.unit_id
    if unit_id is None:
        raise Unprocessable("name the unit offering the post", loc=("body", "unit_id"))
    unit = await units.get(conn, unit_id)
    if unit is None:
        raise Unprocessable(f"no unit {unit_id}", loc=("body", "unit_id"))
    if unit["status"] != "active":
        raise Unprocessable(
            f"unit {unit_id}'s registration is {unit['status']}", loc=("body", "unit_id")
        )
    season = await seasons.get(conn, body.season_id)
    if season is None:
        raise Unprocessable(f"no season {body.season_id}", loc=("body", "season_id"))
    if season.closed:
        raise Unprocessable(f"season {body.season_id} is closed", loc=("body", "season_id"))
    check_place(body)
    g = geo()
    draft = PostRef("new", unit_id, body.county, body.township, PostStatus.DRAFT, body.capacity)
    if not (rules.is_owner(principal, draft) or rules.is_approver(principal, draft, g)):
        raise Forbidden("you may not create posts for this unit or county", loc=("body", "county"))
    if publish and not rules.is_approver(principal, draft, g):
        raise Forbidden(
            "only the approving committee may publish directly", loc=("query", "publish")
        )
    post_id = accounts.new_id("P")
    values = body.model_dump(mode="python", exclude={"season_id", "unit_id"})
    values["category"] = body.category.value
    moment = now()
    await db.insert(
        conn,
        {
            **values,
            "post_id": post_id,
            "unit_id": unit_id,
            "season_id": body.season_id,
            "status": (PostStatus.PUBLISHED if publish else PostStatus.DRAFT).value,
            "managing_org": g.managing_org(body.county, body.township),
            "created_by": principal.subject,
            "approved_by": principal.subject if publish else None,
            "approved_at": moment if publish else None,
        },
    )
    row = await db.get(conn, post_id)
    assert row is not None
    if publish:
        await emit(request, conn, published_event(row, principal.subject))
    return row


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def create(
    body: PostIn,
    request: Request,
    principal: Caller,
    publish: Annotated[bool, Query(description="approvers only: publish at once")] = False,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A new post, as a draft (or published at once by its approving committee). A unit's
    retry with the same Idempotency-Key gets the same post back."""

    async def action(conn: Conn) -> PostOut:
        return PostOut.model_validate(await create_post(conn, request, principal, body, publish))

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("", response_model=Page[PostOut])
async def list_posts(
    request: Request,
    principal: Caller,
    paging: PagingQ,
    season_id: Annotated[Id | None, Query()] = None,
    county: Annotated[CountyCode | None, Query()] = None,
    township: Annotated[TownshipCode | None, Query()] = None,
    category: Annotated[PostCategory | None, Query()] = None,
    post_status: Annotated[PostStatus | None, Query(alias="status")] = None,
    major: Annotated[str | None, Query(max_length=40)] = None,
    unit_id: Annotated[Id | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=60, description="words in the title")] = None,
) -> Page[PostOut]:
    """Everyone sees published posts; a unit also its own, a committee also its county's in
    every state, the coordinator everything."""
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn,
            season_id=season_id,
            county=county,
            township=township,
            category=category.value if category else None,
            status=post_status.value if post_status else None,
            major=major,
            unit_id=unit_id,
            q=q.replace("\x00", "") if q else None,
            visible_org=principal.county if principal.role is Role.COUNTY else None,
            visible_unit=principal.unit_id if principal.role is Role.UNIT else None,
            see_all=principal.role is Role.COORDINATOR,
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page[PostOut](
        items=[PostOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/{post_id}", response_model=PostOut)
async def get_post(post_id: Id, request: Request, principal: Caller) -> PostOut:
    async with runtime(request).pool.acquire() as conn:
        return PostOut.model_validate(await load(conn, post_id, principal))


async def _act(
    request: Request,
    principal: Principal,
    post_id: str,
    action: PostAction,
    apply: Any,
    key: str | None = None,
) -> JSONResponse:
    """Load and lock the post, check who and when, then ``apply(conn, row) -> dict``."""

    async def run(conn: Conn) -> PostOut:
        row = await load(conn, post_id, principal, lock=True)
        rules.authorise(principal, ref(row), action, geo())
        await apply(conn, row)
        fresh = await db.get(conn, post_id)
        return PostOut.model_validate(fresh)

    return await write(request, principal, key, run)


@router.put("/{post_id}", response_model=PostOut)
async def edit(post_id: Id, body: PostFields, request: Request, principal: Caller) -> JSONResponse:
    """Change a draft or a returned post (a published one changes only its capacity)."""
    check_place(body)

    async def apply(conn: Conn, row: dict[str, Any]) -> None:
        rules.transition(ref(row), PostAction.EDIT)
        values = body.model_dump(mode="python")
        values["category"] = body.category.value
        values["managing_org"] = geo().managing_org(body.county, body.township)
        await db.update(conn, post_id, **values)

    return await _act(request, principal, post_id, PostAction.EDIT, apply)


@router.post("/{post_id}/submit", response_model=PostOut)
async def submit(
    post_id: Id, request: Request, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Send the post to its approving committee; only inside the season's posts window."""

    async def apply(conn: Conn, row: dict[str, Any]) -> None:
        target = rules.transition(ref(row), PostAction.SUBMIT)
        season = await seasons.get(conn, row["season_id"])
        assert season is not None
        season.require_open(Phase.POSTS, now())
        await db.update(conn, post_id, status=target.value, submitted_at=now(), return_reason=None)
        await emit(
            request,
            conn,
            PostSubmittedV1(
                post_id=post_id,
                unit_id=row["unit_id"],
                season_id=row["season_id"],
                title=row["title"],
                county=row["county"],
                township=row["township"],
                managing_org=row["managing_org"] or row["county"],
            ),
        )

    return await _act(request, principal, post_id, PostAction.SUBMIT, apply, idempotency_key)


@router.post("/{post_id}/approve", response_model=PostOut)
async def approve(
    post_id: Id, request: Request, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Publish: students see the post, matching gets `placement.post.published.v1`."""

    async def apply(conn: Conn, row: dict[str, Any]) -> None:
        target = rules.transition(ref(row), PostAction.APPROVE)
        await db.update(
            conn, post_id, status=target.value, approved_by=principal.subject, approved_at=now()
        )
        await emit(request, conn, published_event(row, principal.subject))

    return await _act(request, principal, post_id, PostAction.APPROVE, apply, idempotency_key)


@router.post("/{post_id}/return", response_model=PostOut)
async def return_post(
    post_id: Id,
    body: ReasonIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Send the post back to its unit with the reason; the unit edits and submits again."""

    async def apply(conn: Conn, row: dict[str, Any]) -> None:
        target = rules.transition(ref(row), PostAction.RETURN)
        await db.update(conn, post_id, status=target.value, return_reason=body.reason)
        await emit(
            request,
            conn,
            PostReturnedV1(
                post_id=post_id, unit_id=row["unit_id"], title=row["title"], reason=body.reason
            ),
        )

    return await _act(request, principal, post_id, PostAction.RETURN, apply, idempotency_key)


def _ending(action: PostAction) -> Any:
    async def apply(conn: Conn, row: dict[str, Any], reason: str, request: Request) -> None:
        target = rules.transition(ref(row), action)
        await db.update(conn, row["post_id"], status=target.value, status_reason=reason)
        await emit(
            request,
            conn,
            PostWithdrawnV1(
                post_id=row["post_id"], reason=reason, status=target.value, unit_id=row["unit_id"]
            ),
        )

    return apply


@router.post("/{post_id}/withdraw", response_model=PostOut)
async def withdraw(
    post_id: Id,
    body: ReasonIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    end = _ending(PostAction.WITHDRAW)
    return await _act(
        request,
        principal,
        post_id,
        PostAction.WITHDRAW,
        lambda conn, row: end(conn, row, body.reason, request),
        idempotency_key,
    )


@router.post("/{post_id}/close", response_model=PostOut)
async def close(
    post_id: Id,
    body: ReasonIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The committee closes a published post: no more students."""
    end = _ending(PostAction.CLOSE)
    return await _act(
        request,
        principal,
        post_id,
        PostAction.CLOSE,
        lambda conn, row: end(conn, row, body.reason, request),
        idempotency_key,
    )


@router.post("/{post_id}/capacity", response_model=PostOut)
async def change_capacity(
    post_id: Id,
    body: CapacityIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A new capacity (not below the places already accepted); published posts tell matching."""

    async def apply(conn: Conn, row: dict[str, Any]) -> None:
        target = rules.check_capacity(ref(row), body.capacity)
        if body.capacity == row["capacity"]:
            return
        await db.update(conn, post_id, capacity=body.capacity, status=target.value)
        if PostStatus(row["status"]) in rules.OPEN_TO_STUDENTS:
            await emit(
                request,
                conn,
                PostCapacityChangedV1(
                    post_id=post_id, capacity=body.capacity, previous_capacity=row["capacity"]
                ),
            )

    return await _act(
        request, principal, post_id, PostAction.CHANGE_CAPACITY, apply, idempotency_key
    )
