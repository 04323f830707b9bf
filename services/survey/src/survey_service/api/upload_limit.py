"""An upper bound on upload size, enforced while the body streams in.

A request announcing more than the limit (Content-Length) is refused before its body is read;
one without a length (chunked) is counted as it arrives and refused at the first chunk past
the limit, so no more than the limit is ever spooled to disk. Memory stays bounded either way:
Starlette's multipart parser spools a file part to disk past 1 MB.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.routing import APIRoute
from starlette.types import Message

# Multipart boundaries, part headers and the small form fields around the file.
ENVELOPE_BYTES = 64 * 1024


def too_large(limit: int) -> HTTPException:
    mb = limit / (1024 * 1024)
    return HTTPException(
        status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        detail=[
            {
                "loc": ["body", "file"],
                "msg": f"文件过大：上限为 {mb:g} MB / the file is larger than the {mb:g} MB limit "
                "(SURVEY_MAX_UPLOAD_BYTES); split the export or raise the limit",
                "type": "too_large",
            }
        ],
    )


class LimitedUploadRoute(APIRoute):
    """A route whose request body may not exceed the service's ``max_upload_bytes``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit: int = request.app.state.runtime.settings.max_upload_bytes
            allowed = limit + ENVELOPE_BYTES
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > allowed:
                raise too_large(limit)
            receive = request.receive
            seen = 0

            async def counting() -> Message:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > allowed:
                        raise too_large(limit)
                return message

            counted: Any = Request(request.scope, counting)
            return await handle(counted)

        return limited
