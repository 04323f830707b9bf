"""The match pages against a stand-in for matching (and placement's lists) that answers as the
background-job API will: ``POST /v1/rounds`` → 202 ``running`` with ``progress``, then
``run``. The web app runs on its real database; the stand-ins are ASGI apps in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from fanxiang_common import devkeys
from fanxiang_common.auth import Principal, Role, issue_token
from fanxiang_local.proc import free_port
from fanxiang_local.testing import SettingsFactory, serve_in_process
from fanxiang_web.app import create_app
from fanxiang_web.db import sessions
from fanxiang_web.settings import WebSettings

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
SEASON = {
    "season_id": "2026-summer",
    "name": "2026 暑期",
    "posts_open": (NOW - timedelta(days=9)).isoformat(),
    "posts_close": (NOW + timedelta(days=9)).isoformat(),
    "applications_open": (NOW - timedelta(days=9)).isoformat(),
    "applications_close": (NOW + timedelta(days=9)).isoformat(),
    "interviews_open": (NOW - timedelta(days=9)).isoformat(),
    "interviews_close": (NOW + timedelta(days=9)).isoformat(),
    "status": "open",
}


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": len(items)}


def placement_stub() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/seasons")
    async def seasons() -> list[dict[str, Any]]:
        return [SEASON]

    @app.get("/v1/reference")
    async def reference() -> dict[str, Any]:
        return {
            "counties": [{"code": "140302", "name": "城区", "townships": {}}],
            "zones": [],
            "post_categories": ["政务实践"],
        }

    @app.get("/v1/applications")
    async def applications() -> dict[str, Any]:
        choices = [
            {"rank": 1, "post_id": "P1", "title": "新闻采编实习", "local": True},
            {"rank": 2, "post_id": "P2", "title": "政务服务窗口助理", "local": False},
        ]
        return page(
            [
                {
                    "student_id": "S1",
                    "status": "eligible",
                    "home_county": "140302",
                    "choices": choices,
                }
            ]
        )

    @app.get("/v1/students")
    async def students() -> dict[str, Any]:
        return page([{"student_id": "S1", "name": "赵一"}])

    @app.get("/v1/posts")
    async def posts() -> dict[str, Any]:
        return page(
            [
                {"post_id": "P1", "title": "新闻采编实习", "unit_id": "U1", "unit_name": "融媒体"},
                {"post_id": "P2", "title": "政务服务窗口助理", "unit_id": "U2"},
            ]
        )

    @app.get("/v1/placements")
    async def placements() -> dict[str, Any]:
        return page([])

    return app


class Matching:
    """Matching's rounds API as a background job: the round runs for ``polls`` reads."""

    def __init__(self, polls: int = 2) -> None:
        self.polls = polls
        self.reads = 0
        self.bodies: list[tuple[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/v1/rounds", status_code=202)(self.start)
        self.app.get("/v1/rounds")(self.list)
        self.app.get("/v1/rounds/{round_id}")(self.get)
        self.app.get("/v1/rounds/{round_id}/students/{student_id}")(self.explain)
        self.app.post("/v1/rounds/{round_id}/overrides")(self.override)
        self.app.post("/v1/rounds/{round_id}/publish")(self.publish)

    def round(self, status: str) -> dict[str, Any]:
        return {
            "round_id": "R-1",
            "season_id": "2026-summer",
            "kind": "main",
            "status": status,
            "locality": "home-county",
            "seed": 1,
            "input_sha256": "ab" * 32,
            "created_at": NOW.isoformat(),
            "published_at": None,
            "accept_by": None,
            "progress": {"phase": "solve", "done": 2, "total": 5},
            "figures": {
                "students": 1,
                "posts": 2,
                "seats": 3,
                "placed": 1,
                "unmatched": 0,
                "fill_rate": 0.3333,
                "placed_by_choice": [1],
                "fill": {"county": {"140302": {"posts": 2, "seats": 3, "placed": 1}}},
            },
            "assignments": {"S1": "P1"},
            "unmatched": [],
            "checks": {"stable": True, "feasible": True, "feasibility": [], "blocking_pairs": []},
            "overrides": [],
        }

    async def start(self, request: Request) -> dict[str, Any]:
        self.bodies.append(("run", await request.json()))
        return self.round("running")

    async def list(self) -> list[dict[str, Any]]:
        return [self.round("run")]

    async def get(self, round_id: str) -> dict[str, Any]:
        self.reads += 1
        return self.round("running" if self.reads <= self.polls else "run")

    async def explain(self, round_id: str, student_id: str) -> dict[str, Any]:
        return {
            "round_id": round_id,
            "student_id": student_id,
            "post": "P1",
            "choice": 1,
            "not_placed_higher": [],
        }

    async def override(self, round_id: str, request: Request) -> JSONResponse:
        self.bodies.append(("override", await request.json()))
        detail = [{"loc": ["body", "post_id"], "msg": "P2 is full", "type": "invalid"}]
        return JSONResponse({"detail": detail}, status_code=422)

    async def publish(self, round_id: str, request: Request) -> JSONResponse:
        self.bodies.append(("publish", await request.json()))
        detail = [{"loc": ["path", "round_id"], "msg": "stale", "type": "stale"}]
        return JSONResponse({"detail": detail}, status_code=409)


@pytest.fixture
def settings(service_settings: SettingsFactory) -> WebSettings:
    nowhere = f"http://127.0.0.1:{free_port()}"
    return service_settings(WebSettings, placement_url=nowhere, matching_url=nowhere)


async def signed_in(
    app: FastAPI,
    client: httpx.AsyncClient,
    matching: Matching,
    role: str = "coordinator",
    county: str | None = None,
) -> None:
    """A session in the web's database (the coordinator's by default); the services are the
    stand-ins."""
    runtime = app.state.runtime
    services = runtime.services
    services._clients["placement"] = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=placement_stub()), base_url="http://placement"
    )
    services._clients["matching"] = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=matching.app), base_url="http://matching"
    )
    session = sessions.Session(
        # A real token: the web checks a session's token against placement's revocations.
        token=issue_token(
            Principal(subject="A-boss", role=Role(role), county=county), devkeys.PRIVATE_KEY
        ),
        subject="A-boss",
        role=role,
        unit_id=None,
        county=county,
        city=None,
        phone="138****0000",
        expires_at=NOW + timedelta(hours=1),
    )
    async with runtime.pool.acquire() as conn:
        client.cookies.set("fx_session", await sessions.create(conn, session))


async def test_a_background_run_shows_a_polled_progress_bar_then_the_round(
    settings: WebSettings,
) -> None:
    app = create_app(settings)
    matching = Matching(polls=2)
    async with serve_in_process(app) as client:
        await signed_in(app, client, matching)
        page = await client.get("/city/match")
        assert 'name="locality_exceptions" value="S1"' in page.text
        assert "赵一：政务服务窗口助理" in page.text
        started = await client.post(
            "/city/match/rounds",
            data={"kind": "main", "locality": "any", "seed": "7", "locality_exceptions": "S1"},
        )
        assert started.status_code == 303
        assert started.headers["location"] == "/city/match/rounds/R-1"
        assert matching.bodies == [
            (
                "run",
                {
                    "season_id": "2026-summer",
                    "kind": "main",
                    "rules": {"locality": "any"},
                    "include_undecided": False,
                    "seed": 7,
                    "locality_exceptions": ["S1"],
                },
            )
        ]
        running = await client.get("/city/match/rounds/R-1")
        assert running.status_code == 200
        assert 'hx-get="/city/match/rounds/R-1/progress"' in running.text
        assert 'hx-trigger="every 1s"' in running.text
        assert 'aria-valuenow="40"' in running.text and "计算匹配" in running.text
        polled = await client.get("/city/match/rounds/R-1/progress", headers={"HX-Request": "true"})
        assert polled.status_code == 200 and 'id="round-progress"' in polled.text
        assert "<html" not in polled.text  # a fragment, swapped in place
        done = await client.get("/city/match/rounds/R-1/progress", headers={"HX-Request": "true"})
        assert done.headers["HX-Redirect"] == "/city/match/rounds/R-1"
        review = await client.get("/city/match/rounds/R-1")
        assert "待发布" in review.text and "赵一" in review.text and "新闻采编实习" in review.text
        assert "发布匹配结果" in review.text
        reload = await client.get("/city/match/preview")
        assert reload.status_code == 303 and reload.headers["location"] == "/city/match"
        why = await client.get("/city/match/rounds/R-1/students/S1")
        assert why.status_code == 200 and "录用的就是这名学生的第一志愿" in why.text


async def test_refusals_are_shown_next_to_their_fields(settings: WebSettings) -> None:
    app = create_app(settings)
    matching = Matching(polls=0)
    async with serve_in_process(app) as client:
        await signed_in(app, client, matching)
        # Matching refuses the override: the message sits under that student's post field.
        r = await client.post(
            "/city/match/rounds/R-1/overrides",
            data={"student_id": "S1", "post_id": "P2", "reason": "来电"},
        )
        assert r.status_code == 422
        assert 'id="e-post_id-S1"' in r.text and "这个调整不可行" in r.text
        assert matching.bodies[-1] == (
            "override",
            {"student_id": "S1", "post_id": "P2", "reason": "来电"},
        )
        # Unplacing sends null.
        await client.post(
            "/city/match/rounds/R-1/overrides",
            data={"student_id": "S1", "post_id": "", "reason": "本人放弃"},
        )
        assert matching.bodies[-1][1]["post_id"] is None
        # Publishing without the confirmation never reaches matching.
        r = await client.post(
            "/city/match/rounds/R-1/publish", data={"accept_by": "2026-12-01T18:00"}
        )
        assert r.status_code == 422 and 'id="e-confirm"' in r.text
        assert all(kind != "publish" for kind, _ in matching.bodies)
        # Confirmed: the deadline goes as Beijing time with its offset; a stale round is
        # refused with matching's reason in plain words.
        r = await client.post(
            "/city/match/rounds/R-1/publish",
            data={"accept_by": "2026-12-01T18:00", "confirm": "on"},
        )
        assert matching.bodies[-1] == ("publish", {"accept_by": "2026-12-01T10:00:00+00:00"})
        assert r.status_code == 422 and "请重新运行" in r.text


async def test_a_county_committee_follows_a_running_round_read_only(
    settings: WebSettings,
) -> None:
    app = create_app(settings)
    matching = Matching(polls=1)
    async with serve_in_process(app) as client:
        await signed_in(app, client, matching, role="county", county="140302")
        running = await client.get("/c/match/rounds/R-1")
        assert 'hx-get="/c/match/rounds/R-1/progress"' in running.text
        done = await client.get("/c/match/rounds/R-1/progress", headers={"HX-Request": "true"})
        assert done.headers["HX-Redirect"] == "/c/match/rounds/R-1"
        review = await client.get("/c/match/rounds/R-1")
        assert "只读" in review.text and "赵一" in review.text
        assert "发布匹配结果" not in review.text and "保存调整" not in review.text
        # The coordinator's pages stay the coordinator's.
        assert (await client.get("/city/match/rounds/R-1")).status_code == 403
        refused = await client.post("/city/match/rounds/R-1/publish", data={"confirm": "on"})
        assert refused.status_code == 403 and all(k != "publish" for k, _ in matching.bodies)
