"""Run a simulated Luma until Ctrl-C or SIGTERM: `python -m luma_pipeline.simulated_luma --help`."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from ..files import atomic_write
from .community import generate_community
from .server import Faults, SimulatedLuma


def build_parser() -> argparse.ArgumentParser:
    """The command line, with every fault switch of the simulated server."""
    parser = argparse.ArgumentParser(
        prog="python -m luma_pipeline.simulated_luma",
        description="Serve Luma's public API (both endpoint generations) on 127.0.0.1 with a generated "
                    "community behind it, so the pipeline can be run and demonstrated without the "
                    "internet. Prints the LUMA_API_BASE_URL and LUMA_API_KEY to export, then serves "
                    "until Ctrl-C or SIGTERM.",
        epilog="Example: python -m luma_pipeline.simulated_luma --port 8765 --rate-limit 3 --server-errors 2")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 picks a free one; default 8765)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated community (default 7)")
    parser.add_argument("--events", type=int, default=40, help="number of events (default 40)")
    parser.add_argument("--people", type=int, default=300, help="number of distinct people (default 300)")
    parser.add_argument("--guests-per-event", type=float, default=35,
                        help="mean guest records per event (default 35)")
    parser.add_argument("--api-key", default="sim-secret-key", help="the key clients must send (default sim-secret-key)")
    faults = parser.add_argument_group("faults", "misbehave like the real service, to exercise the client")
    faults.add_argument("--legacy-only", action="store_true",
                        help="answer 404 on the current-generation paths, like an older deployment")
    faults.add_argument("--rate-limit", type=int, default=0, metavar="N", help="answer the first N requests with 429")
    faults.add_argument("--rate-limit-writes", type=int, default=0, metavar="N",
                        help="answer the next N update-status calls (POST) with 429")
    faults.add_argument("--no-retry-after", action="store_true", help="send those 429s without a Retry-After header")
    faults.add_argument("--server-errors", type=int, default=0, metavar="N",
                        help="answer the next N requests with 500, 502, 503 in turn")
    faults.add_argument("--slow", type=int, default=0, metavar="N", help="delay the next N requests by --slow-seconds")
    faults.add_argument("--slow-seconds", type=float, default=0.0, metavar="S", help="delay for --slow (default 0)")
    faults.add_argument("--malformed", type=int, default=0, metavar="N",
                        help="answer the next N requests with 200 and a body that is not JSON")
    faults.add_argument("--has-more-without-cursor", action="store_true",
                        help="list answers say has_more: true but give no next_cursor")
    faults.add_argument("--requests-per-minute", type=int, default=None, metavar="N",
                        help="enforce a per-key limit of N requests a minute (429 + Retry-After when over)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--url-file", type=Path, metavar="PATH",
                        help="write the server's URL to PATH once it answers (for scripts using --port 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the server, serve until interrupted; 0 on a clean stop."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _validate(parser, args)
    faults = Faults(rate_limit_count=args.rate_limit, retry_after=None if args.no_retry_after else 1,
                    server_error_count=args.server_errors, slow_count=args.slow, slow_seconds=args.slow_seconds,
                    malformed_count=args.malformed, has_more_without_cursor=args.has_more_without_cursor,
                    legacy_only=args.legacy_only, requests_per_minute=args.requests_per_minute,
                    write_rate_limit_count=args.rate_limit_writes)
    stopped = threading.Event()
    # Both signals just end the wait, so the server always stops through the same clean path.
    previous = {sig: signal.signal(sig, lambda *_: stopped.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        community = generate_community(args.seed, n_events=args.events, n_people=args.people,
                                       mean_guests_per_event=args.guests_per_event)
        with SimulatedLuma(community, api_key=args.api_key, port=args.port, faults=faults,
                           verbose=args.verbose) as luma:
            guests = sum(len(event.guests) for event in community.events)
            print(f"Simulated Luma serving {len(community.events)} events, {guests} guests at {luma.url}; "
                  f"export LUMA_API_BASE_URL={luma.url} LUMA_API_KEY={args.api_key}", file=sys.stderr, flush=True)
            if args.url_file:
                with atomic_write(args.url_file) as handle:
                    handle.write(luma.url + "\n")
            stopped.wait()
    except OSError as exc:  # most often the port is taken
        print(f"cannot serve on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    for name in ("events", "people", "rate_limit", "server_errors", "slow", "malformed", "rate_limit_writes"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
    if args.guests_per_event < 0 or args.slow_seconds < 0:
        parser.error("--guests-per-event and --slow-seconds must not be negative")
    if args.requests_per_minute is not None and args.requests_per_minute < 1:
        parser.error("--requests-per-minute must be at least 1")


if __name__ == "__main__":
    sys.exit(main())
