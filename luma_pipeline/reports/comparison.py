"""One event against the ones before it (event_analysis_single.py, placards): changes against the
previous comparable event, who came back from earlier ones, and the shares of who came."""
from __future__ import annotations

import pandas as pd

from ..analytics.metrics import Attendance, pct, round_half_up

PATTERN_BUCKETS = ("1st event", "2nd-3rd event", "4th+ event")


def pct_change(current, previous) -> float | None:
    """(current - previous) / previous x 100, rounded half up; None when either is unknown or
    previous is 0."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous) or previous == 0:
        return None
    return round_half_up((float(current) - float(previous)) / float(previous) * 100)


def comparable_before(event_metrics: pd.DataFrame, event_id, min_attendees: int, count: int = 4) -> list:
    """The latest `count` events before `event_id` whose attendance counts and had more than
    `min_attendees` attendees, newest first."""
    position = list(event_metrics.index).index(event_id)
    earlier = event_metrics.iloc[:position]
    chosen = earlier[earlier["attendance_counted"] & (earlier["total_attendees"] > min_attendees)]
    return list(chosen.index[::-1][:count])


SAME_KIND, OTHER_KIND, CHOSEN = "previous of the same category", "previous, another category", "chosen by hand"


def previous_event(event_metrics: pd.DataFrame, event_id, min_attendees: int) -> tuple[object, str | None]:
    """The event to compare with, and how it was picked: the latest earlier comparable event of the
    same category (SAME_KIND), else the latest earlier comparable event (OTHER_KIND); (None, None)
    when there is none."""
    category = _kind(event_metrics.at[event_id, "category"])
    candidates = comparable_before(event_metrics, event_id, min_attendees, count=len(event_metrics))
    same = [c for c in candidates if category and _kind(event_metrics.at[c, "category"]) == category]
    if same:
        return same[0], SAME_KIND
    return (candidates[0], OTHER_KIND) if candidates else (None, None)


def _kind(category) -> str:
    return category.strip().casefold() if isinstance(category, str) else ""


def attendance_pattern(attended: pd.DataFrame, event_id) -> dict[str, float | None]:
    """Shares (%) of an event's attendees at their 1st, 2nd-3rd and 4th+ event, counted as of that
    event (later events do not change it)."""
    order = attended.loc[attended["event_id"] == event_id, "order"]
    if order.empty:
        return dict.fromkeys(PATTERN_BUCKETS)
    people = attended.loc[attended["event_id"] == event_id, "person_id"]
    before = attended[attended["person_id"].isin(people) & (attended["order"] <= order.iloc[0])]
    nth = before.groupby("person_id").size()
    buckets = pd.cut(nth, [0, 1, 3, float("inf")], labels=PATTERN_BUCKETS).value_counts()
    return {b: pct(buckets[b], len(nth)) for b in PATTERN_BUCKETS}


def carried_over(community: Attendance, from_event, to_event) -> tuple[float | None, float | None]:
    """Of `from_event`'s attendees, and of its first-time attendees: the shares (%) who attended
    `to_event`."""
    attended, people = community.attended, community.people
    came = set(attended.loc[attended["event_id"] == to_event, "person_id"])
    attendees = attended.loc[attended["event_id"] == from_event, "person_id"]
    first_timers = people.index[people["first_event_id"] == from_event]
    return (pct(attendees.isin(came).sum(), len(attendees)),
            pct(sum(p in came for p in first_timers), len(first_timers)))


def shares(values: pd.Series, categories: list[str]) -> dict[str, float | None]:
    """Shares (%) of each category among `values`, plus "unknown" for missing ones and "other" for
    anything else; None for an empty series."""
    total = len(values)
    known = values.dropna()
    result = {c: pct((known == c).sum(), total) for c in categories}
    result["other"] = pct((~known.isin(categories)).sum(), total)
    result["unknown"] = pct(total - len(known), total)
    return result


def class_standing(class_years: pd.Series, academic_year_end: int) -> pd.Series:
    """Underclass (graduating 2+ years after the academic year ends), upperclass (in it or the next),
    other (already graduated, or further out than a 4-year degree), or missing."""
    def standing(year):
        if pd.isna(year):
            return None
        left = int(year) - academic_year_end
        return "upperclass" if left in (0, 1) else "underclass" if left in (2, 3) else "other"
    return class_years.map(standing)
