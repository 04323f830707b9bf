"""Round jobs: solve, check and explain an accepted round in the background.

``POST /v1/rounds`` stores the round 'running' with its input and hands it here. A job runs
the pure computation in a worker thread (off the event loop), writes its progress to the row
at most ``PROGRESS_EVERY_S`` apart, and ends the round 'run' (ready for review) or, on an
unexpected error, 'failed' with the error. Rounds a stopped or crashed process left 'running'
are taken up again at start-up (and by a periodic sweep) from their stored input: the solver
is deterministic, so they end as they would have.

A job holds a PostgreSQL advisory lock on its round for as long as it runs, so two replicas
never run the same round; a crashed replica's lock goes with its connection. Jobs belong to
the service runtime: stopping it cancels them, and the worker thread stops at the solver's
next progress call.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading

import asyncpg

from matching_service.api import computation
from matching_service.db import rounds

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.25  # at most four progress writes per second per round
MAX_ERROR_CHARS = 2000


class _Stopped(Exception):
    """Raised inside the worker thread when the job was cancelled (the service stops)."""


class _Latest:
    """The newest progress the worker thread reported; read by the writer on the loop.
    (One attribute assignment: atomic under the GIL, so no lock is needed.)"""

    def __init__(self) -> None:
        self.value: tuple[str, int, int] | None = None
        self.stop = threading.Event()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.stop.is_set():
            raise _Stopped
        self.value = (phase, done, total)


class RoundJobs:
    def __init__(self, pool: asyncpg.Pool, *, concurrency: int = 1) -> None:
        self._pool = pool
        # Solving is CPU-bound: more rounds at once only share the same cores.
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, round_id: str, given: computation.RoundInput | None = None) -> None:
        """Run ``round_id`` (stored 'running') in the background; ``given`` is its stored
        input, when the caller has it in memory (else it is read back)."""
        if round_id in self._tasks:
            return
        task = asyncio.create_task(self._run(round_id, given), name=f"round-{round_id}")
        self._tasks[round_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(round_id, None))

    async def resume(self) -> int:
        """Take up every round left 'running' (by this process or a crashed one)."""
        async with self._pool.acquire() as conn:
            ids = await rounds.running_round_ids(conn)
        for round_id in ids:
            self.start(round_id)
        return len(ids)

    async def sweep(self, interval_s: float) -> None:
        """Resume at start-up, then now and then (a replica that crashed mid-round)."""
        while True:
            try:
                await self.resume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: try again later
                log.warning("could not look for running rounds", extra={"error": str(exc)})
            await asyncio.sleep(interval_s)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)

    async def _run(self, round_id: str, given: computation.RoundInput | None) -> None:
        try:
            async with self._slots, self._pool.acquire() as conn:
                key = _lock_key(round_id)
                if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    return  # another replica runs it
                try:
                    await self._run_locked(conn, round_id, given)
                finally:
                    with contextlib.suppress(Exception):
                        await conn.execute("SELECT pg_advisory_unlock($1)", key)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database went away: the round stays 'running', resumed later
            log.exception("round job stopped", extra={"round_id": round_id})

    async def _run_locked(
        self, conn: asyncpg.Connection, round_id: str, given: computation.RoundInput | None
    ) -> None:
        if await rounds.status_of(conn, round_id) != "running":
            return  # finished meanwhile (another replica, before we took the lock)
        if given is None:  # resumed: from the stored input
            row = await rounds.get_round(conn, round_id)
            assert row is not None
            given = computation.RoundInput(
                instance=row["instance"],
                post_facts=row["post_facts"],
                student_facts=row["student_facts"],
                based_on=row["based_on"],
            )
        latest = _Latest()
        done = asyncio.Event()
        writer = asyncio.create_task(_write_progress(conn, round_id, latest, done))
        try:
            computed = await asyncio.to_thread(
                computation.compute,
                given.instance,
                given.post_facts,
                given.student_facts,
                parsed=given.parsed,
                progress=latest,
            )
        except asyncio.CancelledError:
            latest.stop.set()  # the thread ends at the solver's next progress call
            done.set()  # let the writer finish its statement: the connection stays usable
            await asyncio.wait([writer], timeout=2)
            raise
        except Exception as exc:
            done.set()
            await writer
            log.exception("round failed", extra={"round_id": round_id})
            await rounds.fail_round(conn, round_id, _describe(exc))
            return
        done.set()
        await writer
        # Writing 10^5 explanations takes a while too: say so.
        students = computed.result["stats"]["students"]
        await rounds.set_progress(conn, round_id, {"phase": "store", "done": 0, "total": students})
        await rounds.finish_round(
            conn,
            round_id,
            result=computed.result,
            explanations=computed.explanations,
            checks=computed.checks,
        )
        log.info(
            "round ready for review",
            extra={"round_id": round_id, "placed": computed.result["stats"]["placed"]},
        )


async def _write_progress(
    conn: asyncpg.Connection, round_id: str, latest: _Latest, done: asyncio.Event
) -> None:
    written: tuple[str, int, int] | None = None
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), PROGRESS_EVERY_S)
        value = latest.value
        if value is not None and value != written and not done.is_set():
            phase, n_done, total = value
            await rounds.set_progress(
                conn, round_id, {"phase": phase, "done": n_done, "total": total}
            )
            written = value


def _lock_key(round_id: str) -> int:
    """A 64-bit advisory-lock key for the round (hashtext's 32 bits could collide)."""
    digest = hashlib.blake2b(f"round-job:{round_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
