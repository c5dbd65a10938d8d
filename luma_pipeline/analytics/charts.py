"""The five charts of DESIGN.md, drawn with matplotlib (no I/O but `save_chart`)."""
from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen: cron, containers, CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..files import atomic_write  # noqa: E402
from ..text import local_date  # noqa: E402

DPI = 150
MAX_LABELS = 40  # event labels shown on one axis before they are thinned
LABEL_CHARS = 26
COLORS = {"rsvps": "#b8c4d6", "attendees": "#3b6ea8", "returned": "#e07b39", "first": "#4c9a62",
          "never": "#c9a227", "rate": "#8c2d19"}
RETURN_COLORS = ["#d9d9d9", "#9ecae1", "#4292c6", "#08519c"]
plt.rcParams.update({"font.size": 9, "axes.titlesize": 12, "axes.titleweight": "bold",
                     "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": DPI,
                     "legend.frameon": False})


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """A name cut to `limit` characters with an ellipsis, at a word boundary when one is near;
    emoji are dropped (the chart font has none)."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("So", "Cs", "Co"))
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip(" ,:;-–—") + "…"


def event_label(row: pd.Series) -> str:
    """"Mar 05 '25" (in the event's own timezone) over the shortened event name."""
    return f"{local_date(row['start_at'], row['timezone']):%b %d '%y}\n{shorten(row['name'])}"


def _event_axis_figure(n_events: int) -> tuple[Figure, plt.Axes]:
    width = min(28.0, max(10.0, 0.32 * n_events + 3))
    fig, ax = plt.subplots(figsize=(width, 6.2), layout="constrained")
    return fig, ax


def _label_events(ax: plt.Axes, metrics: pd.DataFrame) -> None:
    """Event labels under the bars; with many events only every k-th is written (never overprinted)."""
    step = max(1, math.ceil(len(metrics) / MAX_LABELS))
    positions = range(0, len(metrics), step)
    ax.set_xticks(list(range(len(metrics))), minor=True)
    ax.set_xticks(list(positions))
    labels = [event_label(metrics.iloc[i]) for i in positions]
    ax.set_xticklabels(labels, rotation=60 if len(metrics) > 8 else 0,
                       ha="right" if len(metrics) > 8 else "center", fontsize=7.5)
    ax.tick_params(axis="x", which="minor", length=2)
    ax.set_xlim(-0.7, len(metrics) - 0.3)


def _grouped_bars(ax: plt.Axes, series: list[tuple[str, pd.Series, str]], values: bool) -> None:
    """Bars side by side, one group per row; the top fifth is left free for the legend."""
    width = 0.8 / len(series)
    tallest = max((float(data.max()) for _, data, _ in series if data.notna().any()), default=0.0)
    ax.set_ylim(0, max(tallest, 1.0) * 1.2)
    for i, (label, data, color) in enumerate(series):
        x = [p + (i - (len(series) - 1) / 2) * width for p in range(len(data))]
        bars = ax.bar(x, data.to_numpy(dtype=float), width=width, label=label, color=color)
        if values:
            ax.bar_label(bars, fmt="%.0f", fontsize=6.5, padding=1)


def _mark_missing(ax: plt.Axes, metrics: pd.DataFrame) -> None:
    """Say "no check-ins" where attendance metrics are missing, so a gap is not read as zero."""
    for position, counted in enumerate(metrics["attendance_counted"]):
        if not counted:
            ax.annotate("no check-ins\n(not counted)", (position, 0), xytext=(0, 18),
                        textcoords="offset points", ha="center", fontsize=6.5, color="#8c2d19",
                        rotation=90)


def retention_chart(metrics: pd.DataFrame) -> Figure:
    """Chart 1: per settled event, RSVPs, attendees and attendees who came back later, with the
    return rate on a second axis."""
    fig, ax = _event_axis_figure(len(metrics))
    _grouped_bars(ax, [("RSVPs", metrics["total_rsvps"], COLORS["rsvps"]),
                       ("attendees", metrics["total_attendees"], COLORS["attendees"]),
                       ("attendees who came back later", metrics["returned_later"], COLORS["returned"])],
                  values=len(metrics) <= 25)
    _mark_missing(ax, metrics)
    rate = ax.twinx()
    rate.plot(range(len(metrics)), metrics["return_rate"].to_numpy(dtype=float), marker="o",
              color=COLORS["rate"], linewidth=1.5, markersize=3.5, label="return rate (%)")
    rate.set_ylim(0, 105)
    rate.set_ylabel("return rate (%)")
    rate.spines["right"].set_visible(True)
    ax.set_title("Who comes back: attendees of each event who came to a later one")
    ax.set_ylabel("people")
    _label_events(ax, metrics)
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", ncols=4)
    return fig


def new_members_chart(metrics: pd.DataFrame) -> Figure:
    """Chart 2: per settled event, RSVPs, attendees, first-time attendees, and first-time RSVPs
    who never attended anything."""
    fig, ax = _event_axis_figure(len(metrics))
    _grouped_bars(ax, [("RSVPs", metrics["total_rsvps"], COLORS["rsvps"]),
                       ("attendees", metrics["total_attendees"], COLORS["attendees"]),
                       ("first-time attendees", metrics["first_time_attendees"], COLORS["first"]),
                       ("first-time RSVPs who never attended", metrics["first_time_rsvps_never_attended"],
                        COLORS["never"])], values=len(metrics) <= 20)
    _mark_missing(ax, metrics)
    ax.set_title("New members: first-timers each event brought")
    ax.set_ylabel("people")
    _label_events(ax, metrics)
    ax.legend(loc="upper left", ncols=4)
    return fig


def category_chart(table: pd.DataFrame) -> Figure:
    """Chart 3: per category, first-time attendees whose first event was in it, stacked by how
    many times they came back."""
    fig, ax = plt.subplots(figsize=(max(8.0, 1.1 * len(table) + 4), 5.5), layout="constrained")
    bottom = pd.Series(0, index=table.index, dtype=float)
    buckets = [c for c in table.columns if c != "first_time_attendees"]
    for bucket, color in zip(buckets, RETURN_COLORS):
        bars = ax.bar([shorten(c, 18) for c in table.index], table[bucket], bottom=bottom,
                      label=bucket, color=color)
        ax.bar_label(bars, labels=[str(v) if v else "" for v in table[bucket]], label_type="center",
                     fontsize=7)
        bottom += table[bucket]
    for position, total in enumerate(table["first_time_attendees"]):
        ax.annotate(str(total), (position, total), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontweight="bold")
    ax.set_title("First-time attendees by the category of their first event")
    ax.set_ylabel("first-time attendees")
    ax.set_xlabel("category of their first event")
    ax.legend(loc="upper right")
    return fig


def party_funnel_chart(funnel: pd.Series | None, party_category: str) -> Figure:
    """Chart 4: the funnel of party events, RSVPs → attendees → first-timers → came back."""
    if funnel is None:
        return no_data_chart(f"{party_category.title()} funnel",
                             f"No {party_category} events yet (events whose category is "
                             f"'{party_category}', settled and with check-ins).")
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    labels = [f"{funnel.iloc[0]:.0f}"] + [
        f"{now:.0f}" + (f" ({now / before * 100:.0f}% of {stage_before})" if before else "")
        for (stage_before, before), now in zip(funnel.iloc[:-1].items(), funnel.iloc[1:])]
    # top to bottom in funnel order
    bars = ax.barh(list(funnel.index)[::-1], funnel.to_numpy(dtype=float)[::-1],
                   color=[COLORS["returned"], COLORS["first"], COLORS["attendees"], COLORS["rsvps"]])
    ax.bar_label(bars, labels=labels[::-1], padding=3)
    ax.set_xlim(0, max(float(funnel.max()), 1.0) * 1.45)
    ax.set_title(f"{party_category.title()} funnel: from RSVP to coming back")
    ax.set_xlabel("people (all settled party events)")
    return fig


def rsvp_conversion_chart(table: pd.DataFrame) -> Figure:
    """Chart 5: people who ever RSVPed, by how many events they attended; all events and without
    parties."""
    fig, ax = plt.subplots(figsize=(10, 5.2), layout="constrained")
    _grouped_bars(ax, [(c, table[c], color) for c, color in zip(table.columns,
                                                                 (COLORS["attendees"], COLORS["first"]))],
                  values=True)
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(table.index)
    ax.set_title("How RSVPs turn into attendance: people who ever RSVPed")
    ax.set_xlabel("events attended")
    ax.set_ylabel("people")
    ax.legend()
    return fig


def no_data_chart(title: str, message: str) -> Figure:
    """A chart that says there is nothing to show yet, and why."""
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=12, color="#555555",
            transform=ax.transAxes)
    return fig


def save_chart(fig: Figure, path: Path) -> None:
    """Write a chart as PNG at 150 dpi, atomically, and free its memory."""
    try:
        with atomic_write(path, "wb") as handle:
            fig.savefig(handle, format="png", dpi=DPI)
    finally:
        plt.close(fig)
