"""Step 2: guest-list CSVs → people and attendance, one transaction per file; a file moves to
processed/ once its rows are committed, a bad file to failed/ with its reason."""
from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from ..files import atomic_write
from ..luma.guest_csv import GuestFileError, read_guest_csv
from ..runner import StepContext, StepResult
from ..text import one_line
from .attendance_table import mark_imported, queue_for_review, upsert_attendance
from .matching import PeopleIndex
from .people_table import (
    fill_blanks,
    insert_identifiers,
    insert_people,
    load_people_index,
)
from .plan import PersonIds, plan_import
from .rows import ImportOptions, export_time, guest_rows, resolve_event

log = logging.getLogger(__name__)

MATCH_METHODS = ("luma_user_id", "email", "phone", "name", "fuzzy_name")


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
    older_export: bool = False

    def line(self) -> str:
        """The file's one summary line."""
        if self.older_export:
            return f"{self.name}: {self.event}: older than the export already imported; nothing changed"
        found = " ".join(f"{m}={self.found_by[m]}" for m in MATCH_METHODS)
        return (f"{self.name}: {self.event}: rows={self.rows} skipped={self.skipped}; people found "
                f"by {found}; new people={self.new_people}; attendance new={self.attendance_new} "
                f"updated={self.attendance_updated}; attendees={self.attendees}; review={self.review}")


def import_file(conn, path: Path, index: PeopleIndex, ids: PersonIds,
                options: ImportOptions) -> FileReport:
    """Import one guest list in the caller's transaction. Raises GuestFileError for a bad file."""
    report = FileReport(path.name)
    file = read_guest_csv(path)
    event = resolve_event(conn, file, options)
    report.event = event.label()
    exported_at = export_time(path)
    if event.exported_at is not None and exported_at < event.exported_at:
        report.older_export = True
        return report
    rows, report.skipped = guest_rows(file, options, event.start_at)
    report.rows = len(rows) + report.skipped
    plan = plan_import(rows, index, ids, event, path.name, options.fuzzy_threshold)
    report.new_people, report.found_by = len(plan.new_people), plan.found_by
    insert_people(conn, plan.new_people)
    insert_identifiers(conn, plan.identifiers)
    fill_blanks(conn, plan.fills)
    report.attendance_new, report.attendance_updated = upsert_attendance(
        conn, event.id, list(plan.attendance.values()))
    report.review = queue_for_review(conn, plan.review)
    report.attendees = mark_imported(conn, event.id, exported_at)
    return report


@dataclass
class RunCounts:
    """What one run of the importer did, over all its files."""

    imported: int = 0
    older: int = 0
    failed: int = 0
    rows: int = 0
    new_people: int = 0
    review: int = 0
    attendees: int = 0  # checked-in guests of the events imported (the run's notification reads it)


def run_import(ctx: StepContext, paths: list[Path], options: ImportOptions) -> StepResult:
    """Import each file in its own transaction, oldest export first; a bad file goes to failed/
    and the others go on."""
    csv_dir = ctx.settings.csv_dir
    files = sorted(paths, key=lambda p: (export_time(p), p.name))
    index, ids, counts = load_people_index(ctx.conn), PersonIds(ctx.conn), RunCounts()
    ctx.conn.commit()
    for path in files:
        try:
            report = import_file(ctx.conn, path, index, ids, options)
        except (GuestFileError, psycopg2.Error, OSError) as exc:
            ctx.conn.rollback()
            counts.failed += 1
            _fail(path, exc, csv_dir, ctx.dry_run)
            index, ids = load_people_index(ctx.conn), PersonIds(ctx.conn)  # forget the rolled-back people
            ctx.conn.commit()
            continue
        if ctx.dry_run:
            ctx.conn.rollback()
        else:
            ctx.conn.commit()
            move_into(path, csv_dir / "processed")
        log.info("%s", report.line())
        counts.imported += not report.older_export
        counts.older += report.older_export
        counts.rows += report.rows
        counts.new_people += report.new_people
        counts.review += report.review
        counts.attendees += 0 if report.older_export else report.attendees
    summary = (f"files: imported={counts.imported} older={counts.older} failed={counts.failed}; "
               f"rows={counts.rows} new people={counts.new_people} review={counts.review}")
    return StepResult(summary, vars(counts), failed=counts.failed > 0)


def _fail(path: Path, exc: Exception, csv_dir: Path, dry_run: bool) -> None:
    """Log why a file failed; a bad file moves to failed/ with its reason beside it, while a file
    that met a database or disk problem stays pending for the next run."""
    reason = one_line(exc)
    if not isinstance(exc, GuestFileError):
        log.error("%s: not imported, left pending: %s", path.name, reason)
        return
    log.error("%s", reason)
    if not dry_run and path.exists():
        moved = move_into(path, csv_dir / "failed")
        with atomic_write(moved.with_name(moved.name + ".error.txt")) as handle:
            handle.write(reason + "\n")


def move_into(path: Path, folder: Path) -> Path:
    """Move a file into `folder`, never over another file of the same name; return where it went."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        target, n = folder / f"{path.stem}-{n}{path.suffix}", n + 1
    try:
        os.replace(path, target)
    except OSError:  # another filesystem
        shutil.move(str(path), target)
    return target


def files_to_import(arguments: list[str], csv_dir: Path) -> list[Path]:
    """The CSV files named, those in the folders named, or every CSV pending in `csv_dir`."""
    if not arguments:
        return sorted(csv_dir.glob("*.csv")) if csv_dir.is_dir() else []
    found = []
    for argument in map(Path, arguments):
        found += sorted(argument.glob("*.csv")) if argument.is_dir() else [argument]
    return found
