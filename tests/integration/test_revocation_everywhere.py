"""A token placement stops early is refused by every service, not only by placement.

Placement, matching, survey, notify and the web run in this process on real PostgreSQL and
Kafka; people sign in through placement's real login flow. After a sign-out, a disabled
account, a sign-out everywhere and a revoked unit API token, the other services refuse the
tokens once `placement.access.v1` has reached them (and accept them again after an enable).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio

from fanxiang_common.access import record_access_change
from fanxiang_common.auth import Role
from fanxiang_common.events import new_event
from fanxiang_common.events.placement import AccessChangedV1
from fanxiang_local.testing import (
    SettingsFactory,
    bearer,
    eventually,
    fetch_all,
    serve_in_process,
)
from fanxiang_web.app import create_app as create_web
from fanxiang_web.db import sessions
from fanxiang_web.settings import WebSettings
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from notify_service.app import create_app as create_notify
from notify_service.settings import NotifySettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings
from tests.integration.placement.world import World

pytestmark = pytest.mark.integration

Headers = dict[str, str]


@dataclass
class Fleet:
    world: World
    matching: httpx.AsyncClient
    survey: httpx.AsyncClient
    notify: httpx.AsyncClient
    web: httpx.AsyncClient
    web_database_url: str


@pytest_asyncio.fixture
async def fleet(service_settings: SettingsFactory) -> AsyncIterator[Fleet]:
    placement_settings = service_settings(PlacementSettings)
    web_settings = service_settings(WebSettings)
    async with contextlib.AsyncExitStack() as stack:
        placement = await stack.enter_async_context(
            serve_in_process(create_placement(placement_settings))
        )
        clients = [
            await stack.enter_async_context(serve_in_process(create(service_settings(cls))))
            for create, cls in (
                (create_matching, MatchingSettings),
                (create_survey, SurveySettings),
                (create_notify, NotifySettings),
            )
        ]
        web = await stack.enter_async_context(serve_in_process(create_web(web_settings)))
        yield Fleet(World(placement, placement_settings), *clients, web, web_settings.database_url)


async def _status(client: httpx.AsyncClient, path: str, headers: Headers) -> tuple[int, str]:
    r = await client.get(path, headers=headers)
    return r.status_code, (r.json()["detail"][0]["type"] if r.status_code == 401 else "")


async def _everywhere(fleet: Fleet, headers: Headers, *, coordinator: bool) -> set[tuple[int, str]]:
    """What matching, survey and notify answer this token (reads every role may make)."""
    answers = {await _status(fleet.notify, "/v1/inbox/unread-count", headers)}
    if coordinator:
        answers.add(await _status(fleet.matching, "/v1/rounds", headers))
        answers.add(
            await _status(
                fleet.survey, "/v1/questionnaires/fanxiang-return-home-survey/analysis", headers
            )
        )
    return answers


async def _refused_everywhere(
    fleet: Fleet, headers: Headers, code: str, *, coordinator: bool = False
) -> None:
    async def refused() -> bool:
        return await _everywhere(fleet, headers, coordinator=coordinator) == {(401, code)}

    await eventually(refused, within=30, what=f"every service refusing the token ({code})")


async def test_a_signed_out_token_is_refused_by_every_service(fleet: Fleet) -> None:
    world = fleet.world
    coordinator = await world.coordinator()
    kept = await world.coordinator()  # another session of the same person
    before = await _everywhere(fleet, coordinator, coordinator=True)
    assert all(status != 401 for status, _ in before), before

    r = await world.client.post("/v1/auth/sign-out", headers=coordinator)
    assert r.status_code == 200, r.text
    await _refused_everywhere(fleet, coordinator, "token_revoked", coordinator=True)
    assert all(s != 401 for s, _ in await _everywhere(fleet, kept, coordinator=True))


async def test_a_disabled_account_is_refused_everywhere_until_enabled(fleet: Fleet) -> None:
    world = fleet.world
    coordinator = await world.coordinator()
    student_id, student = await world.student()
    assert await _everywhere(fleet, student, coordinator=False) == {(200, "")}

    path = f"/v1/accounts/{student_id}"
    assert (await world.client.post(f"{path}/disable", json={}, headers=coordinator)).is_success
    await _refused_everywhere(fleet, student, "token_account_disabled")

    assert (await world.client.post(f"{path}/enable", json={}, headers=coordinator)).is_success

    async def accepted() -> bool:
        return await _everywhere(fleet, student, coordinator=False) == {(200, "")}

    await eventually(accepted, within=30, what="the enabled student's token accepted again")


async def test_signing_out_everywhere_stops_every_earlier_token(fleet: Fleet) -> None:
    world = fleet.world
    student_id, phone_token = await world.student()
    laptop_token = await world.login(await _phone(world, student_id))
    # A token placement did not record (the development key): only the cut-off stops it.
    unrecorded = bearer(Role.STUDENT, subject=student_id)
    await asyncio.sleep(1.1)  # iat has whole seconds: let the cut-off come a second later
    assert await _everywhere(fleet, unrecorded, coordinator=False) == {(200, "")}
    r = await world.client.post("/v1/auth/sign-out-everywhere", headers=laptop_token)
    assert r.status_code == 200 and r.json()["revoked"] >= 2, r.text
    for headers in (phone_token, laptop_token, unrecorded):
        await _refused_everywhere(fleet, headers, "token_revoked")
    # Signed in again afterwards: accepted (a recorded token is not judged by the cut-off).
    fresh = await world.login(await _phone(world, student_id))
    assert await _everywhere(fleet, fresh, coordinator=False) == {(200, "")}


async def test_a_revoked_api_token_stops_the_units_system_everywhere(fleet: Fleet) -> None:
    world = fleet.world
    unit_id, unit = await world.unit()
    created = await world.client.post(
        f"/v1/units/{unit_id}/api-tokens", json={"label": "ERP"}, headers=unit
    )
    assert created.status_code == 201, created.text
    exchanged = await world.client.post(
        "/v1/auth/unit-tokens", json={"api_token": created.json()["api_token"]}
    )
    system = {"Authorization": f"Bearer {exchanged.json()['access_token']}"}
    assert await _everywhere(fleet, system, coordinator=False) == {(200, "")}

    revoke = f"/v1/units/{unit_id}/api-tokens/{created.json()['token_id']}/revoke"
    assert (await world.client.post(revoke, headers=unit)).is_success
    await _refused_everywhere(fleet, system, "token_revoked")


async def test_the_web_forgets_a_session_whose_token_was_signed_out(fleet: Fleet) -> None:
    world = fleet.world
    student_id, student = await world.student()
    token = student["Authorization"].removeprefix("Bearer ")
    conn = await asyncpg.connect(fleet.web_database_url)
    try:
        sid = await sessions.create(
            conn,
            sessions.Session(
                token=token,
                subject=student_id,
                role="student",
                unit_id=None,
                county=None,
                city=None,
                phone="139****0000",
                expires_at=sessions.expiry(3600),
            ),
        )
    finally:
        await conn.close()
    cookies = {"Cookie": f"fx_session={sid}"}

    async def page() -> httpx.Response:
        # The account page renders from the session alone (no call to placement, whose own
        # refusal would also send the student to sign in): only the web's check can.
        return await fleet.web.get("/account", headers=cookies)

    assert (await page()).status_code == 200
    assert (await world.client.post("/v1/auth/sign-out", headers=student)).is_success

    async def sent_to_sign_in() -> bool:
        r = await page()
        return r.status_code in (302, 303) and "/login" in r.headers["location"]

    await eventually(sent_to_sign_in, within=30, what="the web sending the student to sign in")
    left = await fetch_all(fleet.web_database_url, "SELECT subject FROM web_session")
    assert student_id not in {r["subject"] for r in left}  # forgotten, not only refused


async def test_an_older_access_event_never_undoes_a_newer_one(
    fleet: Fleet, service_settings: SettingsFactory
) -> None:
    """Replayed from a dead-letter topic, or from a replica whose clock is behind: the
    subject's event sequence decides, not ``changed_at``."""
    world = fleet.world
    coordinator = await world.coordinator()
    student_id, student = await world.student()
    path = f"/v1/accounts/{student_id}"
    assert (await world.client.post(f"{path}/disable", json={}, headers=coordinator)).is_success
    assert (await world.client.post(f"{path}/enable", json={}, headers=coordinator)).is_success

    notify_db = service_settings(NotifySettings).database_url

    async def enable_applied() -> list[dict[str, object]]:
        return await fetch_all(
            notify_db,
            "SELECT version FROM subject_access WHERE subject = $1 AND NOT disabled"
            " AND reason = 'account-enabled'",
            student_id,
        )

    [row] = await eventually(enable_applied, within=30, what="notify's copy has the enable")
    assert await _everywhere(fleet, student, coordinator=False) == {(200, "")}
    stale = new_event(
        AccessChangedV1(
            subject=student_id,
            reason="account-disabled",
            disabled=True,
            changed_at=datetime.now(UTC) + timedelta(hours=1),  # a clock ahead
        ),
        source="/tests",
        sequence=row["version"] - 1,
    )
    conn = await asyncpg.connect(notify_db)
    try:
        await record_access_change(conn, stale)
    finally:
        await conn.close()
    assert await _everywhere(fleet, student, coordinator=False) == {(200, "")}


async def _phone(world: World, account_id: str) -> str:
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        phone: str = await conn.fetchval(
            "SELECT phone FROM account WHERE account_id = $1", account_id
        )
    finally:
        await conn.close()
    return phone
