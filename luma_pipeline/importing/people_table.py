"""The people and person_identifiers tables: load what matching needs, save what it found."""
from __future__ import annotations

from psycopg2.extras import execute_values

from .identity import fold_name
from .matching import PeopleIndex

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "gender", "school", "class_year", "school_raw")
_FIELD_TYPES = {"class_year": "int"}


def load_people_index(conn) -> PeopleIndex:
    """Every person's folded name and every identifier, in two queries."""
    index = PeopleIndex()
    with conn.cursor(name="people_names") as cur:  # server-side: 100,000 rows stream in pages
        cur.itersize = 20_000
        lacking = " + ".join(f"({f} IS NULL)::int * {1 << i}" for i, f in enumerate(PERSON_FIELDS))
        cur.execute(f"SELECT id, first_name, last_name, gender, class_year, {lacking} FROM people")
        for person_id, first, last, gender, class_year, blanks in cur:
            index.add_person(person_id, fold_name(first), fold_name(last), gender, class_year)
            if blanks:
                index.lacking[person_id] = blanks
    with conn.cursor(name="people_identifiers") as cur:
        cur.itersize = 50_000
        cur.execute("SELECT kind, value, person_id FROM person_identifiers ORDER BY created_at")
        for kind, value, person_id in cur:
            index.add_identifier(kind, value, person_id)
    return index


def allocate_person_ids(conn, count: int) -> list[int]:
    """Reserve ids for new people in one round trip (matching needs them before the insert)."""
    if count == 0:
        return []
    with conn.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('people', 'id')) "
                    "FROM generate_series(1, %s)", (count,))
        return [person_id for (person_id,) in cur.fetchall()]


def insert_people(conn, people: list[dict]) -> None:
    """Insert new people, each a dict with `id` and PERSON_FIELDS."""
    columns = ("id",) + PERSON_FIELDS
    with conn.cursor() as cur:
        execute_values(cur, f"INSERT INTO people ({', '.join(columns)}) VALUES %s",
                       [tuple(p.get(c) for c in columns) for p in people], page_size=1000)


def note_blanks(index: PeopleIndex, person_id: int, values: dict) -> None:
    """Remember which fields a new person still lacks, so a later row can fill them."""
    blanks = sum(1 << i for i, f in enumerate(PERSON_FIELDS) if values.get(f) is None)
    if blanks:
        index.lacking[person_id] = blanks


def fills_needed(index: PeopleIndex, person_id: int, values: dict) -> bool:
    """Whether `values` hold something the known person lacks (and note it as no longer lacking)."""
    lacking = index.lacking.get(person_id, 0)
    given = sum(1 << i for i, f in enumerate(PERSON_FIELDS) if values.get(f) is not None)
    if not lacking & given:
        return False
    index.lacking[person_id] = lacking & ~given
    return True


def fill_blanks(conn, updates: list[dict]) -> int:
    """Give known people the values they lack (a blank never overwrites a value); return how many
    people gained something."""
    if not updates:
        return 0
    template = "(%s::int, " + ", ".join(f"%s::{_FIELD_TYPES.get(f, 'text')}" for f in PERSON_FIELDS) + ")"
    sets = ", ".join(f"{f} = COALESCE(p.{f}, v.{f})" for f in PERSON_FIELDS)
    gains = " OR ".join(f"(p.{f} IS NULL AND v.{f} IS NOT NULL)" for f in PERSON_FIELDS)
    with conn.cursor() as cur:
        gained = execute_values(cur, f"""
            UPDATE people AS p SET {sets}, updated_at = now()
            FROM (VALUES %s) AS v (id, {', '.join(PERSON_FIELDS)})
            WHERE p.id = v.id AND ({gains})
            RETURNING 1""", [(u["id"],) + tuple(u.get(f) for f in PERSON_FIELDS) for u in updates],
                                template=template, page_size=1000, fetch=True)
        return len(gained)


def insert_identifiers(conn, identifiers: list[tuple[str, str, int]]) -> int:
    """Attach (kind, value, person id) identifiers; one already attached is left as it is."""
    if not identifiers:
        return 0
    with conn.cursor() as cur:
        rows = execute_values(cur, """
            INSERT INTO person_identifiers (kind, value, person_id) VALUES %s
            ON CONFLICT (kind, value) DO NOTHING RETURNING 1""", identifiers, page_size=1000, fetch=True)
        return len(rows)
