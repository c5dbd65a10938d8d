"""The events table as sync writes it: upsert what Luma says, mark what it no longer lists, find guest
lists to fetch."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg2.extras import execute_values

from ..luma.entries import EVENT_COLUMNS
from ..settled import is_settled

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
RETURNING (xmax = 0) AS inserted
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


def upsert_events(conn, rows: list[dict], counts: EventCounts) -> None:
    """Insert new events and update changed ones, counting each kind; unchanged rows are not touched."""
    values = [tuple(row[c] for c in EVENT_COLUMNS) + (row["luma_category"],) for row in rows]
    with conn.cursor() as cur:
        results = execute_values(cur, UPSERT_EVENTS, values, page_size=500, fetch=True)
    counts.new += sum(1 for (inserted,) in results if inserted)
    counts.changed += sum(1 for (inserted,) in results if not inserted)
    counts.unchanged += len(rows) - len(results)


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


def mark_source_deleted(conn, seen_ids: list[str]) -> int:
    """Mark events Luma no longer lists as `source_deleted` (never deleted); return how many."""
    with conn.cursor() as cur:
        cur.execute("""
            UPDATE events SET sync_status = 'source_deleted', updated_at = now()
            WHERE luma_event_id IS NOT NULL AND sync_status <> 'source_deleted'
              AND NOT (luma_event_id = ANY(%s))
            RETURNING id""", (seen_ids,))
        return cur.rowcount


def live_event_count(conn) -> int:
    """How many events Luma listed at the last sync (not marked deleted)."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM events WHERE luma_event_id IS NOT NULL "
                    "AND sync_status <> 'source_deleted'")
        return cur.fetchone()[0]


@dataclass(frozen=True)
class EventToFetch:
    """A settled event whose guest list is wanted."""

    id: int
    luma_event_id: str
    name: str


def events_awaiting_guests(conn, now: datetime, settle_hours: float,
                           full_refresh: bool = False) -> list[EventToFetch]:
    """Settled events still at Luma whose attendance is not imported and whose guest list was not
    found empty at Luma (all of them on a full refresh)."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT id, luma_event_id, name, start_at, end_at FROM events
            WHERE luma_event_id IS NOT NULL AND sync_status <> 'source_deleted'
              AND ((attendance_imported_at IS NULL AND luma_guest_list_empty_at IS NULL) OR %s)
            ORDER BY start_at, id""", (full_refresh,))
        return [EventToFetch(id_, luma_id, name) for id_, luma_id, name, start, end in cur
                if is_settled(start, end, now, settle_hours)]


def mark_guest_lists_empty(conn, event_ids: list[int], now: datetime) -> None:
    """Remember that Luma's guest lists of these events were empty (asked again on a full refresh)."""
    with conn.cursor() as cur:
        cur.execute("UPDATE events SET luma_guest_list_empty_at = %s WHERE id = ANY(%s)",
                    (now, event_ids))
