"""`python -m luma_pipeline.notify`: check NOTIFY_URLS at the pipeline's start (--check), or send
the run's one message at its end. Sending always exits 0: a notification never fails a run."""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from ..config import ConfigError, load_settings
from ..logs import setup_logging
from ..runner import EXIT_OK, EXIT_USAGE
from ..text import parse_instant
from .pipeline_run import notify_pipeline_run
from .send import url_problems

log = logging.getLogger("luma_pipeline.notify")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m luma_pipeline.notify", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="only check that every NOTIFY_URLS URL is usable (exit 2 naming the bad ones) "
                             "and print how many are set")
    parser.add_argument("--since", type=_instant, metavar="ISO_TIME",
                        help="when the pipeline run started (UTC): its run_log rows give the counts")
    parser.add_argument("--failed-step", metavar="STEP", help="the first step that failed (none: succeeded)")
    parser.add_argument("--reason", action="append", default=[], metavar="TEXT",
                        help="'step: why' of a failed step (repeatable)")
    parser.add_argument("--report", metavar="PATH", help="the report's path (default OUTPUT_DIR/index.html)")
    args = parser.parse_args(argv)
    if not args.check and args.since is None:
        parser.error("--since is needed to send (or pass --check)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:  # the steps name it and fail; without settings nothing is sent
        setup_logging()
        log.error("notification: configuration: %s", exc)
        if args.check:
            print(0)
        return EXIT_OK
    setup_logging(settings.log_level, settings.secrets())
    if args.check:
        problems = url_problems(settings.notify_urls) if settings.notify_urls else []
        for problem in problems:
            log.error("configuration: %s", problem)
        print(len(settings.notify_urls))  # the pipeline script sends a message only when > 0
        return EXIT_USAGE if problems else EXIT_OK
    sent = notify_pipeline_run(settings, args.since, args.failed_step, args.reason, args.report)
    if settings.notify_urls:
        log.info("notification: sent to %d of %d URL(s)", sent, len(settings.notify_urls))
    return EXIT_OK


def _instant(text: str) -> datetime:
    try:
        moment = parse_instant(text)
    except ValueError:
        moment = None
    if moment is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time such as 2026-01-31T18:00:00Z")
    return moment


if __name__ == "__main__":
    sys.exit(main())
