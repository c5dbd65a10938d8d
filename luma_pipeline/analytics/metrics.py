"""The metric definitions of DESIGN.md, each once, as pure functions of data frames.

Inputs (see `analytics_data.load`):
- events: one row per settled event, ordered by (start_at, id): event_id, name, start_at,
  timezone, category, attendance_taken (the organiser's flag or analyze's, else None).
- guests: one row per (event, person) of those events: event_id, person_id, approval_status,
  attended (has a check-in time).
- people: person_id, gender.

Attended = has a check-in time. RSVP = approved or attended. An event with RSVPs but no check-in at
all is suspected of "no attendance taken": unless the organiser says otherwise its attendance
metrics are missing (NaN / NULL), never 0."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

RSVP_STATUSES = ("approved",)
RETURN_BUCKETS = ("never came back", "came back once", "came back twice", "came back 3+ times")


def with_rsvp(guests: pd.DataFrame) -> pd.DataFrame:
    """Guests with an `rsvp` column: approved, or attended whatever their status."""
    return guests.assign(rsvp=guests["approval_status"].isin(RSVP_STATUSES) | guests["attended"])


def suspected_no_attendance(events: pd.DataFrame, guests: pd.DataFrame) -> pd.Series:
    """Per event: True when it has RSVPs but nobody checked in."""
    per_event = with_rsvp(guests).groupby("event_id").agg(rsvps=("rsvp", "sum"), attended=("attended", "sum"))
    per_event = per_event.reindex(events["event_id"], fill_value=0)
    return (per_event["rsvps"] > 0) & (per_event["attended"] == 0)


def attendance_counted(events: pd.DataFrame, guests: pd.DataFrame) -> pd.Series:
    """Per event: whether its attendance counts. The organiser's flag wins; without one, an event
    suspected of no attendance taken does not count."""
    suspected = suspected_no_attendance(events, guests)
    flag = events.set_index("event_id")["attendance_taken"]
    return flag.where(flag.notna(), ~suspected).astype(bool)


def counted_attendance(events: pd.DataFrame, guests: pd.DataFrame) -> pd.DataFrame:
    """Attended rows of events whose attendance counts, with the event's order (0 = earliest)."""
    counted = attendance_counted(events, guests)
    order = pd.Series(range(len(events)), index=events["event_id"], name="order")
    attended = guests[guests["attended"] & guests["event_id"].map(counted).fillna(False).astype(bool)]
    return attended.assign(order=attended["event_id"].map(order).to_numpy())[["event_id", "person_id", "order"]]


def first_events(attended: pd.DataFrame) -> pd.DataFrame:
    """Per person who attended: first event (the earliest attended), number of events attended,
    and the order of the last one."""
    by_person = attended.groupby("person_id")["order"].agg(first_order="min", last_order="max",
                                                           events_attended="count")
    first = attended.loc[attended.groupby("person_id")["order"].idxmin(), ["person_id", "event_id"]]
    return by_person.join(first.set_index("person_id").rename(columns={"event_id": "first_event_id"}))


def event_metrics(events: pd.DataFrame, guests: pd.DataFrame) -> pd.DataFrame:
    """One row per settled event (in order) with every per-event metric; attendance metrics are
    NaN for events whose attendance does not count."""
    guests = with_rsvp(guests)
    counted = attendance_counted(events, guests).reindex(events["event_id"]).to_numpy()
    attended = counted_attendance(events, guests)
    people = first_events(attended)
    out = events.set_index("event_id")[["name", "start_at", "timezone", "category"]].copy()
    out["attendance_counted"] = counted
    out["total_rsvps"] = guests[guests["rsvp"]].groupby("event_id").size().reindex(out.index, fill_value=0)
    out["total_attendees"] = attended.groupby("event_id").size().reindex(out.index, fill_value=0)
    out["first_time_attendees"] = people.groupby("first_event_id").size().reindex(out.index, fill_value=0)
    last = attended["person_id"].map(people["last_order"])
    returned = attended[last.to_numpy() > attended["order"].to_numpy()]
    out["returned_later"] = returned.groupby("event_id").size().reindex(out.index, fill_value=0)
    out["first_time_rsvps_never_attended"] = _first_rsvps_never_attended(events, guests, people).reindex(
        out.index, fill_value=0)
    out["status_counts"] = _status_counts(guests).reindex(out.index)
    out["status_counts"] = out["status_counts"].apply(lambda c: c if isinstance(c, dict) else {})
    for column in ("total_attendees", "first_time_attendees", "returned_later"):
        out[column] = out[column].astype("float").where(out["attendance_counted"])
    out["conversion_rate"] = (out["total_attendees"] / out["total_rsvps"].where(out["total_rsvps"] > 0)
                              * 100).map(round_half_up)
    later_exists = _later_counted_event_exists(out["attendance_counted"])
    out["return_rate"] = (out["returned_later"] / out["total_attendees"].where(out["total_attendees"] > 0)
                          * 100).where(later_exists).map(round_half_up)
    return out


def round_half_up(value, places: int = 2) -> float:
    """Rounded as a person rounds (55.625 → 55.63), not to even; NaN stays NaN."""
    if pd.isna(value):
        return float("nan")
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _later_counted_event_exists(counted: pd.Series) -> pd.Series:
    """Per event (in order): whether a later event's attendance counts."""
    later = counted[::-1].astype(int).cumsum()[::-1] - counted.astype(int)
    return later > 0


def _first_rsvps_never_attended(events: pd.DataFrame, guests: pd.DataFrame,
                                attendees: pd.DataFrame) -> pd.Series:
    """Per event: people whose first RSVP was to it and who never attended any event."""
    order = pd.Series(range(len(events)), index=events["event_id"])
    rsvps = guests[guests["rsvp"] & ~guests["person_id"].isin(attendees.index)]
    rsvps = rsvps.assign(order=rsvps["event_id"].map(order).to_numpy())
    first = rsvps.loc[rsvps.groupby("person_id")["order"].idxmin()]
    return first.groupby("event_id").size()


def _status_counts(guests: pd.DataFrame) -> pd.Series:
    """Per event: {approval_status: guests} as Luma counts them (its raw words)."""
    counts = guests.groupby(["event_id", guests["approval_status"].astype(str)]).size()
    found: dict = {}
    for (event_id, status), n in counts.items():
        found.setdefault(event_id, {})[status] = int(n)
    return pd.Series(found, dtype=object)


def attendance_data(row: pd.Series) -> dict:
    """The `events.attendance_data` of one event (without `computed_at`), NULL for missing values."""
    return {
        "total_rsvps": int(row["total_rsvps"]),
        "total_attendees": _int_or_none(row["total_attendees"]),
        "first_time_attendees": _int_or_none(row["first_time_attendees"]),
        "conversion_rate": _float_or_none(row["conversion_rate"]),
        "returned_later": _int_or_none(row["returned_later"]),
        "return_rate": _float_or_none(row["return_rate"]),
        "status_counts": dict(sorted(row["status_counts"].items())),
    }


def _int_or_none(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _float_or_none(value) -> float | None:
    return None if pd.isna(value) else float(value)


def category_returns(events: pd.DataFrame, guests: pd.DataFrame) -> pd.DataFrame:
    """Per category: first-time attendees whose first event was in it, split by how many later
    events they came back to (0, 1, 2, 3+)."""
    people = first_events(counted_attendance(events, with_rsvp(guests)))
    category = events.set_index("event_id")["category"].fillna("(no category)")
    returns = (people["events_attended"] - 1).clip(upper=3)
    table = pd.crosstab(people["first_event_id"].map(category), returns)
    table = table.reindex(index=category.unique(), columns=range(4), fill_value=0)
    table.columns = list(RETURN_BUCKETS)
    table.index.name = "category"
    return table.assign(first_time_attendees=table.sum(axis=1)).sort_values(
        "first_time_attendees", ascending=False)


def party_funnel(metrics: pd.DataFrame, events: pd.DataFrame, guests: pd.DataFrame,
                 party_category: str) -> pd.Series | None:
    """RSVPs → attendees → first-timers → first-timers who came back, over the party events
    whose attendance counts; None when there is no such event."""
    is_party = metrics["category"].fillna("").str.casefold() == party_category.casefold()
    parties = metrics[is_party & metrics["attendance_counted"]]
    if parties.empty:
        return None
    people = first_events(counted_attendance(events, with_rsvp(guests)))
    first_timers = people[people["first_event_id"].isin(parties.index)]
    return pd.Series({
        "RSVPs": int(parties["total_rsvps"].sum()),
        "attendees": int(parties["total_attendees"].sum()),
        "first-timers": int(parties["first_time_attendees"].sum()),
        "first-timers who came back": int((first_timers["events_attended"] > 1).sum()),
    })


def rsvp_conversion(events: pd.DataFrame, guests: pd.DataFrame, party_category: str,
                    cap: int = 10) -> pd.DataFrame:
    """People who ever RSVPed, by how many events they attended (0, 1, …, cap+), for all events
    and for events that are not parties."""
    guests = with_rsvp(guests)
    is_party = events.set_index("event_id")["category"].fillna("").str.casefold() == party_category.casefold()
    columns = {}
    for label, chosen in (("all events", guests),
                          ("excluding parties", guests[~guests["event_id"].map(is_party).astype(bool)])):
        rsvpers = chosen.loc[chosen["rsvp"], "person_id"].unique()
        attended = counted_attendance(events, chosen).groupby("person_id").size()
        counts = attended.reindex(rsvpers, fill_value=0).clip(upper=cap)
        columns[label] = counts.value_counts().reindex(range(cap + 1), fill_value=0)
    table = pd.DataFrame(columns)
    table.index = [str(i) if i < cap else f"{cap}+" for i in table.index]
    table.index.name = "events attended"
    return table


def summary_stats(metrics: pd.DataFrame, events: pd.DataFrame, guests: pd.DataFrame,
                  people: pd.DataFrame) -> list[tuple[str, float | int | None]]:
    """The rows of summary_stats.csv (`metric`, `value`); percentages are named `_pct`."""
    guests = with_rsvp(guests)
    attended = counted_attendance(events, guests)
    counted = metrics[metrics["attendance_counted"]]
    attendances, rsvps_counted = len(attended), int(counted["total_rsvps"].sum())
    unique_attendees = attended["person_id"].nunique()
    genders = people.set_index("person_id")["gender"].reindex(attended["person_id"].unique())
    known = genders.dropna()
    return [
        ("people", len(people)),
        ("events", len(metrics)),
        ("events_with_attendance", len(counted)),
        ("rsvps", int(metrics["total_rsvps"].sum())),
        ("attendances", attendances),
        ("unique_rsvpers", guests.loc[guests["rsvp"], "person_id"].nunique()),
        ("unique_attendees", unique_attendees),
        ("overall_conversion_pct", _pct(attendances, rsvps_counted)),
        ("events_per_attendee", round_half_up(attendances / unique_attendees) if unique_attendees else None),
        ("first_timer_share_pct", _pct(counted["first_time_attendees"].sum(), attendances)),
        ("average_return_rate_pct", _round(metrics["return_rate"].mean())),
        ("female_share_pct", _pct((known == "female").sum(), len(known))),
    ]


def _pct(part, whole) -> float | None:
    return round_half_up(float(part) / float(whole) * 100) if whole else None


def _round(value) -> float | None:
    return None if pd.isna(value) else round_half_up(value)


# -- one event against the ones before it (event_analysis_single.py, placards) ----------------------

PATTERN_BUCKETS = ("1st event", "2nd-3rd event", "4th+ event")


def pct_change(current, previous) -> float | None:
    """(current - previous) / previous x 100, rounded half up; None when either is unknown or
    previous is 0."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous) or previous == 0:
        return None
    return round_half_up((float(current) - float(previous)) / float(previous) * 100)


def comparable_before(metrics: pd.DataFrame, event_id, min_attendees: int, count: int = 4) -> list:
    """The latest `count` events before `event_id` whose attendance counts and had more than
    `min_attendees` attendees, newest first."""
    position = list(metrics.index).index(event_id)
    earlier = metrics.iloc[:position]
    chosen = earlier[earlier["attendance_counted"] & (earlier["total_attendees"] > min_attendees)]
    return list(chosen.index[::-1][:count])


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
    return {b: _pct(buckets[b], len(nth)) for b in PATTERN_BUCKETS}


def carried_over(attended: pd.DataFrame, from_event, to_event) -> tuple[float | None, float | None]:
    """Of `from_event`'s attendees, and of its first-time attendees: the shares (%) who attended
    `to_event`."""
    people = first_events(attended)
    came = set(attended.loc[attended["event_id"] == to_event, "person_id"])
    attendees = attended.loc[attended["event_id"] == from_event, "person_id"]
    first_timers = people.index[people["first_event_id"] == from_event]
    return (_pct(attendees.isin(came).sum(), len(attendees)),
            _pct(sum(p in came for p in first_timers), len(first_timers)))


def shares(values: pd.Series, categories: list[str]) -> dict[str, float | None]:
    """Shares (%) of each category among `values`, plus "unknown" for missing ones and "other" for
    anything else; None for an empty series."""
    total = len(values)
    known = values.dropna()
    result = {c: _pct((known == c).sum(), total) for c in categories}
    result["other"] = _pct((~known.isin(categories)).sum(), total)
    result["unknown"] = _pct(total - len(known), total)
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


def academic_year_end(local_date, start_month: int) -> int:
    """The calendar year in which the academic year of `local_date` ends."""
    return local_date.year + 1 if local_date.month >= start_month else local_date.year
