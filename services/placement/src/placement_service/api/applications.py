"""Applications (按岗招人): a student ranks 志愿 1..N on published posts, edits or withdraws
them before the deadline; the home county's committee decides eligibility (属地)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, NotFound, Unprocessable
from fanxiang_common.events.placement import (
    ApplicationChangedV1,
    ApplicationSubmittedV1,
    ApplicationWithdrawnV1,
    EligibilityDecidedV1,
)
from placement_service.api.common import (
    Caller,
    Claim,
    Conn,
    Id,
    IdempotencyKey,
    Model,
    OptionalReasonIn,
    Out,
    Page,
    PagingQ,
    Reason,
    SignedStudent,
    emit,
    emitted,
    geo,
    now,
    roles,
    runtime,
    write,
    write_in_one,
)
from placement_service.db import accounts, posts, seasons
from placement_service.db import applications as db
from placement_service.domain import applications as rules
from placement_service.domain.applications import ApplicationStatus, ChoicePost
from placement_service.domain.posts import PostStatus
from placement_service.domain.seasons import Phase, Season
from placement_service.domain.sessions import refuse_if_dead

router = APIRouter(prefix="/v1/applications", tags=["applications"])
Student = Annotated[Principal, Depends(roles(Role.STUDENT))]
Committee = Annotated[Principal, Depends(roles(Role.COORDINATOR, Role.COUNTY))]

PostId = Annotated[str, Field(min_length=1, max_length=64)]


class ApplicationIn(Model):
    season_id: Id
    choices: list[PostId] = Field(description="post ids, best first (志愿 1..N)", max_length=20)


class ChoicesIn(Model):
    choices: list[PostId] = Field(max_length=20)


class EligibilityIn(Model):
    eligible: bool
    reason: Reason | None = Field(default=None, description="required when not eligible")


class ChoiceOut(Out):
    rank: int
    post_id: str
    title: str | None = None
    county: str | None = None
    local: bool = Field(description="in the student's home county or 市直 (属地)")


class ApplicationOut(Out):
    application_id: str
    student_id: str
    season_id: str
    status: ApplicationStatus
    status_reason: str | None = None
    home_county: str
    home_township: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    choices: list[ChoiceOut]
    created_at: datetime
    updated_at: datetime


def _out(row: dict[str, Any]) -> ApplicationOut:
    home = row["home_county"]
    return ApplicationOut.model_validate(
        {
            **row,
            "choices": [{**c, "local": rules.is_local(home, c["county"])} for c in row["choices"]],
        }
    )


async def _season(conn: Conn, season_id: str) -> Season:
    season = await seasons.get(conn, season_id)
    if season is None:
        raise Unprocessable(f"no season {season_id}", loc=("body", "season_id"))
    return season


async def _checked_choices(conn: Conn, season: Season, choices: list[str]) -> list[dict[str, Any]]:
    found = await posts.for_choices(conn, list(dict.fromkeys(choices)))
    return _validated(season, choices, found)


def _validated(
    season: Season, choices: list[str], found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_id = {
        p["post_id"]: ChoicePost(p["post_id"], p["season_id"], PostStatus(p["status"]), p["county"])
        for p in found
    }
    rules.validate_choices(
        choices, season_id=season.season_id, max_choices=season.max_choices, posts=by_id
    )
    return [{"post_id": pid, "county": by_id[pid].county} for pid in choices]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationOut)
async def apply(
    body: ApplicationIn,
    request: Request,
    signed: SignedStudent,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Submit ranked choices for a season: one live application per student and season."""
    principal = signed.principal

    # The busiest endpoint (bench/placement): one query for every check, then the
    # application, its choices, its event and the Idempotency-Key's record in one statement.
    async def action(conn: Conn, claim: Claim) -> bytes:
        found = await db.submission_context(
            conn,
            principal.subject,
            body.season_id,
            list(dict.fromkeys(body.choices)),
            principal.token_id,
        )
        refuse_if_dead(found["token"], signed.issued_at)  # first: a dead token learns nothing
        student, season = found["student"], found["season"]
        if student is None:
            raise Unprocessable("complete your profile before applying", loc=("body",))
        if not student["shares"]:
            raise Unprocessable(
                "consent to sharing your profile with units (share_with_units) first",
                loc=("body",),
                code="consent_required",
            )
        if season is None:
            raise Unprocessable(f"no season {body.season_id}", loc=("body", "season_id"))
        moment = now()
        season.require_open(Phase.APPLICATIONS, moment)
        picked = _validated(season, body.choices, found["posts"])
        application_id = accounts.new_id("AP")
        home_county, home_township = student["home_county"], student["home_township"]
        out = _out(
            {
                "application_id": application_id,
                "student_id": principal.subject,
                "season_id": body.season_id,
                "status": ApplicationStatus.SUBMITTED.value,
                "home_county": home_county,
                "home_township": home_township,
                "created_at": moment,
                "updated_at": moment,
                "choices": [{**c, "rank": i + 1} for i, c in enumerate(picked)],
            }
        )
        response = orjson.dumps(out.model_dump(mode="json"))
        submitted = ApplicationSubmittedV1(
            application_id=application_id,
            student_id=principal.subject,
            season_id=body.season_id,
            home_county=home_county,
            home_township=home_township,
            choices=body.choices,
        )
        stored = await db.submit(
            conn,
            **submitted.model_dump(),  # the row holds what the event says
            created_at=moment,
            then=[emitted(request, submitted), functools.partial(claim.cte, response)],
        )
        if not stored:
            raise Conflict(
                f"you already applied in season {body.season_id}; edit that application instead",
                loc=("body", "season_id"),
                code="already_applied",
            )
        return response

    return await write_in_one(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("/mine", response_model=list[ApplicationOut])
async def my_applications(request: Request, principal: Student) -> list[ApplicationOut]:
    async with runtime(request).pool.acquire() as conn:
        rows, _ = await db.list_(
            conn,
            student_id=principal.subject,
            season_id=None,
            home_org=None,
            status=None,
            post_id=None,
            limit=100,
            offset=0,
        )
    return [_out(r) for r in rows]


@router.get("", response_model=Page[ApplicationOut])
async def list_applications(
    request: Request,
    principal: Committee,
    paging: PagingQ,
    season_id: Annotated[Id | None, Query()] = None,
    home_county: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$")] = None,
    app_status: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    post_id: Annotated[Id | None, Query()] = None,
) -> Page[ApplicationOut]:
    """The eligibility queue: a county committee sees the applications of its students."""
    if principal.role is Role.COUNTY:
        if home_county is not None and home_county != principal.county:
            raise Forbidden(
                "a county committee sees its own county's applications",
                loc=("query", "home_county"),
            )
        home_county = principal.county
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn,
            student_id=None,
            season_id=season_id,
            home_org=home_county,
            status=app_status.value if app_status else None,
            post_id=post_id,
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page[ApplicationOut](
        items=[_out(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )


async def _load(
    conn: Conn, principal: Principal, application_id: str, *, lock: bool = False
) -> dict[str, Any]:
    row = await db.get(conn, application_id, lock=lock)
    if row is not None:
        own = principal.role is Role.STUDENT and principal.subject == row["student_id"]
        if own or rules.may_review(principal, row["home_county"], row["home_township"], geo()):
            return row
    raise NotFound(f"no application {application_id} in your scope", loc=("path", "application_id"))


@router.get("/{application_id}", response_model=ApplicationOut)
async def get_application(
    application_id: Id, request: Request, principal: Caller
) -> ApplicationOut:
    async with runtime(request).pool.acquire() as conn:
        return _out(await _load(conn, principal, application_id))


def _own(principal: Principal, row: dict[str, Any]) -> None:
    if principal.role is not Role.STUDENT or principal.subject != row["student_id"]:
        raise Forbidden(
            "only the student changes their application", loc=("path", "application_id")
        )


async def _editable_own(
    conn: Conn, principal: Principal, application_id: str
) -> tuple[dict[str, Any], Season]:
    """The student's own application, locked, still editable, in an open applications window."""
    row = await _load(conn, principal, application_id, lock=True)
    _own(principal, row)
    rules.require_editable(ApplicationStatus(row["status"]), application_id)
    season = await _season(conn, row["season_id"])
    season.require_open(Phase.APPLICATIONS, now())
    return row, season


async def _reloaded(conn: Conn, application_id: str) -> ApplicationOut:
    """The application as stored after a change in this transaction."""
    fresh = await db.get(conn, application_id)
    assert fresh is not None
    return _out(fresh)


@router.put("/{application_id}/choices", response_model=ApplicationOut)
async def change_choices(
    application_id: Id,
    body: ChoicesIn,
    request: Request,
    principal: Student,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Replace the ranked choices (before the applications deadline)."""

    async def action(conn: Conn) -> ApplicationOut:
        row, season = await _editable_own(conn, principal, application_id)
        await _checked_choices(conn, season, body.choices)
        await db.replace_choices(conn, application_id, body.choices)
        await emit(
            request,
            conn,
            ApplicationChangedV1(
                application_id=application_id,
                student_id=row["student_id"],
                season_id=row["season_id"],
                choices=body.choices,
            ),
        )
        return await _reloaded(conn, application_id)

    return await write(request, principal, idempotency_key, action)


@router.post("/{application_id}/withdraw", response_model=ApplicationOut)
async def withdraw(
    application_id: Id,
    body: OptionalReasonIn,
    request: Request,
    principal: Student,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Withdraw (已退出) before the applications deadline."""

    async def action(conn: Conn) -> ApplicationOut:
        row, _ = await _editable_own(conn, principal, application_id)
        await db.set_status(
            conn, application_id, ApplicationStatus.WITHDRAWN.value, reason=body.reason
        )
        await emit(
            request,
            conn,
            ApplicationWithdrawnV1(
                application_id=application_id,
                student_id=row["student_id"],
                season_id=row["season_id"],
                reason=body.reason,
            ),
        )
        return await _reloaded(conn, application_id)

    return await write(request, principal, idempotency_key, action)


@router.post("/{application_id}/eligibility", response_model=ApplicationOut)
async def decide_eligibility(
    application_id: Id,
    body: EligibilityIn,
    request: Request,
    principal: Committee,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """资格审核: the committee of the student's home county says whether they belong there."""

    async def action(conn: Conn) -> ApplicationOut:
        row = await _load(conn, principal, application_id, lock=True)
        target = rules.decide_eligibility(
            principal,
            status=ApplicationStatus(row["status"]),
            application_id=application_id,
            home_county=row["home_county"],
            home_township=row["home_township"],
            eligible=body.eligible,
            reason=body.reason,
            geo=geo(),
        )
        await db.set_status(
            conn, application_id, target.value, reason=body.reason, decided_by=principal.subject
        )
        await emit(
            request,
            conn,
            EligibilityDecidedV1(
                application_id=application_id,
                student_id=row["student_id"],
                season_id=row["season_id"],
                eligible=body.eligible,
                reason=body.reason,
                decided_by=principal.subject,
            ),
        )
        return await _reloaded(conn, application_id)

    return await write(request, principal, idempotency_key, action)
