#!/usr/bin/env python3
"""Step 3 of the pipeline: the analytics an organiser asks for. Reads events and attendance from
PostgreSQL, writes five PNG charts (with their numbers as CSV), summary_stats.csv and index.html
(one self-contained page) to the output folder, and writes each settled event's numbers back into
events.attendance and events.attendance_data."""
from __future__ import annotations

import argparse
import sys
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_step("analyze", lambda ctx: analyze(
        ctx, args.outdir or ctx.settings.output_dir,
        Choice(args.calendar or ctx.settings.analyze_calendar, args.organisation)))


if __name__ == "__main__":
    sys.exit(main())
