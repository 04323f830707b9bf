"""A poison message on every topic any service consumes: each consumer group puts it on the
topic's dead-letter topic with its error, its partition moves on, `fanxiang dlt list` shows it
and `fanxiang dlt replay` sends it back (where it fails again, so it comes back once more)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from typer.testing import CliRunner

from fanxiang_cli.main import app as cli
from fanxiang_common.kafka.deadletters import dead_letter_topics, read_dead_letters
from fanxiang_local.testing import SettingsFactory, eventually, serve_in_process
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from notify_service.app import create_app as create_notify
from notify_service.settings import NotifySettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings

pytestmark = pytest.mark.integration

POISON = b"\x00 not an event {"


async def _committed(bootstrap: str, group: str, tp: TopicPartition) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group, partitions=[tp])
        meta = offsets.get(tp)
        return meta.offset if meta is not None else -1
    finally:
        await admin.close()


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["dlt", *args], catch_exceptions=False)


async def test_a_poison_message_on_every_consumed_topic_is_dead_lettered_and_replayable(
    service_settings: SettingsFactory,
) -> None:
    ns = service_settings.namespace
    bootstrap = service_settings.bootstrap
    apps = [
        create_placement(service_settings(PlacementSettings)),
        create_matching(service_settings(MatchingSettings)),
        create_survey(service_settings(SurveySettings)),
        create_notify(service_settings(NotifySettings, dev_mail_sink=False)),
    ]
    consumers = [(c.group, c.topic) for a in apps for c in a.state.runtime.consumers]
    topics = sorted({topic for _, topic in consumers})
    assert len(consumers) >= 8 and len(topics) >= 5, consumers  # every service consumes

    async with contextlib.AsyncExitStack() as stack:
        for a in apps:
            await stack.enter_async_context(serve_in_process(a))
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            sent = {
                t: await producer.send_and_wait(f"{ns}{t}", POISON, key=b"poison") for t in topics
            }
        finally:
            await producer.stop()

        async def all_dead_lettered() -> Counter[tuple[str, str]] | None:
            letters = await read_dead_letters(bootstrap, dead_letter_topics(ns))
            found = Counter((d.consumer_group, d.original_topic.removeprefix(ns)) for d in letters)
            return found if all(found[c] >= 1 for c in consumers) else None

        found = await eventually(all_dead_lettered, within=120, what="every group's dead letter")
        assert all(found[c] == 1 for c in consumers), found

        for group, topic in consumers:  # each group's partition has moved past the poison
            meta = sent[topic]
            tp = TopicPartition(meta.topic, meta.partition)

            async def moved_on(
                group: str = group, tp: TopicPartition = tp, at: int = meta.offset
            ) -> bool:
                return await _committed(bootstrap, f"{ns}{group}", tp) > at

            await eventually(moved_on, what=f"{group} past the poison on {topic}")

        listed = await asyncio.to_thread(
            _cli, "list", "--bootstrap", bootstrap, "--namespace", ns, "--json"
        )
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert len(rows) == len(consumers)
        assert all(r["error"] and r["consumer_group"] for r in rows), rows

        first = topics[0]
        groups_of_first = [g for g, t in consumers if t == first]
        replayed = await asyncio.to_thread(
            _cli, "replay", "--all-of", first, "--bootstrap", bootstrap, "--namespace", ns
        )
        assert replayed.exit_code == 0, replayed.stderr

        async def back_again() -> bool:
            letters = await read_dead_letters(bootstrap, dead_letter_topics(ns))
            again = Counter(d.consumer_group for d in letters if d.original_topic == f"{ns}{first}")
            return all(again[g] >= 1 + len(groups_of_first) for g in groups_of_first)

        # The topic's one DLT held one letter per group; replaying all of them sends each poison
        # back once, and every group dead-letters every copy again.
        await eventually(back_again, within=120, what="the replayed poison dead-lettered again")

        unknown = await asyncio.to_thread(
            _cli,
            "replay",
            f"{ns}{first}.dlt:0:999999",
            "--bootstrap",
            bootstrap,
            "--namespace",
            ns,
        )
        assert unknown.exit_code == 2 and "no dead letter" in unknown.stderr
