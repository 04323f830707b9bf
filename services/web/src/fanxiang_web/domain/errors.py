"""The services' error bodies, ``{"detail": [{"loc", "msg", "type"}]}``, as errors on a form.

``loc`` names the field: ``["body", "phone"]`` → ``phone``; ``["body", "choices", 2]`` →
``choices.2``; a location that names no field (``["body"]``, a path or a header) belongs to the
form as a whole (``FORM``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORM = "__form__"


@dataclass(frozen=True)
class FieldError:
    field: str
    type: str
    msg: str


def field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "body":
        return ".".join(parts[1:])
    if len(parts) >= 2 and parts[0] == "query":
        return ".".join(parts[1:])
    return FORM


def parse_detail(body: Any) -> list[FieldError]:
    """Whatever a service answered (a list of items, a plain string, anything) → errors."""
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if isinstance(detail, str):
        return [FieldError(FORM, "error", detail)]
    if not isinstance(detail, list):
        return []
    out = []
    for item in detail:
        if not isinstance(item, Mapping):
            continue
        loc = item.get("loc")
        out.append(
            FieldError(
                field_name(loc if isinstance(loc, list) else []),
                str(item.get("type") or "error"),
                str(item.get("msg", "")),
            )
        )
    return out


def by_field(
    errors: Sequence[FieldError], known: Sequence[str] | None = None
) -> dict[str, list[FieldError]]:
    """Group by field; a field the form does not show (``known``) goes to the form."""
    grouped: dict[str, list[FieldError]] = {}
    for e in errors:
        name = e.field
        if known is not None and name != FORM and name not in known:
            top = name.split(".", 1)[0]
            name = top if top in known else FORM
        grouped.setdefault(name, []).append(e)
    return grouped
