"""event_analysis_single.py's work: pick a settled event, analyse it against earlier ones, keep the
row in the event-analysis CSV and say how it went."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

from ..analytics import metrics
from ..analytics.load import load
from ..runner import StepContext, StepResult, UsageError
from .event_row import EventAnalysis, analyse_event, event_date, save_row

MAX_CHOSEN = 4


def analyse(ctx: StepContext, event_id: int | None, choose_past: bool, output: Path, *,
            min_attendees: int, ask: Callable[[str], str] | None) -> StepResult:
    """Analyse one event and save its row; `ask` is None when there is no terminal to ask at."""
    data = load(ctx.conn, datetime.now(timezone.utc), ctx.settings.settle_hours)
    if data.events.empty or data.guests.empty:
        raise UsageError("no settled event with guests yet: run the pipeline first")
    community = metrics.prepare(data.events, data.guests)
    table = metrics.event_metrics(community)
    if event_id is None:
        event_id = choose_event(table, _need(ask, "--event-id"))
    elif event_id not in table.index:
        raise UsageError(f"event {event_id} is not a settled event with guests")
    chosen = choose_earlier(table, event_id, _need(ask, "--choose-past")) if choose_past else None
    result = analyse_event(data, community, table, event_id, min_attendees=min_attendees,
                           start_month=ctx.settings.academic_year_start_month, compare_with=chosen)
    save_row(output, result.row)
    sys.stdout.write(summary(result) + f"\nSaved to {output}\n")
    return StepResult(f"event {event_id}: row saved in {output}", {"event_id": int(event_id)})


def _need(ask, flag: str) -> Callable[[str], str]:
    if ask is None:
        raise UsageError(f"no terminal to choose at: pass {flag} (or run it in a terminal)")
    return ask


def _choice(answer: str, candidates: list) -> int | None:
    """The event an answer names: a number from the list ("3") or an event id ("id 35"; a bare
    number past the end of the list is taken as an id too); None when neither."""
    answer = answer.strip().lower()
    by_id = answer.startswith("id")
    number = answer[2:].strip() if by_id else answer
    if not number.isdigit():
        return None
    if not by_id and 1 <= int(number) <= len(candidates):
        return candidates[int(number) - 1]
    return int(number) if int(number) in candidates else None


def _ask_until_valid(ask: Callable[[str], str], candidates: list, prompt: str,
                     allow_empty: bool = False) -> int | None:
    while True:
        answer = ask(prompt)
        if allow_empty and not answer.strip():
            return None
        chosen = _choice(answer, candidates)
        if chosen is not None:
            return chosen
        sys.stderr.write(f"  '{answer.strip()}' is neither a number from the list nor 'id N' of one\n")


def _listing(table: pd.DataFrame, candidates: list) -> str:
    return "\n".join(f"  {n:>3}. [id {event_id}] {event_date(table.loc[event_id])}  {table.at[event_id, 'name']}"
                     for n, event_id in enumerate(candidates, start=1))


def choose_event(table: pd.DataFrame, ask: Callable[[str], str]) -> int:
    """Ask which settled event to analyse (newest first)."""
    candidates = list(table.index[::-1])
    sys.stderr.write("Settled events:\n" + _listing(table, candidates) + "\n")
    return _ask_until_valid(ask, candidates, "Event to analyse (its number, or id N): ")


def choose_earlier(table: pd.DataFrame, event_id: int, ask: Callable[[str], str]) -> list:
    """Ask for up to four earlier events to compare against (an empty answer ends the list)."""
    candidates = list(table.index[: list(table.index).index(event_id)][::-1])
    sys.stderr.write("Earlier events:\n" + _listing(table, candidates) + "\n")
    chosen: list = []
    while len(chosen) < MAX_CHOSEN and candidates:
        pick = _ask_until_valid(ask, candidates, f"Earlier event {len(chosen) + 1} of up to "
                                                 f"{MAX_CHOSEN} (empty to stop): ", allow_empty=True)
        if pick is None:
            break
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def summary(result: EventAnalysis) -> str:
    """A few readable lines about the event."""
    row = result.row
    def change(column):
        value = row.get(column)
        return "" if value is None else f" ({value:+.1f}% vs previous)"
    def number(column):
        value = row.get(column)
        return "—" if value is None else f"{value}"
    lines = [f"{row['event_name']} · {row['event_date']} · {row.get('venue') or 'no venue'}",
             f"  RSVPs        {number('rsvps')}{change('rsvps_change_pct')}",
             f"  attendees    {number('attendees')}{change('attendees_change_pct')}",
             f"  first-timers {number('first_timers')}{change('first_timers_change_pct')}"]
    if row.get("previous_event_name"):
        lines.append(f"  compared with {row['previous_event_name']} ({row['previous_event_date']})")
    if row.get("cost") is not None:
        lines.append(f"  cost {row['cost']:.2f}; per attendee {number('cost_per_attendee')}; "
                     f"per first-timer {number('cost_per_first_timer')}")
    return "\n".join(lines)
