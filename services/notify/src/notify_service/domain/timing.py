"""Quiet hours: a non-urgent message on a phone-buzzing channel waits for the morning.

Times are decided in Asia/Shanghai (the programme's clock, whatever the server's), stored and
compared in UTC. The inbox is never held back: it is read when the person chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from notify_service.domain.channels import EXTERNAL, Channel

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class QuietHours:
    start: time = time(22, 0)
    end: time = time(8, 0)
    zone: ZoneInfo = SHANGHAI

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release(self, moment: datetime) -> datetime:
        """``moment`` itself if it is outside quiet hours, else the next end of them (UTC)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(self.zone)
        end = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


def earliest_send(
    channel: Channel, moment: datetime, *, urgent: bool, quiet: QuietHours
) -> datetime:
    """When a delivery may go out, given that it is due at ``moment``."""
    if urgent or channel not in EXTERNAL:
        return moment
    return quiet.release(moment)
