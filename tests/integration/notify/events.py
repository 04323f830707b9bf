"""Sample events for notify's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fanxiang_common.events.matching import OfferMadeV1
from fanxiang_common.events.placement import (
    ApplicationSubmittedV1,
    LoginCodeRequestedV1,
    PostPublishedV1,
    StudentRegisteredV1,
    UnitRegisteredV1,
)


def student(sid: str, *, city: str = "北京", email: str | None = None) -> StudentRegisteredV1:
    return StudentRegisteredV1(
        student_id=sid, name=f"学生{sid}", phone="13800000000", email=email or f"{sid}@example.edu.cn",
        university="某大学", university_city=city, university_province="北京", grade="大二",
        major="社会学", home_county="140302",
    )  # fmt: skip


def unit(uid: str) -> UnitRegisteredV1:
    return UnitRegisteredV1(
        unit_id=uid, name="城区团区委", unit_type="党政机关", county="140302",
        contact_name="王老师", contact_phone="13900000001", contact_email=f"{uid}@unit.example.cn",
    )  # fmt: skip


def post(pid: str, uid: str = "U-1", title: str = "团委办公室助理") -> PostPublishedV1:
    return PostPublishedV1(
        post_id=pid, unit_id=uid, season_id="2026-summer", title=title, category="政务实践",
        county="140302", capacity=2,
    )  # fmt: skip


def application(sid: str, aid: str | None = None) -> ApplicationSubmittedV1:
    return ApplicationSubmittedV1(
        application_id=aid or f"APP-{sid}", student_id=sid, season_id="2026-summer",
        home_county="140302", choices=["P-1", "P-2", "P-3"],
    )  # fmt: skip


def offer(sid: str, pid: str = "P-1") -> OfferMadeV1:
    return OfferMadeV1(
        student_id=sid, post_id=pid, round_id="R-1",
        accept_by=datetime(2026, 7, 10, 4, 0, tzinfo=UTC),
    )  # fmt: skip


def login_code(account: str, code: str = "042137") -> LoginCodeRequestedV1:
    return LoginCodeRequestedV1(
        account_id=account, role="student", phone="13800000009", code=code, purpose="login",
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
    )  # fmt: skip
