"""The web front end, placement, matching, survey and notify as real HTTP servers on 127.0.0.1, for a
browser to use. Matching builds its read model from placement's events on Kafka and publishes
its offers there, which placement turns into placements, as in production.

Each runs uvicorn in a thread of this process (its own event loop), on the databases and the
Kafka namespace of a `SettingsFactory`, exactly as `python -m <service>` would serve it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer

from fanxiang_common.events import new_event
from fanxiang_common.events.envelope import EventData
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_local.proc import free_port
from fanxiang_local.testing import LiveServer, SettingsFactory
from fanxiang_web.app import create_app as create_web
from fanxiang_web.settings import WebSettings
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from notify_service.app import create_app as create_notify
from notify_service.settings import NotifySettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion in a thread of its own: Playwright's sync API keeps an
    event loop running in the main thread, where ``asyncio.run`` is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def publish(stack: Stack, data: EventData, source: str) -> None:
    """Put an event on its topic as another service would."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka)
    await producer.start()
    try:
        envelope = new_event(data, source=source, sequence=1)
        await producer.send_and_wait(
            f"{stack.namespace}{data.topic.name}",
            envelope.to_bytes(),
            key=envelope.subject.encode(),
        )
    finally:
        await producer.stop()


@dataclass
class Stack:
    web: str
    placement: str
    matching: str
    survey: str
    kafka: str
    namespace: str
    """Prefix of this stack's topics."""


@contextlib.contextmanager
def running_stack(server_url: str, bootstrap: str) -> Iterator[Stack]:
    """Placement, matching, survey, notify and web on fresh databases and a fresh topic namespace;
    dropped afterwards."""
    factory = SettingsFactory(server_url, bootstrap)
    run_async(ensure_topics(bootstrap, namespace=factory.namespace))
    placement_port, matching_port, survey_port = free_port(), free_port(), free_port()
    notify_port, web_port = free_port(), free_port()
    placement = LiveServer(
        create_placement(factory(PlacementSettings, port=placement_port)), placement_port
    ).start()
    matching = LiveServer(
        create_matching(factory(MatchingSettings, port=matching_port)), matching_port
    ).start()
    survey = LiveServer(
        create_survey(factory(SurveySettings, port=survey_port)), survey_port
    ).start()
    # Notify keeps the inbox; no channel has a provider here, and no local mail sink.
    notify = LiveServer(
        create_notify(factory(NotifySettings, port=notify_port, dev_mail_sink=False)), notify_port
    ).start()
    web = LiveServer(
        create_web(
            factory(
                WebSettings,
                port=web_port,
                placement_url=placement.url,
                matching_url=matching.url,
                survey_url=survey.url,
                notify_url=notify.url,
                log_level="WARNING",
            )
        ),
        web_port,
    ).start()
    try:
        yield Stack(
            web=web.url,
            placement=placement.url,
            matching=matching.url,
            survey=survey.url,
            kafka=bootstrap,
            namespace=factory.namespace,
        )
    finally:
        web.stop()
        notify.stop()
        survey.stop()
        matching.stop()
        placement.stop()
        run_async(factory.clean_up())
