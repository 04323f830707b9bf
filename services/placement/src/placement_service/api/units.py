"""Units (实践单位): registered by the coordinator or a county committee, each with an admin
account (signs in by phone) and API tokens for the unit's own systems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.placement import (
    UnitRegisteredV1,
    UnitRegistrationRejectedV1,
    UnitRegistrationRequestedV1,
)
from placement_service.api.auth import CodeSent, send_code, verify_code
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
    ReasonIn,
    ShortText,
    TownshipCode,
    _replay,
    audit,
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
from placement_service.domain.units import (
    REGISTRATION_SUBJECT,
    UnitStatus,
    decider,
    may_decide,
    require_pending,
)
from placement_service.events.access import api_token_revoked

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
    status: UnitStatus = Field(description="pending (self-registered, awaiting the committee)")
    reject_reason: str | None = None
    decided_at: datetime | None = None


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


def _check_place(body: UnitIn) -> None:
    g = geo()
    if not g.is_post_county(body.county):
        raise Unprocessable(f"unknown county {body.county}", loc=("body", "county"))
    if body.township and (body.county == CITY or not g.has_township(body.county, body.township)):
        raise Unprocessable(
            f"township {body.township} is not in {body.county}", loc=("body", "township")
        )


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
    _check_place(body)
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
    status: Annotated[UnitStatus | None, Query(description="e.g. pending registrations")] = None,
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
            status=status.value if status else None,
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
        await emit(request, conn, api_token_revoked(token_id, row["revoked_at"]))
        return ApiTokenOut.model_validate(row)

    return await write(request, principal, None, action)


# --- units registering themselves ---------------------------------------------------------------

registrations = APIRouter(prefix="/v1/unit-registrations", tags=["units"])


class RegistrationCodeIn(Model):
    contact_phone: Phone = Field(description="the contact's phone; it will sign in as the unit")


class RegistrationIn(UnitIn):
    code: str = Field(pattern=r"^\d{6}$", description="the code sent to contact_phone")


def _registrant(phone: str) -> dict[str, Any]:
    """The code flow's subject for a phone that has no account yet."""
    return {"account_id": REGISTRATION_SUBJECT + phone, "role": Role.UNIT.value, "phone": phone}


async def _phone_free(conn: Conn, phone: str) -> None:
    account = await accounts.by_phone(conn, phone)
    if account is not None:
        waiting = not account["active"] and account["disabled_at"] is None
        raise Conflict(
            "this phone's unit registration is waiting for approval"
            if waiting
            else "this phone already has an account; sign in instead",
            loc=("body", "contact_phone"),
        )


@registrations.post("/codes", status_code=status.HTTP_202_ACCEPTED, response_model=CodeSent)
async def request_registration_code(body: RegistrationCodeIn, request: Request) -> CodeSent:
    """Step 1 (public): prove the contact's phone with a one-time code, as at sign-in."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        await _phone_free(conn, body.contact_phone)
        return await send_code(request, conn, _registrant(body.contact_phone), "registration")


@registrations.post("", status_code=status.HTTP_202_ACCEPTED, response_model=UnitOut)
async def register_self(
    body: RegistrationIn, request: Request, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Step 2 (public): the unit, pending until the committee of its county (市直: the city)
    approves it; then the contact signs in with this phone as the unit."""
    _check_place(body)
    principal = Principal(subject=REGISTRATION_SUBJECT + body.contact_phone, role=Role.UNIT)
    if idempotency_key and (replay := await _replay(request, principal, idempotency_key)):
        return replay
    subject = principal.subject
    async with runtime(request).pool.acquire() as conn:
        await _phone_free(conn, body.contact_phone)
        # Its own transaction: a wrong code counts as an attempt even though we refuse.
        async with conn.transaction():
            try:
                await verify_code(request, conn, subject, "registration", body.code)
            except Unauthorized as exc:
                failure: Unauthorized | None = exc
            else:
                failure = None
        if failure is not None:
            raise failure
    fields = body.model_dump(mode="json", exclude={"code"})
    org = decider(body.county, body.township, geo())

    async def action(conn: Conn) -> UnitOut:
        unit_id = accounts.new_id("U")
        row = await db.insert(
            conn, unit_id=unit_id, created_by="self", status=UnitStatus.PENDING.value, **fields
        )
        admin = await accounts.insert(
            conn,
            account_id=accounts.new_id("A"),
            phone=body.contact_phone,
            role=Role.UNIT.value,
            name=body.contact_name,
            unit_id=unit_id,
            created_by="self",
        )
        if admin is None:
            raise Conflict("this phone already has an account", loc=("body", "contact_phone"))
        # Inactive until approved: the contact cannot sign in yet.
        await conn.execute(
            "UPDATE account SET active = false WHERE account_id = $1", admin["account_id"]
        )
        await emit(
            request,
            conn,
            UnitRegistrationRequestedV1(
                unit_id=unit_id,
                name=body.name,
                unit_type=body.unit_type.value,
                county=body.county,
                township=body.township,
                managing_org=org,
                contact_name=body.contact_name,
                contact_phone=body.contact_phone,
                contact_email=body.contact_email,
            ),
        )
        return _out(row)

    return await write(request, principal, idempotency_key, action, status.HTTP_202_ACCEPTED)


async def _decide(
    request: Request, principal: Principal, unit_id: str, approve: bool, reason: str | None
) -> JSONResponse:
    async def action(conn: Conn) -> UnitOut:
        unit = await _unit(conn, unit_id)
        if not _may_see(principal, unit):
            raise NotFound(f"no unit {unit_id}", loc=("path", "unit_id"))
        may_decide(principal, str(unit["county"]), unit["township"], geo())  # type: ignore[arg-type]
        require_pending(str(unit["status"]))
        target = UnitStatus.ACTIVE if approve else UnitStatus.REJECTED
        row = await db.decide(conn, unit_id, target.value, principal.subject, reason)
        if row is None:  # decided concurrently
            require_pending("decided")
        admin = await accounts.by_phone(conn, str(unit["contact_phone"]))
        if approve:
            if admin is not None:
                # An account a committee disabled on purpose stays disabled.
                await conn.execute(
                    "UPDATE account SET active = true WHERE account_id = $1"
                    " AND disabled_at IS NULL",
                    admin["account_id"],
                )
            event: EventData = UnitRegisteredV1(
                unit_id=unit_id,
                name=str(unit["name"]),
                unit_type=str(unit["unit_type"]),
                county=str(unit["county"]),
                township=unit["township"],
                contact_name=unit["contact_name"],
                contact_phone=unit["contact_phone"],
                contact_email=unit["contact_email"],
            )
        else:
            # The phone is free again (to register once more, or as a student).
            if admin is not None and admin["unit_id"] == unit_id:
                await conn.execute("DELETE FROM account WHERE account_id = $1", admin["account_id"])
            event = UnitRegistrationRejectedV1(
                unit_id=unit_id,
                name=str(unit["name"]),
                reason=str(reason),
                decided_by=principal.subject,
                contact_name=unit["contact_name"],
                contact_phone=unit["contact_phone"],
            )
        await emit(request, conn, event)
        await audit(conn, principal, "unit.approve" if approve else "unit.reject", unit_id, reason)
        assert row is not None
        return _out(row)

    return await write(request, principal, None, action)


@router.post("/{unit_id}/approve", response_model=UnitOut)
async def approve_unit(unit_id: Id, request: Request, principal: Registrar) -> JSONResponse:
    """A self-registered unit becomes active; its contact can sign in as the unit."""
    return await _decide(request, principal, unit_id, True, None)


@router.post("/{unit_id}/reject", response_model=UnitOut)
async def reject_unit(
    unit_id: Id, body: ReasonIn, request: Request, principal: Registrar
) -> JSONResponse:
    """Refuse a self-registered unit, with the reason the contact is told."""
    return await _decide(request, principal, unit_id, False, body.reason)
