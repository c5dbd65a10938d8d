"""The attendance table, the import markers it moves on the events table, and the review queue."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from psycopg2.extras import execute_values

from .snapshots import (
    earliest_check_in,
    given_snapshots,
    merged_snapshots,
    merged_value,
)

# Fields a guest takes from the newest guest list that lists them (the check-in follows its own rule).
ATTENDANCE_FIELDS = ("luma_guest_id", "approval_status", "registered_at", "invite_token",
                     "registration_answers")
STAGED_GUEST_COLUMNS = {"person_id": "int", "row_number": "int", "luma_guest_id": "text",
                        "approval_status": "text", "registered_at": "timestamptz",
                        "checked_in_at": "timestamptz", "invite_token": "text",
                        "registration_answers": "jsonb", "match_method": "text", "match_score": "real"}
_WRITTEN = ATTENDANCE_FIELDS + ("checked_in_at", "snapshot_at", "field_snapshots", "match_method",
                                "match_score")


@dataclass(frozen=True)
class EventRef:
    """The event a guest list belongs to."""

    id: int
    luma_event_id: str | None
    name: str
    start_at: datetime | None

    def label(self) -> str:
        """How logs name the event."""
        return f"event {self.id} {self.luma_event_id or ''} ({self.name})".replace("  ", " ")


def find_event(conn, *, event_id: int | None = None, luma_event_id: str | None = None) -> EventRef | None:
    """The event with this id or Luma id, or None."""
    column, value = ("id", event_id) if event_id is not None else ("luma_event_id", luma_event_id)
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, luma_event_id, name, start_at FROM events WHERE {column} = %s",
                    (value,))
        row = cur.fetchone()
    return EventRef(*row) if row else None


def event_guest_ids(conn, event_id: int) -> dict[str, int]:
    """The event's guests as earlier snapshots listed them: Luma guest id → person."""
    with conn.cursor() as cur:
        cur.execute("SELECT luma_guest_id, person_id FROM attendance "
                    "WHERE event_id = %s AND luma_guest_id IS NOT NULL", (event_id,))
        return dict(cur.fetchall())


def collapse_staged_guests(conn, exported_at: datetime) -> None:
    """The staged guest list as one row per person (table file_guests): of several rows of one
    person, a check-in wins, then the latest registration, then the later row, with the earliest
    of their check-in times."""
    with conn.cursor() as cur:
        cur.execute("""
            CREATE TEMP TABLE file_guests ON COMMIT DROP AS
            SELECT DISTINCT ON (person_id) person_id, luma_guest_id, approval_status, registered_at,
                   min(checked_in_at) OVER (PARTITION BY person_id) AS checked_in_at, invite_token,
                   NULLIF(registration_answers, '{}') AS registration_answers, match_method,
                   match_score, %s::timestamptz AS snapshot_at
            FROM staged_guests
            ORDER BY person_id, checked_in_at IS NOT NULL DESC, registered_at DESC NULLS LAST,
                     row_number DESC""", (exported_at,))


def checkins_kept(conn, event_id: int) -> int:
    """How many of the event's check-ins the staged guest list lists without one (they stay)."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT count(*) FROM file_guests i
            JOIN attendance a ON a.event_id = %s AND a.person_id = i.person_id
            WHERE a.checked_in_at IS NOT NULL AND i.checked_in_at IS NULL""", (event_id,))
        return cur.fetchone()[0]


@dataclass(frozen=True)
class ReplacedRow:
    """A guest --replace removed, or whose check-in it undid."""

    luma_guest_id: str | None
    name: str
    email: str | None


def remove_guests_not_listed(conn, event_id: int) -> tuple[list[ReplacedRow], list[ReplacedRow]]:
    """--replace: remove the event's guests the staged file does not list; return them, and the
    guests whose check-in it lacks (the merge that follows undoes those)."""
    person = "concat_ws(' ', p.first_name, p.last_name), p.email"
    with conn.cursor() as cur:
        cur.execute(f"""
            WITH gone AS (
                DELETE FROM attendance a WHERE a.event_id = %(event)s AND NOT EXISTS (
                    SELECT 1 FROM file_guests i WHERE i.person_id = a.person_id)
                RETURNING a.luma_guest_id, a.person_id)
            SELECT g.luma_guest_id, {person} FROM gone g JOIN people p ON p.id = g.person_id
            ORDER BY 1, 2""", {"event": event_id})
        removed = [ReplacedRow(*row) for row in cur.fetchall()]
        cur.execute(f"""
            SELECT a.luma_guest_id, {person} FROM file_guests i
            JOIN attendance a ON a.event_id = %(event)s AND a.person_id = i.person_id
            JOIN people p ON p.id = i.person_id
            WHERE a.checked_in_at IS NOT NULL AND i.checked_in_at IS NULL ORDER BY 1, 2""",
                    {"event": event_id})
        return removed, [ReplacedRow(*row) for row in cur.fetchall()]


def _merged_row(replace: bool) -> list[str]:
    """SQL for each of _WRITTEN: what the row holds after the snapshot `i` (its row so far: `old`).
    With --replace the snapshot is the whole truth; else the per-guest rule of snapshots.py."""
    if replace:
        values = [f"i.{f}" for f in ATTENDANCE_FIELDS] + [
            "i.checked_in_at", "i.snapshot_at", given_snapshots(ATTENDANCE_FIELDS, "i")]
    else:
        values = [merged_value(f, "old", "i") for f in ATTENDANCE_FIELDS] + [
            earliest_check_in("old", "i"), "GREATEST(old.snapshot_at, i.snapshot_at)",
            merged_snapshots(ATTENDANCE_FIELDS, "old", "i")]
    # how the person was found is kept from the row's first import
    return values + [f"CASE WHEN old.person_id IS NULL THEN i.{f} ELSE old.{f} END"
                     for f in ("match_method", "match_score")]


def merge_attendance(conn, event_id: int, replace: bool = False) -> tuple[int, int]:
    """Merge the staged guest list (file_guests) into the event's attendance, one row per
    (event, person); a row is written only when it changes. Returns (new rows, rows whose values
    changed): a newer export saying the same moves only the rows' snapshot times."""
    merged = _merged_row(replace)
    shown = ATTENDANCE_FIELDS + ("checked_in_at",)  # what a person sees change
    with conn.cursor() as cur:
        cur.execute(f"""
            WITH merged AS (
                SELECT i.person_id, old.person_id IS NULL AS is_new,
                       ({", ".join(f"old.{f}" for f in shown)})
                       IS DISTINCT FROM ({", ".join(merged[:len(shown)])}) AS changed,
                       {", ".join(f"{value} AS {f}" for f, value in zip(_WRITTEN, merged))}
                FROM file_guests i
                LEFT JOIN attendance old ON old.event_id = %(event)s AND old.person_id = i.person_id
            ), written AS (
                INSERT INTO attendance AS a (event_id, person_id, {", ".join(_WRITTEN)})
                SELECT %(event)s, person_id, {", ".join(_WRITTEN)} FROM merged
                ON CONFLICT (event_id, person_id) DO UPDATE SET
                    {", ".join(f"{f} = EXCLUDED.{f}" for f in _WRITTEN)}, updated_at = now()
                WHERE ({", ".join(f"a.{f}" for f in _WRITTEN)})
                      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{f}" for f in _WRITTEN)})
                RETURNING 1)
            SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE changed AND NOT is_new)
            FROM merged""", {"event": event_id})
        new, updated = cur.fetchone()
    return new, updated


def mark_imported(conn, event_id: int, exported_at: datetime) -> int:
    """Set the event's attendee count and import markers (in the caller's transaction) and return
    the count; attendance_exported_at is the newest export merged. An import that changed nothing
    leaves the event row as it was."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT count(*) FROM attendance WHERE event_id = %s AND checked_in_at IS NOT NULL""",
                    (event_id,))
        attendees = cur.fetchone()[0]
        cur.execute("""
            UPDATE events SET attendance = %(attendees)s, attendance_imported_at = now(),
                              attendance_exported_at = GREATEST(attendance_exported_at, %(exported)s),
                              updated_at = now()
            WHERE id = %(id)s AND (attendance IS DISTINCT FROM %(attendees)s
                                   OR attendance_exported_at IS NULL
                                   OR attendance_exported_at < %(exported)s
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
