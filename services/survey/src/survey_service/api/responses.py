"""Responses over HTTP (one at a time, validated) and the analysis of stored responses.

Only aggregates leave the service: the analysis is ``build_result``'s JSON (contract 5 plus
overview, cross-tabs with small cells suppressed); a county committee sees its county only,
and a scope with fewer than five responses shows no per-question figures.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fanxiang_common.auth import CurrentPrincipal, Principal, Role, require_roles
from fanxiang_common.errors import Forbidden, Unprocessable
from survey_service.api import common
from survey_service.api.answers import InvalidAnswer, validate_answers
from survey_service.db import codec, store
from survey_service.domain import Analyzer, Response, build_result
from survey_service.domain.analysis.privacy import MIN_GROUP

router = APIRouter(prefix="/v1/questionnaires", tags=["responses"])

Submitter = Annotated[
    Principal, Depends(require_roles(Role.STUDENT, Role.COORDINATOR, Role.SERVICE))
]
Reader = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.COUNTY))]


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(
        description="question number → option label | [labels] | {row: label} | text | null"
    )
    response_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the client's id for this response: sending it again stores nothing new",
    )
    student_id: str | None = None
    submitted_at: AwareDatetime | None = None


class ResponseOut(BaseModel):
    response_id: str
    questionnaire_id: str
    stored: bool = Field(description="false when this response id was stored before")


@router.get("/{id}", summary="The questionnaire's definition (questions, options, skip logic)")
async def get_questionnaire(id: str, request: Request, principal: CurrentPrincipal) -> Any:
    async with common.pool(request).acquire() as conn:
        questionnaire = await common.questionnaire(conn, id)
    return questionnaire.model_dump(mode="json")


@router.post("/{id}/responses", status_code=status.HTTP_201_CREATED, response_model=ResponseOut)
async def submit_response(
    id: str, body: ResponseIn, request: Request, principal: Submitter
) -> ResponseOut:
    student_id = body.student_id
    if principal.role is Role.STUDENT:
        student_id = principal.subject  # a student answers only as themself
    async with common.pool(request).acquire() as conn:
        questionnaire = await common.questionnaire(conn, id)
        try:
            answers = validate_answers(questionnaire, body.answers)
        except InvalidAnswer as exc:
            raise Unprocessable(exc.message, loc=("body", "answers", exc.question)) from exc
        response_id = body.response_id or f"api-{uuid.uuid4().hex}"
        stored = await store.insert_responses(
            conn,
            [
                (
                    response_id,
                    questionnaire.id,
                    response_id,
                    "api",
                    codec.encode(answers),
                    student_id,
                    codec.county_of(answers, questionnaire),
                    body.submitted_at or datetime.now(UTC),
                    None,
                    None,
                )
            ],
        )
    return ResponseOut(
        response_id=response_id, questionnaire_id=questionnaire.id, stored=stored == 1
    )


def _add_rows(analyzer: Analyzer, decode: codec.Decoder, rows: list[Any]) -> None:
    for i, row in enumerate(rows):
        answers = decode(row["answers"])
        analyzer.add(
            Response(
                row=i,
                fingerprint="",
                answers=answers,
                submitted_at=row["submitted_at"],
                duration=row["duration_s"],
            )
        )


@router.get("/{id}/analysis", summary="Aggregates of the stored responses (never rows)")
async def analysis(
    id: str,
    request: Request,
    principal: Reader,
    county: Annotated[
        str | None, Query(description="coordinator only: one county's respondents")
    ] = None,
) -> dict[str, Any]:
    if principal.role is Role.COUNTY:
        if principal.county is None:
            raise Forbidden("this county account names no county")
        if county is not None and county != principal.county:
            raise Forbidden("a county committee sees its own county only", loc=("query", "county"))
        county = principal.county
    async with common.pool(request).acquire() as conn:
        questionnaire = await common.questionnaire(conn, id)
        analyzer = Analyzer(questionnaire)
        decoder = codec.Decoder(questionnaire)
        async with conn.transaction():
            async for rows in store.stream_answers(conn, questionnaire.id, county):
                await asyncio.to_thread(_add_rows, analyzer, decoder, rows)
    result = await asyncio.to_thread(build_result, analyzer, questionnaire)
    result["scope"] = {"county": county}
    if 0 < result["responses"] < MIN_GROUP:
        result["questions"] = []
        result["crosstabs"] = []
        result["overview"] = {}
        result["suppressed"] = f"fewer than {MIN_GROUP} responses in this scope"
    return result
