"""The two charts of members over time: the cohort heatmap and the monthly trend (matplotlib, no I/O)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from .charts import COLORS, WIDTH, no_data_chart, titled

HEATMAP_COHORTS = 12  # the latest cohorts drawn; cohort_retention.csv keeps them all
HEATMAP_MONTHS = 12   # months after the first drawn (0-11)
TREND_MONTHS = 24     # the latest months drawn; active_members.csv keeps them all


def cohort_heatmap(table: pd.DataFrame, takeaway: str) -> Figure:
    """Cohorts (rows, with their sizes) by months since their first event (columns): the share
    who came back, written in each cell; months not reached yet are left blank."""
    if table.empty:
        return no_data_chart("Do newcomers come back?", "No data yet: nobody has attended an event.")
    shown = table.tail(HEATMAP_COHORTS)
    months = [c for c in shown.columns if c.startswith("month_")][:HEATMAP_MONTHS]
    values = shown[months].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(WIDTH, 1.0 + 0.55 * len(shown) + 1.6), layout="constrained")
    ax.imshow(np.ma.masked_invalid(values), cmap="Blues", vmin=0, vmax=100, aspect="auto", interpolation="nearest")
    for (row, column), share in np.ndenumerate(values):
        if not np.isnan(share):
            ax.text(column, row, f"{share:.0f}%", ha="center", va="center", fontsize=13,
                    color="white" if share >= 55 else "#1f2937")
    ax.set_xticks(range(len(months)), [m.removeprefix("month_") for m in months], fontsize=12)
    ax.set_yticks(range(len(shown)), [f"{c}  ({n} {'person' if n == 1 else 'people'})"
                                      for c, n in zip(shown["cohort_month"], shown["cohort_size"])], fontsize=12)
    ax.set_xlabel("months after their first event (blank: not reached yet)", fontsize=11)
    ax.set_ylabel("first event in (cohort)", fontsize=11)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    titled(fig, ax, "Do newcomers come back? Share of each month's newcomers who attended later", takeaway)
    return fig


def active_members_chart(trend: pd.DataFrame, takeaway: str) -> Figure:
    """Per month: newcomers and returning attendees (stacked bars) and active members (a line)."""
    if trend.empty:
        return no_data_chart("Active members", "No data yet: nobody has attended an event.")
    shown = trend.tail(TREND_MONTHS).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 5.6), layout="constrained")
    positions = np.arange(len(shown))
    ax.bar(positions, shown["returning_attendees"], color=COLORS["attendees"], label="returning attendees")
    ax.bar(positions, shown["newcomers"], bottom=shown["returning_attendees"], color=COLORS["first"],
           label="newcomers (first event)")
    ax.plot(positions, shown["active_members"], color=COLORS["rate"], marker="o", linewidth=2,
            label="active members (attended in the last 30 days)")
    for x, active in zip(positions, shown["active_members"]):
        ax.annotate(f"{active}", (x, active), xytext=(0, 6), textcoords="offset points", ha="center",
                    fontsize=8, color=COLORS["rate"])
    labels = [pd.Period(m, "M").strftime("%b '%y") for m in shown["month"]]
    step = max(1, int(np.ceil(len(shown) / 16)))
    ax.set_xticks(positions[::step], labels[::step], fontsize=9)
    top = max(float(shown[["active_members"]].max().iloc[0]),
              float((shown["newcomers"] + shown["returning_attendees"]).max()), 1.0)
    ax.set_ylim(0, top * 1.25)
    ax.set_ylabel("people")
    titled(fig, ax, "Active members, newcomers and returning attendees per month", takeaway)
    ax.legend(loc="upper left", ncols=3)
    return fig
