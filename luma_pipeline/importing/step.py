"""Step 2: guest-list CSVs → people and attendance, one transaction per file. Each file is a
snapshot of its event, merged per guest (snapshots.py); files are read as a stream in batches. An
inbox file moves to processed/ once its rows are committed, a bad one to failed/ with its reason;
a file named from elsewhere is only read."""
from __future__ import annotations

import csv
import logging
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

import psycopg2

from ..database import without_jit
from ..luma.guest_csv import GuestFile, GuestFileError, open_guest_csv
from ..runner import StepContext, StepResult
from ..schools import upgrade_schools
from ..text import one_line
from .attendance_table import (
    EventRef,
    ReplacedRow,
    event_guest_ids,
    mark_imported,
    queue_for_review,
)
from .imported_files import (
    LISTED_COLUMNS,
    ImportedFile,
    find_imported,
    imported_files,
    record_imported,
)
from .inbox import FileFacts, file_facts, in_inbox, move_into, put_aside
from .community import Community, open_community, read_for
from .plan import FileMatches, LocalIds, match_batch
from .rows import GuestRow, ImportOptions, export_time, guest_rows, resolve_event
from .staging import Written, stage, start_staging, write_staged

log = logging.getLogger(__name__)

MATCH_METHODS = ("luma_user_id", "email", "phone", "name", "fuzzy_name", "luma_guest_id")
BATCH_ROWS = 5000  # rows read, matched and staged at a time: memory holds one batch of a file


class ConnectionLost(Exception):
    """The database connection went away while a file was imported: the run cannot go on."""


@dataclass
class FileReport:
    """What importing one file did."""

    name: str
    event: str = ""
    rows: int = 0
    skipped: int = 0
    found_by: Counter = field(default_factory=Counter)
    new_people: int = 0
    attendance_new: int = 0
    attendance_updated: int = 0
    attendees: int = 0
    review: int = 0
    checkins_kept: int = 0
    replace: bool = False
    removed: list[ReplacedRow] = field(default_factory=list)
    undone: list[ReplacedRow] = field(default_factory=list)
    already: ImportedFile | None = None
    name_matched: set = field(default_factory=set)  # identifiers a name match attached (matching.py)

    @property
    def empty(self) -> bool:
        """A snapshot without guest rows: it changes nothing."""
        return self.already is None and self.rows == self.skipped

    @property
    def result(self) -> str:
        """What imported_files says of it."""
        return "empty guest list" if self.empty else "replaced" if self.replace else "imported"

    def line(self) -> str:
        """The file's one summary line."""
        if self.already:
            return f"{self.name}: {self.already.line()}"
        if self.empty:
            return f"{self.name}: {self.event or 'event not known'}: empty guest list; nothing changed"
        found = " ".join(f"{m}={self.found_by[m]}" for m in MATCH_METHODS)
        kept = (f"replaced: removed={len(self.removed)} check-ins undone={len(self.undone)}"
                if self.replace else f"check-ins kept={self.checkins_kept}")
        return (f"{self.name}: {self.event}: rows={self.rows} skipped={self.skipped}; people found "
                f"by {found}; new people={self.new_people}; attendance new={self.attendance_new} "
                f"updated={self.attendance_updated}; attendees={self.attendees}; review={self.review}; "
                + kept)

    def replaced_lines(self) -> list[str]:
        """--replace, row by row: each guest removed and each check-in undone."""
        return ([f"{self.name}: removed {r.luma_guest_id or 'guest'} {r.name} ({r.email or 'no email'})"
                 ": not in this file" for r in self.removed]
                + [f"{self.name}: check-in undone for {r.luma_guest_id or 'guest'} {r.name} "
                   f"({r.email or 'no email'})" for r in self.undone])


def import_file(conn, path: Path, name_matched: set, options: ImportOptions,
                dry_run: bool = False) -> FileReport:
    """Import one guest list in the caller's transaction. Raises GuestFileError for a bad file.
    `name_matched`: the identifiers earlier files of the run attached by a name match."""
    report = FileReport(path.name, replace=options.replace, name_matched=set(name_matched))
    without_jit(conn)
    facts = file_facts(path)
    report.already = None if options.replace else find_imported(conn, facts.content_hash)
    if report.already:
        return report
    refuse_too_many_rows(path, facts, options.max_rows)
    exported_at = export_time(path)
    with open_guest_csv(path) as file:
        head = list(islice(file.records, BATCH_ROWS))
        event = resolve_event(conn, file, head, options) if head else _event_if_known(conn, file, options)
        report.event = event.label() if event else ""
        if head:
            community, ids = open_community(conn, report.name_matched), LocalIds()
            found = _import_rows(conn, file, chain(head, file.records), event, community, ids,
                                 options, report)
            _report_written(conn, found, event, ids, report, exported_at, dry_run)
    record_imported(conn, facts.content_hash, path, event.id if event else None, exported_at,
                    report.rows, report.result)
    return report


def _event_if_known(conn, file: GuestFile, options: ImportOptions) -> EventRef | None:
    """The event of a file without rows, when its name or the command line tells (a wrong
    --event-id is still an error); such a file changes nothing, so not knowing is no error."""
    try:
        return resolve_event(conn, file, [], options)
    except GuestFileError:
        if options.event_given:
            raise
        return None


def refuse_too_many_rows(path: Path, facts: FileFacts, max_rows: int) -> None:
    """Refuse, before reading it, a file with more than `max_rows` guest rows (IMPORT_MAX_ROWS)."""
    if facts.lines <= max_rows:  # rows + header <= line breaks + 1: it fits
        return
    with open_guest_csv(path) as file:
        rows = sum(1 for _ in file.records)
    if rows > max_rows:
        raise GuestFileError(f"{path.name}: {rows:,} rows, more than IMPORT_MAX_ROWS={max_rows:,}; "
                             "split the file, or raise IMPORT_MAX_ROWS")


def _import_rows(conn, file: GuestFile, records: Iterator[tuple[int, dict]], event: EventRef,
                 community: Community, ids: LocalIds, options: ImportOptions,
                 report: FileReport) -> FileMatches:
    """Read, match and stage the file batch by batch (reading of the community only what each
    batch can be matched against); return what matching found."""
    found = FileMatches(event_guest_ids(conn, event.id))
    start_staging(conn)
    with closing(_read_ahead(records, file, options, event)) as batches:  # no reading left behind
        for batch, rows, skipped in batches:
            report.rows, report.skipped = report.rows + len(batch), report.skipped + skipped
            read_for(community, [row.guest for row in rows],
                     {found.event_guests[r.luma_guest_id] for r in rows if r.luma_guest_id in found.event_guests})
            stage(conn, match_batch(rows, community.index, ids, found, event.id, file.path.name,
                                    options.fuzzy_threshold))
    return found


def _report_written(conn, found: FileMatches, event: EventRef, ids: LocalIds, report: FileReport,
                    exported_at, dry_run: bool) -> None:
    """Write the staged file (unless it held no guest rows) and put what it did in the report."""
    report.found_by, report.new_people = found.found_by, found.new_people
    if report.empty:
        return
    written: Written = write_staged(conn, event.id, exported_at, replace=report.replace,
                                    dry_run=dry_run)
    ids.learn(written.new_ids)
    report.attendance_new, report.attendance_updated = written.attendance_new, written.attendance_updated
    report.checkins_kept, report.removed, report.undone = (written.checkins_kept, written.removed,
                                                           written.undone)
    report.review = queue_for_review(conn, [
        {**item, "person_id": ids.resolve(item["person_id"]),
         "candidate_person_id": ids.resolve(item["candidate_person_id"])} for item in found.review])
    report.attendees = mark_imported(conn, event.id, exported_at)


def _read_ahead(records: Iterator[tuple[int, dict]], file: GuestFile, options: ImportOptions,
                event: EventRef) -> Iterator[tuple[list, list[GuestRow], int]]:
    """The file's batches, each with its guest rows and how many rows were skipped (guest_rows),
    the next one read while this one is matched and staged: in a second thread, which runs while
    this one waits on PostgreSQL (psycopg2 lets go of the interpreter then). One batch at a time is
    read, in order; an error reading one is raised when that batch is asked for."""
    batches = _batches(records, BATCH_ROWS)

    def read_next() -> tuple[list, list[GuestRow], int] | None:
        batch = next(batches, None)
        return None if batch is None else (batch, *guest_rows(batch, file, options, event))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        pending = reader.submit(read_next)
        while (ready := pending.result()) is not None:
            pending = reader.submit(read_next)
            yield ready


def _batches(records: Iterable, size: int) -> Iterator[list]:
    records = iter(records)
    while batch := list(islice(records, size)):
        yield batch


@dataclass
class RunCounts:
    """What one run of the importer did, over all its files."""

    imported: int = 0
    already_imported: int = 0
    empty: int = 0
    failed: int = 0
    rows: int = 0
    new_people: int = 0
    review: int = 0
    attendees: int = 0  # checked-in guests of the events imported (the run's notification reads it)


def run_import(ctx: StepContext, paths: list[Path], options: ImportOptions) -> StepResult:
    """Import each file in its own transaction, oldest export first; a bad file fails alone."""
    files = sorted(paths, key=lambda p: (export_time(p), p.name))
    upgrade_schools(ctx)
    ctx.conn.commit()
    name_matched, counts = set(), RunCounts()
    for path in files:
        report = _import_one(ctx, path, name_matched, options)
        if report is None:
            counts.failed += 1
            continue
        if not ctx.dry_run:
            name_matched = report.name_matched
        for line in [report.line()] + report.replaced_lines():
            log.info("%s", line)
        counts.imported += not (report.already or report.empty)
        counts.already_imported += report.already is not None
        counts.empty += report.empty
        counts.rows += report.rows
        counts.new_people += report.new_people
        counts.review += report.review
        counts.attendees += report.attendees  # 0 for a file already imported or without guests
    summary = (f"files: imported={counts.imported} already_imported={counts.already_imported} "
               f"empty={counts.empty} failed={counts.failed}; rows={counts.rows} "
               f"new people={counts.new_people} review={counts.review}")
    return StepResult(summary, vars(counts), failed=counts.failed > 0)


def _import_one(ctx: StepContext, path: Path, name_matched: set,
                options: ImportOptions) -> FileReport | None:
    """Import one file and commit it (an inbox file then moves to processed/); None when it
    failed. Whatever reading or matching it meets fails this file alone; a lost connection ends
    the run, naming the file and the real error, and leaves the file pending."""
    try:
        report = import_file(ctx.conn, path, name_matched, options, ctx.dry_run)
        if ctx.dry_run:
            ctx.conn.rollback()
            return report
        ctx.conn.commit()
    except Exception as exc:
        _file_failed(ctx, path, exc)
        return None
    if in_inbox(path, ctx.settings.csv_dir):
        move_into(path, ctx.settings.csv_dir / "processed")
    return report


def _file_failed(ctx: StepContext, path: Path, exc: Exception) -> None:
    """Roll the file back and say why it failed. A bad file (anything but the database or the
    disk) goes from the inbox to failed/ with its reason; a database or disk problem leaves it
    pending for the next run."""
    reason = one_line(exc)
    if ctx.conn.closed:
        raise ConnectionLost(f"{path.name}: not imported, left pending: the database connection "
                             f"was lost: {reason}") from exc
    ctx.conn.rollback()
    if isinstance(exc, (OSError, psycopg2.Error)) and not isinstance(exc, psycopg2.DataError):
        log.error("%s: not imported, left pending: %s", path.name, reason)
        return
    if not isinstance(exc, GuestFileError):
        reason = f"{path.name}: {type(exc).__name__}: {reason}"
    log.error("%s", reason)
    if ctx.dry_run:
        return
    if in_inbox(path, ctx.settings.csv_dir):
        put_aside(path, reason, ctx.settings.csv_dir)
    else:
        log.info("%s: left where it is (only files in CSV_DIR are moved)", path)


def list_imported(ctx: StepContext, as_csv: bool) -> StepResult:
    """Print the imported files, newest import first: a table, or CSV with a header."""
    rows = imported_files(ctx.conn)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(LISTED_COLUMNS)
        writer.writerows(rows)
    else:
        for line in _table(rows):
            sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return StepResult(f"imported files: {len(rows)} listed", {"listed": len(rows)})


def _table(rows: list[tuple]) -> list[str]:
    """The imported files as aligned columns a person reads."""
    header = ("imported (UTC)", "file", "event", "exported (UTC)", "rows", "result")
    cells = [tuple(map(str, header))] + [
        (_utc(at), name, f"{event_id} {event or ''}".strip() if event_id else "-",
         _utc(exported) if exported else "-", str(count), result)
        for at, name, event_id, event, exported, count, result, _, _ in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M}"
