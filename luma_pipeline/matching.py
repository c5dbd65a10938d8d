"""Who a guest is: the person-matching cascade of DESIGN.md over an in-memory index (pure).

Cascade, first hit wins: Luma user id → email → phone (E.164) → exact folded name, when exactly one
person has it → fuzzy name with nicknames, when one candidate clearly wins → a new person. A name
match is refused when both sides carry phone numbers and they differ; refused and ambiguous
candidates are handed back for the review queue."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .identity import first_names_compatible, name_forms, same_first_name

CLEAR_WIN_MARGIN = 5.0  # points a fuzzy winner must lead the runner-up by to be taken
LAST_NAME_FLOOR = 80.0  # a fuzzy match needs last names at least this alike
MAX_REVIEW_CANDIDATES = 3


@dataclass
class Guest:
    """One guest row as matching sees it (identifiers already normalised, names folded)."""

    user_id: str | None = None
    email: str | None = None
    phone: str | None = None
    first: str = ""  # folded
    last: str = ""   # folded

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}".strip()


@dataclass
class Candidate:
    """A person a name pointed at but who was not taken, and why (for the review queue)."""

    person_id: int
    reason: str
    score: float


@dataclass
class Match:
    """The cascade's answer: a known person and how they were found, or None for a new person."""

    person_id: int | None
    method: str
    score: float | None = None
    review: list[Candidate] = field(default_factory=list)


@dataclass
class PeopleIndex:
    """What matching needs about every known person, loaded once per run and grown as it goes."""

    identifiers: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, value) → person
    phones: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # person → (first, last) folded
    by_full_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_last_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_first_and_initial: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_person(self, person_id: int, first: str, last: str) -> None:
        """Index a person's folded name (blank names are not indexed)."""
        self.names[person_id] = (first, last)
        full = f"{first} {last}".strip()
        if full:
            self.by_full_name[full].append(person_id)
        if first and last:
            self.by_last_name[last].append(person_id)
            self.by_first_and_initial[(first, last[0])].append(person_id)

    def add_identifier(self, kind: str, value: str | None, person_id: int) -> bool:
        """Point an identifier at a person; False (and nothing changes) when it is someone else's."""
        if not value:
            return False
        owner = self.identifiers.setdefault((kind, value), person_id)
        if owner != person_id:
            return False
        if kind == "phone":
            self.phones[person_id].add(value)
        return True

    def owner(self, kind: str, value: str | None) -> int | None:
        """The person an identifier points at, if any."""
        return self.identifiers.get((kind, value)) if value else None


def match_guest(guest: Guest, index: PeopleIndex, threshold: float = 90.0) -> Match:
    """Find the person behind a guest, following the cascade."""
    for kind, value in (("luma_user_id", guest.user_id), ("email", guest.email), ("phone", guest.phone)):
        person_id = index.owner(kind, value)
        if person_id is not None:
            return Match(person_id, kind)
    if not guest.full_name:
        return Match(None, "new")
    same_name = index.by_full_name.get(guest.full_name, [])
    if len(same_name) == 1:
        return _accept_by_name(guest, index, same_name[0], "name", 100.0)
    if len(same_name) > 1:
        return Match(None, "new", review=[Candidate(p, "several people have this name", 100.0)
                                          for p in same_name[:MAX_REVIEW_CANDIDATES]])
    return _fuzzy(guest, index, threshold)


def _accept_by_name(guest: Guest, index: PeopleIndex, person_id: int, method: str,
                    score: float) -> Match:
    theirs = index.phones.get(person_id)
    if guest.phone and theirs and guest.phone not in theirs:
        return Match(None, "new", review=[Candidate(person_id, f"{method} matches but the phone differs", score)])
    return Match(person_id, method, score)


def _fuzzy(guest: Guest, index: PeopleIndex, threshold: float) -> Match:
    if not (guest.first and guest.last):
        return Match(None, "new")  # one word is too little to guess a person from
    scored = sorted(((_name_score(guest, *index.names[p]), p) for p in _candidates(guest, index)),
                    reverse=True)
    scored = [(s, p) for s, p in scored if s >= threshold]
    if not scored:
        return Match(None, "new")
    (best, person_id), rest = scored[0], scored[1:]
    if rest and best - rest[0][0] < CLEAR_WIN_MARGIN:
        return Match(None, "new", review=[Candidate(p, "several people have a similar name", s)
                                          for s, p in scored[:MAX_REVIEW_CANDIDATES]])
    return _accept_by_name(guest, index, person_id, "fuzzy_name", round(best, 1))


def _candidates(guest: Guest, index: PeopleIndex) -> set[int]:
    """People worth scoring: the same last name, or a form of the same first name and the same
    last initial (which catches a typo in the last name)."""
    found = set(index.by_last_name.get(guest.last, ()))
    for form in name_forms(guest.first):
        found.update(index.by_first_and_initial.get((form, guest.last[0]), ()))
    return found


def _name_score(guest: Guest, first: str, last: str) -> float:
    """0–100: how alike two folded names are, a nickname counting as the same first name.
    First names that cannot be the same person's (Mark and Mary) score 0."""
    if not (first and last) or fuzz.ratio(guest.last, last) < LAST_NAME_FLOOR:
        return 0.0
    if same_first_name(guest.first, first):
        return fuzz.ratio(f"{first} {guest.last}", f"{first} {last}")
    if not first_names_compatible(guest.first, first):
        return 0.0
    return fuzz.ratio(guest.full_name, f"{first} {last}")
