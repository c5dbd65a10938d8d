"""The attendance table, the import markers it moves on the events table, and the review queue."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from psycopg2.extras import execute_values

from ..database import copy_into_temp

ATTENDANCE_FIELDS = ("luma_guest_id", "approval_status", "registered_at", "checked_in_at",
                     "invite_token", "registration_answers")

_STAGED_TYPES = {"event_id": "int", "person_id": "int", "luma_guest_id": "text",
                 "approval_status": "text", "registered_at": "timestamptz",
                 "checked_in_at": "timestamptz", "invite_token": "text",
                 "registration_answers": "jsonb", "match_method": "text", "match_score": "real"}
UPSERT_ATTENDANCE = f"""
INSERT INTO attendance AS a ({", ".join(_STAGED_TYPES)})
SELECT {", ".join(_STAGED_TYPES)} FROM staged_attendance
ON CONFLICT (event_id, person_id) DO UPDATE SET
    {", ".join(f"{f} = EXCLUDED.{f}" for f in ATTENDANCE_FIELDS)}, updated_at = now()
WHERE ({", ".join(f"a.{f}" for f in ATTENDANCE_FIELDS)})
      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{f}" for f in ATTENDANCE_FIELDS)})
RETURNING (xmax = 0) AS inserted
"""


@dataclass(frozen=True)
class EventRef:
    """The event a guest list belongs to."""

    id: int
    luma_event_id: str | None
    name: str
    start_at: datetime | None
    exported_at: datetime | None  # of the guest list imported last

    def label(self) -> str:
        """How logs name the event."""
        return f"event {self.id} {self.luma_event_id or ''} ({self.name})".replace("  ", " ")


def find_event(conn, *, event_id: int | None = None, luma_event_id: str | None = None) -> EventRef | None:
    """The event with this id or Luma id, or None."""
    column, value = ("id", event_id) if event_id is not None else ("luma_event_id", luma_event_id)
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, luma_event_id, name, start_at, attendance_exported_at FROM events "
                    f"WHERE {column} = %s", (value,))
        row = cur.fetchone()
    return EventRef(*row) if row else None


def upsert_attendance(conn, event_id: int, rows: list[dict]) -> tuple[int, int]:
    """Write one row per (event, person); return (new, updated). How a person was matched is kept
    from the first import."""
    staged = ((event_id, r["person_id"], *(r[f] for f in ATTENDANCE_FIELDS[:-1]),
               json.dumps(r["registration_answers"], ensure_ascii=False), r["match_method"],
               r["match_score"]) for r in rows)
    with conn.cursor() as cur:
        copy_into_temp(cur, "staged_attendance", _STAGED_TYPES, staged)
        cur.execute(UPSERT_ATTENDANCE)
        results = cur.fetchall()
        cur.execute("DROP TABLE staged_attendance")  # a second file in the same transaction (dry run)
    new = sum(1 for (inserted,) in results if inserted)
    return new, len(results) - new


def mark_imported(conn, event_id: int, exported_at: datetime) -> int:
    """Set the event's attendee count and import markers (in the caller's transaction) and return
    the count; an import that changed nothing leaves the event row as it was."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT count(*) FROM attendance WHERE event_id = %s AND checked_in_at IS NOT NULL""",
                    (event_id,))
        attendees = cur.fetchone()[0]
        cur.execute("""
            UPDATE events SET attendance = %(attendees)s, attendance_imported_at = now(),
                              attendance_exported_at = %(exported)s, updated_at = now()
            WHERE id = %(id)s AND (attendance IS DISTINCT FROM %(attendees)s
                                   OR attendance_exported_at IS DISTINCT FROM %(exported)s
                                   OR attendance_imported_at IS NULL)""",
                    {"id": event_id, "attendees": attendees, "exported": exported_at})
    return attendees


def queue_for_review(conn, items: list[dict]) -> int:
    """Add review items (event_id, person_id, candidate_person_id, reason, score, guest,
    source_file, and queued_by when queued by hand); a pair of people already asked about (open)
    or kept apart (rejected) is not queued again, whichever event brings it."""
    if not items:
        return 0
    columns = ("event_id", "person_id", "candidate_person_id", "reason", "score", "guest",
               "source_file", "queued_by")
    with conn.cursor() as cur:
        added = execute_values(cur, f"""
            INSERT INTO match_review ({", ".join(columns)})
            SELECT * FROM (VALUES %s) AS v ({", ".join(columns)})
            WHERE NOT EXISTS (
                SELECT 1 FROM match_review r WHERE r.status IN ('open', 'rejected')
                  AND least(r.person_id, r.candidate_person_id) = least(v.person_id, v.candidate_person_id)
                  AND greatest(r.person_id, r.candidate_person_id)
                      = greatest(v.person_id, v.candidate_person_id))
            ON CONFLICT DO NOTHING RETURNING 1""",
                               [tuple(_review_value(c, i.get(c)) for c in columns) for i in items],
                               template="(%s::int, %s::int, %s::int, %s, %s::real, %s::jsonb, %s, %s)",
                               fetch=True)
    return len(added)


def _review_value(column: str, value):
    return json.dumps(value, default=str) if column == "guest" and value is not None else value
