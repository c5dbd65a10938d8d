"""What analyze.py leaves on the volume besides the charts: summary_stats.csv, each chart's numbers
as CSV, and index.html (one self-contained page: charts inlined, no network; it reads on a phone)."""
from __future__ import annotations

import base64
import csv
import html
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..files import atomic_write
from ..text import SPREADSHEET_TRIGGERS, spreadsheet_safe
from .members import ACTIVE_DAYS, DORMANT_DAYS

CHARTS = (  # file stem, title
    ("retention_by_event", "Who comes back"),
    ("new_members_by_event", "New members by event"),
    ("new_members_by_category", "New members by category"),
    ("party_funnel", "Party funnel"),
    ("rsvp_conversion", "From RSVP to attendance"),
)


def write_summary(path: Path, rows: list[tuple[str, object]]) -> None:
    """summary_stats.csv: `metric,value`; a missing value is an empty cell; a UTF-8 BOM first, so
    spreadsheet programs read it as UTF-8."""
    with atomic_write(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["metric", "value"])
        writer.writerows((name, "" if value is None else value) for name, value in rows)


def write_table(path: Path, table: pd.DataFrame, *, index: bool = True, bom: bool = False) -> None:
    """A table as CSV, safe to open in a spreadsheet; missing values are empty cells. `bom`: a
    UTF-8 BOM first, for lists of people (spreadsheet programs then show accents and emoji)."""
    safe = table.apply(_safe_column)
    if index:
        safe.index = [spreadsheet_safe(i) for i in safe.index]
        safe.index.name = table.index.name
    with atomic_write(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        safe.to_csv(handle, index=index)


def _safe_column(column: pd.Series) -> pd.Series:
    """spreadsheet_safe on the cells that may need it: text starting with a trigger character."""
    if column.dtype.kind in "biufcmM":  # numbers and times are never formulas
        return column
    try:
        risky = column.str.startswith(SPREADSHEET_TRIGGERS).fillna(False).astype(bool)
    except AttributeError:  # not only text: look at each cell as text
        risky = column.astype(object).where(column.notna(), "").astype(str).str.startswith(SPREADSHEET_TRIGGERS)
    return column.astype(object).where(~risky, column[risky].map(spreadsheet_safe)) if risky.any() else column


@dataclass
class Report:
    """Everything index.html shows, in the order it shows it."""

    computed_at: datetime
    as_of: datetime | None  # set when the run reproduces a past one (--as-of)
    n_events: int
    window_days: int
    attention: str  # the "What needs attention" section, as HTML
    notes: list[str]
    summary: list[tuple[str, object]]
    charts: list[tuple[str, str, str]]  # file stem, title, takeaway
    members: str  # the Members section, as HTML
    runs: list[tuple] = field(default_factory=list)
    sections: str = ""  # several calendars: their table, syncs, organisations, drift (as HTML)


def write_index(path: Path, report: Report) -> None:
    """index.html: what needs attention, the summary in words, every chart full width with its
    takeaway and links to its files, the Members section, the last runs."""
    outdir = path.parent
    when = f"{report.computed_at:%Y-%m-%d %H:%M} UTC" + (
        f", as of {report.as_of:%Y-%m-%d %H:%M} UTC" if report.as_of else "")
    page = PAGE.format(
        computed=html.escape(when), n_events=report.n_events, attention=report.attention,
        notes="".join(f"<p class=note>{html.escape(n)}</p>" for n in report.notes),
        summary=summary_html(report.summary, report.window_days),
        charts="\n".join(chart_html(outdir, stem, title, takeaway) for stem, title, takeaway in report.charts),
        members=report.members, sections=report.sections, runs=_runs_html(report.runs))
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(page)


SUMMARY_WORDS = {  # metric → (words, one-line definition)
    "people": ("People", "everyone in the database: anyone who was ever on a guest list"),
    "events": ("Settled events", "events that ended at least SETTLE_HOURS (24) hours ago"),
    "events_with_attendance": ("Events with attendance taken", "settled events with check-ins (or marked "
                               "as taken by the organiser)"),
    "rsvps": ("RSVPs", "yes answers to settled events (approved, or checked in)"),
    "attendances": ("Attendances", "check-ins at events with attendance taken; one person at one event"),
    "unique_rsvpers": ("Unique RSVPers", "people who RSVPed to at least one settled event"),
    "unique_attendees": ("Unique attendees", "people who checked in at least once"),
    "overall_conversion_pct": ("RSVPs that came", "attendances ÷ RSVPs, at events with attendance taken"),
    "events_per_attendee": ("Events per attendee", "attendances ÷ attendees"),
    "first_timer_share_pct": ("First-timer share", "attendances that were the person's first event"),
    "average_return_rate_pct": ("Came back within {window} days", "average over the events whose "
                                "{window}-day window has closed (recent events are not counted yet)"),
    "female_share_pct": ("Women among attendees", "of the attendees whose gender is known"),
    "members_active": ("Active members", f"attended within the last {ACTIVE_DAYS} days"),
    "members_dormant": ("Dormant members", f"last came {ACTIVE_DAYS + 1} to {DORMANT_DAYS} days ago"),
    "members_churned": ("Churned members", f"last came more than {DORMANT_DAYS} days ago"),
    "members_never_attended": ("Never attended", "RSVPed, never checked in"),
}
PEOPLE_EXPLAINED = ("<p class=meta><b>People</b> are everyone on any guest list; <b>RSVPers</b> are the "
                    "people who said yes to at least one event; <b>attendees</b> are the people who "
                    "checked in at least once. Every attendee is an RSVPer, and every RSVPer a person.</p>")


def summary_html(rows: list[tuple[str, object]], window_days: int) -> str:
    """The summary as a table in words: each number with its one-line definition."""
    cells = []
    for name, value in rows:
        words, definition = SUMMARY_WORDS.get(name, (name, ""))
        shown = "—" if value is None else f"{value:,} %" if name.endswith("_pct") else (
            f"{value:,}" if isinstance(value, (int, float)) else str(value))
        cells.append(f"<tr><td>{html.escape(words.format(window=window_days))}<small>"
                     f"{html.escape(definition.format(window=window_days))}</small></td>"
                     f"<td>{html.escape(shown)}</td></tr>")
    return PEOPLE_EXPLAINED + "<table class=summary>" + "".join(cells) + "</table>"


def chart_html(outdir: Path, stem: str, title: str, takeaway: str) -> str:
    """One chart, full width: its title, its takeaway, the image (inlined) and links to its files."""
    png, table = f"{stem}.png", f"{stem}.csv"
    data = base64.b64encode((outdir / png).read_bytes()).decode("ascii")
    links = " · ".join(f'<a href="{name}">{name}</a>' for name in (png, table) if (outdir / name).exists())
    return (f"<section id={stem}><h2>{html.escape(title)}</h2><p class=takeaway>{html.escape(takeaway)}</p>"
            f'<a href="{png}"><img alt="{html.escape(title)}: {html.escape(takeaway)}" '
            f'src="data:image/png;base64,{data}"></a><p class=files>Files: {links}</p></section>')


def people_list_html(title: str, frame: pd.DataFrame, columns: tuple, csv_name: str, what: str,
                     empty: str, rows: int = 10) -> str:
    """The first `rows` people of a list as a table, with a link to the whole CSV."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell_text(row[c]))}</td>" for _, c in columns)
                   + "</tr>" for _, row in frame.head(rows).iterrows())
    table = (f"<div class=scroll><table><tr>{head}</tr>{body}</table></div>" if len(frame)
             else f"<p class=note>{html.escape(empty)}</p>")
    shown = f" (the first {rows} of {len(frame):,} here)" if len(frame) > rows else ""
    return (f"<section><h3>{html.escape(title)}</h3>{table}<p class=files><a href=\"{csv_name}\">"
            f"{csv_name}</a>: {html.escape(what)}{shown}</p></section>")


def _cell_text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _runs_html(runs: list[tuple]) -> str:
    rows = "\n".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in run)
                     + "</tr>" for run in runs) or "<tr><td colspan=5>no runs recorded yet</td></tr>"
    return ("<div class=scroll><table class=runs><tr><th>step</th><th>started</th><th>finished</th>"
            f"<th>status</th><th>summary</th></tr>{rows}</table></div>")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Community analytics</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 1200px;
        padding: 0 1rem; color: #1f2937; line-height: 1.4; }}
 h1 {{ margin-bottom: .2rem; }} h2 {{ margin: 0 0 .2rem; }} .meta {{ color: #555; margin-top: 0; }}
 table {{ border-collapse: collapse; margin: .8rem 0; }}
 td, th {{ border-bottom: 1px solid #ddd; padding: .35rem .7rem; text-align: left; vertical-align: top; }}
 table.summary td:nth-child(2) {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
        font-weight: 600; }}
 td small {{ display: block; color: #666; font-size: .8rem; }}
 .scroll {{ overflow-x: auto; }} img {{ display: block; width: 100%; height: auto; border: 1px solid #eee; }}
 section {{ margin: 2.2rem 0; }} .takeaway {{ font-size: 1.05rem; margin: 0 0 .6rem; }}
 .note {{ background: #fff5e6; padding: .5rem .8rem; border-left: 3px solid #e07b39; }}
 .attention {{ background: #fef2f2; border-left: 4px solid #b91c1c; padding: .6rem 1rem; }}
 .attention.calm {{ background: #f0fdf4; border-left-color: #15803d; }}
 .attention ul {{ margin: .3rem 0; padding-left: 1.2rem; }} code {{ background: #f3f4f6; padding: 0 .2rem; }}
 .files {{ color: #666; font-size: .85rem; }}
 @media (max-width: 600px) {{ body {{ margin: .8rem auto; padding: 0 .6rem; }} h1 {{ font-size: 1.5rem; }}
   td, th {{ padding: .3rem .4rem; }} table.runs {{ font-size: .8rem; }} }}
</style></head><body>
<h1>Community analytics</h1>
<p class=meta>Computed {computed} from {n_events} settled events.</p>
{attention}
{notes}
<h2>Summary</h2>
{summary}
{sections}
{charts}
{members}
<h2>Last runs</h2>
{runs}
</body></html>
"""
