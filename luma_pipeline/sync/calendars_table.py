"""The calendars and event_calendars tables as sync writes them, deletion across calendars, the
hosts and organisation of events, and which calendar's key fetches an event's guest list."""
from __future__ import annotations

import json

from psycopg2.extras import execute_values

from ..config import Organisation
from .organisations import resolve_organisation


def save_calendar(conn, name: str, luma_calendar_id: str | None, result: str, synced: bool) -> int:
    """Upsert a calendar by name with its Luma id (when known) and last result; `synced` stamps
    last_synced_at. Returns its id."""
    with conn.cursor() as cur:
        cur.execute("""
            INSERT INTO calendars AS c (name, luma_calendar_id, last_result, last_synced_at)
            VALUES (%s, %s, %s, CASE WHEN %s THEN now() END)
            ON CONFLICT (name) DO UPDATE SET
                luma_calendar_id = coalesce(EXCLUDED.luma_calendar_id, c.luma_calendar_id),
                last_result = EXCLUDED.last_result,
                last_synced_at = coalesce(EXCLUDED.last_synced_at, c.last_synced_at)
            RETURNING id""", (name, luma_calendar_id, result, synced))
        return cur.fetchone()[0]


def save_links(conn, calendar_id: int, relations: dict[int, str]) -> None:
    """The events a calendar listed in a successful sync ({event id: relation}): linked, seen now."""
    with conn.cursor() as cur:
        execute_values(cur, """
            INSERT INTO event_calendars (event_id, calendar_id, relation) VALUES %s
            ON CONFLICT (event_id, calendar_id) DO UPDATE SET
                relation = EXCLUDED.relation, last_seen_at = now(), gone_at = NULL""",
                       [(event_id, calendar_id, kind) for event_id, kind in relations.items()])


def mark_links_gone(conn, calendar_id: int, listed: list[int]) -> int:
    """Links of a calendar to events its successful sync no longer listed: gone now. Returns how many."""
    with conn.cursor() as cur:
        cur.execute("""UPDATE event_calendars SET gone_at = now()
                       WHERE calendar_id = %s AND gone_at IS NULL AND NOT (event_id = ANY(%s))""",
                    (calendar_id, listed))
        return cur.rowcount


def live_link_count(conn, calendar_id: int) -> int:
    """How many events the calendar listed at its last successful sync."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM event_calendars WHERE calendar_id = %s AND gone_at IS NULL",
                    (calendar_id,))
        return cur.fetchone()[0]


def mark_source_deleted(conn) -> int:
    """Events no calendar lists any longer (every link gone) become `source_deleted` (never
    deleted); returns how many."""
    with conn.cursor() as cur:
        cur.execute("""
            UPDATE events e SET sync_status = 'source_deleted', updated_at = now()
            WHERE e.sync_status <> 'source_deleted'
              AND EXISTS (SELECT 1 FROM event_calendars l WHERE l.event_id = e.id)
              AND NOT EXISTS (SELECT 1 FROM event_calendars l
                              WHERE l.event_id = e.id AND l.gone_at IS NULL)""")
        return cur.rowcount


def managing_calendars(conn, event_ids: list[int]) -> dict[int, list[str]]:
    """Per event, the names of the calendars that manage it (as last listed), in name order."""
    with conn.cursor() as cur:
        cur.execute("""SELECT l.event_id, c.name FROM event_calendars l JOIN calendars c ON c.id = l.calendar_id
                       WHERE l.event_id = ANY(%s) AND l.relation = 'managed' AND l.gone_at IS NULL
                       ORDER BY c.name""", (event_ids,))
        found: dict[int, list[str]] = {}
        for event_id, name in cur:
            found.setdefault(event_id, []).append(name)
        return found


def events_without_hosts(conn, also: list[int]) -> list[tuple[int, str]]:
    """(id, Luma id) of live events whose hosts were never asked for, and of the events `also` names."""
    with conn.cursor() as cur:
        cur.execute("""SELECT id, luma_event_id FROM events
                       WHERE luma_event_id IS NOT NULL AND sync_status <> 'source_deleted'
                         AND (hosts_fetched_at IS NULL OR id = ANY(%s)) ORDER BY id""", (also,))
        return cur.fetchall()


def save_hosts(conn, hosts: dict[int, list[str]]) -> None:
    """The host emails Luma named for each event."""
    with conn.cursor() as cur:
        execute_values(cur, """UPDATE events e SET host_emails = v.hosts::jsonb, hosts_fetched_at = now()
                               FROM (VALUES %s) AS v (id, hosts) WHERE e.id = v.id""",
                       [(event_id, json.dumps(emails)) for event_id, emails in hosts.items()])


def resolve_organisations(conn, organisations: tuple[Organisation, ...]) -> int:
    """Work out every event's organisation again (hosts, managing calendars, ORGANISATIONS) and
    write those that differ; returns how many changed."""
    with conn.cursor() as cur:
        cur.execute("""SELECT id, coalesce(host_emails, '[]'::jsonb), organisation,
                              organisation_confidence, organisation_source
                       FROM events WHERE luma_event_id IS NOT NULL""")
        events = cur.fetchall()
    calendars = managing_calendars(conn, [e[0] for e in events])
    changed = []
    for event_id, hosts, *held in events:
        found = resolve_organisation(hosts, calendars.get(event_id, []), organisations)
        if tuple(found) != tuple(held):
            changed.append((event_id, *found))
    with conn.cursor() as cur:
        execute_values(cur, """UPDATE events e SET organisation = v.org, organisation_confidence = v.conf,
                                      organisation_source = v.src
                               FROM (VALUES %s) AS v (id, org, conf, src) WHERE e.id = v.id""",
                       changed, template="(%s::int, %s::text, %s::smallint, %s::text)")
    return len(changed)


def event_ids(conn, luma_ids: list[str]) -> dict[str, int]:
    """{Luma event id: events.id} of these events."""
    with conn.cursor() as cur:
        cur.execute("SELECT luma_event_id, id FROM events WHERE luma_event_id = ANY(%s)", (luma_ids,))
        return dict(cur.fetchall())
