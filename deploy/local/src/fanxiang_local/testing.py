"""pytest fixtures for real Kafka and PostgreSQL (registered by the repo's root conftest.py).

Where they come from, in order: an explicit URL in the environment (``TEST_DATABASE_URL`` or
``DATABASE_URL``; ``TEST_KAFKA_BOOTSTRAP_SERVERS`` or ``KAFKA_BOOTSTRAP_SERVERS``), else
testcontainers when a Docker engine answers, else local processes (`fanxiang_local`). Tests are
never skipped for want of Docker.

Each test gets its own databases and its own topic namespace (`service_settings`), so tests
share one broker and one server without seeing each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from fanxiang_common import devkeys
from fanxiang_common.auth import Principal, Role, issue_token
from fanxiang_common.db.pool import connect, drop_database
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_common.settings import ServiceSettings
from fanxiang_local.kafka import KafkaNode
from fanxiang_local.postgres import PostgresCluster
from fanxiang_local.proc import free_port

S = TypeVar("S", bound=ServiceSettings)


def _docker_available() -> bool:
    if os.environ.get("FANXIANG_NO_DOCKER"):
        return False
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests may create databases on."""
    if url := os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL"):
        yield url
        return
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="fanxiang-pg-")), fast=True).start()
    try:
        yield cluster.url
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A real Kafka broker's bootstrap address, shared by the session."""
    if url := os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS") or os.environ.get(
        "KAFKA_BOOTSTRAP_SERVERS"
    ):
        yield url
        return
    if _docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:3.9.1").with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
        return
    # 1 GiB: the whole suite's topics pass through this one broker (each test deletes its own).
    node = KafkaNode(Path(tempfile.mkdtemp(prefix="fanxiang-kafka-")), heap="1g").start()
    try:
        yield node.bootstrap
    finally:
        node.stop()


@pytest.fixture
def own_kafka(tmp_path: Path) -> Iterator[KafkaNode]:
    """A Kafka node of this test's own, which the test may stop and start (fault tests)."""
    node = KafkaNode(tmp_path / "kafka", heap="384m").start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of this test's own, which the test may stop and start (fault tests).
    Not under pytest's tmp_path: user postgres cannot enter root's private pytest folders."""
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="fanxiang-pg-")), fast=True).start()
    try:
        yield cluster
    finally:
        cluster.destroy()


class SettingsFactory:
    """Builds settings for any service, all sharing this test's databases and namespace."""

    def __init__(self, server_url: str, bootstrap: str) -> None:
        self.server_url = server_url
        self.bootstrap = bootstrap
        self.tag = uuid.uuid4().hex[:10]
        self.namespace = f"t{self.tag}."
        self.databases: list[str] = []

    def __call__(self, cls: type[S], **overrides: Any) -> S:
        database = f"fx_{self.tag}_{cls.service}"
        url = self.server_url.rsplit("/", 1)[0] + f"/{database}"
        if url not in self.databases:
            self.databases.append(url)
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": url,
            "database_server_url": self.server_url,
            "kafka_bootstrap_servers": self.bootstrap,
            "kafka_namespace": self.namespace,
            "kafka_session_timeout_ms": 6000,
            "outbox_poll_interval_s": 0.2,
            "gc_freeze": False,  # many services start in this one process
            "log_format": "text",
            **overrides,
        }
        return cls(**values)

    async def clean_up(self) -> None:
        """Drop this factory's databases and delete its topics. The topics matter: a suite
        creates some 18 topics × 6 partitions per test, and one broker's heap does not hold
        tens of thousands of partitions."""
        for url in self.databases:
            with contextlib.suppress(Exception):
                await drop_database(url)
        with contextlib.suppress(Exception):
            await delete_namespace_topics(self.bootstrap, self.namespace)


async def delete_namespace_topics(bootstrap: str, namespace: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="fanxiang-tests")
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(namespace)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


@pytest_asyncio.fixture
async def service_settings(
    postgres_server_url: str, kafka_bootstrap: str
) -> AsyncIterator[SettingsFactory]:
    """``service_settings(PlacementSettings)`` → settings on fresh databases and topics."""
    factory = SettingsFactory(postgres_server_url, kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, namespace=factory.namespace)
    yield factory
    await factory.clean_up()


T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], *, within: float = 30.0, what: str = "condition"
) -> T:
    """Poll ``check`` until it returns a truthy value (which is returned), or fail."""
    deadline = time.monotonic() + within
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            if result := await check():
                return result
        except AssertionError as exc:
            last = exc
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {within:.0f} s") from last


async def fetch_all(dsn: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of one query on a service's database, as dicts (a test reading what was stored)."""
    conn = await connect(dsn)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def is_ready(client: httpx.AsyncClient) -> bool:
    """The service's /readyz says ready (its database and Kafka answer)."""
    return (await client.get("/readyz")).status_code == 200


async def outbox_empty(dsn: str) -> bool:
    """Everything the service wrote to its outbox has been relayed to Kafka."""
    return not await fetch_all(dsn, "SELECT 1 FROM outbox LIMIT 1")


@contextlib.asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start a service app (lifespan: database, Kafka, relay, consumers) and give an HTTP client."""
    async with (
        # Generous: on a loaded 2-core machine a consumer caught mid-rebalance takes a while to leave.
        LifespanManager(app, startup_timeout=120, shutdown_timeout=90) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        yield client


def bearer(role: Role, subject: str = "tester", **scope: str) -> dict[str, str]:
    """Headers with a development-key token for ``role`` (e.g. ``county="140302"``)."""
    token = issue_token(Principal(subject=subject, role=role, **scope), devkeys.PRIVATE_KEY)
    return {"Authorization": f"Bearer {token}"}


class LiveServer:
    """A service app served by uvicorn on 127.0.0.1 in a thread of this process (its own event
    loop, lifespan on), for clients that need a real socket: a browser, schemathesis."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server at {self.url} did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
