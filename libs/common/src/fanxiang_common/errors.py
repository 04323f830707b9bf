"""Errors a request can cause, and their HTTP shape.

Every error body has FastAPI's validation shape, ``{"detail": [{"loc", "msg", "type"}]}``, so a
client reads one format whether pydantic or a business rule refused the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class AppError(Exception):
    """A refusal the caller can act on. ``loc`` names the field, e.g. ``("body", "capacity")``."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, loc: Sequence[str | int] = (), code: str | None = None):
        super().__init__(message)
        self.message = message
        self.loc = tuple(loc)
        if code:
            self.code = code

    def detail(self) -> list[dict[str, Any]]:
        return [{"loc": list(self.loc), "msg": self.message, "type": self.code}]


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Unprocessable(AppError):
    status_code = 422
    code = "invalid"


class Unavailable(AppError):
    """A dependency (the database) is down: retry later; nothing was written."""

    status_code = 503
    code = "unavailable"
