"""event_analysis_single.py's work: pick a settled event, analyse it against earlier ones, keep the
row in the event-analysis CSV and say how it went."""
from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

from ..analytics import metrics
from ..analytics.load import load
from ..runner import StepContext, StepResult, UsageError
from .event_row import EventAnalysis, analyse_event, event_date, save_row
from .placard_words import compared_line, money, versus

MAX_CHOSEN = 4


def analyse(ctx: StepContext, event_id: int | None, choose_past: bool, output: Path, *,
            min_attendees: int, ask: Callable[[str], str] | None) -> StepResult:
    """Analyse one event and save its row; `ask` is None when there is no terminal to ask at."""
    data = load(ctx.conn, datetime.now(timezone.utc), ctx.settings.settle_hours)
    if data.events.empty or data.guests.empty:
        raise UsageError("no settled event with guests yet: run the pipeline first")
    community = metrics.prepare(data.events, data.guests)
    table = metrics.event_metrics(community, ctx.settings.return_window_days)
    if event_id is not None and event_id not in table.index:
        raise UsageError(f"event {event_id} is not a settled event with guests")
    try:
        event_id = event_id if event_id is not None else choose_event(table, _need(ask, "--event-id"))
        chosen = choose_earlier(table, event_id, _need(ask, "--choose-past")) if choose_past else None
    except Cancelled:
        sys.stderr.write("Cancelled: nothing saved.\n")
        return StepResult("cancelled at the prompt (end of input); nothing saved", {"cancelled": 1})
    result = analyse_event(data, community, table, event_id, min_attendees=min_attendees,
                           start_month=ctx.settings.academic_year_start_month, compare_with=chosen)
    save_row(output, result.row)
    sys.stdout.write(summary(result) + f"\nSaved to {output}\n")
    return StepResult(f"event {event_id}: row saved in {output}", {"event_id": int(event_id)})


def _need(ask, flag: str) -> Callable[[str], str]:
    if ask is None:
        raise UsageError(f"no terminal to choose at: pass {flag} (or run it in a terminal)")
    return ask


class Cancelled(Exception):
    """The organiser ended the input (Ctrl-D) instead of choosing."""


_PART = re.compile(r"id\s*(\d+)|(\d+)\s*-\s*(\d+)|(\d+)|([^\s,]+)")


def parse_choices(answer: str, candidates: list) -> list | None:
    """The events an answer names, in order, each once: numbers from the list ("2, 14, 15"),
    ranges of them ("3-5"), event ids ("id 35"; a bare number past the end of the list is taken
    as an id too). None when a part names no candidate, or nothing is named."""
    chosen: list = []
    for by_id, low, high, number, other in _PART.findall(answer.lower()):
        if other:
            return None
        if by_id:
            picks = [int(by_id)] if int(by_id) in candidates else None
        elif low:
            first, last = int(low), int(high)
            picks = candidates[first - 1:last] if 1 <= first <= last <= len(candidates) else None
        else:
            n = int(number)
            picks = [candidates[n - 1]] if 1 <= n <= len(candidates) else [n] if n in candidates else None
        if picks is None:
            return None
        chosen += [p for p in picks if p not in chosen]
    return chosen or None


def _ask_until_valid(ask: Callable[[str], str], candidates: list, prompt: str, most: int,
                     allow_empty: bool = False) -> list:
    """Ask until the answer names 1 to `most` candidates (an empty list: the empty answer, when
    allowed). Raises Cancelled at the end of input."""
    while True:
        try:
            answer = ask(prompt)
        except EOFError:
            raise Cancelled from None
        if allow_empty and not answer.strip():
            return []
        chosen = parse_choices(answer, candidates)
        if chosen and len(chosen) <= most:
            return chosen
        sys.stderr.write(f"  '{answer.strip()}' names " + (
            f"more than {most} event(s)\n" if chosen else
            "no event of the list: give numbers from it (2, 14, 15 or 3-5) or 'id N'\n"))


def _listing(table: pd.DataFrame, candidates: list) -> str:
    return "\n".join(f"  {n:>3}. [id {event_id}] {event_date(table.loc[event_id])}  {table.at[event_id, 'name']}"
                     for n, event_id in enumerate(candidates, start=1))


def choose_event(table: pd.DataFrame, ask: Callable[[str], str]) -> int:
    """Ask which settled event to analyse (newest first)."""
    candidates = list(table.index[::-1])
    sys.stderr.write("Settled events:\n" + _listing(table, candidates) + "\n")
    return _ask_until_valid(ask, candidates, "Event to analyse (its number, or id N): ", most=1)[0]


def choose_earlier(table: pd.DataFrame, event_id: int, ask: Callable[[str], str]) -> list:
    """Ask for up to four earlier events to compare against (an empty answer ends the list)."""
    candidates = list(table.index[: list(table.index).index(event_id)][::-1])
    sys.stderr.write("Earlier events:\n" + _listing(table, candidates) + "\n")
    chosen: list = []
    while len(chosen) < MAX_CHOSEN and candidates:
        picks = _ask_until_valid(ask, candidates, f"Earlier events, up to {MAX_CHOSEN - len(chosen)} more "
                                                  "(2, 14, 15 or 3-5; empty to stop): ",
                                 most=MAX_CHOSEN - len(chosen), allow_empty=True)
        if not picks:
            break
        chosen += [pick for pick in picks if pick not in chosen]
    return chosen


def summary(result: EventAnalysis) -> str:
    """A few readable lines about the event."""
    row = result.row
    against = versus(_as_text(row))
    def change(column):
        value = row.get(column)
        return "" if value is None else f" ({value:+.1f}% vs {against})"
    def number(column):
        value = row.get(column)
        return "—" if value is None else f"{value}"
    lines = [f"{row['event_name']} · {row['event_date']} · {row.get('venue') or 'no venue'}",
             f"  RSVPs        {number('rsvps')}{change('rsvps_change_pct')}",
             f"  attendees    {number('attendees')}{change('attendees_change_pct')}",
             f"  first-timers {number('first_timers')}{change('first_timers_change_pct')}"]
    lines.append(f"  {compared_line(_as_text(row))}")
    if row.get("cost") is not None:
        currency = row.get("currency") or ""
        per = ("" if row.get("attendance_taken") == "no" else
               f"; per attendee {number('cost_per_attendee')}; per first-timer {number('cost_per_first_timer')}")
        lines.append(f"  cost {money(row['cost'], currency)}{per}")
    if row.get("attendance_taken") == "no":
        lines.append("  attendance was not taken: attendee numbers are unknown")
    return "\n".join(lines)


def _as_text(row: dict) -> dict:
    """A row's values as the CSV holds them (text; missing values empty)."""
    return {k: "" if v is None else str(v) for k, v in row.items()}
