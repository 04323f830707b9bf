"""The demo season loaded into placement, matching and survey (in process, on real PostgreSQL
and Kafka) through their HTTP APIs: the counts the generator promised are what the services
hold, the season got to a round waiting for review, and loading again adds nothing."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fanxiang_local.demo.load import (
    QUESTIONNAIRE_ID,
    Loaded,
    Loader,
    Services,
    load,
    prepare,
    sign_in,
)
from fanxiang_local.testing import SettingsFactory, serve_in_process
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

# Small, to stay well inside two minutes; FANXIANG_DEMO_TEST_SCALE=1 loads the whole season.
SCALE = float(os.environ.get("FANXIANG_DEMO_TEST_SCALE", "0.12"))


@pytest_asyncio.fixture
async def services(service_settings: SettingsFactory) -> AsyncIterator[Services]:
    async with (
        serve_in_process(create_placement(service_settings(PlacementSettings))) as placement,
        serve_in_process(create_matching(service_settings(MatchingSettings))) as matching,
        serve_in_process(create_survey(service_settings(SurveySettings))) as survey,
    ):
        yield Services(placement, matching, survey)


async def everything(
    client: httpx.AsyncClient, path: str, headers: Any, **params: Any
) -> list[Any]:
    items: list[Any] = []
    while True:
        page = await client.get(
            path, params={**params, "limit": 500, "offset": len(items)}, headers=headers
        )
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items


async def counts(s: Services, season: str) -> dict[str, Any]:
    """What the services hold, read back through their APIs as the coordinator."""
    boss, _ = await sign_in(s.placement, "13800000000")
    posts = await everything(s.placement, "/v1/posts", boss, season_id=season)
    applications = await everything(s.placement, "/v1/applications", boss, season_id=season)
    students = await everything(s.placement, "/v1/students", boss)
    accounts = await everything(s.placement, "/v1/accounts", boss)
    analysis = await s.survey.get(f"/v1/questionnaires/{QUESTIONNAIRE_ID}/analysis", headers=boss)
    rounds = await s.matching.get("/v1/rounds", params={"season_id": season}, headers=boss)
    return {
        "units": len(await everything(s.placement, "/v1/units", boss)),
        "posts": len(posts),
        "published": sum(p["status"] == "published" for p in posts),
        "post_statuses": sorted(p["status"] for p in posts),
        "students": len(students),
        "universities": len({x["university"] for x in students}),
        "cities": len({x["university_city"] for x in students}),
        "applications": len(applications),
        "eligible": sum(
            a["status"] != "submitted" and a["status"] != "ineligible" for a in applications
        ),
        "ineligible": sum(a["status"] == "ineligible" for a in applications),
        "committees": sum(a["role"] == "county" for a in accounts),
        "liaisons": sorted(a["city"] for a in accounts if a["role"] == "liaison"),
        "responses": analysis.json()["responses"],
        "rounds": [(r["round_id"], r.get("status")) for r in rounds.json()],
    }


async def test_the_demo_season_loads_once_with_the_promised_counts(services: Services) -> None:
    started = time.monotonic()
    first: Loaded = await load(services, scale=SCALE, say=print)
    took = time.monotonic() - started
    demo = first.demo
    assert not first.already and first.round_id is not None
    got = await counts(services, demo.season.season_id)

    assert got["units"] == len(demo.units) > 0
    assert got["posts"] == len(demo.posts)
    assert got["post_statuses"] == sorted(p.status for p in demo.posts)
    assert got["published"] == len(demo.published) > 0
    assert got["students"] == len(demo.students)
    assert got["universities"] == len(demo.universities) > 1
    assert got["cities"] == len(demo.cities) > 1
    assert got["applications"] == len(demo.applicants)
    assert got["ineligible"] == sum(s.eligible is False for s in demo.students)
    assert got["committees"] == len(demo.committees) == 6
    assert got["liaisons"] == sorted(demo.cities)
    assert got["responses"] == len(demo.responses) > 0
    assert [r for r, _ in got["rounds"]] == [first.round_id]
    assert got["rounds"][0][1] == "run"  # solved, waiting for review
    assert first.figures["students"] == sum(bool(s.eligible) for s in demo.students)
    assert first.figures["placed"] > 0

    # Interviews: what the units scored is on the posts' applicant lists.
    unit_key = demo.post(next(i.post for i in demo.interviews if i.scores)).unit
    me, _ = await sign_in(services.placement, demo.unit(unit_key).contact_phone)
    scored = 0
    for p in demo.posts:
        if p.unit == unit_key and p.status == "published":
            listed = await services.placement.get(
                f"/v1/posts/{first.post_ids[p.key]}/applicants", headers=me
            )
            scored += sum(a["overall"] is not None for a in listed.json()["items"])
    assert scored == sum(
        1 for i in demo.interviews if i.scores and demo.post(i.post).unit == unit_key
    )

    again = await load(services, scale=SCALE)
    assert again.already
    assert await counts(services, demo.season.season_id) == got
    print(f"demo at scale {SCALE} loaded in {took:.1f} s")


async def test_a_load_cut_short_is_completed_by_the_next_without_doubles(
    services: Services,
) -> None:
    demo, _ = await prepare(services, scale=0.05)
    cut_short = Loader(services, demo)
    await cut_short.open_season()
    await cut_short.accounts()
    await cut_short.units()
    await cut_short.posts()
    await cut_short.students()  # then the machine went down

    done = await load(services, scale=0.05)
    assert not done.already
    got = await counts(services, demo.season.season_id)
    assert got["units"] == len(demo.units)
    assert got["posts"] == len(demo.posts)
    assert got["post_statuses"] == sorted(p.status for p in demo.posts)
    assert got["students"] == len(demo.students)
    assert got["applications"] == len(demo.applicants)
    assert got["committees"] == len(demo.committees)
    assert got["liaisons"] == sorted(demo.cities)
    assert got["responses"] == len(demo.responses)
    assert [r for r, _ in got["rounds"]] == [done.round_id]
