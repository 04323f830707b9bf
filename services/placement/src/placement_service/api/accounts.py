"""Accounts of the programme's staff: county committees, liaisons, branch officers and more
coordinators, registered by the coordinator (students sign themselves up; unit admins come
with their unit)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Unprocessable
from placement_service.api.common import (
    Conn,
    IdempotencyKey,
    Model,
    Out,
    Page,
    PagingQ,
    Phone,
    ShortText,
    geo,
    roles,
    runtime,
    write,
)
from placement_service.db import accounts as db
from placement_service.domain.masking import mask_phone

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
Coordinator = Annotated[Principal, Depends(roles(Role.COORDINATOR))]


class AccountIn(Model):
    phone: Phone
    role: Literal["county", "coordinator", "liaison", "officer"]
    name: ShortText
    county: str | None = Field(default=None, description="county committee: its adcode or zone")
    city: ShortText | None = Field(default=None, description="liaison: the study city")


class AccountOut(Out):
    account_id: str
    phone: str = Field(description="masked")
    role: str
    name: str | None
    unit_id: str | None
    county: str | None
    city: str | None
    active: bool
    created_at: datetime


def _out(row: dict[str, object]) -> AccountOut:
    return AccountOut.model_validate({**row, "phone": mask_phone(str(row["phone"]))})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AccountOut)
async def create_account(
    body: AccountIn,
    request: Request,
    principal: Coordinator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    g = geo()
    if body.role == "county":
        if body.county is None or not (g.is_county(body.county) or body.county in g.zones):
            raise Unprocessable(
                "a county committee needs a county adcode or zone code", loc=("body", "county")
            )
    elif body.county is not None:
        raise Unprocessable("only county committees have a county", loc=("body", "county"))
    if body.role == "liaison" and body.city is None:
        raise Unprocessable("a liaison needs the city they serve", loc=("body", "city"))

    async def action(conn: Conn) -> AccountOut:
        row = await db.insert(
            conn, account_id=db.new_id("A"), created_by=principal.subject, **body.model_dump()
        )
        if row is None:
            raise Conflict("this phone already has an account", loc=("body", "phone"))
        return _out(row)

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("", response_model=Page[AccountOut])
async def list_accounts(
    request: Request,
    principal: Coordinator,
    paging: PagingQ,
    role: Annotated[Role | None, Query()] = None,
) -> Page[AccountOut]:
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn, role.value if role else None, paging.limit, paging.offset
        )
    return Page[AccountOut](
        items=[_out(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )
