"""What a notification reads from Postgres: the run_log rows of this pipeline run and the open
review items."""
from __future__ import annotations

from datetime import datetime

import psycopg2

from ..people.review_table import count_open


def counts_since(conn, since: datetime) -> dict[str, dict]:
    """Each step's counts from its latest run_log row started at or after `since` (the pipeline's
    start), by step name."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT DISTINCT ON (step) step, coalesce(counts, '{}'::jsonb) FROM run_log
            WHERE started_at >= %s ORDER BY step, started_at DESC, id DESC""", (since,))
        return dict(cur.fetchall())


def open_review_items(conn) -> int | None:
    """How many review items wait for the organiser; None when the queue cannot be read."""
    try:
        return count_open(conn)
    except psycopg2.Error:
        conn.rollback()
        return None
