"""Two replicas of every service on one machine, sharing their consumer groups and databases:
the consumers share the work (each replica handles part of the partitions) and every effect
happens once — one post and one application in matching's read model per event, one
notification per application, one stored survey response per event. Placement's two relays
elect one leader (an advisory lock), so each outbox event is published by one of them.

Events keep coming until each replica of each measured group has handled some: a group
rebalances when the second replica joins, and which replica owns which partition is Kafka's
choice, so a fixed batch could, by chance, land on one replica only."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from fanxiang_common.events import new_event
from fanxiang_common.events.survey import ResponseSubmittedV1
from fanxiang_local.testing import SettingsFactory, eventually, fetch_all, serve_in_process
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from notify_service.app import create_app as create_notify
from notify_service.settings import NotifySettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings
from tests.integration.placement.world import SEASON, World
from tests.integration.survey.test_survey_service import GOOD, QID

pytestmark = pytest.mark.integration

REPLICAS = 2
MAX_ROUNDS = 12  # of new work, until every replica of every measured group has had some


def _processed(app: FastAPI, group: str) -> int:
    [consumer] = [c for c in app.state.runtime.consumers if c.group == group]
    return int(consumer.stats.processed)


async def test_two_replicas_of_each_service_share_the_work_and_do_it_once(
    service_settings: SettingsFactory,
) -> None:
    placement = service_settings(PlacementSettings)
    matching = service_settings(MatchingSettings)
    notify = service_settings(NotifySettings, dev_mail_sink=False)
    survey = service_settings(SurveySettings)
    replicas = {
        "placement": [create_placement(placement) for _ in range(REPLICAS)],
        "matching": [create_matching(matching) for _ in range(REPLICAS)],
        "notify": [create_notify(notify) for _ in range(REPLICAS)],
        "survey": [create_survey(survey) for _ in range(REPLICAS)],
    }
    measured = [  # (service, group): both replicas must take part
        ("matching", "matching.read-model-posts"),
        ("matching", "matching.read-model-applications"),
        ("notify", "notify.directory-posts"),
        ("survey", "survey.store-responses"),
    ]
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: [await stack.enter_async_context(serve_in_process(a)) for a in apps]
            for name, apps in replicas.items()
        }
        worlds = [World(c, placement) for c in clients["placement"]]  # requests alternate
        await worlds[0].season()
        unit_id, _ = await worlds[0].unit()
        producer = AIOKafkaProducer(bootstrap_servers=service_settings.bootstrap)
        await producer.start()
        stack.push_async_callback(producer.stop)

        posts: list[str] = []
        applications: list[str] = []
        responses = 0
        alternate = itertools.cycle(worlds)

        async def everyone_took_part() -> bool:
            return all(
                _processed(app, group) > 0
                for service, group in measured
                for app in replicas[service]
            )

        for _ in range(MAX_ROUNDS):
            for _ in range(3):
                posts.append(
                    await next(alternate).published_post(unit_id, title=f"岗位{len(posts)}")
                )
            for _ in range(3):
                world = next(alternate)
                _, student = await world.student()
                r = await world.client.post(
                    "/v1/applications",
                    headers=student,
                    json={"season_id": SEASON, "choices": posts[-1 - len(applications) % 3 :]},
                )
                assert r.status_code == 201, r.text
                applications.append(r.json()["application_id"])
            for _ in range(4):
                responses += 1
                event = ResponseSubmittedV1(
                    response_id=f"web-{responses}",
                    questionnaire_id=QID,
                    answers=GOOD,
                    submitted_at=datetime(2026, 8, 20, 10, 0, tzinfo=UTC),
                )
                await producer.send_and_wait(
                    survey.topic("survey.responses.v1"),
                    new_event(event, source="/tests/web", sequence=1).to_bytes(),
                    key=event.response_id.encode(),
                )
            with contextlib.suppress(AssertionError):
                await eventually(everyone_took_part, within=5, what="every replica's part")
                break
        assert await everyone_took_part(), {
            (service, group): [_processed(a, group) for a in replicas[service]]
            for service, group in measured
        }

        async def all_done_once() -> bool:
            m_posts = await fetch_all(matching.database_url, "SELECT post_id FROM post")
            m_apps = await fetch_all(
                matching.database_url, "SELECT application_id FROM application"
            )
            sent = await fetch_all(
                notify.database_url,
                "SELECT count(*) AS n FROM notification WHERE purpose = 'application-received'",
            )
            stored = await fetch_all(survey.database_url, "SELECT count(*) AS n FROM response")
            return (
                sorted(r["post_id"] for r in m_posts) == sorted(posts)
                and sorted(r["application_id"] for r in m_apps) == sorted(applications)
                and sent[0]["n"] == len(applications)
                and stored[0]["n"] == responses
            )

        await eventually(all_done_once, within=90, what="every event's effect, once")

        # Each event was handled by one replica (a redelivery after a rebalance is absorbed by
        # the inbox and not counted as processed): the replicas' counts add up to the events.
        def total(service: str, group: str) -> int:
            return sum(_processed(a, group) for a in replicas[service])

        assert total("matching", "matching.read-model-posts") == len(posts)
        assert total("survey", "survey.store-responses") == responses
