"""The report's sections about several calendars: the per-calendar and per-organisation table, how
each calendar's last sync went, the events no organisation could be given, and the events Luma
changed in the last sync."""
from __future__ import annotations

import html

import pandas as pd

from ..logs import redact

NO_ORGANISATION_SHOWN = 50  # the list an organiser maps by hand; more are counted, not listed


def calendar_status(conn) -> list[tuple]:
    """(name, Luma calendar id, last synced, last result) of every calendar."""
    with conn.cursor() as cur:
        cur.execute("""SELECT name, luma_calendar_id,
                              to_char(last_synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), last_result
                       FROM calendars ORDER BY name""")
        return cur.fetchall()


def events_without_organisation(conn) -> list[tuple]:
    """(event, start date, why) of live events with no organisation, newest first."""
    with conn.cursor() as cur:
        cur.execute("""SELECT name, to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                              CASE WHEN organisation_source = 'conflict'
                                   THEN 'two organisations match equally' ELSE 'no host or calendar matches' END
                       FROM events WHERE organisation IS NULL AND luma_event_id IS NOT NULL
                         AND sync_status <> 'source_deleted'
                       ORDER BY start_at DESC, id DESC""")
        return cur.fetchall()


def changed_in_last_sync(conn) -> list[tuple]:
    """(event, field, old, new) of the changes the last sync found."""
    with conn.cursor() as cur:
        cur.execute("""SELECT e.name, c.field, c.old_value, c.new_value FROM event_changes c
                       JOIN events e ON e.id = c.event_id
                       WHERE c.changed_at >= (SELECT max(started_at) FROM run_log WHERE step = 'luma_sync')
                       ORDER BY e.start_at, e.id, c.id""")
        return cur.fetchall()


def sections(conn, groups: pd.DataFrame | None, several: bool, secrets: list[str]) -> str:
    """The HTML of every section that has something to say ('' when none has); the events with no
    organisation only with `several` calendars or organisations mapped."""
    parts = []
    if groups is not None and not groups.empty:
        parts.append(_table("Calendars and organisations", ["", "name", "events", "attendees",
                                                             "first-timers", "came back within the window %"],
                            [tuple(r) for r in groups.itertuples(index=False)]))
    status = calendar_status(conn)
    if len(status) > 1 or any(not (r[3] or "").startswith("ok") for r in status):
        parts.append(_table("Calendars synced", ["calendar", "Luma id", "last synced", "last result"],
                            [(*r[:3], redact(r[3] or "", secrets)) for r in status]))
    missing = events_without_organisation(conn) if several else []
    if missing:
        more = f"<p>… and {len(missing) - NO_ORGANISATION_SHOWN} more.</p>" if len(missing) > NO_ORGANISATION_SHOWN else ""
        parts.append(_table("Events with no organisation (map their hosts in ORGANISATIONS)",
                            ["event", "date", "why"], missing[:NO_ORGANISATION_SHOWN]) + more)
    changes = changed_in_last_sync(conn)
    if changes:
        parts.append(_table("Changed at Luma in the last sync", ["event", "field", "was", "now"], changes))
    return "\n".join(parts)


def _table(title: str, header: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<section><h2>{html.escape(title)}</h2>\n<div class=scroll><table><tr>{head}</tr>\n{body}\n"
            "</table></div></section>")  # scrolls sideways on a phone rather than overflowing


def _cell(value: object) -> str:
    return "—" if value is None or (isinstance(value, float) and pd.isna(value)) else html.escape(str(value))
