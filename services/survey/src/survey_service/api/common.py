from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
from fastapi import Request

from fanxiang_common.errors import NotFound
from survey_service.db import store
from survey_service.domain import Questionnaire
from survey_service.settings import SurveySettings

if TYPE_CHECKING:
    from survey_service.app import SurveyRuntime


def pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.runtime.pool
    return p


def runtime(request: Request) -> SurveyRuntime:
    r: SurveyRuntime = request.app.state.runtime
    return r


def settings(request: Request) -> SurveySettings:
    s: SurveySettings = request.app.state.runtime.settings
    return s


async def questionnaire(
    conn: asyncpg.Connection, questionnaire_id: str, *loc: str
) -> Questionnaire:
    q = await store.get_questionnaire(conn, questionnaire_id)
    if q is None:
        raise NotFound(f"no questionnaire {questionnaire_id!r}", loc=loc or ("path", "id"))
    return q
