"""Who a guest is: the person-matching cascade of DESIGN.md over an in-memory index (pure).

Cascade, first hit wins: Luma user id → email → phone (E.164) → exact folded name, when exactly one
person has it → fuzzy name with nicknames, when one candidate clearly wins → a new person.

A name alone is weak, so a name match is taken only when nothing speaks against it and the name is
rare enough, or when other evidence confirms it. Against (a hard conflict): both sides carry phones
and they differ, a known gender or class year differs. Doubt (evidence lifts it): the name is
common, the person is already on this guest list, the guest gave one word only, or the names agree
only loosely (a nickname with a last-name typo, typos in both names, short names with two letters
swapped, first and last name swapped). Evidence: a telling email local part they share, the same
school, or an earlier event the person attended with people on this guest list.

Unsure candidates go to the review queue only when asking is worth an organiser's time: a name
rare enough that a namesake is unlikely, or evidence. Everything else becomes a new person quietly.
An identifier a name match attached in this run identifies only someone of a fitting name, so a
wrong match does not spread through the phone or email it brought."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .identity import (
    TYPO_MIN_LENGTH,
    email_local_part,
    first_names_compatible,
    is_handle,
    is_typo,
    local_parts_agree,
    name_forms,
    same_first_name,
)

CLEAR_WIN_MARGIN = 5.0  # points a fuzzy winner must lead the runner-up by to be taken
# A name alone identifies nobody when it is common: in a community of 100,000, "John Smith" is
# expected several times over by chance (others with the first name x others with the last name /
# people). Above this many expected holders a name match needs evidence.
# 0.035 keeps pairwise precision above 0.997 and recall above 0.975 in bench/import_bench.py
# (seeds 7 and 8); names just above it go to the review queue, where most are truly one person.
COMMON_NAME_LIMIT = 0.035
# Up to this many expected holders an unsure match is worth asking the organiser about; above it a
# namesake is the likelier story and the guest quietly becomes a new person (bench/import_bench.py:
# the queue stays under 2% of rows, at least half of it truly the same person).
ASK_LIMIT = 0.15
CO_ATTENDANCE_MIN = 2  # people on this list who came to an earlier event with the candidate
MAX_REVIEW_CANDIDATES = 3
REAL_NAME_HOLDERS = 3  # a spelling this many people hold is a name, not a typo of another
SHORT_NAME_MIN = 3  # shorter names with two letters swapped (Jhon, John) are typos only with evidence


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
    school: str | None = None  # folded

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}".strip()

    @property
    def identifiers(self) -> tuple[tuple[str, str | None], ...]:
        """(kind, value) of the Luma user id, email and phone, in the cascade's order; a value
        may be None."""
        return ("luma_user_id", self.user_id), ("email", self.email), ("phone", self.phone)


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
    """What matching needs about the people a guest list can be matched against (in the importer
    and the approvals, only what their guests can reach: community.py), grown as the list brings
    new people. Name counts and `population` are the whole community's."""

    identifiers: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, value) → person
    phones: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    emails: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    _by_local_part: dict[str, set[int]] | None = None  # built on first use
    traits: dict[int, tuple[str | None, int | None]] = field(default_factory=dict)  # gender, class year
    schools: dict[int, str] = field(default_factory=dict)  # person → folded school
    events_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # person → events
    attendees: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # event → people
    # identifiers a name match attached in this run: they identify only someone of a fitting name
    by_name_match: set[tuple[str, str]] = field(default_factory=set)
    created: set[int] = field(default_factory=set)  # people new in this run
    population: int = 0  # people in the community (matching needs the whole count, not the index's)
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
                   class_year: int | None = None, school: str | None = None) -> None:
        """Index a person new to the community: counted, then placed (place_person)."""
        self.population += 1
        self.first_counts[first] += 1
        self.last_counts[last] += 1
        self.place_person(person_id, first, last, gender, class_year, school)

    def place_person(self, person_id: int, first: str, last: str, gender: str | None = None,
                     class_year: int | None = None, school: str | None = None) -> None:
        """Index a person's folded name (blank names are not indexed) and known traits, without
        counting them: a person read from the database is in the counts read with them."""
        self.names[person_id] = (first, last)
        if gender or class_year:
            self.traits[person_id] = (gender, class_year)
        if school:
            self.schools[person_id] = school
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
        elif kind == "email":
            self.emails[person_id].append(value)
            if self._by_local_part is not None:
                self._by_local_part[email_local_part(value)].add(person_id)
        return True

    def note_owner(self, kind: str, value: str, person_id: int) -> None:
        """Know who owns an identifier without reading that person (community.py reads in full
        only the people a name can reach): the owner is found, and other identifiers of theirs are
        not needed to settle this one."""
        self.identifiers.setdefault((kind, value), person_id)

    def local_parts(self, person_id: int) -> set[str]:
        """The local parts of a person's emails (email_local_part)."""
        return {email_local_part(e) for e in self.emails.get(person_id, ())} - {""}

    def owners_of_local_part(self, local: str) -> set[int]:
        """The people with an email of this local part (the lookup is built on first use)."""
        if self._by_local_part is None:
            by_local: dict[str, set[int]] = defaultdict(set)
            for email, person_id in ((e, p) for p, emails in self.emails.items() for e in emails):
                by_local[email_local_part(email)].add(person_id)
            by_local.pop("", None)
            self._by_local_part = by_local
        return self._by_local_part.get(local, set()) if local else set()

    def add_attendance(self, event_id: int, person_id: int) -> None:
        """Remember that a person came to an event (for co-attendance evidence)."""
        self.events_of[person_id].add(event_id)
        self.attendees[event_id].add(person_id)

    def expected_holders(self, first: str, last: str, holders: int = 1) -> float:
        """How many more people would carry this name by chance, beyond the `holders` who do, from
        how many others share its first name and its last name here."""
        others_first = max(self.first_counts[first] - holders, 0)
        others_last = max(self.last_counts[last] - holders, 0)
        return others_first * others_last / max(self.population, 1)

    def owner(self, kind: str, value: str | None) -> int | None:
        """The person an identifier points at, if any."""
        return self.identifiers.get((kind, value)) if value else None


@dataclass
class _Query:
    """One guest being matched, with what the cascade needs around it."""

    guest: Guest
    index: PeopleIndex
    same_list: frozenset[int] | set[int]
    event_id: int | None


def match_guest(guest: Guest, index: PeopleIndex, threshold: float = 90.0,
                same_list: frozenset[int] | set[int] = frozenset(), event_id: int | None = None) -> Match:
    """Find the person behind a guest, following the cascade. `same_list` holds the people already
    found on the same guest list (of event `event_id`): a name that points at one of them is
    probably someone else's."""
    q = _Query(guest, index, same_list, event_id)
    for kind, value in guest.identifiers:
        person_id = index.owner(kind, value)
        if person_id is not None and fits_identifier(q, kind, value, person_id):
            return Match(person_id, kind)
    if not guest.full_name:
        return Match(None, "new")
    if not (guest.first and guest.last):
        return _one_word(q)
    same_name = index.by_full_name.get(guest.full_name, [])
    if len(same_name) == 1:
        return _by_name(q, same_name[0], "name", 100.0)
    if len(same_name) > 1:
        return _among(q, [(100.0, p, None) for p in same_name], "name", "several people have this name")
    return _fuzzy(q, threshold)


def fits_identifier(q: _Query, kind: str, value: str, person_id: int) -> bool:
    """An identifier identifies its owner, unless a name match attached it in this run and the
    guest's name does not fit the owner's (a wrong name match must not spread through it)."""
    if (kind, value) not in q.index.by_name_match:
        return True
    first, last = q.index.names.get(person_id, ("", ""))
    return first_names_compatible(q.guest.first, first) and (q.guest.last == last
                                                             or is_typo(q.guest.last, last))


def _by_name(q: _Query, person_id: int, method: str, score: float, doubt: str | None = None) -> Match:
    """Take one person a name points at, unless something speaks against them; an unsure
    candidate is handed back for review when asking is worth it."""
    conflict = hard_conflict(q, person_id)
    doubt = conflict or doubt or name_doubt(q, person_id)
    if doubt is None:
        return Match(person_id, method, score)
    support = shared_evidence(q, person_id)
    if support and not conflict:
        return Match(person_id, method, score)
    if support or (not conflict and worth_asking(q, person_id)):
        reason = f"{method} matches but {doubt}" + (f" (evidence: {', '.join(support)})" if support else "")
        return Match(None, "new", review=[Candidate(person_id, reason, score)])
    return Match(None, "new")


def _among(q: _Query, scored: list[tuple[float, int, str | None]], method: str, reason: str) -> Match:
    """Several people fit the name about as well: evidence may pick one; else those worth asking
    about go to review."""
    fitting = [(s, p, d) for s, p, d in scored if not hard_conflict(q, p)]
    supported = [(s, p) for s, p, _ in fitting if shared_evidence(q, p)]
    if len(supported) == 1:
        return Match(supported[0][1], method, supported[0][0])
    holders = len(scored) if method == "name" else None  # a fuzzy tie is asked about with evidence only
    ask = supported or [(s, p) for s, p, _ in fitting if holders and worth_asking(q, p, holders)]
    return Match(None, "new", review=[Candidate(p, reason, round(s, 1)) for s, p in ask[:MAX_REVIEW_CANDIDATES]])


def hard_conflict(q: _Query, person_id: int) -> str | None:
    """What says the guest is someone else than this person: a different phone, gender or class
    year (each only when both sides are known)."""
    guest = q.guest
    theirs = q.index.phones.get(person_id)
    if guest.phone and theirs and guest.phone not in theirs and not any(
            same_exchange(guest.phone, phone) for phone in theirs):
        return "the phone differs"
    gender, class_year = q.index.traits.get(person_id, (None, None))
    if guest.gender and gender and guest.gender != gender:
        return "the gender differs"
    if guest.class_year and class_year and guest.class_year != class_year:
        return "the class year differs"
    return None


def name_doubt(q: _Query, person_id: int) -> str | None:
    """Why a name alone is not enough to take this person, or None. A person this guest list itself
    brought (new in this run) is doubted only as far as another holder of the name would be on the
    list too: a name met twice on one list, and not common there, is one person registering twice."""
    expected = q.index.expected_holders(*q.index.names[person_id])
    if person_id in q.same_list and person_id in q.index.created:  # met first on this very list
        expected *= min(1.0, len(q.same_list) / max(q.index.population, 1))
    if expected > COMMON_NAME_LIMIT:
        return f"the name is common ({expected:.1f} people expected to share it by chance)"
    theirs = q.index.phones.get(person_id)
    if q.guest.phone and theirs and q.guest.phone not in theirs:
        return "the phone differs"  # but only in its last four digits: worth asking
    return None


def same_exchange(a: str, b: str) -> bool:
    """Two E.164 numbers that differ only in their last four digits (one household or office, or a
    slip of the finger): not enough to call the guest someone else."""
    return len(a) == len(b) > 8 and a[:-4] == b[:-4]


def worth_asking(q: _Query, person_id: int, holders: int = 1) -> bool:
    """Whether an organiser should be asked: the name is rare enough that a namesake is unlikely."""
    return q.index.expected_holders(*q.index.names[person_id], holders) <= ASK_LIMIT


def shared_evidence(q: _Query, person_id: int) -> list[str]:
    """What, besides the name, says the guest is this person: a telling email local part, the
    same school, an earlier event with people on this list."""
    found = []
    mine = email_local_part(q.guest.email)
    if mine and any(local_parts_agree(mine, theirs, q.guest.first, q.guest.last)
                    for theirs in q.index.local_parts(person_id)):
        found.append("a close email local part")
    if q.guest.school and q.index.schools.get(person_id) == q.guest.school:
        found.append("the same school")
    if came_with(q, person_id) >= CO_ATTENDANCE_MIN:
        found.append("earlier events with people on this list")
    return found


def came_with(q: _Query, person_id: int) -> int:
    """How many people already found on this list came to an earlier event with the person."""
    together: set[int] = set()
    for event in q.index.events_of.get(person_id, ()):
        if event != q.event_id:
            together |= q.index.attendees[event] & q.same_list
    together.discard(person_id)
    return len(together)


def _one_word(q: _Query) -> Match:
    """A one-word name (or a last name without a first) is too little alone: only evidence takes
    a person who has that name."""
    word = q.guest.full_name
    holders = set(q.index.by_full_name.get(word, ()))
    if not q.guest.first:  # a missing first name: anyone of that last name
        holders |= {p for name in q.index.by_last_name.get(word, ())
                    for p in q.index.by_full_name[f"{name[0]} {name[1]}"]}
    supported = sorted(p for p in holders if not hard_conflict(q, p) and shared_evidence(q, p))
    if len(supported) == 1:
        return Match(supported[0], "name", 100.0)
    return Match(None, "new", review=[Candidate(p, "one word of the name matches", 100.0)
                                      for p in supported[:MAX_REVIEW_CANDIDATES]])


def _fuzzy(q: _Query, threshold: float) -> Match:
    scored = sorted(((score, p, doubt) for name, score, doubt in _scored_names(q.guest, q.index, threshold)
                     for p in q.index.by_full_name[f"{name[0]} {name[1]}"]), reverse=True)
    if not scored:
        return _loose(q)
    (best, person_id, doubt), rest = scored[0], scored[1:]
    if rest and best - rest[0][0] < CLEAR_WIN_MARGIN:
        return _among(q, scored, "fuzzy_name", "several people have a similar name")
    return _by_name(q, person_id, "fuzzy_name", round(best, 1), doubt)


def _scored_names(guest: Guest, index: PeopleIndex,
                  threshold: float) -> list[tuple[tuple[str, str], float, str | None]]:
    """Known names at least `threshold` alike to the guest's: those with the same last name, or a
    form of the same first name with a last name of the same initial and a length one typo away
    (which catches a typo in the last name); each with the doubt a loose fit carries."""
    names = set(index.by_last_name.get(guest.last, ()))
    initial, length = guest.last[0], len(guest.last)
    for form in name_forms(guest.first):
        for size in (length - 1, length, length + 1):
            names.update(index.by_first_and_initial.get((form, initial, size), ()))
    return _scored(names, guest, index, threshold)


def _scored(names: set[tuple[str, str]], guest: Guest, index: PeopleIndex,
            threshold: float) -> list[tuple[tuple[str, str], float, str | None]]:
    """The names that can be the guest's, scored with rapidfuzz in batches (one per way of
    writing the guest's name against them), those below `threshold` cut off."""
    by_query: dict[str, list[tuple[str, tuple[str, str], str | None]]] = defaultdict(list)
    for name in names:
        fit = _name_fit(guest, *name, index)
        if fit is not None:
            query, choice, doubt = fit
            by_query[query].append((choice, name, doubt))
    scored = []
    for query, fits in by_query.items():
        for _, score, at in process.extract(query, [choice for choice, _, _ in fits], scorer=fuzz.ratio,
                                            processor=None, score_cutoff=threshold, limit=None):
            scored.append((fits[at][1], score, fits[at][2]))
    return scored


def _name_fit(guest: Guest, first: str, last: str,
              index: PeopleIndex) -> tuple[str, str, str | None] | None:
    """How a known folded name is compared with the guest's (the two strings, a nickname counting
    as the same first name) and the doubt a loose fit carries; None for names that cannot be the
    same person's: first names like Mark and Mary, last names that are neither equal nor a typo of
    each other (Hunt and Hunter), and two spellings several people each hold (Johnson and
    Johnston, Bryan and Bryant: names of their own, where a typo is one person's slip)."""
    if not (first and last):
        return None
    last_typo = guest.last != last
    if last_typo and (not is_typo(guest.last, last)
                      or min(index.last_counts[guest.last], index.last_counts[last]) >= REAL_NAME_HOLDERS):
        return None
    if guest.first == first or same_first_name(guest.first, first):
        nickname_and_typo = last_typo and guest.first != first
        return (f"{first} {guest.last}", f"{first} {last}",
                "the first name is a nickname and the last name has a typo" if nickname_and_typo else None)
    if (not is_typo(guest.first, first) or not first_names_compatible(guest.first, first)
            or min(index.first_counts[guest.first], index.first_counts[first]) >= REAL_NAME_HOLDERS):
        return None
    return guest.full_name, f"{first} {last}", "both names have a typo" if last_typo else None


def _loose(q: _Query) -> Match:
    """Links a name alone would miss, taken only with evidence: first and last name swapped, short
    names with two letters swapped, typos in both names. The candidates: the swapped name, the
    short first name with two letters swapped back, and the people who share the guest's email
    local part when it is a handle of the guest's own."""
    guest, index = q.guest, q.index
    names = [f"{guest.last} {guest.first}"] + [f"{first} {guest.last}" for first in letter_swaps(guest.first)]
    candidates = {p for name in names for p in index.by_full_name.get(name, ())}
    local = email_local_part(guest.email)
    if is_handle(local, guest.first, guest.last):  # a name-built one finds only namesakes
        candidates |= {p for p in index.owners_of_local_part(local)
                       if loosely_same_name(guest, *index.names.get(p, ("", "")))}
    supported = sorted(p for p in candidates if not hard_conflict(q, p) and shared_evidence(q, p))
    if len(supported) == 1:
        return Match(supported[0], "fuzzy_name", None)
    return Match(None, "new")


def letter_swaps(word: str) -> list[str]:
    """A short word with two neighbouring letters swapped, each way but the first letter (Jno → Jon)."""
    if not SHORT_NAME_MIN <= len(word) < TYPO_MIN_LENGTH:
        return []
    return [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1)]


def loosely_same_name(guest: Guest, first: str, last: str) -> bool:
    """Names that may be one person's when evidence agrees: swapped, or each part equal, a
    nickname, a typo, or (short names) two letters swapped."""
    if (guest.first, guest.last) == (last, first):
        return True
    return _loose_part(guest.first, first, nickname=True) and _loose_part(guest.last, last)


def _loose_part(a: str, b: str, nickname: bool = False) -> bool:
    if a == b or (nickname and same_first_name(a, b)) or is_typo(a, b):
        return True
    return (min(len(a), len(b)) >= SHORT_NAME_MIN and len(a) == len(b) and a[:1] == b[:1]
            and OSA.distance(a, b) == 1 and sorted(a) == sorted(b))
