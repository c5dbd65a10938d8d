"""What analyze.py leaves on the volume besides the charts: summary_stats.csv, each chart's numbers
as CSV, and index.html (one self-contained page: charts inlined, no network)."""
from __future__ import annotations

import base64
import csv
import html
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..files import atomic_write
from ..text import SPREADSHEET_TRIGGERS, spreadsheet_safe

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
    safe.index = [spreadsheet_safe(i) for i in safe.index]
    safe.index.name = table.index.name
    with atomic_write(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        safe.to_csv(handle, index=index)


def _safe_column(column: pd.Series) -> pd.Series:
    """spreadsheet_safe on the cells that may need it: text starting with a trigger character."""
    if column.dtype.kind in "biufcmM":  # numbers and times are never formulas
        return column
    risky = column.astype(object).where(column.notna(), "").astype(str).str[:1].isin(SPREADSHEET_TRIGGERS)
    return column.astype(object).where(~risky, column[risky].map(spreadsheet_safe)) if risky.any() else column


def write_index(path: Path, outdir: Path, summary: list[tuple[str, object]], computed_at: datetime,
                n_events: int, runs: list[tuple], notes: list[str], members: str = "") -> None:
    """index.html: every chart (inlined as data URIs), the summary, the Members section and the
    last runs."""
    charts = "\n".join(_chart_html(outdir / f"{stem}.png", title) for stem, title in CHARTS) + members
    summary_rows = "\n".join(f"<tr><td>{html.escape(name)}</td><td>{'—' if value is None else html.escape(str(value))}</td></tr>"
                             for name, value in summary)
    run_rows = "\n".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in run)
                         + "</tr>" for run in runs) or "<tr><td colspan=5>no runs recorded yet</td></tr>"
    note_html = "".join(f"<p class=note>{html.escape(n)}</p>" for n in notes)
    page = PAGE.format(computed=html.escape(f"{computed_at:%Y-%m-%d %H:%M} UTC"), n_events=n_events,
                       notes=note_html, summary=summary_rows, charts=charts, runs=run_rows)
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(page)


def members_section(outdir: Path, report, charts: tuple[tuple[str, str], ...]) -> str:
    """The Members section: status counts, the heatmap and the trend, the first rows of the
    reactivation list, the top attendees and the people who often do not show up."""
    counts = "".join(f"<tr><td>{html.escape(STATUS_WORDS[name])}</td><td>{value}</td></tr>"
                     for name, value in report.status_counts)
    parts = [f"<h2 id=members>Members</h2><p class=meta>{report.members} people have RSVPed at least once.</p>",
             f"<table><tr><th>status</th><th>people</th></tr>{counts}</table>"]
    parts += [_chart_html(outdir / f"{stem}.png", title) for stem, title in charts]
    parts.append(_list_html("Invite them back", report.reactivation, REACTIVATION_SHOWN,
                            "reactivation.csv", "dormant members, best first, with a suggested event "
                            "and a drafted message", "No dormant members: nobody to invite back."))
    parts.append(_list_html("Top attendees", report.top_attendees, TOP_SHOWN, "top_attendees.csv",
                            "the 10 people who attended most", "No data yet: nobody has attended."))
    parts.append(_list_html("Often RSVP but do not come", report.no_shows, NO_SHOWS_SHOWN, "no_shows.csv",
                            "people with 2 or more no-shows (RSVPed, did not check in, attendance "
                            "was taken)", "Nobody has 2 or more no-shows."))
    return "\n".join(parts)


LIST_ROWS = 10  # people a list shows on the page; its CSV has them all
STATUS_WORDS = {"members_active": "active (attended within the last 30 days)",
                "members_dormant": "dormant (last came 31-90 days ago)",
                "members_churned": "churned (last came more than 90 days ago)",
                "members_never_attended": "never attended (RSVPed, never checked in)"}
REACTIVATION_SHOWN = (("#", "rank"), ("name", "name"), ("score", "score"), ("days inactive", "days_inactive"),
                      ("events", "events_attended"), ("favourite category", "favourite_category"),
                      ("suggested event", "suggested_event"), ("on", "suggested_event_date"))
TOP_SHOWN = (("#", "rank"), ("name", "name"), ("events attended", "events_attended"),
             ("last came", "last_event_date"), ("status", "status"))
NO_SHOWS_SHOWN = (("name", "name"), ("no-shows", "no_shows"), ("events attended", "events_attended"),
                  ("status", "status"))


def _list_html(title: str, frame: pd.DataFrame, columns: tuple, csv_name: str, what: str, empty: str) -> str:
    """The first LIST_ROWS people of a list as a table, with a link to the whole CSV."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell_text(row[c]))}</td>" for _, c in columns)
                   + "</tr>" for _, row in frame.head(LIST_ROWS).iterrows())
    body = (f"<div class=scroll><table><tr>{head}</tr>{rows}</table></div>" if len(frame)
            else f"<p class=note>{html.escape(empty)}</p>")
    shown = f" (the first {LIST_ROWS} of {len(frame):,} here)" if len(frame) > LIST_ROWS else ""
    return (f"<section><h3>{html.escape(title)}</h3>{body}<p class=files><a href=\"{csv_name}\">"
            f"{csv_name}</a>: {html.escape(what)}{shown}</p></section>")


def _cell_text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _chart_html(png: Path, title: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f'<section><h2>{html.escape(title)}</h2><img alt="{html.escape(title)}" '
            f'src="data:image/png;base64,{data}"><p class=files>{html.escape(png.name)} · '
            f'{html.escape(png.stem)}.csv</p></section>')


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Community analytics</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }}
 h1 {{ margin-bottom: .2rem; }} .meta {{ color: #666; margin-top: 0; }}
 table {{ border-collapse: collapse; margin: 1rem 0; }} td, th {{ border-bottom: 1px solid #ddd; padding: .3rem .8rem; text-align: left; }}
 td:nth-child(2) {{ text-align: right; font-variant-numeric: tabular-nums; }}
 img {{ max-width: 100%; height: auto; border: 1px solid #eee; }} section {{ margin: 2rem 0; }}
 .note {{ background: #fff5e6; padding: .5rem .8rem; border-left: 3px solid #e07b39; }}
 .files {{ color: #888; font-size: .85rem; }}
</style></head><body>
<h1>Community analytics</h1>
<p class=meta>Computed {computed} from {n_events} settled events.</p>
{notes}
<h2>Summary</h2>
<table><tr><th>metric</th><th>value</th></tr>
{summary}
</table>
{charts}
<h2>Last runs</h2>
<table><tr><th>step</th><th>started</th><th>finished</th><th>status</th><th>summary</th></tr>
{runs}
</table>
</body></html>
"""
