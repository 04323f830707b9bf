"""Matching rounds over HTTP: preview (dry run), run, review, publish.

Coordinators (团市委) do everything; a county committee reads its county's figures and the
placements and explanations of its county's students and posts. Every round is checked for
feasibility and stability by the checker that is independent of the solver; a round that
fails the check is stored (for investigation) but cannot be published. Publishing writes one
``OfferMadeV1`` per placed student and one ``RoundPublishedV1`` to the outbox in the same
transaction that marks the round published; afterwards the round is immutable.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.db.outbox import add_events
from fanxiang_common.errors import Conflict, NotFound, Unprocessable
from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.matching import NotPlacedV1, OfferMadeV1, RoundPublishedV1
from matching_service.api import computation
from matching_service.db import applications, rounds
from matching_service.domain import DEFAULT_SEED, InvalidInstance, parse_instance

router = APIRouter(prefix="/v1/rounds", tags=["rounds"])

Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR))]
Reader = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.COUNTY))]

DEFAULT_ANSWER_DAYS = 7
MAX_SEED = 2**63 - 1


class RoundRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locality: Literal["any", "home-county"] = Field(
        default="home-county",
        description="属地管理: 'home-county' places a student only in posts of their home "
        "county or 市直 ('city') posts; 'any' lifts the rule",
    )


class RoundRequest(BaseModel):
    """What a round matches: one season's open posts and live applications, under these rules."""

    model_config = ConfigDict(extra="forbid")

    season_id: str = Field(min_length=1)
    kind: Literal["main", "supplementary"] = Field(
        default="main",
        description="'supplementary' (补录): after the main round is published, places the "
        "students no published round placed into the seats still open or freed by declines",
    )
    rules: RoundRules = Field(default_factory=RoundRules)
    seed: int = Field(
        default=DEFAULT_SEED,
        ge=0,
        le=MAX_SEED,
        description="the lottery seed for equal scores (recorded with the round)",
    )
    include_undecided: bool = Field(
        default=False,
        description="also match applications whose eligibility (属地) is not decided yet",
    )
    locality_exceptions: list[str] = Field(
        default_factory=list,
        description="student ids the coordinator exempts from 属地管理 (recorded with the round)",
    )


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept_by: AwareDatetime | None = Field(
        default=None,
        description=f"students answer their offers by then (default: {DEFAULT_ANSWER_DAYS} days)",
    )


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.runtime.pool
    return pool


async def _build(request: Request, body: RoundRequest) -> computation.RoundInput:
    """The round ``body`` asks for, validated (422 naming the field) but not solved."""
    async with _pool(request).acquire() as conn:
        posts, apps, verdicts = await applications.season_input(
            conn, body.season_id, include_undecided=body.include_undecided
        )
        published = await rounds.published_in_season(conn, body.season_id)
        answers = await applications.season_answers(conn, body.season_id)
    taken: dict[str, int] = {}
    exclude: set[str] = set()
    if body.kind == "supplementary":
        if not any(r["kind"] == "main" for r in published):
            raise Unprocessable(
                f"season {body.season_id!r} has no published main round to supplement",
                loc=("body", "kind"),
            )
        taken, exclude = computation.supplementary_scope(published, answers)
    if not posts:
        raise Unprocessable(
            f"season {body.season_id!r} has no open posts in matching's read model",
            loc=("body", "season_id"),
        )
    students = {a["student_id"] for a in apps} - exclude
    for i, sid in enumerate(body.locality_exceptions):
        if sid not in students:
            raise Unprocessable(
                f"{sid!r} has no live application in season {body.season_id!r}",
                loc=("body", "locality_exceptions", i),
            )
    # Off the event loop: a city's season is 10^5-10^6 applications.
    instance, post_facts, student_facts = await asyncio.to_thread(
        computation.build_instance,
        posts,
        apps,
        verdicts,
        locality=body.rules.locality,
        seed=body.seed,
        locality_exceptions=set(body.locality_exceptions),
        taken=taken,
        exclude=exclude,
    )
    try:
        parsed = await asyncio.to_thread(parse_instance, instance)
    except InvalidInstance as exc:  # the read model broke the contract: say which record
        raise Unprocessable(f"the season's data is not a valid instance: {exc}") from None
    return computation.RoundInput(
        instance=instance,
        post_facts=post_facts,
        student_facts=student_facts,
        based_on=[r["round_id"] for r in published],
        parsed=parsed,
    )


def _figures(computed: computation.Computed) -> dict[str, Any]:
    return computation.summary(computed.result, computed.post_facts)


@router.post("/preview", summary="Dry run: what a round would give now (nothing is stored)")
async def preview(body: RoundRequest, request: Request, _: Coordinator) -> dict[str, Any]:
    given = await _build(request, body)
    computed = await asyncio.to_thread(
        computation.compute,
        given.instance,
        given.post_facts,
        given.student_facts,
        parsed=given.parsed,
    )
    stats = computed.result["stats"]
    return {
        "season_id": body.season_id,
        "kind": body.kind,
        "based_on": given.based_on,
        "locality": body.rules.locality,
        "seed": body.seed,
        "input_sha256": stats["input_sha256"],
        "figures": _figures(computed),
        "unmatched": computed.result["unmatched"],
        "checks": computed.checks,
    }


@router.post(
    "",
    status_code=202,
    summary="Run a round: accepted at once (status 'running'), solved in the background",
)
async def run_round(
    body: RoundRequest, request: Request, response: Response, principal: Coordinator
) -> dict[str, Any]:
    """The round's input (the season's posts, applications and verdicts now, under these
    rules) is fixed and stored at once; the solve, the stability check and the explanations
    run in the background. Poll ``GET /v1/rounds/{round_id}``: ``progress`` while
    'running', then 'run' (ready for review) or 'failed' (with ``error``)."""
    given = await _build(request, body)
    assert given.parsed is not None  # _build validated it by parsing it
    round_id = f"R-{uuid.uuid4().hex[:12]}"
    row = {
        "based_on": given.based_on,
        "round_id": round_id,
        "season_id": body.season_id,
        "kind": body.kind,
        "locality": body.rules.locality,
        "seed": body.seed,
        "input_sha256": given.parsed.sha256,
        "instance": given.instance,
        "post_facts": given.post_facts,
        "student_facts": given.student_facts,
        "created_by": principal.subject,
    }
    async with _pool(request).acquire() as conn:
        stored = await rounds.insert_running(conn, row)
    request.app.state.runtime.jobs.start(round_id, given)
    response.headers["Location"] = f"/v1/rounds/{round_id}"
    return _view(stored, principal, explanations=False)


@router.get("", summary="Rounds, oldest first")
async def list_rounds(
    request: Request, _: Reader, season_id: Annotated[str | None, Query()] = None
) -> list[dict[str, Any]]:
    async with _pool(request).acquire() as conn:
        return await rounds.list_rounds(conn, season_id)


@router.get("/{round_id}", summary="A round: figures, placements, checks (county: its county)")
async def get_round(
    round_id: str,
    request: Request,
    principal: Reader,
    explanations: Annotated[bool, Query(description="include every student's explanation")] = (
        False
    ),
) -> dict[str, Any]:
    async with _pool(request).acquire() as conn:
        row = await rounds.get_round_view(conn, round_id, explanations=explanations)
    if row is None:
        raise NotFound(f"no round {round_id!r}", loc=("path", "round_id"))
    # Figures of 10^5 placements take a moment: not on the event loop.
    return await asyncio.to_thread(_view, row, principal, explanations=explanations)


@router.get(
    "/{round_id}/students/{student_id}",
    summary="One student's placement and why not each higher choice",
)
async def student_explanation(
    round_id: str, student_id: str, request: Request, principal: Reader
) -> dict[str, Any]:
    async with _pool(request).acquire() as conn:
        row = await rounds.get_round_view(conn, round_id, student_id=student_id)
    if row is None:
        raise NotFound(f"no round {round_id!r}", loc=("path", "round_id"))
    _require_ready(row)
    facts = row["student_facts"].get(student_id)
    if facts is None or not _sees_student(principal, row, student_id):
        raise NotFound(
            f"round {round_id} has no student {student_id!r}", loc=("path", "student_id")
        )
    explanation = (row["explanations"] or {}).get(student_id) or {}
    return {"round_id": round_id, "student_id": student_id, **facts, **explanation}


@router.post("/{round_id}/publish", summary="Publish a round: its offers go out; then immutable")
async def publish_round(
    round_id: str, request: Request, principal: Coordinator, body: PublishRequest | None = None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    accept_by = (body.accept_by if body else None) or now + timedelta(days=DEFAULT_ANSWER_DAYS)
    if accept_by <= now:
        raise Unprocessable("accept_by must be in the future", loc=("body", "accept_by"))
    source = request.app.state.runtime.settings.source
    async with _pool(request).acquire() as conn, conn.transaction():
        row = await rounds.get_round(conn, round_id, for_update=True)
        if row is None:
            raise NotFound(f"no round {round_id!r}", loc=("path", "round_id"))
        if row["status"] == "published":
            raise Conflict(
                f"round {round_id} was published at {row['published_at'].isoformat()}",
                loc=("path", "round_id"),
                code="already_published",
            )
        _require_ready(row)
        if row["checks"]["feasibility"] or row["checks"]["blocking_pairs"]:
            raise Conflict(
                f"round {round_id} failed its stability check and cannot be published",
                loc=("path", "round_id"),
                code="unstable",
            )
        # Publishers of one season take turns, so two rounds computed against the same
        # published rounds cannot both pass the staleness check below.
        await rounds.lock_season(conn, row["season_id"])
        now_published = [
            r["round_id"] for r in await rounds.published_in_season(conn, row["season_id"])
        ]
        other = await rounds.published_round_of(conn, row["season_id"], "main")
        if row["kind"] == "main" and other is not None:
            raise Conflict(
                f"season {row['season_id']} already has a published {row['kind']} round: {other}",
                loc=("path", "round_id"),
                code="season_already_published",
            )
        if now_published != row["based_on"]:
            raise Conflict(
                f"round {round_id} was computed before round(s) "
                f"{', '.join(sorted(set(now_published) - set(row['based_on'])))} were published;"
                " run it again",
                loc=("path", "round_id"),
                code="stale",
            )
        try:
            async with conn.transaction():
                await rounds.mark_published(
                    conn, round_id, by=principal.subject, at=now, accept_by=accept_by
                )
        except asyncpg.UniqueViolationError:
            raise Conflict(
                f"season {row['season_id']} already has a published {row['kind']} round",
                loc=("path", "round_id"),
                code="season_already_published",
            ) from None
        result = row["result"]
        choices = {st["id"]: st["choices"] for st in row["instance"]["students"]}
        facts = row["student_facts"]
        offers: list[EventData] = [
            OfferMadeV1(
                student_id=student_id,
                post_id=post_id,
                round_id=round_id,
                accept_by=accept_by,
                application_id=facts[student_id]["application_id"],
                season_id=row["season_id"],
                unit_id=row["post_facts"][post_id]["unit_id"],
                choice=choices[student_id].index(post_id) + 1,
            )
            for student_id, post_id in result["assignments"].items()
        ]
        not_placed: list[EventData] = [
            NotPlacedV1(
                student_id=student_id,
                round_id=round_id,
                season_id=row["season_id"],
                kind=row["kind"],
                application_id=facts[student_id]["application_id"],
            )
            for student_id in result["unmatched"]
        ]
        stats = result["stats"]
        finished = RoundPublishedV1(
            round_id=round_id,
            season_id=row["season_id"],
            kind=row["kind"],
            locality=row["locality"],
            seed=row["seed"],
            input_sha256=row["input_sha256"],
            students=stats["students"],
            placed=stats["placed"],
            unmatched=stats["unmatched"],
            seats=stats["seats"],
            published_at=now,
            published_by=principal.subject,
        )
        await add_events(conn, [*offers, *not_placed, finished], source=source)
        published = await rounds.get_round_view(conn, round_id)
    assert published is not None
    return _view(published, principal, explanations=False)


class OverrideRequest(BaseModel):
    """Move one student of an unpublished round to another of their choices, or unplace them."""

    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1)
    post_id: str | None = Field(description="one of the student's choices, or null to unplace")
    reason: str = Field(min_length=1, max_length=2000, description="recorded in the audit")


@router.post(
    "/{round_id}/overrides",
    summary="Override a placement before publishing (audited; re-checked for stability)",
)
async def override_round(
    round_id: str, body: OverrideRequest, request: Request, principal: Coordinator
) -> dict[str, Any]:
    """The change is refused (422) when it breaks feasibility: a post the student did not
    choose, one that may not take them (属地管理, 不录用, not ranked) or one already full. It
    is accepted when it only breaks stability, and the blocking pairs it leaves are reported
    and recorded with the override."""
    async with _pool(request).acquire() as conn, conn.transaction():
        row = await rounds.get_round(conn, round_id, for_update=True)
        if row is None:
            raise NotFound(f"no round {round_id!r}", loc=("path", "round_id"))
        if row["status"] == "published":
            raise Conflict(
                f"round {round_id} is published and cannot change",
                loc=("path", "round_id"),
                code="already_published",
            )
        _require_ready(row)
        if body.student_id not in row["student_facts"]:
            raise Unprocessable(
                f"round {round_id} has no student {body.student_id!r}",
                loc=("body", "student_id"),
            )
        if body.post_id is not None and body.post_id not in row["post_facts"]:
            raise Unprocessable(
                f"round {round_id} has no post {body.post_id!r}", loc=("body", "post_id")
            )
        assignments = dict(row["result"]["assignments"])
        before = assignments.pop(body.student_id, None)
        if body.post_id is not None:
            assignments[body.student_id] = body.post_id
        checked = await asyncio.to_thread(computation.override, row["instance"], assignments)
        if checked.problems:
            raise Unprocessable("; ".join(checked.problems), loc=("body", "post_id"))
        result = checked.result
        result["stats"]["proposals"] = row["result"]["stats"]["proposals"]
        entry = {
            "student_id": body.student_id,
            "from_post": before,
            "to_post": body.post_id,
            "reason": body.reason,
            "by": principal.subject,
            "at": datetime.now(UTC).isoformat(),
            "blocking_pairs": checked.blocking_pairs,
        }
        explanations = (
            checked.explanations if checked.explanations is not None else row["explanations"]
        )
        await rounds.apply_override(
            conn, round_id, result=result, explanations=explanations, override=entry
        )
        updated = await rounds.get_round_view(conn, round_id)
    assert updated is not None
    return {"override": entry, "round": _view(updated, principal, explanations=False)}


def _require_ready(row: dict[str, Any]) -> None:
    """409 ``round_not_ready`` unless the round's job finished ('run' or 'published')."""
    if row["status"] in ("run", "published"):
        return
    round_id = row["round_id"]
    if row["status"] == "failed":
        message = f"round {round_id} failed ({row['error']}); run the round again"
    else:
        progress = row["progress"] or {}
        message = (
            f"round {round_id} is still running ({progress.get('phase', 'queued')}); "
            "wait until its status is 'run'"
        )
    raise Conflict(message, loc=("path", "round_id"), code="round_not_ready")


def _sees_student(principal: Principal, row: dict[str, Any], student_id: str) -> bool:
    if principal.role is Role.COORDINATOR:
        return True
    home = row["student_facts"][student_id]["home_county"]
    post = (row["result"] or {"assignments": {}})["assignments"].get(student_id)
    post_county = row["post_facts"][post]["county"] if post else None
    return principal.county is not None and principal.county in (home, post_county)


def _view(row: dict[str, Any], principal: Principal, *, explanations: bool) -> dict[str, Any]:
    """A round as its reader may see it. While 'running' (and when 'failed') the result
    fields (``figures``, ``assignments``, ``unmatched``, ``checks``, ``explanations``) are
    null; ``progress`` is set only while 'running', ``error`` only when 'failed'."""
    county = None if principal.role is Role.COORDINATOR else principal.county or ""
    result = row["result"]
    visible = [
        s for s in row["student_facts"] if county is None or _sees_student(principal, row, s)
    ]
    shown = set(visible)
    out: dict[str, Any] = {
        "round_id": row["round_id"],
        "season_id": row["season_id"],
        "kind": row["kind"],
        "based_on": row["based_on"],
        "status": row["status"],
        "progress": row["progress"] if row["status"] == "running" else None,
        "error": row["error"],
        "locality": row["locality"],
        "seed": row["seed"],
        "input_sha256": row["input_sha256"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "finished_at": row["finished_at"],
        "published_by": row["published_by"],
        "published_at": row["published_at"],
        "accept_by": row["accept_by"],
        "county": county,
        "figures": None,
        "assignments": None,
        "unmatched": None,
        "checks": None,
    }
    if result is not None:
        out["figures"] = computation.summary(result, row["post_facts"], county=county)
        out["assignments"] = {
            s: result["assignments"][s] for s in visible if s in result["assignments"]
        }
        out["unmatched"] = [s for s in result["unmatched"] if s in shown]
        out["checks"] = {
            "stable": not row["checks"]["blocking_pairs"],
            "feasible": not row["checks"]["feasibility"],
            **row["checks"],
        }
    overrides = row.get("overrides") or []
    if county is None:
        out["overrides"] = overrides
        if out["checks"] is not None:
            # The solver's round is stable; after overrides, the last re-check tells.
            out["checks"]["stable_now"] = (
                not overrides[-1]["blocking_pairs"] if overrides else out["checks"]["stable"]
            )
    else:
        out["overrides"] = [o for o in overrides if o["student_id"] in shown]
    if county is not None:
        out["locality_exceptions"] = None
    else:
        out["locality_exceptions"] = row["locality_exceptions"]
    if explanations:
        given = row["explanations"]
        out["explanations"] = None if given is None else {s: given.get(s) for s in visible}
    return out
