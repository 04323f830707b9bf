"""Unit pages (desktop): my posts and their state, the post form, a post's applicants (contact
masked by placement until an offer stands) and the interview score sheet with the ranking.

A post's county committee and the coordinator may open the applicant pages too (placement
lets them: they organise interviews)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response

from fanxiang_common.uploads import limited_uploads
from fanxiang_web import ui
from fanxiang_web.api.common import county_names, current_season, now, townships_of
from fanxiang_web.clients import ApiError
from fanxiang_web.domain import seasons

# A spreadsheet past placement's limit is refused while it streams in, not spooled whole.
router = APIRouter(
    prefix="/u",
    include_in_schema=False,
    route_class=limited_uploads(lambda request: MAX_UPLOAD, hint="split the spreadsheet"),
)
Interviewer = Annotated[ui.Ctx, Depends(ui.require("unit", "county", "coordinator"))]

POST_FIELDS = [
    "title", "category", "county", "township", "address", "need", "duties", "capacity",
    "starts_on", "ends_on", "hours", "majors", "supervisor", "subsidy", "meals", "safety_notes",
]  # fmt: skip
EDITABLE = ("draft", "returned")


def split_majors(text: str) -> list[str]:
    """``汉语言文学，新闻学、法学`` → three majors (any of the usual separators)."""
    for sep in "，、;；/\n":
        text = text.replace(sep, ",")
    seen: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if part and part not in seen:
            seen.append(part)
    return seen


def post_body(form: dict[str, str]) -> dict[str, Any]:
    """The post form → placement's PostFields (empty optional fields left out)."""
    body: dict[str, Any] = {}
    for name in POST_FIELDS:
        value = form.get(name, "").strip()
        if name == "majors":
            body["majors"] = split_majors(value)
        elif name == "capacity":
            body["capacity"] = value  # placement says so if it is not a whole number
        elif value:
            body[name] = value
    return body


@router.get("")
async def my_posts(ctx: ui.UnitUser) -> Response:
    season = await current_season(ctx)
    posts = await ctx.api.all_pages(
        "placement",
        "/v1/posts",
        unit_id=ctx.session.unit_id,
        season_id=season["season_id"] if season else None,
    )
    reference = await ctx.api.reference()
    order = {"returned": 0, "draft": 1, "submitted": 2, "published": 3, "full": 4}
    posts.sort(key=lambda p: (order.get(p["status"], 9), p["title"]))
    return ctx.render(
        "unit/posts.html",
        season=season,
        posts=posts,
        counties=county_names(reference),
        posting=seasons.window(season, "posts", now()) if season else "closed",
    )


async def _form_page(
    ctx: ui.Ctx,
    values: dict[str, Any],
    post: dict[str, Any] | None,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
) -> Response:
    reference = await ctx.api.reference()
    county = str(values.get("county") or "")
    townships = townships_of(reference, county)
    return ctx.render(
        "unit/post_form.html",
        status_code=status_code,
        values=values,
        post=post,
        errors=errors,
        categories=reference["post_categories"],
        counties=county_names(reference),
        townships=townships,
        season=await current_season(ctx),
        idem=uuid.uuid4().hex,
    )


@router.get("/posts/new")
async def new_post(ctx: ui.UnitUser) -> Response:
    unit = await ctx.api.get("placement", f"/v1/units/{ctx.session.unit_id}")
    values = {
        "county": unit["county"],
        "township": unit.get("township") or "",
        "address": unit.get("address") or "",
        "capacity": "1",
    }
    return await _form_page(ctx, values, None)


@router.get("/townships")
async def townships(ctx: ui.UnitUser, county: str = "") -> Response:
    reference = await ctx.api.reference()
    return ctx.render(
        "_township_select.html",
        name="township",
        townships=townships_of(reference, county),
        selected="",
        any_label=False,
    )


@router.post("/posts/new")
async def create_post(ctx: ui.UnitUser) -> Response:
    form = {k: str(v) for k, v in (await ctx.request.form()).items()}
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/u")
    body = {**post_body(form), "season_id": season["season_id"]}
    try:
        post = await ctx.api.post(
            "placement", "/v1/posts", body, idempotency_key=form.get("idem", "")[:128] or None
        )
        if form.get("then") == "submit":
            await ctx.api.post("placement", f"/v1/posts/{post['post_id']}/submit")
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, POST_FIELDS)
        return await _form_page(ctx, form, None, errors, ui.form_status(ctx.request))
    return ui.redirect(
        "/u", flash="post_submitted" if form.get("then") == "submit" else "post_saved"
    )


@router.get("/posts/{post_id}/edit")
async def edit_post(ctx: ui.UnitUser, post_id: str) -> Response:
    post = await ctx.api.get("placement", f"/v1/posts/{post_id}")
    values = {k: post.get(k) for k in POST_FIELDS}
    values["majors"] = "、".join(post.get("majors") or [])
    return await _form_page(ctx, values, post)


@router.post("/posts/{post_id}/edit")
async def save_post(ctx: ui.UnitUser, post_id: str) -> Response:
    form = {k: str(v) for k, v in (await ctx.request.form()).items()}
    post = await ctx.api.get("placement", f"/v1/posts/{post_id}")
    try:
        await ctx.api.put("placement", f"/v1/posts/{post_id}", post_body(form))
        if form.get("then") == "submit":
            await ctx.api.post("placement", f"/v1/posts/{post_id}/submit")
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, POST_FIELDS)
        return await _form_page(ctx, form, post, errors, ui.form_status(ctx.request))
    return ui.redirect(
        "/u", flash="post_submitted" if form.get("then") == "submit" else "post_saved"
    )


@router.post("/posts/{post_id}/submit")
async def submit_post(ctx: ui.UnitUser, post_id: str) -> Response:
    await ctx.api.post("placement", f"/v1/posts/{post_id}/submit")
    return ui.redirect("/u", flash="post_submitted")


@router.post("/posts/{post_id}/withdraw")
async def withdraw_post(
    ctx: ui.UnitUser, post_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    await ctx.api.post("placement", f"/v1/posts/{post_id}/withdraw", {"reason": reason.strip()})
    return ui.redirect("/u", flash="post_withdrawn")


# --- applicants, interviews and scores -------------------------------------------------------


def ranked(applicants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The unit's ranking: scored applicants by overall score (best first; ties by the
    student's own 志愿 rank), then those not scored yet; refused ones last."""

    def key(a: dict[str, Any]) -> tuple[int, float, int, str]:
        refused = 1 if a.get("refused") else 0
        overall = a.get("overall")
        return (refused, -(overall if overall is not None else -1), a["rank"], a["name"])

    return sorted(applicants, key=key)


@router.get("/posts/{post_id}/applicants")
async def applicants(ctx: Interviewer, post_id: str) -> Response:
    post, found = await asyncio.gather(
        ctx.api.get("placement", f"/v1/posts/{post_id}"),
        ctx.api.all_pages("placement", f"/v1/posts/{post_id}/applicants"),
    )
    return ctx.render("unit/applicants.html", post=post, applicants=ranked(found))


async def _sheet(
    ctx: ui.Ctx,
    post_id: str,
    application_id: str,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
) -> Response:
    post, found, reference = await asyncio.gather(
        ctx.api.get("placement", f"/v1/posts/{post_id}"),
        ctx.api.all_pages("placement", f"/v1/posts/{post_id}/applicants"),
        ctx.api.reference(),
    )
    applicant = next((a for a in found if a["application_id"] == application_id), None)
    if applicant is None:
        return ui.render(ctx.request, "error.html", 404, code=404)
    criteria = list(reference["interview_criteria"])
    for extra in applicant.get("scores") or {}:
        if extra not in criteria:
            criteria.append(extra)
    return ctx.render(
        "unit/score_sheet.html",
        status_code=status_code,
        post=post,
        a=applicant,
        criteria=criteria,
        errors=errors,
        values=values or {},
    )


@router.get("/posts/{post_id}/applicants/{application_id}")
async def score_sheet(ctx: Interviewer, post_id: str, application_id: str) -> Response:
    return await _sheet(ctx, post_id, application_id)


def beijing_to_aware(local: str) -> str:
    """A ``datetime-local`` value (Beijing time, as people type it) → ISO 8601 with offset."""
    at = datetime.fromisoformat(local)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ui.BEIJING)
    return at.astimezone(UTC).isoformat()


@router.post("/posts/{post_id}/applicants/{application_id}/interview")
async def schedule(
    ctx: Interviewer,
    post_id: str,
    application_id: str,
    at: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
) -> Response:
    path = f"/v1/posts/{post_id}/applicants/{application_id}"
    try:
        when = beijing_to_aware(at) if at else ""
    except ValueError:
        when = at  # placement names the field and the problem
    try:
        await ctx.api.post("placement", f"{path}/interview", {"at": when, "place": place.strip()})
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, ["at", "place"])
        return await _sheet(
            ctx, post_id, application_id, errors, ui.form_status(ctx.request),
            {"at": at, "place": place},
        )  # fmt: skip
    return ui.redirect(f"/u{path.removeprefix('/v1')}", flash="interview_saved")


@router.post("/posts/{post_id}/applicants/{application_id}/score")
async def score(ctx: Interviewer, post_id: str, application_id: str) -> Response:
    form = {k: str(v) for k, v in (await ctx.request.form()).items()}
    scores: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith("score:") and value.strip():
            scores[key.removeprefix("score:")] = value.strip()
    path = f"/v1/posts/{post_id}/applicants/{application_id}"
    try:
        await ctx.api.post("placement", f"{path}/score", {"scores": scores})
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        known = ["scores", *(f"scores.{k}" for k in scores)]
        errors = ui.api_errors(ctx.t, exc, known)
        return await _sheet(ctx, post_id, application_id, errors, ui.form_status(ctx.request), form)
    return ui.redirect(f"/u/posts/{post_id}/applicants", flash="score_saved")


@router.post("/posts/{post_id}/applicants/{application_id}/refuse")
async def refuse(
    ctx: Interviewer, post_id: str, application_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    path = f"/v1/posts/{post_id}/applicants/{application_id}"
    try:
        await ctx.api.post("placement", f"{path}/refuse", {"reason": reason.strip()})
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, ["reason"])
        return await _sheet(ctx, post_id, application_id, errors, ui.form_status(ctx.request))
    return ui.redirect(f"/u/posts/{post_id}/applicants", flash="applicant_refused")


# --- interview slots (the students book them) -----------------------------------------------

SLOT_FIELDS = ["starts_at", "ends_at", "place", "online_url", "capacity"]


async def _slots_page(
    ctx: ui.Ctx,
    post_id: str,
    errors: ui.FormErrors = ui.NO_ERRORS,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    post, slots = await asyncio.gather(
        ctx.api.get("placement", f"/v1/posts/{post_id}"),
        ctx.api.get("placement", f"/v1/posts/{post_id}/interview-slots"),
    )
    return ctx.render(
        "unit/slots.html",
        status_code=status_code,
        post=post,
        slots=slots,
        errors=errors,
        values=values or {"capacity": "1"},
    )


@router.get("/posts/{post_id}/slots")
async def slots(ctx: Interviewer, post_id: str) -> Response:
    """The post's interview slots with who booked each; publish one; delete an empty one."""
    return await _slots_page(ctx, post_id)


def slot_body(form: dict[str, str]) -> dict[str, Any]:
    """The slot form → placement's SlotIn (times typed in Beijing time; an empty place or
    link left out; placement names whatever is wrong)."""
    body: dict[str, Any] = {}
    for name in ("starts_at", "ends_at"):
        value = form.get(name, "").strip()
        try:
            body[name] = beijing_to_aware(value) if value else ""
        except ValueError:
            body[name] = value
    for name in ("place", "online_url"):
        if value := form.get(name, "").strip():
            body[name] = value
    body["capacity"] = form.get("capacity", "").strip()
    return body


@router.post("/posts/{post_id}/slots")
async def create_slot(ctx: Interviewer, post_id: str) -> Response:
    form = {k: str(v) for k, v in (await ctx.request.form()).items()}
    try:
        await ctx.api.post("placement", f"/v1/posts/{post_id}/interview-slots", slot_body(form))
    except ApiError as exc:
        if exc.status in (401, 404):
            raise
        errors = ui.api_errors(ctx.t, exc, SLOT_FIELDS)
        return await _slots_page(ctx, post_id, errors, ui.form_status(ctx.request), form)
    return ui.redirect(f"/u/posts/{post_id}/slots", flash="slot_created")


@router.post("/posts/{post_id}/slots/{slot_id}/delete")
async def delete_slot(ctx: Interviewer, post_id: str, slot_id: str) -> Response:
    try:
        await ctx.api.delete("placement", f"/v1/posts/{post_id}/interview-slots/{slot_id}")
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, [])
        return await _slots_page(ctx, post_id, errors, ui.form_status(ctx.request))
    return ui.redirect(f"/u/posts/{post_id}/slots", flash="slot_deleted")


# --- placed students: arrival and completion -------------------------------------------------


@router.get("/placements")
async def placements(ctx: ui.UnitUser) -> Response:
    season = await current_season(ctx)
    found = await ctx.api.all_pages(
        "placement", "/v1/placements", season_id=season["season_id"] if season else None
    )
    found.sort(key=lambda p: (p["post_title"], p["student_name"]))
    return ctx.render("unit/placements.html", season=season, placements=found)


@router.post("/placements/{placement_id}/arrival")
async def arrival(ctx: ui.UnitUser, placement_id: str) -> Response:
    await ctx.api.post("placement", f"/v1/placements/{placement_id}/arrival")
    return ui.redirect("/u/placements", flash="arrival_confirmed")


@router.post("/placements/{placement_id}/complete")
async def complete(
    ctx: ui.UnitUser,
    placement_id: str,
    rating: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    body = {"rating": rating or None, "comment": comment.strip() or None}
    await ctx.api.post("placement", f"/v1/placements/{placement_id}/complete", body)
    return ui.redirect("/u/placements", flash="placement_completed")


# --- posts from a spreadsheet ----------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024  # placement's own limit


async def _import_page(ctx: ui.Ctx, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("problems", None)
    context.setdefault("errors", ui.NO_ERRORS)
    reference = await ctx.api.reference()
    return ctx.render("unit/import.html", status_code, counties=reference["counties"], **context)


@router.get("/import")
async def import_page(ctx: ui.UnitUser) -> Response:
    return await _import_page(ctx)


@router.get("/import/template.{ext}")
async def import_template(ctx: ui.UnitUser, ext: str) -> Response:
    if ext not in ("xlsx", "csv"):
        return ui.render(ctx.request, "error.html", 404, code=404)
    upstream = await ctx.api.download("placement", f"/v1/post-imports/template.{ext}")
    return Response(
        upstream.content,
        media_type=XLSX if ext == "xlsx" else "text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="posts-template.{ext}"'},
    )


@router.post("/import")
async def import_posts(
    ctx: ui.UnitUser,
    file: Annotated[UploadFile | None, File()] = None,
    submit: Annotated[str, Form()] = "",
) -> Response:
    """Every row is checked before anything is written; placement answers all the problems,
    by row and column, and the page lists them."""
    season = await current_season(ctx)
    if season is None:
        return ui.redirect("/u")
    content = await file.read(MAX_UPLOAD + 1) if file is not None else b""
    if not content:
        errors = ui.FormErrors({"file": [ctx.t("请选择一个 .xlsx 或 .csv 文件")]}, [])
        return await _import_page(ctx, ui.form_status(ctx.request), errors=errors)
    assert file is not None
    try:
        result = await ctx.api.upload(
            "placement",
            "/v1/post-imports",
            files={"file": (file.filename or "posts.xlsx", content, file.content_type or XLSX)},
            data={"season_id": season["season_id"]},
            submit="true" if submit else "false",
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        problems = _problems(exc.raw)
        errors = ui.api_errors(ctx.t, exc, ["file"]) if not problems else ui.NO_ERRORS
        return await _import_page(
            ctx, ui.form_status(ctx.request), problems=problems, errors=errors
        )
    return await _import_page(ctx, result=result)


def _problems(body: Any) -> list[dict[str, Any]] | None:
    """``[{"loc": ["file", row, column], "msg"}]`` → rows of the problem table (or None when
    the refusal was about something else)."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list):
        return None
    rows = [
        {"row": d["loc"][1], "column": d["loc"][2] if len(d["loc"]) > 2 else "", "msg": d["msg"]}
        for d in detail
        if isinstance(d, dict)
        and isinstance(d.get("loc"), list)
        and len(d["loc"]) >= 2
        and d["loc"][0] == "file"
    ]
    return rows or None
