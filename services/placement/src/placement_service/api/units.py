"""Units (实践单位): registered by the coordinator or a county committee, each with an admin
account (signs in by phone) and API tokens for the unit's own systems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, NotFound, Unprocessable
from fanxiang_common.events.placement import UnitRegisteredV1
from placement_service.api.common import (
    Caller,
    Conn,
    CountyCode,
    Email,
    Id,
    IdempotencyKey,
    Model,
    Out,
    Page,
    PagingQ,
    Phone,
    ShortText,
    TownshipCode,
    emit,
    geo,
    roles,
    runtime,
    write,
)
from placement_service.db import accounts
from placement_service.db import units as db
from placement_service.domain import codes
from placement_service.domain.geography import CITY
from placement_service.domain.masking import mask_phone
from placement_service.domain.reference import UnitType

router = APIRouter(prefix="/v1/units", tags=["units"])
Registrar = Annotated[Principal, Depends(roles(Role.COORDINATOR, Role.COUNTY))]


class UnitIn(Model):
    name: ShortText = Field(description="单位名称")
    unit_type: UnitType
    county: CountyCode = Field(description="adcode, or 'city' for 市直 units")
    township: TownshipCode | None = None
    address: ShortText | None = None
    contact_name: ShortText
    contact_phone: Phone = Field(description="the unit admin's phone; signs in with it")
    contact_email: Email | None = None


class UnitOut(Out):
    unit_id: str
    name: str
    unit_type: str
    county: str
    township: str | None
    address: str | None
    contact_name: str | None
    contact_phone: str | None = Field(description="masked")
    contact_email: str | None
    created_at: datetime


class ApiTokenIn(Model):
    label: ShortText = Field(description="which system uses it, e.g. 'OA 系统'")


class ApiTokenOut(Out):
    token_id: str
    unit_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class NewApiToken(ApiTokenOut):
    api_token: str = Field(description="shown once; store it safely")


def _out(row: dict[str, object]) -> UnitOut:
    return UnitOut.model_validate({**row, "contact_phone": mask_phone(row["contact_phone"])})  # type: ignore[arg-type]


def _may_see(principal: Principal, unit: dict[str, object]) -> bool:
    if principal.role is Role.COORDINATOR:
        return True
    if principal.role is Role.UNIT:
        return principal.unit_id == unit["unit_id"]
    if principal.role is Role.COUNTY:
        return principal.county == geo().managing_org(str(unit["county"]), unit["township"])  # type: ignore[arg-type]
    return False


async def _unit(conn: Conn, unit_id: str) -> dict[str, object]:
    unit = await db.get(conn, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}", loc=("path", "unit_id"))
    return unit


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UnitOut)
async def register_unit(
    body: UnitIn, request: Request, principal: Registrar, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    g = geo()
    if not g.is_post_county(body.county):
        raise Unprocessable(f"unknown county {body.county}", loc=("body", "county"))
    if body.township and (body.county == CITY or not g.has_township(body.county, body.township)):
        raise Unprocessable(
            f"township {body.township} is not in {body.county}", loc=("body", "township")
        )
    if principal.role is Role.COUNTY and principal.county != g.managing_org(
        body.county, body.township
    ):
        raise Forbidden(
            "a county committee registers units of its own county", loc=("body", "county")
        )

    async def action(conn: Conn) -> UnitOut:
        unit_id = accounts.new_id("U")
        row = await db.insert(
            conn, unit_id=unit_id, created_by=principal.subject, **body.model_dump(mode="json")
        )
        admin = await accounts.insert(
            conn,
            account_id=accounts.new_id("A"),
            phone=body.contact_phone,
            role=Role.UNIT.value,
            name=body.contact_name,
            unit_id=unit_id,
            created_by=principal.subject,
        )
        if admin is None:
            raise Conflict(
                "this phone already has an account; use another contact phone",
                loc=("body", "contact_phone"),
            )
        await emit(
            request,
            conn,
            UnitRegisteredV1(
                unit_id=unit_id,
                name=body.name,
                unit_type=body.unit_type.value,
                county=body.county,
                township=body.township,
                contact_name=body.contact_name,
                contact_phone=body.contact_phone,
                contact_email=body.contact_email,
            ),
        )
        return _out(row)

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("", response_model=Page[UnitOut])
async def list_units(
    request: Request,
    principal: Caller,
    paging: PagingQ,
    county: Annotated[CountyCode | None, Query()] = None,
    unit_type: Annotated[UnitType | None, Query()] = None,
) -> Page[UnitOut]:
    """Coordinator: all; county committee: its county; a unit: itself."""
    unit_id = org = None
    if principal.role is Role.COUNTY:
        org = principal.county  # its own units; a county filter narrows within them
    elif principal.role is Role.UNIT:
        unit_id = principal.unit_id
    elif principal.role is not Role.COORDINATOR:
        raise Forbidden("units are listed for the coordinator, counties and units")
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn,
            county=county,
            unit_type=unit_type.value if unit_type else None,
            unit_id=unit_id,
            limit=paging.limit,
            offset=paging.offset,
            org=org,
        )
    return Page[UnitOut](
        items=[_out(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/{unit_id}", response_model=UnitOut)
async def get_unit(unit_id: Id, request: Request, principal: Caller) -> UnitOut:
    async with runtime(request).pool.acquire() as conn:
        unit = await _unit(conn, unit_id)
    if not _may_see(principal, unit):
        raise Forbidden(f"you may not see unit {unit_id}", loc=("path", "unit_id"))
    return _out(unit)


def _may_manage_tokens(principal: Principal, unit_id: str) -> None:
    if principal.role is Role.COORDINATOR:
        return
    if (
        principal.role is Role.UNIT
        and principal.unit_id == unit_id
        and not (principal.subject.startswith("T-"))
    ):
        return
    raise Forbidden(
        "only the unit's admin or the coordinator manages its API tokens", loc=("path", "unit_id")
    )


@router.post(
    "/{unit_id}/api-tokens", status_code=status.HTTP_201_CREATED, response_model=NewApiToken
)
async def create_api_token(
    unit_id: Id,
    body: ApiTokenIn,
    request: Request,
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    _may_manage_tokens(principal, unit_id)

    async def action(conn: Conn) -> NewApiToken:
        await _unit(conn, unit_id)
        token = codes.new_api_token()
        row = await accounts.insert_api_token(
            conn,
            accounts.new_id("T"),
            unit_id,
            codes.hash_api_token(token),
            body.label,
            principal.subject,
        )
        return NewApiToken.model_validate({**row, "api_token": token})

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("/{unit_id}/api-tokens", response_model=list[ApiTokenOut])
async def list_api_tokens(unit_id: Id, request: Request, principal: Caller) -> list[ApiTokenOut]:
    _may_manage_tokens(principal, unit_id)
    async with runtime(request).pool.acquire() as conn:
        await _unit(conn, unit_id)
        return [ApiTokenOut.model_validate(r) for r in await accounts.api_tokens(conn, unit_id)]


@router.post("/{unit_id}/api-tokens/{token_id}/revoke", response_model=ApiTokenOut)
async def revoke_api_token(
    unit_id: Id, token_id: Id, request: Request, principal: Caller
) -> JSONResponse:
    _may_manage_tokens(principal, unit_id)

    async def action(conn: Conn) -> ApiTokenOut:
        row = await accounts.revoke_api_token(conn, unit_id, token_id)
        if row is None:
            raise NotFound(f"unit {unit_id} has no API token {token_id}", loc=("path", "token_id"))
        return ApiTokenOut.model_validate(row)

    return await write(request, principal, None, action)
