"""What review_people.py reads to show people: a card per person (names, emails, phones, school,
events), one person's events, merges and items, finding people by name, email or phone, and the
history of decisions."""
from __future__ import annotations

import re

from psycopg2 import sql
from psycopg2.extras import RealDictCursor

from ..importing.identity import fold_name, name_forms, normalize_email, normalize_phone
from .suggest import Someone

CARDS = """
SELECT p.id, concat_ws(' ', p.first_name, p.last_name) AS name, p.email, p.phone, p.gender,
       p.school, p.class_year, p.created_at,
       array(SELECT value FROM person_identifiers i WHERE i.person_id = p.id AND kind = 'email'
             ORDER BY created_at, value) AS emails,
       array(SELECT value FROM person_identifiers i WHERE i.person_id = p.id AND kind = 'phone'
             ORDER BY created_at, value) AS phones,
       (SELECT count(*) FROM attendance a WHERE a.person_id = p.id AND checked_in_at IS NOT NULL) AS attended,
       (SELECT count(*) FROM attendance a WHERE a.person_id = p.id) AS registered
FROM people p WHERE p.id = ANY(%s) ORDER BY p.id"""
MIN_PHONE_DIGITS = 7  # fewer digits is not a phone number someone searches by


def person_cards(conn, person_ids) -> dict[int, dict]:
    """Each person's card by id: name, every email and phone (the people row's first), school,
    events attended (checked in) and registered for."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute(CARDS, (list(person_ids),))
        cards = {r["id"]: dict(r) for r in cur.fetchall()}
    for card in cards.values():
        card["emails"] = _with_first(card.pop("email"), card["emails"])
        card["phones"] = _with_first(card.pop("phone"), card["phones"])
    return cards


def _with_first(first: str | None, rest: list[str]) -> list[str]:
    return ([first] if first else []) + [v for v in rest if v != first]


def person_events(conn, person_id: int) -> list[dict]:
    """A person's guest-list rows, oldest event first."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute("""SELECT e.id AS event_id, e.name, e.start_at, a.approval_status, a.checked_in_at,
                              a.match_method
                       FROM attendance a JOIN events e ON e.id = a.event_id
                       WHERE a.person_id = %s ORDER BY e.start_at NULLS LAST, e.id""", (person_id,))
        return cur.fetchall()


def person_items(conn, person_id: int) -> list[dict]:
    """Review items naming a person, open or settled."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute("""SELECT id AS item_id, person_id, candidate_person_id, reason, score, status,
                              decided_by FROM match_review
                       WHERE %s IN (person_id, candidate_person_id) ORDER BY id""", (person_id,))
        return cur.fetchall()


def find_people(conn, text: str, phone_region: str = "US") -> list[int]:
    """Ids of the people an email, a phone or a name points at, folded as the matcher folds them
    (case, accents, spacing; a phone in any format; Bob finds Robert)."""
    email = normalize_email(text)
    digits = len(re.sub(r"\D", "", text))
    phone = normalize_phone(text, phone_region) if digits >= MIN_PHONE_DIGITS else None
    with conn.cursor() as cur:
        if email or phone:
            kind, value = ("email", email) if email else ("phone", phone)
            cur.execute(sql.SQL("""SELECT person_id FROM person_identifiers WHERE kind = %s AND value = %s
                                   UNION SELECT id FROM people WHERE lower({}) = %s ORDER BY 1""").format(
                sql.Identifier(kind)), (kind, value, value))
            return [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id, first_name, last_name FROM people ORDER BY id")
        words = fold_name(text).split()
        found = [pid for pid, first, last in cur if words and _name_fits(words, first, last)]
        cur.execute("""SELECT DISTINCT person_id FROM person_identifiers
                       WHERE kind = 'email' AND split_part(value, '@', 1) = %s""", (text.strip().casefold(),))
        return sorted(set(found) | {r[0] for r in cur.fetchall()})


def _name_fits(words: list[str], first: str | None, last: str | None) -> bool:
    """Every searched word starts a word of the name, or is a nickname of its first name."""
    name = fold_name(f"{first or ''} {last or ''}").split()
    forms = name_forms(name[0]) if name else frozenset()
    return all(w in forms or any(n.startswith(w) for n in name) for w in words)


HISTORY = """
SELECT merged_at AS at, merged_by AS by, CASE WHEN review_id IS NULL THEN 'merge' ELSE 'accept' END
       AS action, id AS merge_id, review_id AS item_id, keep_person_id AS person_id,
       other_person_id, moved AS detail FROM person_merges
UNION ALL
SELECT undone_at, undone_by, 'undo', id, review_id, keep_person_id, other_person_id, moved
FROM person_merges WHERE undone_at IS NOT NULL
UNION ALL
SELECT decided_at, decided_by, 'reject', NULL, id, candidate_person_id, person_id, to_jsonb(reason)
FROM match_review WHERE status = 'rejected'
UNION ALL
SELECT created_at, queued_by, 'queue', NULL, id, candidate_person_id, person_id, to_jsonb(reason)
FROM match_review WHERE queued_by IS NOT NULL
ORDER BY 1, 4 NULLS LAST, 5"""


def history(conn, person_id: int | None = None) -> list[dict]:
    """Every decision, oldest first: merges (by hand or an accepted item), undos, rejections, items
    queued by hand; only those naming `person_id` when given."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute(HISTORY)
        rows = cur.fetchall()
    return [r for r in rows if person_id is None or person_id in (r["person_id"], r["other_person_id"])]


def everyone(conn) -> list:
    """Every person as suggest compares them: folded names, emails, phones, folded school."""
    with conn.cursor(name="everyone") as cur:
        cur.itersize = 20_000
        cur.execute("""SELECT p.id, p.first_name, p.last_name, p.school,
                              array_remove(array_append(array(SELECT value FROM person_identifiers i
                                  WHERE i.person_id = p.id AND kind = 'email'), lower(p.email)), NULL),
                              array_remove(array_append(array(SELECT value FROM person_identifiers i
                                  WHERE i.person_id = p.id AND kind = 'phone'), p.phone), NULL)
                       FROM people p ORDER BY p.id""")
        return [Someone(pid, fold_name(first), fold_name(last), frozenset(emails), frozenset(phones),
                        fold_name(school) or None)
                for pid, first, last, school, emails, phones in cur]
