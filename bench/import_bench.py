#!/usr/bin/env python3
"""Benchmark of import_luma_attendance.py as a user runs it: speed beside PostgreSQL's own COPY, peak
memory, a small list's wait, and person-matching quality against known truth.

Generates (seeded) a crowd with luma_pipeline/simulated_luma/crowd.py: 100,000 known people and
one guest list of 20,000 rows, 70% people already known and 30% new, with realistic noise. Loads
the known people (COPY) and writes the guest list with the pipeline's own CSV writer (rows carry no
Luma user id, so matching goes by email, phone and name). Then measures, each beside its target:

- the import end to end: import_luma_attendance.py in a child process (start-up included, CSV_DIR
  an empty folder so the file is only read), in rows per second (at least 50,000), and the child's
  peak resident memory (ru_maxrss of that one process from os.wait4; at most 600 MB);
- PostgreSQL's own COPY of the same file into a temporary table of text columns (median of 5 runs),
  and the import's time over it (at most 25 times);
- pairwise precision (at least 0.997) and recall (at least 0.975) of matching against the truth,
  and the review queue (at most 2% of the rows, at least half of its items truly one person);
- PostgreSQL's own time to write what the import wrote (the new people, their identifiers and the
  attendance rows again, plain INSERT ... SELECT with every key and foreign key checked, rolled
  back; median of 5): the floor under any importer that keeps the schema's checks, printed beside
  COPY (no target: it is the yardstick for the two above);
- a 10-row guest list (7 people the big list brought, 3 never seen) of another event against the
  same community, imported the same way: the median wall time of 3 runs, each a different list of
  its own event (the same bytes are imported once), at most 1 s.

--explain adds the breakdown used for tuning. Ends with one line a README can quote. Exits 1 when a
target is missed. Uses a scratch database on the DATABASE_URL server when it is set, else a
throwaway embedded PostgreSQL.

    .venv/bin/python bench/import_bench.py [--people 100000] [--rows 20000] [--seed 7] [--keep]
                                           [--explain] [--examples 4]
"""
from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import Run, bench_options, run_importer, scratch_folder, verdict  # noqa: E402
from scratch_database import database_for  # noqa: E402

from luma_pipeline.database import apply_schema, copy_rows  # noqa: E402
from luma_pipeline.importing.identity import fold_name, normalize_email, same_first_name  # noqa: E402
from luma_pipeline.luma.entries import event_to_row, guest_from_entry  # noqa: E402
from luma_pipeline.luma.guest_csv import guest_csv_name, write_guest_csv  # noqa: E402
from luma_pipeline.simulated_luma.community import SimEvent, SimGuest  # noqa: E402
from luma_pipeline.simulated_luma.crowd import RATES, Crowd, generate_crowd  # noqa: E402
from luma_pipeline.simulated_luma.names import NICKNAMES  # noqa: E402
from luma_pipeline.simulated_luma.payloads import event_current, guest_current  # noqa: E402
from luma_pipeline.sync.events_table import EventCounts, upsert_events  # noqa: E402

TARGET_ROWS_PER_S = 50_000
TARGET_OVER_COPY = 25  # the import's wall time over PostgreSQL's own COPY of the same file
TARGET_PEAK_MB = 600  # the importer's resident memory grows with the community, not the file
TARGET_SMALL_LIST_S = 1.0  # a 10-row list: what an organiser waits for after one small event
TARGET_PRECISION = 0.997
TARGET_RECALL = 0.975
TARGET_REVIEW = (0.02, 0.5)  # review items per row (at most), share truly one person (at least)
COPY_RUNS = 5  # COPY of 20,000 rows takes milliseconds: the median of a few runs is steadier
SMALL_RUNS = 3  # small lists imported, each of its own event (the same bytes are imported once)
SMALL_KNOWN, SMALL_NEW = 7, 3  # a small list's rows: people the big list brought, people never seen
NEW_SURNAMES = ("Quillfeather", "Brackenbury", "Thistlewood")  # no crowd name: newcomers stay new


# -- generating and loading ------------------------------------------------------------------------

def write_event_guests(event: SimEvent, folder: Path) -> Path:
    """An event's guest list written as the sync writes it, named with its Luma id and an export
    time a day after it starts."""
    guests = [guest_from_entry(guest_current(g, event)) for g in event.guests]
    path = folder / guest_csv_name(event.id, event.name, event.start_at + timedelta(days=1))
    write_guest_csv(path, guests)
    return path


def load_people(conn, crowd: Crowd) -> None:
    """COPY the known people (people.id = index + 1) with their emails and phone, never a Luma user
    id, and move the id sequence past them; add the event."""
    known = list(enumerate(crowd.people[:crowd.known], start=1))
    with conn, conn.cursor() as cur:
        copy_rows(cur, "people", ["id", "first_name", "last_name", "email", "phone"],
                  [(key, p.first, p.last, p.emails[0], p.phone) for key, p in known])
        copy_rows(cur, "person_identifiers", ["kind", "value", "person_id"],
                  [("email", e, key) for key, p in known for e in p.emails]
                  + [("phone", p.phone, key) for key, p in known if p.phone])
        cur.execute("SELECT setval(pg_get_serial_sequence('people', 'id'), (SELECT max(id) FROM people))")
        cur.execute("ANALYZE people; ANALYZE person_identifiers")
        upsert_events(conn, [event_to_row(event_current(crowd.event))], EventCounts())


def copy_seconds(csv_path: Path, database_url: str) -> float:
    """PostgreSQL's own COPY of the file into a temporary table of text columns, header skipped, in a
    connection of its own: the median seconds of COPY_RUNS runs, each its own transaction."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        width = len(next(csv.reader(handle)))
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(width))
    with closing(psycopg2.connect(database_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE TEMP TABLE copied ({})").format(columns))
            return statistics.median(timed_copy(cur, csv_path) for _ in range(COPY_RUNS))


def timed_copy(cur, csv_path: Path) -> float:
    """Seconds to COPY the file from disk into the empty table `copied`. The file starts with a BOM:
    read as utf-8-sig text, so COPY's header is the real one."""
    cur.execute("TRUNCATE copied")
    started = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        cur.copy_expert("COPY copied FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
    return time.perf_counter() - started


# -- the database's own time for the import's writes ----------------------------------------------

def writes_seconds(database_url: str, known: int) -> tuple[float, int]:
    """PostgreSQL's own time to write what the import wrote, with the schema's keys, indexes and
    foreign keys checked as the import meets them: the file's new people again (people.id past
    `known`), their identifiers (each value made new) and the event's attendance rows again (for
    another event), each a plain INSERT ... SELECT of rows already at hand, no matching, in one
    transaction rolled back. The median seconds of COPY_RUNS runs, and the rows written."""
    with closing(psycopg2.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("SET jit = off")
        runs = [timed_writes(conn, cur, known) for _ in range(COPY_RUNS)]
    return statistics.median(seconds for seconds, _ in runs), runs[0][1]


def timed_writes(conn, cur, known: int) -> tuple[float, int]:
    """One run of writes_seconds, rolled back."""
    cur.execute("SELECT max(id) FROM people")
    offset = cur.fetchone()[0] - known  # the copies' ids: past every person there is
    cur.execute("INSERT INTO events (name) VALUES ('writes yardstick') RETURNING id")
    event_id = cur.fetchone()[0]
    started = time.perf_counter()
    cur.execute("""INSERT INTO people (id, first_name, last_name, email, phone, field_snapshots)
                   SELECT id + %s, first_name, last_name, email, phone, field_snapshots FROM people
                   WHERE id > %s""", [offset, known])
    people = cur.rowcount
    cur.execute("""INSERT INTO person_identifiers (kind, value, person_id)
                   SELECT kind, value || '.again', person_id + %s FROM person_identifiers
                   WHERE person_id > %s""", [offset, known])
    identifiers = cur.rowcount
    cur.execute("""INSERT INTO attendance (event_id, person_id, luma_guest_id, approval_status, registered_at,
                                           checked_in_at, registration_answers, snapshot_at, field_snapshots,
                                           match_method, match_score)
                   SELECT %s, person_id, luma_guest_id, approval_status, registered_at, checked_in_at,
                          registration_answers, snapshot_at, field_snapshots, match_method, match_score
                   FROM attendance WHERE event_id <> %s""", [event_id, event_id])
    seconds = time.perf_counter() - started
    conn.rollback()
    return seconds, people + identifiers + cur.rowcount


# -- small lists -----------------------------------------------------------------------------------

def small_event(crowd: Crowd, n: int) -> SimEvent:
    """The n-th small event, a day after the big one for each n, with its 10-row guest list: the
    records of SMALL_KNOWN people of the big list (now in the database) and SMALL_NEW newcomers."""
    event = crowd.event
    start = event.start_at + timedelta(days=n + 1)
    taken = event.guests[n * SMALL_KNOWN:(n + 1) * SMALL_KNOWN]
    guests = [replace(g, id=f"gst-smalllist{n}k{i}") for i, g in enumerate(taken)]
    others = event.guests[-(n + 1) * SMALL_NEW:][:SMALL_NEW]  # other first names in each list
    guests += [newcomer(crowd, g, n, i) for i, g in enumerate(others)]
    return replace(event, id=f"evt-smalllist{n}", name=f"Small Meetup {n + 1}", start_at=start,
                   end_at=start + (event.end_at - event.start_at), guests=guests)


def newcomer(crowd: Crowd, guest: SimGuest, n: int, i: int) -> SimGuest:
    """A guest record turned into someone never seen: a surname nobody has, an email of their own,
    no phone."""
    first, last = crowd.people[guest.person].first, NEW_SURNAMES[i % len(NEW_SURNAMES)]
    return replace(guest, id=f"gst-smalllist{n}n{i}", name=f"{first} {last}", first_name=first,
                   last_name=last, email=f"{first.lower()}.{last.lower()}.{n}{i}@example.org",
                   phone_number=None)


def write_small_lists(crowd: Crowd, database_url: str, folder: Path) -> list[Path]:
    """Add the SMALL_RUNS small events to the database and write their guest lists."""
    events = [small_event(crowd, n) for n in range(SMALL_RUNS)]
    with closing(psycopg2.connect(database_url)) as conn, conn:  # the inner `conn` commits
        upsert_events(conn, [event_to_row(event_current(e)) for e in events], EventCounts())
    return [write_event_guests(e, folder) for e in events]


def time_small_lists(crowd: Crowd, database_url: str, tmp: Path) -> list[Run]:
    """Import each small list in its own child process, one after the other."""
    return [run_importer(path, database_url, tmp / "inbox")
            for path in write_small_lists(crowd, database_url, tmp / "csv")]


# -- scoring ---------------------------------------------------------------------------------------

class Result:
    """What the import did with each row, read back from the database, beside the truth."""

    def __init__(self, conn, crowd: Crowd):
        """Read each row's person through its email: the cascade tries the email first, so the row
        went to the email's owner, or its (new) email was attached to the person it went to. A row
        collapsed into an earlier one of the same guest has no attendance row of its own; the
        attendance rows (which name their guest) check that both ways agree."""
        self.crowd, guests = crowd, crowd.event.guests
        emails = [normalize_email(g.email) for g in guests]
        with conn.cursor() as cur:
            cur.execute("SELECT value, person_id FROM person_identifiers WHERE kind = 'email' AND value = ANY(%s)",
                        (list(set(emails)),))
            owner = dict(cur.fetchall())
            cur.execute("SELECT luma_guest_id, person_id, match_method FROM attendance")
            attendance = {g: (p, m) for g, p, m in cur}
            cur.execute("SELECT person_id, candidate_person_id, reason, guest->>'guest_id' FROM match_review")
            self.review = cur.fetchall()
        self.person = [owner.get(e, 0) for e in emails]  # people.id each row was put with
        self.method = {g: m for g, (_, m) in attendance.items()}
        self.disagree = sum(1 for g, p in zip(guests, self.person) if g.id in attendance and attendance[g.id][0] != p)
        votes: dict[int, Counter] = defaultdict(Counter)
        for g, p in zip(guests, self.person):
            if p > crowd.known:
                votes[p][g.person] += 1
        self.created = {p: c.most_common(1)[0][0] for p, c in votes.items()}

    def real_person(self, person_id: int | None) -> int | None:
        """The crowd index of the real person behind a people.id: a known person is who they are; a
        person created in this run is whoever most of its rows are."""
        if person_id is not None and 0 < person_id <= self.crowd.known:
            return person_id - 1
        return self.created.get(person_id)

    def consistent(self) -> bool:
        """Every row's person was found, and agrees with its attendance row."""
        return self.disagree == 0 and 0 not in self.person

    def pairwise(self) -> tuple[float, float]:
        """Pairwise precision and recall over the known people (each its own group) and the rows."""
        known, guests = range(self.crowd.known), self.crowd.event.guests
        predicted = [i + 1 for i in known] + self.person
        truth = list(known) + [g.person for g in guests]

        def pairs(counts) -> int:
            """Pairs within groups of these sizes: Σ C(n, 2)."""
            return sum(c * (c - 1) // 2 for c in counts)
        tp = pairs(Counter(zip(predicted, truth)).values())
        pp, tt = pairs(Counter(predicted).values()), pairs(Counter(truth).values())
        return (tp / pp if pp else 1.0), (tp / tt if tt else 1.0)

    def same_person_reviews(self) -> int:
        """Review items whose two people are truly one real person (accepting them would be right)."""
        return sum(1 for p, c, _, _ in self.review
                   if self.real_person(p) is not None and self.real_person(p) == self.real_person(c))


# -- explaining (--explain) ------------------------------------------------------------------------

def full_name(person) -> str:
    """A person's full name folded as the matcher folds it."""
    return fold_name(f"{person.first} {person.last}")


def holders(crowd: Crowd) -> dict[str, list[int]]:
    """Folded full name → the indexes of the known people who hold it."""
    found: dict[str, list[int]] = defaultdict(list)
    for i in range(crowd.known):
        found[full_name(crowd.people[i])].append(i)
    return found


def explain_generation(crowd: Crowd) -> None:
    """Name sharing, the noise rates and how often each noise occurred; nickname coverage."""
    held = holders(crowd)
    shared = [ids for ids in held.values() if len(ids) > 1]
    new = crowd.people[crowd.known:]
    print(f"known people: {crowd.known:,}; distinct full names {len(held):,}; held by 2+ people: {len(shared):,} "
          f"({sum(map(len, shared)):,} people); most people with one name: {max(map(len, held.values()))}")
    print(f"new people: {len(new):,}; sharing a known person's full name: "
          f"{sum(1 for p in new if full_name(p) in held):,} (on purpose: "
          f"{sum(p.namesake for p in new):,})")
    print("generation rates:\n" + "\n".join(f"  {rate:>5.0%}  {label}" for label, rate in RATES.items()))
    counts = Counter(tag for tags in crowd.noise.values() for tag in tags)
    print("noise in the file (rows carrying it): " + ", ".join(f"{k}={v:,}" for k, v in sorted(counts.items())))
    pairs = [(nick, name) for name, nicks in NICKNAMES.items() for nick in nicks]
    unknown = [f"{n}→{c}" for n, c in pairs if not same_first_name(fold_name(n), fold_name(c))]
    print(f"nickname pairs the matcher knows: {len(pairs) - len(unknown)} of {len(pairs)}; not known: {', '.join(unknown)}")


def describe(result: Result, row: int) -> str:
    """A guest row as generated, with its noise."""
    g = result.crowd.event.guests[row]
    return f"{g.name} <{g.email.strip()}> {g.phone_number or '(no phone)'} [{', '.join(result.crowd.noise[g.id])}]"


def describe_person(result: Result, person_id: int) -> str:
    """A known person as stored, or a person created in this run."""
    if not 0 < person_id <= result.crowd.known:
        return f"person {person_id}, new in this run"
    p = result.crowd.people[person_id - 1]
    return f"person {person_id} {p.first} {p.last} <{', '.join(p.emails)}> {p.phone or '(no phone)'}"


def explain_false_merges(result: Result, examples: int) -> None:
    """Match methods, and the rows put with someone they are not, by method, with a few examples."""
    crowd, guests = result.crowd, result.crowd.event.guests
    print("attendance match_method: " + ", ".join(f"{m}={n:,}" for m, n in Counter(result.method.values()).most_common()))
    wrong = [i for i, (g, p) in enumerate(zip(guests, result.person)) if result.real_person(p) != g.person]
    method = {i: result.method.get(guests[i].id, "collapsed (method not recorded)") for i in wrong}
    into_known = sum(1 for i in wrong if result.person[i] <= crowd.known)
    print(f"false merges: {len(wrong):,} (into a known person: {into_known:,}); by match_method: "
          + ", ".join(f"{m}={n:,}" for m, n in Counter(method.values()).most_common()))
    for i in wrong[:examples]:
        truly = guests[i].person + 1 if guests[i].person < crowd.known else None
        print(f"  FALSE MERGE via {method[i]}: {describe(result, i)}\n      put with "
              f"{describe_person(result, result.person[i])}; truly "
              + (describe_person(result, truly) if truly else "a new person"))


def explain_misses(result: Result, examples: int) -> None:
    """Known people's rows that became new people, by noise, with a few examples; new people split."""
    crowd, guests = result.crowd, result.crowd.event.guests
    missed = [i for i, (g, p) in enumerate(zip(guests, result.person)) if g.person < crowd.known < p]
    kinds = Counter(t for i in missed for t in crowd.noise[guests[i].id] if t != "phone_format")
    print(f"missed matches: {len(missed):,}; per noise kind: " + ", ".join(f"{k}={n:,}" for k, n in kinds.most_common()))
    held = holders(crowd)
    shared = sum(1 for i in missed if len(held[full_name(crowd.people[guests[i].person])]) > 1)
    print(f"  of which the person's true name is shared with another known person: {shared:,}")
    for i in missed[:examples]:
        print(f"  MISSED: {describe(result, i)}\n      became person {result.person[i]}, new; truly "
              f"{describe_person(result, guests[i].person + 1)}")
    split = Counter(t for t, _ in {(g.person, p) for g, p in zip(guests, result.person) if g.person >= crowd.known})
    print(f"new people who registered twice and became two people: {sum(1 for n in split.values() if n > 1):,}")


def explain_review(result: Result) -> None:
    """The review queue by reason (expected-holder figures folded together)."""
    truth = {g.id: g.person for g in result.crowd.event.guests}
    right = sum(1 for _, c, _, g in result.review if c is not None and truth.get(g) == c - 1)
    print(f"review items whose candidate is the guest's true person: {right:,}")
    reasons = Counter(re.sub(r"\d+\.\d+", "N", reason) for _, _, reason, _ in result.review)
    for reason, n in reasons.most_common():
        print(f"  {n:>6,}  {reason}")


# -- main ------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, parents=[bench_options(seed=7)],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000, help="known people (default 100000)")
    parser.add_argument("--rows", type=int, default=20_000, help="guest-list rows (default 20000)")
    parser.add_argument("--explain", action="store_true", help="print the breakdown used for tuning")
    parser.add_argument("--examples", type=int, default=4, help="failing cases shown per kind with --explain (default 4)")
    args = parser.parse_args(argv)
    if args.people < 1 or args.rows < 1:
        parser.error("--people and --rows must be at least 1")
    return args


def prepare(args: argparse.Namespace, tmp: Path) -> tuple[Crowd, Path, str, str]:
    """Generate the crowd and its guest list, start the database and load the people; print what
    was generated and how long each part took. Returns (crowd, guest list, database URL, where)."""
    started = time.perf_counter()
    crowd = generate_crowd(args.seed, args.people, args.rows)
    (tmp / "csv").mkdir()
    csv_path = write_event_guests(crowd.event, tmp / "csv")
    generated = time.perf_counter() - started
    url, where = database_for(tmp, args.keep, "import_bench")
    with closing(psycopg2.connect(url)) as conn:
        apply_schema(conn)
        ready = time.perf_counter() - started - generated
        load_people(conn, crowd)
    loaded = time.perf_counter() - started - generated - ready
    print(f"generated {crowd.known:,} known people and {args.rows:,} guest rows ({len(crowd.people) - crowd.known:,} "
          f"new people) in {generated:.1f} s; database ({where}) ready in {ready:.1f} s; people loaded in {loaded:.1f} s")
    return crowd, csv_path, url, where


def explain(args: argparse.Namespace, crowd: Crowd, result: Result) -> None:
    """The review queue's size, and with --explain the breakdown used for tuning."""
    items, same = len(result.review), result.same_person_reviews()
    print(f"review queue: {items:,} items; the two people truly one person: {same:,} ({same / max(items, 1):.0%})")
    if args.explain:
        explain_generation(crowd)
        explain_false_merges(result, args.examples)
        explain_misses(result, args.examples)
        explain_review(result)


def verdicts(args: argparse.Namespace, big: Run, copy: float, small: float, result: Result) -> list[bool]:
    """Every figure beside its target; one True for each target met."""
    precision, recall = result.pairwise()
    items, same = len(result.review), result.same_person_reviews()
    return [verdict("rows/s end to end", args.rows / big.seconds, TARGET_ROWS_PER_S, ",.0f"),
            verdict("import time / COPY time", big.seconds / copy, TARGET_OVER_COPY, ".1f", "×",
                    higher_is_better=False),
            verdict("importer peak memory", big.peak_mb, TARGET_PEAK_MB, ",.0f", "MB", higher_is_better=False),
            verdict(f"{SMALL_KNOWN + SMALL_NEW}-row list end to end", small, TARGET_SMALL_LIST_S, ".2f", "s",
                    higher_is_better=False),
            verdict("pairwise precision", precision, TARGET_PRECISION, ".4f"),
            verdict("pairwise recall", recall, TARGET_RECALL, ".4f"),
            verdict("review items per row", items / args.rows, TARGET_REVIEW[0], ".2%", higher_is_better=False),
            verdict("review items truly one person", same / max(items, 1), TARGET_REVIEW[1], ".0%")]


def quotable(args: argparse.Namespace, big: Run, copy: float, small: float) -> str:
    """The one line a README quotes."""
    return (f"import {args.rows:,} rows: {big.seconds:.2f} s end to end ({args.rows / big.seconds:,.0f} rows/s), "
            f"COPY {copy * 1000:,.0f} ms ({big.seconds / copy:.0f}×), peak {big.peak_mb:,.0f} MB; "
            f"{SMALL_KNOWN + SMALL_NEW}-row list {small:.2f} s")


def failures(big: Run, smalls: list[Run], result: Result) -> bool:
    """Say so and return True when an import failed or the rows' people cannot be read back."""
    codes = [big.code] + [run.code for run in smalls]
    if any(codes) or not result.consistent():
        print(f"an import failed (exit codes {codes}), or the rows' people could not be read back consistently "
              f"({result.disagree} disagree with attendance, {result.person.count(0)} emails nobody owns)")
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Generate, load, COPY, import, score, import the small lists; 0 when every target is met, else 1."""
    args = parse_args(argv)
    tmp = scratch_folder("import-bench-", args.keep)
    crowd, csv_path, url, where = prepare(args, tmp)
    (tmp / "inbox").mkdir()
    copy = copy_seconds(csv_path, url)
    big = run_importer(csv_path, url, tmp / "inbox")
    print(f"import_luma_attendance.py exit code {big.code}; {args.rows:,} rows in {big.seconds:.2f} s end to end, "
          f"peak {big.peak_mb:,.0f} MB; PostgreSQL's COPY of the file: {copy * 1000:,.1f} ms (median of {COPY_RUNS})")
    with closing(psycopg2.connect(url)) as conn:
        result = Result(conn, crowd)
    writes, written = writes_seconds(url, crowd.known)
    print(f"PostgreSQL alone writing the {written:,} rows the import wrote (new people, their identifiers, "
          f"attendance; keys and foreign keys checked, no matching): {writes:.2f} s (median of {COPY_RUNS}), "
          f"{writes / copy:.1f}× COPY; the import's time over it: {big.seconds / writes:.1f}×")
    explain(args, crowd, result)
    smalls = time_small_lists(crowd, url, tmp)
    small = statistics.median(run.seconds for run in smalls)
    print(f"{SMALL_KNOWN + SMALL_NEW}-row lists, one process each: "
          + ", ".join(f"{run.seconds:.2f} s" for run in smalls) + f" (median {small:.2f} s)")
    if args.keep:
        print(f"kept: {tmp}; database: {where}")
    ok = verdicts(args, big, copy, small, result)
    failed = failures(big, smalls, result)
    print(quotable(args, big, copy, small))
    return 0 if all(ok) and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
