"""A guest list on its way in: its matched rows staged in temporary tables batch by batch, so that
memory holds one batch whatever the file's size, then written into people, identifiers, attendance
and the review queue in a few statements once the whole file has been read. Nothing permanent is
written before the last row is read: a bad row anywhere leaves nothing behind."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..database import copy_rows, create_temp_table
from .attendance_table import (
    STAGED_GUEST_COLUMNS,
    ReplacedRow,
    checkins_kept,
    collapse_staged_guests,
    merge_attendance,
    remove_guests_not_listed,
)
from .people_table import (
    STAGED_IDENTIFIER_COLUMNS,
    STAGED_PEOPLE_COLUMNS,
    give_new_people_ids,
    insert_staged_identifiers,
    merge_person_fields,
)
from .plan import StagedBatch

_TABLES = (("staged_guests", STAGED_GUEST_COLUMNS), ("staged_people", STAGED_PEOPLE_COLUMNS),
           ("staged_identifiers", STAGED_IDENTIFIER_COLUMNS))


def start_staging(conn) -> None:
    """The file's staging tables, empty (they vanish when its transaction ends)."""
    with conn.cursor() as cur:
        for name, columns in _TABLES:
            create_temp_table(cur, name, columns)


def stage(conn, batch: StagedBatch) -> None:
    """Add one matched batch to the staging tables."""
    with conn.cursor() as cur:
        for (name, columns), rows in zip(_TABLES, (batch.guests, batch.people, batch.identifiers)):
            if rows:
                copy_rows(cur, name, list(columns), rows)


@dataclass
class Written:
    """What writing one staged guest list did."""

    new_ids: dict[int, int] = field(default_factory=dict)  # local id → the person's real id
    attendance_new: int = 0
    attendance_updated: int = 0
    checkins_kept: int = 0
    removed: list[ReplacedRow] = field(default_factory=list)  # --replace: guests not in the file
    undone: list[ReplacedRow] = field(default_factory=list)  # --replace: check-ins it lacks


def write_staged(conn, event_id: int, exported_at: datetime, *, replace: bool,
                 dry_run: bool) -> Written:
    """Merge the staged guest list into the tables (in the caller's transaction): new people get
    their ids, then their fields and identifiers, then the event's attendance."""
    written = Written(new_ids=give_new_people_ids(conn, exported_at, dry_run))
    merge_person_fields(conn, exported_at)
    insert_staged_identifiers(conn)
    collapse_staged_guests(conn, exported_at)
    if replace:
        written.removed, written.undone = remove_guests_not_listed(conn, event_id)
    else:
        written.checkins_kept = checkins_kept(conn, event_id)
    written.attendance_new, written.attendance_updated = merge_attendance(conn, event_id, replace)
    return written
