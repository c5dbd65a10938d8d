#!/usr/bin/env python3
"""Benchmark of the importer's memory: peak resident memory importing one very large guest list.

Writes (seeded) one export of 1,300,000 rows in Luma's 35-column format, registrations of 100,000
distinct people (about 13 each: a year of weekly events exported as one file is this shape), and
runs import_luma_attendance.py on it in a child process against an empty database. Prints the
file's size, the import's wall time and rows per second, and the child's peak resident memory
(ru_maxrss: the whole Python process, the people index included; the PostgreSQL server is not
counted). Target: at most 600 MB, because the file is read as a stream in batches and memory grows
with the community, not with the file. Exits 1 when the target is missed. Uses a scratch database
on the DATABASE_URL server when it is set, else a throwaway embedded PostgreSQL.

    .venv/bin/python bench/import_memory_bench.py [--rows 1300000] [--people 100000] [--seed 7] [--keep]
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import run_importer, scratch_folder  # noqa: E402
from scratch_database import database_for  # noqa: E402

from luma_pipeline.database import apply_schema  # noqa: E402
from luma_pipeline.luma.guest_csv import EXPORT_COLUMNS  # noqa: E402
from luma_pipeline.text import format_instant  # noqa: E402

TARGET_MB = 600
EVENT_ID, EVENT_NAME = "evt-MemoryBench0001", "Memory Bench: A Year of Meetups"
FIRST = ("Ada Ben Cleo Dev Eli Fay Gus Hana Ivo Jun Kai Lea Max Nia Oli Pia Quin Rex Sia Teo "
         "Uma Vic Wren Xan Yael Zoe").split()
STATUSES = ("approved",) * 7 + ("declined", "waitlist", "invited")


def people(draw: random.Random, count: int) -> list[tuple[str, str, str, str]]:
    """(first, last, email, phone) of `count` distinct people."""
    found, lasts = [], set()
    while len(found) < count:
        first = draw.choice(FIRST)
        # random last names, never one typo apart in practice: this bench measures memory, not matching
        last = "".join(draw.choice("bcdfghjklmnprstvz") + draw.choice("aeiou") for _ in range(4)).title()
        if last in lasts:
            continue
        lasts.add(last)
        phone = f"+1617{len(found):07d}" if draw.random() < 0.6 else ""
        found.append((first, last, f"{first.lower()}.{last.lower()}{len(found)}@example.com", phone))
    return found


def write_export(path: Path, rows: int, crowd: list[tuple[str, str, str, str]], seed: int) -> None:
    """One guest list of `rows` registrations drawn from `crowd`, as Luma exports it."""
    draw = random.Random(seed + 1)
    start = datetime(2025, 9, 1, 23, tzinfo=timezone.utc)
    qr = f"https://luma.com/check-in/{EVENT_ID}?pk=XXXXXXXXXXXXXXX"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for n in range(rows):
            first, last, email, phone = crowd[draw.randrange(len(crowd))]
            registered = start - timedelta(minutes=draw.randrange(60 * 24 * 30))
            status = draw.choice(STATUSES)
            attended = status == "approved" and draw.random() < 0.6
            checked_in = start + timedelta(minutes=draw.randrange(90)) if attended else None
            values = {"guest_id": f"gst-{n:015d}", "name": f"{first} {last}", "first_name": first,
                      "last_name": last, "email": email, "phone_number": phone,
                      "created_at": format_instant(registered), "approval_status": status,
                      "checked_in_at": format_instant(checked_in), "qr_code_url": qr,
                      "amount": "$0.00", "currency": "usd", "ticket_name": "General Admission"}
            writer.writerow([values.get(c, "") for c in EXPORT_COLUMNS])


def add_event(url: str) -> None:
    """The schema, and the event the guest list belongs to."""
    conn = psycopg2.connect(url)
    try:
        apply_schema(conn)
        with conn, conn.cursor() as cur:
            cur.execute("INSERT INTO events (luma_event_id, name, start_at, end_at) VALUES "
                        "(%s, %s, '2025-09-01 23:00+00', '2025-09-02 02:00+00')", (EVENT_ID, EVENT_NAME))
    finally:
        conn.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_300_000, help="rows in the guest list")
    parser.add_argument("--people", type=int, default=100_000, help="distinct people behind them")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the file and the database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Write the file, import it in a child process, report; 0 when the memory target is met."""
    args = parse_args(argv)
    tmp = scratch_folder("import-memory-bench-", args.keep)
    path = tmp / f"{EVENT_NAME.replace(':', '')} - Guests - 2025-09-03-10-00-00.csv"
    started = time.perf_counter()
    write_export(path, args.rows, people(random.Random(args.seed), args.people), args.seed)
    print(f"wrote {args.rows:,} rows of {args.people:,} people ({path.stat().st_size / 1e6:,.0f} MB) "
          f"in {time.perf_counter() - started:.1f} s")
    url, where = database_for(tmp, args.keep, "import_memory_bench")
    add_event(url)
    run = run_importer(path, url, tmp / "csv", keep_log=True, LOG_LEVEL="INFO", IMPORT_MAX_ROWS="2000000")
    print("\n".join(line for line in run.log.splitlines() if "rows=" in line))
    code, seconds, peak_mb = run.code, run.seconds, run.peak_mb
    print(f"import_luma_attendance exit code {code}; {args.rows:,} rows in {seconds:.1f} s "
          f"({args.rows / seconds:,.0f} rows/s); database: {where}")
    ok = code == 0 and peak_mb <= TARGET_MB
    print(f"\npeak resident memory {peak_mb:,.0f} MB   target ≤ {TARGET_MB} MB   {'ok' if ok else 'MISSED'}")
    if args.keep:
        print(f"kept: {tmp}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
