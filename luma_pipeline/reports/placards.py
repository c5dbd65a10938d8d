"""generate_all_placards.py's work: a placard per event-analysis row, stored in events.placard_pdf.
A row leaves the CSV only once its PDF is stored and the row is kept in event_analysis_done.csv
beside it, so an interrupted run resumes where it stopped and no numbers are lost."""
from __future__ import annotations

import logging
from pathlib import Path

import psycopg2

from ..files import atomic_write
from ..runner import StepContext, StepResult
from ..text import file_slug, one_line
from .event_row import archive_row, read_rows, write_rows
from .placard_pdf import Branding, render_placard
from .placard_words import text

DONE_FILE = "event_analysis_done.csv"  # beside the input CSV: every row whose placard was made

log = logging.getLogger(__name__)


def generate(ctx: StepContext, csv_path: Path, branding: Branding, copies: Path | None) -> StepResult:
    """Render and store every row's placard; failed rows stay in the CSV and are reported."""
    pending = read_rows(csv_path)
    stored, failed = 0, []
    for row in list(pending):
        try:
            pdf = render_placard(row, branding)
            store_placard(ctx.conn, row, pdf)
        except (psycopg2.Error, ValueError, OSError) as exc:
            ctx.conn.rollback()
            failed.append(row.get("event_id"))
            log.error("placard of event %s (%s) not made: %s", row.get("event_id"),
                      text(row, "event_name"), one_line(exc))
            continue
        ctx.conn.commit()
        if copies:
            with atomic_write(copies / placard_file_name(row), "wb") as handle:
                handle.write(pdf)
        archive_row(csv_path.with_name(DONE_FILE), row)
        pending.remove(row)
        write_rows(csv_path, pending)
        stored += 1
    summary = f"placards: stored={stored} failed={len(failed)}" + (
        f" (events {', '.join(map(str, failed))} stay in {csv_path.name})" if failed else "")
    return StepResult(summary, {"stored": stored, "failed": len(failed)}, failed=bool(failed))


def store_placard(conn, row: dict, pdf: bytes) -> None:
    """Put the PDF in events.placard_pdf (in the caller's transaction)."""
    event_id = int(row["event_id"])
    with conn.cursor() as cur:
        cur.execute("UPDATE events SET placard_pdf = %s, updated_at = now() WHERE id = %s",
                    (psycopg2.Binary(pdf), event_id))
        if cur.rowcount != 1:
            raise ValueError(f"event {event_id} is not in the events table")


def placard_file_name(row: dict) -> str:
    """`event_{id}_{name}.pdf`, the name folded to letters, digits and dashes."""
    return f"event_{int(row['event_id'])}_{file_slug(text(row, 'event_name'))}.pdf"
