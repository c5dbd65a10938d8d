"""Step 2 of the pipeline: import Luma guest-list CSVs into people and attendance, working out who
each guest is across events. Each file is a snapshot of its event, merged guest by guest: the newest
export gives a guest's fields, guests and check-ins missing from a file stay, and the same files in
any order give the same result. Each file is imported whole or not at all. Files waiting in CSV_DIR
move to CSV_DIR/processed/ (a bad one to CSV_DIR/failed/ with a .error.txt saying why); a file named
from anywhere else is only read."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from luma_pipeline.importing.inbox import files_to_import
from luma_pipeline.importing.rows import ImportOptions
from luma_pipeline.importing.step import list_imported, run_import
from luma_pipeline.runner import run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Matching: Luma user id, then email, then phone (E.164), then the exact name when one "
               "person has it, then a fuzzy name with nicknames; unsure matches go to the review "
               "queue (view match_review_open). The same file content is imported once, under any "
               "name. Exit codes: 0 ok, 1 a file failed, 2 usage, 75 busy.")
    parser.add_argument("paths", nargs="*", metavar="CSV_OR_FOLDER",
                        help="guest-list CSVs or folders of them (default: every CSV pending in CSV_DIR)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--event-id", type=int, metavar="N", help="the events.id the file belongs to")
    which.add_argument("--luma-event-id", metavar="evt-…", help="the Luma id of the file's event")
    parser.add_argument("--replace", metavar="FILE",
                        help="make this one file the whole truth for its event: guests not in it "
                             "are removed and check-ins it lacks undone (a correction, never the default)")
    parser.add_argument("--dry-run", action="store_true",
                        help="match and report as usual, but write nothing and move no file")
    parser.add_argument("--list-imported", action="store_true",
                        help="list the files imported so far, newest first, and exit")
    parser.add_argument("--csv", action="store_true", help="with --list-imported: print CSV")
    args = parser.parse_args(argv)
    _check(parser, args)
    return args


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse combinations that make no sense, before any work."""
    if args.list_imported and (args.paths or args.replace or args.event_id is not None
                               or args.luma_event_id or args.dry_run):
        parser.error("--list-imported takes no file and no other option but --csv")
    if args.csv and not args.list_imported:
        parser.error("--csv goes with --list-imported")
    if args.replace and args.paths:
        parser.error("--replace FILE imports that one file; name no other")
    named = args.paths + ([args.replace] if args.replace else [])
    missing = [p for p in named if not Path(p).exists()]
    if missing:
        parser.error("no such file or folder: " + ", ".join(missing))
    if args.replace and Path(args.replace).is_dir():
        parser.error("--replace needs a CSV file, not a folder")
    if (args.event_id is not None or args.luma_event_id) and (
            len(named) != 1 or Path(named[0]).is_dir()):
        parser.error("--event-id / --luma-event-id need exactly one CSV file")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_imported:
        return run_step("import_luma_attendance", lambda ctx: list_imported(ctx, args.csv),
                        read_only=True)

    def body(ctx):
        options = ImportOptions.from_settings(ctx.settings, event_id=args.event_id,
                                              luma_event_id=args.luma_event_id,
                                              replace=bool(args.replace))
        named = [args.replace] if args.replace else args.paths
        return run_import(ctx, files_to_import(named, ctx.settings.csv_dir), options)

    return run_step("import_luma_attendance", body, dry_run=args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
