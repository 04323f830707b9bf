"""No secret that ships in the repository works in production: every service refuses to start
with FANXIANG_ENV=production until each of its secrets is set in the environment."""

from __future__ import annotations

import importlib

import pytest
from pydantic import ValidationError

from fanxiang_common import devkeys
from fanxiang_common.settings import PACKAGES, ServiceSettings

REAL_PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nreal\n-----END PUBLIC KEY-----"
REAL_SECRETS = {  # what an operator sets; each one alone must not be enough
    "FANXIANG_JWT_PUBLIC_KEY": REAL_PUBLIC_KEY,
    "FANXIANG_JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nreal\n-----END PRIVATE KEY-----",
    "PLACEMENT_ID_NUMBER_KEY": "a-real-id-number-secret-of-at-least-32-characters",
    "PLACEMENT_CODE_PEPPER": "a-real-pepper-for-login-codes",
}


def _settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{PACKAGES[service]}.settings")
    [cls] = [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, ServiceSettings) and c.service == service
    ]
    return cls


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_production_refuses_the_repositorys_secrets(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in REAL_SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FANXIANG_ENV", "production")
    settings_class = _settings_class(service)
    with pytest.raises(ValidationError, match="development"):
        settings_class()
    for name, value in REAL_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = settings_class()  # with every secret set, it starts
    assert settings.jwt_public_key == REAL_PUBLIC_KEY != devkeys.PUBLIC_KEY


def test_placement_needs_each_of_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANXIANG_ENV", "production")
    settings_class = _settings_class("placement")
    for missing in REAL_SECRETS:
        for name, value in REAL_SECRETS.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv(missing)
        with pytest.raises(ValidationError, match="development"):
            settings_class()
