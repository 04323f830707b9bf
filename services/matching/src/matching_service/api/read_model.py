"""Matching's read model over HTTP, for coordinators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.errors import NotFound
from matching_service.db import applications, read_model

router = APIRouter(prefix="/v1/read-model", tags=["read model"])

Reader = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.COUNTY))]


@router.get("/posts/{post_id}")
async def get_post(post_id: str, request: Request, principal: Reader) -> dict[str, Any]:
    """A post as matching knows it (from placement's events)."""
    async with request.app.state.runtime.pool.acquire() as conn:
        post = await read_model.get_post(conn, post_id)
    if post is None or (not principal.in_county(post["county"]) and principal.role is Role.COUNTY):
        raise NotFound(f"matching knows no post {post_id!r}", loc=("path", "post_id"))
    return post


@router.get("/applications/{application_id}")
async def get_application(
    application_id: str, request: Request, principal: Reader
) -> dict[str, Any]:
    """An application as matching knows it: choices, eligibility, withdrawal, and the units'
    scores and refusals (不录用) per post. A county committee sees its home county's."""
    async with request.app.state.runtime.pool.acquire() as conn:
        application = await applications.get_application(conn, application_id)
    if application is None or not principal.in_county(application["home_county"]):
        raise NotFound(
            f"matching knows no application {application_id!r}", loc=("path", "application_id")
        )
    return application
