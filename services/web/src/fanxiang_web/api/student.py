"""Student pages (phones first): season home with my progress, posts, 志愿, profile and
consents, offers, the 承诺书 and the inbox."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from fanxiang_web import i18n, ui
from fanxiang_web.api.common import (
    county_names,
    current_season,
    now,
    township_names,
    townships_of,
)
from fanxiang_web.clients import ApiError
from fanxiang_web.db import sessions
from fanxiang_web.domain import choices as choice_list
from fanxiang_web.domain import interviews as interview_list
from fanxiang_web.domain import listing, seasons
from fanxiang_web.domain.distance import Home, seats_from_reference
from fanxiang_web.domain.errors import FieldError
from fanxiang_web.domain.progress import progress

router = APIRouter(prefix="/s", include_in_schema=False)

CONSENT_VERSION = "2026.1"
GRADES = ["大一", "大二", "大三", "大四", "大五", "研一", "研二", "研三", "博士"]
DISCIPLINES = [
    "哲学",
    "经济学",
    "法学",
    "教育学",
    "文学",
    "历史学",
    "理学",
    "工学",
    "农学",
    "医学",
    "军事学",
    "管理学",
    "艺术学",
    "交叉学科",
]
PROFILE_FIELDS = [
    "name",
    "email",
    "university",
    "university_city",
    "university_province",
    "grade",
    "major",
    "discipline",
    "home_county",
    "home_township",
    "political_status",
]


# --- what most pages need ------------------------------------------------------------------


async def _me(ctx: ui.Ctx) -> dict[str, Any]:
    me: dict[str, Any] = await ctx.api.get("placement", "/v1/students/me")
    return me


def _consents(me: dict[str, Any]) -> dict[str, bool]:
    """The latest decision per purpose."""
    latest: dict[str, tuple[str, bool]] = {}
    for c in me.get("consents", []):
        at = str(c["recorded_at"])
        if c["purpose"] not in latest or at >= latest[c["purpose"]][0]:
            latest[c["purpose"]] = (at, bool(c["granted"]))
    return {k: v[1] for k, v in latest.items()}


async def _application(ctx: ui.Ctx, season_id: str) -> dict[str, Any] | None:
    """The season's live application, else the latest withdrawn one."""
    mine = [
        a
        for a in await ctx.api.get("placement", "/v1/applications/mine")
        if a["season_id"] == season_id
    ]
    live = [a for a in mine if a["status"] != "withdrawn"]
    pool = live or mine
    return max(pool, key=lambda a: str(a["created_at"])) if pool else None


async def _placements(ctx: ui.Ctx, season_id: str) -> list[dict[str, Any]]:
    return [
        p
        for p in await ctx.api.get("placement", "/v1/placements/mine")
        if p["season_id"] == season_id
    ]


def _live(application: dict[str, Any] | None) -> bool:
    return application is not None and application["status"] != "withdrawn"


async def _choices(
    ctx: ui.Ctx, season_id: str, application: dict[str, Any] | None
) -> tuple[list[str], bool]:
    """The list being built (the draft, else the submitted one) and whether it has changes
    that are not submitted yet."""
    async with ctx.request.app.state.runtime.pool.acquire() as conn:
        draft = await sessions.draft(conn, ctx.session.subject, season_id)
    submitted = (
        [c["post_id"] for c in application["choices"]]
        if application is not None and _live(application)
        else None
    )
    if draft is None:
        return (submitted or []), False
    return draft, draft != submitted


async def _save_draft(ctx: ui.Ctx, season_id: str, chosen: list[str]) -> None:
    async with ctx.request.app.state.runtime.pool.acquire() as conn:
        await sessions.save_draft(conn, ctx.session.subject, season_id, chosen)


async def _posts_by_id(ctx: ui.Ctx, ids: list[str]) -> dict[str, dict[str, Any] | None]:
    async def one(post_id: str) -> dict[str, Any] | None:
        try:
            post: dict[str, Any] = await ctx.api.get("placement", f"/v1/posts/{post_id}")
            return post
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    found = await asyncio.gather(*(one(i) for i in ids))
    return dict(zip(ids, found, strict=True))


def _home(me: dict[str, Any]) -> Home | None:
    profile = me.get("profile")
    if not profile:
        return None
    return Home(profile["home_county"], profile.get("home_township"))


# --- home ------------------------------------------------------------------------------------


@router.get("")
async def home(ctx: ui.Student) -> Response:
    season = await current_season(ctx)
    me = await _me(ctx)
    if season is None:
        return ctx.render("student/home.html", season=None, me=me)
    application, placements = await asyncio.gather(
        _application(ctx, season["season_id"]), _placements(ctx, season["season_id"])
    )
    chosen, unsaved = await _choices(ctx, season["season_id"], application)
    interviews: list[dict[str, Any]] = []
    if _live(application) and not placements:
        interviews = await _my_interviews(ctx, season["season_id"])
    return ctx.render(
        "student/home.html",
        next_interview=interview_list.upcoming(interviews, now()),
        to_book=interview_list.bookable(interviews),
        is_link=interview_list.is_link,
        season=season,
        me=me,
        consents=_consents(me),
        application=application,
        progress=progress(application, placements),
        chosen=len(chosen),
        unsaved=unsaved,
        applying=seasons.window(season, "applications", now()),
    )


# --- interviews ------------------------------------------------------------------------------


async def _my_interviews(ctx: ui.Ctx, season_id: str | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await ctx.api.get("placement", "/v1/applications/mine/interviews")
    return [i for i in found if season_id is None or i["season_id"] == season_id]


async def _interviews_page(
    ctx: ui.Ctx, errors: dict[str, ui.FormErrors] | None = None, status_code: int = 200
) -> Response:
    season = await current_season(ctx)
    items = await _my_interviews(ctx, season["season_id"] if season else None)
    return ctx.render(
        "student/interviews.html",
        status_code=status_code,
        items=items,
        errors=errors or {},
        is_link=interview_list.is_link,
    )


@router.get("/interviews")
async def interviews(ctx: ui.Student) -> Response:
    """My interview per post I applied to: the time and place (set by the unit or booked), and
    the slots I may book, move to or cancel."""
    return await _interviews_page(ctx)


@router.post("/interviews/{post_id}/booking")
async def book_interview(
    ctx: ui.Student, post_id: str, slot_id: Annotated[str, Form()] = ""
) -> Response:
    try:
        await ctx.api.put(
            "placement", f"/v1/posts/{post_id}/interview-booking", {"slot_id": slot_id}
        )
    except ApiError as exc:
        if exc.status == 401:
            raise
        # The slot is a radio button, not a field with a message: say it at the top.
        errors = {post_id: ui.api_errors(ctx.t, exc, [])}
        return await _interviews_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/interviews", flash="interview_booked")


@router.post("/interviews/{post_id}/cancel")
async def cancel_interview(ctx: ui.Student, post_id: str) -> Response:
    try:
        await ctx.api.delete("placement", f"/v1/posts/{post_id}/interview-booking")
    except ApiError as exc:
        if exc.status == 401:
            raise
        errors = {post_id: ui.api_errors(ctx.t, exc, [])}
        return await _interviews_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/interviews", flash="interview_cancelled")


# --- posts -----------------------------------------------------------------------------------


@router.get("/posts")
async def posts(
    ctx: ui.Student,
    county: str = "",
    township: str = "",
    category: str = "",
    major: str = "",
    q: str = "",
    places: str = "",
    sort: str = "",
) -> Response:
    season = await current_season(ctx)
    reference, me = await asyncio.gather(ctx.api.reference(), _me(ctx))
    home = _home(me)
    sort = sort if sort in listing.SORTS else ("near" if home else "new")
    counties = county_names(reference)
    county = county if county in counties else ""
    townships = townships_of(reference, county)
    township = township if township in townships else ""
    category = category if category in reference["post_categories"] else ""
    found: list[dict[str, Any]] = []
    if season is not None:
        found = await ctx.api.all_pages(
            "placement",
            "/v1/posts",
            season_id=season["season_id"],
            county=county,
            township=township,
            category=category,
            major=major.strip()[:40],
            q=q.strip()[:60],
        )
    found = [p for p in found if p["status"] in ("published", "full")]
    arranged = listing.arrange(
        found,
        sort=sort,
        only_with_places=bool(places),
        home=home,
        seats=seats_from_reference(reference["counties"]),
        city_seat_county=ctx.settings.city_seat_county,
    )
    application = await _application(ctx, season["season_id"]) if season else None
    chosen, _ = await _choices(ctx, season["season_id"], application) if season else ([], False)
    template = (
        "student/_posts_results.html"
        if ctx.request.headers.get("HX-Target") == "results"
        else "student/posts.html"
    )
    return ctx.render(
        template,
        season=season,
        posts=arranged,
        chosen=chosen,
        max_choices=season["max_choices"] if season else 0,
        filters={
            "county": county,
            "township": township,
            "category": category,
            "major": major,
            "q": q,
            "places": bool(places),
            "sort": sort,
        },
        counties=counties,
        townships=townships,
        township_names=township_names(reference),
        categories=reference["post_categories"],
        has_home=home is not None,
    )


@router.get("/townships")
async def townships(
    ctx: ui.Student,
    county: Annotated[str, Query()] = "",
    home_county: Annotated[str, Query()] = "",
    name: Annotated[str, Query()] = "township",
) -> Response:
    """The township <select> for a county (htmx refreshes it when the county changes)."""
    reference = await ctx.api.reference()
    code = county or home_county
    return ctx.render(
        "_township_select.html",
        name=name if name in ("township", "home_township") else "township",
        townships=townships_of(reference, code),
        selected="",
        any_label=name == "township",
    )


@router.get("/posts/{post_id}")
async def post_detail(ctx: ui.Student, post_id: str) -> Response:
    season = await current_season(ctx)
    post, reference, me = await asyncio.gather(
        ctx.api.get("placement", f"/v1/posts/{post_id}"), ctx.api.reference(), _me(ctx)
    )
    application = await _application(ctx, post["season_id"])
    chosen, _ = await _choices(ctx, post["season_id"], application)
    home = _home(me)
    distance = None
    if home is not None:
        arranged = listing.arrange(
            [post],
            sort="near",
            only_with_places=False,
            home=home,
            seats=seats_from_reference(reference["counties"]),
            city_seat_county=ctx.settings.city_seat_county,
        )
        distance = arranged[0][1]
    return ctx.render(
        "student/post.html",
        post=post,
        season=season,
        distance=distance,
        chosen=chosen,
        max_choices=season["max_choices"] if season else 0,
        counties=county_names(reference),
        township_names=township_names(reference),
    )


# --- 志愿 --------------------------------------------------------------------------------------


async def _choice_page(ctx: ui.Ctx, errors: ui.FormErrors = ui.NO_ERRORS) -> Response:
    season = await current_season(ctx)
    if season is None:
        return ctx.render("student/choices.html", season=None, errors=errors)
    me = await _me(ctx)
    application = await _application(ctx, season["season_id"])
    chosen, unsaved = await _choices(ctx, season["season_id"], application)
    posts_by_id = await _posts_by_id(ctx, chosen)
    reference = await ctx.api.reference()
    fragment = ctx.request.headers.get("HX-Target") == "choice-list"
    applying = seasons.window(season, "applications", now())
    return ctx.render(
        "student/_choice_list.html" if fragment else "student/choices.html",
        status_code=ui.form_status(ctx.request) if errors else 200,
        season=season,
        application=application,
        live=_live(application),
        chosen=chosen,
        posts_by_id=posts_by_id,
        unsaved=unsaved,
        applying=applying,
        editable=applying == "open",
        has_profile=me.get("profile") is not None,
        consents=_consents(me),
        counties=county_names(reference),
        errors=errors,
        idem=uuid.uuid4().hex,
    )


@router.get("/choices")
async def choices_page(ctx: ui.Student) -> Response:
    return await _choice_page(ctx)


@router.post("/choices/add")
async def add_choice(
    ctx: ui.Student,
    post_id: Annotated[str, Form()],
    back: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> Response:
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/s")
    application = await _application(ctx, season["season_id"])
    chosen, _ = await _choices(ctx, season["season_id"], application)
    error = None
    try:
        chosen = choice_list.add(chosen, post_id, season["max_choices"])
        await _save_draft(ctx, season["season_id"], chosen)
    except choice_list.ChoiceError as exc:
        error = i18n.error_text(ctx.t, FieldError("post_id", exc.code, ""))
    if ui.is_htmx(ctx.request):
        return ctx.render(
            "student/_choose_button.html",
            post={"post_id": post_id, "title": title[:120]},
            chosen=chosen,
            max_choices=season["max_choices"],
            error=error,
            back=back,
        )
    return ui.redirect(ui.safe_next(back, "/s/choices"))


@router.post("/choices/remove")
async def remove_choice(
    ctx: ui.Student,
    post_id: Annotated[str, Form()],
    back: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> Response:
    season = await current_season(ctx)
    if season is not None:
        application = await _application(ctx, season["season_id"])
        chosen, _ = await _choices(ctx, season["season_id"], application)
        chosen = choice_list.remove(chosen, post_id)
        await _save_draft(ctx, season["season_id"], chosen)
        if ui.is_htmx(ctx.request) and ctx.request.headers.get("HX-Target", "").startswith(
            "choose-"
        ):
            return ctx.render(
                "student/_choose_button.html",
                post={"post_id": post_id, "title": title[:120]},
                chosen=chosen,
                max_choices=season["max_choices"],
                error=None,
                back=back,
            )
    if ui.is_htmx(ctx.request):
        return await _choice_page(ctx)
    return ui.redirect(ui.safe_next(back, "/s/choices"))


@router.post("/choices/move")
async def move_choice(
    ctx: ui.Student, post_id: Annotated[str, Form()], delta: Annotated[int, Form()]
) -> Response:
    season = await current_season(ctx)
    if season is not None:
        application = await _application(ctx, season["season_id"])
        chosen, _ = await _choices(ctx, season["season_id"], application)
        await _save_draft(ctx, season["season_id"], choice_list.move(chosen, post_id, delta))
    if ui.is_htmx(ctx.request):
        return await _choice_page(ctx)
    return ui.redirect("/s/choices")


@router.post("/choices/submit")
async def submit_choices(ctx: ui.Student, idem: Annotated[str, Form()] = "") -> Response:
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/s")
    application = await _application(ctx, season["season_id"])
    chosen, _ = await _choices(ctx, season["season_id"], application)
    try:
        if _live(application):
            assert application is not None
            await ctx.api.put(
                "placement",
                f"/v1/applications/{application['application_id']}/choices",
                {"choices": chosen},
            )
        else:
            await ctx.api.post(
                "placement",
                "/v1/applications",
                {"season_id": season["season_id"], "choices": chosen},
                idempotency_key=idem[:128] or None,
            )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        known = ["choices", *(f"choices.{i}" for i in range(len(chosen)))]
        return await _choice_page(ctx, ui.api_errors(ctx.t, exc, known))
    async with ctx.request.app.state.runtime.pool.acquire() as conn:
        await sessions.drop_draft(conn, ctx.session.subject, season["season_id"])
    return ui.redirect("/s/choices", flash="choices_submitted")


@router.post("/application/withdraw")
async def withdraw(ctx: ui.Student, reason: Annotated[str, Form()] = "") -> Response:
    season = await current_season(ctx)
    application = await _application(ctx, season["season_id"]) if season else None
    if not _live(application):
        return ui.redirect("/s/choices")
    assert application is not None
    try:
        await ctx.api.post(
            "placement",
            f"/v1/applications/{application['application_id']}/withdraw",
            {"reason": reason.strip()[:500] or None},
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        return await _choice_page(ctx, ui.api_errors(ctx.t, exc, []))
    return ui.redirect("/s/choices", flash="application_withdrawn")


# --- profile and consents --------------------------------------------------------------------


async def _profile_page(
    ctx: ui.Ctx,
    values: dict[str, Any] | None = None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
) -> Response:
    me, reference = await asyncio.gather(_me(ctx), ctx.api.reference())
    values = values if values is not None else dict(me.get("profile") or {})
    return ctx.render(
        "student/profile.html",
        status_code=status_code,
        me=me,
        values=values,
        errors=errors,
        consents=_consents(me),
        counties={c["code"]: c["name"] for c in reference["counties"]},
        townships=townships_of(reference, str(values.get("home_county") or "")),
        political_statuses=reference["political_statuses"],
        grades=GRADES,
        disciplines=DISCIPLINES,
        consent_version=CONSENT_VERSION,
    )


@router.get("/profile")
async def profile(ctx: ui.Student) -> Response:
    return await _profile_page(ctx)


@router.post("/profile")
async def save_profile(ctx: ui.Student) -> Response:
    form = await ctx.request.form()
    values = {k: str(form.get(k, "")).strip() for k in PROFILE_FIELDS}
    body = {k: v for k, v in values.items() if v}
    try:
        await ctx.api.put("placement", "/v1/students/me", body)
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, PROFILE_FIELDS)
        return await _profile_page(ctx, values, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/profile", flash="profile_saved")


@router.post("/consents")
async def save_consents(ctx: ui.Student) -> Response:
    form = await ctx.request.form()
    me = await _me(ctx)
    before = _consents(me)
    try:
        for purpose in ("share_with_units", "publicity"):
            granted = form.get(purpose) == "yes"
            if before.get(purpose, False) != granted:
                await ctx.api.post(
                    "placement",
                    "/v1/students/me/consents",
                    {"purpose": purpose, "granted": granted, "version": CONSENT_VERSION},
                )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, [])
        return await _profile_page(ctx, None, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/profile#consents", flash="consents_saved")


# --- offers and the 承诺书 ----------------------------------------------------------------------


async def _offers_page(
    ctx: ui.Ctx, errors: dict[str, ui.FormErrors] | None = None, status_code: int = 200
) -> Response:
    placements = await ctx.api.get("placement", "/v1/placements/mine")
    placements.sort(key=lambda p: str(p["offered_at"]), reverse=True)
    return ctx.render(
        "student/offers.html",
        status_code=status_code,
        placements=placements,
        idem=uuid.uuid4().hex,
        errors=errors or {},
    )


@router.get("/offers")
async def offers(ctx: ui.Student) -> Response:
    return await _offers_page(ctx)


@router.post("/placements/{placement_id}/accept")
async def accept(ctx: ui.Student, placement_id: str, idem: Annotated[str, Form()] = "") -> Response:
    try:
        await ctx.api.post(
            "placement",
            f"/v1/placements/{placement_id}/accept",
            idempotency_key=idem[:128] or None,
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {placement_id: ui.api_errors(ctx.t, exc, [])}
        return await _offers_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/offers", flash="offer_accepted")


@router.post("/placements/{placement_id}/decline")
async def decline(
    ctx: ui.Student, placement_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    try:
        await ctx.api.post(
            "placement",
            f"/v1/placements/{placement_id}/decline",
            {"reason": reason.strip()[:500] or None},
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {placement_id: ui.api_errors(ctx.t, exc, [])}
        return await _offers_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/offers", flash="offer_declined")


@router.post("/placements/{placement_id}/id-number")
async def id_number(
    ctx: ui.Student, placement_id: str, number: Annotated[str, Form(alias="id_number")] = ""
) -> Response:
    """定岗 needs the ID number on file (for the insurance); placement checks it and keeps it
    encrypted, and shows it masked from then on."""
    try:
        await ctx.api.put(
            "placement", f"/v1/placements/{placement_id}/id-number", {"id_number": number.strip()}
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = {placement_id: ui.api_errors(ctx.t, exc, ["id_number"])}
        return await _offers_page(ctx, errors, ui.form_status(ctx.request))
    return ui.redirect("/s/offers", flash="id_number_saved")


async def _commitment_page(
    ctx: ui.Ctx,
    placement_id: str,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    placement, commitment = await asyncio.gather(
        ctx.api.get("placement", f"/v1/placements/{placement_id}"),
        ctx.api.get("placement", f"/v1/placements/{placement_id}/commitment"),
    )
    return ctx.render(
        "student/commitment.html",
        status_code=status_code,
        placement=placement,
        commitment=commitment,
        errors=errors,
        **extra,
    )


@router.get("/placements/{placement_id}/commitment")
async def commitment(ctx: ui.Student, placement_id: str) -> Response:
    return await _commitment_page(ctx, placement_id)


@router.post("/placements/{placement_id}/commitment/code")
async def commitment_code(ctx: ui.Student, placement_id: str) -> Response:
    try:
        sent = await ctx.api.post("placement", f"/v1/placements/{placement_id}/commitment/code")
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        return await _commitment_page(
            ctx, placement_id, ui.api_errors(ctx.t, exc, ["code"]), ui.form_status(ctx.request)
        )
    return await _commitment_page(
        ctx,
        placement_id,
        code_sent=True,
        dev_code=sent.get("dev_code")
        if ui.settings_of(ctx.request).environment != "production"
        else None,
    )


@router.post("/placements/{placement_id}/commitment")
async def sign(
    ctx: ui.Student,
    placement_id: str,
    typed_name: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    text_sha256: Annotated[str, Form()] = "",
) -> Response:
    body = {"typed_name": typed_name.strip(), "code": code.strip(), "text_sha256": text_sha256}
    try:
        await ctx.api.post("placement", f"/v1/placements/{placement_id}/commitment", body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, ["typed_name", "code"])
        return await _commitment_page(
            ctx,
            placement_id,
            errors,
            ui.form_status(ctx.request),
            code_sent=True,
            typed_name=typed_name,
        )
    return ui.redirect("/s/offers", flash="commitment_signed")
