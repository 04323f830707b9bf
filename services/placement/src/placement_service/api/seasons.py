"""Seasons: the coordinator opens them with their windows and limits, and closes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, NotFound
from placement_service.api.common import (
    Caller,
    Conn,
    Id,
    IdempotencyKey,
    Model,
    Out,
    ShortText,
    roles,
    runtime,
    write,
)
from placement_service.db import seasons as db
from placement_service.domain.seasons import DEFAULT_MAX_CHOICES, Season, check_windows

router = APIRouter(prefix="/v1/seasons", tags=["seasons"])
Coordinator = Annotated[Principal, Depends(roles(Role.COORDINATOR))]


class SeasonIn(Model):
    name: ShortText
    posts_open: AwareDatetime
    posts_close: AwareDatetime
    applications_open: AwareDatetime
    applications_close: AwareDatetime
    interviews_open: AwareDatetime
    interviews_close: AwareDatetime
    on_post_start: date
    on_post_end: date
    max_choices: int = Field(
        default=DEFAULT_MAX_CHOICES, ge=1, le=20, description="most 志愿 a student may rank"
    )


class SeasonCreate(SeasonIn):
    season_id: Id = Field(description="e.g. 2026-summer")


class SeasonOut(Out):
    season_id: str
    name: str
    posts_open: datetime
    posts_close: datetime
    applications_open: datetime
    applications_close: datetime
    interviews_open: datetime
    interviews_close: datetime
    on_post_start: date
    on_post_end: date
    max_choices: int
    closed: bool


def _season(season_id: str, body: SeasonIn, closed: bool = False) -> Season:
    values = body.model_dump(exclude={"season_id"})
    for k, v in values.items():
        if isinstance(v, datetime):
            values[k] = v.astimezone(UTC)
    season = Season(season_id=season_id, closed=closed, **values)
    check_windows(season)
    return season


def _out(season: Season) -> SeasonOut:
    return SeasonOut.model_validate(db.as_dict(season))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SeasonOut)
async def create_season(
    body: SeasonCreate,
    request: Request,
    principal: Coordinator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    season = _season(body.season_id, body)

    async def action(conn: Conn) -> SeasonOut:
        if not await db.insert(conn, season):
            raise Conflict(f"season {season.season_id} exists", loc=("body", "season_id"))
        return _out(season)

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.put("/{season_id}", response_model=SeasonOut)
async def update_season(
    season_id: Id, body: SeasonIn, request: Request, principal: Coordinator
) -> JSONResponse:
    async def action(conn: Conn) -> SeasonOut:
        old = await db.get(conn, season_id)
        if old is None:
            raise NotFound(f"no season {season_id}", loc=("path", "season_id"))
        season = _season(season_id, body, old.closed)
        await db.update(conn, season)
        return _out(season)

    return await write(request, principal, None, action)


@router.post("/{season_id}/close", response_model=SeasonOut)
async def close_season(season_id: Id, request: Request, principal: Coordinator) -> JSONResponse:
    async def action(conn: Conn) -> SeasonOut:
        old = await db.get(conn, season_id)
        if old is None:
            raise NotFound(f"no season {season_id}", loc=("path", "season_id"))
        season = Season(**{**db.as_dict(old), "closed": True})
        await db.update(conn, season)
        return _out(season)

    return await write(request, principal, None, action)


@router.get("", response_model=list[SeasonOut])
async def list_seasons(request: Request, principal: Caller) -> list[SeasonOut]:
    async with runtime(request).pool.acquire() as conn:
        return [_out(s) for s in await db.list_(conn)]


@router.get("/{season_id}", response_model=SeasonOut)
async def get_season(season_id: Id, request: Request, principal: Caller) -> SeasonOut:
    async with runtime(request).pool.acquire() as conn:
        season = await db.get(conn, season_id)
    if season is None:
        raise NotFound(f"no season {season_id}", loc=("path", "season_id"))
    return _out(season)
