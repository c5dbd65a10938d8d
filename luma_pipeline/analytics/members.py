"""Members over time (DESIGN.md), each definition once, as pure functions of the prepared
attendance: days inactive and status, favourite category, no-shows, cohorts, the monthly trend
and the reactivation list.

Everything counts attendance as `metrics.prepare` does (checked in, at settled events whose
attendance was taken) and is taken as of one instant, `as_of` (an aware datetime): the run's
time, or `analyze.py --as-of`. An event's month is its calendar month in its own timezone; the
month of an instant (the as-of instant, a month's end) is taken in the community's timezone, that
of its latest settled event."""
from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

from ..text import local_date, template_fields, zone
from .metrics import Attendance, round_half_up

ACTIVE_DAYS = 30    # days inactive up to this: active
DORMANT_DAYS = 90   # up to this: dormant; beyond: churned
STATUSES = ("active", "dormant", "churned", "never_attended")
COMPLETENESS_FIELDS = ("first_name", "last_name", "email", "phone", "gender", "school", "class_year",
                       "favourite_category")
POINTS_PER_FIELD = 5
HISTORY_TIERS = ((20, 30), (15, 25), (10, 20), (5, 15), (1, 10))  # events attended from → points
EVENT_FIELDS = ("event", "date", "url")  # a message's parts that speak of the suggested event
DAY = np.timedelta64(1, "D")


def month_number(day) -> int:
    """A calendar month as one counting number (year × 12 + month − 1)."""
    return day.year * 12 + day.month - 1


def month_label(number: int) -> str:
    """"2025-09" for the month `month_number` gave."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def community_zone(events: pd.DataFrame) -> str | None:
    """The community's timezone: its latest settled event's (None when there is no event)."""
    zones = events["timezone"].dropna()
    return str(zones.iloc[-1]) if len(zones) else None


def month_start(number: int, timezone_name: str | None) -> datetime:
    """The first instant of a month in a timezone."""
    return datetime(number // 12, number % 12 + 1, 1, tzinfo=zone(timezone_name))


def attended_rows(community: Attendance) -> pd.DataFrame:
    """The counted attended rows with each event's start, local month (in the event's timezone),
    name and category."""
    events = community.events
    months = np.array([month_number(local_date(s, tz)) for s, tz in zip(events["start_at"], events["timezone"])],
                      dtype=np.int64)
    order = community.attended["order"].to_numpy()
    return pd.DataFrame({
        "person_id": community.attended["person_id"].to_numpy(), "order": order,
        "start_at": events["start_at"].to_numpy(dtype="datetime64[ns]")[order] if len(events) else order,
        "month": months[order] if len(events) else order,
        "category": _categories(events).to_numpy()[order] if len(events) else order})


def _categories(events: pd.DataFrame) -> pd.Series:
    """Event categories with blanks as missing."""
    category = events["category"].astype(object)
    return category.where(category.notna() & (category.astype(str).str.strip() != ""), None)


def days_inactive(last_start: pd.Series, as_of: datetime) -> pd.Series:
    """Whole days from the start of a person's last attended event to `as_of` (NaN: never attended)."""
    starts = pd.to_datetime(last_start, utc=True)
    return ((pd.Timestamp(as_of) - starts) // pd.Timedelta(days=1)).astype(float)


def status_of(days: pd.Series) -> pd.Series:
    """active (≤ 30 days inactive), dormant (31–90), churned (> 90), never_attended (no attendance)."""
    values = np.select([days.isna().to_numpy(), (days <= ACTIVE_DAYS).to_numpy(),
                        (days <= DORMANT_DAYS).to_numpy()], ["never_attended", "active", "dormant"], "churned")
    return pd.Series(values, index=days.index, dtype=object)


def favourite_categories(rows: pd.DataFrame) -> pd.Series:
    """Per person: the category they attended most; a tie goes to the one attended most recently.
    Events without a category do not count."""
    known = rows[rows["category"].notna()]
    tally = known.groupby(["person_id", "category"], observed=True)["order"].agg(["size", "max"]).reset_index()
    tally = tally.sort_values(["person_id", "size", "max"], ascending=[True, False, False])
    return tally.drop_duplicates("person_id").set_index("person_id")["category"]


def no_shows(community: Attendance) -> pd.Series:
    """Per person: RSVPs without a check-in at events whose attendance was taken."""
    guests = community.guests
    counted = guests["event_id"].map(community.counted).fillna(False).astype(bool)
    missed = guests[guests["rsvp"] & ~guests["attended"] & counted]
    return missed.groupby("person_id").size()


def lifecycle(community: Attendance, rows: pd.DataFrame, people: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """One row per person who ever RSVPed (indexed by person id): name, email, events attended,
    first and last attended event (name, local date), days inactive, status, favourite category,
    no-shows. `rows`: `attended_rows(community)`."""
    guests = community.guests
    rsvpers = pd.Index(np.sort(guests.loc[guests["rsvp"], "person_id"].unique()), name="person_id")
    info = people.set_index("person_id").reindex(rsvpers)
    attendees = community.people.reindex(rsvpers)
    names, dates = _event_names_and_dates(community.events)
    out = pd.DataFrame({"name": full_names(info), "email": info["email"]}, index=rsvpers)
    out["events_attended"] = attendees["events_attended"].fillna(0).astype(int)
    for end in ("first", "last"):
        order = attendees[f"{end}_order"]
        out[f"{end}_event"] = order.map(names)
        out[f"{end}_event_date"] = order.map(dates)
    starts = attendees["last_order"].map(pd.Series(community.events["start_at"].to_numpy()))
    days = days_inactive(starts, as_of)
    out["days_inactive"] = days.astype("Int64")
    out["status"] = status_of(days)
    out["favourite_category"] = favourite_categories(rows).reindex(rsvpers)
    out["no_shows"] = no_shows(community).reindex(rsvpers, fill_value=0).astype(int)
    return out


def _event_names_and_dates(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Event names and local dates (YYYY-MM-DD) by the event's order."""
    dates = [local_date(s, tz).isoformat() for s, tz in zip(events["start_at"], events["timezone"])]
    return pd.Series(events["name"].to_numpy()), pd.Series(dates, dtype=object)


def full_names(people: pd.DataFrame) -> pd.Series:
    """"First Last" from the people's names (either may be missing)."""
    first = people["first_name"].astype(object).where(people["first_name"].notna(), "")
    last = people["last_name"].astype(object).where(people["last_name"].notna(), "")
    return (first.astype(str) + " " + last.astype(str)).str.strip()


def status_counts(members: pd.DataFrame) -> list[tuple[str, int]]:
    """summary_stats.csv rows: how many people have each status."""
    counts = members["status"].value_counts()
    return [(f"members_{status}", int(counts.get(status, 0))) for status in STATUSES]


def top_attendees(members: pd.DataFrame, count: int = 10) -> pd.DataFrame:
    """The people who attended most (ties: the most recent last event, then person id)."""
    attended = members[members["events_attended"] > 0].reset_index()
    ranked = attended.sort_values(["events_attended", "last_event_date", "person_id"],
                                  ascending=[False, False, True]).head(count)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked[["rank", "person_id", "name", "email", "events_attended", "first_event_date",
                   "last_event", "last_event_date", "status"]]


def repeat_no_shows(members: pd.DataFrame, at_least: int = 2) -> pd.DataFrame:
    """People with `at_least` no-shows or more, most first (ties: person id)."""
    chosen = members[members["no_shows"] >= at_least].reset_index()
    chosen = chosen.sort_values(["no_shows", "person_id"], ascending=[False, True])
    return chosen[["person_id", "name", "email", "no_shows", "events_attended", "last_event",
                   "last_event_date", "status"]]


# -- cohorts and the monthly trend --------------------------------------------------------------------

def cohort_retention(community: Attendance, rows: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """One row per cohort (the month of its members' first attended event, in the event's
    timezone): its size, then per month k after it the share (%) of the cohort who attended any
    event in that month. Month 0 is 100 %; months that have not begun by `as_of` are empty, never 0.
    `rows`: `attended_rows(community)`."""
    if rows.empty:
        return pd.DataFrame(columns=["cohort_month", "cohort_size", "month_0"])
    cohort = rows.loc[rows.groupby("person_id")["order"].idxmin()].set_index("person_id")["month"]
    cells = rows.assign(cohort=rows["person_id"].map(cohort).to_numpy())
    cells = cells.assign(k=cells["month"] - cells["cohort"])[["person_id", "cohort", "k"]]
    cells = cells[cells["k"] >= 0].drop_duplicates()
    counts = cells.groupby(["cohort", "k"]).size().unstack(fill_value=0)
    sizes = cohort.value_counts().sort_index()
    last_month = month_number(local_date(as_of, community_zone(community.events)))
    months = range(last_month - int(sizes.index.min()) + 1)
    shares = counts.reindex(index=sizes.index, columns=months, fill_value=0).div(sizes, axis=0) * 100
    reached = np.subtract.outer(last_month - sizes.index.to_numpy(), np.array(months)) >= 0
    shares = shares.where(reached).map(round_half_up)
    table = pd.DataFrame({"cohort_month": [month_label(m) for m in sizes.index], "cohort_size": sizes.to_numpy()})
    return pd.concat([table, shares.set_axis([f"month_{k}" for k in months], axis=1).reset_index(drop=True)],
                     axis=1)


def monthly_trend(community: Attendance, rows: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Per month from the first attended event's to `as_of`'s: active members (as `status_of`
    counts them at the month's end, or at `as_of` when sooner), newcomers (first attended event
    that month) and returning attendees (attended that month, first came earlier).
    `rows`: `attended_rows(community)`."""
    columns = ["month", "active_members", "newcomers", "returning_attendees"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    cohort = rows.loc[rows.groupby("person_id")["order"].idxmin()].set_index("person_id")["month"]
    timezone_name = community_zone(community.events)
    months = list(range(int(rows["month"].min()), month_number(local_date(as_of, timezone_name)) + 1))
    returning = rows[rows["month"] > rows["person_id"].map(cohort).to_numpy()]
    returning = returning.groupby("month")["person_id"].nunique()
    active = [active_members(rows, min(month_start(m + 1, timezone_name), as_of)) for m in months]
    return pd.DataFrame({"month": [month_label(m) for m in months], "active_members": active,
                         "newcomers": cohort.value_counts().reindex(months, fill_value=0).to_numpy(),
                         "returning_attendees": returning.reindex(months, fill_value=0).to_numpy()})


def active_members(rows: pd.DataFrame, moment: datetime) -> int:
    """How many people would be `active` at `moment`: an attended event starting at most 30 whole
    days before it."""
    starts = rows["start_at"].to_numpy(dtype="datetime64[ns]")
    end = np.datetime64(pd.Timestamp(moment).tz_convert("UTC").tz_localize(None), "ns")
    recent = (starts <= end) & ((end - starts) // DAY <= ACTIVE_DAYS)  # whole days, as days_inactive
    return int(np.unique(rows["person_id"].to_numpy()[recent]).size)


# -- the reactivation list ----------------------------------------------------------------------------

def completeness_points(fields: pd.DataFrame) -> pd.Series:
    """5 points for each of COMPLETENESS_FIELDS a person has (blank text does not count)."""
    filled = fields.notna() & (fields.astype(str).apply(lambda column: column.str.strip()) != "")
    return filled[list(COMPLETENESS_FIELDS)].sum(axis=1).astype(int) * POINTS_PER_FIELD


def dormancy_points(days: pd.Series) -> pd.Series:
    """10 + (days inactive − 31) / 59 × 20: 10 points at 31 days, 30 at 90 (2 decimals)."""
    return (10 + (days.astype(float) - (ACTIVE_DAYS + 1)) / (DORMANT_DAYS - ACTIVE_DAYS - 1) * 20).map(round_half_up)


def history_points(events_attended: pd.Series) -> pd.Series:
    """1–4 events attended 10 points, 5–9 15, 10–14 20, 15–19 25, 20 or more 30."""
    conditions = [(events_attended >= low).to_numpy() for low, _ in HISTORY_TIERS]
    return pd.Series(np.select(conditions, [points for _, points in HISTORY_TIERS], 0),
                     index=events_attended.index).astype(int)


def reactivation(members: pd.DataFrame, people: pd.DataFrame, upcoming: pd.DataFrame,
                 template: str, top: int) -> pd.DataFrame:
    """The `top` dormant members by score (completeness + dormancy + history; ties: more events
    attended, then person id), each with a suggested upcoming event and a drafted message."""
    dormant = members[members["status"] == "dormant"]
    info = people.set_index("person_id").reindex(dormant.index)
    fields = info.reindex(columns=list(COMPLETENESS_FIELDS[:-1])).assign(
        favourite_category=dormant["favourite_category"])
    scored = dormant.assign(phone=info["phone"], first_name=info["first_name"],
                            completeness_points=completeness_points(fields),
                            dormancy_points=dormancy_points(dormant["days_inactive"]),
                            history_points=history_points(dormant["events_attended"]))
    scored["score"] = (scored["completeness_points"] + scored["dormancy_points"]
                       + scored["history_points"]).map(round_half_up)
    ranked = scored.reset_index().sort_values(["score", "events_attended", "person_id"],
                                              ascending=[False, False, True]).head(top)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return _with_suggestions(ranked, upcoming, template)[REACTIVATION_COLUMNS]


REACTIVATION_COLUMNS = ["rank", "person_id", "name", "email", "phone", "score", "completeness_points",
                        "dormancy_points", "history_points", "days_inactive", "events_attended",
                        "favourite_category", "last_event", "last_event_date", "suggested_event",
                        "suggested_event_date", "suggested_event_url", "message"]


def suggested_events(favourites: pd.Series, upcoming: pd.DataFrame) -> pd.Series:
    """Per person: the position in `upcoming` (sorted by start, then id) of the soonest event in
    their favourite category, else of the soonest event; NaN when nothing is coming up."""
    if upcoming.empty:
        return pd.Series(np.nan, index=favourites.index)
    by_category = {}
    for position, category in enumerate(upcoming["category"]):
        if isinstance(category, str) and category.strip():
            by_category.setdefault(category.strip().casefold(), position)
    keys = favourites.map(lambda c: c.strip().casefold() if isinstance(c, str) else None)
    return keys.map(by_category).fillna(0).astype(int)


def _with_suggestions(ranked: pd.DataFrame, upcoming: pd.DataFrame, template: str) -> pd.DataFrame:
    """The suggested event's name, date and URL, and the drafted message, of each ranked row."""
    position = suggested_events(ranked["favourite_category"], upcoming)
    chosen = upcoming.reset_index(drop=True).reindex(position.to_numpy())
    dates = [local_date(s, tz) if pd.notna(s) else None for s, tz in zip(chosen["start_at"], chosen["timezone"])]
    ranked = ranked.assign(suggested_event=chosen["name"].to_numpy(),
                           suggested_event_date=[d.isoformat() if d else None for d in dates],
                           suggested_event_url=chosen["signup_url"].to_numpy())
    ranked["message"] = [
        draft_message(template, first_name=_text(first) or "there", last_event=_text(last),
                      event=_text(event), date=spoken_date(day) if day else "", url=_text(url))
        for first, last, event, day, url in zip(ranked["first_name"], ranked["last_event"],
                                                ranked["suggested_event"], dates, ranked["suggested_event_url"])]
    return ranked


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def spoken_date(day) -> str:
    """A date as a message says it: "Thursday 12 June"."""
    return f"{day:%A} {day.day} {day:%B}"


_SENTENCE_END = re.compile(r"((?<=[.!?])[ \t]+|\n+)")


def draft_message(template: str, **values: str) -> str:
    """The template filled in. Every sentence or line of the template that names {event}, {date}
    or {url} while that value is empty is left out: without a suggested event, the message says
    nothing of one."""
    missing = {name for name in EVENT_FIELDS if not values.get(name)}
    parts = _SENTENCE_END.split(template)  # text, separator, text, separator, …, text
    texts, separators = parts[::2], parts[1::2] + [""]
    kept = "".join(text + separator for text, separator in zip(texts, separators)
                   if not set(template_fields(text)) & missing)
    return kept.strip().format(**values)
