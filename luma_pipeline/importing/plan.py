"""Matching one guest list, a batch of rows at a time: every row's person (known, or new), and the
rows staged for the merge. Nothing here writes; which values a row keeps is snapshots.py's rule."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from .matching import PeopleIndex, match_guest
from .people_table import ANSWERED_FIELDS
from .rows import GuestRow


class LocalIds:
    """Ids of the people a file finds new. They are negative until their file is written, when the
    database gives them real ones: a file that fails uses up no person id."""

    def __init__(self):
        self.last, self.real = 0, {}

    def new(self) -> int:
        """The next local id."""
        self.last -= 1
        return self.last

    def resolve(self, person_id: int) -> int:
        """The real id of a person whose file is written, else the id as it is."""
        return self.real.get(person_id, person_id)

    def learn(self, mapping: dict[int, int]) -> None:
        """Remember the real ids a written file's new people were given."""
        self.real.update(mapping)


@dataclass
class FileMatches:
    """What matching one file has found so far, kept across its batches."""

    event_guests: dict[str, int]  # Luma guest id → person, from this event's earlier snapshots
    on_list: set[int] = field(default_factory=set)  # people already met in this file
    found_by: Counter = field(default_factory=Counter)  # match method → known people found by it
    new_people: int = 0
    review: list[dict] = field(default_factory=list)


@dataclass
class StagedBatch:
    """One batch's rows as they go into the staging tables (staging.py's columns)."""

    guests: list[tuple] = field(default_factory=list)
    people: list[tuple] = field(default_factory=list)
    identifiers: list[tuple[str, str, int]] = field(default_factory=list)


def match_batch(rows: list[GuestRow], index: PeopleIndex, ids: LocalIds, found: FileMatches,
                event_id: int, source: str, threshold: float) -> StagedBatch:
    """Find every row's person (growing the index as new people appear) and stage the rows."""
    batch = StagedBatch()
    for row in rows:
        person_id, method, score = _find_person(row, index, ids, found, event_id, source, threshold)
        staged_id = ids.resolve(person_id)
        for kind, value in row.guest.identifiers:
            if value and index.owner(kind, value) is None:
                index.add_identifier(kind, value, person_id)
                batch.identifiers.append((kind, value, staged_id))
                if method in ("name", "fuzzy_name"):  # it identifies only someone of a fitting name
                    index.by_name_match.add((kind, value))
        found.on_list.add(person_id)
        batch.people.append((staged_id, row.first_name, row.last_name, row.guest.email,
                             row.guest.phone, *(row.person_fields.get(f) for f in ANSWERED_FIELDS)))
        batch.guests.append((staged_id, row.number, row.luma_guest_id, row.approval_status,
                             row.registered_at, row.checked_in_at, row.invite_token,
                             json.dumps(row.answers, ensure_ascii=False) if row.answers else "{}", method, score))
    return batch


def _find_person(row: GuestRow, index: PeopleIndex, ids: LocalIds, found: FileMatches,
                 event_id: int, source: str, threshold: float) -> tuple[int, str, float | None]:
    """The row's person as the index knows them, and how they were found. A guest an earlier
    snapshot of this event listed is that snapshot's person (their Luma guest id says so), before
    any matching."""
    known = found.event_guests.get(row.luma_guest_id) if row.luma_guest_id else None
    if known is not None:
        found.found_by["luma_guest_id"] += 1
        return known, "luma_guest_id", None
    match = match_guest(row.guest, index, threshold, found.on_list, event_id)
    if match.person_id is not None:
        found.found_by[match.method] += 1
        return match.person_id, match.method, match.score
    person_id = ids.new()
    index.add_person(person_id, row.guest.first, row.guest.last, row.guest.gender,
                     row.guest.class_year, row.guest.school)
    index.created.add(person_id)
    found.new_people += 1
    found.review += [{"event_id": event_id, "person_id": person_id,
                      "candidate_person_id": c.person_id, "reason": c.reason, "score": c.score,
                      "guest": _guest_summary(row), "source_file": source} for c in match.review]
    return person_id, "new", None


def _guest_summary(row: GuestRow) -> dict:
    return {"row": row.number, "guest_id": row.luma_guest_id, "first_name": row.first_name,
            "last_name": row.last_name, "email": row.guest.email, "phone": row.guest.phone}
