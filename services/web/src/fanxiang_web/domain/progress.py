"""A student's path as the progress bar shows it (PROGRAMME.md, "A student's path"):

已报名 → 资格审核 → 面试 → 录用 → 培训 → 承诺书 → 上岗 → 结束,

computed from placement's application status and the student's placements (offers). The
interview step has no state of its own in the API: it is current once the student is eligible
and done once an offer arrives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

STEPS: tuple[tuple[str, str], ...] = (
    ("applied", "已报名"),
    ("eligible", "资格审核"),
    ("interview", "面试"),
    ("offered", "录用"),
    ("trained", "培训"),
    ("committed", "承诺书"),
    ("on_post", "上岗"),
    ("finished", "结束"),
)


class State(StrEnum):
    DONE = "done"
    CURRENT = "current"
    TODO = "todo"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: State


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]
    # A side exit's label (rejected, withdrawn, offer declined or expired); None on the path.
    exit: str | None
    # The placement the bar follows (the live offer), if any.
    placement: Mapping[str, Any] | None

    @property
    def done(self) -> int:
        return sum(s.state is State.DONE for s in self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.steps))

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.state is State.CURRENT), None)


# Placement status → how many steps are done (application, eligibility and interview included).
_PLACEMENT_DONE = {
    "offered": 3,
    "accepted": 4,
    "trained": 5,
    "committed": 6,
    "fixed": 6,
    "on_post": 7,
    "completed": 8,
}
_ENDED = {"declined": "已放弃录用", "expired": "录用已过期"}


def live_placement(placements: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The offer the student's path follows: the newest one still standing, else the newest."""
    if not placements:
        return None
    newest = sorted(placements, key=lambda p: str(p.get("offered_at") or ""), reverse=True)
    standing = [p for p in newest if p.get("status") not in _ENDED]
    return standing[0] if standing else newest[0]


def _bar(done: int, failed_at: int | None = None, current: bool = True) -> tuple[Step, ...]:
    steps = []
    for i, (key, label) in enumerate(STEPS):
        if i < done:
            state = State.DONE
        elif failed_at == i:
            state = State.FAILED
        elif i == done and current and failed_at is None:
            state = State.CURRENT
        else:
            state = State.TODO
        steps.append(Step(key, label, state))
    return tuple(steps)


def progress(
    application: Mapping[str, Any] | None, placements: Sequence[Mapping[str, Any]] = ()
) -> Progress:
    placement = live_placement(placements)
    if placement is not None:
        status = str(placement.get("status"))
        if status in _ENDED:
            return Progress(_bar(3, failed_at=3), _ENDED[status], placement)
        done = _PLACEMENT_DONE.get(status, 3)
        return Progress(_bar(done, current=done < len(STEPS)), None, placement)
    if application is None:
        return Progress(_bar(0, current=False), None, None)
    state = str(application.get("status"))
    if state == "withdrawn":
        return Progress(_bar(1, current=False), "已退出", None)
    if state == "ineligible":
        return Progress(_bar(1, failed_at=1), "未通过", None)
    if state == "eligible":
        return Progress(_bar(2), None, None)
    return Progress(_bar(1), None, None)
