"""What needs the organiser's attention, for the top of the report page: guest lists waiting in
failed/ with their reasons, open review items, events whose attendance was not taken, and runs
that failed since their step last succeeded."""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..text import local_date

SHOWN = 10  # items of one kind listed on the page; the count says how many there are


@dataclass
class Attention:
    """The things that need the organiser, each kind a list (review items: a count)."""

    failed_files: list[tuple[str, str]]  # file name, reason
    open_reviews: int
    no_attendance: list[tuple[int, str]]  # event id, "Name (date)"
    failed_runs: list[tuple[str, str, str]]  # step, started (UTC), message

    @property
    def count(self) -> int:
        """How many things need attention (each file, review item, event and failed run is one)."""
        return len(self.failed_files) + self.open_reviews + len(self.no_attendance) + len(self.failed_runs)


def gather(conn, csv_dir: Path, event_table: pd.DataFrame | None, open_reviews: int) -> Attention:
    """Everything that needs attention now (`open_reviews`: the open review items, counted by the caller)."""
    return Attention(failed_files(csv_dir), open_reviews, no_attendance(event_table), failed_runs(conn))


def failed_files(csv_dir: Path) -> list[tuple[str, str]]:
    """Guest lists in CSV_DIR/failed/ and the first line of the reason written beside each."""
    found = []
    for path in sorted((csv_dir / "failed").glob("*.csv")):
        reason_file = path.with_name(path.name + ".error.txt")
        try:
            reason = reason_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
        except (OSError, IndexError):
            reason = "no reason recorded"
        found.append((path.name, reason))
    return found


def no_attendance(event_table: pd.DataFrame | None) -> list[tuple[int, str]]:
    """Settled events whose attendance was not taken (or the organiser says so), newest first."""
    if event_table is None:
        return []
    skipped = event_table[~event_table["attendance_counted"]].iloc[::-1]
    return [(int(event_id), f"{row['name']} ({local_date(row['start_at'], row['timezone']).isoformat()})")
            for event_id, row in skipped.iterrows()]


def failed_runs(conn) -> list[tuple[str, str, str]]:
    """Runs that failed after their step's last successful run, newest first."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT r.step, to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), coalesce(r.message, '')
            FROM run_log r
            WHERE r.status = 'failed' AND r.started_at > coalesce(
                (SELECT max(o.started_at) FROM run_log o WHERE o.step = r.step AND o.status = 'ok'), '-infinity')
            ORDER BY r.started_at DESC, r.id DESC""")
        return cur.fetchall()


def attention_html(attention: Attention) -> str:
    """The "What needs attention" section: one line per kind, with what to do about it."""
    items = []
    if attention.failed_files:
        items.append(_item(f"{len(attention.failed_files)} guest list(s) could not be imported (in failed/)",
                           [f"{name}: {reason}" for name, reason in attention.failed_files],
                           "Fix or export the file again, then move it back into CSV_DIR."))
    if attention.open_reviews:
        items.append(_item(f"Review queue: {attention.open_reviews:,} open item(s): people the importer was "
                           "not sure were the same", [], "Settle them with <code>python review_people.py "
                           "queue</code> (then <code>accept ITEM</code> or <code>reject ITEM</code>)."))
    if attention.no_attendance:
        items.append(_item(f"{len(attention.no_attendance)} event(s) with attendance not taken",
                           [f"{name} [id {event_id}]" for event_id, name in attention.no_attendance],
                           "If attendance was taken and nobody came: "
                           "<code>edit_event.py ID --attendance-taken yes</code>."))
    if attention.failed_runs:
        items.append(_item(f"{len(attention.failed_runs)} run(s) failed since their step last succeeded",
                           [f"{step} at {started} UTC: {message}" for step, started, message in attention.failed_runs],
                           "The log of the run says more."))
    if not items:
        return ("<section class=\"attention calm\"><h2>What needs attention</h2><p>Nothing: no failed guest "
                "list, no open review item, attendance taken at every event, no failed run.</p></section>")
    return f"<section class=attention><h2>What needs attention</h2><ul>{''.join(items)}</ul></section>"


def _item(headline: str, details: list[str], action: str) -> str:
    listed = "".join(f"<li>{html.escape(d)}</li>" for d in details[:SHOWN])
    more = f"<li>… and {len(details) - SHOWN:,} more</li>" if len(details) > SHOWN else ""
    return (f"<li><b>{html.escape(headline)}</b>" + (f"<ul>{listed}{more}</ul>" if details else " ")
            + f"{action}</li>")
