"""Phone numbers are masked wherever the front end shows one."""

from __future__ import annotations

import pytest

from fanxiang_web.domain.masking import mask_phone


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13812341234", "138****1234"),
        (" 13812341234 ", "138****1234"),
        ("138****1234", "138****1234"),  # masked by the service already
        ("+8613812341234", "+86*******1234"),
        ("1234567", "1234567"),  # seven digits: prefix and suffix, nothing to hide
        ("123456", "******"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone: str | None, shown: str) -> None:
    assert mask_phone(phone) == shown


def test_a_masked_number_never_shows_the_middle_digits() -> None:
    shown = mask_phone("13987654321")
    assert "8765" not in shown and shown.startswith("139") and shown.endswith("4321")
