#!/usr/bin/env python3
"""Benchmark of luma_sync.py: a simulated calendar of 2,000 events and 200,000 guests, pacing off.

Prints the requests made beside the minimum the pages require (they must be equal) and the wall
time. Uses DATABASE_URL when set, else a throwaway embedded PostgreSQL.

    .venv/bin/python bench/sync_bench.py [--events 2000] [--guests 200000]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import luma_sync  # noqa: E402
from luma_pipeline.database import start_embedded  # noqa: E402
from luma_pipeline.luma_api import PAGE_LIMIT  # noqa: E402
from luma_pipeline.settled import is_settled  # noqa: E402
from luma_pipeline.simulated_luma.community import generate_community  # noqa: E402
from luma_pipeline.simulated_luma.server import SimulatedLuma  # noqa: E402


def minimum_requests(community, now, settle_hours: float = 24) -> int:
    """One request per page: the event list's pages, then each settled event's guest pages."""
    pages = max(1, math.ceil(len(community.events) / PAGE_LIMIT))
    for event in community.events:
        if is_settled(event.start_at, event.end_at, now, settle_hours):
            pages += max(1, math.ceil(len(event.guests) / PAGE_LIMIT))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--guests", type=int, default=200_000)
    args = parser.parse_args()

    started = time.perf_counter()
    community = generate_community(seed=11, n_events=args.events, n_people=max(1000, args.guests // 4),
                                   mean_guests_per_event=args.guests / args.events)
    guests = sum(len(e.guests) for e in community.events)
    print(f"generated {len(community.events)} events, {guests} guests in "
          f"{time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp, \
            SimulatedLuma(community, api_key="bench-key") as server:
        os.environ.update({
            "LUMA_API_BASE_URL": server.url, "LUMA_API_KEY": "bench-key",
            "LUMA_MAX_REQUESTS_PER_MINUTE": "0", "CSV_DIR": str(Path(tmp) / "csv"),
            "LOG_LEVEL": "WARNING"})
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = start_embedded(Path(tmp) / "pgdata")
        now = datetime.now(timezone.utc)
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as paths:
            code = luma_sync.main([])
        wall = time.perf_counter() - started
        minimum = minimum_requests(community, now)
        made = len(server.requests)
        files = len(paths.getvalue().splitlines())
    print(f"luma_sync exit code {code}; guest CSVs written: {files}")
    print(f"requests made: {made}; minimum the pages require: {minimum}; "
          f"{'EQUAL' if made == minimum else 'NOT EQUAL'}")
    print(f"wall time: {wall:.1f} s ({guests / wall:,.0f} guests/s)")
    return 0 if code == 0 and made == minimum else 1


if __name__ == "__main__":
    sys.exit(main())
