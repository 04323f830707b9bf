"""在外联络员: the students studying in the liaison's city — name and school only (placement
gives nothing more) — and broadcasts to them through notify. The coordinator sees every
city's roster and every broadcast, and approves them when notify asks for approval."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from fanxiang_web import ui
from fanxiang_web.clients import ApiError, ServiceDown

router = APIRouter(prefix="/l", include_in_schema=False)


async def _page(
    ctx: ui.Ctx,
    city: str = "",
    errors: ui.FormErrors = ui.NO_ERRORS,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    # A liaison's city comes from their token; only the coordinator picks one.
    chosen = city.strip()[:120] if ctx.session.role == "coordinator" and city.strip() else None
    students = await ctx.api.all_pages("placement", "/v1/students/roster", city=chosen)
    broadcasts: list[dict[str, Any]] | None
    try:
        broadcasts = await ctx.api.get("notify", "/v1/broadcasts", limit=50)
    except (ServiceDown, ApiError):
        broadcasts = None  # notify is away: the roster still shows
    return ctx.render(
        "liaison/roster.html",
        status_code=status_code,
        students=students,
        city=ctx.session.city if ctx.session.role == "liaison" else city,
        broadcasts=broadcasts,
        errors=errors,
        values=values or {},
    )


@router.get("")
async def roster(ctx: ui.Liaison, city: str = "") -> Response:
    return await _page(ctx, city)


@router.post("/broadcasts")
async def broadcast(
    ctx: ui.Liaison,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
) -> Response:
    values = {"title": title.strip(), "body": body.strip()}
    try:
        sent = await ctx.api.post("notify", "/v1/broadcasts", values)
    except ApiError as exc:
        if exc.status == 401:
            raise
        errors = ui.api_errors(ctx.t, exc, ["title", "body"])
        return await _page(ctx, "", errors, values, ui.form_status(ctx.request))
    return ui.redirect(
        "/l", flash="broadcast_sent" if sent["status"] == "sent" else "broadcast_pending"
    )


@router.post("/broadcasts/{broadcast_id}/{decision}")
async def decide(ctx: ui.Coordinator, broadcast_id: str, decision: str) -> Response:
    if decision not in ("approve", "reject"):
        return ui.render(ctx.request, "error.html", 404, code=404)
    await ctx.api.post("notify", f"/v1/broadcasts/{broadcast_id}/{decision}")
    return ui.redirect(
        "/l", flash="broadcast_approved" if decision == "approve" else "broadcast_rejected"
    )
