"""What the analysis reads from Postgres: settled events, their guests, the people and the events
still to come, as data frames."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from ..people.review_table import count_open
from ..settled import is_settled


@dataclass
class CommunityData:
    """The settled events, their guests and the people, ready for the metrics; the events still
    to come (for the reactivation list's suggestions)."""

    events: pd.DataFrame
    guests: pd.DataFrame
    people: pd.DataFrame
    upcoming: pd.DataFrame = field(default_factory=pd.DataFrame)


def load(conn, now: datetime, settle_hours: float) -> CommunityData:
    """Read the events settled by `now` (in order), their attendance rows, the people, and the
    events Luma still lists that start after `now`."""
    events = _query(conn, """
        SELECT id AS event_id, name, start_at, end_at, timezone, category, venue, cost, currency,
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
                         _guests(conn, list(events["event_id"])), _people(conn), upcoming_events(conn, now))


def upcoming_events(conn, now: datetime) -> pd.DataFrame:
    """Events Luma still lists (not deleted) that start after `now`, soonest first."""
    return _query(conn, """SELECT id AS event_id, name, start_at, timezone, category, signup_url
                           FROM events WHERE sync_status <> 'source_deleted' AND start_at > %s
                           ORDER BY start_at, id""", (now,))


def _guests(conn, event_ids: list[int]) -> pd.DataFrame:
    """Attendance rows of the given events, streamed with COPY (a million rows in a second or two)."""
    guests = _copy(conn, """SELECT event_id, person_id, coalesce(approval_status, ''), (checked_in_at IS NOT NULL)::int
                            FROM attendance WHERE event_id = ANY(%s::int[])""", (event_ids,),
                   {"event_id": "int64", "person_id": "int64", "approval_status": "category", "attended": "int8"},
                   keep_default_na=False)
    return guests.assign(attended=guests["attended"].astype(bool))


def _people(conn) -> pd.DataFrame:
    """Every person's names, email, phone and traits (what the members' files show and score)."""
    text = dict.fromkeys(("first_name", "last_name", "email", "phone", "gender", "school"), object)
    return _copy(conn, """SELECT id, first_name, last_name, email, phone, gender, school, class_year
                          FROM people ORDER BY id""", (), {"person_id": "int64", **text, "class_year": "Int64"},
                 keep_default_na=False, na_values=[""])


def _copy(conn, select: str, params: tuple, columns: dict, **read_options) -> pd.DataFrame:
    """A query's rows streamed with COPY into a data frame with the given column names and types."""
    with conn.cursor() as cur:
        query = cur.mogrify(f"COPY ({select}) TO STDOUT WITH CSV", params or None).decode()
        buffer = io.StringIO()
        cur.copy_expert(query, buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, names=list(columns), dtype=columns, **read_options)


def _query(conn, sql: str, params: tuple = ()) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(sql, params or None)
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
            SELECT count(*) FROM person_merges WHERE merged_at > coalesce(
                (SELECT max(started_at) FROM run_log WHERE step = 'analyze' AND status = 'ok'),
                '-infinity')""")
        return count_open(conn), cur.fetchone()[0]