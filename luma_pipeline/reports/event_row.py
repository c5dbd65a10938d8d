"""One event against the ones before it: the row event_analysis_single.py keeps in its CSV, which
generate_all_placards.py turns into placards. Every number comes from `metrics`."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analytics import metrics
from ..analytics.load import CommunityData
from ..files import atomic_write
from ..text import academic_year_end, local_date, spreadsheet_safe, spreadsheet_text
from . import comparison

PREVIOUS_EVENTS = 4
TOP_SCHOOLS = 3
GENDERS = ["female", "male"]
STANDINGS = ["underclass", "upperclass"]

COLUMNS = (
    ["event_id", "event_name", "event_date", "category", "venue",
     "rsvps", "attendees", "first_timers",
     "previous_event_id", "previous_event_name", "previous_event_date",
     "rsvps_change_pct", "attendees_change_pct", "first_timers_change_pct",
     "cost", "cost_per_attendee", "cost_per_first_timer"]
    + [f"gender_{g}_pct" for g in GENDERS + ["other", "unknown"]]
    + [f"school_{i}{suffix}" for i in range(1, TOP_SCHOOLS + 1) for suffix in ("", "_pct")]
    + ["school_other_pct", "school_unknown_pct"]
    + [f"{s}_pct" for s in STANDINGS] + ["class_other_pct", "class_unknown_pct"]
    + ["first_event_pct", "second_third_event_pct", "fourth_plus_event_pct"]
    + [f"prev{i}_{field}" for i in range(1, PREVIOUS_EVENTS + 1)
       for field in ("event_name", "event_date", "attendees_returned_pct", "first_timers_returned_pct")]
    # added later, so the columns above keep their places: whether attendance was taken (yes/no),
    # how the previous event was picked (comparison.SAME_KIND …) and its category, the cost's currency
    + ["attendance_taken", "comparison", "previous_event_category", "currency"]
)


@dataclass
class EventAnalysis:
    """The numbers of one event (one CSV row) and what is needed to say them."""

    row: dict
    compared_with: list  # event ids of the earlier events compared against, newest first


def analyse_event(data: CommunityData, community: metrics.Attendance, event_metrics: pd.DataFrame,
                  event_id: int, *, min_attendees: int, start_month: int,
                  compare_with: list | None = None) -> EventAnalysis:
    """Every column of COLUMNS for one settled event."""
    this = event_metrics.loc[event_id]
    attended = community.attended
    earlier = compare_with or comparison.comparable_before(event_metrics, event_id, min_attendees,
                                                           PREVIOUS_EVENTS)
    previous, how = ((compare_with[0], comparison.CHOSEN) if compare_with
                     else comparison.previous_event(event_metrics, event_id, min_attendees))
    row = {"event_id": event_id, "event_name": this["name"], "event_date": event_date(this),
           "category": this["category"], "venue": data.events.set_index("event_id").at[event_id, "venue"],
           "rsvps": int(this["total_rsvps"]), "attendees": metrics.whole_or_none(this["total_attendees"]),
           "first_timers": metrics.whole_or_none(this["first_time_attendees"]),
           "attendance_taken": "yes" if this["attendance_counted"] else "no", "comparison": how}
    row.update(_against_previous(event_metrics, this, previous))
    row.update(_costs(data, event_id, this))
    attendee_people = data.people.set_index("person_id").reindex(
        attended.loc[attended["event_id"] == event_id, "person_id"])
    row.update(_demographics(attendee_people, this, start_month))
    pattern = comparison.attendance_pattern(attended, event_id)
    row.update(zip(("first_event_pct", "second_third_event_pct", "fourth_plus_event_pct"), pattern.values()))
    for i, earlier_id in enumerate(earlier[:PREVIOUS_EVENTS], start=1):
        returned, first_returned = (comparison.carried_over(community, earlier_id, event_id)
                                    if this["attendance_counted"] else (None, None))  # not 0%: unknown
        row.update({f"prev{i}_event_name": event_metrics.at[earlier_id, "name"],
                    f"prev{i}_event_date": event_date(event_metrics.loc[earlier_id]),
                    f"prev{i}_attendees_returned_pct": returned,
                    f"prev{i}_first_timers_returned_pct": first_returned})
    return EventAnalysis({c: row.get(c) for c in COLUMNS}, list(earlier[:PREVIOUS_EVENTS]))


def event_date(event: pd.Series) -> str:
    """The event's date in its own timezone (YYYY-MM-DD)."""
    return local_date(event["start_at"], event["timezone"]).isoformat()


def _against_previous(event_metrics: pd.DataFrame, this: pd.Series, previous_id) -> dict:
    if previous_id is None:
        return {}
    before = event_metrics.loc[previous_id]
    return {"previous_event_id": previous_id, "previous_event_name": before["name"],
            "previous_event_date": event_date(before), "previous_event_category": before["category"],
            "rsvps_change_pct": comparison.pct_change(this["total_rsvps"], before["total_rsvps"]),
            "attendees_change_pct": comparison.pct_change(this["total_attendees"], before["total_attendees"]),
            "first_timers_change_pct": comparison.pct_change(this["first_time_attendees"],
                                                             before["first_time_attendees"])}


def _costs(data: CommunityData, event_id: int, this: pd.Series) -> dict:
    event = data.events.set_index("event_id").loc[event_id]
    cost = event["cost"]
    if cost is None or pd.isna(cost):
        return {}
    def per(count):
        return None if not count or pd.isna(count) else metrics.round_half_up(float(cost) / float(count))
    return {"cost": metrics.round_half_up(float(cost)), "cost_per_attendee": per(this["total_attendees"]),
            "cost_per_first_timer": per(this["first_time_attendees"]),
            "currency": event.get("currency") if isinstance(event.get("currency"), str) else None}


def _demographics(people: pd.DataFrame, this: pd.Series, start_month: int) -> dict:
    if people.empty:
        return {}
    row = {f"gender_{k}_pct": v for k, v in comparison.shares(people["gender"], GENDERS).items()}
    counts = people["school"].dropna().value_counts().sort_index()  # ties: alphabetical
    schools = counts.sort_values(ascending=False, kind="stable").head(TOP_SCHOOLS)
    school_shares = comparison.shares(people["school"], list(schools.index))
    for i, school in enumerate(schools.index, start=1):
        row[f"school_{i}"], row[f"school_{i}_pct"] = school, school_shares[school]
    row["school_other_pct"], row["school_unknown_pct"] = school_shares["other"], school_shares["unknown"]
    year_end = academic_year_end(local_date(this["start_at"], this["timezone"]), start_month)
    standing = comparison.shares(comparison.class_standing(people["class_year"], year_end), STANDINGS)
    row.update({"underclass_pct": standing["underclass"], "upperclass_pct": standing["upperclass"],
                "class_other_pct": standing["other"], "class_unknown_pct": standing["unknown"]})
    return row


# -- the CSV ----------------------------------------------------------------------------------------

def read_rows(path: Path) -> list[dict]:
    """The rows of an event-analysis CSV (none when it does not exist yet)."""
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write the CSV with the fixed header, atomically; values made safe for spreadsheets; a UTF-8
    BOM first, so spreadsheet programs show accents and emoji."""
    with atomic_write(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _cell(row.get(c)) for c in COLUMNS})


def archive_row(path: Path, row: dict) -> None:
    """Add a row to an archive CSV (event_analysis_done.csv): rows are only ever added, and a row
    already there as it is (a run that stopped after archiving it) is not added twice."""
    kept = read_rows(path)
    cells = {c: str(_cell(row.get(c))) for c in COLUMNS}
    if not any({c: r.get(c) or "" for c in COLUMNS} == cells for r in kept):
        write_rows(path, kept + [row])


def save_row(path: Path, row: dict) -> None:
    """Add an event's row to the CSV; a row of the same event is replaced, not added twice."""
    kept = [r for r in read_rows(path) if str(r.get("event_id")) != str(row["event_id"])]
    write_rows(path, kept + [row])


def _cell(value) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):  # a row read back from the CSV was escaped when first written
        value = spreadsheet_text(value)
    return spreadsheet_safe(value)
