"""Reading one guest-list file for import: which event it is, when it was exported, and its rows
cleaned into what matching needs and what attendance stores."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..config import Settings
from ..luma.guest_csv import (
    EVENT_ID,
    GUEST_ID_COLUMNS,
    GuestFile,
    GuestFileError,
    export_time_from_name,
)
from ..text import clean_text, one_line, parse_instant
from .attendance_table import EventRef, find_event
from .demographics import demographics
from .identity import fold_name, normalize_email, normalize_phone, split_name
from .matching import Guest

MAX_CELL_ERRORS = 5  # cell errors listed in one message; the rest are counted


@dataclass(frozen=True)
class ImportOptions:
    """How to import: the event named on the command line, the matching settings, the row limit,
    and whether the file replaces what its event holds (--replace)."""

    event_id: int | None = None
    luma_event_id: str | None = None
    phone_region: str = "US"
    fuzzy_threshold: float = 90.0
    question_fields: tuple[tuple[str, str], ...] = ()
    academic_year_start_month: int = 8
    max_rows: int = 2_000_000
    replace: bool = False
    school_aliases: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, *, event_id: int | None = None,
                      luma_event_id: str | None = None, replace: bool = False) -> "ImportOptions":
        """The matching settings of the environment, with the event named on the command line."""
        return cls(event_id, luma_event_id, settings.default_phone_region,
                   settings.fuzzy_name_threshold, settings.question_fields,
                   settings.academic_year_start_month, settings.import_max_rows, replace,
                   settings.school_aliases)

    @property
    def event_given(self) -> bool:
        """Whether the command line names the event (then the file's own evt- ids are not read)."""
        return self.event_id is not None or bool(self.luma_event_id)


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
    person_fields: dict  # gender, school (and school_raw), class_year found in the answers


def resolve_event(conn, file: GuestFile, head: list[tuple[int, dict]],
                  options: ImportOptions) -> EventRef:
    """The event of a guest list: from the command line, else the `evt-` id in `qr_code_url` of
    its first rows (`head`), else one in the file name. Raises GuestFileError naming what was
    missing."""
    if options.event_given:
        event = find_event(conn, event_id=options.event_id, luma_event_id=options.luma_event_id)
        if event is None:
            given = (f"--event-id {options.event_id}" if options.event_id is not None
                     else f"--luma-event-id {options.luma_event_id}")
            raise GuestFileError(f"{file.path.name}: {given} is not in the events table")
        return event
    luma_id = _event_id_in_file(file, head)
    if luma_id is None:
        raise GuestFileError(f"{file.path.name}: cannot tell which event this is: no evt- id in "
                             "qr_code_url or in the file name; pass --event-id or --luma-event-id")
    event = find_event(conn, luma_event_id=luma_id)
    if event is None:
        raise GuestFileError(f"{file.path.name}: event {luma_id} is not in the events table "
                             "(run luma_sync.py first, or pass --event-id)")
    return event


def _event_id_in_file(file: GuestFile, head: list[tuple[int, dict]]) -> str | None:
    found = {m for _, row in head for m in EVENT_ID.findall(row.get("qr_code_url") or "")}
    if len(found) > 1:
        raise GuestFileError(f"{file.path.name}: qr_code_url names several events "
                             f"({', '.join(sorted(found))}); one file must hold one event")
    if found:
        return found.pop()
    in_name = EVENT_ID.search(file.path.name)
    return in_name.group(0) if in_name else None


def guest_rows(records: list[tuple[int, dict]], file: GuestFile, options: ImportOptions,
               event: EventRef) -> tuple[list[GuestRow], int]:
    """A batch of the file's rows as GuestRows, and how many were skipped for having neither email
    nor name. Raises GuestFileError listing the cells that hold no readable time, or naming the
    row that cannot be read or that belongs to another event."""
    columns = {key: file.column(*names) for key, names in (
        ("guest_id", GUEST_ID_COLUMNS), ("invite", ("utm_source", "custom_source")))}
    rows, skipped, errors = [], 0, []
    for number, values in records:
        try:
            if not options.event_given:
                _same_event(file, number, values, event)
            times = _times(number, values, errors)
            row = _guest_row(number, values, file, columns, times, options, event.start_at)
        except GuestFileError:
            raise
        except Exception as exc:  # one row nobody foresaw fails its file, naming the row, never the run
            raise GuestFileError(f"{file.path.name}: row {number} cannot be read: {one_line(exc)}") from exc
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    if errors:
        more = f" (and {len(errors) - MAX_CELL_ERRORS} more)" if len(errors) > MAX_CELL_ERRORS else ""
        raise GuestFileError(f"{file.path.name}: " + "; ".join(errors[:MAX_CELL_ERRORS]) + more)
    return rows, skipped


def _same_event(file: GuestFile, number: int, values: dict, event: EventRef) -> None:
    for other in EVENT_ID.findall(values.get("qr_code_url") or ""):
        if other != event.luma_event_id:
            raise GuestFileError(f"{file.path.name}: row {number}: qr_code_url names {other}, but "
                                 f"the file is a guest list of {event.luma_event_id}; one file must "
                                 "hold one event")


def _times(number: int, values: dict, errors: list[str]) -> dict:
    """The row's registration and check-in times; a cell that is no time is added to `errors`."""
    times = {}
    for column in ("created_at", "checked_in_at"):
        try:
            times[column] = parse_instant(values.get(column))
        except ValueError:
            errors.append(f"row {number}, column {column}: {values.get(column)!r} is not a time "
                          "(expected ISO 8601 such as 2025-10-29T03:56:00.104Z)")
    return times


def _guest_row(number: int, values: dict, file: GuestFile, columns: dict, times: dict,
               options: ImportOptions, event_start: datetime | None) -> GuestRow | None:
    first, last = split_name(values.get("name"), values.get("first_name"), values.get("last_name"))
    email = normalize_email(values.get("email"))
    if not email and not (first or last):
        return None
    answers = {q: a for q in file.questions if (a := clean_text(values.get(q)))}
    person_fields = demographics(answers, event_start, options.question_fields,
                                 options.academic_year_start_month, options.school_aliases)
    return GuestRow(
        number=number,
        guest=Guest(user_id=clean_text(values.get("user_id")), email=email,
                    phone=normalize_phone(values.get("phone_number"), options.phone_region),
                    first=fold_name(first), last=fold_name(last),
                    gender=person_fields.get("gender"), class_year=person_fields.get("class_year"),
                    school=fold_name(person_fields.get("school")) or None),
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


def _mtime(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return datetime.max.replace(tzinfo=timezone.utc)
