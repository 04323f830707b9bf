"""Masking of personal numbers on every page (PIPL; DESIGN.md Privacy).

The services already mask what they list; the front end masks again whatever it shows of a
number it does hold in full (the signed-in student's own phone), so that a page left open on a
shared screen or a screenshot never shows one."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """``13812341234`` → ``138****1234``; something already masked stays as it is; anything
    too short to keep a prefix and a suffix is masked whole."""
    if not phone:
        return ""
    phone = phone.strip()
    if "*" in phone:
        return phone
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
