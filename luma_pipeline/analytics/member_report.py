"""The Members outputs of analyze.py: member_lifecycle.csv, top_attendees.csv, no_shows.csv,
reactivation.csv, cohort_retention.csv/.png and active_members.csv/.png, and what the report page
shows of them. Every number comes from `members`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from . import member_charts, members
from .charts import save_chart
from .load import CommunityData
from .metrics import Attendance
from .page import write_table

TOP_ATTENDEES = 10
NO_SHOWS_AT_LEAST = 2
MEMBER_CHARTS = (  # file stem, title
    ("cohort_retention", "Do newcomers come back?"),
    ("active_members", "Active members per month"),
)


@dataclass
class MembersReport:
    """What the report page shows of members: status counts and the three lists."""

    status_counts: list[tuple[str, int]]
    top_attendees: pd.DataFrame
    no_shows: pd.DataFrame
    reactivation: pd.DataFrame
    members: int  # people who ever RSVPed


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
    write_table(outdir / "cohort_retention.csv", cohorts, index=False)
    save_chart(member_charts.cohort_heatmap(cohorts), outdir / "cohort_retention.png")
    trend = members.monthly_trend(community, rows, as_of)
    write_table(outdir / "active_members.csv", trend, index=False)
    save_chart(member_charts.active_members_chart(trend), outdir / "active_members.png")
    return MembersReport(members.status_counts(lifecycle), best, missed, invite, len(lifecycle))
