"""Step 3: Postgres → metrics → charts, summary_stats.csv, the members' files, index.html, and the
write-back."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..files import remove_stale_temporaries
from ..logs import redact
from ..runner import StepContext, StepResult
from ..schools import upgrade_schools
from . import metrics
from .attention import Attention, attention_html, gather
from .calendar_report import sections
from .calendars import (
    Choice,
    calendar_breakdown,
    chosen_events,
    load_groups,
    restrict,
    summary_rows,
)
from .event_report import NO_DATA, write_event_outputs
from .load import CommunityData, load, review_counts
from .member_report import members_section, write_member_outputs
from .page import CHARTS, Report, write_index, write_summary
from .provenance import check_replaceable, database_id, remember
from .write_back import write_back

log = logging.getLogger(__name__)

RECENT_RUNS = 10


def analyze(ctx: StepContext, outdir: Path, choice: Choice = Choice(),
            as_of: datetime | None = None) -> StepResult:
    """Compute every metric as of `as_of` (default now), write it back for settled events, and
    render the outputs (the per-event ones of the chosen calendar or organisation only, when there
    is a choice; people and first events always count across the whole community)."""
    for stale in remove_stale_temporaries(outdir):
        log.info("removed %s, left half-written by an analysis that was killed", stale.name)
    now, settings = as_of or datetime.now(timezone.utc), ctx.settings
    upgrade_schools(ctx)
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
    open_items, merges = review_counts(ctx.conn)
    attention = write_outputs(ctx, outdir, data, community, event_table, choice, now, as_of, open_items)
    remember(outdir, this_database, len(data.events), now.isoformat())
    line = (f"events: settled={len(data.events)} stats changed={changed} flagged no-attendance={flagged}; "
            f"outputs: {len(CHARTS)} charts, summary_stats.csv, index.html in {outdir}; "
            f"attention={attention.count}; "
            f"people: merges since last run={merges} open review items={open_items}")
    return StepResult(line, {"settled_events": len(data.events), "stats_changed": changed,
                             "flagged": flagged, "attention": attention.count,
                             "merges_since_last_run": merges, "open_review_items": open_items})


def write_outputs(ctx: StepContext, outdir: Path, data: CommunityData, community: metrics.Attendance,
                  event_table: pd.DataFrame | None, choice: Choice, now: datetime,
                  as_of: datetime | None, open_items: int) -> Attention:
    """Every file of the report: the members' (whole community), the per-event charts and CSVs
    (the chosen events), summary_stats.csv and index.html. Returns what needs attention."""
    settings, has_data = ctx.settings, event_table is not None
    members = write_member_outputs(outdir, community, data, now, template=settings.reactivation_message,
                                   top=settings.reactivation_top)
    groups = load_groups(ctx.conn)
    breakdown, several = calendar_breakdown(groups, event_table, community if has_data else None,
                                            bool(settings.organisations))
    kept = chosen_events(groups, choice)
    event_table, chosen = restrict(event_table, community if has_data else None, kept)
    said = write_event_outputs(outdir, event_table, chosen, settings)
    summary = (metrics.summary_stats(event_table, chosen, data.people) if has_data
               else metrics.summary_stats(*_nothing_yet(data))) + members.status_counts
    write_summary(outdir / "summary_stats.csv",  # the page shows the breakdown as a table of its own
                  summary + (summary_rows(breakdown) if breakdown is not None else []))
    attention, secrets = gather(ctx.conn, settings.csv_dir, event_table, open_items), settings.secrets()
    write_index(outdir / "index.html", Report(
        datetime.now(timezone.utc), as_of, len(data.events), settings.return_window_days,
        attention_html(attention), ([] if has_data else [NO_DATA]) + ([choice.describe()] if kept is not None else []),
        summary, [(stem, title, said[stem]) for stem, title in CHARTS], members_section(outdir, members),
        _redacted(recent_runs(ctx.conn), secrets), sections(ctx.conn, breakdown, several, secrets)))
    return attention


def recent_runs(conn) -> list[tuple]:
    """The last runs of every step, newest first, for the report page."""
    with conn.cursor() as cur:
        cur.execute("""SELECT step, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                              to_char(finished_at AT TIME ZONE 'UTC', 'HH24:MI:SS'), status, message
                       FROM run_log ORDER BY started_at DESC, id DESC LIMIT %s""", (RECENT_RUNS,))
        return cur.fetchall()


def _redacted(runs: list[tuple], secrets: list[str]) -> list[tuple]:
    """The runs with every secret taken out of their text (a message may quote an error)."""
    return [tuple(redact(v, secrets) if isinstance(v, str) else v for v in run) for run in runs]


def _nothing_yet(data: CommunityData) -> tuple:
    """The summary's inputs when no settled event has guests: no events, no attendance, the people."""
    no_events = pd.DataFrame({"total_rsvps": pd.Series(dtype=int), "attendance_counted": pd.Series(dtype=bool),
                              "first_time_attendees": pd.Series(dtype=float),
                              "return_rate": pd.Series(dtype=float), "return_rate_window": pd.Series(dtype=float)})
    no_guests = pd.DataFrame({"event_id": pd.Series(dtype=int), "person_id": pd.Series(dtype=int),
                              "approval_status": pd.Series(dtype=str), "attended": pd.Series(dtype=bool)})
    return no_events, metrics.prepare(data.events.iloc[0:0], no_guests), data.people
