"""When an event is settled: its guest list is final enough to count (DESIGN.md)."""
from __future__ import annotations

from datetime import datetime, timedelta

ASSUMED_LENGTH = timedelta(hours=2)  # an event without an end is taken to last two hours


def event_end(start_at: datetime | None, end_at: datetime | None) -> datetime | None:
    """The event's end: its own, else two hours after its start; None when neither is known."""
    if end_at is not None:
        return end_at
    return start_at + ASSUMED_LENGTH if start_at is not None else None


def is_settled(start_at: datetime | None, end_at: datetime | None, now: datetime,
               settle_hours: float) -> bool:
    """True when the event ended at least `settle_hours` before `now`."""
    end = event_end(start_at, end_at)
    return end is not None and end <= now - timedelta(hours=settle_hours)
