"""Step 1: Luma's events into the events table, and settled events' guest lists into CSV files."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from ..luma.api import LumaAuthError, LumaClient, LumaError
from ..luma.entries import event_to_row, first_id, guest_from_entry, unwrap
from ..luma.guest_csv import guest_csv_name, pending_csvs, write_guest_csv
from ..runner import StepContext, StepResult, print_path
from .events_table import (
    EventCounts,
    EventToFetch,
    events_awaiting_guests,
    live_event_count,
    mark_guest_lists_empty,
    mark_source_deleted,
    save_event_tags,
    upsert_events,
)

log = logging.getLogger(__name__)


@dataclass
class GuestListCounts:
    """What one sync did with guest lists."""

    written: int = 0
    guests: int = 0
    already_pending: int = 0
    failed: int = 0
    empty: int = 0  # events whose guest list at Luma is empty: no file written


def sync(ctx: StepContext, full_refresh: bool = False) -> StepResult:
    """Run the whole sync step; the caller holds the lock and owns the connection."""
    client = LumaClient.from_settings(ctx.settings)
    try:
        events = EventCounts()
        rows = events_to_rows(client.fetch_events(), ctx.settings.tag_categories, events)
        now = datetime.now(timezone.utc)
        save_events(ctx.conn, rows, events)
        to_fetch = events_awaiting_guests(ctx.conn, now, ctx.settings.settle_hours, full_refresh)
        ctx.conn.rollback() if ctx.dry_run else ctx.conn.commit()
        guest_lists = GuestListCounts()
        empty = [event.id for event in to_fetch
                 if fetch_guest_list(client, event, ctx.settings.csv_dir, now, guest_lists,
                                     dry_run=ctx.dry_run, replace_pending=full_refresh)]
        if empty and not ctx.dry_run:
            mark_guest_lists_empty(ctx.conn, empty, now)
            ctx.conn.commit()
        counts = {"events": asdict(events), "guest_lists": asdict(guest_lists),
                  "requests": client.requests_made}
        return StepResult(summary_line(events, guest_lists, client.requests_made), counts,
                          failed=guest_lists.failed > 0)
    finally:
        client.close()


def events_to_rows(entries: Iterable[Mapping], tag_categories: Mapping[str, str],
                   counts: EventCounts) -> list[dict]:
    """Every event entry as a row, skipping (and counting) entries that cannot be read."""
    rows: dict[str, dict] = {}
    for entry in entries:
        counts.fetched += 1
        try:
            row = event_to_row(entry, tag_categories)
        except (ValueError, TypeError, AttributeError) as exc:
            counts.skipped += 1
            log.warning("skipping event %s: %s", first_id(unwrap(entry, "event"), entry)
                        if isinstance(entry, Mapping) else repr(entry)[:80], exc)
            continue
        rows[row["luma_event_id"]] = row  # Luma listing one event twice: the later entry wins
    return list(rows.values())


def save_events(conn, rows: list[dict], counts: EventCounts) -> None:
    """Upsert the events and mark the ones Luma no longer lists (in the caller's transaction)."""
    upsert_events(conn, rows, counts)
    save_event_tags(conn, rows)
    known = 0 if rows or counts.skipped else live_event_count(conn)
    if known:
        log.warning("Luma listed no events at all; not marking the %d known events as deleted "
                    "(check that LUMA_API_KEY belongs to the right calendar)", known)
        return
    if counts.skipped:
        log.warning("%d event(s) could not be read; not marking missing events as deleted this run",
                    counts.skipped)
        return
    counts.deleted = mark_source_deleted(conn, [row["luma_event_id"] for row in rows])


def fetch_guest_list(client: LumaClient, event: EventToFetch, csv_dir: Path, now: datetime,
                     counts: GuestListCounts, *, dry_run: bool, replace_pending: bool) -> bool:
    """Fetch one event's guests and write them as one CSV; a failure is logged and counted.
    Returns True when Luma's guest list is empty: no file is written (an empty file would say
    nothing, and the organiser's own export of the event is the one to import)."""
    pending = pending_csvs(csv_dir, event.luma_event_id)
    if pending and not replace_pending:
        counts.already_pending += 1
        log.info("guest list of %s (%s) is already waiting to be imported: %s",
                 event.luma_event_id, event.name, pending[-1].name)
        return False
    try:
        guests = [guest_from_entry(entry) for entry in client.fetch_guests(event.luma_event_id)]
    except LumaAuthError:
        raise
    except LumaError as exc:
        counts.failed += 1
        log.error("guest list of %s (%s) not fetched: %s", event.luma_event_id, event.name, exc)
        return False
    if not guests:
        counts.empty += 1
        log.info("guest list of %s (%s) is empty at Luma: no file written (asked again with "
                 "--full-refresh)", event.luma_event_id, event.name)
        return True
    counts.guests += len(guests)
    if dry_run:
        log.info("would write %d guest(s) of %s (%s)", len(guests), event.luma_event_id, event.name)
        return False
    path = csv_dir / guest_csv_name(event.luma_event_id, event.name, now)
    write_guest_csv(path, guests)
    for older in pending:
        if older != path:
            older.unlink(missing_ok=True)  # the new export holds everything the older one did
    counts.written += 1
    print_path(path)
    return False


def summary_line(events: EventCounts, guest_lists: GuestListCounts, requests: int) -> str:
    """The step's one line of counts."""
    return (f"events: fetched={events.fetched} new={events.new} changed={events.changed} "
            f"unchanged={events.unchanged} deleted={events.deleted} skipped={events.skipped}; "
            f"guest lists: written={guest_lists.written} guests={guest_lists.guests} "
            f"already_pending={guest_lists.already_pending} failed={guest_lists.failed} "
            f"empty={guest_lists.empty}; "
            f"requests={requests}")
