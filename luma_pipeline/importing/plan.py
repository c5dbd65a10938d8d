"""Planning one file's import: every row matched to a person (known or new), and the rows of one
person collapsed into one attendance row, before anything is written."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .attendance_table import EventRef
from .matching import PeopleIndex, match_guest
from .people_table import allocate_person_ids, fills_needed, note_blanks
from .rows import GuestRow

ID_BLOCK = 1000  # new-person ids reserved per round trip


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
    found_by: Counter = field(default_factory=Counter)  # match method → known people found by it


def plan_import(rows: list[GuestRow], index: PeopleIndex, ids: PersonIds, event: EventRef,
                source: str, threshold: float) -> ImportPlan:
    """Match every row (growing the index as new people appear) and collapse rows per person."""
    plan = ImportPlan()
    for row in rows:
        match = match_guest(row.guest, index, threshold, plan.attendance.keys(), event.id)
        person = _person_values(row)
        if match.person_id is None:
            person_id = ids.next()
            index.add_person(person_id, row.guest.first, row.guest.last, row.guest.gender,
                             row.guest.class_year, row.guest.school)
            index.created.add(person_id)
            plan.new_people.append({"id": person_id, **person})
            note_blanks(index, person_id, person)
            plan.review += [{"event_id": event.id, "person_id": person_id,
                             "candidate_person_id": c.person_id, "reason": c.reason, "score": c.score,
                             "guest": _guest_summary(row), "source_file": source} for c in match.review]
        else:
            person_id = match.person_id
            if fills_needed(index, person_id, person):
                plan.fills.append({"id": person_id, **person})
            plan.found_by[match.method] += 1
        for kind, value in (("luma_user_id", row.guest.user_id), ("email", row.guest.email),
                            ("phone", row.guest.phone)):
            if value and index.owner(kind, value) is None:
                index.add_identifier(kind, value, person_id)
                plan.identifiers.append((kind, value, person_id))
                if match.method in ("name", "fuzzy_name"):
                    index.by_name_match.add((kind, value))
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
                 "match_method": method, "match_score": score}
    current = attendance.get(person_id)
    if current is None or _rank(candidate) >= _rank(current):
        attendance[person_id] = candidate


def _rank(row: dict) -> tuple:
    earliest = datetime.min.replace(tzinfo=timezone.utc)
    return (row["checked_in_at"] is not None, row["registered_at"] or earliest)
