"""Step 3: Postgres → metrics → charts, summary_stats.csv, the members' files, index.html, and the
write-back."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..runner import StepContext, StepResult
from . import metrics
from .attention import attention_html, gather
from .event_report import NO_DATA, write_event_outputs
from .load import CommunityData, load
from .member_report import members_section, write_member_outputs
from .page import CHARTS, Report, write_index, write_summary
from .provenance import check_replaceable, database_id, remember
from .write_back import write_back

log = logging.getLogger(__name__)

RECENT_RUNS = 10


def analyze(ctx: StepContext, outdir: Path, as_of: datetime | None = None) -> StepResult:
    """Compute every metric as of `as_of` (default now), write it back for settled events, and
    render the outputs."""
    now = as_of or datetime.now(timezone.utc)
    settings = ctx.settings
    data = load(ctx.conn, now, settings.settle_hours)
    has_data = not data.events.empty and not data.guests.empty
    this_database = database_id(ctx.conn)
    check_replaceable(outdir, this_database, has_data)
    community = metrics.prepare(data.events, data.guests) if has_data else _nothing_yet(data)[1]
    event_table = metrics.event_metrics(community, settings.return_window_days, now) if has_data else None
    flagged = changed = 0
    if event_table is not None:
        flagged, changed = write_back(ctx.conn, event_table, data.events, now)
    ctx.conn.commit()
    said = write_event_outputs(outdir, event_table, community if has_data else None, settings)
    members = write_member_outputs(outdir, community, data, now, template=settings.reactivation_message,
                                   top=settings.reactivation_top)
    summary = (metrics.summary_stats(event_table, community, data.people) if has_data
               else metrics.summary_stats(*_nothing_yet(data))) + members.status_counts
    write_summary(outdir / "summary_stats.csv", summary)
    attention = gather(ctx.conn, settings.csv_dir, event_table)
    write_index(outdir / "index.html", Report(
        datetime.now(timezone.utc), as_of, len(data.events), settings.return_window_days,
        attention_html(attention), [] if has_data else [NO_DATA], summary,
        [(stem, title, said[stem]) for stem, title in CHARTS], members_section(outdir, members),
        recent_runs(ctx.conn)))
    remember(outdir, this_database, len(data.events), now.isoformat())
    line = (f"events: settled={len(data.events)} stats changed={changed} flagged no-attendance={flagged}; "
            f"outputs: {len(CHARTS)} charts, summary_stats.csv, index.html in {outdir}; "
            f"attention={attention.count}")
    return StepResult(line, {"settled_events": len(data.events), "stats_changed": changed,
                             "flagged": flagged, "attention": attention.count})


def recent_runs(conn) -> list[tuple]:
    """The last runs of every step, newest first, for the report page."""
    with conn.cursor() as cur:
        cur.execute("""SELECT step, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                              to_char(finished_at AT TIME ZONE 'UTC', 'HH24:MI:SS'), status, message
                       FROM run_log ORDER BY started_at DESC, id DESC LIMIT %s""", (RECENT_RUNS,))
        return cur.fetchall()


def _nothing_yet(data: CommunityData) -> tuple:
    """The summary's inputs when no settled event has guests: no events, no attendance, the people."""
    no_events = pd.DataFrame({"total_rsvps": pd.Series(dtype=int), "attendance_counted": pd.Series(dtype=bool),
                              "first_time_attendees": pd.Series(dtype=float),
                              "return_rate": pd.Series(dtype=float), "return_rate_window": pd.Series(dtype=float)})
    no_guests = pd.DataFrame({"event_id": pd.Series(dtype=int), "person_id": pd.Series(dtype=int),
                              "approval_status": pd.Series(dtype=str), "attended": pd.Series(dtype=bool)})
    return no_events, metrics.prepare(data.events.iloc[0:0], no_guests), data.people
