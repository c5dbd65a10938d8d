"""Step 2: guest-list CSVs → people and attendance, one transaction per file."""
from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg2

from ..files import atomic_write
from ..luma.guest_csv import (
    EVENT_ID,
    GUEST_ID_COLUMNS,
    GuestFile,
    GuestFileError,
    export_time_from_name,
    read_guest_csv,
)
from ..runner import StepContext, StepResult
from ..text import clean_text, parse_instant
from .attendance_table import (
    EventRef,
    find_event,
    mark_imported,
    queue_for_review,
    upsert_attendance,
)
from .demographics import demographics
from .identity import fold_name, normalize_email, normalize_phone, split_name
from .matching import Guest, PeopleIndex, match_guest
from .people_table import (
    allocate_person_ids,
    fill_blanks,
    fills_needed,
    insert_identifiers,
    insert_people,
    load_people_index,
    note_blanks,
)

log = logging.getLogger(__name__)

MATCH_METHODS = ("luma_user_id", "email", "phone", "name", "fuzzy_name")
MAX_CELL_ERRORS = 5  # cell errors listed in one message; the rest are counted
ID_BLOCK = 1000  # new-person ids reserved per round trip


@dataclass(frozen=True)
class ImportOptions:
    """How to import: the event named on the command line, and the matching settings."""

    event_id: int | None = None
    luma_event_id: str | None = None
    phone_region: str = "US"
    fuzzy_threshold: float = 90.0
    question_fields: tuple[tuple[str, str], ...] = ()
    academic_year_start_month: int = 8


@dataclass
class GuestRow:
    """One CSV row, cleaned: what matching needs and what attendance stores."""

    number: int
    guest: Guest
    first_name: str | None
    last_name: str | None
    luma_guest_id: str | None
    approval_status: str | None
    registered_at: datetime | None
    checked_in_at: datetime | None
    invite_token: str | None
    answers: dict
    person_fields: dict  # gender, school, class_year found in the answers


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


# -- reading ---------------------------------------------------------------------------------------

def resolve_event(conn, file: GuestFile, options: ImportOptions) -> EventRef:
    """The event of a guest list: from the command line, else the `evt-` id in `qr_code_url`,
    else one in the file name. Raises GuestFileError naming what was missing."""
    if options.event_id is not None or options.luma_event_id:
        event = find_event(conn, event_id=options.event_id, luma_event_id=options.luma_event_id)
        if event is None:
            given = (f"--event-id {options.event_id}" if options.event_id is not None
                     else f"--luma-event-id {options.luma_event_id}")
            raise GuestFileError(f"{file.path.name}: {given} is not in the events table")
        return event
    luma_id = _event_id_in_file(file)
    if luma_id is None:
        raise GuestFileError(f"{file.path.name}: cannot tell which event this is: no evt- id in "
                             "qr_code_url or in the file name; pass --event-id or --luma-event-id")
    event = find_event(conn, luma_event_id=luma_id)
    if event is None:
        raise GuestFileError(f"{file.path.name}: event {luma_id} is not in the events table "
                             "(run luma_sync.py first, or pass --event-id)")
    return event


def _event_id_in_file(file: GuestFile) -> str | None:
    found = {m for _, row in file.rows for m in EVENT_ID.findall(row.get("qr_code_url") or "")}
    if len(found) > 1:
        raise GuestFileError(f"{file.path.name}: qr_code_url names several events "
                             f"({', '.join(sorted(found))}); one file must hold one event")
    if found:
        return found.pop()
    in_name = EVENT_ID.search(file.path.name)
    return in_name.group(0) if in_name else None


def guest_rows(file: GuestFile, options: ImportOptions, event_start: datetime | None) -> tuple[list[GuestRow], int]:
    """The file's rows as GuestRows, and how many were skipped for having neither email nor name.
    Raises GuestFileError listing the cells that hold no readable time."""
    columns = {key: file.column(*names) for key, names in (
        ("guest_id", GUEST_ID_COLUMNS), ("invite", ("utm_source", "custom_source")))}
    rows, skipped, errors = [], 0, []
    for number, values in file.rows:
        times = {}
        for column in ("created_at", "checked_in_at"):
            try:
                times[column] = parse_instant(values.get(column))
            except ValueError:
                errors.append(f"row {number}, column {column}: {values.get(column)!r} is not a time "
                              "(expected ISO 8601 such as 2025-10-29T03:56:00.104Z)")
        row = _guest_row(number, values, file, columns, times, options, event_start)
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    if errors:
        more = f" (and {len(errors) - MAX_CELL_ERRORS} more)" if len(errors) > MAX_CELL_ERRORS else ""
        raise GuestFileError(f"{file.path.name}: " + "; ".join(errors[:MAX_CELL_ERRORS]) + more)
    return rows, skipped


def _guest_row(number: int, values: dict, file: GuestFile, columns: dict, times: dict,
               options: ImportOptions, event_start: datetime | None) -> GuestRow | None:
    first, last = split_name(values.get("name"), values.get("first_name"), values.get("last_name"))
    email = normalize_email(values.get("email"))
    if not email and not (first or last):
        return None
    answers = {q: a for q in file.questions if (a := clean_text(values.get(q)))}
    person_fields = demographics(answers, event_start, options.question_fields,
                                 options.academic_year_start_month)
    return GuestRow(
        number=number,
        guest=Guest(user_id=clean_text(values.get("user_id")), email=email,
                    phone=normalize_phone(values.get("phone_number"), options.phone_region),
                    first=fold_name(first), last=fold_name(last),
                    gender=person_fields.get("gender"), class_year=person_fields.get("class_year")),
        first_name=first, last_name=last,
        luma_guest_id=clean_text(values.get(columns["guest_id"])),
        approval_status=clean_text(values.get("approval_status")),
        registered_at=times.get("created_at"), checked_in_at=times.get("checked_in_at"),
        invite_token=clean_text(values.get(columns["invite"])) if columns["invite"] else None,
        answers=answers,
        person_fields=person_fields,
    )


def export_time(path: Path) -> datetime:
    """When a guest list was exported: the time in its name (Luma's and ours carry one), else when
    the file was written (a download's time is its export's)."""
    return export_time_from_name(path.name) or _mtime(path)


# -- matching --------------------------------------------------------------------------------------

class PersonIds:
    """New people's ids, reserved from the database a block at a time."""

    def __init__(self, conn):
        self.conn, self.free = conn, []

    def next(self) -> int:
        if not self.free:
            self.free = allocate_person_ids(self.conn, ID_BLOCK)[::-1]
        return self.free.pop()


@dataclass
class ImportPlan:
    """Everything one file will write, worked out before the first write."""

    new_people: list[dict] = field(default_factory=list)
    identifiers: list[tuple[str, str, int]] = field(default_factory=list)
    fills: list[dict] = field(default_factory=list)
    attendance: dict[int, dict] = field(default_factory=dict)  # person id → row
    review: list[dict] = field(default_factory=list)


def plan_import(rows: list[GuestRow], index: PeopleIndex, ids: PersonIds, event: EventRef,
                source: str, threshold: float, report: FileReport) -> ImportPlan:
    """Match every row (growing the index as new people appear) and collapse rows per person."""
    plan = ImportPlan()
    for row in rows:
        match = match_guest(row.guest, index, threshold, plan.attendance.keys())
        person = _person_values(row)
        if match.person_id is None:
            person_id = ids.next()
            index.add_person(person_id, row.guest.first, row.guest.last, row.guest.gender,
                             row.guest.class_year)
            plan.new_people.append({"id": person_id, **person})
            note_blanks(index, person_id, person)
            plan.review += [{"event_id": event.id, "person_id": person_id,
                             "candidate_person_id": c.person_id, "reason": c.reason, "score": c.score,
                             "guest": _guest_summary(row), "source_file": source} for c in match.review]
            report.new_people += 1
        else:
            person_id = match.person_id
            if fills_needed(index, person_id, person):
                plan.fills.append({"id": person_id, **person})
            report.found_by[match.method] += 1
        for kind, value in (("luma_user_id", row.guest.user_id), ("email", row.guest.email),
                            ("phone", row.guest.phone)):
            if value and index.owner(kind, value) is None:
                index.add_identifier(kind, value, person_id)
                plan.identifiers.append((kind, value, person_id))
        _keep_best(plan.attendance, person_id, row, match.method, match.score)
    return plan


def _person_values(row: GuestRow) -> dict:
    return {"first_name": row.first_name, "last_name": row.last_name, "email": row.guest.email,
            "phone": row.guest.phone, **row.person_fields}


def _guest_summary(row: GuestRow) -> dict:
    return {"row": row.number, "guest_id": row.luma_guest_id, "first_name": row.first_name,
            "last_name": row.last_name, "email": row.guest.email, "phone": row.guest.phone}


def _keep_best(attendance: dict[int, dict], person_id: int, row: GuestRow, method: str,
               score: float | None) -> None:
    """One row per person and event: a check-in wins, then the latest registration."""
    candidate = {"person_id": person_id, "luma_guest_id": row.luma_guest_id,
                 "approval_status": row.approval_status, "registered_at": row.registered_at,
                 "checked_in_at": row.checked_in_at, "invite_token": row.invite_token,
                 "registration_answers": row.answers,
                 "match_method": "new" if method == "new" else method, "match_score": score}
    current = attendance.get(person_id)
    if current is None or _rank(candidate) >= _rank(current):
        attendance[person_id] = candidate


def _rank(row: dict) -> tuple:
    earliest = datetime.min.replace(tzinfo=timezone.utc)
    return (row["checked_in_at"] is not None, row["registered_at"] or earliest)


# -- one file, and the step ------------------------------------------------------------------------

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
    plan = plan_import(rows, index, ids, event, path.name, options.fuzzy_threshold, report)
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
    summary = (f"files: imported={counts.imported} older={counts.older} failed={counts.failed}; "
               f"rows={counts.rows} new people={counts.new_people} review={counts.review}")
    return StepResult(summary, vars(counts), failed=counts.failed > 0)


def _fail(path: Path, exc: Exception, csv_dir: Path, dry_run: bool) -> None:
    """Log why a file failed; a bad file moves to failed/ with its reason beside it, while a file
    that met a database or disk problem stays pending for the next run."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
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


def _mtime(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return datetime.max.replace(tzinfo=timezone.utc)


def files_to_import(arguments: list[str], csv_dir: Path) -> list[Path]:
    """The CSV files named, those in the folders named, or every CSV pending in `csv_dir`."""
    if not arguments:
        return sorted(csv_dir.glob("*.csv")) if csv_dir.is_dir() else []
    found = []
    for argument in map(Path, arguments):
        found += sorted(argument.glob("*.csv")) if argument.is_dir() else [argument]
    return found
