"""The match pages, on matching's HTTP API (``/v1/rounds``): the coordinator previews a round
(dry run), runs one (a background job: a progress bar polled by htmx while it is
``running``), reviews it (figures, placements, stability check), overrides single placements,
and publishes it with an answer deadline; then a supplementary round (补录) the same way.
A county committee reads its county's figures and placements (matching filters them)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from fanxiang_web import ui
from fanxiang_web.api.common import county_names, current_season, now
from fanxiang_web.api.unit import beijing_to_aware
from fanxiang_web.clients import ApiError
from fanxiang_web.domain import dashboard, rounds
from fanxiang_web.domain.errors import FieldError

router = APIRouter(include_in_schema=False)

RUN_FIELDS = ["season_id", "kind", "locality", "seed", "include_undecided", "locality_exceptions"]
OVERRIDE_FIELDS = ["student_id", "post_id", "reason"]
PUBLISH_FIELDS = ["accept_by", "confirm"]


def _round_request(form: dict[str, str], season_id: str) -> dict[str, Any]:
    """The form as matching's ``RoundRequest`` (matching validates and names the field)."""
    body: dict[str, Any] = {
        "season_id": season_id,
        "kind": form.get("kind") or "main",
        "rules": {"locality": form.get("locality") or "home-county"},
        "include_undecided": form.get("include_undecided") == "on",
    }
    if seed := form.get("seed", "").strip():
        body["seed"] = int(seed) if seed.isdigit() else seed
    if exempt := [s for s in form.get("locality_exceptions", "").split(",") if s]:
        body["locality_exceptions"] = exempt
    return body


def _field_of(exc: ApiError) -> ApiError:
    """``rules.locality`` is the form's ``locality`` field."""
    exc.errors = [FieldError(e.field.removeprefix("rules."), e.type, e.msg) for e in exc.errors]
    return exc


async def _lists(
    ctx: ui.Ctx, season_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Placement's applications, students and posts of the season (what this person may
    read) and the reference data."""

    async def listed(path: str, **params: Any) -> list[dict[str, Any]]:
        try:
            return await ctx.api.all_pages("placement", path, cap=20_000, **params)
        except ApiError as exc:
            if exc.status in (401,):
                raise
            return []  # a list this role may not read: ids stay ids

    applications, students, posts, reference = await asyncio.gather(
        listed("/v1/applications", season_id=season_id),
        listed("/v1/students"),
        listed("/v1/posts", season_id=season_id),
        ctx.api.reference(),
    )
    return applications, students, posts, reference


def _names_of(
    lists: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]],
) -> rounds.Names:
    applications, students, posts, reference = lists
    return rounds.names_from(applications, students, posts, county_names(reference))


async def _names(ctx: ui.Ctx, season_id: str) -> rounds.Names:
    """Names and titles for matching's ids, from placement."""
    return _names_of(await _lists(ctx, season_id))


async def _season_rounds(ctx: ui.Ctx, season_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await ctx.api.get("matching", "/v1/rounds", season_id=season_id)
    return found


def _charts(round_: dict[str, Any], names: rounds.Names, t: Any) -> dict[str, Any]:
    figures = round_.get("figures") or {}
    tables = {d: rounds.fill_rows(figures, d, names) for d in rounds.DIMENSIONS}
    # A city has hundreds of units: the unit chart shows the largest; the table has them all.
    charts = {
        d: rounds.fill_chart(rows[: rounds.CHART_ROWS], t) for d, rows in tables.items() if rows
    }
    if by_choice := rounds.by_choice_chart(figures.get("placed_by_choice"), t):
        charts["choice"] = by_choice
    return {"tables": tables, "charts": charts}


# --- the coordinator's match page ------------------------------------------------------------


async def _match_page(
    ctx: ui.Ctx,
    *,
    values: dict[str, str] | None = None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    preview: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    season = await current_season(ctx)
    found: list[dict[str, Any]] = []
    placements: dict[str, int] = {}
    exemptable: list[dict[str, Any]] = []
    names = rounds.Names()
    if season is not None:
        season_id = season["season_id"]
        found, listed, lists = await asyncio.gather(
            _season_rounds(ctx, season_id),
            ctx.api.all_pages("placement", "/v1/placements", season_id=season_id, cap=20_000),
            _lists(ctx, season_id),
        )
        placements = dashboard.count_by(listed, lambda p: str(p["status"]))
        names = _names_of(lists)
        exemptable = rounds.exemptable(lists[0])
    main_published = any(r["kind"] == "main" and r["status"] == rounds.PUBLISHED for r in found)
    shown = None
    if preview is not None:
        shown = {
            **preview,
            **_charts(preview, names, ctx.t),
            "unplaced": sorted(names.student(s) for s in preview.get("unmatched") or []),
            "blocking": rounds.blocking_pairs(
                (preview.get("checks") or {}).get("blocking_pairs") or [], names
            ),
        }
    return ctx.render(
        "city/match.html",
        status_code=status_code,
        season=season,
        rounds=list(reversed(found)),
        placements=placements,
        values=values or {"kind": "supplementary" if main_published else "main"},
        errors=errors,
        preview=shown,
        exemptable=exemptable,
        student_names=names.students,
    )


@router.get("/city/match")
async def match(ctx: ui.Coordinator) -> Response:
    return await _match_page(ctx)


async def _form(ctx: ui.Ctx) -> dict[str, str]:
    """The posted form's fields; the 属地 exemptions (check boxes) joined by commas."""
    posted = await ctx.request.form()
    form = {k: str(v).strip() for k, v in posted.items()}
    form["locality_exceptions"] = ",".join(
        str(v).strip() for v in posted.getlist("locality_exceptions") if str(v).strip()
    )
    return form


@router.get("/city/match/preview")
@router.get("/city/match/rounds")
async def back_to_match(ctx: ui.Coordinator) -> Response:
    """The URL a posted preview leaves in the address bar, opened again (a reload, a link)."""
    return ui.redirect("/city/match")


@router.post("/city/match/preview")
async def preview(ctx: ui.Coordinator) -> Response:
    """A dry run: what a round would give now; nothing is stored."""
    form = await _form(ctx)
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/city/match")
    try:
        found = await ctx.api.post(
            "matching", "/v1/rounds/preview", _round_request(form, season["season_id"])
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, _field_of(exc), RUN_FIELDS)
        return await _match_page(
            ctx, values=form, errors=errors, status_code=ui.form_status(ctx.request)
        )
    return await _match_page(ctx, values=form, preview=found)


@router.post("/city/match/rounds")
async def run(ctx: ui.Coordinator) -> Response:
    """Run a round: matching answers at once (201, ``run``) or starts a job (202,
    ``running``); either way the round's page follows it."""
    form = await _form(ctx)
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/city/match")
    try:
        started = await ctx.api.post(
            "matching", "/v1/rounds", _round_request(form, season["season_id"])
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, _field_of(exc), RUN_FIELDS)
        return await _match_page(
            ctx, values=form, errors=errors, status_code=ui.form_status(ctx.request)
        )
    return ui.redirect(f"/city/match/rounds/{started['round_id']}")


# --- one round -------------------------------------------------------------------------------


async def _round_page(
    ctx: ui.Ctx,
    round_id: str,
    *,
    errors: ui.FormErrors = ui.NO_ERRORS,
    error_for: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    round_ = await ctx.api.get("matching", f"/v1/rounds/{round_id}")
    template = "city/round.html" if ctx.session.role == "coordinator" else "county/round.html"
    if round_["status"] == rounds.RUNNING:
        return ctx.render(template, round=round_, progress=rounds.progress(round_))
    names = await _names(ctx, round_["season_id"])
    checks = round_.get("checks") or {}
    overrides = round_.get("overrides") or []
    last = overrides[-1] if overrides else None
    default_by = rounds.default_accept_by(now().astimezone(ui.BEIJING))
    return ctx.render(
        template,
        status_code=status_code,
        round=round_,
        **_charts(round_, names, ctx.t),
        placements=rounds.placements(round_, names),
        options={o["student_id"]: o for o in rounds.override_options(round_, names)},
        blocking=rounds.blocking_pairs(checks.get("blocking_pairs") or [], names),
        last_override=last,
        last_blocking=rounds.blocking_pairs(last["blocking_pairs"] if last else [], names),
        overrides=overrides,
        names=names,
        errors=errors,
        error_for=error_for,
        values=values or {"accept_by": default_by.strftime("%Y-%m-%dT%H:%M")},
    )


@router.get("/city/match/rounds/{round_id}")
async def round_page(ctx: ui.Coordinator, round_id: str) -> Response:
    return await _round_page(ctx, round_id)


@router.get("/city/match/rounds/{round_id}/progress")
@router.get("/c/match/rounds/{round_id}/progress")
async def round_progress(ctx: ui.Committee, round_id: str) -> Response:
    """The progress bar, polled by htmx each second while the round runs; once it has
    finished (or failed) the whole page is loaded again to show the result."""
    round_ = await ctx.api.get("matching", f"/v1/rounds/{round_id}")
    if round_["status"] != rounds.RUNNING:
        base = "/city/match" if ctx.session.role == "coordinator" else "/c/match"
        return Response(status_code=200, headers={"HX-Redirect": f"{base}/rounds/{round_id}"})
    return ctx.render("city/_round_progress.html", round=round_, progress=rounds.progress(round_))


@router.post("/city/match/rounds/{round_id}/overrides")
async def override(ctx: ui.Coordinator, round_id: str) -> Response:
    form = await _form(ctx)
    student_id = form.get("student_id", "")
    body = {
        "student_id": student_id,
        "post_id": form.get("post_id") or None,  # 不录用: unplace
        "reason": form.get("reason", ""),
    }
    try:
        await ctx.api.post("matching", f"/v1/rounds/{round_id}/overrides", body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, OVERRIDE_FIELDS)
        return await _round_page(
            ctx,
            round_id,
            errors=errors,
            error_for=student_id,
            values=form,
            status_code=ui.form_status(ctx.request),
        )
    return ui.redirect(f"/city/match/rounds/{round_id}#overrides", flash="override_saved")


@router.post("/city/match/rounds/{round_id}/publish")
async def publish(ctx: ui.Coordinator, round_id: str) -> Response:
    form = await _form(ctx)
    problems: list[FieldError] = []
    if form.get("confirm") != "on":
        problems.append(FieldError("confirm", "confirm_publish", "confirm"))
    accept_by = form.get("accept_by", "")
    body: dict[str, Any] = {}
    if accept_by:
        try:
            body["accept_by"] = beijing_to_aware(accept_by)
        except ValueError:
            problems.append(FieldError("accept_by", "datetime_parsing", "datetime_parsing"))
    if not problems:
        try:
            await ctx.api.post("matching", f"/v1/rounds/{round_id}/publish", body)
        except ApiError as exc:
            if exc.status in (401, 403, 404):
                raise
            problems = exc.errors
    if problems:
        errors = ui.form_errors(ctx.t, problems, PUBLISH_FIELDS)
        return await _round_page(
            ctx,
            round_id,
            errors=errors,
            error_for="publish",
            values=form,
            status_code=ui.form_status(ctx.request),
        )
    return ui.redirect(f"/city/match/rounds/{round_id}", flash="round_published")


@router.get("/city/match/rounds/{round_id}/students/{student_id}")
@router.get("/c/match/rounds/{round_id}/students/{student_id}")
async def explanation(ctx: ui.Committee, round_id: str, student_id: str) -> Response:
    """Why a student got this post and not a choice above it (matching's explanation)."""
    found = await ctx.api.get("matching", f"/v1/rounds/{round_id}/students/{student_id}")
    round_ = await ctx.api.get("matching", f"/v1/rounds/{round_id}")
    names = await _names(ctx, round_["season_id"])
    current = (round_.get("assignments") or {}).get(student_id)
    # After an override matching keeps the last stable round's explanations: they explain
    # another placement, so they are not shown as this one's.
    explained = "not_placed_higher" in found and found.get("post") == current
    ranked = names.choices.get(student_id, [])
    return ctx.render(
        "city/explanation.html",
        round=round_,
        student=names.student(student_id),
        post=names.post(current) if current else None,
        choice=ranked.index(current) + 1 if current in ranked else None,
        reasons=rounds.why_not(found, names, student_id) if explained else [],
        explained=explained,
    )


# --- county committees: read only ------------------------------------------------------------


@router.get("/c/match")
async def county_match(ctx: ui.Committee) -> Response:
    """The season's rounds; a committee opens one to read its county's figures."""
    if ctx.session.role == "coordinator":
        return ui.redirect("/city/match")
    season = await current_season(ctx)
    found: list[dict[str, Any]] = []
    if season is not None:
        found = await _season_rounds(ctx, season["season_id"])
    return ctx.render("county/match.html", season=season, rounds=list(reversed(found)))


@router.get("/c/match/rounds/{round_id}")
async def county_round(ctx: ui.Committee, round_id: str) -> Response:
    if ctx.session.role == "coordinator":
        return ui.redirect(f"/city/match/rounds/{round_id}")
    return await _round_page(ctx, round_id)
