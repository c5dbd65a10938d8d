"""The one line under each chart's title that says what it shows, in words (pure)."""
from __future__ import annotations

import pandas as pd

from .metrics import pct, round_half_up


def percent(part, whole) -> str:
    """"41%" (rounded half up), or "—" when there is nothing to divide by."""
    share = pct(part, whole)
    return "—" if share is None else f"{round_half_up(share, 0):.0f}%"


def retention(shown: pd.DataFrame, window_days: int) -> str:
    """The average windowed return rate of the charted events whose window has closed."""
    closed = shown["return_rate_window"].dropna()
    if closed.empty:
        return f"Too soon to tell: no charted event's {window_days}-day window has closed yet."
    average = f"{round_half_up(closed.mean(), 0):.0f}%"
    return (f"Came back within {window_days} days: {average} of attendees on average "
            f"({len(closed)} of the last {len(shown)} events; the others are too recent or took no attendance)")


def new_members(shown: pd.DataFrame) -> str:
    """First-timers' share of the attendees of the charted events."""
    counted = shown[shown["attendance_counted"]]
    return (f"First-timers: {percent(counted['first_time_attendees'].sum(), counted['total_attendees'].sum())} "
            f"of attendees over the last {len(shown)} events")


def categories(table: pd.DataFrame) -> str:
    """The category whose events brought the most first-timers."""
    if table.empty or table["first_time_attendees"].sum() == 0:
        return "No first-time attendees yet."
    top = table["first_time_attendees"].idxmax()
    total = table["first_time_attendees"].sum()
    return (f"Most first-timers first came to a {top} event: {table.at[top, 'first_time_attendees']} "
            f"of {total} ({percent(table.at[top, 'first_time_attendees'], total)})")


def party_funnel(funnel: pd.Series | None, party_category: str) -> str:
    """How party RSVPs turned into attendees, and how many of their first-timers came back."""
    if funnel is None:
        return f"No {party_category} events yet."
    return (f"{party_category.title()} events: {percent(funnel['attendees'], funnel['RSVPs'])} of RSVPs came; "
            f"{percent(funnel['first-timers who came back'], funnel['first-timers'])} of their "
            "first-timers came back")


def rsvp_conversion(table: pd.DataFrame) -> str:
    """Of the people who ever RSVPed: how many never came, how many came three times or more."""
    everyone = table["all events"]
    total = int(everyone.sum())
    if total == 0:
        return "Nobody has RSVPed yet."
    never = int(everyone.iloc[0])
    regulars = int(everyone.iloc[3:].sum())
    return (f"Of {total:,} people who ever RSVPed, {percent(never, total)} never came and "
            f"{percent(regulars, total)} came 3 times or more")


def cohorts(table: pd.DataFrame) -> str:
    """The average share of newcomers seen again the month after their first event."""
    if "month_1" not in table or table["month_1"].dropna().empty:
        return "Too soon to tell: no group of newcomers has had a month after their first event yet."
    return (f"Newcomers seen again the month after their first event: "
            f"{round_half_up(table['month_1'].dropna().mean(), 0):.0f}% on average")


def active_members(trend: pd.DataFrame) -> str:
    """Active members now, and the current month's newcomers and returning attendees."""
    if trend.empty:
        return "Nobody has attended an event yet."
    last = trend.iloc[-1]
    month = pd.Period(last["month"], "M").strftime("%B %Y")
    return (f"Active members now: {last['active_members']:,} ({last['newcomers']:,} newcomers and "
            f"{last['returning_attendees']:,} returning attendees in {month})")
