"""The transactional outbox: events are written with the business change, then relayed.

`add_event` runs inside the caller's transaction, so an event exists exactly when its fact does;
an accepted request is never lost because Kafka is down. `OutboxRelay` sends committed rows to
Kafka in order, in batches, through the idempotent producer, and deletes them once Kafka has
acknowledged them. One relay per database leads (advisory lock); the others wait as stand-bys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from fanxiang_common.events.envelope import Envelope, EventData, new_event

log = logging.getLogger(__name__)

_RELAY_LOCK_KEY = 0x6F757462  # "outb"
_CHANNEL = "outbox"


_INSERT_AND_WAKE = (
    """
    WITH stored AS (
        INSERT INTO outbox (event_id, topic, key, event_type, payload)
        SELECT e, t, k, y, p
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[])
             WITH ORDINALITY AS u(e, t, k, y, p, n)
        ORDER BY n  -- positions follow the list: the relay's order
        RETURNING 1
    )
    SELECT pg_notify('"""
    + _CHANNEL
    + """', '') FROM (SELECT 1 FROM stored LIMIT 1) AS any_row
"""
)


async def add_event(conn: asyncpg.Connection, data: EventData, *, source: str) -> Envelope:
    """Mint the event for ``data`` and store it in the outbox, in the caller's transaction
    (two round trips: its sequence number, then the row and the relay's wake-up together)."""
    [envelope] = await add_events(conn, [data], source=source)
    return envelope


async def add_events(
    conn: asyncpg.Connection, events: Sequence[EventData], *, source: str
) -> list[Envelope]:
    """`add_event` for many events at once (e.g. a round's offers): two round trips however
    many there are. Each aggregate's events get consecutive sequence numbers in list order,
    and the relay sends them in list order."""
    if not conn.is_in_transaction():
        raise RuntimeError("add_event must run inside the business transaction")
    if not events:
        return []
    sequences = await _reserve_sequences(conn, events)
    envelopes = [
        new_event(data, source=source, sequence=sequence)
        for data, sequence in zip(events, sequences, strict=True)
    ]
    await conn.execute(
        _INSERT_AND_WAKE,
        [e.id for e in envelopes],
        [d.topic.name for d in events],
        [d.aggregate_id for d in events],
        [d.type for d in events],
        [e.to_bytes() for e in envelopes],
    )
    return envelopes


async def _reserve_sequences(conn: asyncpg.Connection, events: Sequence[EventData]) -> list[int]:
    """Each event's per-aggregate sequence number, reserving them all in one statement. The
    aggregates are locked in a fixed order so two transactions cannot deadlock on them."""
    counts = Counter((d.topic.aggregate, d.aggregate_id) for d in events)
    keys = sorted(counts)
    rows = await conn.fetch(
        """INSERT INTO aggregate_sequence (aggregate_type, aggregate_id, last_sequence)
           SELECT t, i, n FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(t, i, n)
           ORDER BY t, i
           ON CONFLICT (aggregate_type, aggregate_id)
           DO UPDATE SET last_sequence = aggregate_sequence.last_sequence + EXCLUDED.last_sequence
           RETURNING aggregate_type, aggregate_id, last_sequence""",
        [t for t, _ in keys],
        [i for _, i in keys],
        [counts[k] for k in keys],
    )
    # The first of an aggregate's n new numbers is last - n + 1; hand them out in list order.
    following = {
        (r["aggregate_type"], r["aggregate_id"]): r["last_sequence"]
        - counts[(r["aggregate_type"], r["aggregate_id"])]
        for r in rows
    }
    sequences = []
    for d in events:
        key = (d.topic.aggregate, d.aggregate_id)
        following[key] += 1
        sequences.append(following[key])
    return sequences


@dataclass(frozen=True)
class OutboxCtes:
    """`add_events` as common table expressions for the caller's own statement: the events
    are stored by the statement that makes the change, in one round trip, with no explicit
    transaction needed (one statement is atomic). ``sql`` is ``name AS (…)`` clauses to put
    in the caller's ``WITH`` (after the CTE named by ``gate``); ``args`` are the values of its
    parameters ``$first``, ``$first+1``, …, appended to the caller's own."""

    sql: str
    args: list[Any]


_SEQUENCE_MARK = b',"sequence":1,"data":'


def outbox_ctes(
    events: Sequence[EventData], *, source: str, first: int, gate: str | None = None
) -> OutboxCtes:
    """The CTEs that store ``events`` as `add_events` does: consecutive per-aggregate sequence
    numbers in list order (reserved in the statement, aggregates locked in a fixed order
    before any outbox position is taken, so the relay's order per aggregate holds), rows in
    list order, and the relay woken. With ``gate`` (the name of one of the caller's CTEs,
    e.g. an ``INSERT … ON CONFLICT DO NOTHING RETURNING``), nothing is stored unless it
    returned a row. The sequence number is only known inside the statement, so each envelope
    is sent as the bytes before and after it, and PostgreSQL puts the number between."""
    envelopes = [new_event(data, source=source, sequence=1) for data in events]
    heads, tails = [], []
    for envelope in envelopes:
        raw = envelope.to_bytes()
        # The first occurrence is the envelope's own: every field before it is a string (its
        # quotes escaped) and ``data`` comes after it.
        cut = raw.index(_SEQUENCE_MARK) + len(b',"sequence":')
        heads.append(raw[:cut])
        tails.append(raw[cut + 1 :])
    p = [f"${first + i}" for i in range(7)]
    only_if = f" WHERE EXISTS (SELECT 1 FROM {gate})" if gate else ""
    sql = f"""
    outbox_event AS (
        SELECT u.*,
               row_number() OVER (PARTITION BY u.agg, u.k ORDER BY u.n) AS nth,
               count(*) OVER (PARTITION BY u.agg, u.k) AS many
        FROM unnest({p[0]}::uuid[], {p[1]}::text[], {p[2]}::text[], {p[3]}::text[],
                    {p[4]}::text[], {p[5]}::bytea[], {p[6]}::bytea[])
             WITH ORDINALITY AS u(e, t, agg, k, y, head, tail, n){only_if}
    ),
    outbox_sequence AS (
        INSERT INTO aggregate_sequence (aggregate_type, aggregate_id, last_sequence)
        SELECT agg, k, count(*) FROM outbox_event GROUP BY agg, k
        ORDER BY agg, k  -- a fixed locking order: no deadlocks between two writers
        ON CONFLICT (aggregate_type, aggregate_id)
        DO UPDATE SET last_sequence = aggregate_sequence.last_sequence + EXCLUDED.last_sequence
        RETURNING aggregate_type, aggregate_id, last_sequence
    ),
    outbox_stored AS (
        INSERT INTO outbox (event_id, topic, key, event_type, payload)
        SELECT ev.e, ev.t, ev.k, ev.y,
               ev.head || convert_to((s.last_sequence - ev.many + ev.nth)::text, 'UTF8')
               || ev.tail
        FROM outbox_event ev
        JOIN outbox_sequence s ON s.aggregate_type = ev.agg AND s.aggregate_id = ev.k
        ORDER BY ev.n  -- positions follow the list (the sort reads every sequence first)
        -- A data-modifying CTE runs to completion, RETURNING included, whether or not it is
        -- read; PostgreSQL sends one notification per channel and payload per transaction.
        RETURNING pg_notify('{_CHANNEL}', '')
    )"""
    args: list[Any] = [
        [e.id for e in envelopes],
        [d.topic.name for d in events],
        [d.topic.aggregate for d in events],
        [d.aggregate_id for d in events],
        [d.type for d in events],
        heads,
        tails,
    ]
    return OutboxCtes(sql, args)


ProducerFactory = Callable[[], Awaitable[AIOKafkaProducer]]


class OutboxRelay:
    """Moves committed outbox rows to Kafka. Run `run()` as a background task."""

    def __init__(
        self,
        dsn: str,
        producer_factory: ProducerFactory,
        *,
        topic_name: Callable[[str], str] = lambda t: t,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        send_timeout_s: float = 30.0,
    ) -> None:
        self._dsn = dsn
        self._producer_factory = producer_factory
        self._topic_name = topic_name
        self._batch_size = batch_size
        self._poll = poll_interval_s
        self._send_timeout = send_timeout_s
        self._wake = asyncio.Event()
        self.relayed = 0
        self.is_leader = False
        self.last_error: str | None = None

    async def run(self) -> None:
        backoff = self._poll
        while True:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.is_leader = False
                self._note_error("database", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _lead(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        try:
            # Another replica may be relaying: wait for its session (and lock) to end.
            await conn.execute("SELECT pg_advisory_lock($1)", _RELAY_LOCK_KEY)
            self.is_leader = True
            await conn.add_listener(_CHANNEL, lambda *_: self._wake.set())
            await self._relay_forever(conn)
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await conn.close()

    async def _relay_forever(self, conn: asyncpg.Connection) -> None:
        producer: AIOKafkaProducer | None = None
        backoff = self._poll
        try:
            while True:
                try:
                    if producer is None:
                        producer = await self._producer_factory()
                    sent = await self.relay_batch(conn, producer)
                    backoff = self._poll
                    self.last_error = None
                except TimeoutError as exc:  # Kafka did not acknowledge in time
                    self._note_error("kafka", exc)
                    await self._reset(producer)
                    producer = None
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    raise
                except Exception as exc:  # Kafka unreachable or the producer wedged
                    self._note_error("kafka", exc)
                    await self._reset(producer)
                    producer = None  # a fresh producer avoids aiokafka's stuck-sequence state
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if sent < self._batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll)
        finally:
            if producer is not None:
                with contextlib.suppress(Exception):
                    await producer.stop()

    async def relay_batch(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        """Send one batch in position order; delete it once every message is acknowledged."""
        async with conn.transaction():
            rows = await conn.fetch(
                "SELECT position, event_id, topic, key, event_type, payload FROM outbox"
                " ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
            )
            if not rows:
                return 0
            futures = [
                await producer.send(
                    self._topic_name(r["topic"]),
                    value=r["payload"],
                    key=r["key"].encode(),
                    headers=[
                        ("ce_id", str(r["event_id"]).encode()),
                        ("ce_type", r["event_type"].encode()),
                        ("content-type", b"application/cloudevents+json"),
                    ],
                )
                for r in rows
            ]
            await asyncio.wait_for(asyncio.gather(*futures), self._send_timeout)
            await conn.execute(
                "DELETE FROM outbox WHERE position = ANY($1::bigint[])",
                [r["position"] for r in rows],
            )
        self.relayed += len(rows)
        return len(rows)

    @staticmethod
    async def _reset(producer: AIOKafkaProducer | None) -> None:
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    def _note_error(self, part: str, exc: BaseException) -> None:
        message = f"{part}: {type(exc).__name__}: {exc}"
        if message != self.last_error:
            log.warning("outbox relay waiting", extra={"error": message})
        self.last_error = message
