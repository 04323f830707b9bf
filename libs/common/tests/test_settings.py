from __future__ import annotations

import pytest
from pydantic import ValidationError

from fanxiang_common import devkeys
from fanxiang_common.settings import SERVICES, service_database_url
from matching_service.settings import MatchingSettings
from placement_service.settings import PlacementSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS",
        "FANXIANG_ENV",
        "PLACEMENT_PORT",
        "PLACEMENT_DATABASE_URL",
        "FANXIANG_JWT_PUBLIC_KEY",
        "FANXIANG_JWT_PRIVATE_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


def test_each_service_has_its_own_database_on_the_shared_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw@db.example:5432/postgres")
    assert (
        PlacementSettings().database_url == "postgresql://app:pw@db.example:5432/fanxiang_placement"
    )
    assert (
        MatchingSettings().database_url == "postgresql://app:pw@db.example:5432/fanxiang_matching"
    )


def test_a_service_specific_database_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://a@b/postgres")
    monkeypatch.setenv("PLACEMENT_DATABASE_URL", "postgresql://a@elsewhere/placement")
    assert PlacementSettings().database_url == "postgresql://a@elsewhere/placement"


def test_ports_default_per_service_and_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (PlacementSettings().port, MatchingSettings().port) == (
        SERVICES["placement"],
        SERVICES["matching"],
    )
    monkeypatch.setenv("PLACEMENT_PORT", "9101")
    assert PlacementSettings().port == 9101
    monkeypatch.setenv("PLACEMENT_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="port"):
        PlacementSettings()


def test_keyword_database_url_is_not_confused_with_the_server_url() -> None:
    settings = PlacementSettings(database_url="postgresql://x@y/mine")
    assert settings.database_url == "postgresql://x@y/mine"


def test_production_refuses_the_development_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANXIANG_ENV", "production")
    with pytest.raises(ValidationError, match="development key"):
        MatchingSettings()
    monkeypatch.setenv(
        "FANXIANG_JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nreal\n-----END PUBLIC KEY-----"
    )
    assert MatchingSettings().jwt_public_key != devkeys.PUBLIC_KEY
    with pytest.raises(ValidationError, match="development key"):
        PlacementSettings()  # still signing with the development private key


def test_service_database_url_keeps_credentials_and_options() -> None:
    assert (
        service_database_url("postgresql://u:p@h:1/postgres?sslmode=require", "survey")
        == "postgresql://u:p@h:1/fanxiang_survey?sslmode=require"
    )
