"""The Members outputs of analyze.py: member_lifecycle.csv, top_attendees.csv, no_shows.csv,
reactivation.csv, cohort_retention.csv/.png and active_members.csv/.png, and the page's Members
section. Every number comes from `members`."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from . import member_charts, members, takeaways
from .charts import save_chart
from .load import CommunityData
from .metrics import Attendance
from .page import SUMMARY_WORDS, chart_html, people_list_html, write_table

TOP_ATTENDEES = 10
NO_SHOWS_AT_LEAST = 2
MEMBER_CHARTS = (  # file stem, title
    ("cohort_retention", "Do newcomers come back?"),
    ("active_members", "Active members per month"),
)


@dataclass
class MembersReport:
    """What the report page shows of members: status counts, the three lists, the charts' takeaways."""

    status_counts: list[tuple[str, int]]
    top_attendees: pd.DataFrame
    no_shows: pd.DataFrame
    reactivation: pd.DataFrame
    members: int  # people who ever RSVPed
    takeaways: dict


def write_member_outputs(outdir: Path, community: Attendance, data: CommunityData, as_of: datetime,
                         *, template: str, top: int) -> MembersReport:
    """Compute the members' numbers as of `as_of`, write their CSVs and charts, return the page's part."""
    rows = members.attended_rows(community)
    lifecycle = members.lifecycle(community, rows, data.people, as_of)
    write_table(outdir / "member_lifecycle.csv", lifecycle.reset_index(), index=False, bom=True)
    best = members.top_attendees(lifecycle, TOP_ATTENDEES)
    write_table(outdir / "top_attendees.csv", best, index=False, bom=True)
    missed = members.repeat_no_shows(lifecycle, NO_SHOWS_AT_LEAST)
    write_table(outdir / "no_shows.csv", missed, index=False, bom=True)
    invite = members.reactivation(lifecycle, data.people, data.upcoming, template, top)
    write_table(outdir / "reactivation.csv", invite, index=False, bom=True)
    cohorts = members.cohort_retention(community, rows, as_of)
    trend = members.monthly_trend(community, rows, as_of)
    said = {"cohort_retention": takeaways.cohorts(cohorts), "active_members": takeaways.active_members(trend)}
    write_table(outdir / "cohort_retention.csv", cohorts, index=False)
    save_chart(member_charts.cohort_heatmap(cohorts, said["cohort_retention"]), outdir / "cohort_retention.png")
    write_table(outdir / "active_members.csv", trend, index=False)
    save_chart(member_charts.active_members_chart(trend, said["active_members"]), outdir / "active_members.png")
    return MembersReport(members.status_counts(lifecycle), best, missed, invite, len(lifecycle), said)


REACTIVATION_SHOWN = (("#", "rank"), ("name", "name"), ("score", "score"), ("days inactive", "days_inactive"),
                      ("events", "events_attended"), ("favourite category", "favourite_category"),
                      ("suggested event", "suggested_event"), ("on", "suggested_event_date"))
TOP_SHOWN = (("#", "rank"), ("name", "name"), ("events attended", "events_attended"),
             ("last came", "last_event_date"), ("status", "status"))
NO_SHOWS_SHOWN = (("name", "name"), ("no-shows", "no_shows"), ("events attended", "events_attended"),
                  ("status", "status"))


def members_section(outdir: Path, report: MembersReport) -> str:
    """The Members section: status counts, the heatmap and the trend, the first rows of the
    reactivation list, the top attendees and the people who often do not show up (names only:
    emails and phones stay in the CSVs)."""
    counts = "".join(f"<tr><td>{html.escape(SUMMARY_WORDS[name][0])}<small>"
                     f"{html.escape(SUMMARY_WORDS[name][1])}</small></td><td>{value:,}</td></tr>"
                     for name, value in report.status_counts)
    parts = [f"<h2 id=members>Members</h2><p class=meta>{report.members:,} people have RSVPed at least once.</p>",
             f"<table class=summary>{counts}</table>"]
    parts += [chart_html(outdir, stem, title, report.takeaways[stem]) for stem, title in MEMBER_CHARTS]
    parts.append(people_list_html("Invite them back", report.reactivation, REACTIVATION_SHOWN, "reactivation.csv",
                                  "dormant members, best first, with a suggested event and a drafted message",
                                  "No dormant members: nobody to invite back."))
    parts.append(people_list_html("Top attendees", report.top_attendees, TOP_SHOWN, "top_attendees.csv",
                                  "the 10 people who attended most", "No data yet: nobody has attended."))
    parts.append(people_list_html("Often RSVP but do not come", report.no_shows, NO_SHOWS_SHOWN, "no_shows.csv",
                                  "people with 2 or more no-shows (RSVPed, did not check in, attendance was "
                                  "taken)", "Nobody has 2 or more no-shows."))
    return "\n".join(parts)
