"""review_people.py wired together: each command reads, or settles in one transaction and logs
who did it (the OS user), when and what moved."""
from __future__ import annotations

import csv
import getpass
import logging
import sys

from ..importing.attendance_table import queue_for_review
from ..runner import StepContext, StepResult, UsageError
from . import lookup, render
from .merges_table import merge_people, undo_merge
from .review_table import (
    item_to_settle,
    kept_apart,
    open_items,
    open_pairs,
    reject_item,
)
from .suggest import likely_duplicates

log = logging.getLogger(__name__)


def who() -> str:
    """The OS user running the command (what the logs record as 'who')."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return "unknown"


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _csv_out(rows: list[list]) -> None:
    csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
    sys.stdout.flush()


def show_queue(ctx: StepContext, limit: int | None, as_csv: bool) -> StepResult:
    """Print the open items, most consequential first."""
    items = open_items(ctx.conn, limit)
    cards = lookup.person_cards(ctx.conn, {p for i in items for p in (i["person_id"], i["candidate_person_id"])})
    if as_csv:
        _csv_out(render.queue_rows(items, cards))
    else:
        _out(render.queue_text(items, cards))
    return StepResult(f"queue: {len(items)} open item(s) shown", {"shown": len(items)})


def show_person(ctx: StepContext, person_id: int) -> StepResult:
    """Print everything known of one person."""
    card = lookup.person_cards(ctx.conn, [person_id]).get(person_id)
    if card is None:
        raise UsageError(f"no person with id {person_id}" + _merged_into(ctx.conn, person_id))
    _out(render.person_text(card, lookup.person_events(ctx.conn, person_id),
                            lookup.person_items(ctx.conn, person_id), lookup.history(ctx.conn, person_id)))
    return StepResult(f"show: person {person_id}")


def _merged_into(conn, person_id: int) -> str:
    merged = [r for r in lookup.history(conn, person_id)
              if r["action"] in ("merge", "accept") and r["other_person_id"] == person_id]
    return f" (merged into person {merged[-1]['person_id']} by merge {merged[-1]['merge_id']})" if merged else ""


def find(ctx: StepContext, text: str) -> StepResult:
    """Print the people a name, an email or a phone points at."""
    ids = lookup.find_people(ctx.conn, text, ctx.settings.default_phone_region)
    _out(render.found_text(lookup.person_cards(ctx.conn, ids)) if ids else f"nobody found for {text!r}\n")
    return StepResult(f"find: {len(ids)} person(s) found", {"found": len(ids)})


def accept(ctx: StepContext, item_id: int) -> StepResult:
    """Merge an item's two people (the guest's person into the candidate); print the merge id."""
    item = item_to_settle(ctx.conn, item_id)
    merge = merge_people(ctx.conn, item["candidate_person_id"], item["person_id"], who(), item_id)
    ctx.conn.commit()
    _out(f"{merge.id}\n")
    return StepResult(f"accepted item {item_id}: merge {merge.id}, person {merge.other} into "
                      f"{merge.keep} ({render.moved_text(merge.moved)})", {"merge_id": merge.id})


def reject(ctx: StepContext, item_id: int) -> StepResult:
    """Record that an item's two people are not the same person."""
    item = item_to_settle(ctx.conn, item_id)
    settled = reject_item(ctx.conn, item, who())
    ctx.conn.commit()
    return StepResult(f"rejected item {item_id}: person {item['person_id']} and "
                      f"{item['candidate_person_id']} are not the same person ({settled} item(s) settled)",
                      {"settled": settled})


def merge(ctx: StepContext, keep: int, other: int) -> StepResult:
    """Merge OTHER into KEEP and print the merge id; a dry run prints what would move instead."""
    done = merge_people(ctx.conn, keep, other, who())
    moved = render.moved_text(done.moved)
    if ctx.dry_run:
        ctx.conn.rollback()
        _out(f"would merge person {other} into {keep}: {moved}\n")
        return StepResult(f"merge: person {other} into {keep} would move {moved}")
    ctx.conn.commit()
    _out(f"{done.id}\n")
    return StepResult(f"merge {done.id}: person {other} into {keep} ({moved})", {"merge_id": done.id})


def undo(ctx: StepContext, merge_id: int) -> StepResult:
    """Put back what a merge changed."""
    done = undo_merge(ctx.conn, merge_id, who())
    ctx.conn.commit()
    return StepResult(f"undid merge {merge_id}: person {done.other} is back beside {done.keep}",
                      {"merge_id": merge_id})


def show_history(ctx: StepContext, as_csv: bool) -> StepResult:
    """Print every decision, oldest first."""
    rows = lookup.history(ctx.conn)
    if as_csv:
        _csv_out(render.history_rows(rows))
    else:
        _out("".join(render.history_line(r) + "\n" for r in rows) or "No decisions yet.\n")
    return StepResult(f"history: {len(rows)} decision(s)", {"decisions": len(rows)})


def suggest(ctx: StepContext, apply: bool) -> StepResult:
    """Print likely duplicates among all people; queue the new ones when asked."""
    found = likely_duplicates(lookup.everyone(ctx.conn), kept_apart(ctx.conn))
    queued = open_pairs(ctx.conn)
    fresh = [s for s in found if frozenset((s.person_id, s.candidate_person_id)) not in queued]
    _out("".join(f"person {s.person_id} / candidate {s.candidate_person_id}: {s.reason} (score {s.score:g})"
                 f"{'' if s in fresh else ' [already queued]'}\n" for s in found)
         or "No likely duplicates found.\n")
    added = 0
    if apply:
        user = who()
        added = queue_for_review(ctx.conn, [
            {"event_id": None, "person_id": s.person_id, "candidate_person_id": s.candidate_person_id,
             "reason": s.reason, "score": s.score, "guest": None, "source_file": None,
             "queued_by": user} for s in fresh])
        ctx.conn.commit()
    return StepResult(f"suggest: {len(found)} likely duplicate pair(s), {len(fresh)} not queued yet, "
                      f"{added} queued", {"found": len(found), "queued": added})
