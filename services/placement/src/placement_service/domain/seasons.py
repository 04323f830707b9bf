"""Seasons: the windows in which each action is allowed, and the season's limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fanxiang_common.errors import Conflict, Unprocessable

DEFAULT_MAX_CHOICES = 5


class Phase(StrEnum):
    POSTS = "posts"  # units submit posts
    APPLICATIONS = "applications"  # students apply, edit and withdraw
    INTERVIEWS = "interviews"  # units schedule and score


@dataclass(frozen=True)
class Season:
    season_id: str
    name: str
    posts_open: datetime
    posts_close: datetime
    applications_open: datetime
    applications_close: datetime
    interviews_open: datetime
    interviews_close: datetime
    on_post_start: date
    on_post_end: date
    max_choices: int = DEFAULT_MAX_CHOICES
    closed: bool = False

    def window(self, phase: Phase) -> tuple[datetime, datetime]:
        return {
            Phase.POSTS: (self.posts_open, self.posts_close),
            Phase.APPLICATIONS: (self.applications_open, self.applications_close),
            Phase.INTERVIEWS: (self.interviews_open, self.interviews_close),
        }[phase]

    def require_open(self, phase: Phase, now: datetime) -> None:
        """Refuse an action outside its window, saying when the window is."""
        if self.closed:
            raise Conflict(
                f"season {self.season_id} is closed",
                loc=("body", "season_id"),
                code="season_closed",
            )
        opens, closes = self.window(phase)
        if now < opens:
            raise Conflict(
                f"the {phase} window of season {self.season_id} opens at {opens.isoformat()}",
                loc=("body", "season_id"),
                code="window_not_open",
            )
        if now >= closes:
            raise Conflict(
                f"the {phase} window of season {self.season_id} closed at {closes.isoformat()}",
                loc=("body", "season_id"),
                code="window_closed",
            )


def check_windows(season: Season) -> None:
    """Every window must open before it closes; the on-post period must be ordered."""
    for phase in Phase:
        opens, closes = season.window(phase)
        if opens >= closes:
            raise Unprocessable(
                f"{phase}_open must be before {phase}_close", loc=("body", f"{phase}_close")
            )
    if season.on_post_start > season.on_post_end:
        raise Unprocessable(
            "on_post_start must not be after on_post_end", loc=("body", "on_post_end")
        )
    if not 1 <= season.max_choices <= 20:
        raise Unprocessable("max_choices must be between 1 and 20", loc=("body", "max_choices"))
