#!/usr/bin/env python3
"""Settle who is who: the review queue of person matches the importer was not sure of, merging two
people (and undoing it), rejecting a pair for good, and finding likely duplicates in older data.
Every change is one transaction, logged with the OS user, the time and what moved."""
from __future__ import annotations

import argparse
import sys

from luma_pipeline.people import step
from luma_pipeline.runner import run_step

STEP = "review_people"
IMPORTER = "import_luma_attendance"  # a merge must not run beside an import that holds old ids
EPILOG = """commands:
  queue [--limit N] [--csv]   open items, most consequential first, both people side by side
  show PERSON                 everything known of one person (identifiers, events, merges)
  find TEXT                   people by name, email or phone (folded as the importer folds them)
  accept ITEM                 the item's two people are one: merge them (prints the merge id)
  reject ITEM                 not the same person: never asked again, never merged by name
  merge KEEP OTHER [--dry-run]  merge OTHER into KEEP (prints the merge id)
  undo MERGE                  put back exactly what a merge changed
  history [--csv]             every merge, undo, rejection and hand-queued item
  suggest [--apply-to-queue]  likely duplicates among all people (same name or a nickname pair,
                              plus a shared phone, email local part or school)

Exit codes: 0 ok, 1 failure, 2 usage (also an unknown or already settled id), 75 busy (an import
or another change is running)."""


def positive(text: str) -> int:
    """An id or a count: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    queue = commands.add_parser("queue", help="open review items, most consequential first")
    queue.add_argument("--limit", type=positive, metavar="N", help="show at most N items")
    queue.add_argument("--csv", action="store_true", help="CSV for a program (header, one row per item)")
    commands.add_parser("show", help="everything known of one person").add_argument("person", type=positive)
    commands.add_parser("find", help="people by name, email or phone").add_argument("text")
    commands.add_parser("accept", help="merge an item's two people").add_argument("item", type=positive)
    commands.add_parser("reject", help="an item's two people are not one").add_argument("item", type=positive)
    merge = commands.add_parser("merge", help="merge OTHER into KEEP")
    merge.add_argument("keep", type=positive)
    merge.add_argument("other", type=positive)
    merge.add_argument("--dry-run", action="store_true", help="say what would move; change nothing")
    commands.add_parser("undo", help="put back what a merge changed").add_argument("merge", type=positive)
    history = commands.add_parser("history", help="every decision, oldest first")
    history.add_argument("--csv", action="store_true", help="CSV for a program")
    suggest = commands.add_parser("suggest", help="likely duplicates among all people")
    suggest.add_argument("--apply-to-queue", action="store_true", help="queue the ones not queued yet")
    args = parser.parse_args(argv)
    if args.command == "merge" and args.keep == args.other:
        parser.error("KEEP and OTHER are the same person")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bodies = {
        "queue": lambda ctx: step.show_queue(ctx, args.limit, args.csv),
        "show": lambda ctx: step.show_person(ctx, args.person),
        "find": lambda ctx: step.find(ctx, args.text),
        "accept": lambda ctx: step.accept(ctx, args.item),
        "reject": lambda ctx: step.reject(ctx, args.item),
        "merge": lambda ctx: step.merge(ctx, args.keep, args.other),
        "undo": lambda ctx: step.undo(ctx, args.merge),
        "history": lambda ctx: step.show_history(ctx, args.csv),
        "suggest": lambda ctx: step.suggest(ctx, args.apply_to_queue),
    }
    writes = args.command in ("accept", "reject", "merge", "undo") or (
        args.command == "suggest" and args.apply_to_queue)
    return run_step(STEP, bodies[args.command], dry_run=getattr(args, "dry_run", False),
                    also_lock=(IMPORTER,) if writes else (), read_only=not writes)


if __name__ == "__main__":
    sys.exit(main())
