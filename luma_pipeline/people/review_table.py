"""The review queue as review_people.py reads and settles it: open items, most consequential first;
an item accepted (merged) or rejected (kept apart), once. Items are added by the importer
(importing/attendance_table.queue_for_review), the one place that writes new ones."""
from __future__ import annotations

from psycopg2.extras import RealDictCursor

from ..runner import UsageError

OPEN_ITEMS = """
SELECT r.id AS item_id, r.person_id, r.candidate_person_id, r.reason, r.score, e.name AS event,
       r.source_file, r.created_at,
       (SELECT count(DISTINCT a.event_id) FROM attendance a
        WHERE a.person_id IN (r.person_id, r.candidate_person_id)) AS events_involved
FROM match_review r LEFT JOIN events e ON e.id = r.event_id
WHERE r.status = 'open'
ORDER BY events_involved DESC, r.score DESC NULLS LAST, r.id
LIMIT %s"""


def open_items(conn, limit: int | None = None) -> list[dict]:
    """Open review items, most consequential first: the most events involved (both people's),
    then the highest score, then the oldest item."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute(OPEN_ITEMS, (limit,))
        return cur.fetchall()


def count_open(conn) -> int:
    """How many review items are open."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM match_review WHERE status = 'open'")
        return cur.fetchone()[0]


def item_to_settle(conn, item_id: int) -> dict:
    """An open item, locked; raises UsageError for an unknown or already settled one."""
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute("SELECT * FROM match_review WHERE id = %s FOR UPDATE", (item_id,))
        item = cur.fetchone()
    if item is None:
        raise UsageError(f"no review item with id {item_id} (see: review_people.py queue)")
    if item["status"] != "open":
        by = f" by {item['decided_by']}" if item["decided_by"] else ""
        raise UsageError(f"review item {item_id} is already settled ({item['status']}{by})")
    return item


def reject_item(conn, item: dict, who: str) -> int:
    """Record that the item's two people are not the same person; close other open items of the
    same pair. Returns how many items it settled."""
    with conn.cursor() as cur:
        cur.execute("""UPDATE match_review SET status = CASE WHEN id = %(id)s THEN 'rejected' ELSE 'closed' END,
                              decided_by = %(who)s, decided_at = now()
                       WHERE id = %(id)s OR (status = 'open'
                             AND least(person_id, candidate_person_id) = least(%(a)s, %(b)s)
                             AND greatest(person_id, candidate_person_id) = greatest(%(a)s, %(b)s))""",
                    {"id": item["id"], "who": who, "a": item["person_id"], "b": item["candidate_person_id"]})
        return cur.rowcount


def kept_apart(conn) -> set[frozenset]:
    """Every pair of people an organiser said are not the same person."""
    with conn.cursor() as cur:
        cur.execute("""SELECT DISTINCT person_id, candidate_person_id FROM match_review
                       WHERE status = 'rejected' AND person_id <> candidate_person_id""")
        return {frozenset(pair) for pair in cur.fetchall()}


def open_pairs(conn) -> set[frozenset]:
    """Every pair of people an open item asks about."""
    with conn.cursor() as cur:
        cur.execute("SELECT person_id, candidate_person_id FROM match_review WHERE status = 'open'")
        return {frozenset(pair) for pair in cur.fetchall()}
