"""The 公示 list (name, school, post; consenting students only), the audit log, and the
reference data every form needs."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import NotFound
from placement_service.api.common import Id, Out, Page, PagingQ, audit, geo, roles, runtime
from placement_service.db import placements, seasons
from placement_service.domain.onboarding import HOLDS_A_PLACE
from placement_service.domain.reference import (
    INTERVIEW_CRITERIA,
    ConsentPurpose,
    PoliticalStatus,
    PostCategory,
    UnitType,
)

router = APIRouter(tags=["exports"])
Committee = Annotated[Principal, Depends(roles(Role.COORDINATOR, Role.COUNTY))]
Coordinator = Annotated[Principal, Depends(roles(Role.COORDINATOR))]


class PublicityRow(Out):
    name: str
    university: str
    post_title: str
    unit_name: str | None = None


class AuditOut(Out):
    audit_id: int
    at: datetime
    actor: str
    role: str
    action: str
    subject: str
    reason: str | None = None
    detail: dict[str, Any] | None = None


@router.get(
    "/v1/seasons/{season_id}/publicity",
    response_model=list[PublicityRow],
    responses={200: {"content": {"text/csv": {}}}},
)
async def publicity_list(
    season_id: Id,
    request: Request,
    principal: Committee,
    fmt: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    """公示: placed students who consented to publication — name, school and post only. A
    county committee gets its county's posts. Each export is audited."""
    org = principal.county if principal.role is Role.COUNTY else None
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        if await seasons.get(conn, season_id) is None:
            raise NotFound(f"no season {season_id}", loc=("path", "season_id"))
        rows = await placements.publicity(conn, season_id, org, [s.value for s in HOLDS_A_PLACE])
        await audit(
            conn,
            principal,
            "export_publicity",
            season_id,
            detail={"rows": len(rows), "format": fmt},
        )
    items = [PublicityRow.model_validate(r) for r in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["姓名", "学校", "岗位", "实践单位"])
        for item in items:
            writer.writerow([item.name, item.university, item.post_title, item.unit_name or ""])
        return Response(
            ("\ufeff" + out.getvalue()).encode("utf-8"),  # BOM: Excel opens UTF-8 correctly
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="publicity-{season_id}.csv"'},
        )
    return Response(
        "[" + ",".join(i.model_dump_json() for i in items) + "]",
        media_type="application/json",
    )


@router.get("/v1/audit", response_model=Page[AuditOut])
async def audit_log(
    request: Request,
    principal: Coordinator,
    paging: PagingQ,
    subject: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditOut]:
    async with runtime(request).pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT audit_id, at, actor, role, action, subject, reason, detail,"
            " count(*) OVER () AS total FROM audit WHERE ($1::text IS NULL OR subject = $1)"
            " ORDER BY audit_id DESC LIMIT $2 OFFSET $3",
            subject,
            paging.limit,
            paging.offset,
        )
    return Page[AuditOut](
        items=[AuditOut.model_validate(dict(r)) for r in rows],
        total=rows[0]["total"] if rows else 0,
        limit=paging.limit,
        offset=paging.offset,
    )


class County(BaseModel):
    code: str
    name: str
    lon: float
    lat: float
    townships: dict[str, str]


class Reference(BaseModel):
    unit_types: list[str]
    post_categories: list[str]
    political_statuses: list[str]
    consent_purposes: list[str]
    interview_criteria: list[str]
    counties: list[County]
    zones: list[str]


@router.get("/v1/reference", response_model=Reference)
async def reference() -> Reference:
    """Vocabularies and geography for forms; public (no personal data)."""
    g = geo()
    return Reference(
        unit_types=[t.value for t in UnitType],
        post_categories=[c.value for c in PostCategory],
        political_statuses=[p.value for p in PoliticalStatus],
        consent_purposes=[c.value for c in ConsentPurpose],
        interview_criteria=list(INTERVIEW_CRITERIA),
        counties=[
            County(code=c.code, name=c.name, lon=c.lon, lat=c.lat, townships=c.townships)
            for c in g.counties.values()
        ],
        zones=sorted(g.zones),
    )
