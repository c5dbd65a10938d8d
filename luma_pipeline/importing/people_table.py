"""The people and person_identifiers tables: write what a staged guest list brings (new people,
their fields by the snapshot rule, new identifiers)."""
from __future__ import annotations

from datetime import datetime

from psycopg2.extras import execute_values

from .snapshots import EARLIEST, given_snapshots, merged_snapshots, merged_value, takes_incoming

# A person's fields; those after `phone` come from registration answers (demographics.py).
PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "gender", "school", "class_year", "school_raw")
ANSWERED_FIELDS = PERSON_FIELDS[4:]
_FIELD_TYPES = {"class_year": "int"}
STAGED_PEOPLE_COLUMNS = {"person_id": "int", **{f: _FIELD_TYPES.get(f, "text") for f in PERSON_FIELDS}}
STAGED_IDENTIFIER_COLUMNS = {"kind": "text", "value": "text", "person_id": "int"}


def give_new_people_ids(conn, exported_at: datetime, dry_run: bool) -> dict[int, int]:
    """Give the people a staged guest list found new their rows (their fields as the snapshot
    gives them) and ids, one id each and only now that the whole file has been read (a dry run
    keeps their local ids: it is rolled back). The staged rows then point at the new ids; returns
    local id → id."""
    new_id = "local_id" if dry_run else "nextval(pg_get_serial_sequence('people', 'id'))"
    with conn.cursor() as cur:
        cur.execute(f"""
            CREATE TEMP TABLE new_people ON COMMIT DROP AS
            SELECT local_id, {new_id} AS id FROM (
                SELECT DISTINCT person_id AS local_id FROM staged_people WHERE person_id < 0
                ORDER BY 1 DESC) AS s""")
        cur.execute(f"""
            INSERT INTO people (id, {", ".join(PERSON_FIELDS)}, field_snapshots)
            SELECT n.id, {", ".join(f"i.{f}" for f in PERSON_FIELDS)},
                   NULLIF({given_snapshots(PERSON_FIELDS, "i")}, '{{}}')
            FROM new_people n JOIN ({_incoming("person_id < 0")}) AS i ON i.person_id = n.local_id""",
                    {"exported_at": exported_at})
        if not dry_run:
            for table in ("staged_people", "staged_guests", "staged_identifiers"):
                cur.execute(f"UPDATE {table} AS s SET person_id = n.id FROM new_people n "
                            "WHERE s.person_id = n.local_id")
        cur.execute("SELECT local_id, id FROM new_people")
        return dict(cur.fetchall())


def _incoming(where: str) -> str:
    """SQL: the staged people (those `where` says) as one row each, with the snapshot's time; of
    one file's rows of one person, the smallest value."""
    return (f"SELECT person_id, %(exported_at)s::timestamptz AS snapshot_at, "
            f"{', '.join(f'min({f}) AS {f}' for f in PERSON_FIELDS)} "
            f"FROM staged_people WHERE {where} GROUP BY person_id")


def merge_person_fields(conn, exported_at: datetime) -> int:
    """Merge the staged people's fields into people by the snapshot rule (snapshots.py): a person
    stays as the earliest export wrote them down, later ones fill blanks; of one file's rows of one
    person, the smallest value. People new in this file hold their fields already. Returns how
    many people changed."""
    sets = ", ".join(f"{f} = {merged_value(f, 'p', 'i', EARLIEST)}" for f in PERSON_FIELDS)
    changes = " OR ".join(takes_incoming(f, "p", "i", EARLIEST) for f in PERSON_FIELDS)
    snapshots = merged_snapshots(PERSON_FIELDS, "p", "i", EARLIEST)
    with conn.cursor() as cur:
        cur.execute(f"""
            UPDATE people AS p
            SET {sets}, field_snapshots = {snapshots}, updated_at = now()
            FROM ({_incoming("person_id NOT IN (SELECT id FROM new_people)")}) AS i
            WHERE p.id = i.person_id AND ({changes})""", {"exported_at": exported_at})
        return cur.rowcount


def insert_staged_identifiers(conn) -> int:
    """Attach the staged identifiers to their people; one already attached is left as it is."""
    with conn.cursor() as cur:
        cur.execute("""
            INSERT INTO person_identifiers (kind, value, person_id)
            SELECT kind, value, person_id FROM staged_identifiers
            ON CONFLICT (kind, value) DO NOTHING""")
        return cur.rowcount


def fill_blanks(conn, updates: list[dict]) -> int:
    """Give people the values they lack (a blank never overwrites a value), e.g. when two people
    are merged by hand; return how many people gained something."""
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
