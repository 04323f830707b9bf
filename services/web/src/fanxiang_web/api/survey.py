"""Survey pages. The coordinator imports a 问卷星/腾讯问卷 export (forwarded to survey, which
imports it in the background while the page polls its progress) and reads the row-by-row
report; the analysis with charts and tables, and survey's Excel/HTML/PDF reports, are for the
coordinator (the city, or one county) and county committees (their county: survey enforces
it). Students answer the season questionnaire online: the form is drawn from survey's
definition, checked here, and the response goes to survey as ``survey.responses.v1`` through
the web's own outbox, in the transaction that records the student's submission."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from fanxiang_common.db.outbox import add_event
from fanxiang_common.events.survey import ResponseSubmittedV1
from fanxiang_common.uploads import limited_uploads
from fanxiang_web import ui
from fanxiang_web.api.common import county_names
from fanxiang_web.clients import ApiError
from fanxiang_web.domain import questionnaire as form_of
from fanxiang_web.domain import survey_charts
from fanxiang_web.domain.errors import FieldError

# An export past WEB_SURVEY_MAX_UPLOAD_BYTES is refused while it streams in, not spooled whole.
router = APIRouter(
    include_in_schema=False,
    route_class=limited_uploads(
        lambda request: request.app.state.runtime.settings.survey_max_upload_bytes,
        hint="WEB_SURVEY_MAX_UPLOAD_BYTES",
    ),
)

UPLOAD_TIMEOUT_S = 300.0
# The first analysis after new responses is computed (and free text segmented) before survey
# caches it; a PDF report is printed by a browser: both take longer than a page's usual wait.
ANALYSIS_TIMEOUT_S = 60.0
REPORT_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def _qid(ctx: ui.Ctx) -> str:
    return ctx.settings.survey_questionnaire


# --- import -----------------------------------------------------------------------------------


async def _import_page(
    ctx: ui.Ctx, errors: ui.FormErrors = ui.NO_ERRORS, status_code: int = 200
) -> Response:
    definition = await ctx.api.get("survey", f"/v1/questionnaires/{_qid(ctx)}")
    imports = await ctx.api.get("survey", "/v1/imports", questionnaire_id=_qid(ctx), limit=20)
    return ctx.render(
        "city/survey_import.html",
        status_code=status_code,
        questionnaire=definition,
        imports=imports,
        errors=errors,
    )


@router.get("/city/survey")
async def survey_home(ctx: ui.Coordinator) -> Response:
    return await _import_page(ctx)


@router.post("/city/survey/imports")
async def start_import(ctx: ui.Coordinator) -> Response:
    form = await ctx.request.form(max_part_size=ctx.settings.survey_max_upload_bytes)
    file = form.get("file")
    problem = None
    if not isinstance(file, UploadFile) or not file.filename:
        problem = FieldError("file", "missing", "missing")
    elif (file.size or 0) > ctx.settings.survey_max_upload_bytes:
        problem = FieldError("file", "too_large", "too_large")
    if problem is not None or not isinstance(file, UploadFile):
        errors = ui.form_errors(ctx.t, [problem] if problem else [], ["file"])
        return await _import_page(ctx, errors, ui.form_status(ctx.request))
    try:
        started = await ctx.api.upload(
            "survey",
            "/v1/imports",
            files={
                "file": (
                    file.filename or "export",
                    file.file,
                    file.content_type or "application/octet-stream",
                )
            },
            data={"questionnaire_id": _qid(ctx)},
            read_timeout_s=UPLOAD_TIMEOUT_S,
            background="true",  # always: the page shows the progress
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        errors = ui.api_errors(ctx.t, exc, ["file"])
        return await _import_page(ctx, errors, ui.form_status(ctx.request))
    finally:
        await file.close()
    return ui.redirect(f"/city/survey/imports/{started['import_id']}")


@router.get("/city/survey/imports/{import_id}")
async def import_page(ctx: ui.Coordinator, import_id: str) -> Response:
    found = await ctx.api.get("survey", f"/v1/imports/{import_id}")
    return ctx.render("city/survey_report.html", imp=found)


@router.get("/city/survey/imports/{import_id}/progress")
async def import_progress(ctx: ui.Coordinator, import_id: str) -> Response:
    """Polled by htmx each second while the import runs; then the page loads again."""
    found = await ctx.api.get("survey", f"/v1/imports/{import_id}")
    if found["status"] != "running":
        return Response(
            status_code=200, headers={"HX-Redirect": f"/city/survey/imports/{import_id}"}
        )
    return ctx.render("city/_import_progress.html", imp=found)


# --- analysis ---------------------------------------------------------------------------------


async def _analysis(ctx: ui.Ctx, county: str | None, base: str) -> Response:
    result = await ctx.api.get(
        "survey",
        f"/v1/questionnaires/{_qid(ctx)}/analysis",
        read_timeout_s=ANALYSIS_TIMEOUT_S,
        county=county,
    )
    reference = await ctx.api.reference()
    names = county_names(reference)
    questions = [survey_charts.question_view(q, ctx.t) for q in result.get("questions") or []]
    query = f"&county={county}" if county else ""
    return ctx.render(
        "city/survey_analysis.html",
        result=result,
        questions=questions,
        county=county,
        county_name=names.get(county or "", county),
        counties={k: v for k, v in names.items() if k != "city"},
        base=base,
        reports={fmt: f"{base}/report.{fmt}?{query.lstrip('&')}" for fmt in REPORT_FORMATS},
    )


@router.get("/city/survey/analysis")
async def city_analysis(ctx: ui.Coordinator, county: str = "") -> Response:
    return await _analysis(ctx, county or None, "/city/survey")


@router.get("/c/survey")
async def county_analysis(ctx: ui.Committee) -> Response:
    if ctx.session.role == "coordinator":
        return ui.redirect("/city/survey/analysis")
    return await _analysis(ctx, ctx.session.county, "/c/survey")


async def _report(ctx: ui.Ctx, fmt: str, county: str | None) -> Response:
    if fmt not in REPORT_FORMATS:
        return ui.render(ctx.request, "error.html", 404, code=404)
    query = f"?format={fmt}" + (f"&county={county}" if county else "")
    upstream = await ctx.api.download(
        "survey",
        f"/v1/questionnaires/{_qid(ctx)}/report{query}",
        read_timeout_s=ANALYSIS_TIMEOUT_S,
    )
    name = f"survey-{county or 'city'}.{fmt}"
    return Response(
        upstream.content,
        media_type=REPORT_FORMATS[fmt],
        # Downloaded, never shown in this site's pages (the report has its own inline styles).
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/city/survey/report.{fmt}")
async def city_report(ctx: ui.Coordinator, fmt: str, county: str = "") -> Response:
    return await _report(ctx, fmt, county or None)


@router.get("/c/survey/report.{fmt}")
async def county_report(ctx: ui.Committee, fmt: str) -> Response:
    county = ctx.session.county if ctx.session.role == "county" else None
    return await _report(ctx, fmt, county)


# --- the student's questionnaire --------------------------------------------------------------


async def _submitted(ctx: ui.Ctx) -> datetime | None:
    async with ctx.request.app.state.runtime.pool.acquire() as conn:
        at: datetime | None = await conn.fetchval(
            "SELECT submitted_at FROM survey_submission"
            " WHERE subject = $1 AND questionnaire_id = $2",
            ctx.session.subject,
            _qid(ctx),
        )
    return at


async def _form_page(
    ctx: ui.Ctx, parsed: form_of.Parsed | None = None, status_code: int = 200
) -> Response:
    definition = await ctx.api.get("survey", f"/v1/questionnaires/{_qid(ctx)}")
    return ctx.render(
        "student/survey.html",
        status_code=status_code,
        questionnaire=definition,
        questions=[
            {**q, "opts": form_of.options(q), "show": form_of.show_if_attr(q)}
            for q in definition["questions"]
        ],
        values=parsed.values if parsed else {},
        errors=parsed.errors if parsed else {},
        submitted_at=await _submitted(ctx),
    )


@router.get("/s/survey")
async def questionnaire_page(ctx: ui.Student) -> Response:
    return await _form_page(ctx)


@router.post("/s/survey")
async def submit_questionnaire(ctx: ui.Student) -> Response:
    raw = await ctx.request.form()
    posted: dict[str, list[str]] = {}
    for key, value in raw.multi_items():
        if isinstance(value, str):
            posted.setdefault(key, []).append(value)
    definition = await ctx.api.get("survey", f"/v1/questionnaires/{_qid(ctx)}")
    parsed = form_of.parse(definition["questions"], posted)
    if parsed.errors:
        return await _form_page(ctx, parsed, ui.form_status(ctx.request))
    response_id = f"web-{uuid.uuid4().hex}"
    event = ResponseSubmittedV1(
        response_id=response_id,
        questionnaire_id=definition["id"],
        answers=parsed.answers,
        student_id=ctx.session.subject,
        submitted_at=datetime.now(UTC),
    )
    runtime = ctx.request.app.state.runtime
    async with runtime.pool.acquire() as conn, conn.transaction():
        first = await conn.fetchval(
            "INSERT INTO survey_submission (subject, questionnaire_id, response_id)"
            " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING response_id",
            ctx.session.subject,
            definition["id"],
            response_id,
        )
        if first is not None:  # a second submission (another tab) sends nothing
            await add_event(conn, event, source=runtime.settings.source)
    return ui.redirect("/s/survey", flash="survey_submitted")
