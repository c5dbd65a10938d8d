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
from ..text import spreadsheet_safe

CHARTS = (  # file stem, title
    ("retention_by_event", "Who comes back"),
    ("new_members_by_event", "New members by event"),
    ("new_members_by_category", "New members by category"),
    ("party_funnel", "Party funnel"),
    ("rsvp_conversion", "From RSVP to attendance"),
)


def write_summary(path: Path, rows: list[tuple[str, object]]) -> None:
    """summary_stats.csv: `metric,value`; a missing value is an empty cell."""
    with atomic_write(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["metric", "value"])
        writer.writerows((name, "" if value is None else value) for name, value in rows)


def write_table(path: Path, table: pd.DataFrame) -> None:
    """A chart's numbers as CSV, safe to open in a spreadsheet; missing values are empty cells."""
    safe = table.map(spreadsheet_safe)
    safe.index = [spreadsheet_safe(i) for i in safe.index]
    safe.index.name = table.index.name
    with atomic_write(path, "w", newline="", encoding="utf-8") as handle:
        safe.to_csv(handle)


def write_index(path: Path, outdir: Path, summary: list[tuple[str, object]], computed_at: datetime,
                n_events: int, runs: list[tuple], notes: list[str], sections: str = "") -> None:
    """index.html: every chart (inlined as data URIs), the summary, `sections` (ready HTML) and
    the last runs."""
    charts = "\n".join(_chart_html(outdir / f"{stem}.png", title) for stem, title in CHARTS)
    summary_rows = "\n".join(f"<tr><td>{html.escape(name)}</td><td>{'—' if value is None else html.escape(str(value))}</td></tr>"
                             for name, value in summary)
    run_rows = "\n".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in run)
                         + "</tr>" for run in runs) or "<tr><td colspan=5>no runs recorded yet</td></tr>"
    note_html = "".join(f"<p class=note>{html.escape(n)}</p>" for n in notes)
    page = PAGE.format(computed=html.escape(f"{computed_at:%Y-%m-%d %H:%M} UTC"), n_events=n_events,
                       notes=note_html, summary=summary_rows, charts=charts, runs=run_rows,
                       sections=sections)
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(page)


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
{sections}
{charts}
<h2>Last runs</h2>
<table><tr><th>step</th><th>started</th><th>finished</th><th>status</th><th>summary</th></tr>
{runs}
</table>
</body></html>
"""
