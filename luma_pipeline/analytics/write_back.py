"""What analyze.py writes back to the events table: each settled event's numbers
(events.attendance, events.attendance_data) and analyze's own "no attendance taken" flag."""
from __future__ import annotations

import json
import logging
from datetime import datetime

import pandas as pd
from psycopg2.extras import execute_values

from . import metrics

log = logging.getLogger(__name__)


def write_back(conn, event_table: pd.DataFrame, events: pd.DataFrame, now: datetime) -> tuple[int, int]:
    """events.attendance and attendance_data for every settled event, and the no-attendance flags,
    in the caller's transaction. Returns (newly flagged, stats changed)."""
    organiser_flag = events.set_index("event_id")["attendance_taken"]
    suspected = event_table.index[(~event_table["attendance_counted"]) & (event_table["total_rsvps"] > 0)
                                  & organiser_flag.reindex(event_table.index).isna()]
    for event_id in suspected:
        row = event_table.loc[event_id]
        log.warning("event %s (%s): %d RSVPs but nobody checked in; flagged as 'no attendance "
                    "taken' and left out of attendance metrics (if nobody came: edit_event.py %s "
                    "--attendance-taken yes)", event_id, row["name"], row["total_rsvps"], event_id)
    flagged, _ = flag_no_attendance(conn, [int(i) for i in suspected])
    stats = [(int(event_id), data["total_attendees"], data)
             for event_id, data in ((i, metrics.attendance_data(row)) for i, row in event_table.iterrows())]
    return flagged, save_event_stats(conn, stats, now)


def save_event_stats(conn, stats: list[tuple[int, int | None, dict]], computed_at: datetime) -> int:
    """Write (event id, attendee count, attendance_data) for settled events; an event whose numbers
    did not change keeps its row (and its `computed_at`) untouched. Returns how many changed."""
    if not stats:
        return 0
    stamp = computed_at.isoformat()
    with conn.cursor() as cur:
        changed = execute_values(cur, """
            UPDATE events AS e
            SET attendance = v.attendance,
                attendance_data = v.data || jsonb_build_object('computed_at', v.computed_at),
                updated_at = now()
            FROM (VALUES %s) AS v (id, attendance, data, computed_at)
            WHERE e.id = v.id AND (e.attendance IS DISTINCT FROM v.attendance
                                   OR (e.attendance_data - 'computed_at') IS DISTINCT FROM v.data)
            RETURNING 1""", [(event_id, attendance, json.dumps(data), stamp)
                              for event_id, attendance, data in stats],
                                 template="(%s::int, %s::int, %s::jsonb, %s::text)", fetch=True)
    return len(changed)


def flag_no_attendance(conn, suspected: list[int]) -> tuple[int, int]:
    """Mark events suspected of "no attendance taken" (attendance_taken = false) unless the
    organiser set the flag; lift analyze's own flag from events no longer suspected.
    Returns (newly flagged, unflagged)."""
    with conn.cursor() as cur:
        cur.execute("""UPDATE events SET attendance_taken = false, attendance_taken_auto = true,
                              updated_at = now()
                       WHERE id = ANY(%s) AND attendance_taken IS NULL""", (suspected,))
        flagged = cur.rowcount
        cur.execute("""UPDATE events SET attendance_taken = NULL, attendance_taken_auto = false,
                              updated_at = now()
                       WHERE attendance_taken_auto AND NOT (id = ANY(%s))""", (suspected,))
        return flagged, cur.rowcount
