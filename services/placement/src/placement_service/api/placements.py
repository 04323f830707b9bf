"""Onboarding after matching's offer: the student accepts or declines, the committee records
pre-job training, the student signs the 承诺书 (typed name + confirmation code, over a text
whose sha256 is kept), the committee fixes the post (定岗), the unit confirms arrival and
completion, and both sides evaluate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, NotFound, Unauthorized
from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.placement import (
    ArrivedOnPostV1,
    CommitmentSignedV1,
    OfferAcceptedV1,
    OfferDeclinedV1,
    PlacementCompletedV1,
    PlacementFixedV1,
    TrainingAttendedV1,
)
from placement_service.api.auth import CodeSent, send_code, verify_code
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
    Reason,
    ShortText,
    audit,
    emit,
    geo,
    now,
    roles,
    runtime,
    write,
)
from placement_service.db import accounts, posts
from placement_service.db import placements as db
from placement_service.domain import id_numbers
from placement_service.domain import onboarding as rules
from placement_service.domain import posts as post_rules
from placement_service.domain.masking import mask_id_number
from placement_service.domain.onboarding import HOLDS_A_PLACE, PlacementRef, PlacementStatus, Step
from placement_service.domain.posts import PostStatus

router = APIRouter(prefix="/v1/placements", tags=["onboarding"])
Student = Annotated[Principal, Depends(roles(Role.STUDENT))]


class PlacementOut(Out):
    placement_id: str
    application_id: str
    student_id: str
    student_name: str
    university: str
    post_id: str
    post_title: str
    unit_id: str
    unit_name: str | None = None
    season_id: str
    round_id: str | None = None
    accept_by: datetime | None = None
    status: PlacementStatus
    offered_at: datetime
    decided_at: datetime | None = None
    decline_reason: str | None = None
    trained_at: datetime | None = None
    committed_at: datetime | None = None
    fixed_at: datetime | None = None
    on_post_at: datetime | None = None
    completed_at: datetime | None = None
    unit_rating: int | None = None
    unit_comment: str | None = None
    student_rating: int | None = None
    student_comment: str | None = None
    id_number: str | None = Field(
        default=None, description="居民身份证号, masked (first 6, last 4); asked at 定岗"
    )


class CommitmentOut(Out):
    text: str
    text_sha256: str
    text_version: str
    signed: bool
    typed_name: str | None = None
    signed_at: datetime | None = None


class SignIn(Model):
    typed_name: ShortText = Field(description="the student's name, typed")
    code: str = Field(pattern=r"^\d{6}$", description="the confirmation code sent by SMS")
    text_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="sha256 of the text the student read"
    )


class EvaluationIn(Model):
    rating: int = Field(ge=1, le=5)
    comment: LongText | None = None


class CompletionIn(Model):
    rating: int | None = Field(
        default=None, ge=1, le=5, description="the unit's evaluation of the student"
    )
    comment: LongText | None = None


def _ref(row: dict[str, Any]) -> PlacementRef:
    orgs = {
        row["post_org"] or row["post_county"],
        geo().managing_org(row["home_county"], row["home_township"]),
    }
    return PlacementRef(
        row["placement_id"],
        row["student_id"],
        row["unit_id"],
        PlacementStatus(row["status"]),
        row["accept_by"],
        frozenset(orgs),
    )


async def _load(
    conn: Conn, principal: Principal, placement_id: str, *, lock: bool = False
) -> dict[str, Any]:
    row = await db.get(conn, placement_id, lock=lock)
    if row is None or not rules.can_view(principal, _ref(row)):
        raise NotFound(f"no placement {placement_id} in your scope", loc=("path", "placement_id"))
    return row


async def _fresh(conn: Conn, placement_id: str) -> PlacementOut:
    row = await db.get(conn, placement_id)
    assert row is not None
    return PlacementOut.model_validate(row)


def _ids(row: dict[str, Any]) -> dict[str, str]:
    return {
        "application_id": row["application_id"],
        "student_id": row["student_id"],
        "placement_id": row["placement_id"],
        "post_id": row["post_id"],
        "unit_id": row["unit_id"],
    }


async def _adjust_filled(conn: Conn, post_id: str, delta: int) -> None:
    """Keep the post's accepted count, and full ⇄ published, in step with acceptances."""
    post = await posts.add_filled(conn, post_id, delta)
    target = post_rules.fill_status(PostStatus(post["status"]), post["capacity"], post["filled"])
    if target.value != post["status"]:
        await posts.update(conn, post_id, status=target.value)


async def _step(
    request: Request,
    principal: Principal,
    placement_id: str,
    step: Step,
    key: str | None,
    event: Any,
    precheck: Callable[[dict[str, Any]], None] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Advance one step: authorise, check the state, write, emit ``event(row)``."""

    async def action(conn: Conn) -> PlacementOut:
        row = await _load(conn, principal, placement_id, lock=True)
        before = PlacementStatus(row["status"])
        target = rules.advance(principal, _ref(row), step, now())
        if precheck is not None:
            precheck(row)
        await db.set_status(conn, placement_id, target.value, **extra)
        held, holds = before in HOLDS_A_PLACE, target in HOLDS_A_PLACE
        if held != holds:
            await _adjust_filled(conn, row["post_id"], 1 if holds else -1)
        await emit(request, conn, event(row, before))
        return await _fresh(conn, placement_id)

    return await write(request, principal, key, action)


@router.get("/mine", response_model=list[PlacementOut])
async def my_placements(request: Request, principal: Student) -> list[PlacementOut]:
    async with runtime(request).pool.acquire() as conn:
        rows, _ = await db.list_(
            conn,
            student_id=principal.subject,
            unit_id=None,
            org=None,
            post_id=None,
            season_id=None,
            status=None,
            limit=100,
            offset=0,
        )
    return [PlacementOut.model_validate(r) for r in rows]


@router.get("", response_model=Page[PlacementOut])
async def list_placements(
    request: Request,
    principal: Caller,
    paging: PagingQ,
    season_id: Annotated[Id | None, Query()] = None,
    post_id: Annotated[Id | None, Query()] = None,
    placement_status: Annotated[PlacementStatus | None, Query(alias="status")] = None,
) -> Page[PlacementOut]:
    """A unit: its posts' placements; a committee: its county's; the coordinator: all."""
    unit_id = org = None
    if principal.role is Role.UNIT:
        unit_id = principal.unit_id
    elif principal.role is Role.COUNTY:
        org = principal.county
    elif principal.role is not Role.COORDINATOR:
        raise Forbidden("placements are listed for units, committees and the coordinator")
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn,
            student_id=None,
            unit_id=unit_id,
            org=org,
            post_id=post_id,
            season_id=season_id,
            status=placement_status.value if placement_status else None,
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page[PlacementOut](
        items=[PlacementOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/{placement_id}", response_model=PlacementOut)
async def get_placement(placement_id: Id, request: Request, principal: Caller) -> PlacementOut:
    async with runtime(request).pool.acquire() as conn:
        return PlacementOut.model_validate(await _load(conn, principal, placement_id))


@router.post("/{placement_id}/accept", response_model=PlacementOut)
async def accept(
    placement_id: Id, request: Request, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    def event(row: dict[str, Any], _: PlacementStatus) -> EventData:
        return OfferAcceptedV1(**_ids(row), round_id=row["round_id"])

    return await _step(request, principal, placement_id, Step.ACCEPT, idempotency_key, event)


@router.post("/{placement_id}/decline", response_model=PlacementOut)
async def decline(
    placement_id: Id,
    body: OptionalReasonIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def event(row: dict[str, Any], before: PlacementStatus) -> EventData:
        return OfferDeclinedV1(
            **_ids(row),
            round_id=row["round_id"],
            reason=body.reason,
            after_accepting=before is not PlacementStatus.OFFERED,
        )

    return await _step(
        request,
        principal,
        placement_id,
        Step.DECLINE,
        idempotency_key,
        event,
        decline_reason=body.reason,
    )


@router.post("/{placement_id}/training", response_model=PlacementOut)
async def record_training(
    placement_id: Id, request: Request, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """岗前培训 attended (recorded by the county committee or the coordinator)."""
    return await _step(
        request,
        principal,
        placement_id,
        Step.TRAIN,
        idempotency_key,
        lambda row, _: TrainingAttendedV1(**_ids(row)),
    )


def _text(row: dict[str, Any], name: str) -> str:
    return rules.commitment_text(
        name=name,
        season=row["season_id"],
        unit=row["unit_name"] or row["unit_id"],
        post=row["post_title"],
        starts=row["starts_on"],
        ends=row["ends_on"],
    )


@router.get("/{placement_id}/commitment", response_model=CommitmentOut)
async def commitment(placement_id: Id, request: Request, principal: Caller) -> CommitmentOut:
    """The 承诺书 text to read (and its sha256 to send back when signing), or the signature."""
    async with runtime(request).pool.acquire() as conn:
        row = await _load(conn, principal, placement_id)
        signed = await db.commitment(conn, placement_id)
    text = _text(row, row["student_name"])
    if signed:
        return CommitmentOut(
            text=text,
            text_sha256=signed["text_sha256"],
            text_version=signed["text_version"],
            signed=True,
            typed_name=signed["typed_name"],
            signed_at=signed["signed_at"],
        )
    return CommitmentOut(
        text=text,
        text_sha256=rules.text_digest(text),
        text_version=rules.COMMITMENT_VERSION,
        signed=False,
    )


def _only_student(principal: Principal, row: dict[str, Any]) -> None:
    if principal.role is not Role.STUDENT or principal.subject != row["student_id"]:
        raise Forbidden("only the student signs their 承诺书", loc=("path", "placement_id"))


@router.post(
    "/{placement_id}/commitment/code", status_code=status.HTTP_202_ACCEPTED, response_model=CodeSent
)
async def commitment_code(placement_id: Id, request: Request, principal: Student) -> CodeSent:
    """Send the confirmation code for signing to the student's phone."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        row = await _load(conn, principal, placement_id)
        _only_student(principal, row)
        rules.advance(principal, _ref(row), Step.SIGN, now())  # only when signing is next
        account = await accounts.get(conn, principal.subject)
        assert account is not None
        return await send_code(request, conn, account, "commitment")


@router.post("/{placement_id}/commitment", response_model=PlacementOut)
async def sign(
    placement_id: Id, body: SignIn, request: Request, principal: Student
) -> JSONResponse:
    """Sign: typed name + confirmation code, over the text whose sha256 the student saw."""
    async with runtime(request).pool.acquire() as conn:
        row = await _load(conn, principal, placement_id)
        _only_student(principal, row)
        rules.advance(principal, _ref(row), Step.SIGN, now())
        # Name and text first: a typo must not use up the code.
        rules.check_signature(
            typed_name=body.typed_name,
            profile_name=row["student_name"],
            text=_text(row, row["student_name"]),
            digest=body.text_sha256,
        )
        async with conn.transaction():  # a wrong code counts as an attempt, even if refused
            try:
                await verify_code(request, conn, principal.subject, "commitment", body.code)
            except Unauthorized as exc:
                failure: Unauthorized | None = exc
            else:
                failure = None
        if failure is not None:
            raise failure

    async def action(conn: Conn) -> PlacementOut:
        row = await _load(conn, principal, placement_id, lock=True)
        target = rules.advance(principal, _ref(row), Step.SIGN, now())
        text = _text(row, row["student_name"])
        rules.check_signature(
            typed_name=body.typed_name,
            profile_name=row["student_name"],
            text=text,
            digest=body.text_sha256,
        )
        moment = now()
        await db.sign(
            conn,
            placement_id,
            body.typed_name,
            text,
            body.text_sha256,
            rules.COMMITMENT_VERSION,
            moment,
        )
        await db.set_status(conn, placement_id, target.value)
        await emit(
            request,
            conn,
            CommitmentSignedV1(
                **_ids(row),
                text_sha256=body.text_sha256,
                text_version=rules.COMMITMENT_VERSION,
                signed_at=moment,
            ),
        )
        return await _fresh(conn, placement_id)

    return await write(request, principal, None, action)


@router.post("/{placement_id}/fix", response_model=PlacementOut)
async def fix(
    placement_id: Id, request: Request, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """定岗: the committee fixes the post (the student's ID number must be on file)."""
    return await _step(
        request,
        principal,
        placement_id,
        Step.FIX,
        idempotency_key,
        lambda row, _: PlacementFixedV1(**_ids(row)),
        precheck=lambda row: id_numbers.require_for_fix(row["id_number"]),
    )


class IdNumberIn(Model):
    id_number: str = Field(
        min_length=1, max_length=40, description="居民身份证号, 18 characters (last may be X)"
    )


class IdNumberRevealIn(Model):
    reason: Reason = Field(description="why the full number is needed (kept in the audit log)")


class IdNumberOut(Out):
    student_id: str
    id_number: str


@functools.lru_cache(maxsize=2)
def _cipher(secret: str) -> id_numbers.IdNumberCipher:
    return id_numbers.IdNumberCipher(id_numbers.derive_key(secret))


@router.put("/{placement_id}/id-number", response_model=PlacementOut)
async def record_id_number(
    placement_id: Id, body: IdNumberIn, request: Request, principal: Caller
) -> JSONResponse:
    """At 定岗, for the insurance: the student (or the committee, from a paper form) gives
    the ID number. Validated, stored encrypted, and shown masked from then on."""
    number = id_numbers.validate(body.id_number, now().date())
    cipher = _cipher(runtime(request).settings.id_number_key)

    async def action(conn: Conn) -> PlacementOut:
        row = await _load(conn, principal, placement_id, lock=True)
        id_numbers.may_record(principal, _ref(row))
        sealed = cipher.encrypt(number, row["student_id"])
        masked = mask_id_number(number)
        assert masked is not None
        await db.store_id_number(conn, row["student_id"], sealed, masked, principal.subject)
        return await _fresh(conn, placement_id)

    return await write(request, principal, None, action)


@router.post("/{placement_id}/id-number/reveal", response_model=IdNumberOut)
async def reveal_id_number(
    placement_id: Id, body: IdNumberRevealIn, request: Request, principal: Caller
) -> JSONResponse:
    """The full number, for the committee or the coordinator only; written to the audit log."""
    cipher = _cipher(runtime(request).settings.id_number_key)

    async def action(conn: Conn) -> IdNumberOut:
        row = await _load(conn, principal, placement_id)
        id_numbers.may_reveal(principal, _ref(row))
        blob = await db.id_number_ciphertext(conn, row["student_id"])
        if blob is None:
            raise NotFound("no ID number recorded for this student", loc=("path", "placement_id"))
        await audit(
            conn,
            principal,
            "id_number.reveal",
            row["student_id"],
            body.reason,
            {"placement_id": placement_id},
        )
        return IdNumberOut(
            student_id=row["student_id"], id_number=cipher.decrypt(bytes(blob), row["student_id"])
        )

    return await write(request, principal, None, action)


@router.post("/{placement_id}/arrival", response_model=PlacementOut)
async def arrival(
    placement_id: Id, request: Request, principal: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """The unit confirms the student arrived (已上岗); no location is recorded."""
    return await _step(
        request,
        principal,
        placement_id,
        Step.ARRIVE,
        idempotency_key,
        lambda row, _: ArrivedOnPostV1(**_ids(row)),
    )


@router.post("/{placement_id}/complete", response_model=PlacementOut)
async def complete(
    placement_id: Id,
    body: CompletionIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The placement ended (已结束), with the unit's evaluation of the student."""
    return await _step(
        request,
        principal,
        placement_id,
        Step.COMPLETE,
        idempotency_key,
        lambda row, _: PlacementCompletedV1(**_ids(row), rating=body.rating),
        unit_rating=body.rating,
        unit_comment=body.comment,
    )


@router.post("/{placement_id}/evaluation", response_model=PlacementOut)
async def evaluate_unit(
    placement_id: Id, body: EvaluationIn, request: Request, principal: Student
) -> JSONResponse:
    """The student's evaluation of the unit, once on post or after."""

    async def action(conn: Conn) -> PlacementOut:
        row = await _load(conn, principal, placement_id, lock=True)
        if principal.subject != row["student_id"]:
            raise Forbidden("only the student evaluates their unit")
        if PlacementStatus(row["status"]) not in (
            PlacementStatus.ON_POST,
            PlacementStatus.COMPLETED,
        ):
            raise Conflict(
                "evaluate the unit once you are on post",
                code="invalid_state",
                loc=("path", "placement_id"),
            )
        await db.evaluate_unit(conn, placement_id, body.rating, body.comment)
        return await _fresh(conn, placement_id)

    return await write(request, principal, None, action)
