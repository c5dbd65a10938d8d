"""The events table as sync writes it: upsert what Luma says, mark what it no longer lists, find guest
lists to fetch."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg2.extras import execute_values

from ..luma.entries import EVENT_COLUMNS
from .listing import changed_fields

# Columns Luma owns. An event counts as changed when any of them differs from what we hold.
_LUMA_OWNED = [c for c in EVENT_COLUMNS if c != "luma_event_id"]

UPSERT_EVENTS = f"""
INSERT INTO events AS e ({", ".join(EVENT_COLUMNS)}, category)
VALUES %s
ON CONFLICT (luma_event_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _LUMA_OWNED)},
    -- the organiser's category survives: only one still equal to Luma's last follows Luma
    category = CASE WHEN e.category IS NULL OR e.category IS NOT DISTINCT FROM e.luma_category
                    THEN EXCLUDED.luma_category ELSE e.category END,
    sync_status = 'changed',
    updated_at = now()
WHERE ({", ".join(f"e.{c}" for c in _LUMA_OWNED)})
      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _LUMA_OWNED)})
   OR e.sync_status = 'source_deleted'
RETURNING (xmax = 0) AS inserted, id, luma_event_id
"""


@dataclass
class EventCounts:
    """What one sync did to the events table."""

    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0


def upsert_events(conn, rows: list[dict], counts: EventCounts) -> dict[str, int]:
    """Insert new events and update changed ones, counting each kind; unchanged rows are not touched.
    Returns {luma event id: events.id} of the new and changed ones, and records what changed."""
    before = luma_fields(conn, [row["luma_event_id"] for row in rows])
    values = [tuple(row[c] for c in EVENT_COLUMNS) + (row["luma_category"],) for row in rows]
    with conn.cursor() as cur:
        results = execute_values(cur, UPSERT_EVENTS, values, page_size=500, fetch=True)
    counts.new += sum(1 for inserted, _, _ in results if inserted)
    counts.changed += sum(1 for inserted, _, _ in results if not inserted)
    counts.unchanged += len(rows) - len(results)
    by_id = {row["luma_event_id"]: row for row in rows}
    record_changes(conn, [(event_id, change) for inserted, event_id, luma_id in results if not inserted
                          for change in changed_fields(before[luma_id], by_id[luma_id], _LUMA_OWNED)])
    return {luma_id: event_id for _, event_id, luma_id in results}


def save_event_tags(conn, rows: list[dict]) -> None:
    """Keep each event's Luma tags (approve_guests.py's APPROVE_EVENT_TAGS reads them). Written
    apart from the upsert so that a database from before the column does not see every event as
    changed; a tag change that moves the category still counts as a change there."""
    values = [(row["luma_event_id"], row["luma_tags"]) for row in rows]
    with conn.cursor() as cur:
        execute_values(cur, """
            UPDATE events AS e SET luma_tags = v.tags
            FROM (VALUES %s) AS v (luma_event_id, tags)
            WHERE e.luma_event_id = v.luma_event_id AND e.luma_tags IS DISTINCT FROM v.tags""",
                       values, template="(%s, %s::text[])", page_size=500)


def luma_fields(conn, luma_ids: list[str]) -> dict[str, dict]:
    """The Luma-owned fields we hold for these events, by Luma event id."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT luma_event_id, {', '.join(_LUMA_OWNED)} FROM events "
                    "WHERE luma_event_id = ANY(%s)", (luma_ids,))
        return {row[0]: dict(zip(_LUMA_OWNED, row[1:])) for row in cur}


def record_changes(conn, changes: list[tuple[int, tuple[str, str | None, str | None]]]) -> None:
    """Keep each changed field (event, field, old, new) in event_changes, stamped with this
    transaction's time, so one sync's changes share one `changed_at`."""
    with conn.cursor() as cur:
        execute_values(cur, "INSERT INTO event_changes (event_id, field, old_value, new_value) VALUES %s",
                       [(event_id, name, old, new) for event_id, (name, old, new) in changes])


@dataclass(frozen=True)
class EventToFetch:
    """A settled event whose guest list is wanted (its events.id, when it has one yet)."""

    id: int | None
    luma_event_id: str
    name: str


def imported_events(conn) -> set[str]:
    """Luma ids of the events whose attendance has been imported, or whose guest list Luma gave
    empty: their guest lists are not fetched again unless on a full refresh."""
    with conn.cursor() as cur:
        cur.execute("SELECT luma_event_id FROM events WHERE luma_event_id IS NOT NULL "
                    "AND (attendance_imported_at IS NOT NULL OR luma_guest_list_empty_at IS NOT NULL)")
        return {luma_id for (luma_id,) in cur}


def mark_guest_lists_empty(conn, luma_event_ids: list[str], now: datetime) -> None:
    """Remember that Luma's guest lists of these events were empty (asked again on a full refresh)."""
    with conn.cursor() as cur:
        cur.execute("UPDATE events SET luma_guest_list_empty_at = %s WHERE luma_event_id = ANY(%s)",
                    (now, luma_event_ids))
