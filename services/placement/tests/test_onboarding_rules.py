"""Onboarding steps, the 承诺书, interview scores, codes and masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, Unauthorized, Unprocessable
from placement_service.domain import codes, onboarding
from placement_service.domain.interviews import overall_score
from placement_service.domain.masking import mask_id_number, mask_phone
from placement_service.domain.onboarding import PlacementRef, PlacementStatus, Step

NOW = datetime(2026, 7, 1, tzinfo=UTC)
STUDENT = Principal(subject="S-1", role=Role.STUDENT)
UNIT = Principal(subject="u", role=Role.UNIT, unit_id="U-1")
COUNTY = Principal(subject="c", role=Role.COUNTY, county="140302")
FAR_COUNTY = Principal(subject="f", role=Role.COUNTY, county="140322")


def placement(status: PlacementStatus, accept_by: datetime | None = None) -> PlacementRef:
    return PlacementRef("PL-1", "S-1", "U-1", status, accept_by, frozenset({"140302"}))


def test_the_whole_path_in_order() -> None:
    path = [
        (STUDENT, Step.ACCEPT),
        (COUNTY, Step.TRAIN),
        (STUDENT, Step.SIGN),
        (COUNTY, Step.FIX),
        (UNIT, Step.ARRIVE),
        (UNIT, Step.COMPLETE),
    ]
    status = PlacementStatus.OFFERED
    for who, step in path:
        status = onboarding.advance(who, placement(status), step, NOW)
    assert status is PlacementStatus.COMPLETED


def test_steps_are_for_their_people_only() -> None:
    with pytest.raises(Forbidden):
        onboarding.advance(UNIT, placement(PlacementStatus.OFFERED), Step.ACCEPT, NOW)
    with pytest.raises(Forbidden):
        onboarding.advance(STUDENT, placement(PlacementStatus.ACCEPTED), Step.TRAIN, NOW)
    with pytest.raises(Forbidden):
        onboarding.advance(FAR_COUNTY, placement(PlacementStatus.COMMITTED), Step.FIX, NOW)
    other = Principal(subject="S-2", role=Role.STUDENT)
    with pytest.raises(Forbidden):
        onboarding.advance(other, placement(PlacementStatus.OFFERED), Step.ACCEPT, NOW)


def test_out_of_order_and_late_steps_are_conflicts() -> None:
    with pytest.raises(Conflict):
        onboarding.advance(COUNTY, placement(PlacementStatus.ACCEPTED), Step.FIX, NOW)
    with pytest.raises(Conflict, match="accepted by"):
        onboarding.advance(
            STUDENT, placement(PlacementStatus.OFFERED, NOW - timedelta(1)), Step.ACCEPT, NOW
        )
    assert (
        onboarding.advance(STUDENT, placement(PlacementStatus.COMMITTED), Step.DECLINE, NOW)
        is PlacementStatus.DECLINED
    )
    with pytest.raises(Conflict):
        onboarding.advance(STUDENT, placement(PlacementStatus.ON_POST), Step.DECLINE, NOW)


def test_the_signature_binds_name_and_text() -> None:
    text = onboarding.commitment_text(
        name="李明", season="2026", unit="团区委", post="助理", starts=None, ends=None
    )
    digest = onboarding.text_digest(text)
    assert len(digest) == 64 and "李明" in text
    onboarding.check_signature(typed_name="李 明", profile_name="李明", text=text, digest=digest)
    onboarding.check_signature(typed_name="ＬＩ", profile_name="LI", text=text, digest=digest)
    with pytest.raises(Unprocessable):
        onboarding.check_signature(typed_name="王五", profile_name="李明", text=text, digest=digest)
    with pytest.raises(Conflict):
        onboarding.check_signature(
            typed_name="李明", profile_name="李明", text=text + "x", digest=digest
        )


def test_overall_score_is_a_weighted_mean() -> None:
    assert overall_score({"a": 80, "b": 90, "c": 70}) == 80.0
    assert overall_score({"a": 80, "b": 60}, {"a": 3, "b": 1}) == 75.0
    for bad, weights in (
        ({}, None),
        ({"a": 101}, None),
        ({"a": 50}, {"b": 1}),
        ({"a": 50}, {"a": 0}),
        ({"a": 50}, {"a": -1}),
    ):
        with pytest.raises(Unprocessable):
            overall_score(bad, weights)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=5).filter(str.strip), st.floats(0, 100), min_size=1, max_size=6
    )
)
def test_overall_score_lies_between_the_lowest_and_highest(scores: dict[str, float]) -> None:
    result = overall_score(scores)
    assert min(scores.values()) - 0.01 <= result <= max(scores.values()) + 0.01


def test_codes_expire_count_attempts_and_compare_hashes() -> None:
    digest = codes.hash_code("pepper-pepper-pepper", "S-1", "login", "123456")
    assert digest != codes.hash_code("another-pepper-value", "S-1", "login", "123456")
    live = codes.StoredCode(digest, NOW + timedelta(minutes=5), 0, False)
    codes.check_code(live, digest, NOW)
    with pytest.raises(Unauthorized) as wrong:
        codes.check_code(live, "0" * 64, NOW)
    assert wrong.value.code == "code_wrong"
    with pytest.raises(Unauthorized, match="expired"):
        codes.check_code(live, digest, NOW + timedelta(minutes=6))
    with pytest.raises(codes.TooManyRequests):
        codes.check_code(
            codes.StoredCode(digest, NOW + timedelta(minutes=5), 5, False), digest, NOW
        )
    with pytest.raises(Unauthorized):
        codes.check_code(codes.StoredCode(digest, NOW + timedelta(minutes=5), 0, True), digest, NOW)
    with pytest.raises(codes.TooManyRequests):
        codes.may_resend(NOW - timedelta(seconds=10), NOW)
    codes.may_resend(NOW - timedelta(seconds=61), NOW)
    assert len(codes.new_code()) == 6
    token = codes.new_api_token()
    assert token.startswith("fxu_") and codes.hash_api_token(token) != token


def test_masking() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) is None
    assert mask_id_number("140302199901011234") == "140302********1234"
