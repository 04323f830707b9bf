"""Bulk post submission from a spreadsheet (.xlsx/.csv) and its template. Every row is
checked before anything is written; problems come back by row and column; either every post
is created (and submitted) or none is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import AppError, Unprocessable
from fanxiang_common.events.placement import PostSubmittedV1
from fanxiang_common.uploads import limited_uploads
from placement_service.api.common import (
    Conn,
    Id,
    IdempotencyKey,
    Out,
    emit,
    now,
    roles,
    write,
)
from placement_service.api.posts import PostIn, check_place, create_post
from placement_service.db import posts as posts_db
from placement_service.db import seasons
from placement_service.domain import sheets
from placement_service.domain.posts import PostStatus
from placement_service.domain.seasons import Phase

# The sheet is read whole (sheets.MAX_BYTES): a larger upload is refused while it streams in,
# before it is spooled to disk.
router = APIRouter(
    prefix="/v1/post-imports",
    tags=["posts"],
    route_class=limited_uploads(
        lambda request: sheets.MAX_BYTES, hint="split the spreadsheet into several files"
    ),
)
Submitter = Annotated[Principal, Depends(roles(Role.UNIT, Role.COUNTY, Role.COORDINATOR))]
MAX_PROBLEMS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportResult(Out):
    created: int
    status: str
    post_ids: list[str]


class ImportProblems(AppError):
    status_code = 422
    code = "invalid_rows"

    def __init__(self, problems: list[sheets.Problem]) -> None:
        super().__init__(f"{len(problems)} problems; nothing was imported")
        self.problems = problems

    def detail(self) -> list[dict[str, Any]]:
        return [
            {"loc": ["file", p.row, p.column], "msg": p.message, "type": "invalid_row"}
            for p in self.problems[:MAX_PROBLEMS]
        ]


@router.get("/template.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
async def template_xlsx(principal: Submitter) -> Response:
    """The template: one header row (required columns marked *), one example row."""
    return Response(
        sheets.template_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="posts-template.xlsx"'},
    )


@router.get(
    "/template.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
async def template_csv(principal: Submitter) -> Response:
    return Response(
        sheets.template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="posts-template.csv"'},
    )


def _named_in(message: str) -> str:
    """The first field a row-level message names (e.g. 'starts_on must not be after …')."""
    return next((f for f in sheets.BY_FIELD if f in message), "")


def _check_rows(
    sheet: sheets.Sheet, season_id: str, unit_id: str | None
) -> list[tuple[int, PostIn]]:
    problems = list(sheet.problems)
    good: list[tuple[int, PostIn]] = []
    for number, values in sheet.rows:
        try:
            post = PostIn.model_validate({**values, "season_id": season_id, "unit_id": unit_id})
            check_place(post)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else _named_in(error["msg"])
                column = sheets.BY_FIELD.get(field)
                problems.append(
                    sheets.Problem(number, column.header if column else field, error["msg"])
                )
            continue
        except AppError as exc:
            field = str(exc.loc[-1]) if exc.loc else ""
            column = sheets.BY_FIELD.get(field)
            problems.append(sheets.Problem(number, column.header if column else field, exc.message))
            continue
        good.append((number, post))
    if problems:
        raise ImportProblems(problems)
    return good


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResult,
    responses={422: {"description": "problems by row and column; nothing imported"}},
)
async def import_posts(
    request: Request,
    principal: Submitter,
    file: Annotated[UploadFile, File(description=".xlsx or .csv, in the template's layout")],
    season_id: Annotated[Id, Form()],
    unit_id: Annotated[Id | None, Form()] = None,
    submit: Annotated[bool, Query(description="submit the posts for approval")] = True,
    publish: Annotated[bool, Query(description="approvers: publish at once")] = False,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    content = await file.read(sheets.MAX_BYTES + 1)
    try:
        sheet = sheets.read(content, file.filename or "")
    except sheets.SheetError as exc:
        raise Unprocessable(str(exc), loc=("body", "file")) from exc
    rows = _check_rows(sheet, season_id, unit_id)

    async def action(conn: Conn) -> ImportResult:
        if submit and not publish:
            season = await seasons.get(conn, season_id)
            if season is not None:
                season.require_open(Phase.POSTS, now())
        created: list[str] = []
        for number, post in rows:
            try:
                row = await create_post(conn, request, principal, post, publish)
            except AppError as exc:  # unit, season or permission: the same for every row
                exc.loc = ("file", number, *exc.loc[1:])
                raise
            created.append(row["post_id"])
            if submit and not publish:
                await posts_db.update(
                    conn, row["post_id"], status=PostStatus.SUBMITTED.value, submitted_at=now()
                )
                await emit(
                    request,
                    conn,
                    PostSubmittedV1(
                        post_id=row["post_id"],
                        unit_id=row["unit_id"],
                        season_id=season_id,
                        title=row["title"],
                        county=row["county"],
                        township=row["township"],
                        managing_org=row["managing_org"] or row["county"],
                    ),
                )
        final = "published" if publish else "submitted" if submit else "draft"
        return ImportResult(created=len(created), status=final, post_ids=created)

    return await write(request, principal, idempotency_key, action, status.HTTP_201_CREATED)
