"""Certificates (实践证明) for completed placements: a printable HTML page drawn from
placement's record of the placement and its post (the student's name and school, the unit,
the post, the dates on post). Print or "save as PDF" from the browser: no PDF engine on the
server, and the page is the same in every browser (A4, its own print stylesheet)."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from fanxiang_web import ui
from fanxiang_web.clients import ApiError
from fanxiang_web.domain import certificate

router = APIRouter(include_in_schema=False)


@router.get("/s/certificates")
async def certificates(ctx: ui.Student) -> Response:
    mine: list[dict[str, Any]] = await ctx.api.get("placement", "/v1/placements/mine")
    return ctx.render(
        "student/certificates.html",
        completed=[p for p in mine if certificate.issuable(p)],
        others=[p for p in mine if not certificate.issuable(p)],
    )


@router.get("/s/placements/{placement_id}/certificate")
async def certificate_page(ctx: ui.Student, placement_id: str) -> Response:
    placement = await ctx.api.get("placement", f"/v1/placements/{placement_id}")
    if not certificate.issuable(placement):
        return ctx.render("error.html", 404, code=404)
    post: dict[str, Any] = {}
    with contextlib.suppress(ApiError):  # the post's dates are a nicety; the placement suffices
        post = await ctx.api.get("placement", f"/v1/posts/{placement['post_id']}")
    # An official document: in Chinese whatever language the person reads the site in.
    return ui.render(
        ctx.request,
        "student/certificate.html",
        force_lang="zh",
        cert=certificate.of(placement, post),
        placement=placement,
    )
