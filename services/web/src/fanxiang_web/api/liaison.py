"""在外联络员: the students studying in the liaison's city — name and school only (placement
gives nothing more). The coordinator may look at any city's roster."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from fanxiang_web import ui

router = APIRouter(prefix="/l", include_in_schema=False)


@router.get("")
async def roster(ctx: ui.Liaison, city: str = "") -> Response:
    # A liaison's city comes from their token; only the coordinator picks one.
    chosen = city.strip()[:120] if ctx.session.role == "coordinator" and city.strip() else None
    students = await ctx.api.all_pages("placement", "/v1/students/roster", city=chosen)
    return ctx.render(
        "liaison/roster.html",
        students=students,
        city=ctx.session.city if ctx.session.role == "liaison" else city,
    )
