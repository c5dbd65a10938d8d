"""What the analysis reads from Postgres: settled events, their guests and the people, as data frames."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ..settled import is_settled


@dataclass
class CommunityData:
    """The settled events, their guests and the people, ready for the metrics."""

    events: pd.DataFrame
    guests: pd.DataFrame
    people: pd.DataFrame


def load(conn, now: datetime, settle_hours: float) -> CommunityData:
    """Read the settled events (in order), their attendance rows and the people."""
    events = _query(conn, """
        SELECT id AS event_id, name, start_at, end_at, timezone, category, venue, cost,
               attendance_taken, attendance_taken_auto
        FROM events ORDER BY start_at, id""")
    if not events.empty:
        settled = [is_settled(_py(s), _py(e), now, settle_hours)
                   for s, e in zip(events["start_at"], events["end_at"])]
        events = events[settled].reset_index(drop=True)
    auto = set(events.loc[events["attendance_taken_auto"].fillna(False).astype(bool), "event_id"])
    # analyze's own flag is recomputed every run; only the organiser's is taken as given
    events["attendance_taken"] = events["attendance_taken"].where(
        ~events["event_id"].isin(auto), None).astype(object)
    return CommunityData(events.drop(columns=["end_at", "attendance_taken_auto"]),
                         _guests(conn, list(events["event_id"])),
                         _query(conn, "SELECT id AS person_id, gender, school, class_year FROM people"))


def _guests(conn, event_ids: list[int]) -> pd.DataFrame:
    """Attendance rows of the given events, streamed with COPY (a million rows in a second or two)."""
    with conn.cursor() as cur:
        query = cur.mogrify("""
            COPY (SELECT event_id, person_id, coalesce(approval_status, ''),
                         (checked_in_at IS NOT NULL)::int
                  FROM attendance WHERE event_id = ANY(%s::int[])) TO STDOUT WITH CSV""",
                            (event_ids,)).decode()
        buffer = io.StringIO()
        cur.copy_expert(query, buffer)
    buffer.seek(0)
    guests = pd.read_csv(buffer, names=["event_id", "person_id", "approval_status", "attended"],
                         dtype={"event_id": "int64", "person_id": "int64", "approval_status": "category",
                                "attended": "int8"}, keep_default_na=False)
    return guests.assign(attended=guests["attended"].astype(bool))


def _query(conn, sql: str) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(sql)
        columns = [d.name for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=columns)
    for column in ("start_at", "end_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _py(value):
    return None if pd.isna(value) else value.to_pydatetime()


def review_counts(conn) -> tuple[int, int]:
    """(open review items, merges of people made since the last successful analysis started)."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT (SELECT count(*) FROM match_review WHERE status = 'open'),
                   (SELECT count(*) FROM person_merges WHERE merged_at > coalesce(
                        (SELECT max(started_at) FROM run_log WHERE step = 'analyze' AND status = 'ok'),
                        '-infinity'))""")
        return cur.fetchone()
