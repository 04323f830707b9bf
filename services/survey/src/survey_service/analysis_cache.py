"""Analyses of stored responses, cached per (questionnaire, county scope) and keyed by the
questionnaire's revision (bumped by a trigger on every statement that stores responses, see
migration 0002), so a new response from the API, Kafka or an import invalidates the cache.

An entry keeps its accumulators (``Analyzer``: counters, bounded text samples) and the last
``seq`` it has added: when the revision moves, only the responses stored since are read and
added, then the result is built again — the same result as a pass over every response, since
both add them in ``seq`` order. Updated or deleted responses (``rewritten``, migration 0004)
start it again from nothing.

The revision and the responses are read in one REPEATABLE READ snapshot, so a cached result
always matches the revision it is stored under. Concurrent requests for the same scope wait
for one computation instead of each running it. Rendered reports (HTML, PDF, xlsx) are cached
beside the result they were made from. In memory, per process, a few entries: an entry is
aggregates and accumulators (counters, bounded text samples), whatever the number of
responses.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from survey_service.db import codec, store
from survey_service.domain import Analyzer, Questionnaire, Response, build_result
from survey_service.domain.analysis.privacy import MIN_GROUP

Key = tuple[str, str | None]  # (questionnaire id, county or None for all)


@dataclass
class Entry:
    revision: int
    result: dict[str, Any]
    analyzer: Analyzer
    rewritten: int
    last_seq: int
    renders: dict[str, bytes] = field(default_factory=dict)


def _add_rows(analyzer: Analyzer, decode: codec.Decoder, rows: list[Any]) -> None:
    for i, row in enumerate(rows):
        analyzer.add(
            Response(
                row=i,
                fingerprint="",
                answers=decode(row["answers"]),
                submitted_at=row["submitted_at"],
                duration=row["duration_s"],
            )
        )


def _scoped(result: dict[str, Any], county: str | None) -> dict[str, Any]:
    result["scope"] = {"county": county}
    if 0 < result["responses"] < MIN_GROUP:
        result["questions"] = []
        result["crosstabs"] = []
        result["overview"] = {}
        result["suppressed"] = f"fewer than {MIN_GROUP} responses in this scope"
    return result


class AnalysisCache:
    def __init__(self, capacity: int = 32) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._locks: dict[Key, asyncio.Lock] = {}
        # One chromium at a time: a few hundred MB and most of a core for a few seconds.
        self.pdf_slot = asyncio.Semaphore(1)
        self.hits = 0
        self.misses = 0  # computed from nothing
        self.updates = 0  # brought up to date with the responses stored since

    async def entry(
        self, pool: asyncpg.Pool, questionnaire: Questionnaire, county: str | None
    ) -> Entry:
        """The current analysis of one scope: from the cache if no response changed since."""
        key: Key = (questionnaire.id, county)
        async with self._locks.setdefault(key, asyncio.Lock()):
            async with pool.acquire() as conn:
                current, _ = await store.revision(conn, questionnaire.id)
                cached = self._entries.get(key)
                if cached is not None and cached.revision == current:
                    self.hits += 1
                    self._entries.move_to_end(key)
                    return cached
                # The cached entry is taken out while it is brought up to date: should that
                # fail half-way, the next request starts from nothing.
                self._entries.pop(key, None)
                entry = await self._compute(conn, questionnaire, county, cached)
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                old, _ = self._entries.popitem(last=False)
                self._locks.pop(old, None)
            return entry

    async def render(
        self,
        pool: asyncpg.Pool,
        questionnaire: Questionnaire,
        county: str | None,
        fmt: str,
        make: Callable[[dict[str, Any]], Awaitable[bytes]],
    ) -> bytes:
        """A report of the current analysis, rendered once per revision and format."""
        entry = await self.entry(pool, questionnaire, county)
        if fmt not in entry.renders:
            entry.renders[fmt] = await make(entry.result)
        return entry.renders[fmt]

    async def _compute(
        self,
        conn: asyncpg.Connection,
        questionnaire: Questionnaire,
        county: str | None,
        cached: Entry | None,
    ) -> Entry:
        decoder = codec.Decoder(questionnaire)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            revision, rewritten = await store.revision(conn, questionnaire.id)
            if cached is not None and cached.rewritten == rewritten:
                self.updates += 1
                analyzer, last_seq = cached.analyzer, cached.last_seq
            else:
                self.misses += 1
                analyzer, last_seq = Analyzer(questionnaire), 0
            async for rows in store.stream_answers(conn, questionnaire.id, county, last_seq):
                await asyncio.to_thread(_add_rows, analyzer, decoder, rows)
                last_seq = rows[-1]["seq"]
        result = await asyncio.to_thread(
            build_result, analyzer, questionnaire, scoped=county is not None
        )
        return Entry(revision, _scoped(result, county), analyzer, rewritten, last_seq)
