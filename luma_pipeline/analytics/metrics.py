"""The metric definitions of DESIGN.md, each once, as pure functions of data frames.

Inputs (see `load.load`):
- events: one row per settled event, ordered by (start_at, id): event_id, name, start_at,
  timezone, category, attendance_taken (the organiser's flag or analyze's, else None).
- guests: one row per (event, person) of those events: event_id, person_id, approval_status,
  attended (has a check-in time).
- people: person_id, gender.

Attended = has a check-in time. RSVP = approved or attended. An event with RSVPs but no check-in at
all is suspected of "no attendance taken": unless the organiser says otherwise its attendance
metrics are missing (NaN / NULL), never 0."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
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


@dataclass(frozen=True)
class Attendance:
    """What every metric starts from, worked out once per analysis and passed on.

    guests: the guest rows with `rsvp`; counted: per event, whether its attendance counts;
    attended: the attended rows of counted events with the event's order; people: per person who
    attended, their first event, last event's order and number of events attended."""

    events: pd.DataFrame
    guests: pd.DataFrame
    counted: pd.Series
    attended: pd.DataFrame
    people: pd.DataFrame


def prepare(events: pd.DataFrame, guests: pd.DataFrame) -> Attendance:
    """The RSVPs, counted attendance and first events of a community, each computed once."""
    guests = with_rsvp(guests)
    counted = attendance_counted(events, guests).reindex(events["event_id"])
    attended = counted_attendance(events, guests)
    return Attendance(events, guests, counted, attended, first_events(attended))


def first_events(attended: pd.DataFrame) -> pd.DataFrame:
    """Per person who attended: first event (the earliest attended), number of events attended,
    and the order of the last one."""
    by_person = attended.groupby("person_id")["order"].agg(first_order="min", last_order="max",
                                                           events_attended="count")
    first = attended.loc[attended.groupby("person_id")["order"].idxmin(), ["person_id", "event_id"]]
    return by_person.join(first.set_index("person_id").rename(columns={"event_id": "first_event_id"}))


def event_metrics(community: Attendance, window_days: int = 60, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per settled event (in order) with every per-event metric; attendance metrics are
    NaN for events whose attendance does not count. The return window is `window_days` long;
    windows still open at `as_of` (default now) leave its numbers NaN."""
    events, guests, attended, people = (community.events, community.guests, community.attended,
                                        community.people)
    out = events.set_index("event_id")[["name", "start_at", "timezone", "category"]].copy()
    out["attendance_counted"] = community.counted.to_numpy(dtype=bool)
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
    out["returned_within_window"] = returned_within_window(community, window_days, as_of).to_numpy()
    out["return_rate_window"] = (out["returned_within_window"]
                                 / out["total_attendees"].where(out["total_attendees"] > 0) * 100).map(round_half_up)
    out["return_window_days"] = window_days
    return out


def window_open(starts: pd.Series, window_days: int, as_of: datetime | None = None) -> pd.Series:
    """Whether each event's return window (its start + `window_days`) is still open at `as_of`."""
    as_of = pd.Timestamp(as_of or datetime.now(timezone.utc))
    return pd.to_datetime(starts, utc=True) + pd.Timedelta(days=window_days) > as_of


def returned_within_window(community: Attendance, window_days: int, as_of: datetime | None = None) -> pd.Series:
    """Per event (in order): its attendees who attended another counted event starting after its
    start and no later than its start + `window_days`. NaN while the window is open and for events
    whose attendance does not count."""
    events, attended = community.events, community.attended
    seconds = events["start_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    start = seconds[attended["order"].to_numpy()] - (seconds.min() if len(seconds) else 0)
    person = pd.factorize(attended["person_id"])[0].astype(np.int64)
    key = (person << 36) | start  # one number per (person, start), in that order: 2^36 s is 2,000 years
    ordered = np.sort(key)
    after = np.searchsorted(ordered, key, side="right")  # the person's next later start, if any
    next_key = ordered[np.minimum(after, len(ordered) - 1)] if len(ordered) else key
    came_back = (after < len(ordered)) & ((next_key >> 36) == person) & (
        (next_key & ((1 << 36) - 1)) - start <= window_days * 86_400)
    counts = pd.Series(came_back, index=attended.index).groupby(attended["event_id"]).sum()
    counts = counts.reindex(events["event_id"], fill_value=0).astype(float)
    counts = counts.where(community.counted.to_numpy(dtype=bool))
    return counts.where(~window_open(events["start_at"], window_days, as_of).to_numpy())


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
        "total_attendees": whole_or_none(row["total_attendees"]),
        "first_time_attendees": whole_or_none(row["first_time_attendees"]),
        "conversion_rate": number_or_none(row["conversion_rate"]),
        "returned_later": whole_or_none(row["returned_later"]),
        "return_rate": number_or_none(row["return_rate"]),
        "returned_within_window": whole_or_none(row["returned_within_window"]),
        "return_rate_window": number_or_none(row["return_rate_window"]),
        "return_window_days": int(row["return_window_days"]),
        "status_counts": dict(sorted(row["status_counts"].items())),
    }


def whole_or_none(value) -> int | None:
    """A count as an int, None where it is missing (NaN)."""
    return None if pd.isna(value) else int(value)


def number_or_none(value) -> float | None:
    """A number as a float, None where it is missing (NaN)."""
    return None if pd.isna(value) else float(value)


def category_returns(community: Attendance) -> pd.DataFrame:
    """Per category: first-time attendees whose first event was in it, split by how many later
    events they came back to (0, 1, 2, 3+)."""
    people = community.people
    category = community.events.set_index("event_id")["category"].fillna("(no category)")
    returns = (people["events_attended"] - 1).clip(upper=3)
    table = pd.crosstab(people["first_event_id"].map(category), returns)
    table = table.reindex(index=category.unique(), columns=range(4), fill_value=0)
    table.columns = list(RETURN_BUCKETS)
    table.index.name = "category"
    return table.assign(first_time_attendees=table.sum(axis=1)).sort_values(
        "first_time_attendees", ascending=False)


def party_funnel(metrics: pd.DataFrame, community: Attendance, party_category: str) -> pd.Series | None:
    """RSVPs → attendees → first-timers → first-timers who came back, over the party events
    whose attendance counts; None when there is no such event."""
    is_party = metrics["category"].fillna("").str.casefold() == party_category.casefold()
    parties = metrics[is_party & metrics["attendance_counted"]]
    if parties.empty:
        return None
    people = community.people
    first_timers = people[people["first_event_id"].isin(parties.index)]
    return pd.Series({
        "RSVPs": int(parties["total_rsvps"].sum()),
        "attendees": int(parties["total_attendees"].sum()),
        "first-timers": int(parties["first_time_attendees"].sum()),
        "first-timers who came back": int((first_timers["events_attended"] > 1).sum()),
    })


def rsvp_conversion(community: Attendance, party_category: str, cap: int = 10) -> pd.DataFrame:
    """People who ever RSVPed, by how many events they attended (0, 1, …, cap+), for all events
    and for events that are not parties."""
    categories = community.events.set_index("event_id")["category"].fillna("")
    parties = set(categories.index[categories.str.casefold() == party_category.casefold()])
    guests, attended_rows = community.guests, community.attended
    columns = {}
    for label, keep in (("all events", set()), ("excluding parties", parties)):
        chosen = guests[~guests["event_id"].isin(keep)]
        rsvpers = chosen.loc[chosen["rsvp"], "person_id"].unique()
        attended = attended_rows[~attended_rows["event_id"].isin(keep)].groupby("person_id").size()
        counts = attended.reindex(rsvpers, fill_value=0).clip(upper=cap)
        columns[label] = counts.value_counts().reindex(range(cap + 1), fill_value=0)
    table = pd.DataFrame(columns)
    table.index = [str(i) if i < cap else f"{cap}+" for i in table.index]
    table.index.name = "events attended"
    return table


def summary_stats(metrics: pd.DataFrame, community: Attendance,
                  people: pd.DataFrame) -> list[tuple[str, float | int | None]]:
    """The rows of summary_stats.csv (`metric`, `value`); percentages are named `_pct`."""
    guests, attended = community.guests, community.attended
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
        ("overall_conversion_pct", pct(attendances, rsvps_counted)),
        ("events_per_attendee", round_half_up(attendances / unique_attendees) if unique_attendees else None),
        ("first_timer_share_pct", pct(counted["first_time_attendees"].sum(), attendances)),
        ("average_return_rate_pct", _round(metrics["return_rate_window"].mean())),  # closed windows only
        ("female_share_pct", pct((known == "female").sum(), len(known))),
    ]


def pct(part, whole) -> float | None:
    """part / whole as a percentage rounded half up; None when whole is 0."""
    return round_half_up(float(part) / float(whole) * 100) if whole else None


def _round(value) -> float | None:
    return None if pd.isna(value) else round_half_up(value)
