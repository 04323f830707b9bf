"""File uploads with an upper bound, enforced while the body streams in.

`fanxiang_common.app.BodyLimitMiddleware` bounds JSON and form bodies (reading them whole)
and lets multipart bodies through, because a file upload needs a larger bound of its own: the
routes that take files use a route class from `limited_uploads` instead. A request announcing
more than the limit (Content-Length) is refused before its body is read; one without a length
(chunked) is counted as it arrives and refused at the first chunk past the limit, so no more
than the limit is ever spooled to disk (Starlette's multipart parser spools a file part to
disk past 1 MB, so memory stays bounded either way).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.routing import APIRoute
from starlette.types import Message

# Multipart boundaries, part headers and the small form fields around the file.
ENVELOPE_BYTES = 64 * 1024


def too_large(limit: int, hint: str) -> HTTPException:
    mb = limit / (1024 * 1024)
    return HTTPException(
        status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        detail=[
            {
                "loc": ["body", "file"],
                "msg": f"文件过大：上限为 {mb:g} MB / the file is larger than the {mb:g} MB limit"
                f" ({hint})",
                "type": "too_large",
            }
        ],
    )


def limited_uploads(limit_of: Callable[[Request], int], *, hint: str) -> type[APIRoute]:
    """A route class (``APIRouter(route_class=…)``) whose request bodies may not exceed
    ``limit_of(request)`` bytes of file plus the multipart envelope; 413 names the file and
    ends with ``hint`` (what to do, or the setting that raises the limit)."""

    class LimitedUploadRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def limited(request: Request) -> Response:
                limit = limit_of(request)
                allowed = limit + ENVELOPE_BYTES
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > allowed:
                    raise too_large(limit, hint)
                receive = request.receive
                seen = 0

                async def counting() -> Message:
                    nonlocal seen
                    message = await receive()
                    if message["type"] == "http.request":
                        seen += len(message.get("body", b""))
                        if seen > allowed:
                            raise too_large(limit, hint)
                    return message

                counted: Any = Request(request.scope, counting)
                return await handle(counted)

            return limited

    return LimitedUploadRoute
