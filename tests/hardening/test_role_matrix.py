"""Every role on every endpoint of matching, survey and notify: who may call it, and that every
other role is refused (403) and a caller without a token too (401). The tables below are the
policy (docs/matching.md, docs/survey.md, docs/notify.md), written out by hand so that a
change to a route's roles fails here; a last test fails when an endpoint is not in a table.
Placement has its own, finer matrix with tenants (tests/integration/placement/test_authorisation.py);
tenant rules here (a county reads its own county) are tested in each service's tests.

Allowed callers may still get 404 or 422 (the ids and bodies below are placeholders): the
matrix is about being let in, not about the answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, serve_in_process
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from notify_service.app import create_app as create_notify
from notify_service.settings import NotifySettings
from survey_service.app import create_app as create_survey
from survey_service.settings import SurveySettings

pytestmark = pytest.mark.integration

CALLERS = {
    "coordinator": bearer(Role.COORDINATOR, "m-coordinator"),
    "county": bearer(Role.COUNTY, "m-county", county="140302"),
    "unit": bearer(Role.UNIT, "m-unit", unit_id="U-m"),
    "student": bearer(Role.STUDENT, "m-student"),
    "liaison": bearer(Role.LIAISON, "m-liaison", city="北京"),
    "officer": bearer(Role.OFFICER, "m-officer"),
    "service": bearer(Role.SERVICE, "m-service"),
}
ALL = set(CALLERS)
PEOPLE = ALL - {"service"}  # everyone with an inbox
COMMITTEES = {"coordinator", "county"}
COORDINATOR = {"coordinator"}
ID = str(uuid.uuid4())
QID = "fanxiang-return-home-survey"

Row = tuple[str, str, set[str]]

MATCHING: list[Row] = [
    ("GET", "/v1/read-model/posts/P-x", COMMITTEES),
    ("GET", "/v1/read-model/applications/A-x", COMMITTEES),
    ("POST", "/v1/rounds/preview", COORDINATOR),
    ("POST", "/v1/rounds", COORDINATOR),
    ("GET", "/v1/rounds", COMMITTEES),
    ("GET", "/v1/rounds/R-x", COMMITTEES),
    ("GET", "/v1/rounds/R-x/students/S-x", COMMITTEES),
    ("POST", "/v1/rounds/R-x/publish", COORDINATOR),
    ("POST", "/v1/rounds/R-x/overrides", COORDINATOR),
]
SURVEY: list[Row] = [
    ("GET", f"/v1/questionnaires/{QID}", ALL),
    ("POST", f"/v1/questionnaires/{QID}/responses", {"student", "coordinator", "service"}),
    ("GET", f"/v1/questionnaires/{QID}/analysis", COMMITTEES),
    ("GET", f"/v1/questionnaires/{QID}/report", COMMITTEES),
    ("POST", "/v1/imports", COORDINATOR),
    ("GET", "/v1/imports", COORDINATOR),
    ("GET", "/v1/imports/I-x", COORDINATOR),
]
NOTIFY: list[Row] = [
    ("GET", "/v1/inbox", PEOPLE),
    ("GET", "/v1/inbox/unread-count", PEOPLE),
    ("POST", f"/v1/inbox/{ID}/read", PEOPLE),
    ("POST", "/v1/inbox/read-all", PEOPLE),
    ("GET", "/v1/me/preferences", PEOPLE),
    ("PUT", "/v1/me/preferences", PEOPLE),
    ("POST", "/v1/broadcasts", {"liaison"}),
    ("GET", "/v1/broadcasts", {"liaison", "coordinator"}),
    ("GET", f"/v1/broadcasts/{ID}", {"liaison", "coordinator"}),
    ("POST", f"/v1/broadcasts/{ID}/approve", COORDINATOR),
    ("POST", f"/v1/broadcasts/{ID}/reject", COORDINATOR),
    ("GET", "/v1/broadcasts/policy/approval", {"liaison", "coordinator"}),
    ("PUT", "/v1/broadcasts/policy/approval", COORDINATOR),
    ("GET", "/v1/dead-letters", COORDINATOR),
    ("POST", "/v1/dead-letters/1/retry", COORDINATOR),
    # A trail is readable by whoever may read the notification: any caller is let in and then
    # answered 404 for what is not theirs (tests/integration/notify/test_authorisation.py).
    ("GET", f"/v1/notifications/{ID}/trail", ALL),
]
SERVICES: dict[str, tuple[Callable[[Any], FastAPI], type, dict[str, Any], list[Row]]] = {
    "matching": (create_matching, MatchingSettings, {}, MATCHING),
    "survey": (create_survey, SurveySettings, {}, SURVEY),
    "notify": (create_notify, NotifySettings, {"dev_mail_sink": False}, NOTIFY),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_role_on_every_endpoint(
    service: str, service_settings: SettingsFactory
) -> None:
    create, settings_class, overrides, rows = SERVICES[service]
    problems: list[str] = []
    async with serve_in_process(create(service_settings(settings_class, **overrides))) as client:
        for method, path, allowed in rows:
            anonymous = await client.request(method, path)
            if anonymous.status_code != 401:
                problems.append(f"{method} {path} without a token: {anonymous.status_code}")
            for caller, headers in CALLERS.items():
                r = await client.request(method, path, headers=headers)
                refused = r.status_code in (401, 403)
                if r.status_code >= 500:
                    problems.append(f"{method} {path} as {caller}: {r.status_code}")
                elif refused == (caller in allowed):
                    expected = "let in" if caller in allowed else "refused"
                    problems.append(
                        f"{method} {path} as {caller}: expected {expected}, "
                        f"got {r.status_code} {r.text[:120]}"
                    )
                elif refused:
                    assert r.json()["detail"][0]["msg"], "a refusal says why"
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_tables_cover_every_endpoint(service: str) -> None:
    create, _, _, rows = SERVICES[service]
    paths = create(None).openapi()["paths"]
    routes = {
        (m.upper(), _shape(p)) for p, ops in paths.items() if p.startswith("/v1/") for m in ops
    }
    covered = {(m, _shape(p)) for m, p, _ in rows}
    assert routes - covered == set(), "endpoints missing from the role table"
    assert covered - routes == set(), "rows for endpoints that do not exist"


def _shape(path: str) -> str:
    """``/v1/rounds/{round_id}`` and ``/v1/rounds/R-x`` both → ``/v1/rounds/{}``."""
    if "{" in path:
        return re.sub(r"\{[^}]+\}", "{}", path)
    parts = path.split("/")
    fixed = {
        "v1",
        "read-model",
        "posts",
        "applications",
        "rounds",
        "preview",
        "students",
        "publish",
        "overrides",
        "questionnaires",
        "responses",
        "analysis",
        "report",
        "imports",
        "inbox",
        "unread-count",
        "read",
        "read-all",
        "me",
        "preferences",
        "broadcasts",
        "approve",
        "reject",
        "policy",
        "approval",
        "dead-letters",
        "retry",
        "notifications",
        "trail",
        "",
    }
    return "/".join(p if p in fixed else "{}" for p in parts)
