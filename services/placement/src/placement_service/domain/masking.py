"""Masking of personal numbers in every list (PIPL; DESIGN.md Privacy)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """``13812341234`` → ``138****1234``; anything too short is masked whole."""
    if phone is None:
        return None
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(number: str | None) -> str | None:
    """``140302199901011234`` → ``140302********1234`` (first 6, last 4)."""
    if number is None:
        return None
    if len(number) < 10:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"
