#!/usr/bin/env python3
"""Step 3 of the pipeline: the analytics an organiser asks for. Reads events and attendance from
PostgreSQL, writes the PNG charts (with their numbers as CSV), summary_stats.csv, the members' lists
(lifecycle, top attendees, no-shows, whom to invite back) and index.html (one self-contained page)
to the output folder, and writes each settled event's numbers back into events.attendance and
events.attendance_data."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from luma_pipeline.analytics.calendars import Choice
from luma_pipeline.analytics.step import analyze
from luma_pipeline.runner import run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Exit codes: 0 ok (also when there is no data yet), 1 failure, 2 usage, 75 busy.")
    parser.add_argument("--outdir", type=Path, metavar="DIR",
                        help="where the charts and the report go (default: OUTPUT_DIR)")
    parser.add_argument("--calendar", metavar="NAME",
                        help="only the events of this calendar in the charts and CSVs (default: "
                             "ANALYZE_CALENDAR, else every calendar); first events still count "
                             "across the whole community")
    parser.add_argument("--organisation", metavar="NAME",
                        help="only the events of this organisation (see ORGANISATIONS)")
    parser.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD",
                        help="compute everything as of the start of that day (00:00 UTC), to "
                             "reproduce a past run: events after it do not count (default: now)")
    return parser.parse_args(argv)


def as_of_date(text: str) -> datetime:
    """--as-of: a past date, as the instant its day starts (00:00 UTC)."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None
    if day > datetime.now(timezone.utc):
        raise argparse.ArgumentTypeError(f"{text} is in the future; --as-of reproduces a past run")
    return day


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_step("analyze", lambda ctx: analyze(
        ctx, args.outdir or ctx.settings.output_dir,
        Choice(args.calendar or ctx.settings.analyze_calendar, args.organisation), args.as_of))


if __name__ == "__main__":
    sys.exit(main())
