#!/usr/bin/env python3
"""Benchmark of luma_sync.py: a simulated calendar of 2,000 events and 200,000 guests, pacing off.

Prints the requests made beside the minimum the pages require (they must be equal) and the wall
time. Uses a scratch database on the DATABASE_URL server when it is set, else a throwaway embedded
PostgreSQL in a temporary folder.

    .venv/bin/python bench/sync_bench.py [--events 2000] [--guests 200000] [--seed 11] [--keep]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import multiprocessing
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import bench_options, scratch_folder  # noqa: E402
from scratch_database import database_for  # noqa: E402

import luma_sync  # noqa: E402
from luma_pipeline.luma.api import PAGE_LIMIT  # noqa: E402
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


def serve(conn, n_events: int, n_guests: int, seed: int) -> None:
    """In a process of its own (so the server does not share the sync's interpreter lock):
    generate the community, serve it, report the minimum requests and, at the end, those made."""
    started = time.perf_counter()
    community = generate_community(seed=seed, n_events=n_events, n_people=max(1000, n_guests // 10),
                                   mean_guests_per_event=n_guests / n_events)
    generated = time.perf_counter() - started
    with SimulatedLuma(community, api_key="bench-key") as server:
        conn.send({"url": server.url, "generated_s": generated, "events": len(community.events),
                   "guests": sum(len(e.guests) for e in community.events),
                   "minimum": minimum_requests(community, datetime.now(timezone.utc))})
        conn.recv()  # "stop"
        conn.send(len(server.requests))


def main(argv: list[str] | None = None) -> int:
    """Serve the calendar, sync it, compare the requests made with the minimum; 0 when equal."""
    parser = argparse.ArgumentParser(description=__doc__, parents=[bench_options(seed=11)],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--guests", type=int, default=200_000)
    args = parser.parse_args(argv)
    tmp = scratch_folder("sync-bench-", args.keep)

    ours, theirs = multiprocessing.Pipe()
    luma = multiprocessing.Process(target=serve, args=(theirs, args.events, args.guests, args.seed), daemon=True)
    luma.start()
    info = ours.recv()
    print(f"simulated Luma: {info['events']} events, {info['guests']} guests "
          f"(generated in {info['generated_s']:.1f} s)")
    url, where = database_for(tmp, args.keep, "sync_bench")
    os.environ.update({
        "LUMA_API_BASE_URL": info["url"], "LUMA_API_KEY": "bench-key",
        "LUMA_MAX_REQUESTS_PER_MINUTE": "0", "CSV_DIR": str(tmp / "csv"),
        "LOG_LEVEL": "WARNING", "DATABASE_URL": url})
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as paths:
        code = luma_sync.main([])
    wall = time.perf_counter() - started
    ours.send("stop")
    made = ours.recv()
    luma.join(timeout=10)
    files = len(paths.getvalue().splitlines())
    print(f"luma_sync exit code {code}; guest CSVs written: {files}")
    print(f"requests made: {made}; minimum the pages require: {info['minimum']}; "
          f"{'EQUAL' if made == info['minimum'] else 'NOT EQUAL'}")
    print(f"wall time: {wall:.1f} s ({info['guests'] / wall:,.0f} guests/s)")
    if args.keep:
        print(f"kept: {tmp}; database: {where}")
    return 0 if code == 0 and made == info["minimum"] else 1


if __name__ == "__main__":
    sys.exit(main())
