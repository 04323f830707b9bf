"""The FastAPI application every service is built on: lifespan, health, errors, request ids."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanxiang_common import logging as fx_logging
from fanxiang_common.asyncapi import asyncapi_document, declare_publishers
from fanxiang_common.errors import AppError, Conflict, Unavailable, Unprocessable
from fanxiang_common.health import router as health_router
from fanxiang_common.logging import configure_logging
from fanxiang_common.runtime import ServiceRuntime
from fanxiang_common.settings import ServiceSettings

log = logging.getLogger(__name__)

_DATABASE_DOWN = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,  # the server shut down under a running query
    asyncpg.CrashShutdownError,
    # A pooled connection the shutdown left mid-protocol ("cannot switch to state …"): the
    # pool drops it on release; this request answers 503 like any other outage.
    asyncpg.exceptions.InternalClientError,
)


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
) -> FastAPI:
    settings = runtime.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.runtime = runtime
    app.include_router(health_router)
    declare_publishers(runtime)
    asyncapi = asyncapi_document(runtime, title=title, description=description)

    @app.get(
        "/asyncapi.json", tags=["health"], summary="The AsyncAPI document of this service's topics"
    )
    async def asyncapi_json() -> dict[str, Any]:
        return asyncapi

    for router in routers:
        app.include_router(router)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail()}, status_code=exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's and Starlette's own refusals (unknown path, wrong method, a body that is not
        # JSON) in the same shape as every other error, so a client parses one format.
        return JSONResponse(
            {"detail": http_error_detail(exc, request)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    # Last line of defence: input the validators let through but PostgreSQL refuses (a number out
    # of range, a duplicate) is the caller's mistake, a 4xx, never a 500.
    @app.exception_handler(asyncpg.DataError)
    async def data_error(request: Request, exc: asyncpg.DataError) -> JSONResponse:
        err = Unprocessable(f"a value was not accepted: {exc}")
        return JSONResponse({"detail": err.detail()}, status_code=err.status_code)

    @app.exception_handler(asyncpg.IntegrityConstraintViolationError)
    async def integrity_error(request: Request, exc: asyncpg.PostgresError) -> JSONResponse:
        err = Conflict(f"this conflicts with existing data: {exc}")
        return JSONResponse({"detail": err.detail()}, status_code=err.status_code)

    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        return _unavailable(exc)

    for exc_type in (asyncpg.PostgresConnectionError, *_DATABASE_DOWN):
        app.add_exception_handler(exc_type, database_down)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_body_bytes)
    app.add_middleware(RequestIdMiddleware)

    log.debug("app created", extra={"service": settings.service})
    return app


class RequestIdMiddleware:
    """Carries ``X-Request-ID`` (the caller's, or a new one) into logs and back in the response.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        rid = (
            given.decode("latin-1")
            if 0 < len(given) <= 64 and given.isascii()
            else uuid.uuid4().hex
        )
        header = (b"x-request-id", rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        token = fx_logging.request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            fx_logging.request_id.reset(token)


def http_error_detail(exc: StarletteHTTPException, request: Request) -> list[dict[str, Any]]:
    """The common error body for a framework-raised HTTP error."""
    if isinstance(exc.detail, list):  # already in the common shape
        return exc.detail
    message = str(exc.detail)
    if exc.status_code == 400 and message == "There was an error parsing the body":
        return [{"loc": ["body"], "msg": "the body is not valid JSON", "type": "json_invalid"}]
    if exc.status_code == 404 and message == "Not Found":
        message = f"there is no {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return [{"loc": [], "msg": message, "type": f"http_{exc.status_code}"}]


class BodyLimitMiddleware:
    """Refuses a request body over ``limit`` bytes with 413: at once when Content-Length says
    so, else as soon as the streamed body passes it. The body (at most ``limit``) is read
    here and handed on, so the refusal never reaches the framework's body parser, which would
    turn it into a vague 400. Multipart bodies (file uploads) pass through untouched: the
    routes that take files stream them and set their own, larger bound
    (`fanxiang_common.uploads.limited_uploads`)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if headers.get(b"content-type", b"").startswith(b"multipart/"):
            await self.app(scope, receive, send)
            return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        kib = self.limit // 1024
        response = JSONResponse(
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": f"the body is larger than the {kib} KiB limit "
                        "(MAX_REQUEST_BODY_BYTES)",
                        "type": "too_large",
                    }
                ]
            },
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # a response never reads the request
    return {"type": "http.disconnect"}


def _unavailable(exc: BaseException) -> JSONResponse:
    log.warning("database unavailable", extra={"error": str(exc)})
    err = Unavailable("the database is unavailable; nothing was saved, try again shortly")
    return JSONResponse({"detail": err.detail()}, status_code=503, headers={"Retry-After": "2"})


def serve(app_factory: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Run a service with uvicorn on its configured host and port (``python -m <service>``)."""
    import uvicorn

    configure_logging(settings.service, settings.log_level, settings.log_format)
    uvicorn.run(
        app_factory(),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=20,
    )
