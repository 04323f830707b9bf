"""Validated settings, read from the environment.

Every service builds its own `ServiceSettings` subclass with its name and default port. The
environment contract (also what deploy/compose and deploy/k8s set, checked by a test):

- ``FANXIANG_ENV``: development | test | production. Development keys only work outside production.
- ``KAFKA_BOOTSTRAP_SERVERS``: the Kafka cluster, e.g. ``127.0.0.1:29092``.
- ``DATABASE_URL``: the PostgreSQL *server*; a service uses its own database ``fanxiang_<service>``
  on it, unless ``<SERVICE>_DATABASE_URL`` names the service's database exactly.
- ``<SERVICE>_HOST`` / ``<SERVICE>_PORT``: where the service listens (ports 8000–8004).
- ``<SERVICE>_URL``: where other services (the web front end) reach it.
- ``FANXIANG_JWT_PUBLIC_KEY`` (every service) and ``FANXIANG_JWT_PRIVATE_KEY`` (placement only):
  Ed25519 PEM keys for the bearer tokens placement issues.
- ``LOG_LEVEL``, ``LOG_FORMAT`` (json | text).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fanxiang_common import devkeys

SERVICES: dict[str, int] = {
    "web": 8000,
    "placement": 8001,
    "matching": 8002,
    "survey": 8003,
    "notify": 8004,
}
"""Every service and its default port (DESIGN.md contract 2)."""

PACKAGES: dict[str, str] = {
    "web": "fanxiang_web",
    "placement": "placement_service",
    "matching": "matching_service",
    "survey": "survey_service",
    "notify": "notify_service",
}
"""Every service's import name (DESIGN.md, Conventions): ``python -m <package>`` serves it."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def service_database_url(server_url: str, service: str) -> str:
    """The URL of ``fanxiang_<service>`` on the server that ``server_url`` points at."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/fanxiang_{service}"))


def service_url(service: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{SERVICES[service]}"


class ServiceSettings(BaseSettings):
    """Settings every service has.

    A subclass sets ``service`` and redeclares ``host``, ``port`` and ``database_url`` with its
    own ``<SERVICE>_HOST``, ``<SERVICE>_PORT`` and ``<SERVICE>_DATABASE_URL`` aliases and default
    port; the other fields are shared by every service.
    """

    service: ClassVar[str] = ""

    # Case-sensitive: init keywords (by field name, e.g. ``database_url``) must never be
    # mistaken for an environment alias spelled the same in capitals (``DATABASE_URL``).
    model_config = SettingsConfigDict(
        env_ignore_empty=True, extra="ignore", validate_by_name=True, case_sensitive=True
    )

    environment: Environment = Field(
        default=Environment.DEVELOPMENT, validation_alias="FANXIANG_ENV"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:29092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    database_server_url: str = Field(
        default="postgresql://postgres@127.0.0.1:55432/postgres", validation_alias="DATABASE_URL"
    )
    database_url: str = ""
    jwt_public_key: str = Field(
        default=devkeys.PUBLIC_KEY, validation_alias="FANXIANG_JWT_PUBLIC_KEY"
    )
    # Prefixes every topic and consumer group, so that several stacks (or tests) can share one
    # Kafka cluster without seeing each other's events. Empty in a normal deployment.
    kafka_namespace: str = Field(default="", validation_alias="KAFKA_NAMESPACE")
    migrate_on_start: bool = Field(default=True, validation_alias="MIGRATE_ON_START")
    # Consumers: how fast a lost member is noticed. Kafka's floor is group.min.session.timeout.ms.
    kafka_session_timeout_ms: int = Field(
        default=10_000, ge=1000, validation_alias="KAFKA_SESSION_TIMEOUT_MS"
    )
    outbox_batch_size: int = Field(
        default=500, ge=1, le=10_000, validation_alias="OUTBOX_BATCH_SIZE"
    )
    outbox_poll_interval_s: float = Field(
        default=0.5, gt=0, le=60, validation_alias="OUTBOX_POLL_INTERVAL_S"
    )
    # After start, move everything loaded so far (modules, models, the app: it lives as long as
    # the process) out of the cyclic collector's reach; its full passes otherwise stall every
    # request for ~0.1 s several times a minute under load (bench/placement/README.md).
    # Off in the test suite, where many services start and stop in one process.
    gc_freeze: bool = Field(default=True, validation_alias="GC_FREEZE")
    # A JSON (or form) body larger than this is refused with 413 before it is read whole; file
    # uploads (multipart) are bounded by the routes that take them.
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, validation_alias="MAX_REQUEST_BODY_BYTES"
    )
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    log_format: Literal["json", "text"] = Field(default="json", validation_alias="LOG_FORMAT")

    @model_validator(mode="after")
    def _derive_and_guard(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = service_database_url(self.database_server_url, self.service)
        if self.environment is Environment.PRODUCTION and self.jwt_public_key == devkeys.PUBLIC_KEY:
            raise ValueError(
                "FANXIANG_JWT_PUBLIC_KEY is the development key; set a real key in production"
            )
        return self

    def topic(self, name: str) -> str:
        """The physical name of a logical topic (see ``kafka_namespace``)."""
        return f"{self.kafka_namespace}{name}"

    @property
    def source(self) -> str:
        """CloudEvents ``source`` of the events this service emits."""
        return f"/fanxiang/{self.service}"
