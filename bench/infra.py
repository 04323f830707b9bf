"""Kafka and PostgreSQL for a benchmark: from the environment, else throwaway local processes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fanxiang_local.kafka import KafkaNode
from fanxiang_local.postgres import PostgresCluster


@contextlib.contextmanager
def infrastructure() -> Iterator[tuple[str, str]]:
    """Yields (PostgreSQL server URL, Kafka bootstrap)."""
    with contextlib.ExitStack() as stack:
        pg_url = os.environ.get("DATABASE_URL")
        if not pg_url:
            cluster = PostgresCluster(
                Path(tempfile.mkdtemp(prefix="fx-bench-pg-")), fast=False
            ).start()
            stack.callback(cluster.destroy)
            pg_url = cluster.url
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            node = KafkaNode(Path(tempfile.mkdtemp(prefix="fx-bench-kafka-")), heap="1g").start()
            stack.callback(node.stop)
            bootstrap = node.bootstrap
        yield pg_url, bootstrap
