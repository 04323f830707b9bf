"""City coordinator pages (团市委): the season dashboard with ECharts charts, built from
placement's lists; the 公示 export, which placement provides; seasons, accounts, audit.
The match pages are in `api.match`."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from fanxiang_web import ui
from fanxiang_web.api.common import current_season
from fanxiang_web.api.unit import beijing_to_aware
from fanxiang_web.clients import ApiError
from fanxiang_web.domain import dashboard, labels
from fanxiang_web.domain.dashboard import suppressed

router = APIRouter(prefix="/city", include_in_schema=False)


async def dashboard_page(ctx: ui.Ctx, county: str | None) -> Response:
    """The season's figures: the whole city, or one county committee's own (``county``)."""
    season = await current_season(ctx)
    season_id = season["season_id"] if season else None
    posts, applications, reference = await asyncio.gather(
        ctx.api.all_pages("placement", "/v1/posts", season_id=season_id, cap=20_000),
        ctx.api.all_pages("placement", "/v1/applications", season_id=season_id, cap=20_000),
        ctx.api.reference(),
    )
    names = {c["code"]: c["name"] for c in reference["counties"]}
    if county is not None:
        # A committee sees other counties' published posts too; its figures are its own,
        # by township. (A development zone's committee is named by its township code.)
        posts = [p for p in posts if (p.get("managing_org") or p["county"]) == county]
        home = next((c for c in reference["counties"] if county.startswith(c["code"])), None)
        towns = dict(home["townships"]) if home else {}
        if county in towns:
            towns = {county: towns[county]}
        places = {**towns, "": dashboard.unplaced_label()}
        figures = dashboard.figures(
            posts, places, reference["post_categories"], lambda p: str(p.get("township") or "")
        )
        figures.by_place = [r for r in figures.by_place if r.posts or r.pending or r.key]
        county_name = home["name"] if home and county == home["code"] else towns.get(county)
    else:
        names = {"city": labels.CITY_LABEL, **names}
        figures = dashboard.figures(posts, names, reference["post_categories"])
        county_name = None
    t = ctx.t
    live = [a for a in applications if a["status"] != "withdrawn"]
    by_status = dashboard.count_by(live, lambda a: str(a["status"]))
    by_home = dashboard.count_by(live, lambda a: str(a["home_county"]))
    charts = {
        "capacity": dashboard.capacity_chart(figures.by_place, t),
        "categories": dashboard.posts_chart(figures.by_category, t),
        "statuses": dashboard.status_chart(
            figures.by_status, lambda k: t(labels.POST_STATUS.get(k, k))
        ),
    }
    return ctx.render(
        "city/dashboard.html",
        season=season,
        county=county,
        county_name=county_name,
        figures=figures,
        charts=charts,
        applications=suppressed(len(live)),
        app_status={k: suppressed(v) for k, v in by_status.items()},
        by_home=[(names.get(k, k), suppressed(v)) for k, v in sorted(by_home.items())],
    )


@router.get("")
async def city_dashboard(ctx: ui.Coordinator) -> Response:
    return await dashboard_page(ctx, None)


@router.get("/publicity.csv")
async def publicity(ctx: ui.Coordinator) -> Response:
    """The 公示 list as placement exports it (consenting students; name, school, post)."""
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/city/match")
    upstream = await ctx.api.download(
        "placement", f"/v1/seasons/{season['season_id']}/publicity?format=csv"
    )
    return Response(
        upstream.content,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="publicity-{season["season_id"]}.csv"'
        },
    )


@router.get("/audit")
async def audit(ctx: ui.Coordinator, page: int = 0) -> Response:
    """Placement's audit log: revealed phone numbers, 公示 exports … newest first."""
    page = max(0, min(page, 10_000))
    found = await ctx.api.get("placement", "/v1/audit", limit=PAGE, offset=page * PAGE)
    return ctx.render(
        "city/audit.html",
        entries=found["items"],
        total=found["total"],
        page=page,
        pages=(found["total"] + PAGE - 1) // PAGE,
    )


PAGE = 50


# --- seasons -----------------------------------------------------------------------------------

WINDOWS = ("posts", "applications", "interviews")
SEASON_FIELDS = [
    "season_id", "name", *(f"{w}_{e}" for w in WINDOWS for e in ("open", "close")),
    "on_post_start", "on_post_end", "max_choices",
]  # fmt: skip


async def _seasons_page(
    ctx: ui.Ctx,
    values: dict[str, Any] | None = None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
) -> Response:
    found = await ctx.api.get("placement", "/v1/seasons")
    found.sort(key=lambda s: str(s["applications_open"]), reverse=True)
    return ctx.render(
        "city/seasons.html",
        status_code=status_code,
        seasons=found,
        values=values or {"max_choices": "5"},
        errors=errors,
    )


@router.get("/seasons")
async def seasons_page(ctx: ui.Coordinator) -> Response:
    return await _seasons_page(ctx)


@router.post("/seasons")
async def open_season(ctx: ui.Coordinator) -> Response:
    form = {k: str(v).strip() for k, v in (await ctx.request.form()).items()}
    body: dict[str, Any] = {k: form.get(k, "") for k in SEASON_FIELDS}
    for w in WINDOWS:
        for edge in ("open", "close"):
            key = f"{w}_{edge}"
            if body[key]:
                with contextlib.suppress(ValueError):  # placement names the field
                    body[key] = beijing_to_aware(body[key])
    try:
        await ctx.api.post("placement", "/v1/seasons", body)
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, SEASON_FIELDS)
        return await _seasons_page(ctx, form, errors, ui.form_status(ctx.request))
    return ui.redirect("/city/seasons", flash="season_opened")


@router.post("/seasons/{season_id}/close")
async def close_season(ctx: ui.Coordinator, season_id: str) -> Response:
    await ctx.api.post("placement", f"/v1/seasons/{season_id}/close")
    return ui.redirect("/city/seasons", flash="season_closed")


# --- staff accounts ----------------------------------------------------------------------------

ACCOUNT_FIELDS = ["phone", "role", "name", "county", "city"]


async def _accounts_page(
    ctx: ui.Ctx,
    values: dict[str, Any] | None = None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
) -> Response:
    found, reference = await asyncio.gather(
        ctx.api.all_pages("placement", "/v1/accounts"), ctx.api.reference()
    )
    staff = [a for a in found if a["role"] not in ("student", "unit")]
    orgs = {c["code"]: c["name"] for c in reference["counties"]}
    orgs.update({z: t for c in reference["counties"] for z, t in c["townships"].items()
                 if z in reference["zones"]})  # fmt: skip
    return ctx.render(
        "city/accounts.html",
        status_code=status_code,
        accounts=staff,
        orgs=orgs,
        values=values or {"role": "county"},
        errors=errors,
    )


@router.get("/accounts")
async def accounts_page(ctx: ui.Coordinator) -> Response:
    return await _accounts_page(ctx)


@router.post("/accounts")
async def create_account(ctx: ui.Coordinator) -> Response:
    form = {k: str(v).strip() for k, v in (await ctx.request.form()).items()}
    body = {k: form.get(k) or None for k in ACCOUNT_FIELDS}
    try:
        await ctx.api.post("placement", "/v1/accounts", body)
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, ACCOUNT_FIELDS)
        return await _accounts_page(ctx, form, errors, ui.form_status(ctx.request))
    return ui.redirect("/city/accounts", flash="account_created")
