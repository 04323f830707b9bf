from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fanxiang_common import devkeys
from fanxiang_common.auth import Principal, Role, issue_token, verify_token
from fanxiang_common.errors import Unauthorized


def test_a_token_carries_the_role_and_scope() -> None:
    who = Principal(subject="u-7", role=Role.COUNTY, county="140322")
    seen = verify_token(issue_token(who, devkeys.PRIVATE_KEY), devkeys.PUBLIC_KEY)
    assert (seen.subject, seen.role, seen.county, seen.unit_id) == (
        "u-7",
        Role.COUNTY,
        "140322",
        None,
    )
    assert seen.token_id


def test_an_expired_token_is_refused() -> None:
    token = issue_token(
        Principal(subject="s", role=Role.STUDENT), devkeys.PRIVATE_KEY, ttl=timedelta(seconds=-1)
    )
    with pytest.raises(Unauthorized, match="expired"):
        verify_token(token, devkeys.PUBLIC_KEY)


def test_a_token_signed_by_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = issue_token(Principal(subject="s", role=Role.COORDINATOR), other.decode())
    with pytest.raises(Unauthorized, match="not valid"):
        verify_token(token, devkeys.PUBLIC_KEY)


def test_county_scope() -> None:
    assert Principal(subject="c", role=Role.COUNTY, county="140302").in_county("140302")
    assert not Principal(subject="c", role=Role.COUNTY, county="140302").in_county("140322")
    assert Principal(subject="c", role=Role.COORDINATOR).in_county("140322")
    assert not Principal(subject="s", role=Role.STUDENT).in_county("140322")
