"""Property-based fuzzing of every service's HTTP API from its own OpenAPI (schemathesis).

Each service runs for real (uvicorn on 127.0.0.1, its own fresh database, a fresh Kafka topic
namespace) and schemathesis sends it generated requests — valid ones and deliberately invalid
ones (wrong types, missing fields, values outside the schema) — as each role that uses it.
Two properties must hold for every request:

- no response is a 5xx (503 is allowed only when the service says its database or Kafka is
  away, which does not happen here, so it fails too);
- every 4xx says what is wrong: the common error body ``{"detail": [{"loc", "msg", "type"}]}``
  with a message, or for the web front end's HTML pages any non-empty page.

Generation is derandomised, so a run is reproducible and a failure names the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from fanxiang_common.auth import Role
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_common.settings import ServiceSettings
from fanxiang_local.testing import LiveServer, SettingsFactory, bearer

pytestmark = [
    pytest.mark.integration,
    # schemathesis's negative generation draws from `random`; harmless here (derandomised).
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

EXAMPLES_PER_OPERATION = 12


@dataclass(frozen=True)
class Target:
    create_app: Callable[[Any], Any]
    settings_class: type[ServiceSettings]
    overrides: dict[str, Any]


def _targets() -> dict[str, Target]:
    from matching_service.app import create_app as matching
    from matching_service.settings import MatchingSettings
    from notify_service.app import create_app as notify
    from notify_service.settings import NotifySettings
    from placement_service.app import create_app as placement
    from placement_service.settings import PlacementSettings
    from survey_service.app import create_app as survey
    from survey_service.settings import SurveySettings

    return {
        "placement": Target(placement, PlacementSettings, {}),
        "matching": Target(matching, MatchingSettings, {}),
        "survey": Target(survey, SurveySettings, {}),
        "notify": Target(notify, NotifySettings, {"dev_mail_sink": False}),
    }


# Who calls each service: every operation is fuzzed as each of these.
CALLERS: dict[str, dict[str, str]] = {
    "coordinator": bearer(Role.COORDINATOR, "fuzz-coordinator"),
    "county": bearer(Role.COUNTY, "fuzz-county", county="140302"),
    "unit": bearer(Role.UNIT, "fuzz-unit", unit_id="U-fuzz"),
    "student": bearer(Role.STUDENT, "fuzz-student"),
    "anonymous": {},
}


@contextlib.contextmanager
def _served(name: str, server_url: str, bootstrap: str) -> Iterator[LiveServer]:
    target = _targets()[name]
    factory = SettingsFactory(server_url, bootstrap)
    asyncio.run(ensure_topics(bootstrap, namespace=factory.namespace))
    settings = factory(target.settings_class, log_level="WARNING", **target.overrides)
    try:
        with LiveServer(target.create_app(settings)) as server:
            yield server
    finally:
        asyncio.run(factory.clean_up())


@pytest.fixture(scope="module", params=sorted(_targets()))
def live_service(
    request: pytest.FixtureRequest, postgres_server_url: str, kafka_bootstrap: str
) -> Iterator[LiveServer]:
    with _served(request.param, postgres_server_url, kafka_bootstrap) as server:
        _wait_ready(server.url)
        yield server


def _wait_ready(url: str, within: float = 120.0) -> None:
    """Fuzz a service that is up: until Kafka connects, /readyz (rightly) says 503."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise AssertionError(f"{url} did not become ready within {within:.0f} s")


@pytest.fixture(scope="module")
def api_schema(live_service: LiveServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_service.url}/openapi.json")


def error_names_the_problem(ctx: schemathesis.CheckContext, response: Any, case: Any) -> bool:
    """A 4xx says what is wrong, in the common error body."""
    if not 400 <= response.status_code < 500:
        return True
    if response.headers.get("content-type", [""])[0].startswith("text/html"):
        assert response.content, f"{response.status_code} with an empty page"
        return True
    body = response.json()
    details = body.get("detail") if isinstance(body, dict) else None
    assert isinstance(details, list) and details, (
        f"{response.status_code} without a list of problems: {body!r}"
    )
    for item in details:
        assert item.get("msg"), f"{response.status_code} names no problem: {item!r}"
        assert "loc" in item and "type" in item, f"problem without loc/type: {item!r}"
    return True


def no_server_error(ctx: schemathesis.CheckContext, response: Any, case: Any) -> bool:
    if case.formatted_path == "/readyz" and response.status_code == 503:
        return True  # "not ready" is what /readyz is for (e.g. Kafka reconnecting)
    assert response.status_code < 500, (
        f"{response.status_code} for {case.method} {case.formatted_path}: {response.text[:500]}"
    )
    return True


def _fuzz(operation: Any, mode: GenerationMode, base_url: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        for caller, headers in CALLERS.items():
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            try:
                case.validate_response(response, checks=[no_server_error, error_names_the_problem])
            except Exception as exc:
                exc.add_note(f"caller: {caller}; request: {case.as_curl_command()}")
                raise

    run()


def test_no_5xx_and_every_4xx_names_the_problem(
    api_schema: schemathesis.BaseSchema, live_service: LiveServer
) -> None:
    """Every operation, with valid and with invalid input, as every caller."""
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():  # Ok(operation) or Err(invalid schema)
        operation = result.ok()  # type: ignore[union-attr]
        operations += 1
        for mode in GenerationMode:
            try:
                _fuzz(operation, mode, live_service.url)
            except Unsatisfiable:  # no parameters at all: nothing invalid to send
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:
                notes = "; ".join(getattr(exc, "__notes__", []))
                failures.append(f"{operation.label} [{mode.value}]: {exc} ({notes})"[:1500])
    assert operations > 0
    assert not failures, f"{len(failures)} operations failed:\n" + "\n".join(failures)
