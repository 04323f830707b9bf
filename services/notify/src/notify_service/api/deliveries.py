"""Dead letters and delivery trails, for the coordinator (and a person's own trail)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from fanxiang_common.auth import CurrentPrincipal, Principal, Role, require_roles
from fanxiang_common.errors import NotFound
from notify_service.api.common import Out, runtime
from notify_service.db import deliveries, notifications
from notify_service.domain.channels import Channel
from notify_service.domain.recipients import inbox_of

router = APIRouter(prefix="/v1", tags=["deliveries"])
Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR))]


class DeadLetter(Out):
    delivery_id: int
    notification_id: uuid.UUID
    recipient: str
    purpose: str
    channel: Channel
    attempts: int
    last_error: str | None
    dead_at: datetime
    source_event_id: uuid.UUID
    source_type: str


class Step(Out):
    at: datetime
    status: str
    attempt: int
    detail: str | None


class ChannelTrail(Out):
    delivery_id: int
    channel: Channel
    status: str
    attempts: int
    due_at: datetime
    last_error: str | None
    provider_ref: str | None
    steps: list[Step]


class Trail(Out):
    notification_id: uuid.UUID
    recipient: str
    purpose: str
    created_at: datetime
    channels: list[ChannelTrail]


@router.get("/dead-letters", response_model=list[DeadLetter], summary="Undeliverable, newest first")
async def list_dead_letters(
    request: Request,
    _: Coordinator,
    channel: Channel | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeadLetter]:
    async with runtime(request).pool.acquire() as conn:
        rows = await deliveries.dead_letters(conn, limit=limit, channel=channel)
    fields = set(DeadLetter.model_fields) - {"dead_at"}
    return [DeadLetter(dead_at=r["updated_at"], **{k: r[k] for k in fields}) for r in rows]


@router.post(
    "/dead-letters/{delivery_id}/retry",
    response_model=ChannelTrail,
    summary="Send a dead letter again (a fresh series of tries)",
)
async def retry_dead_letter(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="a bigserial id")],
    request: Request,
    who: Coordinator,
) -> ChannelTrail:
    async with runtime(request).pool.acquire() as conn:
        if not await deliveries.retry(conn, delivery_id, who.subject):
            raise NotFound(f"no dead letter {delivery_id}", loc=("path", "delivery_id"))
        nid = await conn.fetchval(
            "SELECT notification_id FROM delivery WHERE delivery_id = $1", delivery_id
        )
        trail = await _trail(conn, nid)
    return next(c for c in trail.channels if c.delivery_id == delivery_id)


@router.get(
    "/notifications/{notification_id}/trail",
    response_model=Trail,
    summary="Every channel's delivery steps (queued, sent, delivered, failed, why)",
)
async def get_trail(
    notification_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> Trail:
    async with runtime(request).pool.acquire() as conn:
        trail = await _trail(conn, notification_id)
    own = inbox_of(principal)
    if principal.role is not Role.COORDINATOR and (own is None or own.key != trail.recipient):
        raise NotFound(f"no notification {notification_id}", loc=("path", "notification_id"))
    return trail


async def _trail(conn: Any, nid: uuid.UUID) -> Trail:
    row = await notifications.get(conn, nid)
    if row is None:
        raise NotFound(f"no notification {nid}", loc=("path", "notification_id"))
    steps = await notifications.trail(conn, nid)
    channels: dict[int, ChannelTrail] = {}
    for s in steps:
        ch = channels.get(s["delivery_id"])
        if ch is None:
            ch = channels[s["delivery_id"]] = ChannelTrail(
                delivery_id=s["delivery_id"],
                channel=Channel(s["channel"]),
                status=s["current"],
                attempts=s["attempts"],
                due_at=s["due_at"],
                last_error=s["last_error"],
                provider_ref=s["provider_ref"],
                steps=[],
            )
        ch.steps.append(
            Step(at=s["at"], status=s["status"], attempt=s["attempt"], detail=s["detail"])
        )
    return Trail(
        notification_id=nid,
        recipient=row["recipient"],
        purpose=row["purpose"],
        created_at=row["created_at"],
        channels=list(channels.values()),
    )
