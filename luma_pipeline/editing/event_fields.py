"""edit_event.py's work: the organiser's fields of one event (cost, currency, whether attendance
was taken, category) changed in one transaction, the row shown before and after. Sync never
overwrites these fields (sync/events_table.py), and analyze takes the organiser's
attendance_taken as given."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..runner import StepContext, StepResult, UsageError
from ..text import local_date

TAKEN = {"yes": (True, False), "no": (False, False), "auto": (None, False)}  # → attendance_taken, _auto
SHOWN = ("category", "cost", "currency", "attendance_taken")


@dataclass(frozen=True)
class EventChange:
    """What to change; None leaves a field as it is."""

    cost: Decimal | None = None
    currency: str | None = None
    attendance_taken: str | None = None  # yes | no | auto (analyze decides)
    category: str | None = None


def parse_cost(text: str) -> Decimal:
    """--cost: an amount of at least 0 with at most two decimals ("250", "12.50")."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount such as 250 or 12.50") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10 ** 10:
        raise ValueError(f"{text!r} is not an amount of 0 or more with at most two decimals")
    return amount.quantize(Decimal("0.01"))


def parse_currency(text: str) -> str:
    """--currency: a three-letter ISO 4217 code (usd → USD)."""
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{text!r} is not a three-letter currency code such as USD, EUR or GBP")
    return code


def edit_event(ctx: StepContext, event_id: int | None, luma_event_id: str | None, change: EventChange) -> StepResult:
    """Show the event, apply the change in one transaction, show it again."""
    before = find_event(ctx.conn, event_id, luma_event_id)
    if change.cost is not None and not (change.currency or before["currency"]):
        raise UsageError(f"event {before['id']} has no currency yet: say which with --currency (USD, EUR …)")
    sys.stdout.write("Before:\n" + describe(before))
    if change != EventChange():
        _save(ctx.conn, before["id"], change)
    after = find_event(ctx.conn, before["id"], None)
    sys.stdout.write("After:\n" + describe(after))
    changed = [f for f in SHOWN if before[f] != after[f]]
    return StepResult(f"event {after['id']}: " + (f"changed {', '.join(changed)}" if changed else "nothing changed"),
                      {"event_id": after["id"], "changed": len(changed)})


def _save(conn, event_id: int, change: EventChange) -> None:
    """The change, in one transaction."""
    with conn.cursor() as cur:
        cur.execute("""UPDATE events SET cost = coalesce(%(cost)s, cost), currency = coalesce(%(currency)s, currency),
                                         category = coalesce(%(category)s, category),
                                         attendance_taken = CASE WHEN %(set_taken)s THEN %(taken)s ELSE attendance_taken END,
                                         attendance_taken_auto = CASE WHEN %(set_taken)s THEN %(auto)s
                                                                      ELSE attendance_taken_auto END,
                                         updated_at = now()
                       WHERE id = %(id)s""", _parameters(event_id, change))
    conn.commit()


def _parameters(event_id: int, change: EventChange) -> dict:
    taken, auto = TAKEN.get(change.attendance_taken or "", (None, False))
    return {"id": event_id, "cost": change.cost, "currency": change.currency, "category": change.category,
            "set_taken": change.attendance_taken is not None, "taken": taken, "auto": auto}


def find_event(conn, event_id: int | None, luma_event_id: str | None) -> dict:
    """The event by its id or its Luma id, with the fields edit_event.py shows. UsageError when
    there is no such event."""
    with conn.cursor() as cur:
        cur.execute("""SELECT id, luma_event_id, name, start_at, timezone, category, luma_category, cost,
                              currency, attendance_taken, attendance_taken_auto
                       FROM events WHERE id = %s OR luma_event_id = %s""", (event_id, luma_event_id))
        found = cur.fetchone()
        columns = [d.name for d in cur.description]
    conn.commit()
    if found is None:
        given = f"id {event_id}" if event_id is not None else luma_event_id
        raise UsageError(f"no event {given} in the events table (run luma_sync.py first?)")
    return dict(zip(columns, found))


def describe(event: dict) -> str:
    """The event's organiser fields, one a line, as a person reads them."""
    day = local_date(event["start_at"], event["timezone"]).isoformat() if event["start_at"] else "no date"
    taken = {True: "yes", False: "no", None: "auto (analyze decides from the check-ins)"}[event["attendance_taken"]]
    if event["attendance_taken"] is False and event["attendance_taken_auto"]:
        taken = "no (set by analyze: nobody checked in)"
    cost = "—" if event["cost"] is None else f"{event['cost']:,.2f}"
    category = event["category"] or "—"
    if event["category"] != event["luma_category"]:
        category += f" (by hand; Luma's tag: {event['luma_category'] or 'none'})"
    return (f"  event             {event['id']} {event['luma_event_id'] or ''}  {event['name']}  ({day})\n"
            f"  category          {category}\n"
            f"  cost              {cost}\n"
            f"  currency          {event['currency'] or '—'}\n"
            f"  attendance taken  {taken}\n")
