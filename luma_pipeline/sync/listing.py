"""Pure: several calendars' event lists merged into one row per event and one link per (event,
calendar), whatever order the calendars and their entries come in; and which of an event's
fields Luma changed."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

MANAGED, LISTED = "managed", "listed"


@dataclass
class CalendarListing:
    """What one calendar's key listed: each event's row and its calendar's id, the calendar's
    own id (from Luma, else inferred), and how many entries could not be read."""

    calendar: str
    rows: list[tuple[dict, str | None]] = field(default_factory=list)  # (row, event's calendar id)
    own_id: str | None = None
    skipped: int = 0
    fetched: int = 0


def own_calendar_id(told: str | None, event_calendar_ids: list[str | None]) -> str | None:
    """The calendar's own id: what Luma said, else the calendar id most of its events carry (the
    events it manages; ties to the smallest id), else None."""
    if told:
        return told
    counts = Counter(i for i in event_calendar_ids if i)
    if not counts:
        return None
    return min(counts, key=lambda i: (-counts[i], i))


def relation(event_calendar_id: str | None, own_id: str | None) -> str:
    """`managed` when the event's calendar is this one (or either id is unknown), else `listed`."""
    if event_calendar_id and own_id and event_calendar_id != own_id:
        return LISTED
    return MANAGED


def merge_listings(listings: list[CalendarListing]) -> tuple[list[dict], dict[tuple[str, str], str]]:
    """One row per Luma event id and {(luma event id, calendar): relation}, the same in any order.

    When two calendars carry different copies of one event, the managing calendar's wins, then
    the calendar name first in sort order, then the copy that sorts first."""
    chosen: dict[str, tuple[tuple, dict]] = {}
    links: dict[tuple[str, str], str] = {}
    for listing in listings:
        for row, event_calendar in listing.rows:
            kind = relation(event_calendar, listing.own_id)
            luma_id = row["luma_event_id"]
            if links.get((luma_id, listing.calendar)) != MANAGED:
                links[(luma_id, listing.calendar)] = kind
            rank = (kind != MANAGED, listing.calendar, _sort_key(row))
            if luma_id not in chosen or rank < chosen[luma_id][0]:
                chosen[luma_id] = (rank, row)
    rows = [row for _, (_, row) in sorted(chosen.items())]
    return rows, links


def _sort_key(row: Mapping) -> tuple:
    return tuple((k, "" if v is None else str(v)) for k, v in sorted(row.items()))


def changed_fields(old: Mapping, new: Mapping, fields: list[str]) -> list[tuple[str, str | None, str | None]]:
    """(field, old, new) for each of `fields` whose value differs, values as text."""
    return [(name, as_text(old.get(name)), as_text(new.get(name)))
            for name in fields if old.get(name) != new.get(name)]


def as_text(value: object) -> str | None:
    """A field's value as the history table keeps it: times in ISO 8601, None stays None."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)
