"""The season questionnaire online, end to end through Kafka: a student's form, checked by the
web, goes out through the web's outbox on ``survey.responses.v1``; survey (the real service,
same topics) stores it once. The web and survey run in process on their real databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from fanxiang_web.app import create_app as create_web
from fanxiang_web.db import sessions
from fanxiang_web.settings import WebSettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings

pytestmark = pytest.mark.integration

STUDENT = "S-survey-1"


def answers_form() -> dict[str, Any]:
    """The 2026 questionnaire, answered as a student who had no post (skip logic hides 8, 9)."""
    return {
        "q1": "女",
        "q2": "大三",
        "q3": "山西省内",
        "q4": "工学",
        "q5": "城区",
        "q6": "仅寒暑假",
        "q7": "未参加岗位实践",
        "q8": "非常满意",  # hidden by q7: dropped, not sent
        "q10": ["了解家乡发展", "其他"],
        "q10.other": "认识了家乡的朋友",
        "q11": "比较愿意",
        "q12": ["薪资待遇", "专业对口"],
        "q13": ["岗位数量少"],
        "q14.r0": "一般",
        "q14.r1": "不太了解",
        "q14.r2": "完全不了解",
        "q14.r3": "比较了解",
        "q14.r4": "一般",
        "q15": ["家人朋友"],
        "q16": ["更多实践岗位"],
        "q17": "希望岗位更多",
    }


async def use_survey(web: FastAPI, survey: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    """The web calls the in-process survey; a student is signed in."""
    web.state.runtime.services._clients["survey"] = survey
    token = bearer(Role.STUDENT, subject=STUDENT)["Authorization"].removeprefix("Bearer ")
    session = sessions.Session(
        token=token,
        subject=STUDENT,
        role="student",
        unit_id=None,
        county=None,
        city=None,
        phone="139****0001",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    async with web.state.runtime.pool.acquire() as conn:
        client.cookies.set("fx_session", await sessions.create(conn, session))


def fit(form: dict[str, Any], definition: dict[str, Any]) -> dict[str, Any]:
    """The answers above, with option labels checked against the real definition (so the test
    breaks loudly if the questionnaire changes rather than sending labels it lacks)."""
    by_number = {q["number"]: q for q in definition["questions"]}
    for key, value in form.items():
        number = int(key[1:].split(".")[0])
        q = by_number[number]
        labels = [o if isinstance(o, str) else o["label"] for o in q.get("options") or []]
        if "." in key or q["kind"] == "text":
            if ".r" in key:
                assert value in labels, (key, value, labels)
            continue
        for v in value if isinstance(value, list) else [value]:
            assert v in labels, (key, v, labels)
    return form


async def test_a_students_questionnaire_reaches_survey_once(
    service_settings: SettingsFactory,
) -> None:
    web = create_web(service_settings(WebSettings))
    survey = create_survey(service_settings(SurveySettings))
    coordinator = bearer(Role.COORDINATOR)
    async with serve_in_process(survey) as survey_client, serve_in_process(web) as client:
        await use_survey(web, survey_client, client)
        qid = web.state.runtime.settings.survey_questionnaire
        definition = (
            await survey_client.get(f"/v1/questionnaires/{qid}", headers=coordinator)
        ).json()

        page = await client.get("/s/survey")
        assert page.status_code == 200 and definition["questions"][0]["title"] in page.text
        assert "data-show-if=" in page.text and 'name="q14.r0"' in page.text

        # Missing answers come back next to their questions; nothing is sent.
        bad = await client.post("/s/survey", data={"q1": "女"})
        assert bad.status_code == 422 and 'id="e-q2"' in bad.text
        assert 'aria-invalid="true"' in bad.text

        form = fit(answers_form(), definition)
        sent = await client.post("/s/survey", data=form)
        assert sent.status_code == 303
        # Another tab submits again: recorded once, sent once.
        again = await client.post("/s/survey", data=form)
        assert again.status_code == 303

        async def stored() -> dict[str, Any] | None:
            r = await survey_client.get(f"/v1/questionnaires/{qid}/analysis", headers=coordinator)
            result: dict[str, Any] = r.json()
            return result if result["responses"] >= 1 else None

        result = await eventually(stored, within=60, what="survey storing the response")
        assert result["responses"] == 1
        async with survey.state.runtime.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT student_id, source, answers FROM response")
        assert row["student_id"] == STUDENT and row["source"] == "kafka"
        assert (await client.get("/s/survey")).text.count("你已提交问卷") == 1
