"""Merging two people, with hypothesis: the combining rules (pure), and merge then undo on a real
PostgreSQL leaving every table exactly as it was, whatever the two people had."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2.extras import Json

from luma_pipeline.database import apply_schema
from luma_pipeline.people.combine import combined_attendance
from luma_pipeline.people.merges_table import merge_people, undo_merge

START = datetime(2025, 10, 1, tzinfo=timezone.utc)
times = st.one_of(st.none(), st.integers(0, 5000).map(lambda m: START + timedelta(minutes=m)))
statuses = st.sampled_from([None, "approved", "declined", "waitlist", "pending_approval"])
rows = st.fixed_dictionaries({
    "luma_guest_id": st.one_of(st.none(), st.sampled_from(["gst-a", "gst-b", "gst-c"])),
    "approval_status": statuses, "registered_at": times, "checked_in_at": times,
    "invite_token": st.one_of(st.none(), st.just("newsletter")),
    "registration_answers": st.one_of(st.none(), st.just({}), st.just({"Diet": "vegan"})),
    "match_method": st.sampled_from([None, "email", "name"]), "match_score": st.sampled_from([None, 95.0]),
})


@settings(max_examples=150, deadline=None, derandomize=True)
@given(rows, rows)
def test_a_check_in_wins_the_earliest_stays_the_latest_registration_gives_the_status(keep, other):
    row = combined_attendance(keep, other)
    check_ins = [t for t in (keep["checked_in_at"], other["checked_in_at"]) if t]
    assert row["checked_in_at"] == (min(check_ins) if check_ins else None)
    later, earlier = (other, keep) if (other["registered_at"] or START - timedelta(1)) > (
        keep["registered_at"] or START - timedelta(1)) else (keep, other)
    assert row["approval_status"] == (later["approval_status"] or earlier["approval_status"])
    for field in ("invite_token", "match_method", "luma_guest_id"):  # a blank never wins over a value
        assert (row[field] is None) == (keep[field] is None and other[field] is None)


people_rows = st.lists(st.tuples(st.sampled_from([None, "Ann", "Bo"]), st.sampled_from([None, "Lee"]),
                                 st.sampled_from([None, "female"]), st.sampled_from([None, "MIT"])),
                       min_size=3, max_size=3)
attendance_rows = st.dictionaries(st.tuples(st.integers(1, 3), st.integers(1, 3)), rows, max_size=7)
review_rows = st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3),
                                 st.sampled_from(["open", "rejected", "accepted", "closed"])), max_size=4)
TABLES = ("people", "person_identifiers", "attendance", "match_review")
_SCHEMA_APPLIED: set[str] = set()


def _dump(cur) -> dict:
    return {t: _rows(cur, f"SELECT to_jsonb(t)::text FROM {t} t ORDER BY 1") for t in TABLES}


def _rows(cur, sql):
    cur.execute(sql)
    return cur.fetchall()


def _load(cur, people, attendance, items) -> None:
    cur.execute("TRUNCATE match_review, attendance, person_identifiers, people, person_merges, events "
                "RESTART IDENTITY CASCADE")
    cur.execute("INSERT INTO events (name) VALUES ('E1'), ('E2'), ('E3')")
    for n, (first, last, gender, school) in enumerate(people, start=1):
        cur.execute("INSERT INTO people (first_name, last_name, gender, school) VALUES (%s, %s, %s, %s)",
                    (first, last, gender, school))
        cur.execute("INSERT INTO person_identifiers (kind, value, person_id) VALUES ('email', %s, %s)",
                    (f"p{n}@example.com", n))
    for (event, person), row in attendance.items():
        cur.execute("""INSERT INTO attendance (event_id, person_id, luma_guest_id, approval_status,
                       registered_at, checked_in_at, invite_token, registration_answers, match_method,
                       match_score) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                    (event, person, row["luma_guest_id"], row["approval_status"], row["registered_at"],
                     row["checked_in_at"], row["invite_token"],
                     None if row["registration_answers"] is None else Json(row["registration_answers"]),
                     row["match_method"], row["match_score"]))
    for person, candidate, status in items:
        cur.execute("""INSERT INTO match_review (person_id, candidate_person_id, reason, status)
                       SELECT %s, %s, 'test', %s WHERE %s <> 'open' OR NOT EXISTS (
                           SELECT 1 FROM match_review WHERE status = 'open'
                             AND least(person_id, candidate_person_id) = least(%s, %s)
                             AND greatest(person_id, candidate_person_id) = greatest(%s, %s))""",
                    (person, candidate, status, status, person, candidate, person, candidate))


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people_rows, attendance_rows, review_rows, st.sampled_from([(1, 2), (2, 1), (3, 1)]))
def test_merge_then_undo_puts_every_row_back(database_url, people, attendance, items, pair):
    conn = psycopg2.connect(database_url)
    try:
        if database_url not in _SCHEMA_APPLIED:  # once per database, not per example
            apply_schema(conn)
            _SCHEMA_APPLIED.add(database_url)
        with conn.cursor() as cur:
            _load(cur, people, attendance, items)
            before = _dump(cur)
        merge = merge_people(conn, *pair, "tester")
        with conn.cursor() as cur:
            assert _rows(cur, "SELECT count(*) FROM people WHERE id = %s" % pair[1]) == [(0,)]
            assert _rows(cur, "SELECT count(*) FROM match_review WHERE status = 'open' AND %s IN "
                              "(person_id, candidate_person_id)" % pair[1]) == [(0,)]
        undo_merge(conn, merge.id, "tester")
        with conn.cursor() as cur:
            assert _dump(cur) == before
        conn.rollback()
    finally:
        conn.close()
