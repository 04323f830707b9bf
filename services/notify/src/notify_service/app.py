"""Notify's composition root: consumers (directory + one group per purpose), the delivery
worker as a background task of the runtime, and the HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from notify_service.api import broadcasts, deliveries, inbox, preferences
from notify_service.channels import build_senders, configured_channels
from notify_service.channels.sink import MailSink
from notify_service.domain.timing import QuietHours
from notify_service.events import directory, notifications, withdrawals
from notify_service.settings import NotifySettings
from notify_service.worker import DeliveryWorker

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


class NotifyRuntime(ServiceRuntime):
    """The common runtime plus notify's delivery worker (and, in development, a mail sink)."""

    settings: NotifySettings

    def __init__(self, settings: NotifySettings) -> None:
        self.quiet = QuietHours(start=settings.quiet_start, end=settings.quiet_end)
        self.configured = configured_channels(settings)
        consumers = []
        if settings.run_consumers:
            delivery = notifications.Delivery(configured=self.configured, quiet=self.quiet)
            consumers = (
                directory.consumers() + notifications.consumers(delivery) + withdrawals.consumers()
            )
        super().__init__(settings, migrations=MIGRATIONS, consumers=consumers)
        self.worker: DeliveryWorker | None = None
        self.mail_sink: MailSink | None = None
        self._worker_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        if not self.settings.run_worker:
            return
        dev_port = None
        if self.settings.uses_dev_mail_sink:
            self.mail_sink = await asyncio.to_thread(self._start_sink)
            dev_port = self.mail_sink.port if self.mail_sink else None
        self.worker = DeliveryWorker(
            dsn=self.settings.database_url,
            pool=self.pool,
            senders=build_senders(self.settings, dev_mail_port=dev_port),
            quiet=self.quiet,
            source=self.settings.source,
            batch=self.settings.worker_batch,
            concurrency=self.settings.worker_concurrency,
            poll_s=self.settings.worker_poll_s,
            lease_s=self.settings.lease_s,
            backoff_scale=self.settings.backoff_scale,
        )
        self._worker_task = asyncio.create_task(self.worker.run(), name="notify-delivery-worker")

    def _start_sink(self) -> MailSink | None:
        folder = Path(self.settings.dev_mail_dir).resolve()
        try:
            sink = MailSink(port=self.settings.dev_mail_port, folder=folder).start()
        except Exception as exc:  # e.g. the port is taken by another notify replica's sink
            log.warning("development mail sink not started", extra={"error": str(exc)})
            return None
        log.info("development mail sink", extra={"port": sink.port, "folder": str(folder)})
        return sink

    async def stop(self) -> None:
        if self._worker_task is not None:
            self._worker_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker_task
            self._worker_task = None
        if self.mail_sink is not None:
            await asyncio.to_thread(self.mail_sink.stop)
            self.mail_sink = None
        await super().stop()


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    runtime = NotifyRuntime(settings)
    return create_service_app(
        runtime,
        title="Fanxiang notify",
        description="Notifications on every channel (inbox, email, SMS, WeChat), exactly once "
        "per person, purpose and event; liaison broadcasts.",
        routers=[inbox.router, preferences.router, broadcasts.router, deliveries.router],
    )
