"""approve_guests.py wired together: fetch each upcoming event's pending guests, decide who a rule
admits (read-only matching), approve them at Luma, and record every decision."""
from __future__ import annotations

import csv
import io
import logging
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from ..config import ConfigError
from ..importing.community import Community, open_community, read_for
from ..importing.matching import Guest
from ..luma.api import LumaAuthError, LumaClient, LumaError
from ..luma.entries import guest_from_entry
from ..runner import StepContext, StepResult
from ..sync.calendars_table import managing_calendars
from ..text import one_line, spreadsheet_safe, text_table
from .decisions_table import (
    REPORT_COLUMNS,
    UpcomingEvent,
    approved_guests,
    last_run_decisions,
    save_decision,
    settled_events_attended,
    upcoming_events,
)
from .rules import Decision, Rules, decide, guest_for_matching

log = logging.getLogger(__name__)

PENDING = "pending_approval"
# What --report's table shows (the CSV has every column); long event names are cut to fit.
TABLE_COLUMNS = ("event", "guest_name", "guest_email", "person_id", "match_method", "rule", "mode",
                 "outcome", "status_code", "decided_at")


@dataclass
class ApprovalCounts:
    """What one run decided; the first five make the summary line."""

    pending: int = 0
    approved: int = 0
    dry_run: int = 0
    not_admitted: int = 0
    failed: int = 0
    already_approved: int = 0
    events: int = 0
    lists_failed: int = 0

    def count(self, outcome: str) -> None:
        """Count one decision by its outcome."""
        name = {"would-approve": "dry_run", "not-admitted": "not_admitted"}.get(outcome, outcome)
        setattr(self, name, getattr(self, name) + 1)


@dataclass
class ApprovalRun:
    """One run's fixed inputs (read before the first call) and its counts."""

    ctx: StepContext
    client: LumaClient
    mode: str  # dry-run | on
    rules: Rules
    community: Community  # of the people, what the pending guests can be matched against
    attended: dict[int, int]
    done: set[tuple[int, str]]
    started: datetime
    counts: ApprovalCounts = field(default_factory=ApprovalCounts)


def approve_guests(ctx: StepContext, clients: Mapping[str, LumaClient], mode: str) -> StepResult:
    """Decide about (and in mode `on`, approve) the pending guests of every upcoming event the
    rules cover, each with the client of the calendar (by name) that manages it."""
    rules = Rules.from_settings(ctx.settings)
    if not rules.any_rule():
        raise ConfigError(f"APPROVALS={mode} but no rule is set: set APPROVE_MIN_EVENTS and/or "
                          "APPROVE_EMAIL_DOMAINS")
    now = datetime.now(timezone.utc)
    events = [e for e in upcoming_events(ctx.conn, now) if rules.covers_event(e.tags)]
    managers = managing_calendars(ctx.conn, [e.id for e in events])
    run = ApprovalRun(ctx, next(iter(clients.values())), mode, rules, open_community(ctx.conn, set()),
                      settled_events_attended(ctx.conn, now, ctx.settings.settle_hours),
                      approved_guests(ctx.conn), now)
    ctx.conn.rollback()  # nothing read stays open while Luma is called
    log.info("approvals (%s): %d upcoming event(s) covered by the rules", mode, len(events))
    for event in events:
        names = [name for name in managers.get(event.id, []) if name in clients]
        if len(clients) > 1 and not names:
            log.info("%s (%s): managed by no calendar configured here; its guests are not ours to "
                     "approve", event.luma_event_id, event.name)
            continue
        run.client = clients[names[0]] if names else run.client
        approve_event(run, event)
    counts = run.counts
    return StepResult(summary_line(counts), {"mode": mode, **asdict(counts)},
                      failed=counts.failed > 0 or counts.lists_failed > 0)


def approve_event(run: ApprovalRun, event: UpcomingEvent) -> None:
    """Fetch one event's pending guests and settle each; a list that cannot be fetched is logged."""
    try:
        entries = list(run.client.fetch_pending_guests(event.luma_event_id))
    except LumaAuthError:
        raise
    except LumaError as exc:
        run.counts.lists_failed += 1
        log.error("pending guests of %s (%s) not fetched: %s", event.luma_event_id, event.name, exc)
        return
    run.counts.events += 1
    pending = _pending(map(guest_from_entry, entries))
    matched_as = [guest_for_matching(g, run.rules.matching, event.start_at) for g in pending]
    read_for(run.community, matched_as)
    run.ctx.conn.rollback()  # nothing read stays open while Luma is called
    for guest, as_guest in zip(pending, matched_as):
        settle_guest(run, event, guest, as_guest)


def _pending(guests) -> list[dict]:
    """The pending guests of a list, each once: never a guest who is not pending, whatever the
    list answered."""
    seen: set[str] = set()
    pending = []
    for guest in guests:
        if guest["approval_status"] == PENDING and guest["guest_id"] and guest["guest_id"] not in seen:
            seen.add(guest["guest_id"])
            pending.append(guest)
    return pending


def settle_guest(run: ApprovalRun, event: UpcomingEvent, guest: dict, matched_as: Guest) -> None:
    """Decide about one pending guest, call Luma when the run may, and record it (one transaction)."""
    run.counts.pending += 1
    if (event.id, guest["guest_id"]) in run.done:
        run.counts.already_approved += 1
        return
    decision = decide(guest, matched_as, run.community.index, run.attended, run.rules)
    outcome, status, message = "not-admitted", None, None
    if decision.rule is not None and run.mode == "dry-run":
        outcome = "would-approve"
    elif decision.rule is not None:
        outcome, status, message = call_luma(run, event, decision)
    run.counts.count(outcome)
    save_decision(run.ctx.conn, decision_row(run, event, decision, outcome, status, message))
    run.ctx.conn.commit()
    log.info("%s (%s): %s %s: %s: %s%s", event.luma_event_id, event.name, decision.guest_id,
             decision.name or "(no name)", _why(decision, run.attended), outcome,
             f" (Luma answered {status})" if status else "")


def call_luma(run: ApprovalRun, event: UpcomingEvent,
              decision: Decision) -> tuple[str, int | None, str | None]:
    """Approve one guest at Luma: ("approved", status, None) or ("failed", status, why)."""
    try:
        status = run.client.approve_guest(event.luma_event_id, decision.guest_id,
                                          send_email=run.ctx.settings.approve_send_email)
    except LumaAuthError:
        raise
    except LumaError as exc:
        log.error("%s: %s not approved: %s", event.luma_event_id, decision.guest_id, exc)
        return "failed", run.client.last_status, one_line(exc)
    return "approved", status, None


def decision_row(run: ApprovalRun, event: UpcomingEvent, decision: Decision, outcome: str,
                 status: int | None, message: str | None) -> dict:
    """One approval_decisions row."""
    return {"event_id": event.id, "luma_guest_id": decision.guest_id, "person_id": decision.person_id,
            "match_method": decision.match_method, "guest_name": decision.name,
            "guest_email": decision.email, "rule": decision.rule,
            "mode": "dry-run" if run.mode == "dry-run" else "applied", "outcome": outcome,
            "status_code": status, "message": message, "run_started_at": run.started}


def _why(decision: Decision, attended: dict[int, int]) -> str:
    if decision.person_id is None:
        who = "matches nobody known"
    else:
        who = (f"person {decision.person_id} (by {decision.match_method}, "
               f"{attended.get(decision.person_id, 0)} settled event(s) attended)")
    return who + (f", admitted by {decision.rule}" if decision.rule else ", no rule admits")


def _cell(row: dict, column: str) -> object:
    value = row[column]
    if column == "decided_at":
        return f"{value:%Y-%m-%d %H:%M}"
    return value[:37] + "…" if column == "event" and len(value) > 38 else value


def summary_line(counts: ApprovalCounts) -> str:
    """The step's one line of counts."""
    return (f"pending={counts.pending} approved={counts.approved} dry_run={counts.dry_run} "
            f"not_admitted={counts.not_admitted} failed={counts.failed}")


def report(ctx: StepContext, as_csv: bool) -> StepResult:
    """Print the last run's decisions on stdout, as a table or as CSV."""
    rows = last_run_decisions(ctx.conn)
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows([spreadsheet_safe(row[c]) for c in REPORT_COLUMNS] for row in rows)
        sys.stdout.write(buffer.getvalue())
    elif rows:
        sys.stdout.write(text_table(list(TABLE_COLUMNS), [[_cell(row, c) for c in TABLE_COLUMNS]
                                                          for row in rows]))
    else:
        sys.stdout.write("no approval decisions yet (run approve_guests.py --dry-run)\n")
    sys.stdout.flush()
    return StepResult(f"report: {len(rows)} decision(s) of the last run", {"decisions": len(rows)})
