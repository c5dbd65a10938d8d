#!/usr/bin/env python3
"""One-page placards (PDF) of the events in the event-analysis CSV: header, KPI cards (RSVPs,
attendees, first-timers and their change), cost per head when the cost is known, who came, and
who came back from earlier events. Each PDF is stored in events.placard_pdf; a row leaves the CSV
once its PDF is stored and the row is added to event_analysis_done.csv beside it, so a run that
stops halfway resumes where it was and no numbers are lost."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matplotlib.colors import is_color_like

from luma_pipeline.reports.placard_pdf import Branding
from luma_pipeline.reports.placards import generate
from luma_pipeline.runner import run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     epilog="Exit codes: 0 ok, 1 a placard failed (its row stays), 2 usage.")
    parser.add_argument("--input-csv", type=Path, default=Path("event_analysis_all.csv"), metavar="CSV",
                        help="rows from event_analysis_single.py (default ./event_analysis_all.csv)")
    parser.add_argument("--save-pdfs-dir", type=Path, metavar="DIR",
                        help="also save each placard there as event_{id}_{name}.pdf")
    parser.add_argument("--title", default=Branding.title, help=f"the placards' title (default {Branding.title!r})")
    parser.add_argument("--org-name", default="", help="your organisation's name, shown in the header")
    parser.add_argument("--logo", type=Path, metavar="PNG", help="a logo image for the header")
    parser.add_argument("--accent-color", default=Branding.accent, metavar="COLOR",
                        help=f"header and highlight colour (default {Branding.accent}, a neutral slate)")
    args = parser.parse_args(argv)
    if not args.input_csv.exists():
        parser.error(f"no such file: {args.input_csv} (run event_analysis_single.py first)")
    if args.logo and not args.logo.is_file():
        parser.error(f"no such logo: {args.logo}")
    if not is_color_like(args.accent_color):
        parser.error(f"--accent-color {args.accent_color!r} is not a colour (try #334155 or navy)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    branding = Branding(args.title, args.org_name, args.logo, args.accent_color)
    return run_step("generate_all_placards",
                    lambda ctx: generate(ctx, args.input_csv, branding, args.save_pdfs_dir))


if __name__ == "__main__":
    sys.exit(main())
