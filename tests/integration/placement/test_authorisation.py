"""Every role × every endpoint: who may, and that everyone else is refused (403, or 404 where
even the existence of the thing is not theirs to know). Runs over HTTP on one prepared world."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest

from fanxiang_local.testing import eventually
from placement_service.app import create_app
from placement_service.domain.id_numbers import IdNumberCipher, derive_key
from tests.integration.placement.test_branch import activity_body
from tests.integration.placement.test_interview_slots import slot_body
from tests.integration.placement.test_onboarding import offer, placed
from tests.integration.placement.test_unit_registration import register
from tests.integration.placement.world import SEASON, World, new_phone, post_body, season_body

pytestmark = pytest.mark.integration

ROLES = (
    "coordinator",
    "county_a",
    "county_b",
    "unit_a",
    "unit_b",
    "student_a",
    "student_b",
    "liaison",
    "officer",
)
COMMITTEE = {"coordinator", "county_a"}
OWNER_SIDE = {"coordinator", "county_a", "unit_a"}
STUDENTS = {"student_a", "student_b"}
EVERYONE = set(ROLES)
ORGANISERS = {"coordinator", "officer"}
BRANCH = "/v1/seasons/{season}/branch"
PUBLIC = {
    ("POST", "/v1/auth/codes"),
    ("POST", "/v1/auth/tokens"),
    ("POST", "/v1/auth/unit-tokens"),
    ("GET", "/v1/reference"),
    ("POST", "/v1/unit-registrations/codes"),
    ("POST", "/v1/unit-registrations"),
    # Every signed-in caller may sign their own token out; that would end the matrix's
    # sessions, so test_sessions.py covers these two.
    ("POST", "/v1/auth/sign-out"),
    ("POST", "/v1/auth/sign-out-everywhere"),
}
_n = itertools.count()
CSV = {
    "file": ("posts.csv", "岗位名称,岗位类别,县区代码,招募人数\n助理,政务实践,140302,1\n".encode())
}


@dataclass
class Case:
    method: str
    template: str
    allowed: set[str]
    body: Callable[[], Any] | dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    upload: bool = False  # multipart: the season, unit A and a one-post CSV


def cases() -> list[Case]:
    return [
        Case("GET", "/v1/seasons", EVERYONE),
        Case("POST", "/v1/seasons", {"coordinator"}, lambda: season_body(f"s-{next(_n)}")),
        Case("GET", "/v1/seasons/{season}", EVERYONE),
        Case(
            "PUT",
            "/v1/seasons/{season2}",
            {"coordinator"},
            {k: v for k, v in season_body().items() if k != "season_id"},
        ),
        Case("POST", "/v1/seasons/{season2}/close", {"coordinator"}),
        Case("GET", "/v1/seasons/{season}/publicity", {"coordinator", "county_a", "county_b"}),
        Case(
            "POST",
            "/v1/units",
            COMMITTEE,
            lambda: {
                "name": "新单位",
                "unit_type": "事业单位",
                "county": "140302",
                "contact_name": "赵",
                "contact_phone": new_phone(),
            },
        ),
        Case("GET", "/v1/units", {"coordinator", "county_a", "county_b", "unit_a", "unit_b"}),
        Case("GET", "/v1/units/{unit}", OWNER_SIDE),
        Case("POST", "/v1/units/{pending}/approve", COMMITTEE),
        Case("POST", "/v1/units/{pending2}/reject", COMMITTEE, {"reason": "不符合"}),
        Case("POST", "/v1/units/{unit}/api-tokens", {"coordinator", "unit_a"}, {"label": "x"}),
        Case("GET", "/v1/units/{unit}/api-tokens", {"coordinator", "unit_a"}),
        Case("POST", "/v1/units/{unit}/api-tokens/{token}/revoke", {"coordinator", "unit_a"}),
        Case(
            "POST",
            "/v1/accounts",
            {"coordinator"},
            lambda: {"phone": new_phone(), "role": "officer", "name": "委员"},
        ),
        Case("GET", "/v1/accounts", {"coordinator", "county_a", "county_b"}),
        Case("POST", "/v1/accounts/{spare_admin}/disable", COMMITTEE, {"reason": "离职"}),
        Case("POST", "/v1/accounts/{spare_admin}/enable", COMMITTEE, {}),
        Case("GET", "/v1/students/me", STUDENTS),
        Case(
            "PUT",
            "/v1/students/me",
            STUDENTS,
            {
                "name": "李明",
                "university": "山西大学",
                "university_city": "太原",
                "university_province": "山西",
                "grade": "大二",
                "major": "汉语言文学",
                "home_county": "140302",
            },
        ),
        Case(
            "POST",
            "/v1/students/me/consents",
            STUDENTS,
            {"purpose": "publicity", "granted": True, "version": "v1"},
        ),
        Case("GET", "/v1/students", {"coordinator", "county_a", "county_b"}),
        Case("GET", "/v1/students/roster", {"coordinator", "liaison"}),
        Case("GET", "/v1/students/{student}", COMMITTEE),
        Case("POST", "/v1/students/{student}/phone/reveal", COMMITTEE, {"reason": "核实"}),
        Case("POST", "/v1/posts", OWNER_SIDE, lambda: post_body("{unit}")),
        Case("GET", "/v1/posts", EVERYONE),
        Case("GET", "/v1/posts/{post}", EVERYONE),
        Case(
            "PUT",
            "/v1/posts/{draft}",
            OWNER_SIDE,
            {k: v for k, v in post_body().items() if k != "season_id"},
        ),
        Case("POST", "/v1/posts/{draft}/submit", OWNER_SIDE),
        Case("POST", "/v1/posts/{submitted}/approve", COMMITTEE),
        Case("POST", "/v1/posts/{submitted2}/return", COMMITTEE, {"reason": "补充"}),
        Case("POST", "/v1/posts/{spare}/withdraw", OWNER_SIDE, {"reason": "不需要了"}),
        Case("POST", "/v1/posts/{spare2}/close", COMMITTEE, {"reason": "招满"}),
        Case("POST", "/v1/posts/{post}/capacity", OWNER_SIDE, {"capacity": 3}),
        Case("GET", "/v1/posts/{post}/applicants", OWNER_SIDE),
        Case(
            "POST",
            "/v1/posts/{post}/applicants/{application}/interview",
            OWNER_SIDE,
            {"at": "2026-06-20T09:00:00+08:00", "place": "会议室"},
        ),
        Case("POST", "/v1/posts/{post}/interview-slots", OWNER_SIDE, lambda: slot_body()),
        Case("GET", "/v1/posts/{post}/interview-slots", OWNER_SIDE | {"student_a"}),
        Case("PUT", "/v1/posts/{post}/interview-booking", {"student_a"}, {"slot_id": "{slot}"}),
        # Booked, so every allowed caller gets 409 (it stays) rather than deleting it.
        Case("DELETE", "/v1/posts/{post}/interview-slots/{slot}", OWNER_SIDE),
        Case("DELETE", "/v1/posts/{post}/interview-booking", {"student_a"}),
        Case("GET", "/v1/applications/mine/interviews", STUDENTS),
        Case(
            "POST",
            "/v1/posts/{post}/applicants/{application}/score",
            OWNER_SIDE,
            {"scores": {"综合分析": 80}},
        ),
        Case(
            "POST",
            "/v1/posts/{post}/applicants/{application}/refuse",
            OWNER_SIDE,
            {"reason": "不合适"},
        ),
        Case(
            "POST",
            "/v1/applications",
            STUDENTS,
            {"season_id": "2026-summer", "choices": ["{post}"]},
        ),
        Case("GET", "/v1/applications/mine", STUDENTS),
        Case("GET", "/v1/applications", {"coordinator", "county_a", "county_b"}),
        Case("GET", "/v1/applications/{application}", {"coordinator", "county_a", "student_a"}),
        Case(
            "PUT", "/v1/applications/{application}/choices", {"student_a"}, {"choices": ["{post}"]}
        ),
        Case("POST", "/v1/applications/{application}/eligibility", COMMITTEE, {"eligible": True}),
        Case("GET", "/v1/placements/mine", STUDENTS),
        Case("GET", "/v1/placements", {"coordinator", "county_a", "county_b", "unit_a", "unit_b"}),
        Case("GET", "/v1/placements/{placement}", OWNER_SIDE | {"student_a"}),
        Case("POST", "/v1/placements/{placement}/accept", {"student_a"}),
        Case("POST", "/v1/placements/{placement}/training", COMMITTEE),
        Case("GET", "/v1/placements/{placement}/commitment", OWNER_SIDE | {"student_a"}),
        Case("POST", "/v1/placements/{placement}/commitment/code", {"student_a"}),
        Case(
            "POST",
            "/v1/placements/{placement}/commitment",
            {"student_a"},
            {"typed_name": "李明", "code": "123456", "text_sha256": "0" * 64},
        ),
        Case(
            "PUT",
            "/v1/placements/{placement}/id-number",
            COMMITTEE | {"student_a"},
            {"id_number": "11010519491231002X"},
        ),
        Case("POST", "/v1/placements/{placement}/id-number/reveal", COMMITTEE, {"reason": "保险"}),
        Case("POST", "/v1/placements/{placement}/fix", COMMITTEE),
        Case("POST", "/v1/placements/{placement}/arrival", OWNER_SIDE),
        Case("POST", "/v1/placements/{placement}/complete", OWNER_SIDE, {}),
        Case("POST", "/v1/placements/{placement}/evaluation", {"student_a"}, {"rating": 5}),
        Case("POST", "/v1/placements/{placement}/decline", {"student_a"}, {}),
        Case("POST", "/v1/applications/{application}/withdraw", {"student_a"}, {}),
        Case("GET", "/v1/post-imports/template.xlsx", OWNER_SIDE | {"county_b", "unit_b"}),
        Case("GET", "/v1/post-imports/template.csv", OWNER_SIDE | {"county_b", "unit_b"}),
        Case("POST", "/v1/post-imports", OWNER_SIDE, upload=True),
        Case("GET", "/v1/audit", {"coordinator"}),
        # The League branch: nobody in this world is on post, so no student is a member.
        Case("GET", BRANCH, ORGANISERS),
        Case("GET", f"{BRANCH}/members", ORGANISERS),
        Case("POST", f"{BRANCH}/nominations", set(), {"office": "committee_member"}),
        Case("GET", f"{BRANCH}/nominations", {"coordinator"} | STUDENTS),
        # The nominee is not on post: the coordinator's approval is a 409, the rejection works.
        Case("POST", f"{BRANCH}/nominations/{{nomination}}/approve", {"coordinator"}, {}),
        Case(
            "POST", f"{BRANCH}/nominations/{{nomination}}/reject", {"coordinator"}, {"reason": "x"}
        ),
        # Rejected by now: the holder and the coordinator get 409 (no office to end).
        Case("POST", f"{BRANCH}/nominations/{{nomination}}/end", {"coordinator", "student_a"}, {}),
        Case("POST", f"{BRANCH}/activities", ORGANISERS, lambda: activity_body()),
        Case("GET", f"{BRANCH}/activities", ORGANISERS),
        Case("GET", f"{BRANCH}/activities/{{activity}}", ORGANISERS),
        Case("PUT", f"{BRANCH}/activities/{{activity}}/signup", set()),
        Case("DELETE", f"{BRANCH}/activities/{{activity}}/signup", set()),
        Case(
            "POST",
            f"{BRANCH}/activities/{{activity}}/attendance",
            ORGANISERS,
            {"student_ids": ["{student}"]},
        ),
        Case("POST", f"{BRANCH}/activities/{{activity2}}/cancel", ORGANISERS, {"reason": "改期"}),
        Case("GET", f"{BRANCH}/figures", ORGANISERS),
    ]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _refused(response: Any) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code == 401 and response.json()["detail"][0]["type"].startswith("token")


async def _prepare(world: World) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    c = world.client
    coordinator = await world.coordinator()
    await world.season()
    await world.season(season_id="2026-other")
    unit_a, unit_a_h = await world.unit()
    _, unit_b_h = await world.unit(name="另一单位")
    student_a, student_a_h = await world.student(name="李明")
    _, student_b_h = await world.student(name="别人")
    headers = {
        "coordinator": coordinator,
        "county_a": await world.county("140302"),
        "county_b": await world.county("140322"),
        "unit_a": unit_a_h,
        "unit_b": unit_b_h,
        "student_a": student_a_h,
        "student_b": student_b_h,
    }
    for role, extra in (("liaison", {"city": "太原"}), ("officer", {})):
        phone = new_phone()
        r = await c.post(
            "/v1/accounts",
            headers=coordinator,
            json={"phone": phone, "role": role, "name": role, **extra},
        )
        assert r.status_code == 201, r.text
        headers[role] = await world.login(phone)

    post = await world.published_post(unit_a)
    spare_unit, _ = await world.unit(name="备用单位")
    admins = await c.get("/v1/accounts", params={"role": "unit", "limit": 500}, headers=coordinator)
    [spare_admin] = [a["account_id"] for a in admins.json()["items"] if a["unit_id"] == spare_unit]

    async def draft(submit: bool) -> str:
        r = await c.post("/v1/posts", json=post_body(), headers=unit_a_h)
        if submit:
            await c.post(f"/v1/posts/{r.json()['post_id']}/submit", headers=unit_a_h)
        return str(r.json()["post_id"])

    r = await c.post(
        "/v1/applications",
        headers=student_a_h,
        json={"season_id": "2026-summer", "choices": [post]},
    )
    application = r.json()["application_id"]
    token = (
        await c.post(f"/v1/units/{unit_a}/api-tokens", json={"label": "t"}, headers=unit_a_h)
    ).json()["token_id"]
    await offer(world, student_a, post)
    [p] = await eventually(lambda: placed(world, student_a_h), what="the offer")
    await _id_number_on_file(world, student_a)
    activities = [
        (
            await c.post(
                f"/v1/seasons/{SEASON}/branch/activities", json=activity_body(), headers=coordinator
            )
        ).json()["activity_id"]
        for _ in range(2)
    ]
    ids = {
        "season": "2026-summer",
        "season2": "2026-other",
        "unit": unit_a,
        "spare_admin": spare_admin,
        "pending": (await register(world, new_phone()))["unit_id"],
        "pending2": (await register(world, new_phone()))["unit_id"],
        "token": token,
        "student": student_a,
        "post": post,
        "draft": await draft(False),
        "submitted": await draft(True),
        "submitted2": await draft(True),
        "spare": await world.published_post(unit_a),
        "spare2": await world.published_post(unit_a),
        "application": application,
        "placement": p["placement_id"],
        "nomination": await _nomination(world, student_a),
        "activity": activities[0],
        "activity2": activities[1],
        "slot": (
            await c.post(f"/v1/posts/{post}/interview-slots", json=slot_body(), headers=unit_a_h)
        ).json()["slot_id"],
    }
    return headers, ids


async def _id_number_on_file(world: World, student_id: str) -> None:
    """So that revealing it is allowed for the committee (the matrix's placement never
    reaches 定岗, where the student would give it)."""
    cipher = IdNumberCipher(derive_key(world.settings.id_number_key))
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        await conn.execute(
            "INSERT INTO student_id_number (student_id, ciphertext, masked, recorded_by)"
            " VALUES ($1, $2, '110105********002X', 'test')",
            student_id,
            cipher.encrypt("11010519491231002X", student_id),
        )
    finally:
        await conn.close()


async def _nomination(world: World, student_id: str) -> str:
    """A pending nomination (the matrix has no student on post, who alone may nominate)."""
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        await conn.execute(
            "INSERT INTO branch_nomination (nomination_id, season_id, student_id, office)"
            " VALUES ('BN-matrix', $1, $2, 'committee_member')",
            SEASON,
            student_id,
        )
    finally:
        await conn.close()
    return "BN-matrix"


async def test_every_role_on_every_endpoint(world: World) -> None:
    headers, ids = await _prepare(world)
    problems = []
    for case in cases():
        path = case.template.format(**ids)
        # Refused roles first, so that allowed calls cannot change what they would see.
        for role in sorted(ROLES, key=lambda r: r in case.allowed):
            body = case.body() if callable(case.body) else case.body
            if case.upload:
                form = {"season_id": "2026-summer", "unit_id": ids["unit"]}
                r = await world.client.post(path, headers=headers[role], files=CSV, data=form)
            else:
                r = await world.client.request(
                    case.method,
                    path,
                    headers=headers[role],
                    json=_fill(body, ids),
                    params=case.params,
                )
            if r.status_code >= 500:
                problems.append(f"{case.method} {case.template} as {role}: {r.status_code}")
            elif (role in case.allowed) == _refused(r):
                expected = "allowed" if role in case.allowed else "refused"
                problems.append(
                    f"{case.method} {case.template} as {role}: expected {expected}, "
                    f"got {r.status_code} {r.text[:160]}"
                )
        anonymous = await world.client.request(
            case.method, path, json=_fill(case.body() if callable(case.body) else case.body, ids)
        )
        if anonymous.status_code != 401:
            problems.append(
                f"{case.method} {case.template} without a token: {anonymous.status_code}"
            )
    assert problems == [], "\n".join(problems)


def test_the_matrix_covers_every_endpoint() -> None:
    paths = create_app().openapi()["paths"]
    routes = {(m.upper(), p) for p, ops in paths.items() if p.startswith("/v1/") for m in ops}
    assert len(routes) > 60

    def normal(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    covered = {(c.method, normal(c.template)) for c in cases()}
    missing = {(m, normal(p)) for m, p in routes - PUBLIC} - covered
    assert missing == set()
