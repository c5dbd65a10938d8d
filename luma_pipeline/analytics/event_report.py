"""The per-event and community charts of analyze.py with their numbers as CSV: who comes back,
new members by event and by category, the party funnel, RSVP conversion. Per-event charts show
the latest CHART_EVENTS settled events; their CSVs keep every event."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import Settings
from ..text import local_date
from . import charts, metrics, takeaways
from .page import CHARTS, write_table

NO_DATA = "No data yet: no settled event with guests. Run luma_sync.py and import_luma_attendance.py."


def write_event_outputs(outdir: Path, event_table: pd.DataFrame | None, community: metrics.Attendance | None,
                        settings: Settings) -> dict[str, str]:
    """The five charts and their numbers; each says so when there is nothing to show. Returns each
    chart's takeaway by file stem."""
    outdir.mkdir(parents=True, exist_ok=True)
    if event_table is None:
        for stem, title in CHARTS:
            charts.save_chart(charts.no_data_chart(title, NO_DATA), outdir / f"{stem}.png")
            write_table(outdir / f"{stem}.csv", pd.DataFrame({"note": [NO_DATA]}))
        return dict.fromkeys((stem for stem, _ in CHARTS), "No data yet.")
    said = _per_event_charts(outdir, event_table, settings)
    said.update(_community_charts(outdir, event_table, community, settings.party_category))
    return said


def _per_event_charts(outdir: Path, event_table: pd.DataFrame, settings: Settings) -> dict[str, str]:
    """Who comes back and new members by event: the latest events charted, every event in the CSV."""
    shown, window = event_table.tail(settings.chart_events), settings.return_window_days
    per_event = event_columns(event_table)
    said = {"retention_by_event": takeaways.retention(shown, window), "new_members_by_event": takeaways.new_members(shown)}
    charts.save_chart(charts.retention_chart(shown, window, said["retention_by_event"]),
                      outdir / "retention_by_event.png")
    write_table(outdir / "retention_by_event.csv", per_event[
        ["date", "event", "category", "rsvps", "attendees", "returned_later", "return_rate_pct",
         "returned_within_window", "return_rate_window_pct", "return_window"]])
    charts.save_chart(charts.new_members_chart(shown, said["new_members_by_event"]), outdir / "new_members_by_event.png")
    write_table(outdir / "new_members_by_event.csv", per_event[
        ["date", "event", "category", "rsvps", "attendees", "first_time_attendees",
         "first_time_rsvps_never_attended"]])
    return said


def _community_charts(outdir: Path, event_table: pd.DataFrame, community: metrics.Attendance,
                      party: str) -> dict[str, str]:
    """First-timers by category, the party funnel and RSVP conversion."""
    categories = metrics.category_returns(community)
    said = {"new_members_by_category": takeaways.categories(categories)}
    chart = (charts.category_chart(categories, said["new_members_by_category"]) if not categories.empty else
             charts.no_data_chart("New members by category", "No first-time attendees yet."))
    charts.save_chart(chart, outdir / "new_members_by_category.png")
    write_table(outdir / "new_members_by_category.csv", categories)
    funnel = metrics.party_funnel(event_table, community, party)
    said["party_funnel"] = takeaways.party_funnel(funnel, party)
    charts.save_chart(charts.party_funnel_chart(funnel, party, said["party_funnel"]), outdir / "party_funnel.png")
    write_table(outdir / "party_funnel.csv", funnel.rename("people").to_frame().rename_axis("stage")
                if funnel is not None else pd.DataFrame({"note": [f"no {party} events yet"]}))
    conversion = metrics.rsvp_conversion(community, party)
    said["rsvp_conversion"] = takeaways.rsvp_conversion(conversion)
    charts.save_chart(charts.rsvp_conversion_chart(conversion, said["rsvp_conversion"]), outdir / "rsvp_conversion.png")
    write_table(outdir / "rsvp_conversion.csv", conversion)
    return said


def event_columns(event_table: pd.DataFrame) -> pd.DataFrame:
    """The per-event numbers with an organiser's column names and the local date."""
    dates = [local_date(start, tz).isoformat()
             for start, tz in zip(event_table["start_at"], event_table["timezone"])]
    open_window = event_table["attendance_counted"] & event_table["returned_within_window"].isna()
    frame = pd.DataFrame({
        "date": dates, "event": event_table["name"], "category": event_table["category"],
        "rsvps": event_table["total_rsvps"], "attendees": event_table["total_attendees"].astype("Int64"),
        "first_time_attendees": event_table["first_time_attendees"].astype("Int64"),
        "first_time_rsvps_never_attended": event_table["first_time_rsvps_never_attended"],
        "returned_later": event_table["returned_later"].astype("Int64"),
        "return_rate_pct": event_table["return_rate"],
        "returned_within_window": event_table["returned_within_window"].astype("Int64"),
        "return_rate_window_pct": event_table["return_rate_window"],
        "return_window": [("open" if is_open else "closed") if counted else "no attendance taken"
                          for is_open, counted in zip(open_window, event_table["attendance_counted"])],
    }, index=event_table.index)
    frame.index.name = "event_id"
    return frame
