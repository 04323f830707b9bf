"""The delivery worker: sends queued deliveries on their channels, retries with backoff,
dead-letters after the last try, and writes the trail. Runs as a background task of the
service (see `app.NotifyRuntime`); several replicas share the queue (SKIP LOCKED + leases).

A try is claimed under a lease and committed *before* the provider is called, and its outcome
is committed right after. A worker killed in between leaves a lapsed lease: the try is made
again with the same idempotency key (email Message-ID, SMS SessionContext), so providers and
mail clients can recognise the repeat. That window is the only place an external channel can
repeat itself; the notification itself exists exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from fanxiang_common.db.outbox import add_event
from fanxiang_common.events.notify import DeliveryDeadLetteredV1
from notify_service.channels.base import Outgoing, Sender, SendError
from notify_service.db import deliveries as db
from notify_service.db.notifications import WAKE_CHANNEL
from notify_service.domain import templates
from notify_service.domain.channels import Channel
from notify_service.domain.deliveries import Status, after_failure
from notify_service.domain.ratelimit import LIMITS, longest_window, next_allowed
from notify_service.domain.templates import Language
from notify_service.domain.timing import QuietHours

log = logging.getLogger(__name__)

_DB_DOWN = (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError)


@dataclass
class WorkerStats:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0
    reclaimed: int = 0


def render_for(row: Mapping[str, Any]) -> templates.Rendered:
    template = templates.get(row["template"], row["template_version"])
    params = dict(row["params"] or {})
    if params.get("post_title") is None and row.get("post_title"):
        params["post_title"] = row["post_title"]
    language = Language.EN if row.get("language") == "en" else Language.ZH
    return templates.render(template, params, language)


class DeliveryWorker:
    def __init__(
        self,
        *,
        dsn: str,
        pool: asyncpg.Pool,
        senders: Mapping[Channel, Sender],
        quiet: QuietHours,
        source: str,
        batch: int = 200,
        concurrency: int = 20,
        poll_s: float = 1.0,
        lease_s: float = 60.0,
        backoff_scale: float = 1.0,
    ) -> None:
        self.dsn, self.pool, self.senders = dsn, pool, dict(senders)
        self.quiet, self.source = quiet, source
        self.batch, self.poll_s, self.lease_s = batch, poll_s, lease_s
        self.backoff_scale = backoff_scale
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._last_reclaim = 0.0
        self.stats = WorkerStats()

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="notify-worker-listen")
        delay = self.poll_s
        try:
            while True:
                try:
                    handled = await self.run_once()
                    delay = self.poll_s
                except asyncio.CancelledError:
                    raise
                except _DB_DOWN as exc:
                    log.warning("delivery worker: database unavailable", extra={"error": str(exc)})
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)
                    continue
                except Exception:
                    log.exception("delivery worker: unexpected error; continuing")
                    await asyncio.sleep(delay)
                    continue
                if handled < self.batch:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_s)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
            for sender in self.senders.values():
                with contextlib.suppress(Exception):
                    await sender.close()

    async def _listen(self) -> None:
        """Wake the loop as soon as a consumer queues something (polling is the fallback)."""
        while True:
            try:
                conn = await asyncpg.connect(self.dsn)
                try:
                    await conn.add_listener(WAKE_CHANNEL, lambda *_: self._wake.set())
                    closed = asyncio.Event()
                    conn.add_termination_listener(lambda _, done=closed: done.set())
                    await closed.wait()
                finally:
                    with contextlib.suppress(Exception):
                        await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(self.poll_s * 5)

    async def run_once(self) -> int:
        """Reclaim lapsed leases now and then, claim a batch, send it; returns its size."""
        async with self.pool.acquire() as conn:
            if time.monotonic() - self._last_reclaim > min(self.lease_s / 2, 30):
                self._last_reclaim = time.monotonic()
                self.stats.reclaimed += await db.reclaim_expired(conn)
            rows = await db.claim(conn, self.batch, self.lease_s)
        if rows:
            await asyncio.gather(*(self._guarded(dict(r)) for r in rows))
        return len(rows)

    async def _guarded(self, row: dict[str, Any]) -> None:
        async with self._slots:
            try:
                await self.deliver(row)
            except _DB_DOWN:
                # The outcome could not be recorded: the lease lapses and the try is repeated.
                log.warning("delivery outcome not recorded", extra={"delivery": row["delivery_id"]})

    # --- one delivery -----------------------------------------------------------------------

    async def deliver(self, row: dict[str, Any]) -> None:
        channel = Channel(row["channel"])
        now = datetime.now(UTC)
        attempt = row["attempts"]
        if channel is Channel.INBOX:  # a reminder whose time has come
            return await self._finish(row, Status.DELIVERED, None)
        if row["expires_at"] is not None and row["expires_at"] <= now:
            return await self._dead(row, "expired before it could be sent")
        sender = self.senders.get(channel)
        if sender is None:
            return await self._finish(row, Status.SKIPPED, "channel not configured")
        async with self.pool.acquire() as conn:
            if not row["essential"] and await db.opted_out(conn, row["recipient"], channel):
                return await self._finish(row, Status.SKIPPED, "opted out", conn=conn)
            address = db.contact_address(row, channel)
            if address is None and row["known"]:
                return await self._finish(
                    row, Status.SKIPPED, f"no {channel.value} address", conn=conn
                )
            limits = LIMITS[channel]
            if address is not None and limits:
                sent = await db.sent_times(
                    conn, row["recipient"], channel, now - longest_window(limits)
                )
                wait = next_allowed(sent, now, limits)
                if wait is not None:
                    self.stats.deferred += 1
                    return await db.finish(
                        conn, row["delivery_id"], Status.QUEUED, attempt=attempt,
                        detail="rate limit: waiting for room", due_at=wait, count_attempt=False,
                    )  # fmt: skip
        if address is None:
            return await self._failed(row, "the recipient is not in notify's directory yet", False)
        rendered = render_for(row)
        secret = row["secret"] or {}
        message = Outgoing(
            delivery_id=row["delivery_id"],
            notification_id=row["notification_id"],
            channel=channel,
            address=address,
            title=rendered.title,
            body=rendered.body,
            language=row["language"],
            essential=row["essential"],
            created_at=row["created_at"],
            sms_text=templates.current(row["template"]).sms,
            sms_params=dict(secret),
        )
        try:
            result = await sender.send(message)
        except SendError as exc:
            return await self._failed(row, str(exc), exc.permanent)
        except Exception as exc:  # an adapter bug must not lose the delivery
            return await self._failed(row, f"{type(exc).__name__}: {exc}", False)
        status = Status.DELIVERED if result.delivered else Status.SENT
        await self._finish(row, status, None, provider_ref=result.provider_ref)

    async def _finish(
        self,
        row: Mapping[str, Any],
        status: Status,
        detail: str | None,
        *,
        provider_ref: str | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> None:
        async with contextlib.AsyncExitStack() as stack:
            if conn is None:
                conn = await stack.enter_async_context(self.pool.acquire())
            await db.finish(
                conn, row["delivery_id"], status, attempt=row["attempts"], detail=detail,
                provider_ref=provider_ref,
            )  # fmt: skip
        counter = {Status.SENT: "sent", Status.DELIVERED: "delivered", Status.SKIPPED: "skipped"}
        name = counter.get(status)
        if name:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    async def _failed(self, row: Mapping[str, Any], why: str, permanent: bool) -> None:
        outcome = after_failure(
            Channel(row["channel"]),
            row["attempts"],
            datetime.now(UTC),
            permanent=permanent,
            urgent=row["urgent"],
            expires_at=row["expires_at"],
            quiet=self.quiet,
            rand=random.random(),
            scale=self.backoff_scale,
        )
        if outcome.status is Status.DEAD:
            return await self._dead(row, why)
        self.stats.failed += 1
        async with self.pool.acquire() as conn:
            await db.finish(
                conn, row["delivery_id"], Status.QUEUED, attempt=row["attempts"], detail=why,
                due_at=outcome.due_at,
            )  # fmt: skip

    async def _dead(self, row: Mapping[str, Any], why: str) -> None:
        """The last try failed: dead-letter it (the coordinator sees it) and say so on Kafka."""
        self.stats.dead += 1
        async with self.pool.acquire() as conn, conn.transaction():
            await db.finish(
                conn, row["delivery_id"], Status.DEAD, attempt=row["attempts"], detail=why
            )
            await add_event(
                conn,
                DeliveryDeadLetteredV1(
                    notification_id=str(row["notification_id"]),
                    delivery_id=row["delivery_id"],
                    recipient=row["recipient"],
                    purpose=row["purpose"],
                    channel=row["channel"],
                    attempts=row["attempts"],
                    reason=why[:500],
                    source_event_id=str(row.get("source_event_id", "")),
                    source_type=str(row.get("source_type", "")),
                ),
                source=self.source,
            )
        log.warning(
            "delivery dead-lettered",
            extra={"delivery": row["delivery_id"], "channel": row["channel"], "error": why},
        )
