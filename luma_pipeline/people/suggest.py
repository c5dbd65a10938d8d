"""Likely duplicates among all people, for older, messier data (pure): the same folded name, or a
nickname pair with the same last name, plus something else they share: a phone, an email local
part or a school."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from ..importing.identity import email_local_part, name_forms, same_first_name

MAX_BLOCK = 200  # people under one name key; a bigger block is a name too common to pair by


@dataclass(frozen=True)
class Someone:
    """What suggest compares of one person (names folded, phones E.164, school folded)."""

    id: int
    first: str
    last: str
    emails: frozenset[str]
    phones: frozenset[str]
    school: str | None


@dataclass(frozen=True)
class Suggestion:
    """Two people who are likely one: the newer `person_id` and the older `candidate_person_id`."""

    person_id: int
    candidate_person_id: int
    reason: str
    score: float


def likely_duplicates(people: list[Someone], apart: set[frozenset] = frozenset()) -> list[Suggestion]:
    """Pairs of people who are likely one person, oldest candidate first; pairs kept apart by a
    decision are left out."""
    blocks: dict[tuple[str, str], list[Someone]] = defaultdict(list)
    for person in people:
        if person.first and person.last:
            for form in name_forms(person.first):
                blocks[(person.last, form)].append(person)
    found: dict[frozenset, Suggestion] = {}
    for block in blocks.values():
        if len(block) > MAX_BLOCK:
            continue
        for a, b in combinations(block, 2):
            pair = frozenset((a.id, b.id))
            if a.id != b.id and pair not in found and pair not in apart:
                suggestion = suggest_pair(a, b)
                if suggestion:
                    found[pair] = suggestion
    return sorted(found.values(), key=lambda s: (s.candidate_person_id, s.person_id))


def suggest_pair(a: Someone, b: Someone) -> Suggestion | None:
    """A suggestion when the two have one name (or a nickname pair) and share something else."""
    if a.last != b.last or not same_first_name(a.first, b.first):
        return None
    shared = shared_evidence(a, b)
    if not shared:
        return None
    older, newer = sorted((a, b), key=lambda p: p.id)
    name = "same name" if a.first == b.first else f"nickname pair ({older.first}/{newer.first})"
    score = (90.0 if a.first == b.first else 80.0) + 5.0 * (len(shared) - 1)
    return Suggestion(newer.id, older.id, f"suggest: {name} and {' and '.join(shared)}", min(score, 100.0))


def shared_evidence(a: Someone, b: Someone) -> list[str]:
    """What two people share besides a name: a phone, an email local part, a school."""
    shared = []
    if a.phones & b.phones:
        shared.append("a shared phone")
    if {email_local_part(e) for e in a.emails} & {email_local_part(e) for e in b.emails} - {""}:
        shared.append("a shared email local part")
    if a.school and a.school == b.school:
        shared.append("the same school")
    return shared
