#!/usr/bin/env python3
"""Benchmark of analyze.py: 500 settled events, 200,000 people and 1,000,000 attendance rows.

Generates (seeded) a community whose attendance is skewed as a real one is (most people come
once or twice, a minority to many events, each within a period of their life when they are
around), with 2-3 events that have RSVPs but no check-in at all, and loads it with COPY. Then runs
analyze.py twice as a separate process and prints, beside the targets, the wall time of each run
and its peak memory (maximum resident set size); the second run must write nothing
back. Checks the outputs and prints summary_stats.csv. Exits 1 when a target is missed.
Uses a scratch database on the DATABASE_URL server when it is set, else a throwaway embedded
PostgreSQL in a temporary folder.

    .venv/bin/python bench/analyze_bench.py [--events 500] [--people 200000] [--attendance 1000000]
                                            [--seed 5] [--keep]

Peak memory: ru_maxrss of RUSAGE_CHILDREN is the largest of every child this process has waited
for (and of their own waited-for children), so it is read just before and just after the run and
belongs to analyze.py only when it grew. The embedded server's initdb and pg_ctl are waited-for
children too (hence the check; they are started before the data is generated, while this process
is small); the postmaster is not a child (pg_ctl starts it and exits without waiting for it) and
the server's backends are the postmaster's children, so neither is ever counted. os.wait4 gives
each run's own figure as well. Two traps avoided: Linux carries a process's RSS high-water mark
across exec, and subprocess starts children with vfork, so a child would report this process's
peak (that of generating a million rows) as its own; analyze.py is therefore started with fork
(a preexec_fn disables vfork), after the generated data is freed, so it starts from this process's
current RSS, printed beside the figure as its floor.
"""
from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import bench_options, scratch_folder, verdict  # noqa: E402
from scratch_database import database_for  # noqa: E402

from luma_pipeline.analytics.member_report import MEMBER_CHARTS  # noqa: E402
from luma_pipeline.analytics.page import CHARTS  # noqa: E402
from luma_pipeline.database import apply_schema  # noqa: E402

TARGET_WALL_S = 30.0
TARGET_RSS_KIB = int(1.5 * 1024 * 1024)  # 1.5 GiB; ru_maxrss is in KiB on Linux
TZ = ZoneInfo("America/New_York")
CATEGORIES = (("workshop", 0.30), ("social", 0.25), ("party", 0.15), ("talk", 0.20), ("hackathon", 0.07),
              (None, 0.03))
GENDERS = (("female", 0.45), ("male", 0.42), ("non-binary", 0.03), (None, 0.10))
STATUSES = (("approved", 0.80), ("waitlist", 0.07), ("declined", 0.05), ("invited", 0.04),
            ("pending_approval", 0.04))
CHECKIN_RATE = {"approved": 0.60, "declined": 0.02}
TOPICS = ("Founders", "Design", "AI", "Climate", "Careers", "Open Source", "Robotics", "Music", "Film",
          "Fintech", "Health", "Games", "Web3", "Data", "Product", "Writing", "Art", "Chess")
NO_CHECKIN_EVENTS = 3


@dataclass
class Community:
    """The generated tables, as data frames in the columns COPY loads."""

    events: pd.DataFrame
    people: pd.DataFrame
    attendance: pd.DataFrame
    no_checkin: list[int]  # ids of the events with RSVPs but no check-in


@dataclass
class Run:
    """One analyze.py run: exit code, wall seconds, peak memory (KiB) and its log."""

    code: int
    wall: float
    own_maxrss: int  # os.wait4: this child and its waited-for children
    children_before: int  # RUSAGE_CHILDREN ru_maxrss just before the run
    children_after: int  # and just after
    log: str


# -- generation ------------------------------------------------------------------------------------

def pick(rng: np.random.Generator, choices: tuple, size: int) -> np.ndarray:
    """`size` values drawn from (value, probability) pairs; None stays None (object array)."""
    values = np.array([v for v, _ in choices], dtype=object)
    weights = np.array([p for _, p in choices], dtype=float)
    return values[rng.choice(len(values), size=size, p=weights / weights.sum())]


def make_events(rng: np.random.Generator, n: int, now: datetime) -> pd.DataFrame:
    """Events spread over the last ~4 years (the newest ended days ago), evenings in New York, 2 h long."""
    days = np.sort(rng.uniform(3, 4 * 365, size=n))[::-1]
    starts = []
    for day, hour in zip(days, rng.choice([17, 18, 18, 19, 19, 20], size=n)):
        local = (now - timedelta(days=float(day))).astimezone(TZ)
        starts.append(local.replace(hour=int(hour), minute=0, second=0, microsecond=0).astimezone(timezone.utc))
    categories = pick(rng, CATEGORIES, n)
    topics = rng.choice(TOPICS, size=n)
    names = [f"{topic} {(cat or 'meetup').title()} #{i + 1}" for i, (topic, cat) in enumerate(zip(topics, categories))]
    return pd.DataFrame({
        "id": np.arange(1, n + 1), "luma_event_id": [f"evt-bench{i + 1:06d}" for i in range(n)],
        "name": names, "start_at": starts, "end_at": [s + timedelta(hours=2) for s in starts],
        "timezone": "America/New_York", "category": categories, "luma_category": categories})


def make_people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """People with a gender (female / male / non-binary / unknown)."""
    return pd.DataFrame({"id": np.arange(1, n + 1), "gender": pick(rng, GENDERS, n)})


def event_sizes(rng: np.random.Generator, n_events: int, n_people: int, total: int) -> np.ndarray:
    """Guests per event: lognormal around the mean, summing to `total`, none above `n_people`."""
    shares = rng.lognormal(0.0, 0.6, size=n_events)
    sizes = np.zeros(n_events, dtype=np.int64)
    while (left := total - sizes.sum()) > 0:
        room = n_people - sizes
        want = shares * (room > 0)
        add = np.minimum(np.floor(want / want.sum() * left).astype(np.int64), room)
        if add.sum() == 0:  # the last few: one each to the events with the largest share and room
            add = np.zeros_like(sizes)
            add[np.argsort(-want)[:left]] = 1
        sizes += add
    return sizes


def activity(rng: np.random.Generator, n_people: int, n_events: int) -> tuple[np.ndarray, ...]:
    """Per person: how keen (lognormal weight) and the span of events during which they are around."""
    keen = rng.lognormal(0.0, 1.3, size=n_people)
    length = rng.exponential(0.25 * n_events, size=n_people) * np.sqrt(keen)
    first = rng.uniform(-0.3 * n_events, n_events, size=n_people)
    return np.log(keen), first, first + length


def guests_of(rng: np.random.Generator, event: int, size: int, people: tuple[np.ndarray, ...]) -> np.ndarray:
    """`size` distinct people (0-based) for one event: weighted by keenness without replacement
    (Gumbel top-k), those around at the time first, others only when there are too few."""
    log_keen, first, last = people
    around = np.flatnonzero((first <= event) & (event <= last))
    pool = around if len(around) >= size else np.arange(len(log_keen))
    keys = log_keen[pool] + rng.gumbel(size=len(pool))
    if pool is not around:
        keys[np.isin(pool, around, invert=True)] -= 1e6
    return pool[np.argpartition(-keys, size - 1)[:size]] if size else pool[:0]


def make_attendance(rng: np.random.Generator, events: pd.DataFrame, n_people: int, total: int) -> pd.DataFrame:
    """Attendance rows, unique per (event, person), with statuses, registration and check-in times."""
    sizes = event_sizes(rng, len(events), n_people, total)
    people = activity(rng, n_people, len(events))
    person = np.concatenate([guests_of(rng, e, int(k), people) for e, k in enumerate(sizes)]) + 1
    event_index = np.repeat(np.arange(len(events)), sizes)
    status = pick(rng, STATUSES, total)
    checked = np.zeros(total, dtype=bool)
    for word, rate in CHECKIN_RATE.items():
        chosen = status == word
        checked[chosen] = rng.random(chosen.sum()) < rate
    start = events["start_at"].to_numpy(dtype="datetime64[s]")[event_index]
    registered = start - (rng.exponential(6 * 86400, size=total) + 600).astype("timedelta64[s]")
    checkin = start + rng.integers(-900, 5400, size=total).astype("timedelta64[s]")
    return pd.DataFrame({"event_id": events["id"].to_numpy()[event_index], "person_id": person,
                         "approval_status": status, "registered_at": stamps(registered),
                         "checked_in_at": np.where(checked, stamps(checkin), None)})


def stamps(values: np.ndarray) -> np.ndarray:
    """datetime64 values (UTC) as timestamptz text."""
    return np.char.add(np.datetime_as_string(values, unit="s"), "+00").astype(object)


def without_checkins(rng: np.random.Generator, community: Community) -> None:
    """Take every check-in away from a few events that have RSVPs (none of the last two)."""
    rows = community.attendance
    rsvped = rows.loc[rows["approval_status"] == "approved", "event_id"].unique()
    candidates = np.setdiff1d(rsvped, community.events["id"].to_numpy()[-2:])
    chosen = rng.choice(candidates, size=min(NO_CHECKIN_EVENTS, len(candidates)), replace=False)
    rows.loc[rows["event_id"].isin(chosen), "checked_in_at"] = None
    community.no_checkin = sorted(int(i) for i in chosen)


def generate(seed: int, n_events: int, n_people: int, n_rows: int, now: datetime) -> Community:
    """The whole community, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    events = make_events(rng, n_events, now)
    community = Community(events, make_people(rng, n_people),
                          make_attendance(rng, events, n_people, n_rows), [])
    without_checkins(rng, community)
    return community


# -- loading ---------------------------------------------------------------------------------------

def copy_frame(cur, table: str, frame: pd.DataFrame) -> None:
    """COPY a data frame into `table` through an in-memory CSV (empty unquoted field = NULL)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    columns = ", ".join(frame.columns)
    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)


def load(conn, community: Community) -> None:
    """Schema, then the three tables with COPY, the sequences moved past the ids, and ANALYZE."""
    apply_schema(conn)
    with conn, conn.cursor() as cur:
        copy_frame(cur, "events", community.events)
        copy_frame(cur, "people", community.people)
        copy_frame(cur, "attendance", community.attendance)
        for table in ("events", "people"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE events, people, attendance")
    conn.autocommit = False


def print_generation(community: Community) -> None:
    """What was generated, and how skewed it is."""
    rows = community.attendance
    per_person = rows.groupby("person_id").size()
    checked = rows["checked_in_at"].notna()
    top = per_person.sort_values(ascending=False)
    top_share = top.iloc[: max(1, len(top) // 10)].sum() / len(rows) * 100
    buckets = pd.cut(per_person, [0, 1, 4, 19, np.inf], labels=["1", "2-4", "5-19", "20+"]).value_counts(
        normalize=True).reindex(["1", "2-4", "5-19", "20+"]) * 100
    print(f"generated: {len(community.events):,} events, {len(community.people):,} people, "
          f"{len(rows):,} attendance rows ({checked.mean() * 100:.1f}% checked in; "
          f"{(rows['approval_status'] == 'approved').mean() * 100:.1f}% approved)")
    print(f"  events per person with a row: {per_person.mean():.2f} on average, max {per_person.max()}; "
          + ", ".join(f"{k}: {v:.1f}%" for k, v in buckets.items())
          + f"; top 10% of them hold {top_share:.0f}% of the rows")
    print(f"  people with no row: {len(community.people) - len(per_person):,}; events with RSVPs but no "
          f"check-in: {community.no_checkin}; events with no category: {community.events['category'].isna().sum()}")


# -- the database ------------------------------------------------------------------------------------





# -- running analyze.py ----------------------------------------------------------------------------

def current_rss_kib() -> int:
    """This process's resident set size now (KiB)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024


def _fork_not_vfork() -> None:
    """preexec_fn: its mere presence makes subprocess fork instead of vfork (see the docstring)."""


def run_analyze(url: str, outdir: Path, log_path: Path) -> Run:
    """analyze.py in a process of its own: exit code, wall time and peak memory."""
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "analyze.py", "--outdir", str(outdir)], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_fork_not_vfork)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(proc.returncode, wall, usage.ru_maxrss, before, after, log_path.read_text(errors="replace"))


def peak_of_first(run: Run, floor: int) -> int:
    """RUSAGE_CHILDREN's peak after the first run, when it is analyze's (it grew); else wait4's."""
    print(f"RUSAGE_CHILDREN ru_maxrss: {run.children_before:,} KiB before analyze.py (earlier children: "
          f"initdb/pg_ctl of the embedded server, if started here), {run.children_after:,} KiB after; "
          f"os.wait4 of analyze.py alone: {run.own_maxrss:,} KiB; this process's RSS when it forked "
          f"analyze.py (the floor of the child's figure): {floor:,} KiB")
    if run.own_maxrss <= floor:
        print("  the figure is only an upper bound: analyze.py stayed below the floor it was forked with")
    if run.children_after > run.children_before:
        if run.children_after != run.own_maxrss:
            print("  (RUSAGE_CHILDREN and wait4 disagree; the larger is used)")
        return max(run.children_after, run.own_maxrss)
    print("  RUSAGE_CHILDREN did not grow: an earlier child peaked higher, so wait4's figure is used")
    return run.own_maxrss


def outputs_ok(outdir: Path, since: float) -> bool:
    """The PNG charts, summary_stats.csv, the members' files and index.html exist, non-empty,
    written by this run."""
    names = [f"{stem}.png" for stem, _ in CHARTS + MEMBER_CHARTS] + ["summary_stats.csv", "index.html"] + [
        "member_lifecycle.csv", "top_attendees.csv", "no_shows.csv", "reactivation.csv"]
    bad = [n for n in names if not (outdir / n).is_file() or (outdir / n).stat().st_size == 0
           or (outdir / n).stat().st_mtime < since]
    print(f"outputs: {len(names) - len(bad)}/{len(names)} present and fresh" + (f"; missing: {bad}" if bad else ""))
    return not bad


def written_back(url: str) -> list[dict]:
    """The counts of the two latest analyze runs in run_log, newest first."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT counts FROM run_log WHERE step = 'analyze' ORDER BY id DESC LIMIT 2")
        found = [row[0] or {} for row in cur.fetchall()]
    conn.close()
    return found


def print_summary(path: Path) -> None:
    """summary_stats.csv as it was written."""
    print(f"\n{path.name}:")
    with open(path, newline="", encoding="utf-8-sig") as handle:  # it starts with a BOM
        for metric, value in csv.reader(handle):
            print(f"  {metric:<26} {value}")


# -- main ------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, parents=[bench_options(seed=5)],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500, help="settled events (default 500)")
    parser.add_argument("--people", type=int, default=200_000, help="people (default 200000)")
    parser.add_argument("--attendance", type=int, default=1_000_000, help="attendance rows (default 1000000)")
    args = parser.parse_args(argv)
    if min(args.events, args.people, args.attendance) < 1:
        parser.error("--events, --people and --attendance must be at least 1")
    if args.attendance > args.events * args.people:
        parser.error("--attendance cannot exceed --events × --people (one row per event and person)")
    return args


def prepare(args: argparse.Namespace, url: str) -> list[int]:
    """Generate the community and load it; print how long it took. Returns the ids of the events
    without check-ins (and lets the generated data go)."""
    started = time.perf_counter()
    community = generate(args.seed, args.events, args.people, args.attendance, datetime.now(timezone.utc))
    generated = time.perf_counter() - started
    print_generation(community)
    started = time.perf_counter()
    conn = psycopg2.connect(url)
    try:
        load(conn, community)
    finally:
        conn.close()
    loaded = time.perf_counter() - started
    print(f"generation {generated:.1f} s; loading (schema, COPY, ANALYZE) {loaded:.1f} s; "
          f"generation + loading {generated + loaded:.1f} s")
    return community.no_checkin


def run_twice(url: str, tmp: Path, no_checkin: list[int]) -> tuple[Run, Run, bool]:
    """Run analyze.py twice; check outputs and that the second run wrote nothing back."""
    outdir, runs, ok = tmp / "out", [], True
    for n in (1, 2):
        since = time.time() - 1
        run = run_analyze(url, outdir, tmp / f"analyze-{n}.log")
        print(f"\nanalyze.py run {n}: exit code {run.code}, wall {run.wall:.2f} s, "
              f"peak RSS (wait4) {run.own_maxrss / 1024:,.0f} MiB")
        if run.code != 0 or "Traceback" in run.log or "FAILED" in run.log:
            print("  log:\n" + run.log)
        ok &= run.code == 0 and outputs_ok(outdir, since)
        runs.append(run)
    second, first = written_back(url)
    print(f"run_log counts: run 1 {first}; run 2 {second}")
    flagged_right = first.get("flagged") == len(no_checkin)
    idempotent = second.get("stats_changed") == 0 and second.get("flagged") == 0
    print(f"run 1 flagged the {len(no_checkin)} events without check-ins: "
          f"{'yes' if flagged_right else 'NO'}; run 2 wrote nothing back: {'yes' if idempotent else 'NO'}")
    print_summary(outdir / "summary_stats.csv")
    return runs[0], runs[1], ok and flagged_right and idempotent


def main(argv: list[str] | None = None) -> int:
    """Generate, load, run analyze.py twice, compare with the targets; 0 when all are met, else 1."""
    args = parse_args(argv)
    tmp = scratch_folder("analyze-bench-", args.keep)
    started = time.perf_counter()
    url, where = database_for(tmp, args.keep, "analyze_bench")  # before generating: initdb is forked from a small process
    print(f"database ({where}) ready in {time.perf_counter() - started:.1f} s")
    no_checkin = prepare(args, url)
    gc.collect()
    floor = current_rss_kib()
    first, second, sane = run_twice(url, tmp, no_checkin)
    if args.keep:
        print(f"\nkept: {tmp} (outputs in {tmp / 'out'}); database URL: {url}")
    print()
    peak = peak_of_first(first, floor)
    limit_mib = TARGET_RSS_KIB / 1024
    ok = [verdict("analyze.py wall time, run 1", first.wall, TARGET_WALL_S, ".2f", "s", higher_is_better=False),
          verdict("analyze.py wall time, run 2", second.wall, TARGET_WALL_S, ".2f", "s", higher_is_better=False),
          verdict("analyze.py peak memory, run 1", peak / 1024, limit_mib, ",.0f", "MiB", higher_is_better=False),
          verdict("analyze.py peak memory, run 2", second.own_maxrss / 1024, limit_mib, ",.0f", "MiB",
                  higher_is_better=False)]
    if not sane:
        print("analyze.py failed, an output is missing, or the runs wrote back what they should not have")
    return 0 if all(ok) and sane else 1


if __name__ == "__main__":
    sys.exit(main())
