"""A plain-SQL migration runner.

Files named ``NNNN_slug.sql`` are applied in order, each in its own transaction, and recorded
with a checksum; an applied file that later changes is an error (write a new file instead). An
advisory lock lets several replicas start at once. Namespaces keep libs/common's own migrations
(the outbox and inbox) apart from each service's.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from fanxiang_common.db.pool import ensure_database
from fanxiang_common.settings import ServiceSettings

log = logging.getLogger(__name__)

COMMON_MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x66616E78  # "fanx"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    namespace: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(namespace: str, folder: Path) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_slug.sql")
        migrations.append(Migration(namespace, int(match[1]), path.name, path.read_text("utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a number")
    return migrations


async def migrate(dsn: str, sources: list[tuple[str, Path]]) -> list[str]:
    """Apply what is pending from each ``(namespace, folder)``; returns the applied names."""
    pending = [m for namespace, folder in sources for m in discover(namespace, folder)]
    conn = await asyncpg.connect(dsn)
    applied_now: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migration (
                   namespace  text NOT NULL,
                   version    int  NOT NULL,
                   name       text NOT NULL,
                   checksum   text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (namespace, version))"""
        )
        rows = await conn.fetch("SELECT namespace, version, name, checksum FROM schema_migration")
        done = {(r["namespace"], r["version"]): r for r in rows}
        for m in pending:
            row = done.get((m.namespace, m.version))
            if row is not None:
                if row["checksum"] != m.checksum:
                    raise MigrationError(
                        f"{m.namespace}/{m.name} changed after it was applied; "
                        "add a new migration instead of editing an applied one"
                    )
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migration (namespace, version, name, checksum)"
                    " VALUES ($1, $2, $3, $4)",
                    m.namespace,
                    m.version,
                    m.name,
                    m.checksum,
                )
            log.info("applied migration", extra={"migration": f"{m.namespace}/{m.name}"})
            applied_now.append(f"{m.namespace}/{m.name}")
    finally:
        await conn.close()  # closing the session releases the advisory lock
    return applied_now


async def migrate_service(settings: ServiceSettings, folder: Path | None) -> list[str]:
    """Create the service's database if needed, then apply libs/common's and its migrations."""
    await ensure_database(settings.database_url)
    sources = [("common", COMMON_MIGRATIONS)]
    if folder is not None:
        sources.append((settings.service, folder))
    return await migrate(settings.database_url, sources)
