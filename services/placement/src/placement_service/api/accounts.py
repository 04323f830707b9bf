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
from fanxiang_common.errors import Conflict, NotFound, Unprocessable
from placement_service.api.common import (
    Conn,
    Id,
    IdempotencyKey,
    Model,
    Out,
    Page,
    PagingQ,
    Phone,
    Reason,
    ShortText,
    audit,
    emit,
    geo,
    roles,
    runtime,
    write,
)
from placement_service.db import accounts as db
from placement_service.db import units
from placement_service.domain.accounts import may_switch
from placement_service.domain.masking import mask_phone
from placement_service.events.access import access_changed

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
Coordinator = Annotated[Principal, Depends(roles(Role.COORDINATOR))]
Switcher = Annotated[Principal, Depends(roles(Role.COORDINATOR, Role.COUNTY))]


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
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


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
    principal: Switcher,
    paging: PagingQ,
    role: Annotated[Role | None, Query()] = None,
) -> Page[AccountOut]:
    """The coordinator: every account; a county committee: the admin accounts of the units it
    manages (those it may disable and enable)."""
    org = (principal.county or "-") if principal.role is Role.COUNTY else None
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn, role.value if role else None, paging.limit, paging.offset, org=org
        )
    return Page[AccountOut](
        items=[_out(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )


class SwitchIn(Model):
    reason: Reason | None = Field(default=None, description="why (kept in the audit log)")


async def _switch(
    request: Request, principal: Principal, account_id: str, active: bool, reason: str | None
) -> JSONResponse:
    async def action(conn: Conn) -> AccountOut:
        account = await db.get(conn, account_id)
        if account is None:
            raise NotFound(f"no account {account_id}", loc=("path", "account_id"))
        unit = await units.get(conn, account["unit_id"]) if account["unit_id"] else None
        place = (str(unit["county"]), unit["township"]) if unit else None
        may_switch(principal, account_id, account["role"], place, geo())
        if unit is not None and unit["status"] != "active" and active:
            raise Conflict(
                f"the unit's registration is {unit['status']}; approve it instead",
                loc=("path", "account_id"),
                code="invalid_state",
            )
        row = await db.set_active(conn, account_id, active, principal.subject, reason)
        assert row is not None
        await emit(
            request, conn, access_changed(row, "account-enabled" if active else "account-disabled")
        )
        await audit(
            conn,
            principal,
            "account.enable" if active else "account.disable",
            account_id,
            reason,
            {"role": account["role"]},
        )
        return _out(row)

    return await write(request, principal, None, action)


@router.post("/{account_id}/disable", response_model=AccountOut)
async def disable_account(
    account_id: Id, body: SwitchIn, request: Request, principal: Switcher
) -> JSONResponse:
    """The account can no longer sign in, and its live tokens stop working: in placement at
    once, in the other services as soon as `placement.access.v1` reaches them."""
    return await _switch(request, principal, account_id, False, body.reason)


@router.post("/{account_id}/enable", response_model=AccountOut)
async def enable_account(
    account_id: Id, body: SwitchIn, request: Request, principal: Switcher
) -> JSONResponse:
    """Re-enable a disabled account; tokens issued before it was disabled work again unless
    they expired or were signed out."""
    return await _switch(request, principal, account_id, True, body.reason)
