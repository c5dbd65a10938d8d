#!/usr/bin/env python3
"""Step 1 of the pipeline: sync the calendar's events from Luma into PostgreSQL, and write the guest
list of every settled event not yet imported as a CSV in Luma's export format (its path on stdout)."""
from __future__ import annotations

import argparse
import sys

from luma_pipeline.runner import run_step
from luma_pipeline.sync.step import sync


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Reads LUMA_API_KEY, LUMA_API_BASE_URL, DATABASE_URL (or PG*, else an embedded "
               "PostgreSQL in ./.pgdata), CSV_DIR and SETTLE_HOURS from the environment or .env. "
               "Exit codes: 0 ok, 1 failure, 2 usage, 75 another sync is running.")
    parser.add_argument("--dry-run", action="store_true",
                        help="fetch from Luma and report, but write nothing (no rows, no files)")
    parser.add_argument("--full-refresh", action="store_true",
                        help="also re-fetch the guest lists of events whose attendance is already "
                             "imported (a newer export replaces the older one at import)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_step("luma_sync", lambda ctx: sync(ctx, full_refresh=args.full_refresh),
                    dry_run=args.dry_run, required=("LUMA_API_KEY",))


if __name__ == "__main__":
    sys.exit(main())
