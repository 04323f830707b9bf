"""居民身份证号 (ID numbers), asked only at 定岗 for the insurance: validated (GB 11643: 18
characters, a real birth date, the check digit), stored encrypted (AES-GCM), shown masked."""

from __future__ import annotations

import os
import re
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fanxiang_common.auth import Principal
from fanxiang_common.errors import Conflict, Forbidden, Unprocessable
from placement_service.domain.onboarding import Actor, PlacementRef, PlacementStatus, actors

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")
LOC = ("body", "id_number")


def check_digit(first17: str) -> str:
    """GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits."""
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def validate(raw: str, today: date) -> str:
    """The normalised number (upper-case X), or 422 naming ``id_number`` and what is wrong."""
    number = raw.strip().upper()
    if len(number) != 18:
        raise Unprocessable(f"an ID number has 18 characters, not {len(number)}", loc=LOC)
    if not _SHAPE.match(number):
        raise Unprocessable("an ID number is 17 digits and a digit or X", loc=LOC)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise Unprocessable(f"{number[6:14]} is not a date of birth", loc=LOC) from None
    if born > today or born.year < 1900:
        raise Unprocessable(f"{born.isoformat()} is not a possible date of birth", loc=LOC)
    if check_digit(number[:17]) != number[17]:
        raise Unprocessable("the check digit is wrong; please check the number", loc=LOC)
    return number


MIN_SECRET_LENGTH = 32


def derive_key(secret: str) -> bytes:
    """The AES-256 key from the configured secret (any string of at least 32 characters, e.g.
    ``openssl rand -base64 32``), by HKDF-SHA256; ValueError for a short one."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"PLACEMENT_ID_NUMBER_KEY must be at least {MIN_SECRET_LENGTH} characters")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fanxiang id numbers v1")
    return hkdf.derive(secret.encode())


class IdNumberCipher:
    """AES-256-GCM; the stored value is version byte ‖ 96-bit nonce ‖ ciphertext+tag. The
    student id is the associated data, so a ciphertext copied onto another row fails."""

    VERSION = b"\x01"

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, number: str, student_id: str) -> bytes:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, number.encode(), student_id.encode())
        return self.VERSION + nonce + sealed

    def decrypt(self, blob: bytes, student_id: str) -> str:
        if blob[:1] != self.VERSION:
            raise ValueError("unknown ID-number ciphertext version")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], student_id.encode()).decode()
        except InvalidTag:
            raise ValueError("the ID number does not decrypt with this key") from None


# --- who records and who sees it ---------------------------------------------------------------

ASKED_WHEN = frozenset({PlacementStatus.COMMITTED, PlacementStatus.FIXED})
"""Asked at 定岗 only: once the 承诺书 is signed (and correctable while the post is fixed)."""


def may_record(principal: Principal, p: PlacementRef) -> None:
    """The student gives it, or the committee enters it from a paper form, at 定岗."""
    if not actors(principal, p) & {Actor.STUDENT, Actor.COMMITTEE}:
        raise Forbidden(
            "only the student or the committee records the ID number", loc=("path", "placement_id")
        )
    if p.status not in ASKED_WHEN:
        raise Conflict(
            f"placement {p.placement_id} is {p.status.value}; the ID number is asked at 定岗,"
            " after the 承诺书 is signed",
            loc=("path", "placement_id"),
            code="invalid_state",
        )


def may_reveal(principal: Principal, p: PlacementRef) -> None:
    """Only the committee (of the post's or the student's place) or the coordinator."""
    if Actor.COMMITTEE not in actors(principal, p):
        raise Forbidden(
            "only the committee or the coordinator sees a full ID number",
            loc=("path", "placement_id"),
        )


def require_for_fix(masked: str | None) -> None:
    if masked is None:
        raise Conflict(
            "定岗 needs the student's ID number (for the insurance) first",
            loc=("body", "id_number"),
            code="id_number_missing",
        )
