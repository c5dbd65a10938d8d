#!/usr/bin/env python3
"""Change an event's organiser fields without SQL: its cost and currency, whether attendance was
taken, its category. Prints the event before and after. Sync never overwrites these fields; analyze
takes "attendance taken" as given (auto: analyze decides from the check-ins again)."""
from __future__ import annotations

import argparse
import sys

from luma_pipeline.editing.event_fields import TAKEN, EventChange, edit_event, parse_cost, parse_currency
from luma_pipeline.runner import run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Examples: edit_event.py 12 --cost 250 --currency USD; edit_event.py --luma-event-id "
               "evt-abc123 --attendance-taken yes. Without a change it only shows the event. "
               "Exit codes: 0 ok, 1 failure, 2 usage (no such event, a bad value), 75 busy.")
    parser.add_argument("event_id", nargs="?", type=int, metavar="EVENT_ID", help="the events.id")
    parser.add_argument("--luma-event-id", metavar="evt-…", help="the event's Luma id, instead of EVENT_ID")
    parser.add_argument("--cost", type=_checked(parse_cost), metavar="AMOUNT",
                        help="what the event cost (250 or 12.50); needs a currency once")
    parser.add_argument("--currency", type=_checked(parse_currency), metavar="CODE",
                        help="the cost's currency, a three-letter code (USD, EUR, GBP …)")
    parser.add_argument("--attendance-taken", choices=list(TAKEN), metavar="yes|no|auto",
                        help="yes: attendance was taken (nobody checked in means nobody came); no: it was "
                             "not; auto: let analyze decide from the check-ins")
    parser.add_argument("--category", type=_checked(_category), metavar="NAME",
                        help="the event's category (kept by sync from now on)")
    args = parser.parse_args(argv)
    if (args.event_id is None) == (args.luma_event_id is None):
        parser.error("name the event: EVENT_ID or --luma-event-id evt-… (one of them)")
    return args


def _checked(parse):
    """An argparse type from a parser that raises ValueError with a readable message."""
    def check(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    check.__name__ = parse.__name__
    return check


def _category(text: str) -> str:
    name = " ".join(text.split()).lower()
    if not name:
        raise ValueError("a category needs a name")
    return name


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    change = EventChange(args.cost, args.currency, args.attendance_taken, args.category)
    return run_step("edit_event", lambda ctx: edit_event(ctx, args.event_id, args.luma_event_id, change))


if __name__ == "__main__":
    sys.exit(main())
