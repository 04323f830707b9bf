"""ID numbers: GB 11643 validation, AES-GCM at rest, who records and who reveals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import AppError, Conflict, Forbidden
from placement_service.domain import id_numbers as rules
from placement_service.domain.masking import mask_id_number
from placement_service.domain.onboarding import PlacementRef, PlacementStatus
from placement_service.settings import DEV_ID_NUMBER_KEY, PlacementSettings

TODAY = date(2026, 7, 1)


def test_a_valid_number_is_normalised() -> None:
    assert rules.validate(" 11010519491231002x ", TODAY) == "11010519491231002X"
    assert rules.validate("140302200506121237", TODAY) == "140302200506121237"
    assert rules.check_digit("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("", "18 characters"),
        ("1101051949123100", "18 characters"),
        ("01010519491231002X", "17 digits"),
        ("1101051949123100A2", "17 digits"),
        ("110105194902300020", "not a date"),  # 30 February
        ("110105203001010010", "possible"),  # born in the future
        ("110105189912310010", "possible"),
        ("110105194912310020", "check digit"),
    ],
)
def test_wrong_numbers_are_refused_naming_the_field(number: str, why: str) -> None:
    with pytest.raises(AppError) as exc:
        rules.validate(number, TODAY)
    [detail] = exc.value.detail()
    assert detail["loc"] == ["body", "id_number"] and why in detail["msg"]


def test_every_check_digit_position_matters() -> None:
    good = "140302200506121237"
    for i in range(17):
        digit = str((int(good[i]) + 1) % 10)
        if i == 0 and digit == "0":
            continue
        changed = good[:i] + digit + good[i + 1 :]
        try:
            rules.validate(changed, TODAY)
        except AppError as exc:
            assert exc.detail()[0]["loc"] == ["body", "id_number"]
        else:
            pytest.fail(f"{changed} passed")


def test_encryption_round_trips_and_is_bound_to_the_student() -> None:
    cipher = rules.IdNumberCipher(rules.derive_key(DEV_ID_NUMBER_KEY))
    sealed = cipher.encrypt("11010519491231002X", "S-1")
    assert b"11010519491231002X" not in sealed
    assert sealed != cipher.encrypt("11010519491231002X", "S-1")  # a fresh nonce each time
    assert cipher.decrypt(sealed, "S-1") == "11010519491231002X"
    with pytest.raises(ValueError):
        cipher.decrypt(sealed, "S-2")  # copied onto another student's row
    other = rules.IdNumberCipher(rules.derive_key("another-secret-of-at-least-32-characters"))
    with pytest.raises(ValueError):
        other.decrypt(sealed, "S-1")
    with pytest.raises(ValueError):
        rules.derive_key("short")


def test_production_refuses_the_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANXIANG_ENV", "production")
    monkeypatch.setenv("FANXIANG_JWT_PRIVATE_KEY", "x" * 40)
    monkeypatch.setenv("FANXIANG_JWT_PUBLIC_KEY", "y" * 40)
    monkeypatch.setenv("PLACEMENT_CODE_PEPPER", "p" * 20)
    with pytest.raises(ValueError, match="PLACEMENT_ID_NUMBER_KEY"):
        PlacementSettings()
    monkeypatch.setenv("PLACEMENT_ID_NUMBER_KEY", "short")
    with pytest.raises(ValueError, match="PLACEMENT_ID_NUMBER_KEY"):
        PlacementSettings()


def test_masking() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"


def _ref(status: PlacementStatus) -> PlacementRef:
    at = datetime(2026, 7, 1, tzinfo=UTC)
    return PlacementRef("P-1", "S-1", "U-1", status, at, frozenset({"140302"}))


STUDENT = Principal(subject="S-1", role=Role.STUDENT)
OTHER = Principal(subject="S-2", role=Role.STUDENT)
UNIT = Principal(subject="A-u", role=Role.UNIT, unit_id="U-1")
COUNTY = Principal(subject="A-k", role=Role.COUNTY, county="140302")
ELSEWHERE = Principal(subject="A-y", role=Role.COUNTY, county="140322")
CITY = Principal(subject="A-c", role=Role.COORDINATOR)


def test_asked_at_定岗_from_the_student_or_the_committee() -> None:
    for who in (STUDENT, COUNTY, CITY):
        rules.may_record(who, _ref(PlacementStatus.COMMITTED))
        rules.may_record(who, _ref(PlacementStatus.FIXED))
    for who in (OTHER, UNIT, ELSEWHERE):
        with pytest.raises(Forbidden):
            rules.may_record(who, _ref(PlacementStatus.COMMITTED))
    for status in (PlacementStatus.ACCEPTED, PlacementStatus.TRAINED, PlacementStatus.ON_POST):
        with pytest.raises(Conflict):
            rules.may_record(STUDENT, _ref(status))


def test_only_the_committee_reveals_and_定岗_needs_the_number() -> None:
    for who in (COUNTY, CITY):
        rules.may_reveal(who, _ref(PlacementStatus.FIXED))
    for who in (STUDENT, UNIT, ELSEWHERE):
        with pytest.raises(Forbidden):
            rules.may_reveal(who, _ref(PlacementStatus.FIXED))
    rules.require_for_fix("110105********002X")
    with pytest.raises(Conflict):
        rules.require_for_fix(None)
