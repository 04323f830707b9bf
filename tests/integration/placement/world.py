"""Helpers for placement's integration tests: a `World` that signs people in through the
real login flow (phone + one-time code) and sets a season up, and reading a topic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from placement_service.settings import DEV_COORDINATOR_PHONE, PlacementSettings

_phones = itertools.count(1)
SEASON = "2026-summer"


def new_phone() -> str:
    return f"139{next(_phones):08d}"


def season_body(season_id: str = SEASON, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "season_id": season_id,
        "name": "2026 年暑期返家乡",
        "posts_open": (now - timedelta(days=1)).isoformat(),
        "posts_close": (now + timedelta(days=10)).isoformat(),
        "applications_open": (now - timedelta(days=1)).isoformat(),
        "applications_close": (now + timedelta(days=10)).isoformat(),
        "interviews_open": (now - timedelta(days=1)).isoformat(),
        "interviews_close": (now + timedelta(days=20)).isoformat(),
        "on_post_start": "2026-07-01",
        "on_post_end": "2026-08-31",
        "max_choices": 5,
    }
    return {**body, **overrides}


def post_body(unit_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "season_id": SEASON,
        "title": "团委办公室助理",
        "category": "政务实践",
        "county": "140302",
        "township": "140302001",
        "capacity": 2,
        "majors": ["汉语言文学"],
        "duties": "协助整理材料",
        "starts_on": "2026-07-06",
        "ends_on": "2026-08-14",
    }
    if unit_id:
        body["unit_id"] = unit_id
    return {**body, **overrides}


class World:
    def __init__(self, client: httpx.AsyncClient, settings: PlacementSettings) -> None:
        self.client = client
        self.settings = settings

    async def login(self, phone: str) -> dict[str, str]:
        sent = await self.client.post("/v1/auth/codes", json={"phone": phone})
        assert sent.status_code == 202, sent.text
        token = await self.client.post(
            "/v1/auth/tokens", json={"phone": phone, "code": sent.json()["dev_code"]}
        )
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    async def coordinator(self) -> dict[str, str]:
        return await self.login(DEV_COORDINATOR_PHONE)

    async def season(self, **overrides: Any) -> dict[str, Any]:
        r = await self.client.post(
            "/v1/seasons", json=season_body(**overrides), headers=await self.coordinator()
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def unit(
        self, county: str = "140302", township: str | None = "140302001", name: str = "城区团区委"
    ) -> tuple[str, dict[str, str]]:
        phone = new_phone()
        body = {
            "name": name,
            "unit_type": "党政机关",
            "county": county,
            "contact_name": "王老师",
            "contact_phone": phone,
        }
        if township:
            body["township"] = township
        r = await self.client.post("/v1/units", json=body, headers=await self.coordinator())
        assert r.status_code == 201, r.text
        return r.json()["unit_id"], await self.login(phone)

    async def county(self, county: str = "140302") -> dict[str, str]:
        phone = new_phone()
        r = await self.client.post(
            "/v1/accounts",
            json={"phone": phone, "role": "county", "name": "团委", "county": county},
            headers=await self.coordinator(),
        )
        assert r.status_code == 201, r.text
        return await self.login(phone)

    async def student(
        self,
        home_county: str = "140302",
        name: str = "李明",
        consent: bool = True,
        city: str = "太原",
        township: str | None = None,
    ) -> tuple[str, dict[str, str]]:
        phone = new_phone()
        headers = await self.login(phone)
        r = await self.client.put(
            "/v1/students/me",
            headers=headers,
            json={
                "name": name,
                "university": "山西大学",
                "university_city": city,
                "university_province": "山西",
                "grade": "大二",
                "major": "汉语言文学",
                "home_county": home_county,
                "political_status": "共青团员",
                **({"home_township": township} if township else {}),
            },
        )
        assert r.status_code == 200, r.text
        if consent:
            for purpose in ("share_with_units", "publicity"):
                c = await self.client.post(
                    "/v1/students/me/consents",
                    headers=headers,
                    json={"purpose": purpose, "granted": True, "version": "2026.1"},
                )
                assert c.status_code == 201, c.text
        return r.json()["student_id"], headers

    async def published_post(self, unit_id: str, **overrides: Any) -> str:
        r = await self.client.post(
            "/v1/posts",
            params={"publish": "true"},
            json=post_body(unit_id, **overrides),
            headers=await self.coordinator(),
        )
        assert r.status_code == 201, r.text
        return str(r.json()["post_id"])


async def topic_events(
    settings: PlacementSettings, topic: str, *, at_least: int = 1, within: float = 30.0
) -> list[dict[str, Any]]:
    """Every envelope on ``topic`` (in this test's namespace), from the start, once at least
    ``at_least`` have arrived (the outbox relay is asynchronous)."""
    import asyncio
    import time

    import orjson
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        settings.topic(topic),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                seen += [orjson.loads(r.value) for r in records]
            if len(seen) >= at_least:
                await asyncio.sleep(0.3)  # pick up stragglers of the same flush
                batch = await consumer.getmany(timeout_ms=300)
                for records in batch.values():
                    seen += [orjson.loads(r.value) for r in records]
                break
    finally:
        await consumer.stop()
    return seen
