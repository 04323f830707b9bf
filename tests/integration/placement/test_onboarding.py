"""From matching's offer to the end of the placement, over Kafka and HTTP; the 公示 list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from fanxiang_common.events import new_event
from fanxiang_common.events.matching import OfferMadeV1
from fanxiang_local.testing import eventually
from tests.integration.placement.world import World, topic_events

pytestmark = pytest.mark.integration


async def offer(
    world: World,
    student_id: str,
    post_id: str,
    *,
    round_id: str = "R1",
    accept_by: datetime | None = None,
    times: int = 1,
) -> None:
    """What matching publishes when a round is published."""
    data = OfferMadeV1(
        student_id=student_id,
        post_id=post_id,
        round_id=round_id,
        accept_by=accept_by or datetime.now(UTC) + timedelta(days=3),
    )
    envelope = new_event(data, source="/fanxiang/matching", sequence=1)
    producer = AIOKafkaProducer(bootstrap_servers=world.settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for _ in range(times):  # a redelivery must not create a second placement
            await producer.send_and_wait(
                world.settings.topic("matching.assignments.v1"),
                envelope.to_bytes(),
                key=student_id.encode(),
            )
    finally:
        await producer.stop()


async def placed(world: World, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await world.client.get("/v1/placements/mine", headers=headers)
    return list(r.json())


async def test_a_student_goes_from_offer_to_completion(world: World) -> None:
    await world.season()
    unit_id, unit = await world.unit()
    post_id = await world.published_post(unit_id, capacity=1)
    county = await world.county("140302")
    student_id, student = await world.student(name="李明")
    c = world.client
    r = await c.post(
        "/v1/applications", headers=student, json={"season_id": "2026-summer", "choices": [post_id]}
    )
    application_id = r.json()["application_id"]

    await offer(world, student_id, post_id, times=2)
    [p] = await eventually(lambda: placed(world, student), what="the offer in placement")
    assert (p["status"], p["post_id"], p["round_id"]) == ("offered", post_id, "R1")
    pid = p["placement_id"]

    # The unit now sees the applicant's contact in full.
    [applicant] = (await c.get(f"/v1/posts/{post_id}/applicants", headers=unit)).json()["items"]
    assert "*" not in applicant["phone"]

    assert (await c.post(f"/v1/placements/{pid}/accept", headers=unit)).status_code == 403
    r = await c.post(f"/v1/placements/{pid}/accept", headers=student)
    assert r.json()["status"] == "accepted", r.text
    post = (await c.get(f"/v1/posts/{post_id}", headers=unit)).json()
    assert (post["filled"], post["status"]) == (1, "full")
    assert (await c.post(f"/v1/placements/{pid}/fix", headers=county)).status_code == 409
    assert (await c.post(f"/v1/placements/{pid}/training", headers=student)).status_code == 403
    r = await c.post(f"/v1/placements/{pid}/training", headers=county)
    assert r.json()["status"] == "trained"

    text = (await c.get(f"/v1/placements/{pid}/commitment", headers=student)).json()
    assert "李明" in text["text"] and not text["signed"]
    sent = await c.post(f"/v1/placements/{pid}/commitment/code", headers=student)
    assert sent.status_code == 202, sent.text
    code = sent.json()["dev_code"]
    wrong = "000000" if code != "000000" else "111111"
    sign = {"typed_name": "李明", "code": wrong, "text_sha256": text["text_sha256"]}
    r = await c.post(f"/v1/placements/{pid}/commitment", headers=student, json=sign)
    assert (r.status_code, r.json()["detail"][0]["type"]) == (401, "code_wrong")
    r = await c.post(
        f"/v1/placements/{pid}/commitment",
        headers=student,
        json={**sign, "code": code, "typed_name": "王五"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "typed_name"]
    sent = await c.post(f"/v1/placements/{pid}/commitment/code", headers=student)
    assert sent.status_code == 429  # resend only after a minute
    r = await c.post(
        f"/v1/placements/{pid}/commitment",
        headers=student,
        json={**sign, "code": code, "typed_name": " 李 明 "},
    )
    assert r.json()["status"] == "committed", r.text
    r = await c.post(
        f"/v1/placements/{pid}/commitment", headers=student, json={**sign, "code": code}
    )
    assert r.status_code == 409  # signed once

    events = await topic_events(world.settings, "placement.applications.v1", at_least=5)
    signed = next(e for e in events if e["type"] == "placement.onboarding.commitment-signed.v1")
    assert signed["subject"] == application_id
    assert signed["data"]["text_sha256"] == text["text_sha256"]
    codes = await topic_events(world.settings, "placement.students.v1", at_least=1)
    assert any(
        e["data"].get("purpose") == "commitment" and e["data"]["code"] == code for e in codes
    )


async def _signed(world: World, pid: str, student: dict[str, str]) -> None:
    c = world.client
    text = (await c.get(f"/v1/placements/{pid}/commitment", headers=student)).json()
    code = (await c.post(f"/v1/placements/{pid}/commitment/code", headers=student)).json()
    r = await c.post(
        f"/v1/placements/{pid}/commitment",
        headers=student,
        json={"typed_name": "李明", "code": code["dev_code"], "text_sha256": text["text_sha256"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "committed"


async def test_signing_fixing_arrival_completion_and_the_publicity_list(world: World) -> None:
    await world.season()
    unit_id, unit = await world.unit()
    post_id = await world.published_post(unit_id, capacity=2, title="社区服务岗")
    county = await world.county("140302")
    coordinator = await world.coordinator()
    c = world.client
    students = []
    for name, consent in (("李明", True), ("赵六", False)):
        sid, headers = await world.student(name=name, consent=True)
        if not consent:
            r = await c.post(
                "/v1/students/me/consents",
                headers=headers,
                json={"purpose": "publicity", "granted": False, "version": "2026.1"},
            )
            assert r.status_code == 201
        await c.post(
            "/v1/applications",
            headers=headers,
            json={"season_id": "2026-summer", "choices": [post_id]},
        )
        await offer(world, sid, post_id)
        [p] = await eventually(lambda h=headers: placed(world, h), what="offer")
        await c.post(f"/v1/placements/{p['placement_id']}/accept", headers=headers)
        students.append((sid, headers, p["placement_id"]))

    sid, student, pid = students[0]
    await c.post(f"/v1/placements/{pid}/training", headers=county)
    await _signed(world, pid, student)
    text = (await c.get(f"/v1/placements/{pid}/commitment", headers=county)).json()
    assert text["signed"] and text["typed_name"] == "李明"
    assert (await c.post(f"/v1/placements/{pid}/arrival", headers=unit)).status_code == 409
    r = await c.put(
        f"/v1/placements/{pid}/id-number", headers=student, json={"id_number": "140302200506121237"}
    )
    assert r.status_code == 200, r.text
    assert (await c.post(f"/v1/placements/{pid}/fix", headers=county)).json()["status"] == "fixed"
    r = await c.post(f"/v1/placements/{pid}/arrival", headers=unit)
    assert r.json()["status"] == "on_post"
    r = await c.post(
        f"/v1/placements/{pid}/evaluation",
        headers=student,
        json={"rating": 5, "comment": "带教老师很耐心"},
    )
    assert r.json()["student_rating"] == 5
    r = await c.post(
        f"/v1/placements/{pid}/complete", headers=unit, json={"rating": 4, "comment": "认真负责"}
    )
    assert (r.json()["status"], r.json()["unit_rating"]) == ("completed", 4)

    # The second student declines after accepting: the place opens again.
    _, other, other_pid = students[1]
    r = await c.post(
        f"/v1/placements/{other_pid}/decline", headers=other, json={"reason": "家中有事"}
    )
    assert r.json()["status"] == "declined"
    post = (await c.get(f"/v1/posts/{post_id}", headers=unit)).json()
    assert (post["filled"], post["status"]) == (1, "published")

    r = await c.get("/v1/seasons/2026-summer/publicity", headers=coordinator)
    assert r.json() == [
        {
            "name": "李明",
            "university": "山西大学",
            "post_title": "社区服务岗",
            "unit_name": "城区团区委",
        }
    ]
    r = await c.get("/v1/seasons/2026-summer/publicity", params={"format": "csv"}, headers=county)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [
        ["姓名", "学校", "岗位", "实践单位"],
        ["李明", "山西大学", "社区服务岗", "城区团区委"],
    ]
    assert (await c.get("/v1/seasons/2026-summer/publicity", headers=unit)).status_code == 403
    audit = (await c.get("/v1/audit", headers=coordinator)).json()["items"]
    assert [a["action"] for a in audit][:2] == ["export_publicity", "export_publicity"]

    events = await topic_events(world.settings, "placement.applications.v1", at_least=12)
    types = [e["type"] for e in events]
    for expected in (
        "placement.offer.accepted.v1",
        "placement.offer.declined.v1",
        "placement.onboarding.trained.v1",
        "placement.onboarding.commitment-signed.v1",
        "placement.onboarding.fixed.v1",
        "placement.onboarding.on-post.v1",
        "placement.onboarding.completed.v1",
    ):
        assert expected in types, expected
    declined = next(e for e in events if e["type"] == "placement.offer.declined.v1")
    assert declined["data"]["after_accepting"] is True
    assert sid


async def test_an_offer_past_its_deadline_expires_and_cannot_be_accepted(world: World) -> None:
    await world.season()
    unit_id, _ = await world.unit()
    post_id = await world.published_post(unit_id)
    student_id, student = await world.student()
    await world.client.post(
        "/v1/applications",
        headers=student,
        json={"season_id": "2026-summer", "choices": [post_id]},
    )
    await offer(world, student_id, post_id, accept_by=datetime.now(UTC) - timedelta(hours=1))

    async def expired() -> list[dict[str, Any]]:
        return [p for p in await placed(world, student) if p["status"] == "expired"]

    [p] = await eventually(expired, what="the overdue offer expired")
    r = await world.client.post(f"/v1/placements/{p['placement_id']}/accept", headers=student)
    assert (r.status_code, r.json()["detail"][0]["type"]) == (409, "invalid_state")
    events = await topic_events(world.settings, "placement.applications.v1", at_least=2)
    [gone] = [e for e in events if e["type"] == "placement.offer.expired.v1"]
    assert (gone["data"]["placement_id"], gone["data"]["round_id"]) == (p["placement_id"], "R1")
