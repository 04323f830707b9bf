"""Posts over HTTP (walking skeleton: a coordinator publishes a post directly)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from pydantic import BaseModel, ConfigDict, Field

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.db.outbox import add_event
from fanxiang_common.errors import NotFound
from fanxiang_common.events.placement import PostPublishedV1
from placement_service.db import posts as posts_db

router = APIRouter(prefix="/v1/posts", tags=["posts"])

Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR))]


class PostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_id: str = Field(min_length=1, max_length=64)
    season_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=2, max_length=120, description="岗位名称")
    category: str = Field(min_length=2, max_length=20, description="岗位类别, e.g. 政务实践")
    county: str = Field(pattern=r"^(\d{6}|city)$", description="adcode, or 'city' for 市直 posts")
    township: str | None = Field(default=None, max_length=64)
    capacity: int = Field(ge=0, le=1000)


class PostOut(PostIn):
    model_config = ConfigDict(extra="ignore")

    post_id: str
    status: str


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def publish_post(
    body: PostIn,
    request: Request,
    principal: Coordinator,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> PostOut:
    """Publish a post: it is stored, and `placement.post.published.v1` goes out via the outbox."""
    runtime = request.app.state.runtime
    async with runtime.pool.acquire() as conn, conn.transaction():
        if idempotency_key:
            earlier = await posts_db.remembered(conn, principal.subject, idempotency_key)
            if earlier is not None:
                return PostOut.model_validate(await posts_db.get(conn, earlier))
        post_id = f"P-{uuid.uuid4().hex[:12]}"
        row = await posts_db.insert(conn, post_id=post_id, status="published", **body.model_dump())
        await add_event(
            conn,
            PostPublishedV1(post_id=post_id, **body.model_dump()),
            source=runtime.settings.source,
        )
        if idempotency_key:
            await posts_db.remember(conn, principal.subject, idempotency_key, post_id)
    return PostOut.model_validate(row)


@router.get("/{post_id}", response_model=PostOut)
async def get_post(post_id: str, request: Request) -> PostOut:
    async with request.app.state.runtime.pool.acquire() as conn:
        row = await posts_db.get(conn, post_id)
    if row is None:
        raise NotFound(f"no post {post_id!r}", loc=("path", "post_id"))
    return PostOut.model_validate(row)
