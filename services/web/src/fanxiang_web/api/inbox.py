"""The inbox, from notify's API (every role has one). When notify does not answer, the page
says so and the rest of the site carries on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from fanxiang_web import ui
from fanxiang_web.clients import ApiError, ServiceDown

router = APIRouter(prefix="/inbox", include_in_schema=False)


@router.get("")
async def inbox(ctx: ui.Anyone, before: str = "") -> Response:
    page: dict[str, Any] | None = None
    problem = None
    try:
        page = await ctx.api.get("notify", "/v1/inbox", lang=ctx.lang, limit=30, before=before)
    except ServiceDown:
        problem = "down"
    except ApiError as exc:
        if exc.status == 401:
            raise
        problem = "none" if exc.status == 403 else "down"
    return ctx.render("inbox.html", page=page, problem=problem)


@router.post("/read-all")
async def read_all(ctx: ui.Anyone) -> Response:
    await ctx.api.post("notify", "/v1/inbox/read-all")
    return ui.redirect("/inbox")


@router.post("/{notification_id}/read")
async def read_one(ctx: ui.Anyone, notification_id: str) -> Response:
    try:
        await ctx.api.post("notify", f"/v1/inbox/{notification_id}/read")
    except ApiError as exc:
        if exc.status != 404:
            raise
    if ui.is_htmx(ctx.request):
        return HTMLResponse("")  # the button goes; the item is read
    return ui.redirect("/inbox")


@router.get("/unread")
async def unread(ctx: ui.Anyone) -> Response:
    """The unread badge in the navigation (drawn after the page, so a slow or absent notify
    never holds a page up)."""
    try:
        count = (await ctx.api.get("notify", "/v1/inbox/unread-count"))["unread"]
    except (ServiceDown, ApiError):
        count = 0
    return ctx.render("_unread.html", count=count)
