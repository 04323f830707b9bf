"""Units register themselves (public): the contact's phone gets a one-time code (shown in a
development box outside production, as at sign-in), then the unit form with the code; the unit
waits, pending, for the committee of its county (市直 units: the coordinator) to approve it,
after which the contact signs in with that phone as the unit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fanxiang_common.settings import Environment
from fanxiang_web import ui
from fanxiang_web.api.common import county_names, townships_of
from fanxiang_web.clients import ApiError
from fanxiang_web.i18n import Translator

router = APIRouter(prefix="/register-unit", include_in_schema=False)

FIELDS = [
    "name", "unit_type", "county", "township", "address",
    "contact_name", "contact_phone", "contact_email", "code",
]  # fmt: skip


async def _page(
    request: Request,
    step: str,
    values: dict[str, str] | None = None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    values = values or {}
    context: dict[str, Any] = {}
    if step == "unit":
        reference = await ui.services_of(request).reference()
        context = {
            "counties": county_names(reference),
            "townships": townships_of(reference, values.get("county", "")),
            "unit_types": reference["unit_types"],
        }
    return ui.render(
        request,
        "register_unit.html",
        status_code,
        step=step,
        values=values,
        errors=errors,
        **context,
        **extra,
    )


@router.get("")
async def start(request: Request) -> Response:
    return await _page(request, "phone")


@router.post("/code")
async def request_code(request: Request) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    phone = form.get("contact_phone", "")
    t = Translator(ui.lang_of(request))
    try:
        sent = await ui.services_of(request).call(
            "placement", "POST", "/v1/unit-registrations/codes", json={"contact_phone": phone}
        )
    except ApiError as exc:
        errors = ui.api_errors(t, exc, ["contact_phone"])
        return await _page(request, "phone", form, errors, ui.form_status(request))
    production = ui.settings_of(request).environment is Environment.PRODUCTION
    return await _page(
        request,
        "unit",
        {"contact_phone": phone},
        dev_code=None if production else sent.get("dev_code"),
    )


@router.get("/townships")
async def townships(request: Request, county: str = "") -> Response:
    reference = await ui.services_of(request).reference()
    return ui.render(
        request,
        "_township_select.html",
        name="township",
        townships=townships_of(reference, county),
        selected="",
        any_label=False,
    )


@router.post("")
async def register(request: Request) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    body = {k: form[k] for k in FIELDS if form.get(k)}
    body.setdefault("code", "")
    t = Translator(ui.lang_of(request))
    try:
        await ui.services_of(request).call("placement", "POST", "/v1/unit-registrations", json=body)
    except ApiError as exc:
        errors = ui.api_errors(t, exc, FIELDS)
        return await _page(request, "unit", form, errors, ui.form_status(request))
    return ui.redirect("/register-unit/sent")


@router.get("/sent")
async def sent(request: Request) -> Response:
    return await _page(request, "sent")
