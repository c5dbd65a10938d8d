"""The part of the community one guest list can be matched against, read batch by batch: the cost
of a file grows with its rows, not with the people known.

For a batch of guests it reads who owns their emails, phones and Luma user ids, and the events
those owners came to (an identifier settles its guest: the cascade needs its owner's id, and the
events for co-attendance evidence, not the owner's name); for the guests those do not settle, the
people whose names the cascade (matching.py) can reach: the same full
name; else the same last name with a form or a typo of the first name, a form of the first name
with a last name of the same initial and about the same length, the name swapped, two letters of a
short first name swapped, the owners of the email's handle. Names are found by their keys
(schema.sql's name_key, twin of identity.name_key): two names folded alike share a key, so a key
lookup reads every person the in-memory rule could consult, and perhaps a few more, which is
harmless. Of each person a name reaches: names, traits, school, identifiers and the events they came to;
and, for every name met, how many people of the whole community carry it. The cascade then gives
the answers it would give over an index of everyone."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..database import copy_rows, create_temp_table
from .identity import email_local_part, fold_name, is_handle, is_typo, name_forms, name_key
from .matching import TYPO_MIN_LENGTH, Guest, PeopleIndex, letter_swaps

_PERSON_COLUMNS = "p.id, p.first_name, p.last_name, p.gender, p.class_year, p.school"
_FULL_KEY = "name_key(p.first_name) || name_key(p.last_name)"


@dataclass
class Community:
    """One file's reading of the community: the index matching uses, and what has been read."""

    conn: object
    index: PeopleIndex
    people_read: set[int] = field(default_factory=set)  # read whole: names, traits, identifiers
    events_read: set[int] = field(default_factory=set)  # people whose events are read
    full_keys_read: set[str] = field(default_factory=set)  # every holder of these full names is read
    counted: dict[str, set[str]] = field(default_factory=lambda: {"first": set(), "last": set()})


def open_community(conn, by_name_match: set[tuple[str, str]]) -> Community:
    """An empty reading of the community, knowing how many people it has. `by_name_match` is the
    run's set of identifiers a name match attached (matching.py), shared by its files."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM people")
        population = cur.fetchone()[0]
    return Community(conn, PeopleIndex(population=population, by_name_match=by_name_match))


def read_for(community: Community, guests: list[Guest], known: Iterable[int] = ()) -> None:
    """Read what matching these guests can consult; `known` are people the batch already names
    (an earlier snapshot's guests of this event)."""
    index = community.index
    with community.conn.cursor() as cur:
        owners = _identifier_owners(cur, guests)
        for kind, value, person_id in owners:
            index.note_owner(kind, value, person_id)
        _read_events(community, cur, {person_id for _, _, person_id in owners} | set(known))
        _read_people(community, cur, {person_id for kind, value, person_id in owners
                                       if (kind, value) in index.by_name_match})
        unsettled = [g for g in guests if g.full_name and not _settled(index, g)]
        named = _holders(community, cur, {full_name_key(g.first, g.last) for g in unsettled})
        _read_people(community, cur, {row[0] for row in named}, named)
        loose, typo_keys = _by_loose_name(cur, [g for g in unsettled  # the cascade stops at a holder
                                                if not g.first or not index.by_full_name.get(g.full_name)])
        loose += _holders(community, cur, {_full_key(row) for row in loose} | typo_keys)
        _read_people(community, cur, {row[0] for row in loose}, loose)
        named += loose
        _count_names(community, cur, "first", {g.first for g in unsettled} | {fold_name(r[1]) for r in named})
        _count_names(community, cur, "last", {g.last for g in unsettled} | {fold_name(r[2]) for r in named})


def _holders(community: Community, cur, full_keys: set[str]) -> list[tuple]:
    """Every person of these full-name keys not asked for before: by_full_name stays whole."""
    keys = sorted(full_keys - community.full_keys_read)
    community.full_keys_read.update(keys)
    if not keys:
        return []
    cur.execute(_by_key(_FULL_KEY, "%s"), [keys])
    return cur.fetchall()


def _by_key(key: str, keys: str, columns: str = _PERSON_COLUMNS) -> str:
    """SQL: `columns` of the people whose name key `key` is in the array `keys`, one index probe
    per key. Not knowing what a key costs to compute, the planner would compute it for everyone
    (a scan of the community) as soon as the keys are many: OFFSET 0 keeps each lookup a probe."""
    return (f"SELECT {columns} FROM unnest({keys}::text[]) AS q (key), "
            f"LATERAL (SELECT {columns} FROM people p WHERE {key} = q.key OFFSET 0) AS p")


def full_name_key(first: object, last: object) -> str:
    """The name key of a full name (_FULL_KEY): folding goes a character at a time, so it is the
    keys of its parts end to end, each computed once however many names it is part of."""
    return name_key(first) + name_key(last)


def _full_key(row: tuple) -> str:
    return full_name_key(row[1], row[2])


def _settled(index: PeopleIndex, guest: Guest) -> bool:
    """Whether an identifier of the guest surely finds its owner (matching.fits_identifier)."""
    return any(index.owner(kind, value) is not None and (kind, value) not in index.by_name_match
               for kind, value in _identifiers(guest))


def _identifiers(guest: Guest) -> list[tuple[str, str]]:
    """The identifiers the guest gave, as (kind, value)."""
    return [(kind, value) for kind, value in guest.identifiers if value]


def _identifier_owners(cur, guests: list[Guest]) -> list[tuple[str, str, int]]:
    """(kind, value, owner) of the guests' identifiers that someone owns: the identifiers are
    COPYed into a temporary table, then each is one probe of the identifiers' primary key
    (OFFSET 0: with thousands of them the planner would rather scan every identifier)."""
    asked = {identifier for g in guests for identifier in _identifiers(g)}
    if not asked:
        return []
    create_temp_table(cur, "asked_identifiers", {"kind": "text", "value": "text"})
    copy_rows(cur, "asked_identifiers", ["kind", "value"], asked)
    cur.execute("SELECT i.* FROM asked_identifiers AS q, "
                "LATERAL (SELECT kind, value, person_id FROM person_identifiers i "
                "WHERE i.kind = q.kind AND i.value = q.value OFFSET 0) AS i")
    owners = cur.fetchall()
    cur.execute("DROP TABLE asked_identifiers")
    return owners


def _by_loose_name(cur, guests: list[Guest]) -> tuple[list[tuple], set[str]]:
    """What the fuzzy and loose rules can reach from these guests, who have no holder of their
    full name (matching._fuzzy, _loose, _one_word): people rows, and the full-name keys of the
    names one typo away (their holders are read whole)."""
    keys = _LooseKeys()
    for guest in guests:
        keys.add(guest)
    if keys.empty():
        return [], set()
    arguments = keys.arguments()
    cur.execute(f"""
        {_typo_branch("last_name", "first_name", "first_typos")}
        UNION {_typo_branch("first_name", "last_name", "last_typos")}""", arguments)
    typo_keys = {full_name_key(first, last) for first, last, typo, target in cur.fetchall()
                 if is_typo(target, fold_name(first if typo == "first_name" else last))}
    cur.execute(f"""
        {_by_key(_FULL_KEY, "%(full)s")}
        UNION {_by_key("name_key(p.last_name)", "%(last)s")}
        UNION SELECT {_PERSON_COLUMNS} FROM people p WHERE p.id IN (
            SELECT person_id FROM person_identifiers
            WHERE kind = 'email' AND email_local_part(value) = ANY(%(handles)s))""", arguments)
    return cur.fetchall(), typo_keys


def _typo_branch(by: str, typo: str, name: str) -> str:
    """The names (first, last) of a name key `by` whose other name has a given initial and a key
    length in a range (people_*_name_keys_idx), each with the name it may be a typo of (`target`);
    a typo that starts with a digit has no initial to look up by."""
    return f"""
        SELECT p.first_name, p.last_name, '{typo}', q.target FROM people p
        JOIN unnest(%({name}_key)s::text[], %({name}_initial)s::text[], %({name}_length)s::int[],
                    %({name}_target)s::text[]) AS q (key, initial, length, target)
          ON name_key(p.{by}) = q.key AND left(name_key(p.{typo}), 1) = q.initial
         AND length(name_key(p.{typo})) BETWEEN q.length - 1 AND q.length + 1
        UNION
        SELECT p.first_name, p.last_name, '{typo}', q.target FROM people p
        JOIN unnest(%({name}_digit_key)s::text[], %({name}_digit_length)s::int[],
                    %({name}_digit_target)s::text[]) AS q (key, length, target)
          ON name_key(p.{by}) = q.key
         AND length(name_key(p.{typo})) BETWEEN q.length - 1 AND q.length + 1"""


@dataclass
class _LooseKeys:
    """The name keys of _by_loose_name's lookups, each asked once. A typo (identity.is_typo) is
    one edit in a name of 5 letters or more, keeping its first letter: the typo's key keeps that
    letter and is at most one letter longer or shorter."""

    # (last, the first name's initial, its key's length, the first name)
    first_typos: set[tuple[str, str, int, str]] = field(default_factory=set)
    # (a form of the first name, the last name's initial, its key's length, the last name)
    last_typos: set[tuple[str, str, int, str]] = field(default_factory=set)
    full: set[str] = field(default_factory=set)  # a form of the first name with the last, swaps
    last: set[str] = field(default_factory=set)  # a last name without a first: anyone of it
    handles: set[str] = field(default_factory=set)  # email local parts of one's own

    def add(self, guest: Guest) -> None:
        """The keys one guest's fuzzy and loose lookups need."""
        first, last = guest.first, guest.last
        if not first:
            self.last.add(name_key(last))
            return
        if not last:
            return  # one word: only its holders (read by the full name)
        for form in name_forms(first):
            self.full.add(full_name_key(form, last))
            if len(last) >= TYPO_MIN_LENGTH:
                self.last_typos.add((name_key(form), last[0], len(name_key(last)), last))
        if len(first) >= TYPO_MIN_LENGTH:
            self.first_typos.add((name_key(last), first[0], len(name_key(first)), first))
        swapped = [(last, first)] + [(swap, last) for swap in letter_swaps(first)]
        self.full.update(full_name_key(a, b) for a, b in swapped)
        local = email_local_part(guest.email)
        if is_handle(local, first, last):
            self.handles.add(local)

    def empty(self) -> bool:
        """Whether no lookup is needed."""
        return not any(vars(self).values())

    def arguments(self) -> dict[str, list]:
        """The query's arrays (a typo whose name starts with a digit goes in the `digit` arrays)."""
        arguments = {"full": sorted(self.full), "last": sorted(self.last), "handles": sorted(self.handles)}
        for name in ("first_typos", "last_typos"):
            typos = sorted(getattr(self, name))
            lettered = [t for t in typos if _initial(t[1])]
            digits = [t for t in typos if not _initial(t[1])]
            arguments |= _columns(name, ("key", "initial", "length", "target"), lettered)
            arguments |= _columns(f"{name}_digit", ("key", None, "length", "target"), digits)
        return arguments


def _columns(prefix: str, names: tuple, tuples: list[tuple]) -> dict[str, list]:
    """Tuples as one array per named position (`prefix_name`); a position named None is left out."""
    return {f"{prefix}_{name}": [t[i] for t in tuples] for i, name in enumerate(names) if name}


def _initial(folded: str) -> str | None:
    """A folded name's first letter as its key starts with it; None when it starts with a digit."""
    return folded[0] if folded[:1].isalpha() and folded[:1].isascii() else None


def _read_people(community: Community, cur, people: set[int], rows: list[tuple] = ()) -> None:
    """Place people not read yet in the index, with their identifiers and the events they came
    to; `rows` may already hold their people rows."""
    new = people - community.people_read
    if not new:
        return
    rows = [row for row in rows if row[0] in new]
    missing = sorted(new - {row[0] for row in rows})
    if missing:
        cur.execute(f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.id = ANY(%s)", [missing])
        rows += cur.fetchall()
    index, ids, names = community.index, sorted(new), set()
    for person_id, first, last, gender, class_year, school in sorted(rows, key=lambda row: row[0]):
        if person_id in new:
            first, last = fold_name(first), fold_name(last)
            index.place_person(person_id, first, last, gender, class_year, fold_name(school) or None)
            new.discard(person_id)
            names.add(f"{first} {last}".strip())
    for name in names:  # each name's holders put in order once, however many were read
        _in_order(index.by_full_name.get(name))
    community.people_read.update(ids)
    cur.execute("SELECT kind, value, person_id FROM person_identifiers WHERE person_id = ANY(%s) "
                "ORDER BY created_at", [ids])
    for kind, value, person_id in cur.fetchall():
        index.add_identifier(kind, value, person_id)
    _read_events(community, cur, set(ids))


def _read_events(community: Community, cur, people: set[int]) -> None:
    """Add the events these people came to, for those whose events are not read yet."""
    ids = sorted(people - community.events_read)
    if not ids:
        return
    community.events_read.update(ids)
    cur.execute("SELECT event_id, person_id FROM attendance WHERE checked_in_at IS NOT NULL "
                "AND person_id = ANY(%s)", [ids])
    for event_id, person_id in cur.fetchall():
        community.index.add_attendance(event_id, person_id)


def _count_names(community: Community, cur, part: str, names: set[str]) -> None:
    """Add how many people of the community carry each first (or last) name not counted yet.
    Every name of one key is counted at once: a key once asked is complete."""
    keys = sorted({name_key(name) for name in names} - community.counted[part])
    if not keys:
        return
    column = "first_name" if part == "first" else "last_name"
    cur.execute(f"SELECT {column}, count(*) FROM ({_by_key(f'name_key(p.{column})', '%s', f'p.{column}')}) AS named "
                f"GROUP BY {column}", [keys])
    counts = community.index.first_counts if part == "first" else community.index.last_counts
    for name, holders in cur.fetchall():
        counts[fold_name(name)] += holders
    community.counted[part].update(keys)


def _in_order(holders: list[int] | None) -> None:
    """Holders of a name as an index of everyone lists them: the community's by id, then the
    file's new people as they came."""
    if holders and len(holders) > 1:
        holders.sort(key=lambda person_id: (person_id < 0, abs(person_id)))
