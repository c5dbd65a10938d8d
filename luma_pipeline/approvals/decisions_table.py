"""What approve_guests.py reads and writes in Postgres: upcoming events, settled attendance per
person, and the approval_decisions table."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..settled import is_settled

# The columns of a decision, in the order --report prints them.
REPORT_COLUMNS = ("event_id", "event", "luma_guest_id", "guest_name", "guest_email", "person_id",
                  "match_method", "rule", "mode", "outcome", "status_code", "message", "decided_at")


@dataclass(frozen=True)
class UpcomingEvent:
    """An event that has not started and that Luma still lists."""

    id: int
    luma_event_id: str
    name: str
    start_at: datetime
    tags: tuple[str, ...]


def upcoming_events(conn, now: datetime) -> list[UpcomingEvent]:
    """Events not started by `now` and not deleted at Luma, soonest first."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT id, luma_event_id, name, start_at, coalesce(luma_tags, '{}') FROM events
            WHERE luma_event_id IS NOT NULL AND sync_status <> 'source_deleted' AND start_at > %s
            ORDER BY start_at, id""", (now,))
        return [UpcomingEvent(id_, luma_id, name, start, tuple(tags))
                for id_, luma_id, name, start, tags in cur]


def settled_events_attended(conn, now: datetime, settle_hours: float) -> dict[int, int]:
    """How many settled events each person checked in at (people with none are absent)."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, start_at, end_at FROM events")
        settled = [id_ for id_, start, end in cur.fetchall() if is_settled(start, end, now, settle_hours)]
        cur.execute("""
            SELECT person_id, count(DISTINCT event_id) FROM attendance
            WHERE checked_in_at IS NOT NULL AND event_id = ANY(%s::int[])
            GROUP BY person_id""", (settled,))
        return dict(cur.fetchall())


def approved_guests(conn) -> set[tuple[int, str]]:
    """(event id, Luma guest id) of every guest already approved at Luma by an earlier run."""
    with conn.cursor() as cur:
        cur.execute("SELECT event_id, luma_guest_id FROM approval_decisions WHERE outcome = 'approved'")
        return set(cur.fetchall())


def save_decision(conn, row: dict) -> None:
    """Record the latest decision about one guest (the caller commits); an approval is final."""
    with conn.cursor() as cur:
        cur.execute("""
            INSERT INTO approval_decisions AS d
                (event_id, luma_guest_id, person_id, match_method, guest_name, guest_email, rule,
                 mode, outcome, status_code, message, run_started_at, decided_at)
            VALUES (%(event_id)s, %(luma_guest_id)s, %(person_id)s, %(match_method)s, %(guest_name)s,
                    %(guest_email)s, %(rule)s, %(mode)s, %(outcome)s, %(status_code)s, %(message)s,
                    %(run_started_at)s, now())
            ON CONFLICT (event_id, luma_guest_id) DO UPDATE SET
                person_id = EXCLUDED.person_id, match_method = EXCLUDED.match_method,
                guest_name = EXCLUDED.guest_name, guest_email = EXCLUDED.guest_email,
                rule = EXCLUDED.rule, mode = EXCLUDED.mode, outcome = EXCLUDED.outcome,
                status_code = EXCLUDED.status_code, message = EXCLUDED.message,
                run_started_at = EXCLUDED.run_started_at, decided_at = now()
            WHERE d.outcome <> 'approved'""", row)


def last_run_decisions(conn) -> list[dict]:
    """The decisions of the latest run that decided anything, in event and guest order."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT d.event_id, e.name, d.luma_guest_id, d.guest_name, d.guest_email, d.person_id,
                   d.match_method, d.rule, d.mode, d.outcome, d.status_code, d.message, d.decided_at
            FROM approval_decisions d JOIN events e ON e.id = d.event_id
            WHERE d.run_started_at = (SELECT max(run_started_at) FROM approval_decisions)
            ORDER BY e.start_at, d.event_id, d.decided_at, d.id""")
        return [dict(zip(REPORT_COLUMNS, row)) for row in cur.fetchall()]
