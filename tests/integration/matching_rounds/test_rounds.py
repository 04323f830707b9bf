"""Matching's rounds over real Kafka and PostgreSQL: placement's post and application events
in → read model → preview → run (a background job, checked for stability) → publish → exactly
one OfferMadeV1 per placed student on matching.assignments.v1, and one round event on
matching.rounds.v1."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI

from fanxiang_common.auth import Role
from fanxiang_common.db.pool import connect
from fanxiang_common.events import Envelope, EventData, new_event
from fanxiang_common.events.placement import (
    ApplicantRefusedV1,
    ApplicationChangedV1,
    ApplicationSubmittedV1,
    ApplicationWithdrawnV1,
    EligibilityDecidedV1,
    InterviewScoredV1,
    OfferAcceptedV1,
    OfferDeclinedV1,
    PostCapacityChangedV1,
    PostPublishedV1,
    PostWithdrawnV1,
)
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from fanxiang_local.testing import fetch_all as fetch
from matching_service.app import create_app
from matching_service.settings import MatchingSettings

pytestmark = pytest.mark.integration

COORDINATOR = bearer(Role.COORDINATOR, subject="coordinator-1")
COUNTY_B = bearer(Role.COUNTY, subject="county-b", county="140303")
STUDENT = bearer(Role.STUDENT, subject="S1")
SEASON = "2026-summer"
A, B = "140302", "140303"


def post(post_id: str, county: str, capacity: int, unit: str, category: str) -> PostPublishedV1:
    return PostPublishedV1(
        post_id=post_id,
        unit_id=unit,
        season_id=SEASON,
        title=f"岗位 {post_id}",
        category=category,
        county=county,
        capacity=capacity,
    )


def submitted(n: int, home: str, choices: list[str]) -> ApplicationSubmittedV1:
    return ApplicationSubmittedV1(
        application_id=f"A{n}",
        student_id=f"S{n}",
        season_id=SEASON,
        home_county=home,
        choices=choices,
    )


def eligible(n: int, ok: bool = True) -> EligibilityDecidedV1:
    return EligibilityDecidedV1(
        application_id=f"A{n}", student_id=f"S{n}", season_id=SEASON, eligible=ok, decided_by="c"
    )


def scored(n: int, post_id: str, unit: str, overall: float) -> InterviewScoredV1:
    return InterviewScoredV1(
        application_id=f"A{n}", student_id=f"S{n}", post_id=post_id, unit_id=unit, overall=overall
    )


POSTS = [
    post("P1", A, 1, "U1", "政务实践"),
    post("P2", A, 1, "U2", "教育帮扶"),
    post("P3", "city", 1, "U3", "政务实践"),
    post("P4", B, 1, "U4", "教育帮扶"),
]
# Per application, in order (sequence = position + 1).
APPLICATIONS: dict[str, list[EventData]] = {
    "A1": [submitted(1, A, ["P1", "P3"]), eligible(1), scored(1, "P1", "U1", 90.0)],
    "A2": [
        submitted(2, A, ["P2"]),
        ApplicationChangedV1(
            application_id="A2", student_id="S2", season_id=SEASON, choices=["P1", "P2"]
        ),
        eligible(2),
        scored(2, "P1", "U1", 95.0),
    ],
    # P1 (another county) is barred by 属地管理; P1 did not score S3 either.
    "A3": [submitted(3, B, ["P1", "P4"]), eligible(3)],
    "A4": [
        submitted(4, A, ["P2"]),
        eligible(4),
        ApplicantRefusedV1(
            application_id="A4", student_id="S4", post_id="P2", unit_id="U2", reason="专业不符"
        ),
    ],
    "A5": [
        submitted(5, A, ["P2"]),
        eligible(5),
        ApplicationWithdrawnV1(application_id="A5", student_id="S5", season_id=SEASON),
    ],
    "A6": [submitted(6, B, ["P4"]), eligible(6, ok=False)],
    # Loses P1 to S2 in the main round; gets it in the supplementary round once S2 declines.
    "A7": [submitted(7, A, ["P1"]), eligible(7), scored(7, "P1", "U1", 80.0)],
}
EXPECTED = {"S1": "P3", "S2": "P1", "S3": "P4"}


async def send(settings: MatchingSettings, topic: str, items: list[tuple[str, Envelope]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for key, envelope in items:
            await producer.send_and_wait(
                settings.topic(topic), envelope.to_bytes(), key=key.encode()
            )
    finally:
        await producer.stop()


async def read_topic(settings: MatchingSettings, topic: str, *, want: int) -> list[Envelope]:
    """Everything on ``topic`` once ``want`` events arrived, plus a quiet spell (to see extras)."""
    consumer = AIOKafkaConsumer(
        settings.topic(topic),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    out: list[Envelope] = []
    try:
        deadline = time.monotonic() + 45
        quiet_until: float | None = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            out += [Envelope.model_validate_json(r.value) for rs in batch.values() for r in rs]
            if len(out) >= want:
                quiet_until = quiet_until or time.monotonic() + 3
                if time.monotonic() >= quiet_until:
                    break
    finally:
        await consumer.stop()
    return out


async def run_to_review(m: Any, request: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/rounds (202, 'running'), then poll until the job has finished."""
    accepted = await m.post("/v1/rounds", json=request, headers=COORDINATOR)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert accepted.headers["location"] == f"/v1/rounds/{body['round_id']}"
    assert body["status"] in ("running", "run")
    if body["status"] == "running":
        assert set(body["progress"]) == {"phase", "done", "total"}
        assert body["assignments"] is None and body["figures"] is None
    round_id = body["round_id"]
    # The 202's round is the one GET shows (only the job's fields may have moved on).
    now = (await m.get(f"/v1/rounds/{round_id}", headers=COORDINATOR)).json()
    assert set(now) == set(body)
    moving = {"status", "progress", "figures", "assignments", "unmatched", "checks"}
    moving |= {"finished_at", "overrides"}
    assert {k: v for k, v in now.items() if k not in moving} == {
        k: v for k, v in body.items() if k not in moving
    }

    async def finished() -> dict[str, Any] | None:
        got = (await m.get(f"/v1/rounds/{round_id}", headers=COORDINATOR)).json()
        return None if got["status"] == "running" else got

    done = await eventually(finished, within=60, what=f"round {round_id} finished")
    assert done["progress"] is None and done["error"] is None
    assert done["finished_at"] is not None
    return done


async def feed_season(settings: MatchingSettings, app: FastAPI) -> None:
    await send(
        settings,
        "placement.posts.v1",
        [(p.post_id, new_event(p, source="/tests", sequence=1)) for p in POSTS],
    )
    items = [
        (app_id, new_event(e, source="/tests", sequence=i + 1))
        for app_id, events in APPLICATIONS.items()
        for i, e in enumerate(events)
    ]
    await send(settings, "placement.applications.v1", items)
    [consumer] = [
        c for c in app.state.runtime.consumers if c.group == "matching.read-model-applications"
    ]

    async def applied() -> bool:
        posts = await fetch(settings.database_url, "SELECT 1 FROM post")
        return consumer.stats.processed >= len(items) and len(posts) == len(POSTS)

    await eventually(applied, within=60, what="the season's events applied")


async def test_capacity_changes_and_withdrawn_posts_shape_the_round(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(MatchingSettings)
    app = create_app(settings)
    async with serve_in_process(app) as m:
        await feed_season(settings, app)

        def change(post_id: str, capacity: int, sequence: int) -> tuple[str, Envelope]:
            event = PostCapacityChangedV1(post_id=post_id, capacity=capacity, previous_capacity=1)
            return post_id, new_event(event, source="/tests", sequence=sequence)

        withdrawn = PostWithdrawnV1(post_id="P3", reason="单位撤岗", status="withdrawn")
        await send(
            settings,
            "placement.posts.v1",
            [
                change("P1", 2, 3),
                change("P1", 5, 2),  # late: older than the change above, ignored
                change("P2", 0, 2),
                ("P3", new_event(withdrawn, source="/tests", sequence=2)),
            ],
        )

        async def applied() -> bool:
            rows = await fetch(settings.database_url, "SELECT post_id FROM post WHERE sequence > 1")
            return len(rows) == 3

        await eventually(applied, what="the post changes in the read model")
        rows = await fetch(
            settings.database_url, "SELECT post_id, capacity, open FROM post ORDER BY post_id"
        )
        assert [(r["post_id"], r["capacity"], r["open"]) for r in rows] == [
            ("P1", 2, True),
            ("P2", 0, True),
            ("P3", 1, False),
            ("P4", 1, True),
        ]
        round_ = await run_to_review(m, {"season_id": SEASON, "seed": 7})
        # P1 now takes S2 and S1 (S1's other choice, P3, is gone); S7 scored lowest.
        assert round_["assignments"] == {"S1": "P1", "S2": "P1", "S3": "P4"}
        assert round_["unmatched"] == ["S4", "S7"]
        figures = round_["figures"]
        assert (figures["posts"], figures["seats"], figures["placed"]) == (3, 3, 3)


async def test_events_in_round_published_offers_out_once(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(MatchingSettings)
    app = create_app(settings)
    [applications_consumer] = [
        c for c in app.state.runtime.consumers if c.group == "matching.read-model-applications"
    ]
    async with serve_in_process(app) as m:
        await send(
            settings,
            "placement.posts.v1",
            [(p.post_id, new_event(p, source="/tests", sequence=1)) for p in POSTS],
        )
        items = [
            (app_id, new_event(e, source="/tests", sequence=i + 1))
            for app_id, events in APPLICATIONS.items()
            for i, e in enumerate(events)
        ]
        # A late, stale copy of A2's change (older sequence, new event id) must not win.
        stale = ApplicationChangedV1(
            application_id="A2", student_id="S2", season_id=SEASON, choices=["P2"]
        )
        items.append(("A2", new_event(stale, source="/tests", sequence=2)))
        # A replayed event (same id) is applied once.
        items.append(items[0])
        await send(settings, "placement.applications.v1", items)

        async def all_applied() -> bool:
            stats = applications_consumer.stats
            return stats.processed + stats.duplicates >= len(items)

        await eventually(all_applied, within=60, what="the application events applied")

        async def posts_in() -> bool:
            rows = await fetch(settings.database_url, "SELECT post_id FROM post")
            return len(rows) == len(POSTS)

        await eventually(posts_in, what="the posts in the read model")
        [a2] = await fetch(
            settings.database_url, "SELECT * FROM application WHERE application_id = 'A2'"
        )
        assert a2["choices"] == ["P1", "P2"] and a2["sequence"] == 3 and a2["eligible"]
        read = await m.get("/v1/read-model/applications/A4", headers=COORDINATOR)
        assert read.status_code == 200, read.text
        assert read.json()["posts"] == [{"post_id": "P2", "score": None, "refused": True}]

        # --- bad input: which field and why ---
        bad = await m.post(
            "/v1/rounds/preview",
            json={"season_id": SEASON, "rules": {"locality": "anywhere"}},
            headers=COORDINATOR,
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "rules", "locality"]
        no_posts = await m.post(
            "/v1/rounds/preview", json={"season_id": "1999-summer"}, headers=COORDINATOR
        )
        assert no_posts.status_code == 422
        assert no_posts.json()["detail"][0]["loc"] == ["body", "season_id"]
        unknown = await m.post(
            "/v1/rounds/preview",
            json={"season_id": SEASON, "locality_exceptions": ["S1", "S99"]},
            headers=COORDINATOR,
        )
        assert unknown.status_code == 422
        assert unknown.json()["detail"][0]["loc"] == ["body", "locality_exceptions", 1]
        huge_seed = await m.post(
            "/v1/rounds/preview", json={"season_id": SEASON, "seed": 2**64}, headers=COORDINATOR
        )
        assert huge_seed.status_code == 422
        assert huge_seed.json()["detail"][0]["loc"] == ["body", "seed"]
        too_early = await m.post(
            "/v1/rounds/preview",
            json={"season_id": SEASON, "kind": "supplementary"},
            headers=COORDINATOR,
        )
        assert too_early.status_code == 422
        assert too_early.json()["detail"][0]["loc"] == ["body", "kind"]
        forbidden = await m.post("/v1/rounds/preview", json={"season_id": SEASON}, headers=STUDENT)
        assert forbidden.status_code == 403
        county_run = await m.post("/v1/rounds", json={"season_id": SEASON}, headers=COUNTY_B)
        assert county_run.status_code == 403

        # --- preview: a dry run stores nothing ---
        request = {"season_id": SEASON, "rules": {"locality": "home-county"}, "seed": 7}
        preview = await m.post("/v1/rounds/preview", json=request, headers=COORDINATOR)
        assert preview.status_code == 200, preview.text
        figures = preview.json()["figures"]
        assert (figures["students"], figures["placed"], figures["seats"]) == (5, 3, 4)
        assert preview.json()["unmatched"] == ["S4", "S7"]
        assert figures["fill"]["county"][A] == {
            "posts": 2,
            "seats": 2,
            "placed": 1,
            "fill_rate": 0.5,
        }
        assert figures["fill"]["category"]["政务实践"]["placed"] == 2
        assert figures["fill"]["unit"]["U2"]["placed"] == 0
        assert await fetch(settings.database_url, "SELECT 1 FROM round") == []

        # --- run: stored with its input hash, seed and result, checked for stability ---
        body = await run_to_review(m, request)
        round_id = body["round_id"]
        assert body["status"] == "run" and body["seed"] == 7
        assert body["input_sha256"] == preview.json()["input_sha256"]
        assert body["assignments"] == EXPECTED
        assert body["checks"]["stable"] and body["checks"]["feasible"]

        full = await m.get(
            f"/v1/rounds/{round_id}", params={"explanations": "true"}, headers=COORDINATOR
        )
        assert full.status_code == 200
        why_s1 = full.json()["explanations"]["S1"]
        assert why_s1["post"] == "P3" and why_s1["choice"] == 2
        [p1] = why_s1["not_placed_higher"]
        assert (p1["post"], p1["reason"], p1["cutoff_score"], p1["your_score"]) == (
            "P1",
            "full",
            95.0,
            90.0,
        )
        s3 = await m.get(f"/v1/rounds/{round_id}/students/S3", headers=COUNTY_B)
        assert s3.status_code == 200, s3.text
        assert s3.json()["not_placed_higher"] == [{"post": "P1", "reason": "outside_home_county"}]
        # The county committee of B sees its county only.
        county_view = (await m.get(f"/v1/rounds/{round_id}", headers=COUNTY_B)).json()
        assert county_view["assignments"] == {"S3": "P4"}
        assert list(county_view["figures"]["fill"]["county"]) == [B]
        hidden = await m.get(f"/v1/rounds/{round_id}/students/S1", headers=COUNTY_B)
        assert hidden.status_code == 404
        missing = await m.get("/v1/rounds/R-nope", headers=COORDINATOR)
        assert missing.status_code == 404

        # --- overrides (on a second run of the same input): audited, re-checked ---
        second = await run_to_review(m, request)
        second_id = second["round_id"]
        assert second["assignments"] == EXPECTED  # same input, same seed, same round
        full_post = await m.post(
            f"/v1/rounds/{second_id}/overrides",
            json={"student_id": "S1", "post_id": "P1", "reason": "单位要求"},
            headers=COORDINATOR,
        )
        assert full_post.status_code == 422  # P1 is full: infeasible, refused
        assert full_post.json()["detail"][0]["loc"] == ["body", "post_id"]
        not_chosen = await m.post(
            f"/v1/rounds/{second_id}/overrides",
            json={"student_id": "S3", "post_id": "P2", "reason": "x"},
            headers=COORDINATOR,
        )
        assert not_chosen.status_code == 422
        unplace = await m.post(
            f"/v1/rounds/{second_id}/overrides",
            json={"student_id": "S3", "post_id": None, "reason": "学生申请放弃本轮"},
            headers=COORDINATOR,
        )
        assert unplace.status_code == 200, unplace.text
        audit = unplace.json()["override"]
        assert (audit["from_post"], audit["to_post"], audit["by"]) == ("P4", None, "coordinator-1")
        assert audit["blocking_pairs"] == [
            {"student": "S3", "post": "P4", "reason": audit["blocking_pairs"][0]["reason"]}
        ]
        after = unplace.json()["round"]
        assert after["assignments"] == {"S1": "P3", "S2": "P1"}
        assert not after["checks"]["stable_now"] and after["checks"]["stable"]
        county_override = await m.post(
            f"/v1/rounds/{second_id}/overrides",
            json={"student_id": "S3", "post_id": "P4", "reason": "x"},
            headers=COUNTY_B,
        )
        assert county_override.status_code == 403

        # --- publish: once; the offers and the round event leave through the outbox ---
        past = await m.post(
            f"/v1/rounds/{round_id}/publish",
            json={"accept_by": "2020-07-01T12:00:00+08:00"},
            headers=COORDINATOR,
        )
        assert past.status_code == 422
        assert past.json()["detail"][0]["loc"] == ["body", "accept_by"]
        by_county = await m.post(f"/v1/rounds/{round_id}/publish", headers=COUNTY_B)
        assert by_county.status_code == 403
        published = await m.post(
            f"/v1/rounds/{round_id}/publish",
            json={"accept_by": "2099-07-01T12:00:00+08:00"},
            headers=COORDINATOR,
        )
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
        again = await m.post(f"/v1/rounds/{round_id}/publish", headers=COORDINATOR)
        assert again.status_code == 409
        assert again.json()["detail"][0]["type"] == "already_published"

        frozen = await m.post(
            f"/v1/rounds/{round_id}/overrides",
            json={"student_id": "S3", "post_id": None, "reason": "x"},
            headers=COORDINATOR,
        )
        assert frozen.status_code == 409
        other = await m.post(f"/v1/rounds/{second_id}/publish", headers=COORDINATOR)
        assert other.status_code == 409
        assert other.json()["detail"][0]["type"] == "season_already_published"

        outcomes = await read_topic(settings, "matching.assignments.v1", want=len(EXPECTED) + 2)
        offers = [o for o in outcomes if o.type == "matching.offer.made.v1"]
        assert sorted((o.data["student_id"], o.data["post_id"]) for o in offers) == sorted(
            EXPECTED.items()
        )
        # Everyone the round left unplaced is told, so nobody waits for an offer.
        not_placed = [o for o in outcomes if o.type == "matching.student.not-placed.v1"]
        assert sorted(o.data["student_id"] for o in not_placed) == ["S4", "S7"]
        assert len(outcomes) == len(offers) + len(not_placed)
        assert {o.data["round_id"] for o in offers} == {round_id}
        by_student = {o.data["student_id"]: o.data for o in offers}
        assert by_student["S1"]["application_id"] == "A1" and by_student["S1"]["choice"] == 2
        assert by_student["S2"]["unit_id"] == "U1"
        [finished] = await read_topic(settings, "matching.rounds.v1", want=1)
        assert finished.type == "matching.round.finished.v1"
        assert finished.subject == round_id
        assert (finished.data["placed"], finished.data["unmatched"]) == (3, 2)

        # --- supplementary round (补录): S2 declines P1, S1 accepts; S7 takes the freed seat ---
        answers = [
            (
                "A2",
                new_event(
                    OfferDeclinedV1(
                        application_id="A2",
                        student_id="S2",
                        placement_id="PL-2",
                        post_id="P1",
                        unit_id="U1",
                        round_id=round_id,
                    ),
                    source="/tests",
                    sequence=5,
                ),
            ),
            (
                "A1",
                new_event(
                    OfferAcceptedV1(
                        application_id="A1",
                        student_id="S1",
                        placement_id="PL-1",
                        post_id="P3",
                        unit_id="U3",
                        round_id=round_id,
                    ),
                    source="/tests",
                    sequence=4,
                ),
            ),
        ]
        await send(settings, "placement.applications.v1", answers)

        async def answered() -> bool:
            rows = await fetch(settings.database_url, "SELECT 1 FROM offer_answer")
            return len(rows) == 2

        await eventually(answered, what="the answers to the offers in the read model")
        supplementary = {**request, "kind": "supplementary"}
        sup_body = await run_to_review(m, supplementary)
        assert sup_body["kind"] == "supplementary" and sup_body["based_on"] == [round_id]
        assert sup_body["assignments"] == {"S7": "P1"}
        assert sup_body["unmatched"] == ["S4"]  # placed students (S1, S2, S3) are not in it
        # P1 freed by the decline, P2 left open; P3 (accepted) and P4 (offered) are held.
        assert sup_body["figures"]["seats"] == 2
        twin = await run_to_review(m, supplementary)
        sup_published = await m.post(
            f"/v1/rounds/{sup_body['round_id']}/publish", headers=COORDINATOR
        )
        assert sup_published.status_code == 200, sup_published.text
        stale = await m.post(f"/v1/rounds/{twin['round_id']}/publish", headers=COORDINATOR)
        assert stale.status_code == 409
        assert stale.json()["detail"][0]["type"] == "stale"
        listed = await m.get("/v1/rounds", params={"season_id": SEASON}, headers=COORDINATOR)
        assert [(r["round_id"], r["status"], r["progress"]) for r in listed.json()] == [
            (round_id, "published", None),
            (second_id, "run", None),
            (sup_body["round_id"], "published", None),
            (twin["round_id"], "run", None),
        ]
        outcomes = await read_topic(settings, "matching.assignments.v1", want=len(EXPECTED) + 4)
        offers = [o for o in outcomes if o.type == "matching.offer.made.v1"]
        assert sorted((o.data["student_id"], o.data["round_id"]) for o in offers) == sorted(
            [(s, round_id) for s in EXPECTED] + [("S7", sup_body["round_id"])]
        )
        not_placed = [o for o in outcomes if o.type == "matching.student.not-placed.v1"]
        assert sorted((o.data["student_id"], o.data["kind"]) for o in not_placed) == [
            ("S4", "main"),
            ("S4", "supplementary"),
            ("S7", "main"),
        ]

    # Immutable in the database too.
    conn = await connect(settings.database_url)
    try:
        with pytest.raises(Exception, match="immutable"):
            await conn.execute("UPDATE round SET seed = 1 WHERE round_id = $1", round_id)
    finally:
        await conn.close()
