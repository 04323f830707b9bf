"""Students: a profile once per person, consents with time and version, masked lists for the
committees, a minimal roster for liaisons, and the audited reveal of a phone number."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import Field

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Forbidden, NotFound, Unprocessable
from fanxiang_common.events.placement import (
    ConsentRecordedV1,
    StudentProfileUpdatedV1,
    StudentRegisteredV1,
)
from placement_service.api.common import (
    Conn,
    Email,
    Id,
    IdempotencyKey,
    Model,
    Out,
    Page,
    PagingQ,
    ReasonIn,
    ShortText,
    TownshipCode,
    audit,
    emit,
    geo,
    roles,
    runtime,
    write,
)
from placement_service.db import accounts
from placement_service.db import students as db
from placement_service.domain.applications import may_review
from placement_service.domain.masking import mask_phone
from placement_service.domain.reference import ConsentPurpose, PoliticalStatus

router = APIRouter(prefix="/v1/students", tags=["students"])
Student = Annotated[Principal, Depends(roles(Role.STUDENT))]
Committee = Annotated[Principal, Depends(roles(Role.COORDINATOR, Role.COUNTY))]
RosterReader = Annotated[Principal, Depends(roles(Role.COORDINATOR, Role.LIAISON))]


class ProfileIn(Model):
    name: ShortText = Field(description="real name, as on the ID card")
    email: Email | None = None
    university: ShortText
    university_city: ShortText = Field(description="the city the university is in")
    university_province: ShortText
    grade: ShortText = Field(description="e.g. 大二, 研一")
    major: ShortText
    discipline: ShortText | None = Field(default=None, description="学科门类, e.g. 工学")
    home_county: str = Field(pattern=r"^\d{6}$", description="adcode of the home county")
    home_township: TownshipCode | None = None
    political_status: PoliticalStatus | None = None


class ProfileOut(Out):
    student_id: str
    name: str
    phone: str
    email: str | None
    university: str
    university_city: str
    university_province: str
    grade: str
    major: str
    discipline: str | None
    home_county: str
    home_township: str | None
    political_status: str | None
    created_at: datetime
    updated_at: datetime


class ConsentIn(Model):
    purpose: ConsentPurpose
    granted: bool
    version: str = Field(
        min_length=1,
        max_length=32,
        pattern=r"^[\w.\-]+$",
        description="version of the consent text the student saw",
    )


class ConsentOut(Out):
    purpose: str
    granted: bool
    version: str
    recorded_at: datetime


class MyProfile(Out):
    profile: ProfileOut | None
    phone: str
    consents: list[ConsentOut]


class RosterEntry(Out):
    student_id: str
    name: str
    university: str


class RevealedPhone(Out):
    student_id: str
    phone: str


def _masked(row: dict[str, Any]) -> ProfileOut:
    return ProfileOut.model_validate({**row, "phone": mask_phone(row["phone"])})


def _check_home(body: ProfileIn) -> None:
    g = geo()
    if not g.is_county(body.home_county):
        raise Unprocessable(f"unknown county {body.home_county}", loc=("body", "home_county"))
    if body.home_township and not g.has_township(body.home_county, body.home_township):
        raise Unprocessable(
            f"township {body.home_township} is not in {body.home_county}",
            loc=("body", "home_township"),
        )


@router.put("/me", response_model=ProfileOut)
async def save_my_profile(body: ProfileIn, request: Request, principal: Student) -> JSONResponse:
    """Create or update the caller's profile (one per person, reused every season)."""
    _check_home(body)

    async def action(conn: Conn) -> ProfileOut:
        account = await accounts.get(conn, principal.subject)
        if account is None:
            raise NotFound("your account no longer exists; sign in again")
        profile = body.model_dump(mode="json")
        row, new = await db.upsert(conn, principal.subject, account["phone"], profile)
        event_type = StudentRegisteredV1 if new else StudentProfileUpdatedV1
        await emit(
            request,
            conn,
            event_type(student_id=principal.subject, phone=account["phone"], **profile),
        )
        return ProfileOut.model_validate(row)

    return await write(request, principal, None, action)


@router.get("/me", response_model=MyProfile)
async def my_profile(request: Request, principal: Student) -> MyProfile:
    async with runtime(request).pool.acquire() as conn:
        account = await accounts.get(conn, principal.subject)
        if account is None:
            raise NotFound("your account no longer exists; sign in again")
        row = await db.get(conn, principal.subject)
        consents = await db.consents(conn, principal.subject)
    return MyProfile(
        profile=ProfileOut.model_validate(row) if row else None,
        phone=account["phone"],
        consents=[ConsentOut.model_validate(c) for c in consents],
    )


@router.post("/me/consents", status_code=status.HTTP_201_CREATED, response_model=ConsentOut)
async def record_consent(
    body: ConsentIn, request: Request, principal: Student, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Give or withdraw a separate consent (sharing with units; the 公示 list)."""

    async def action(conn: Conn) -> ConsentOut:
        if await db.get(conn, principal.subject) is None:
            raise Unprocessable("complete your profile first", loc=("body", "purpose"))
        row = await db.add_consent(
            conn, principal.subject, body.purpose.value, body.granted, body.version
        )
        await emit(request, conn, ConsentRecordedV1(student_id=principal.subject, **row))
        return ConsentOut.model_validate(row)

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)


@router.get("", response_model=Page[ProfileOut])
async def list_students(
    request: Request,
    principal: Committee,
    paging: PagingQ,
    home_county: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$")] = None,
    university: Annotated[str | None, Query(max_length=120)] = None,
) -> Page[ProfileOut]:
    """Coordinator: all students; a county committee: those whose home is its county.
    Phones are masked."""
    if principal.role is Role.COUNTY:
        if home_county is not None and home_county != principal.county:
            raise Forbidden(
                "a county committee lists its own county's students", loc=("query", "home_county")
            )
        home_county = principal.county
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn,
            home_county=home_county,
            city=None,
            university=university,
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page[ProfileOut](
        items=[_masked(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/roster", response_model=Page[RosterEntry])
async def liaison_roster(
    request: Request,
    principal: RosterReader,
    paging: PagingQ,
    city: Annotated[str | None, Query(max_length=120)] = None,
) -> Page[RosterEntry]:
    """在外联络员: the students studying in the liaison's city — name and school only."""
    if principal.role is Role.LIAISON:
        city = principal.city
        if not city:
            raise Forbidden("your account has no city")
    async with runtime(request).pool.acquire() as conn:
        rows, total = await db.list_(
            conn,
            home_county=None,
            city=city,
            university=None,
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page[RosterEntry](
        items=[RosterEntry.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


async def _student_for(conn: Conn, principal: Principal, student_id: str) -> dict[str, Any]:
    row = await db.get(conn, student_id)
    if row is None or not may_review(principal, row["home_county"], row["home_township"], geo()):
        # The same answer for "absent" and "not yours": ids do not leak.
        raise NotFound(f"no student {student_id} in your scope", loc=("path", "student_id"))
    return row


@router.get("/{student_id}", response_model=ProfileOut)
async def get_student(student_id: Id, request: Request, principal: Committee) -> ProfileOut:
    async with runtime(request).pool.acquire() as conn:
        return _masked(await _student_for(conn, principal, student_id))


@router.post("/{student_id}/phone/reveal", response_model=RevealedPhone)
async def reveal_phone(
    student_id: Id, body: ReasonIn, request: Request, principal: Committee
) -> JSONResponse:
    """The full phone number, for a stated reason; every reveal is written to the audit log."""

    async def action(conn: Conn) -> RevealedPhone:
        row = await _student_for(conn, principal, student_id)
        await audit(conn, principal, "reveal_phone", student_id, body.reason)
        return RevealedPhone(student_id=student_id, phone=row["phone"])

    return await write(request, principal, None, action)
