"""Merging two people and undoing it: the person_merges log, with the rows as they were before each
merge, so that an undo puts back exactly what was there (same ids, same values)."""
from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extras import Json, RealDictCursor

from ..importing.people_table import PERSON_FIELDS, fill_blanks
from ..runner import UsageError
from .combine import combined_attendance, repointed_items

# The tables a merge rewrites itself, each with the key its rows are put back by.
KEYS = {"people": ("id",), "person_identifiers": ("kind", "value"), "attendance": ("id",),
        "match_review": ("id",)}


@dataclass
class Merge:
    """What one merge did (also what a dry run would do)."""

    id: int | None
    keep: int
    other: int
    moved: dict


def merge_people(conn, keep: int, other: int, who: str, review_id: int | None = None) -> Merge:
    """Merge OTHER into KEEP in the caller's transaction and log it; raises UsageError when either
    person is unknown or they are one person."""
    if keep == other:
        raise UsageError(f"person {keep} cannot be merged with themselves")
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        people = _lock_people(cur, keep, other)
        before = {"people": [people[keep]["row"], people[other]["row"]]}
        moved = {"fields_filled": [f for f in PERSON_FIELDS if people[keep]["row"].get(f) is None
                                   and people[other]["row"].get(f) is not None]}
        fill_blanks(conn, [{"id": keep, **{f: people[other]["row"].get(f) for f in PERSON_FIELDS}}])
        moved["identifiers"], before["person_identifiers"] = _move_identifiers(cur, keep, other)
        moved.update(_move_attendance(cur, keep, other, before))
        moved["review_items"], before["match_review"] = _repoint_items(cur, keep, other, who, review_id)
        before["elsewhere"] = _repoint_elsewhere(cur, keep, other)
        cur.execute("DELETE FROM people WHERE id = %s", (other,))
        cur.execute("""INSERT INTO person_merges (keep_person_id, other_person_id, review_id, merged_by,
                                                  moved, before)
                       VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
                    (keep, other, review_id, who, Json(moved), Json(before)))
        merge_id = cur.fetchone()["id"]
        cur.execute("UPDATE match_review SET merge_id = %s WHERE id = %s", (merge_id, review_id))
    return Merge(merge_id, keep, other, moved)


def _lock_people(cur, keep: int, other: int) -> dict[int, dict]:
    cur.execute("SELECT id, to_jsonb(p) AS row FROM people p WHERE id IN (%s, %s) FOR UPDATE",
                (keep, other))
    found = {r["id"]: r for r in cur.fetchall()}
    missing = [str(p) for p in (keep, other) if p not in found]
    if missing:
        raise UsageError(f"no person with id {', '.join(missing)}")
    return found


def _move_identifiers(cur, keep: int, other: int) -> tuple[int, list[dict]]:
    cur.execute("""SELECT to_jsonb(i) AS row FROM person_identifiers i WHERE person_id = %s
                   ORDER BY kind, value FOR UPDATE""", (other,))
    rows = [r["row"] for r in cur.fetchall()]
    cur.execute("UPDATE person_identifiers SET person_id = %s WHERE person_id = %s", (keep, other))
    return len(rows), rows


def _move_attendance(cur, keep: int, other: int, before: dict) -> dict:
    """OTHER's attendance to KEEP; a row of an event both have is combined into KEEP's row."""
    cur.execute("""SELECT a.*, to_jsonb(a) AS row FROM attendance a
                   WHERE person_id = %(other)s OR (person_id = %(keep)s AND event_id IN (
                       SELECT event_id FROM attendance WHERE person_id = %(other)s))
                   ORDER BY id FOR UPDATE""", {"keep": keep, "other": other})
    rows = cur.fetchall()
    before["attendance"] = [r.pop("row") for r in rows]
    keeps = {r["event_id"]: r for r in rows if r["person_id"] == keep}
    combined = 0
    for row in rows:
        if row["person_id"] == other and row["event_id"] in keeps:
            values = combined_attendance(keeps[row["event_id"]], row)
            cur.execute("DELETE FROM attendance WHERE id = %s", (row["id"],))
            _update_row(cur, keeps[row["event_id"]]["id"], values)
            combined += 1
    cur.execute("UPDATE attendance SET person_id = %s, updated_at = now() WHERE person_id = %s",
                (keep, other))
    return {"attendance_moved": cur.rowcount, "attendance_combined": combined}


def _update_row(cur, attendance_id: int, values: dict) -> None:
    values = {k: Json(v) if isinstance(v, (dict, list)) else v for k, v in values.items()}
    cur.execute(sql.SQL("UPDATE attendance SET {}, updated_at = now() WHERE id = %s").format(
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values)),
        [*values.values(), attendance_id])


def _repoint_items(cur, keep: int, other: int, who: str, review_id: int | None) -> tuple[int, list[dict]]:
    """Review items naming OTHER name KEEP; those the merge settles are closed (the accepted one
    is 'accepted'). Returns how many changed and their rows as they were."""
    cur.execute("""SELECT id, person_id, candidate_person_id, status, to_jsonb(r) AS row
                   FROM match_review r WHERE %(other)s IN (person_id, candidate_person_id)
                      OR (%(keep)s IN (person_id, candidate_person_id) AND status IN ('open', 'rejected'))
                   ORDER BY id FOR UPDATE""", {"keep": keep, "other": other})
    rows = cur.fetchall()
    mine = [r for r in rows if other in (r["person_id"], r["candidate_person_id"])]
    keeps = [frozenset((r["person_id"], r["candidate_person_id"])) for r in rows if r not in mine]
    statuses = [r["status"] for r in rows if r not in mine]
    items = repointed_items(mine, keep, other,
                            {p for p, s in zip(keeps, statuses) if s == "open"},
                            {p for p, s in zip(keeps, statuses) if s == "rejected"})
    for old, new in zip(mine, items):
        status = "accepted" if new["id"] == review_id else new["status"]
        settled = status != old["status"]
        cur.execute("""UPDATE match_review SET person_id = %s, candidate_person_id = %s, status = %s,
                              decided_by = CASE WHEN %s THEN %s ELSE decided_by END,
                              decided_at = CASE WHEN %s THEN now() ELSE decided_at END
                       WHERE id = %s""", (new["person_id"], new["candidate_person_id"], status,
                                          settled, who, settled, new["id"]))
    return len(mine), [r["row"] for r in mine]


def _repoint_elsewhere(cur, keep: int, other: int) -> dict:
    """Rows of other tables that point at OTHER (added by other steps) point at KEEP instead."""
    cur.execute("""
        SELECT c.conrelid::regclass::text AS tbl, a.attname AS col,
               (SELECT array_agg(k.attname ORDER BY k.attnum) FROM pg_index i
                JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY(i.indkey)
                WHERE i.indrelid = c.conrelid AND i.indisprimary) AS pk
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'people'::regclass
          AND cardinality(c.conkey) = 1 AND c.conrelid::regclass::text <> ALL(%s)""", (list(KEYS),))
    saved = {}
    for ref in cur.fetchall():
        if not ref["pk"]:
            raise UsageError(f"table {ref['tbl']} points at people but has no primary key to undo by")
        table, column = sql.Identifier(ref["tbl"]), sql.Identifier(ref["col"])
        cur.execute(sql.SQL("SELECT to_jsonb(t) AS row FROM {} t WHERE {} = %s FOR UPDATE").format(
            table, column), (other,))
        rows = [r["row"] for r in cur.fetchall()]
        cur.execute(sql.SQL("UPDATE {} SET {} = %s WHERE {} = %s").format(table, column, column),
                    (keep, other))
        if rows:
            saved[ref["tbl"]] = {"key": ref["pk"], "rows": rows}
    return saved


def undo_merge(conn, merge_id: int, who: str) -> Merge:
    """Put back what a merge changed, in the caller's transaction; raises UsageError for an unknown
    or undone merge, or one a later merge of the same people depends on."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        merge = _merge_to_undo(cur, merge_id)
        before = merge["before"]
        for table in KEYS:
            restore_rows(cur, table, KEYS[table], before[table])
        for table, saved in before.get("elsewhere", {}).items():
            restore_rows(cur, table, saved["key"], saved["rows"])
        cur.execute("UPDATE person_merges SET undone_by = %s, undone_at = now() WHERE id = %s",
                    (who, merge_id))
    return Merge(merge_id, merge["keep_person_id"], merge["other_person_id"], merge["moved"])


def _merge_to_undo(cur, merge_id: int) -> dict:
    cur.execute("SELECT * FROM person_merges WHERE id = %s FOR UPDATE", (merge_id,))
    merge = cur.fetchone()
    if merge is None:
        raise UsageError(f"no merge with id {merge_id} (see: review_people.py history)")
    if merge["undone_at"] is not None:
        raise UsageError(f"merge {merge_id} was already undone on {merge['undone_at']:%Y-%m-%d %H:%M} "
                         f"by {merge['undone_by']}")
    cur.execute("""SELECT id FROM person_merges WHERE id > %(id)s AND undone_at IS NULL
                     AND (keep_person_id IN (%(k)s, %(o)s) OR other_person_id IN (%(k)s, %(o)s))
                   ORDER BY id DESC LIMIT 1""",
                {"id": merge_id, "k": merge["keep_person_id"], "o": merge["other_person_id"]})
    later = cur.fetchone()
    if later:
        raise UsageError(f"merge {later['id']} came later and involves the same people: undo it first")
    return merge


def restore_rows(cur, table: str, key: tuple[str, ...] | list[str], rows: list[dict]) -> None:
    """Put rows back as they were (saved with to_jsonb): inserted when gone, overwritten when there."""
    if not rows:
        return
    columns = [sql.Identifier(c) for c in rows[0]]
    updates = [sql.SQL("{} = EXCLUDED.{}").format(c, c) for c in columns
               if c.string not in key]
    cur.execute(sql.SQL("""
        INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s)
        ON CONFLICT ({key}) DO UPDATE SET {updates}""").format(
        table=sql.Identifier(table), columns=sql.SQL(", ").join(columns),
        key=sql.SQL(", ").join(map(sql.Identifier, key)), updates=sql.SQL(", ").join(updates)),
        (Json(rows),))
