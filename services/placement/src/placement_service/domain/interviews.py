"""Interviews (双向选择): slots applicants book, per-criterion score sheets → an overall score,
and refusal (不录用)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from fanxiang_common.errors import Conflict, Unprocessable

MAX_SCORE = 100.0


def overall_score(scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """Weighted mean of the criteria's scores (0–100), rounded to 2 places. Without weights
    every criterion counts the same; a weight for a criterion not scored is an error."""
    if not scores:
        raise Unprocessable("score at least one criterion", loc=("body", "scores"))
    for name, value in scores.items():
        if not name.strip():
            raise Unprocessable("a criterion needs a name", loc=("body", "scores"))
        if not 0 <= value <= MAX_SCORE:
            raise Unprocessable(
                f"{name}: a score is between 0 and {MAX_SCORE:g}, got {value}",
                loc=("body", "scores", name),
            )
    weights = dict(weights or {})
    for name, w in weights.items():
        if name not in scores:
            raise Unprocessable(
                f"weight for {name}, which is not scored", loc=("body", "weights", name)
            )
        if w < 0:
            raise Unprocessable("a weight may not be negative", loc=("body", "weights", name))
    total_weight = sum(weights.get(n, 1.0) for n in scores)
    if total_weight <= 0:
        raise Unprocessable("the weights add up to nothing", loc=("body", "weights"))
    total = sum(v * weights.get(n, 1.0) for n, v in scores.items())
    return round(total / total_weight, 2)


# --- slots the applicants book ------------------------------------------------------------------

MAX_SLOT_LENGTH = timedelta(hours=8)


@dataclass(frozen=True)
class SlotDraft:
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    capacity: int


def check_slot(slot: SlotDraft, window: tuple[datetime, datetime], now: datetime) -> None:
    """A slot lies in the future, inside the season's interviews window, is at most eight
    hours long and says where (a place, an online link, or both)."""
    opens, closes = window
    if slot.starts_at <= now:
        raise Unprocessable("a slot must start in the future", loc=("body", "starts_at"))
    if slot.ends_at <= slot.starts_at:
        raise Unprocessable("a slot must end after it starts", loc=("body", "ends_at"))
    if slot.ends_at - slot.starts_at > MAX_SLOT_LENGTH:
        raise Unprocessable("a slot lasts at most 8 hours", loc=("body", "ends_at"))
    if slot.starts_at < opens:
        raise Unprocessable(
            f"the interviews window opens at {opens.isoformat()}", loc=("body", "starts_at")
        )
    if slot.ends_at > closes:
        raise Unprocessable(
            f"the interviews window closes at {closes.isoformat()}", loc=("body", "ends_at")
        )
    if slot.place is None and slot.online_url is None:
        raise Unprocessable("say where: a place or an online link", loc=("body", "place"))
    if not 1 <= slot.capacity <= 500:
        raise Unprocessable("capacity is between 1 and 500", loc=("body", "capacity"))


def require_not_started(starts_at: datetime, now: datetime, loc: tuple[str, ...]) -> None:
    """Bookings are made, moved and cancelled only before the slot starts."""
    if now >= starts_at:
        raise Conflict(
            f"the interview at {starts_at.isoformat()} has started; it cannot be changed",
            loc=loc,
            code="slot_started",
        )


def slot_full() -> Conflict:
    return Conflict("this slot is full; choose another", loc=("body", "slot_id"), code="slot_full")


def where(place: str | None, online_url: str | None) -> str:
    """The interview's place as one line (the event and the applicant list carry one)."""
    return " / ".join(p for p in (place, online_url) if p)
