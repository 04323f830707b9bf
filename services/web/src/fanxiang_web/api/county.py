"""County committee pages (县区团委; the coordinator may use them too): posts waiting for
approval (approve, or return with a reason), eligibility review (属地: the students whose home
is the county), and the county's figures."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from fanxiang_web import ui
from fanxiang_web.api.city import dashboard_page
from fanxiang_web.api.common import county_names, current_season, township_names, townships_of
from fanxiang_web.clients import ApiError

router = APIRouter(prefix="/c", include_in_schema=False)


async def _approvals_page(
    ctx: ui.Ctx,
    errors: dict[str, ui.FormErrors] | None = None,
    status_code: int = 200,
) -> Response:
    season = await current_season(ctx)
    posts, reference = await asyncio.gather(
        ctx.api.all_pages(
            "placement",
            "/v1/posts",
            status="submitted",
            season_id=season["season_id"] if season else None,
        ),
        ctx.api.reference(),
    )
    posts.sort(key=lambda p: str(p.get("submitted_at") or ""))
    townships = township_names(reference)
    return ctx.render(
        "county/approvals.html",
        status_code=status_code,
        season=season,
        posts=posts,
        counties=county_names(reference),
        townships=townships,
        errors=errors or {},
    )


@router.get("")
async def approvals(ctx: ui.Committee) -> Response:
    return await _approvals_page(ctx)


@router.post("/posts/{post_id}/approve")
async def approve(ctx: ui.Committee, post_id: str) -> Response:
    await ctx.api.post("placement", f"/v1/posts/{post_id}/approve")
    return ui.redirect("/c", flash="post_approved")


@router.post("/posts/{post_id}/return")
async def return_post(
    ctx: ui.Committee, post_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    try:
        await ctx.api.post("placement", f"/v1/posts/{post_id}/return", {"reason": reason.strip()})
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {post_id: ui.api_errors(ctx.t, exc, ["reason"])}
        return await _approvals_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/c", flash="post_returned")


async def _eligibility_page(
    ctx: ui.Ctx, errors: dict[str, ui.FormErrors] | None = None, status_code: int = 200
) -> Response:
    season = await current_season(ctx)
    params: dict[str, Any] = {"season_id": season["season_id"] if season else None}
    apps, students, reference = await asyncio.gather(
        ctx.api.all_pages("placement", "/v1/applications", status="submitted", **params),
        ctx.api.all_pages("placement", "/v1/students"),
        ctx.api.reference(),
    )
    by_id = {s["student_id"]: s for s in students}
    apps.sort(key=lambda a: str(a["created_at"]))
    townships = township_names(reference)
    return ctx.render(
        "county/eligibility.html",
        status_code=status_code,
        season=season,
        applications=apps,
        students=by_id,
        counties=county_names(reference),
        townships=townships,
        errors=errors or {},
    )


@router.get("/eligibility")
async def eligibility(ctx: ui.Committee) -> Response:
    return await _eligibility_page(ctx)


@router.post("/applications/{application_id}/eligibility")
async def decide(
    ctx: ui.Committee,
    application_id: str,
    eligible: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    body = {"eligible": eligible == "yes", "reason": reason.strip() or None}
    try:
        await ctx.api.post("placement", f"/v1/applications/{application_id}/eligibility", body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {application_id: ui.api_errors(ctx.t, exc, ["reason"])}
        return await _eligibility_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/c/eligibility", flash="eligibility_saved")


@router.get("/figures")
async def figures(ctx: ui.Committee) -> Response:
    """The county's own figures (the coordinator sees the whole city)."""
    county = ctx.session.county if ctx.session.role == "county" else None
    return await dashboard_page(ctx, county)


@router.get("/placements")
async def placements(ctx: ui.Committee) -> Response:
    """Offers made in the committee's county: record pre-job training, fix the post (定岗)."""
    season = await current_season(ctx)
    found = await ctx.api.all_pages(
        "placement", "/v1/placements", season_id=season["season_id"] if season else None
    )
    order = {"accepted": 0, "committed": 1, "offered": 2, "trained": 3}
    found.sort(key=lambda p: (order.get(p["status"], 9), p["student_name"]))
    return ctx.render("county/placements.html", season=season, placements=found)


@router.post("/placements/{placement_id}/{step}")
async def placement_step(ctx: ui.Committee, placement_id: str, step: str) -> Response:
    if step not in ("training", "fix"):
        return ui.render(ctx.request, "error.html", 404, code=404)
    await ctx.api.post("placement", f"/v1/placements/{placement_id}/{step}")
    return ui.redirect(
        "/c/placements", flash="training_recorded" if step == "training" else "post_fixed"
    )


# --- units ---------------------------------------------------------------------------------

UNIT_FIELDS = [
    "name", "unit_type", "county", "township", "address",
    "contact_name", "contact_phone", "contact_email",
]  # fmt: skip


async def _units_page(
    ctx: ui.Ctx,
    values: dict[str, Any] | None = None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
    reject_errors: dict[str, ui.FormErrors] | None = None,
) -> Response:
    units, reference, admins = await asyncio.gather(
        ctx.api.all_pages("placement", "/v1/units"), ctx.api.reference(), _unit_admins(ctx)
    )
    counties = county_names(reference)
    own = ctx.session.county if ctx.session.role == "county" else None
    if own is not None:
        # A county committee registers units of its own county (a zone's: of its township).
        counties = {k: v for k, v in counties.items() if own.startswith(k)}
    values = values or {"county": next(iter(counties), "")}
    if own is not None and own not in counties and not values.get("township"):
        values["township"] = own  # the development zone's 团工委
    return ctx.render(
        "county/units.html",
        status_code=status_code,
        units=sorted(
            (u for u in units if u.get("status", "active") == "active"),
            key=lambda u: (u["county"], u["name"]),
        ),
        pending=[u for u in units if u.get("status") == "pending"],
        admins=admins,
        reject_errors=reject_errors or {},
        values=values,
        errors=errors,
        counties=counties,
        townships=townships_of(reference, str(values.get("county") or "")),
        township_labels=township_names(reference),
        unit_types=reference["unit_types"],
    )


@router.get("/units")
async def units_page(ctx: ui.Committee) -> Response:
    return await _units_page(ctx)


@router.get("/townships")
async def townships(ctx: ui.Committee, county: str = "") -> Response:
    reference = await ctx.api.reference()
    return ctx.render(
        "_township_select.html",
        name="township",
        townships=townships_of(reference, county),
        selected="",
        any_label=False,
    )


@router.post("/units")
async def register_unit(ctx: ui.Committee) -> Response:
    form = {k: str(v).strip() for k, v in (await ctx.request.form()).items()}
    body = {k: form[k] for k in UNIT_FIELDS if form.get(k)}
    try:
        await ctx.api.post("placement", "/v1/units", body)
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, UNIT_FIELDS)
        return await _units_page(ctx, form, errors, ui.form_status(ctx.request))
    return ui.redirect("/c/units", flash="unit_registered")


async def _unit_admins(ctx: ui.Ctx) -> dict[str, dict[str, Any]]:
    """Unit id → its admin account, for disabling and enabling it (placement lists a county
    committee the admins of the units it manages)."""
    found = await ctx.api.all_pages("placement", "/v1/accounts", role="unit")
    return {a["unit_id"]: a for a in found if a.get("unit_id")}


@router.post("/units/{unit_id}/approve")
async def approve_unit(ctx: ui.Committee, unit_id: str) -> Response:
    """A self-registered unit becomes active; its contact can sign in as the unit."""
    try:
        await ctx.api.post("placement", f"/v1/units/{unit_id}/approve")
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {unit_id: ui.api_errors(ctx.t, exc, [])}
        return await _units_page(ctx, status_code=ui.form_status(ctx.request), reject_errors=errors)
    return ui.redirect("/c/units", flash="unit_approved")


@router.post("/units/{unit_id}/reject")
async def reject_unit(
    ctx: ui.Committee, unit_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    try:
        await ctx.api.post("placement", f"/v1/units/{unit_id}/reject", {"reason": reason.strip()})
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {unit_id: ui.api_errors(ctx.t, exc, ["reason"])}
        return await _units_page(ctx, status_code=ui.form_status(ctx.request), reject_errors=errors)
    return ui.redirect("/c/units", flash="unit_rejected")


@router.post("/accounts/{account_id}/{action}")
async def switch_account(
    ctx: ui.Committee,
    account_id: str,
    action: str,
    reason: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Disable or enable an account (the coordinator: anyone's but their own; a committee: its
    units' admins). Placement refuses what the caller may not do; the error page says why."""
    if action not in ("disable", "enable"):
        return ui.render(ctx.request, "error.html", 404, code=404)
    body = {"reason": reason.strip()} if reason.strip() else {}
    await ctx.api.post("placement", f"/v1/accounts/{account_id}/{action}", body)
    flash = "account_disabled" if action == "disable" else "account_enabled"
    return ui.redirect(ui.safe_next(next, "/c/units"), flash=flash)


@router.post("/students/{student_id}/reveal")
async def reveal_phone(
    ctx: ui.Committee, student_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    """The full number, for a stated reason; placement writes every reveal to the audit log."""
    try:
        found = await ctx.api.post(
            "placement", f"/v1/students/{student_id}/phone/reveal", {"reason": reason.strip()}
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, ["reason"])
        return ctx.render("county/_reveal.html", student_id=student_id, phone=None, errors=errors)
    return ctx.render(
        "county/_reveal.html", student_id=student_id, phone=found["phone"], errors=ui.NO_ERRORS
    )
