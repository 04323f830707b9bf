"""Responses over HTTP (one at a time, validated) and the questionnaire's definition.
The analysis of stored responses is in ``survey_service.api.analysis``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fanxiang_common.auth import CurrentPrincipal, Principal, Role, require_roles
from fanxiang_common.errors import Unprocessable
from survey_service.api import common
from survey_service.api.answers import InvalidAnswer, validate_answers
from survey_service.db import codec, store

router = APIRouter(prefix="/v1/questionnaires", tags=["responses"])

Submitter = Annotated[
    Principal, Depends(require_roles(Role.STUDENT, Role.COORDINATOR, Role.SERVICE))
]


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
