"""Liaison broadcasts: a liaison (在外联络员) writes to the students studying in their city;
the coordinator may require approval first. Liaisons see only their own broadcasts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import Field

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.db.outbox import add_event
from fanxiang_common.errors import Conflict, Forbidden, NotFound
from fanxiang_common.events.notify import BroadcastSentV1
from notify_service.api.common import Model, Out, runtime
from notify_service.db import broadcasts as db
from notify_service.domain.recipients import normalise_city

router = APIRouter(prefix="/v1/broadcasts", tags=["broadcasts"])
Liaison = Annotated[Principal, Depends(require_roles(Role.LIAISON))]
Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR))]
Reader = Annotated[Principal, Depends(require_roles(Role.LIAISON, Role.COORDINATOR))]
APPROVAL_KEY = "broadcast_approval"


class BroadcastIn(Model):
    title: str = Field(min_length=1, max_length=40, description="shown as the inbox title")
    body: str = Field(min_length=1, max_length=2000)


class Decision(Model):
    note: str | None = Field(default=None, max_length=500)


class Policy(Model):
    require_approval: bool


class Figures(Out):
    recipients: int | None
    read: int
    channels: dict[str, dict[str, int]] = Field(
        description="per channel, how many deliveries are in each status"
    )


class BroadcastOut(Out):
    broadcast_id: uuid.UUID
    liaison: str
    city: str
    title: str
    body: str
    status: Literal["pending", "rejected", "sent"]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    sent_at: datetime | None
    figures: Figures | None = None


def _out(row: Any, figures: dict[str, Any] | None = None) -> BroadcastOut:
    values = {k: row[k] for k in BroadcastOut.model_fields if k not in ("figures", "city")}
    fig = Figures(recipients=row["recipients"], **figures) if figures is not None else None
    return BroadcastOut(city=row["city_label"], figures=fig, **values)


async def _requires_approval(request: Request, conn: Any) -> bool:
    value = await db.setting(conn, APPROVAL_KEY)
    return bool(runtime(request).settings.broadcast_approval if value is None else value)


async def _send(request: Request, conn: Any, row: Any) -> None:
    rt = runtime(request)
    count = await db.fan_out(
        conn, row, now=datetime.now(UTC), configured=rt.configured, quiet=rt.quiet
    )
    await add_event(
        conn,
        BroadcastSentV1(
            broadcast_id=str(row["broadcast_id"]),
            liaison=row["liaison"],
            city=row["city_label"],
            recipients=count,
            approved_by=row["decided_by"],
        ),
        source=rt.settings.source,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=BroadcastOut)
async def create_broadcast(body: BroadcastIn, request: Request, liaison: Liaison) -> BroadcastOut:
    """Write to the students studying in your city: sent at once, or after the coordinator's
    approval when the coordinator requires it."""
    city = normalise_city(liaison.city)
    if not city or not liaison.city:
        raise Forbidden("your account has no study city; ask the coordinator to set it")
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        pending = await _requires_approval(request, conn)
        row = await db.insert(
            conn,
            uuid.uuid4(),
            liaison=liaison.subject,
            city=city,
            city_label=liaison.city,
            title=body.title,
            body=body.body,
            status="pending" if pending else "sent",
        )
        if not pending:
            await _send(request, conn, row)
        row = await db.get(conn, row["broadcast_id"])
        figures = await db.figures(conn, row["broadcast_id"])
    return _out(row, figures)


@router.get("", response_model=list[BroadcastOut])
async def list_broadcasts(
    request: Request,
    reader: Reader,
    state: Annotated[Literal["pending", "rejected", "sent"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[BroadcastOut]:
    """A liaison's own broadcasts; the coordinator's view of all (e.g. ``?status=pending``)."""
    mine = reader.subject if reader.role is Role.LIAISON else None
    async with runtime(request).pool.acquire() as conn:
        rows = await db.listing(conn, liaison=mine, status=state, limit=limit)
    return [_out(r) for r in rows]


async def _visible(
    conn: Any, broadcast_id: uuid.UUID, reader: Principal, lock: bool = False
) -> Any:
    row = await db.get(conn, broadcast_id, lock=lock)
    if row is None or (reader.role is Role.LIAISON and row["liaison"] != reader.subject):
        raise NotFound(f"no broadcast {broadcast_id}", loc=("path", "broadcast_id"))
    return row


@router.get("/{broadcast_id}", response_model=BroadcastOut)
async def get_broadcast(broadcast_id: uuid.UUID, request: Request, reader: Reader) -> BroadcastOut:
    """One broadcast with its delivery figures (per channel and status, and reads)."""
    async with runtime(request).pool.acquire() as conn:
        row = await _visible(conn, broadcast_id, reader)
        return _out(row, await db.figures(conn, broadcast_id))


@router.post("/{broadcast_id}/approve", response_model=BroadcastOut)
async def approve(
    broadcast_id: uuid.UUID, request: Request, who: Coordinator, body: Decision | None = None
) -> BroadcastOut:
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        row = await _visible(conn, broadcast_id, who, lock=True)
        if row["status"] != "pending":
            raise Conflict(
                f"the broadcast is {row['status']}, not pending", loc=("path", "broadcast_id")
            )
        await db.decide(
            conn, broadcast_id, status="approved", by=who.subject, note=body.note if body else None
        )
        await _send(request, conn, await db.get(conn, broadcast_id))
        row = await db.get(conn, broadcast_id)
        return _out(row, await db.figures(conn, broadcast_id))


@router.post("/{broadcast_id}/reject", response_model=BroadcastOut)
async def reject(
    broadcast_id: uuid.UUID, request: Request, who: Coordinator, body: Decision | None = None
) -> BroadcastOut:
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        row = await _visible(conn, broadcast_id, who, lock=True)
        if row["status"] != "pending":
            raise Conflict(
                f"the broadcast is {row['status']}, not pending", loc=("path", "broadcast_id")
            )
        await db.decide(
            conn, broadcast_id, status="rejected", by=who.subject, note=body.note if body else None
        )
        return _out(await db.get(conn, broadcast_id))


@router.get("/policy/approval", response_model=Policy, tags=["broadcasts"])
async def get_policy(request: Request, _: Reader) -> Policy:
    async with runtime(request).pool.acquire() as conn:
        return Policy(require_approval=await _requires_approval(request, conn))


@router.put("/policy/approval", response_model=Policy)
async def set_policy(body: Policy, request: Request, who: Coordinator) -> Policy:
    """Whether liaisons' broadcasts wait for the coordinator's approval."""
    async with runtime(request).pool.acquire() as conn:
        await db.set_setting(conn, APPROVAL_KEY, body.require_approval, who.subject)
    return body
