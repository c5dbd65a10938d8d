"""Several calendars and organisations in the analysis: which events `--calendar` / `--organisation`
keep (first events still count across the whole community), and the per-calendar and
per-organisation table (events, attendees, first-timers, return rate)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..runner import UsageError
from . import metrics

GROUP_COLUMNS = ["events", "attendees", "first_timers", "return_rate_pct"]


@dataclass(frozen=True)
class Choice:
    """The organiser's restriction of the per-event outputs (None: everything)."""

    calendar: str | None = None
    organisation: str | None = None

    def describe(self) -> str:
        """How the report says what it shows."""
        parts = [f"calendar {self.calendar!r}" if self.calendar else "",
                 f"organisation {self.organisation!r}" if self.organisation else ""]
        return "Showing the events of " + " and ".join(p for p in parts if p) + \
            " only; first events and returns count across the whole community."


def load_groups(conn) -> pd.DataFrame:
    """Every event's calendars (any that ever listed it) and organisation: (event_id, kind, name)."""
    with conn.cursor() as cur:
        cur.execute("""SELECT l.event_id, 'calendar', c.name FROM event_calendars l
                       JOIN calendars c ON c.id = l.calendar_id
                       UNION ALL
                       SELECT id, 'organisation', organisation FROM events WHERE organisation IS NOT NULL
                       ORDER BY 2, 3, 1""")
        return pd.DataFrame(cur.fetchall(), columns=["event_id", "kind", "name"])


def chosen_events(groups: pd.DataFrame, choice: Choice) -> set[int] | None:
    """The event ids the choice keeps (None: no restriction); an unknown name is a usage error
    listing the known ones."""
    kept = None
    for kind, name in (("calendar", choice.calendar), ("organisation", choice.organisation)):
        if not name:
            continue
        of_kind = groups[groups["kind"] == kind]
        matching = of_kind[of_kind["name"].str.casefold() == name.casefold()]
        if matching.empty:
            known = ", ".join(sorted(of_kind["name"].unique())) or "none yet"
            raise UsageError(f"no {kind} named {name!r} (known: {known})")
        ids = set(matching["event_id"].astype(int))
        kept = ids if kept is None else kept & ids
    return kept


def restrict(event_table: pd.DataFrame | None, community: metrics.Attendance | None,
             kept: set[int] | None) -> tuple[pd.DataFrame | None, metrics.Attendance | None]:
    """The per-event numbers and the attendance of the kept events only. The numbers were worked
    out over the whole community, so a first-timer here is new to the community, not to the club."""
    if kept is None or community is None:
        return event_table, community
    events = community.events[community.events["event_id"].isin(kept)]
    guests = community.guests[community.guests["event_id"].isin(kept)]
    attended = community.attended[community.attended["event_id"].isin(kept)]
    people = community.people[community.people["first_event_id"].isin(kept)]
    counted = community.counted[community.counted.index.isin(kept)]
    return (event_table[event_table.index.isin(kept)],
            metrics.Attendance(events, guests, counted, attended, people))


def group_table(groups: pd.DataFrame, event_table: pd.DataFrame,
                community: metrics.Attendance) -> pd.DataFrame:
    """Per calendar and per organisation: settled events, distinct attendees, first-timers (people
    whose first event in the community was one of them), and the return rate within
    RETURN_WINDOW_DAYS (attendances followed by another event anywhere within the window /
    attendances, over the events whose window has closed), as the summary's average."""
    rows = []
    for (kind, name), members in groups.groupby(["kind", "name"], sort=True):
        ids = set(members["event_id"].astype(int)) & set(event_table.index)
        table = event_table[event_table.index.isin(ids)]
        returnable = table[table["return_rate_window"].notna()]  # closed windows only, as the summary
        rows.append({"kind": kind, "name": name, "events": len(table),
                     "attendees": community.attended.loc[community.attended["event_id"].isin(ids),
                                                         "person_id"].nunique(),
                     "first_timers": int(community.people["first_event_id"].isin(ids).sum()),
                     "return_rate_pct": metrics.pct(returnable["returned_within_window"].sum(),
                                                    returnable["total_attendees"].sum())})
    return pd.DataFrame(rows, columns=["kind", "name", *GROUP_COLUMNS])


def worth_showing(groups: pd.DataFrame, organisations_mapped: bool) -> bool:
    """A breakdown says something once there are several calendars, or organisations the organiser
    mapped (ORGANISATIONS); one calendar on its own (its events all `default`'s) says nothing new."""
    calendars = groups.loc[groups["kind"] == "calendar", "name"].nunique()
    organisations = groups.loc[groups["kind"] == "organisation", "name"].nunique()
    return calendars > 1 or (organisations_mapped and organisations > 0)


def summary_rows(table: pd.DataFrame) -> list[tuple[str, object]]:
    """The table as summary_stats.csv rows: `calendar <name>: events`, … `organisation <name>: …`."""
    return [(f"{row['kind']} {row['name']}: {column}", row[column])
            for _, row in table.iterrows() for column in GROUP_COLUMNS]


def calendar_breakdown(groups: pd.DataFrame, event_table: pd.DataFrame | None,
                       community: metrics.Attendance | None,
                       organisations_mapped: bool) -> tuple[pd.DataFrame | None, bool]:
    """The per-calendar and per-organisation table (None when there is no data or nothing worth
    showing), and whether there is something worth showing."""
    several = worth_showing(groups, organisations_mapped)
    if community is None or not several:
        return None, several
    return group_table(groups, event_table, community), several
