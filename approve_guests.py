#!/usr/bin/env python3
"""Approve, at Luma, the pending guests of upcoming events whom a rule admits: people who attended
at least APPROVE_MIN_EVENTS settled events, or whose email is in APPROVE_EMAIL_DOMAINS. Off unless
APPROVALS is dry-run or on; never declines anyone; every decision goes to approval_decisions."""
from __future__ import annotations

import argparse
import sys

from luma_pipeline.approvals.step import approve_guests, report
from luma_pipeline.luma.api import LumaClient
from luma_pipeline.runner import StepResult, run_step


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Reads APPROVALS (off | dry-run | on), APPROVE_MIN_EVENTS, APPROVE_EMAIL_DOMAINS, "
               "APPROVE_EVENT_TAGS, APPROVE_SEND_EMAIL, LUMA_API_KEY and DATABASE_URL from the "
               "environment or .env. Ends with 'pending=… approved=… dry_run=… not_admitted=… "
               "failed=…'. Exit codes: 0 ok, 1 a call failed (the others were made), 2 usage or "
               "configuration, 75 another run is approving.")
    parser.add_argument("--dry-run", action="store_true",
                        help="decide and record the decisions, but call nothing at Luma (works "
                             "whatever APPROVALS says)")
    parser.add_argument("--report", action="store_true",
                        help="print the last run's decisions (a table) and exit; calls nothing")
    parser.add_argument("--csv", action="store_true", help="with --report: print CSV instead of a table")
    args = parser.parse_args(argv)
    if args.csv and not args.report:
        parser.error("--csv goes with --report")
    if args.report and args.dry_run:
        parser.error("--report and --dry-run do not go together")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        return run_step("approve_guests_report", lambda ctx: report(ctx, args.csv), dry_run=True)

    def body(ctx) -> StepResult:
        mode = "dry-run" if args.dry_run else ctx.settings.approvals
        if mode == "off":
            return StepResult("approvals are off: set APPROVALS=dry-run or APPROVALS=on (or pass "
                              "--dry-run); nothing done", {"mode": "off"})
        client = LumaClient.from_settings(ctx.settings)
        try:
            return approve_guests(ctx, client, mode)
        finally:
            client.close()

    return run_step("approve_guests", body)


if __name__ == "__main__":
    sys.exit(main())
