#!/usr/bin/env python3
"""One event against the ones before it. Analyses a settled event (RSVPs, attendees, first-timers
and their change against the previous comparable event; cost per head; who came; who came back
from the four previous comparable events) and keeps one row per event in a CSV that
generate_all_placards.py turns into placards. Without --event-id it lists the settled events to
choose from (in a terminal only)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from luma_pipeline.reports.single_event import analyse
from luma_pipeline.runner import run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="A comparable event is an earlier settled event with more than MIN_COMPARABLE_ATTENDEES "
               "(default 10) attendees. Exit codes: 0 ok, 1 failure, 2 usage, 75 busy.")
    parser.add_argument("--event-id", type=int, metavar="N", help="the events.id to analyse")
    parser.add_argument("--choose-past", action="store_true",
                        help="choose up to 4 earlier events to compare against instead of the automatic ones")
    parser.add_argument("--outdir", type=Path, default=Path("."), metavar="DIR",
                        help="folder of the CSV (default: the current folder)")
    parser.add_argument("--output-file", default="event_analysis_all.csv", metavar="F",
                        help="the CSV's name (default event_analysis_all.csv)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ask = input if sys.stdin.isatty() else None
    return run_step("event_analysis_single", lambda ctx: analyse(
        ctx, args.event_id, args.choose_past, args.outdir / args.output_file,
        min_attendees=ctx.settings.min_comparable_attendees, ask=ask))


if __name__ == "__main__":
    sys.exit(main())
