"""Step 3: Postgres → metrics → charts, summary_stats.csv, index.html, and the write-back."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..runner import StepContext, StepResult
from ..text import local_date
from . import charts, metrics
from .load import CommunityData, load
from .member_report import MEMBER_CHARTS, write_member_outputs
from .page import CHARTS, members_section, write_index, write_summary, write_table
from .write_back import write_back

log = logging.getLogger(__name__)

NO_DATA = "No data yet: no settled event with guests. Run luma_sync.py and import_luma_attendance.py."
RECENT_RUNS = 10


def analyze(ctx: StepContext, outdir: Path, as_of: datetime | None = None) -> StepResult:
    """Compute every metric as of `as_of` (default now), write it back for settled events, and
    render the outputs."""
    now = as_of or datetime.now(timezone.utc)
    settings = ctx.settings
    data = load(ctx.conn, now, settings.settle_hours)
    has_data = not data.events.empty and not data.guests.empty
    community = metrics.prepare(data.events, data.guests) if has_data else None
    event_table = metrics.event_metrics(community) if has_data else None
    flagged = changed = 0
    if event_table is not None:
        flagged, changed = write_back(ctx.conn, event_table, data.events, now)
    ctx.conn.commit()
    notes = [] if has_data else [NO_DATA]
    summary = (metrics.summary_stats(event_table, community, data.people) if has_data
               else metrics.summary_stats(*_nothing_yet(data)))
    render_charts(outdir, event_table, community, settings.party_category)
    members = write_member_outputs(outdir, community or _nothing_yet(data)[1], data, now,
                                   template=settings.reactivation_message, top=settings.reactivation_top)
    summary += members.status_counts
    write_summary(outdir / "summary_stats.csv", summary)
    write_index(outdir / "index.html", outdir, summary, now, len(data.events), recent_runs(ctx.conn),
                notes + _flag_notes(event_table), members_section(outdir, members, MEMBER_CHARTS))
    line = (f"events: settled={len(data.events)} stats changed={changed} flagged no-attendance={flagged}; "
            f"outputs: {len(CHARTS)} charts, summary_stats.csv, index.html in {outdir}")
    return StepResult(line, {"settled_events": len(data.events), "stats_changed": changed,
                             "flagged": flagged})


def render_charts(outdir: Path, event_table: pd.DataFrame | None, community: metrics.Attendance | None,
                  party: str) -> None:
    """The five charts and their numbers; each says so when there is nothing to show."""
    outdir.mkdir(parents=True, exist_ok=True)
    if event_table is None:
        for stem, title in CHARTS:
            charts.save_chart(charts.no_data_chart(title, NO_DATA), outdir / f"{stem}.png")
            write_table(outdir / f"{stem}.csv", pd.DataFrame({"note": [NO_DATA]}))
        return
    per_event = event_columns(event_table)
    charts.save_chart(charts.retention_chart(event_table), outdir / "retention_by_event.png")
    write_table(outdir / "retention_by_event.csv", per_event[
        ["date", "event", "category", "rsvps", "attendees", "returned_later", "return_rate_pct"]])
    charts.save_chart(charts.new_members_chart(event_table), outdir / "new_members_by_event.png")
    write_table(outdir / "new_members_by_event.csv", per_event[
        ["date", "event", "category", "rsvps", "attendees", "first_time_attendees",
         "first_time_rsvps_never_attended"]])
    categories = metrics.category_returns(community)
    chart = (charts.category_chart(categories) if not categories.empty else
             charts.no_data_chart("New members by category", "No first-time attendees yet."))
    charts.save_chart(chart, outdir / "new_members_by_category.png")
    write_table(outdir / "new_members_by_category.csv", categories)
    funnel = metrics.party_funnel(event_table, community, party)
    charts.save_chart(charts.party_funnel_chart(funnel, party), outdir / "party_funnel.png")
    write_table(outdir / "party_funnel.csv", funnel.rename("people").to_frame().rename_axis("stage")
                if funnel is not None else pd.DataFrame({"note": [f"no {party} events yet"]}))
    conversion = metrics.rsvp_conversion(community, party)
    charts.save_chart(charts.rsvp_conversion_chart(conversion), outdir / "rsvp_conversion.png")
    write_table(outdir / "rsvp_conversion.csv", conversion)


def event_columns(event_table: pd.DataFrame) -> pd.DataFrame:
    """The per-event numbers with an organiser's column names and the local date."""
    dates = [local_date(start, tz).isoformat()
             for start, tz in zip(event_table["start_at"], event_table["timezone"])]
    frame = pd.DataFrame({
        "date": dates, "event": event_table["name"], "category": event_table["category"],
        "rsvps": event_table["total_rsvps"], "attendees": event_table["total_attendees"].astype("Int64"),
        "first_time_attendees": event_table["first_time_attendees"].astype("Int64"),
        "first_time_rsvps_never_attended": event_table["first_time_rsvps_never_attended"],
        "returned_later": event_table["returned_later"].astype("Int64"),
        "return_rate_pct": event_table["return_rate"],
    }, index=event_table.index)
    frame.index.name = "event_id"
    return frame


def recent_runs(conn) -> list[tuple]:
    """The last runs of every step, newest first, for the report page."""
    with conn.cursor() as cur:
        cur.execute("""SELECT step, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                              to_char(finished_at AT TIME ZONE 'UTC', 'HH24:MI:SS'), status, message
                       FROM run_log ORDER BY started_at DESC, id DESC LIMIT %s""", (RECENT_RUNS,))
        return cur.fetchall()


def _flag_notes(event_table: pd.DataFrame | None) -> list[str]:
    if event_table is None:
        return []
    skipped = event_table[~event_table["attendance_counted"]]
    return [f"{len(skipped)} event(s) with RSVPs but no check-ins are left out of attendance numbers: "
            + ", ".join(skipped["name"].astype(str))] if len(skipped) else []


def _nothing_yet(data: CommunityData) -> tuple:
    """The summary's inputs when no settled event has guests: no events, no attendance, the people."""
    no_events = pd.DataFrame({"total_rsvps": pd.Series(dtype=int), "attendance_counted": pd.Series(dtype=bool),
                              "first_time_attendees": pd.Series(dtype=float),
                              "return_rate": pd.Series(dtype=float)})
    no_guests = pd.DataFrame({"event_id": pd.Series(dtype=int), "person_id": pd.Series(dtype=int),
                              "approval_status": pd.Series(dtype=str), "attended": pd.Series(dtype=bool)})
    return no_events, metrics.prepare(data.events.iloc[0:0], no_guests), data.people
