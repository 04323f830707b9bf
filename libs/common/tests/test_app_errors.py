"""The framework's own refusals come in the common error shape (no lifespan: no I/O needed)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from fastapi import APIRouter
from pydantic import BaseModel

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from fanxiang_common.settings import ServiceSettings

router = APIRouter()


class Body(BaseModel):
    name: str


@router.post("/things")
async def make(body: Body) -> dict[str, str]:
    return {"name": body.name}


@router.get("/things/{n}")
async def read(n: int) -> dict[str, int]:
    if n < 0:
        raise asyncpg.DataError("invalid input for query argument $1 (value out of int64 range)")
    raise asyncpg.UniqueViolationError("duplicate key value violates unique constraint")


def _client() -> httpx.AsyncClient:
    settings = ServiceSettings(service="placement", environment="test")
    app = create_service_app(
        ServiceRuntime(settings, relay=False), title="t", description="d", routers=[router]
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_body_that_is_not_json_is_named() -> None:
    async with _client() as client:
        r = await client.post(
            "/things",
            content=b"D`\xd3i\x12\xff\xfe~3",
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 400
    assert r.json() == {
        "detail": [{"loc": ["body"], "msg": "the body is not valid JSON", "type": "json_invalid"}]
    }


async def test_an_unknown_path_and_a_wrong_method_say_so() -> None:
    async with _client() as client:
        missing = await client.get("/nowhere")
        wrong = await client.get("/things")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["msg"] == "there is no /nowhere"
    assert wrong.status_code == 405
    assert wrong.json()["detail"] == [
        {"loc": [], "msg": "GET is not allowed on /things", "type": "http_405"}
    ]
    assert wrong.headers["allow"] == "POST"


async def test_values_the_database_refuses_are_the_callers_mistake() -> None:
    async with _client() as client:
        refused = await client.get("/things/-1")
        duplicate = await client.get("/things/1")
    assert refused.status_code == 422
    assert "out of int64 range" in refused.json()["detail"][0]["msg"]
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"][0]["type"] == "conflict"


async def test_an_oversized_body_is_refused_before_it_is_read_whole() -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'

    async def chunks() -> Any:
        for i in range(0, len(big), 64 * 1024):
            yield big[i : i + 64 * 1024]

    async with _client() as client:
        announced = await client.post(
            "/things", content=big, headers={"content-type": "application/json"}
        )
        streamed = await client.post(
            "/things", content=chunks(), headers={"content-type": "application/json"}
        )
        fine = await client.post("/things", json={"name": "x" * 1000})
    for r in (announced, streamed):
        assert r.status_code == 413
        assert r.json()["detail"][0]["type"] == "too_large"
        assert "1024 KiB" in r.json()["detail"][0]["msg"]
    assert fine.status_code == 200
