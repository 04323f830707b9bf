"""Onboarding, after matching's offer: accept or decline, pre-job training, the 承诺书, 定岗,
arrival (on post) and completion — and who may record each step."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden, Unprocessable


class PlacementStatus(StrEnum):
    OFFERED = "offered"  # 已录用 (offer made, awaiting the student)
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    TRAINED = "trained"  # 已参加岗前培训
    COMMITTED = "committed"  # 已签承诺书
    FIXED = "fixed"  # 定岗
    ON_POST = "on_post"  # 已上岗
    COMPLETED = "completed"  # 已结束


class Step(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    TRAIN = "train"
    SIGN = "sign"
    FIX = "fix"
    ARRIVE = "arrive"
    COMPLETE = "complete"


P = PlacementStatus
STEPS: dict[Step, tuple[frozenset[PlacementStatus], PlacementStatus]] = {
    Step.ACCEPT: (frozenset({P.OFFERED}), P.ACCEPTED),
    # A student may still step back after accepting, until the post is fixed.
    Step.DECLINE: (frozenset({P.OFFERED, P.ACCEPTED, P.TRAINED, P.COMMITTED}), P.DECLINED),
    Step.TRAIN: (frozenset({P.ACCEPTED}), P.TRAINED),
    Step.SIGN: (frozenset({P.TRAINED}), P.COMMITTED),
    Step.FIX: (frozenset({P.COMMITTED}), P.FIXED),
    Step.ARRIVE: (frozenset({P.FIXED}), P.ON_POST),
    Step.COMPLETE: (frozenset({P.ON_POST}), P.COMPLETED),
}

HOLDS_A_PLACE = frozenset({P.ACCEPTED, P.TRAINED, P.COMMITTED, P.FIXED, P.ON_POST, P.COMPLETED})
"""States that count against the post's capacity."""

CONTACT_VISIBLE = frozenset(PlacementStatus) - {P.DECLINED, P.EXPIRED}
"""Once an offer stands, the unit sees the student's contact unmasked."""


class Actor(StrEnum):
    STUDENT = "student"
    UNIT = "unit"
    COMMITTEE = "committee"  # the county committee (post's or student's place) or the city


WHO: dict[Step, frozenset[Actor]] = {
    Step.ACCEPT: frozenset({Actor.STUDENT}),
    Step.DECLINE: frozenset({Actor.STUDENT}),
    Step.TRAIN: frozenset({Actor.COMMITTEE}),
    Step.SIGN: frozenset({Actor.STUDENT}),
    Step.FIX: frozenset({Actor.COMMITTEE}),
    Step.ARRIVE: frozenset({Actor.UNIT, Actor.COMMITTEE}),
    Step.COMPLETE: frozenset({Actor.UNIT, Actor.COMMITTEE}),
}


@dataclass(frozen=True)
class PlacementRef:
    placement_id: str
    student_id: str
    unit_id: str
    status: PlacementStatus
    accept_by: datetime | None
    committee_orgs: frozenset[str]
    """Managing orgs of the post's place and of the student's home place."""


def actors(principal: Principal, p: PlacementRef) -> set[Actor]:
    found: set[Actor] = set()
    if principal.role is Role.STUDENT and principal.subject == p.student_id:
        found.add(Actor.STUDENT)
    if principal.role is Role.UNIT and principal.unit_id == p.unit_id:
        found.add(Actor.UNIT)
    if principal.role is Role.COORDINATOR or (
        principal.role is Role.COUNTY and principal.county in p.committee_orgs
    ):
        found.add(Actor.COMMITTEE)
    return found


def can_view(principal: Principal, p: PlacementRef) -> bool:
    return bool(actors(principal, p))


def advance(principal: Principal, p: PlacementRef, step: Step, now: datetime) -> PlacementStatus:
    """The state after ``step``; 403 for the wrong person, 409 for the wrong moment."""
    if not actors(principal, p) & WHO[step]:
        who = " or ".join(sorted(a.value for a in WHO[step]))
        raise Forbidden(f"only the {who} records '{step.value}'", loc=("path", "placement_id"))
    sources, target = STEPS[step]
    if p.status not in sources:
        raise Conflict(
            f"placement {p.placement_id} is {p.status.value}; '{step.value}' is not possible now",
            loc=("path", "placement_id"),
            code="invalid_state",
        )
    if step is Step.ACCEPT and p.accept_by is not None and now > p.accept_by:
        raise Conflict(
            f"the offer had to be accepted by {p.accept_by.isoformat()}",
            loc=("path", "placement_id"),
            code="offer_expired",
        )
    return target


# --- 承诺书 -----------------------------------------------------------------------------------

COMMITMENT_VERSION = "2026.1"
_COMMITMENT_TEMPLATE = """大学生"返家乡"社会实践承诺书（版本 {version}）

本人 {name}，自愿参加 {season} 大学生"返家乡"社会实践活动，在 {unit}（岗位：{post}）
实践，时间 {starts} 至 {ends}。本人承诺：
一、遵守国家法律法规和实践单位的规章制度，服从带教老师的安排；
二、按时到岗，不迟到早退，有事提前请假；
三、注意人身和财产安全，往返途中遵守交通规则；
四、保守实践单位的工作秘密，不泄露在实践中接触到的个人信息；
五、认真完成实践任务，如实记录实践情况。
"""


def commitment_text(
    *, name: str, season: str, unit: str, post: str, starts: date | None, ends: date | None
) -> str:
    """The exact text the student reads and signs; its sha256 is stored with the signature."""
    return _COMMITMENT_TEMPLATE.format(
        version=COMMITMENT_VERSION,
        name=name,
        season=season,
        unit=unit,
        post=post,
        starts=starts.isoformat() if starts else "待定",
        ends=ends.isoformat() if ends else "待定",
    )


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normal(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def check_signature(*, typed_name: str, profile_name: str, text: str, digest: str) -> None:
    """The typed name must be the student's own; the digest must be of the text shown now
    (so a text changed since the student read it cannot be signed blind)."""
    if _normal(typed_name) != _normal(profile_name):
        raise Unprocessable("type your name exactly as in your profile", loc=("body", "typed_name"))
    if digest != text_digest(text):
        raise Conflict(
            "the commitment text changed since it was shown; read it again and sign",
            loc=("body", "text_sha256"),
            code="text_changed",
        )
