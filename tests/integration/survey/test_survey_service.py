"""The survey service over real Kafka and PostgreSQL: file imports (twice: the second stores
nothing; ImportFinishedV1 on the topic), one response over HTTP (201/422), responses from
Kafka stored once despite duplicate delivery, and who may read the analysis."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from fanxiang_common.auth import Role
from fanxiang_common.events import new_event
from fanxiang_common.events.survey import ResponseSubmittedV1
from fanxiang_local.testing import SettingsFactory, bearer, eventually, fetch_all, serve_in_process
from survey_service.app import create_app
from survey_service.exportgen import generate_export
from survey_service.settings import SurveySettings

pytestmark = pytest.mark.integration

COORDINATOR = bearer(Role.COORDINATOR, subject="coordinator-1")
QID = "fanxiang-return-home-survey"

GOOD = {
    "1": "女",
    "2": "大三",
    "3": "山西省内",
    "4": "工学",
    "5": "盂县",
    "6": "仅寒暑假",
    "7": "政务实践",
    "8": "满意",
    "9": {"岗位与专业匹配度": "满意", "带教老师指导": "非常满意"},
    "10": ["了解家乡发展", {"label": "其他", "other": "认识了朋友"}],
    "11": 4,
    "12": ["薪资待遇", "专业对口"],
    "17": "希望多组织活动",
}


async def read_topic(settings: SurveySettings, topic: str, at_least: int) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        settings.topic(topic),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    seen: list[dict[str, Any]] = []
    try:

        async def enough() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            seen.extend(json.loads(r.value) for rs in batch.values() for r in rs)
            return len(seen) >= at_least

        await eventually(enough, what=f"{at_least} events on {topic}")
    finally:
        await consumer.stop()
    return seen


async def post_file(client: Any, path: Path, **params: str) -> Any:
    return await client.post(
        "/v1/imports",
        files={"file": (path.name, await asyncio.to_thread(path.read_bytes))},
        params=params,
        headers=COORDINATOR,
    )


async def test_importing_an_export_twice_stores_it_once_and_announces_both(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings)
    truth = generate_export(tmp_path / "问卷星.xlsx", responses=198, seed=7)
    async with serve_in_process(create_app(settings)) as client:
        first = await post_file(client, truth.path)
        assert first.status_code == 201, first.text
        one = first.json()
        assert one["status"] == "finished"
        assert (one["data_rows"], one["responses"], one["stored"]) == (
            truth.data_rows,
            truth.responses,
            truth.responses,
        )
        assert (one["rejected"], one["blank"], one["duplicates"]) == (
            truth.rejected,
            truth.blank,
            truth.duplicates,
        )
        assert len([p for p in one["problems"] if p["level"] == "rejected"]) == truth.rejected
        assert all(p["row"] and p["reason"] for p in one["problems"])

        second = await post_file(client, truth.path)
        assert second.status_code == 201, second.text
        two = second.json()
        assert two["stored"] == 0
        assert two["duplicates"] == truth.responses + truth.duplicates

        stored = await fetch_all(settings.database_url, "SELECT source FROM response")
        assert len(stored) == truth.responses and {r["source"] for r in stored} == {"import"}

        polled = await client.get(f"/v1/imports/{one['import_id']}", headers=COORDINATOR)
        assert polled.status_code == 200 and polled.json()["stored"] == truth.responses

        listed = await client.get("/v1/imports", params={"limit": 5}, headers=COORDINATOR)
        assert listed.status_code == 200, listed.text
        assert [(i["import_id"], i["stored"]) for i in listed.json()] == [
            (two["import_id"], 0),
            (one["import_id"], truth.responses),
        ]
        assert "problems" not in listed.json()[0]
        too_many = await client.get("/v1/imports", params={"limit": 999}, headers=COORDINATOR)
        assert too_many.status_code == 422
        assert too_many.json()["detail"][0]["loc"] == ["query", "limit"]

        analysis = await client.get(f"/v1/questionnaires/{QID}/analysis", headers=COORDINATOR)
        assert analysis.status_code == 200, analysis.text
        result = analysis.json()
        assert result["responses"] == truth.responses
        for q in result["questions"]:
            assert q["counts"] == truth.counts[q["number"]], q["number"]

        events = await read_topic(settings, "survey.imports.v1", at_least=2)
        assert [e["type"] for e in events] == ["survey.import.finished.v1"] * 2
        by_import = {e["data"]["import_id"]: e["data"] for e in events}  # keyed: any order
        assert by_import[one["import_id"]]["stored"] == truth.responses
        assert by_import[two["import_id"]]["stored"] == 0
        assert by_import[two["import_id"]]["rows"] == truth.data_rows
        assert {e["data"]["requested_by"] for e in events} == {"coordinator-1"}


async def test_a_large_import_runs_in_the_background_and_can_be_polled(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings)
    truth = generate_export(
        tmp_path / "tencent.csv", responses=300, seed=3, vendor="tencent", fmt="csv"
    )
    async with serve_in_process(create_app(settings)) as client:
        started = await post_file(client, truth.path, background="true")
        assert started.status_code == 202, started.text
        import_id = started.json()["import_id"]

        async def finished() -> dict[str, Any] | None:
            r = await client.get(f"/v1/imports/{import_id}", headers=COORDINATOR)
            body: dict[str, Any] = r.json()
            return body if body["status"] == "finished" else None

        done = await eventually(finished, what="the background import")
        assert done is not None
        assert (done["stored"], done["progress"]) == (truth.responses, truth.data_rows)


async def test_an_unreadable_file_is_refused_and_imports_need_a_coordinator(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 this is not a workbook")
    async with serve_in_process(create_app(settings)) as client:
        refused = await post_file(client, junk)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "file"]
        as_county = await client.post(
            "/v1/imports",
            files={"file": ("junk.xlsx", b"x")},
            headers=bearer(Role.COUNTY, county="140302"),
        )
        assert as_county.status_code == 403
        polled = await client.get("/v1/imports/IMP-nope", headers=COORDINATOR)
        assert polled.status_code == 404
        county_polls = await client.get(
            "/v1/imports/IMP-nope", headers=bearer(Role.COUNTY, county="140302")
        )
        assert county_polls.status_code == 403


async def test_one_response_over_http_is_validated_against_the_questionnaire(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(SurveySettings)
    student = bearer(Role.STUDENT, subject="S-1")
    url = f"/v1/questionnaires/{QID}/responses"
    async with serve_in_process(create_app(settings)) as client:
        ok = await client.post(url, json={"answers": GOOD, "response_id": "r-1"}, headers=student)
        assert ok.status_code == 201, ok.text
        assert ok.json() == {"response_id": "r-1", "questionnaire_id": QID, "stored": True}
        again = await client.post(
            url, json={"answers": GOOD, "response_id": "r-1"}, headers=student
        )
        assert again.status_code == 201 and again.json()["stored"] is False

        cases = [
            ({**GOOD, "1": "未知"}, "1", "没有选项"),
            ({**GOOD, "12": ["薪资待遇", "专业对口", "专业对口"]}, "12", "重复"),
            (
                {**GOOD, "12": ["薪资待遇", "专业对口", "婚恋与社交圈", "人才政策与补贴"]},
                "12",
                "最多",
            ),
            ({**GOOD, "9": {"不存在的行": "满意"}}, "9.不存在的行", "这一行"),
            ({**GOOD, "7": "未参加岗位实践"}, "8", "跳题"),
            ({**GOOD, "99": "x"}, "99", "没有第99题"),
            ({**GOOD, "11": 9}, "11", "分值"),
        ]
        for answers, question, why in cases:
            bad = await client.post(url, json={"answers": answers}, headers=student)
            assert bad.status_code == 422, (question, bad.text)
            [detail] = bad.json()["detail"]
            assert detail["loc"] == ["body", "answers", question]
            assert why in detail["msg"], detail
        shown = await client.get(f"/v1/questionnaires/{QID}", headers=student)
        assert shown.status_code == 200 and len(shown.json()["questions"]) == 17
        missing = await client.post(
            "/v1/questionnaires/nope/responses", json={"answers": GOOD}, headers=student
        )
        assert missing.status_code == 404

        rows = await fetch_all(
            settings.database_url, "SELECT student_id, county, source, answers FROM response"
        )
        assert len(rows) == 1
        row = rows[0]
        assert (row["student_id"], row["county"], row["source"]) == ("S-1", "140322", "api")
        assert row["answers"]["10"] == {"l": ["了解家乡发展", "其他"], "o": "认识了朋友"}
        assert row["answers"]["11"]["l"] == ["比较愿意"]


async def test_a_response_from_kafka_is_stored_once_despite_duplicate_delivery(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(SurveySettings)
    app = create_app(settings)
    [consumer] = [c for c in app.state.runtime.consumers if c.group == "survey.store-responses"]
    event = ResponseSubmittedV1(
        response_id="web-42",
        questionnaire_id=QID,
        answers=GOOD,
        student_id="S-42",
        submitted_at=datetime(2026, 8, 20, 10, 0, tzinfo=UTC),
    )
    envelope = new_event(event, source="/tests", sequence=1)
    async with serve_in_process(app):
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        await producer.start()
        try:
            for _ in range(2):
                await producer.send_and_wait(
                    settings.topic("survey.responses.v1"), envelope.to_bytes(), key=b"web-42"
                )
        finally:
            await producer.stop()

        async def both_seen() -> bool:
            handled: int = consumer.stats.processed + consumer.stats.duplicates
            return handled >= 2

        await eventually(both_seen, what="both deliveries handled")
        assert (consumer.stats.processed, consumer.stats.duplicates) == (1, 1)
        rows = await fetch_all(
            settings.database_url, "SELECT response_id, student_id, source FROM response"
        )
        assert rows == [{"response_id": "web-42", "student_id": "S-42", "source": "kafka"}]


async def test_the_analysis_is_for_committees_and_a_county_sees_its_own(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings)
    truth = generate_export(
        tmp_path / "code.csv", responses=200, seed=11, mode="code", fmt="csv", encoding="gbk"
    )
    url = f"/v1/questionnaires/{QID}/analysis"
    async with serve_in_process(create_app(settings)) as client:
        imported = await post_file(client, truth.path)
        assert imported.status_code == 201, imported.text

        student = await client.get(url, headers=bearer(Role.STUDENT, subject="S-1"))
        assert student.status_code == 403
        assert (await client.get(url)).status_code == 401

        everyone = (await client.get(url, headers=COORDINATOR)).json()
        assert everyone["responses"] == truth.responses
        by_county = await fetch_all(
            settings.database_url, "SELECT county, count(*) AS n FROM response GROUP BY county"
        )
        n_of = {r["county"]: r["n"] for r in by_county}

        county = bearer(Role.COUNTY, subject="c-1", county="140302")
        mine = await client.get(url, headers=county)
        assert mine.status_code == 200, mine.text
        result = mine.json()
        assert result["responses"] == n_of["140302"] and result["scope"] == {"county": "140302"}
        [q5] = [q for q in result["questions"] if q["number"] == 5]
        assert {k for k, v in q5["counts"].items() if v} == {"城区"}

        other = await client.get(url, params={"county": "140303"}, headers=county)
        assert other.status_code == 403
        scoped = await client.get(url, params={"county": "140303"}, headers=COORDINATOR)
        assert scoped.json()["responses"] == n_of["140303"]
