#!/usr/bin/env python3
"""Step 2 of the pipeline: import Luma guest-list CSVs into people and attendance, working out who
each guest is across events. Each file is imported whole or not at all; on success it moves to
CSV_DIR/processed/, a bad file to CSV_DIR/failed/ with a .error.txt saying why."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from luma_pipeline.importing.rows import ImportOptions
from luma_pipeline.importing.step import files_to_import, run_import
from luma_pipeline.runner import run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Matching: Luma user id, then email, then phone (E.164), then the exact name when one "
               "person has it, then a fuzzy name with nicknames; unsure matches go to the review "
               "queue (view match_review_open). Exit codes: 0 ok, 1 a file failed, 2 usage, 75 busy.")
    parser.add_argument("paths", nargs="*", metavar="CSV_OR_FOLDER",
                        help="guest-list CSVs or folders of them (default: every CSV pending in CSV_DIR)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--event-id", type=int, metavar="N", help="the events.id the file belongs to")
    which.add_argument("--luma-event-id", metavar="evt-…", help="the Luma id of the file's event")
    parser.add_argument("--dry-run", action="store_true",
                        help="match and report as usual, but write nothing and move no file")
    args = parser.parse_args(argv)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        parser.error("no such file or folder: " + ", ".join(missing))
    if (args.event_id is not None or args.luma_event_id) and (
            len(args.paths) != 1 or Path(args.paths[0]).is_dir()):
        parser.error("--event-id / --luma-event-id need exactly one CSV file")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def body(ctx):
        options = ImportOptions.from_settings(ctx.settings, event_id=args.event_id,
                                              luma_event_id=args.luma_event_id)
        return run_import(ctx, files_to_import(args.paths, ctx.settings.csv_dir), options)

    return run_step("import_luma_attendance", body, dry_run=args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
