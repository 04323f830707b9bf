"""The plain-SQL migration runner against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from fanxiang_common.db.migrate import MigrationError, migrate
from fanxiang_common.db.pool import connect, drop_database, ensure_database

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def database(postgres_server_url: str) -> AsyncIterator[str]:
    url = postgres_server_url.rsplit("/", 1)[0] + f"/fx_mig_{uuid.uuid4().hex[:8]}"
    assert await ensure_database(url)
    assert not await ensure_database(url)  # the second call finds it
    yield url
    await drop_database(url)


def write(folder: Path, name: str, sql: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(sql)


async def tables(url: str) -> set[str]:
    conn = await connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def test_migrations_apply_in_order_once(database: str, tmp_path: Path) -> None:
    write(tmp_path, "0002_b.sql", "ALTER TABLE a ADD COLUMN b int;")
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id int);")
    assert await migrate(database, [("svc", tmp_path)]) == ["svc/0001_a.sql", "svc/0002_b.sql"]
    assert await migrate(database, [("svc", tmp_path)]) == []
    write(tmp_path, "0003_c.sql", "CREATE TABLE c (id int);")
    assert await migrate(database, [("svc", tmp_path)]) == ["svc/0003_c.sql"]
    assert {"a", "c", "schema_migration"} <= await tables(database)


async def test_an_edited_applied_migration_is_an_error(database: str, tmp_path: Path) -> None:
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id int);")
    await migrate(database, [("svc", tmp_path)])
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(database, [("svc", tmp_path)])


async def test_a_failing_migration_leaves_nothing_half_done(database: str, tmp_path: Path) -> None:
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id int);")
    write(tmp_path, "0002_bad.sql", "CREATE TABLE half (id int); SELECT * FROM no_such_table;")
    with pytest.raises(asyncpg.UndefinedTableError):
        await migrate(database, [("svc", tmp_path)])
    assert "half" not in await tables(database)
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE fixed (id int);")
    assert await migrate(database, [("svc", tmp_path)]) == ["svc/0002_bad.sql"]


async def test_badly_named_files_are_refused(database: str, tmp_path: Path) -> None:
    write(tmp_path, "add-table.sql", "SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_slug\.sql"):
        await migrate(database, [("svc", tmp_path)])


async def test_replicas_starting_together_apply_each_file_once(
    database: str, tmp_path: Path
) -> None:
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id int);")
    results = await asyncio.gather(*(migrate(database, [("svc", tmp_path)]) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
