"""Events → notifications: one consumer group per purpose, ``notify.<purpose>``.

Each group reads the topics its rules name and, for every event, stores the notifications
its rules make, in the same transaction as the inbox claim. A purpose can therefore be
replayed, paused or lag on its own without touching the others. Exactly once per
(recipient, purpose, source event) holds twice over: the inbox skips an event the group has
handled, and the `notification_once` constraint refuses a second row whatever happens.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from aiokafka import ConsumerRecord

from fanxiang_common.events import Envelope
from fanxiang_common.kafka.consumer import EventConsumer, Handler, Resources
from notify_service.db import notifications
from notify_service.domain import rules as domain
from notify_service.domain.channels import Channel
from notify_service.domain.timing import QuietHours


@dataclass(frozen=True)
class Delivery:
    """What a consumer needs to know about the channels when it queues deliveries."""

    configured: Collection[Channel]
    quiet: QuietHours


@dataclass
class PurposeConsumer(EventConsumer):
    """An `EventConsumer` that lets pass, unparsed and unclaimed, the events of types its
    purpose has no rule for — most of a topic's traffic for most purposes. The type is read
    from the ``ce_type`` header the outbox relay sets; a message without it is handled the
    ordinary way (its handler then ignores it)."""

    types: frozenset[str] = field(default_factory=frozenset)

    async def process(
        self, record: ConsumerRecord[bytes, bytes], resources: Resources, *, dlt_topic: str
    ) -> None:
        for name, value in record.headers or ():
            if name == "ce_type":
                if value.decode(errors="replace") not in self.types:
                    self.stats.skipped_unknown += 1
                    return
                break
        await super().process(record, resources, dlt_topic=dlt_topic)


def handler_for(purpose: str, rules: Sequence[domain.Rule], delivery: Delivery) -> Handler:
    types = {r.event_type for r in rules}

    async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
        if envelope.type not in types:
            return
        now = datetime.now(UTC)
        for planned in domain.plan(envelope.type, envelope.data, now=now, rules=rules):
            await notifications.create(
                conn,
                planned,
                source_id=envelope.id,
                source_type=envelope.type,
                now=now,
                configured=delivery.configured,
                quiet=delivery.quiet,
            )

    handle.__doc__ = f"Notifications for '{purpose}' ({', '.join(sorted(types))})."
    return handle


def consumers(
    delivery: Delivery, rules: Sequence[domain.Rule] = domain.RULES
) -> list[EventConsumer]:
    out: list[EventConsumer] = []
    for purpose, purpose_rules in sorted(domain.purposes(rules).items()):
        topics = sorted({r.topic for r in purpose_rules})
        for topic in topics:
            # A purpose fed by two topics gets a group per topic (a group is one subscription).
            group = f"notify.{purpose}" if len(topics) == 1 else f"notify.{purpose}.{topic}"
            on_topic = [r for r in purpose_rules if r.topic == topic]
            out.append(
                PurposeConsumer(
                    group=group,
                    topic=topic,
                    handler=handler_for(purpose, on_topic, delivery),
                    types=frozenset(r.event_type for r in on_topic),
                )
            )
    return out
