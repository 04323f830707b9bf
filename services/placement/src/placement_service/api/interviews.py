"""A post's applicants and their interviews (双向选择): the unit (or the post's committee)
sees who ranked the post, schedules interviews, scores them per criterion, or refuses (不录用).
Contact details stay masked until the student holds an offer for the post."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from fanxiang_common.auth import Principal
from fanxiang_common.errors import Conflict, Forbidden, NotFound
from fanxiang_common.events.placement import (
    ApplicantRefusedV1,
    InterviewScheduledV1,
    InterviewScoredV1,
)
from placement_service.api.common import (
    Caller,
    Conn,
    Id,
    IdempotencyKey,
    Model,
    Out,
    Page,
    PagingQ,
    ReasonIn,
    ShortText,
    emit,
    geo,
    now,
    runtime,
    write,
)
from placement_service.api.posts import load as load_post
from placement_service.api.posts import ref
from placement_service.db import applications, interviews, seasons
from placement_service.domain import posts as post_rules
from placement_service.domain.applications import ApplicationStatus
from placement_service.domain.interviews import overall_score
from placement_service.domain.masking import mask_phone
from placement_service.domain.onboarding import CONTACT_VISIBLE, PlacementStatus
from placement_service.domain.seasons import Phase

router = APIRouter(prefix="/v1/posts/{post_id}/applicants", tags=["interviews"])

Criterion = Annotated[str, Field(min_length=1, max_length=20)]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]


class ScheduleIn(Model):
    at: AwareDatetime
    place: ShortText = Field(description="room and address, or an online meeting link")


class ScoreIn(Model):
    scores: dict[Criterion, Number] = Field(
        description="per criterion, 0–100, e.g. {'综合分析': 85, '言语表达': 90}",
        min_length=1,
        max_length=12,
    )
    weights: dict[Criterion, Number] | None = Field(default=None, max_length=12)


class ApplicantOut(Out):
    application_id: str
    student_id: str
    status: str
    rank: int = Field(description="where the student ranked this post (志愿 n)")
    name: str
    university: str
    major: str
    grade: str
    discipline: str | None = None
    phone: str | None = Field(description="masked until the student holds an offer here")
    email: str | None = None
    scheduled_at: datetime | None = None
    place: str | None = None
    scores: dict[str, float] | None = None
    overall: float | None = None
    refused: bool | None = None
    refusal_reason: str | None = None
    placement_status: str | None = None


class InterviewOut(Out):
    application_id: str
    post_id: str
    scheduled_at: datetime | None = None
    place: str | None = None
    scores: dict[str, float] | None = None
    weights: dict[str, float] | None = None
    overall: float | None = None
    refused: bool
    refusal_reason: str | None = None
    updated_at: datetime


def _may_interview(principal: Principal, post: dict[str, Any]) -> None:
    r = ref(post)
    if not (post_rules.is_owner(principal, r) or post_rules.is_approver(principal, r, geo())):
        raise Forbidden(
            "only the post's unit or its committee sees and interviews applicants",
            loc=("path", "post_id"),
        )


def _applicant(row: dict[str, Any]) -> ApplicantOut:
    status = row["placement_status"]
    visible = status is not None and PlacementStatus(status) in CONTACT_VISIBLE
    return ApplicantOut.model_validate(
        {
            **row,
            "phone": row["phone"] if visible else mask_phone(row["phone"]),
            "email": row["email"] if visible else None,
        }
    )


@router.get("", response_model=Page[ApplicantOut])
async def list_applicants(
    post_id: Id, request: Request, principal: Caller, paging: PagingQ
) -> Page[ApplicantOut]:
    async with runtime(request).pool.acquire() as conn:
        post = await load_post(conn, post_id, principal)
        _may_interview(principal, post)
        rows, total = await applications.applicants(conn, post_id, paging.limit, paging.offset)
    return Page[ApplicantOut](
        items=[_applicant(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )


async def _candidate(
    conn: Conn, principal: Principal, post_id: str, application_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    post = await load_post(conn, post_id, principal, lock=True)
    _may_interview(principal, post)
    app = await applications.get(conn, application_id, lock=True)
    if app is None or await interviews.choice_rank(conn, application_id, post_id) is None:
        raise NotFound(
            f"application {application_id} did not choose post {post_id}",
            loc=("path", "application_id"),
        )
    if app["status"] in (ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE):
        raise Conflict(
            f"application {application_id} is {app['status']}",
            loc=("path", "application_id"),
            code="invalid_state",
        )
    season = await seasons.get(conn, post["season_id"])
    assert season is not None
    season.require_open(Phase.INTERVIEWS, now())
    return post, app


async def _interview(conn: Conn, application_id: str, post_id: str) -> InterviewOut:
    row = await interviews.get(conn, application_id, post_id)
    assert row is not None
    return InterviewOut.model_validate(row)


@router.post("/{application_id}/interview", response_model=InterviewOut)
async def schedule(
    post_id: Id,
    application_id: Id,
    body: ScheduleIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Set (or move) the interview's time and place; the student is told through notify."""

    async def action(conn: Conn) -> InterviewOut:
        post, app = await _candidate(conn, principal, post_id, application_id)
        await interviews.schedule(conn, application_id, post_id, body.at, body.place)
        await emit(
            request,
            conn,
            InterviewScheduledV1(
                application_id=application_id,
                student_id=app["student_id"],
                post_id=post_id,
                unit_id=post["unit_id"],
                at=body.at,
                place=body.place,
            ),
        )
        return await _interview(conn, application_id, post_id)

    return await write(request, principal, idempotency_key, action)


@router.post("/{application_id}/score", response_model=InterviewOut)
async def score(
    post_id: Id,
    application_id: Id,
    body: ScoreIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The score sheet: per-criterion scores → the overall score matching ranks by."""
    overall = overall_score(body.scores, body.weights)

    async def action(conn: Conn) -> InterviewOut:
        post, app = await _candidate(conn, principal, post_id, application_id)
        await interviews.score(
            conn, application_id, post_id, body.scores, body.weights, overall, principal.subject
        )
        await emit(
            request,
            conn,
            InterviewScoredV1(
                application_id=application_id,
                student_id=app["student_id"],
                post_id=post_id,
                unit_id=post["unit_id"],
                overall=overall,
                scores=body.scores,
            ),
        )
        return await _interview(conn, application_id, post_id)

    return await write(request, principal, idempotency_key, action)


@router.post("/{application_id}/refuse", response_model=InterviewOut)
async def refuse(
    post_id: Id,
    application_id: Id,
    body: ReasonIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """不录用: the unit will not take this applicant on this post (matching leaves them out)."""

    async def action(conn: Conn) -> InterviewOut:
        post, app = await _candidate(conn, principal, post_id, application_id)
        await interviews.refuse(conn, application_id, post_id, body.reason, principal.subject)
        await emit(
            request,
            conn,
            ApplicantRefusedV1(
                application_id=application_id,
                student_id=app["student_id"],
                post_id=post_id,
                unit_id=post["unit_id"],
                reason=body.reason,
            ),
        )
        return await _interview(conn, application_id, post_id)

    return await write(request, principal, idempotency_key, action)
