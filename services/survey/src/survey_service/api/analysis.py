"""The analysis of stored responses, as JSON for the dashboard and as a report (HTML, PDF,
xlsx) for committees to download.

Only aggregates leave the service: ``build_result``'s JSON (contract 5 plus overview,
cross-tabs with small cells suppressed); a county committee sees its county only, a scope
with fewer than five responses shows no per-question figures, and a county view shows no
verbatim free text (docs/survey.md, "Privacy"). Results are cached until a response changes
(``survey_service.analysis_cache``).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.errors import Forbidden, Unavailable
from survey_service.analysis_cache import AnalysisCache
from survey_service.api import common
from survey_service.reports import PdfUnavailable, render_html, render_pdf, write_xlsx

router = APIRouter(prefix="/v1/questionnaires", tags=["analysis"])

Reader = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.COUNTY))]
CountyQuery = Annotated[str | None, Query(description="coordinator only: one county's respondents")]


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


_MEDIA = {
    ReportFormat.html: "text/html; charset=utf-8",
    ReportFormat.pdf: "application/pdf",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cache(request: Request) -> AnalysisCache:
    c: AnalysisCache = request.app.state.analysis_cache
    return c


def _scope(principal: Principal, county: str | None) -> str | None:
    """The county this reader may see: a county committee its own only."""
    if principal.role is Role.COUNTY:
        if principal.county is None:
            raise Forbidden("this county account names no county")
        if county is not None and county != principal.county:
            raise Forbidden("a county committee sees its own county only", loc=("query", "county"))
        return principal.county
    return county


@router.get("/{id}/analysis", summary="Aggregates of the stored responses (never rows)")
async def analysis(
    id: str, request: Request, principal: Reader, county: CountyQuery = None
) -> dict[str, Any]:
    scope = _scope(principal, county)
    async with common.pool(request).acquire() as conn:
        questionnaire = await common.questionnaire(conn, id)
    entry = await cache(request).entry(common.pool(request), questionnaire, scope)
    return entry.result


async def _render(fmt: ReportFormat, result: dict[str, Any], pdf_slot: asyncio.Semaphore) -> bytes:
    if fmt is ReportFormat.html:
        return (await asyncio.to_thread(render_html, result)).encode("utf-8")
    if fmt is ReportFormat.pdf:
        async with pdf_slot:
            try:
                return await asyncio.to_thread(render_pdf, result)
            except PdfUnavailable as exc:
                raise Unavailable(f"PDF: {exc}", loc=("query", "format")) from exc

    def xlsx() -> bytes:
        with tempfile.TemporaryDirectory(prefix="survey-xlsx-") as tmp:
            path = Path(tmp) / "report.xlsx"
            write_xlsx(result, path)
            return path.read_bytes()

    return await asyncio.to_thread(xlsx)


@router.get(
    "/{id}/report",
    summary="The analysis as a report to download: HTML, PDF (charts and Chinese text) or xlsx",
    response_class=Response,
    responses={
        200: {"content": {m: {} for m in _MEDIA.values()}},
        503: {"description": "PDF asked for but no browser to print it with"},
    },
)
async def report(
    id: str,
    request: Request,
    principal: Reader,
    format: Annotated[ReportFormat, Query(description="html, pdf or xlsx")] = ReportFormat.html,
    county: CountyQuery = None,
) -> Response:
    scope = _scope(principal, county)
    pool = common.pool(request)
    async with pool.acquire() as conn:
        questionnaire = await common.questionnaire(conn, id)

    async def make(result: dict[str, Any]) -> bytes:
        return await _render(format, result, cache(request).pdf_slot)

    body = await cache(request).render(pool, questionnaire, scope, str(format), make)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"survey-{questionnaire.id}-{scope or 'all'}.{format}")
    disposition = "inline" if format is ReportFormat.html else "attachment"
    return Response(
        body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )
