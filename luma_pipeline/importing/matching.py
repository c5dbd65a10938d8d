"""Who a guest is: the person-matching cascade of DESIGN.md over an in-memory index (pure).

Cascade, first hit wins: Luma user id → email → phone (E.164) → exact folded name, when exactly one
person has it → fuzzy name with nicknames, when one candidate clearly wins → a new person. A name
match is refused when both sides carry phone numbers and they differ; refused and ambiguous
candidates are handed back for the review queue. Besides phones, a name match is refused when
other evidence says "someone else": a known gender or class year that differs, or a person of
that name already met in the same guest list."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .identity import first_names_compatible, is_typo, name_forms, same_first_name

CLEAR_WIN_MARGIN = 5.0  # points a fuzzy winner must lead the runner-up by to be taken
# A name alone identifies nobody when it is common: in a community of 100,000, "John Smith" is
# expected several times over by chance (others with the first name x others with the last name /
# people). Above this many expected holders a name match is not taken; it goes to review instead.
# 0.05 keeps pairwise precision above 0.995 and recall above 0.97 in bench/import_bench.py.
COMMON_NAME_LIMIT = 0.05
MAX_REVIEW_CANDIDATES = 3


@dataclass
class Guest:
    """One guest row as matching sees it (identifiers already normalised, names folded)."""

    user_id: str | None = None
    email: str | None = None
    phone: str | None = None
    first: str = ""  # folded
    last: str = ""   # folded
    gender: str | None = None
    class_year: int | None = None

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
    traits: dict[int, tuple[str | None, int | None]] = field(default_factory=dict)  # gender, class year
    first_counts: Counter = field(default_factory=Counter)
    last_counts: Counter = field(default_factory=Counter)
    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # person → (first, last) folded
    by_full_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # Fuzzy candidates are distinct names (first, last), scored once however many people hold them.
    by_last_name: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    # (first name, last initial, last name's length): finds "Samantha Wiliams" for Samantha Williams
    by_first_and_initial: dict[tuple[str, str, int], set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set))

    def add_person(self, person_id: int, first: str, last: str, gender: str | None = None,
                   class_year: int | None = None) -> None:
        """Index a person's folded name (blank names are not indexed) and known traits."""
        self.names[person_id] = (first, last)
        self.first_counts[first] += 1
        self.last_counts[last] += 1
        if gender or class_year:
            self.traits[person_id] = (gender, class_year)
        full = f"{first} {last}".strip()
        if full:
            self.by_full_name[full].append(person_id)
        if first and last:
            self.by_last_name[last].add((first, last))
            self.by_first_and_initial[(first, last[0], len(last))].add((first, last))

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

    def expected_holders(self, first: str, last: str) -> float:
        """How many other people would carry this holder's name by chance, from how many others
        share its first name and its last name here."""
        others_first = max(self.first_counts[first] - 1, 0)
        others_last = max(self.last_counts[last] - 1, 0)
        return others_first * others_last / max(len(self.names), 1)

    def owner(self, kind: str, value: str | None) -> int | None:
        """The person an identifier points at, if any."""
        return self.identifiers.get((kind, value)) if value else None


def match_guest(guest: Guest, index: PeopleIndex, threshold: float = 90.0,
                same_list: frozenset[int] | set[int] = frozenset()) -> Match:
    """Find the person behind a guest, following the cascade. `same_list` holds the people already
    found in the same guest list: a name that points at one of them is someone else's."""
    for kind, value in (("luma_user_id", guest.user_id), ("email", guest.email), ("phone", guest.phone)):
        person_id = index.owner(kind, value)
        if person_id is not None:
            return Match(person_id, kind)
    if not guest.full_name:
        return Match(None, "new")
    same_name = index.by_full_name.get(guest.full_name, [])
    if len(same_name) == 1:
        return _accept_by_name(guest, index, same_name[0], "name", 100.0, same_list)
    if len(same_name) > 1:
        return Match(None, "new", review=[Candidate(p, "several people have this name", 100.0)
                                          for p in same_name[:MAX_REVIEW_CANDIDATES]])
    return _fuzzy(guest, index, threshold, same_list)


def _accept_by_name(guest: Guest, index: PeopleIndex, person_id: int, method: str,
                    score: float, same_list) -> Match:
    conflict = _conflict(guest, index, person_id, same_list)
    if conflict:
        return Match(None, "new", review=[Candidate(person_id, f"{method} matches but {conflict}", score)])
    return Match(person_id, method, score)


def _conflict(guest: Guest, index: PeopleIndex, person_id: int, same_list) -> str | None:
    """Why a person the name points at may be someone else, or None."""
    expected = index.expected_holders(*index.names[person_id])
    if expected > COMMON_NAME_LIMIT:
        return f"the name is common ({expected:.1f} people expected to share it by chance)"
    theirs = index.phones.get(person_id)
    if guest.phone and theirs and guest.phone not in theirs:
        return "the phone differs"
    gender, class_year = index.traits.get(person_id, (None, None))
    if guest.gender and gender and guest.gender != gender:
        return "the gender differs"
    if guest.class_year and class_year and guest.class_year != class_year:
        return "the class year differs"
    if person_id in same_list:
        return "that person is already on this guest list"
    return None


def _fuzzy(guest: Guest, index: PeopleIndex, threshold: float, same_list) -> Match:
    if not (guest.first and guest.last):
        return Match(None, "new")  # one word is too little to guess a person from
    scored = sorted(((score, p) for name, score in _scored_names(guest, index, threshold)
                     for p in index.by_full_name[f"{name[0]} {name[1]}"]), reverse=True)
    if not scored:
        return Match(None, "new")
    (best, person_id), rest = scored[0], scored[1:]
    if rest and best - rest[0][0] < CLEAR_WIN_MARGIN:
        return Match(None, "new", review=[Candidate(p, "several people have a similar name", s)
                                          for s, p in scored[:MAX_REVIEW_CANDIDATES]])
    return _accept_by_name(guest, index, person_id, "fuzzy_name", round(best, 1), same_list)


def _scored_names(guest: Guest, index: PeopleIndex, threshold: float) -> list[tuple[tuple[str, str], float]]:
    """Known names at least `threshold` alike to the guest's: those with the same last name, or a
    form of the same first name with a last name of the same initial and a length one typo away
    (which catches a typo in the last name)."""
    names = set(index.by_last_name.get(guest.last, ()))
    initial, length = guest.last[0], len(guest.last)
    for form in name_forms(guest.first):
        for size in (length - 1, length, length + 1):
            names.update(index.by_first_and_initial.get((form, initial, size), ()))
    scored = ((name, _name_score(guest, *name)) for name in names)
    return [(name, score) for name, score in scored if score >= threshold]


def _name_score(guest: Guest, first: str, last: str) -> float:
    """0–100: how alike two folded names are, a nickname counting as the same first name.
    Names that cannot be the same person's score 0: first names like Mark and Mary, last names
    that are neither equal nor a typo of each other (Hunt and Hunter, Williams and Williamson)."""
    if not (first and last) or (guest.last != last and not is_typo(guest.last, last)):
        return 0.0
    if same_first_name(guest.first, first):
        return fuzz.ratio(f"{first} {guest.last}", f"{first} {last}")
    if not first_names_compatible(guest.first, first):
        return 0.0
    return fuzz.ratio(guest.full_name, f"{first} {last}")
