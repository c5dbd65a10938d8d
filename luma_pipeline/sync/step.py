"""Step 1: Luma's events into the events table, and settled events' guest lists into CSV files.

Every configured calendar is synced with its own key, pacing and retry budget, each in a thread
of its own, so a calendar waiting out a 429 never slows another; a calendar that fails leaves the
others synced (and deletes nothing)."""
from __future__ import annotations

import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple

from ..config import ConfigError
from ..logs import redact
from ..luma.api import STOPPING, LumaAuthError, LumaClient, LumaError
from ..luma.entries import (
    calendar_id_of,
    event_calendar_id,
    event_to_row,
    first_id,
    guest_from_entry,
    host_emails,
    unwrap,
)
from ..luma.guest_csv import guest_csv_name, pending_csvs, write_guest_csv
from ..runner import StepContext, StepResult, print_path
from ..settled import is_settled
from ..text import one_line
from . import calendars_table as tables
from .events_table import (
    EventCounts,
    EventToFetch,
    imported_events,
    mark_guest_lists_empty,
    save_event_tags,
    upsert_events,
)
from .listing import MANAGED, CalendarListing, merge_listings, own_calendar_id, relation

log = logging.getLogger(__name__)


@dataclass
class GuestListCounts:
    """What one sync did with guest lists."""

    written: int = 0
    guests: int = 0
    already_pending: int = 0
    failed: int = 0
    empty: int = 0  # events whose guest list at Luma is empty: no file written


STAGING = ".staging"  # guest lists fetched before their events are committed wait here (in CSV_DIR)


class Staged(NamedTuple):
    """A guest list fetched and written to the staging folder, waiting for its event's commit."""

    luma_event_id: str
    path: Path
    older: list[Path]  # the event's files already waiting, which it replaces
    guests: int


@dataclass
class CalendarSync:
    """One calendar's share of a sync: what it listed, the guest lists it fetched (staged until
    the events are committed), and a refusal met while fetching them."""

    listing: CalendarListing
    guest_lists: GuestListCounts
    staged: list[Staged]
    empty: list[str] = field(default_factory=list)  # Luma ids of events whose guest list is empty
    refused: LumaAuthError | None = None


def sync(ctx: StepContext, full_refresh: bool = False) -> StepResult:
    """Run the whole sync step; the caller holds the lock and owns the connection."""
    settings = ctx.settings
    settings.require("LUMA_API_KEY")
    clients = {cal.name: LumaClient.from_settings(settings, cal) for cal in settings.calendars}
    staging = clear_staging(settings.csv_dir / STAGING)
    try:
        now = datetime.now(timezone.utc)
        imported = set() if full_refresh else imported_events(ctx.conn)
        done, failures = per_calendar({name: (lambda n=name, c=client, i=i: sync_calendar(
            ctx, n, c, imported, now, staging / str(i), full_refresh))
            for i, (name, client) in enumerate(clients.items())})
        give_up_if_all_failed(failures, len(clients))
        events, guest_lists = EventCounts(), GuestListCounts()
        save_and_resolve(ctx, clients, done, failures, events)
        ctx.conn.rollback() if ctx.dry_run else ctx.conn.commit()
        for name, result in done.items():
            add_counts(guest_lists, result.guest_lists)
            if result.refused:
                failures[name] = result.refused
        remember_empty_guest_lists(ctx, done, now)
        publish(done, settings.csv_dir, guest_lists)
        give_up_if_all_failed(failures, len(clients))
        requests = sum(client.requests_made for client in clients.values())
        counts = {"events": asdict(events), "guest_lists": asdict(guest_lists), "requests": requests,
                  "calendars": {"ok": len(clients) - len(failures), "failed": sorted(failures)}}
        return StepResult(summary_line(events, guest_lists, requests, len(clients), failures), counts,
                          failed=guest_lists.failed > 0 or bool(failures))
    finally:
        for client in clients.values():
            client.close()
        shutil.rmtree(staging, ignore_errors=True)  # what was not published is not wanted


def sync_calendar(ctx: StepContext, name: str, client: LumaClient, imported: set[str], now: datetime,
                  staging: Path, full_refresh: bool) -> CalendarSync:
    """One calendar, in its own thread: its events, then the guest lists of the settled events it
    manages, staged; a refused key while fetching them stops its guest lists, not its events."""
    listing = fetch_listing(name, client, ctx.settings.tag_categories)
    result = CalendarSync(listing, GuestListCounts(), [])
    try:
        for event in guest_lists_wanted(listing, imported, now, ctx.settings.settle_hours):
            staged = fetch_guest_list(client, event, ctx.settings.csv_dir, staging, now, result,
                                      dry_run=ctx.dry_run, replace_pending=full_refresh)
            if staged:
                result.staged.append(staged)
    except LumaAuthError as exc:
        log.error("calendar %s: guest lists not fetched: %s", name, exc)
        result.refused = exc
    return result


def guest_lists_wanted(listing: CalendarListing, imported: set[str], now: datetime,
                       settle_hours: float) -> list[EventToFetch]:
    """The settled events this calendar manages whose attendance is not imported, oldest first
    (an event it only lists is managed elsewhere: its guest list is not this key's to fetch)."""
    wanted = {row["luma_event_id"]: row for row, event_calendar in listing.rows
              if relation(event_calendar, listing.own_id) == MANAGED and row["luma_event_id"] not in imported
              and is_settled(row["start_at"], row["end_at"], now, settle_hours)}
    ordered = sorted(wanted.values(), key=lambda row: (row["start_at"], row["luma_event_id"]))
    return [EventToFetch(None, row["luma_event_id"], row["name"]) for row in ordered]


def clear_staging(staging: Path) -> Path:
    """The staging folder, emptied of what a killed sync left there."""
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def publish(done: Mapping[str, CalendarSync], csv_dir: Path, counts: GuestListCounts) -> None:
    """Move staged guest lists into CSV_DIR (their events are committed now) and print their paths;
    the older files of the same events go (the new export holds everything they did). An event two
    calendars both claimed to manage (Luma did not say which) keeps the first calendar's file."""
    published: set[str] = set()
    for name in sorted(done):
        for staged in done[name].staged:
            if staged.luma_event_id in published:
                staged.path.unlink(missing_ok=True)
                counts.written -= 1
                counts.guests -= staged.guests
                continue
            final = csv_dir / staged.path.name
            os.replace(staged.path, final)
            for old in staged.older:
                if old != final:
                    old.unlink(missing_ok=True)
            published.add(staged.luma_event_id)
            print_path(final)


def remember_empty_guest_lists(ctx: StepContext, done: Mapping[str, CalendarSync], now: datetime) -> None:
    """Note the events whose guest list Luma gave empty, once their events are committed."""
    empty = [luma_id for result in done.values() for luma_id in result.empty]
    if empty and not ctx.dry_run:
        mark_guest_lists_empty(ctx.conn, empty, now)
        ctx.conn.commit()


def add_counts(total: GuestListCounts, more: GuestListCounts) -> None:
    """Add one calendar's guest-list counts to the total."""
    for key, value in asdict(more).items():
        setattr(total, key, getattr(total, key) + value)


def per_calendar(work: Mapping[str, Callable[[], object]]) -> tuple[dict[str, object], dict[str, LumaError]]:
    """Run each calendar's share of the work in a thread of its own; its result, or its LumaError
    (logged when there are several calendars), by calendar name."""
    if not work:
        return {}, {}
    results, failures = {}, {}
    STOPPING.clear()
    pool = ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="calendar")
    try:
        futures = {name: pool.submit(job) for name, job in work.items()}
        wait(futures.values())
    except BaseException:  # SIGTERM or Ctrl-C: the threads stop their waits and requests too
        STOPPING.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for name, future in futures.items():
        try:
            results[name] = future.result()
        except LumaError as exc:
            failures[name] = exc
            if len(work) > 1:
                log.error("calendar %s: sync FAILED: %s", name, exc)
    return results, failures


def give_up_if_all_failed(failures: Mapping[str, LumaError], calendars: int) -> None:
    """When no calendar could be synced, end the step with the (first) reason: a refused key is a
    configuration error (exit 2), anything else a failure (exit 1)."""
    if not failures or len(failures) < calendars:
        return
    first = next(iter(failures.values()))
    if all(isinstance(exc, LumaAuthError) for exc in failures.values()):
        raise ConfigError("; ".join(str(exc) for exc in failures.values()))
    raise first


def fetch_listing(name: str, client: LumaClient, tag_categories: Mapping[str, str]) -> CalendarListing:
    """One calendar's events as rows with their calendar ids, and the calendar's own id."""
    listing = CalendarListing(calendar=name)
    listing.rows = events_to_rows(client.fetch_events(), tag_categories, listing)
    told = calendar_id_of(client.fetch_calendar() or {})
    listing.own_id = own_calendar_id(told, [calendar for _, calendar in listing.rows])
    return listing


def events_to_rows(entries: Iterable[Mapping], tag_categories: Mapping[str, str],
                   counts) -> list[tuple[dict, str | None]]:
    """Every event entry as (row, its calendar's id), skipping (and counting) entries that cannot
    be read. `counts` has `fetched` and `skipped`."""
    rows = []
    for entry in entries:
        counts.fetched += 1
        try:
            rows.append((event_to_row(entry, tag_categories), event_calendar_id(entry)))
        except (ValueError, TypeError, AttributeError) as exc:
            counts.skipped += 1
            log.warning("skipping event %s: %s", first_id(unwrap(entry, "event"), entry)
                        if isinstance(entry, Mapping) else repr(entry)[:80], exc)
    return rows


def save_and_resolve(ctx: StepContext, clients: Mapping[str, LumaClient], done: Mapping[str, CalendarSync],
                     failures: Mapping[str, LumaError], events: EventCounts) -> None:
    """Events, calendars and links saved, deletions marked, hosts and organisations worked out,
    in the caller's transaction."""
    listings = [result.listing for result in done.values()]
    for listing in listings:
        events.fetched += listing.fetched
        events.skipped += listing.skipped
    rows, links = merge_listings(listings)
    touched = upsert_events(ctx.conn, rows, events)
    save_event_tags(ctx.conn, rows)
    ids = tables.event_ids(ctx.conn, [row["luma_event_id"] for row in rows])
    for name, exc in failures.items():
        tables.save_calendar(ctx.conn, name, None, "failed: " + redact(one_line(exc), ctx.settings.secrets()),
                             synced=False)
    for listing in listings:
        relations = {ids[luma_id]: kind for (luma_id, name), kind in links.items() if name == listing.calendar}
        save_calendar_links(ctx.conn, listing, relations, several=len(clients) > 1)
    events.deleted = tables.mark_source_deleted(ctx.conn)
    if ctx.settings.organisations:
        tables.save_hosts(ctx.conn, fetch_hosts(ctx.conn, clients, links, ids, list(touched.values())))
    tables.resolve_organisations(ctx.conn, ctx.settings.organisations)


def save_calendar_links(conn, listing: CalendarListing, relations: dict[int, str], several: bool) -> None:
    """A calendar's successful sync: its row, its links, and the links it no longer lists gone,
    unless its list looks wrong (empty while we know events, or entries that could not be read)."""
    managed = sum(kind == MANAGED for kind in relations.values())
    result = f"ok: {len(relations)} events ({managed} managed, {len(relations) - managed} listed)"
    calendar_id = tables.save_calendar(conn, listing.calendar, listing.own_id, result, synced=True)
    tables.save_links(conn, calendar_id, relations)
    where = f"calendar {listing.calendar}: " if several else ""
    if listing.skipped:
        log.warning("%s%d event(s) could not be read; not marking missing events as deleted this run",
                    where, listing.skipped)
        return
    known = 0 if relations else tables.live_link_count(conn, calendar_id)
    if known:
        log.warning("%sLuma listed no events at all; not marking the %d known events as deleted "
                    "(check that %s belongs to the right calendar)", where, known,
                    "its key" if several else "LUMA_API_KEY")
        return
    tables.mark_links_gone(conn, calendar_id, list(relations))


def fetch_hosts(conn, clients: Mapping[str, LumaClient], links: Mapping[tuple[str, str], str],
                ids: Mapping[str, int], touched: list[int]) -> dict[int, list[str]]:
    """The host emails of new and changed events (and of those never asked), each asked of a
    calendar that manages it, else one that lists it; an event Luma will not show is skipped."""
    callers: dict[str, list[tuple[int, str]]] = {}
    for event_id, luma_id in tables.events_without_hosts(conn, touched):
        names = sorted((kind != MANAGED, name) for (lid, name), kind in links.items() if lid == luma_id)
        if names:
            callers.setdefault(names[0][1], []).append((event_id, luma_id))
    found, _ = per_calendar({name: (lambda c=clients[name], e=wanted: _hosts_of(c, e))
                             for name, wanted in callers.items()})
    return {event_id: emails for hosts in found.values() for event_id, emails in hosts.items()}


def _hosts_of(client: LumaClient, wanted: list[tuple[int, str]]) -> dict[int, list[str]]:
    hosts = {}
    for event_id, luma_id in wanted:
        try:
            hosts[event_id] = host_emails(client.fetch_event(luma_id))
        except LumaAuthError:
            raise
        except LumaError as exc:
            log.warning("hosts of %s not fetched (asked again next sync): %s", luma_id, exc)
    return hosts


def fetch_guest_list(client: LumaClient, event: EventToFetch, csv_dir: Path, staging: Path, now: datetime,
                     calendar: CalendarSync, *, dry_run: bool,
                     replace_pending: bool) -> Staged | None:
    """Fetch one event's guests and stage them as one CSV. A failure is logged and counted; a guest
    list Luma gives empty writes no file (it would say nothing, and the organiser's own export of
    the event is the one to import): it is noted, and asked again only on a full refresh."""
    counts = calendar.guest_lists
    pending = pending_csvs(csv_dir, event.luma_event_id)
    if pending and not replace_pending:
        counts.already_pending += 1
        log.info("guest list of %s (%s) is already waiting to be imported: %s",
                 event.luma_event_id, event.name, pending[-1].name)
        return None
    try:
        guests = [guest_from_entry(entry) for entry in client.fetch_guests(event.luma_event_id)]
    except LumaAuthError:
        raise
    except LumaError as exc:
        counts.failed += 1
        log.error("guest list of %s (%s) not fetched: %s", event.luma_event_id, event.name, exc)
        return None
    if not guests:
        counts.empty += 1
        calendar.empty.append(event.luma_event_id)
        log.info("guest list of %s (%s) is empty at Luma: no file written (asked again with "
                 "--full-refresh)", event.luma_event_id, event.name)
        return None
    counts.guests += len(guests)
    if dry_run:
        log.info("would write %d guest(s) of %s (%s)", len(guests), event.luma_event_id, event.name)
        return None
    path = staging / guest_csv_name(event.luma_event_id, event.name, now)
    write_guest_csv(path, guests)
    counts.written += 1
    return Staged(event.luma_event_id, path, pending, len(guests))


def summary_line(events: EventCounts, guest_lists: GuestListCounts, requests: int, calendars: int = 1,
                 failures: Mapping[str, LumaError] | None = None) -> str:
    """The step's one line of counts (with the calendars' when there are several or one failed)."""
    line = (f"events: fetched={events.fetched} new={events.new} changed={events.changed} "
            f"unchanged={events.unchanged} deleted={events.deleted} skipped={events.skipped}; "
            f"guest lists: written={guest_lists.written} guests={guest_lists.guests} "
            f"already_pending={guest_lists.already_pending} failed={guest_lists.failed} "
            f"empty={guest_lists.empty}; requests={requests}")
    if calendars > 1 or failures:
        failed = f" ({', '.join(sorted(failures))})" if failures else ""
        line += f"; calendars: synced={calendars - len(failures or {})} failed={len(failures or {})}{failed}"
    return line
