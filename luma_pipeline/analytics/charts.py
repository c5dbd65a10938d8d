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
LABEL_ROTATION = 30  # degrees at most: steeper labels are hard to read on a slide
WIDTH = 12.0  # inches: every chart as wide, so text reads the same size across the page
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


def event_labels(events: pd.DataFrame) -> list[str]:
    """One label per event, unique: "Mar 05 '25 · " (in the event's own timezone) and its shortened
    name; a label that would repeat an earlier one gets " (2)", " (3)" …"""
    labels, seen = [], {}
    for start, zone_name, name in zip(events["start_at"], events["timezone"], events["name"]):
        label = f"{local_date(start, zone_name):%b %d '%y} · {shorten(name)}"
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    while len(set(labels)) < len(labels):  # a suffixed label met a name that ends the same way
        labels = [f"{label} #{i + 1}" for i, label in enumerate(labels)]
    return labels


def titled(fig: Figure, ax: plt.Axes, title: str, takeaway: str) -> None:
    """The chart's title, with its one-line takeaway under it."""
    fig.suptitle(title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    ax.set_title(takeaway, loc="left", fontsize=10.5, color="#374151", fontweight="normal")


def _event_axis_figure(n_events: int) -> tuple[Figure, plt.Axes]:
    width = min(28.0, max(WIDTH, 0.45 * n_events + 3))
    fig, ax = plt.subplots(figsize=(width, 7.0), layout="constrained")
    return fig, ax


def _label_events(ax: plt.Axes, metrics: pd.DataFrame) -> None:
    """Event labels under the bars, at 30° at most; with many events only every k-th is written
    (never overprinted)."""
    step = max(1, math.ceil(len(metrics) / MAX_LABELS))
    positions = range(0, len(metrics), step)
    labels = event_labels(metrics)
    ax.set_xticks(list(range(len(metrics))), minor=True)
    ax.set_xticks(list(positions))
    slanted = len(metrics) > 6
    ax.set_xticklabels([labels[i] for i in positions], rotation=LABEL_ROTATION if slanted else 0,
                       ha="right" if slanted else "center", rotation_mode="anchor", fontsize=8.5)
    ax.tick_params(axis="x", which="minor", length=2)
    ax.set_xlim(-0.7, len(metrics) - 0.3)


def _grouped_bars(ax: plt.Axes, series: list[tuple[str, pd.Series, str]], values: bool) -> list:
    """Bars side by side, one group per row; the top fifth is left free for the legend."""
    width = 0.8 / len(series)
    tallest = max((float(data.max()) for _, data, _ in series if data.notna().any()), default=0.0)
    ax.set_ylim(0, max(tallest, 1.0) * 1.2)
    drawn = []
    for i, (label, data, color) in enumerate(series):
        x = [p + (i - (len(series) - 1) / 2) * width for p in range(len(data))]
        bars = ax.bar(x, data.to_numpy(dtype=float), width=width, label=label, color=color)
        if values:
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
        drawn.append(bars)
    return drawn


def _mark_missing(ax: plt.Axes, metrics: pd.DataFrame) -> None:
    """Say "no check-ins" where attendance metrics are missing, so a gap is not read as zero."""
    for position, counted in enumerate(metrics["attendance_counted"]):
        if not counted:
            ax.annotate("no check-ins\n(not counted)", (position, 0), xytext=(0, 18),
                        textcoords="offset points", ha="center", fontsize=7, color="#8c2d19",
                        rotation=90)


def _mark_open_windows(ax: plt.Axes, metrics: pd.DataFrame, window_days: int) -> None:
    """Shade the events whose return window is still open (the latest ones), and say why."""
    still_open = (metrics["attendance_counted"] & metrics["returned_within_window"].isna()).to_numpy()
    if not still_open.any():
        return
    first = int(still_open.argmax())
    ax.axvspan(first - 0.45, len(metrics) - 0.55, facecolor="#e5e7eb", alpha=0.6, hatch="//", zorder=0,
               edgecolor="#9ca3af", linewidth=0)
    ax.text((first + len(metrics) - 1) / 2, ax.get_ylim()[1] * 0.86,
            f"window still open:\nless than {window_days} days ago,\ntoo soon to tell", ha="center",
            va="top", fontsize=8.5, color="#4b5563")


def retention_chart(metrics: pd.DataFrame, window_days: int, takeaway: str) -> Figure:
    """Chart 1: per settled event, RSVPs, attendees and attendees who came back within the
    window, with that return rate on a second axis; events whose window is open are shaded."""
    fig, ax = _event_axis_figure(len(metrics))
    _grouped_bars(ax, [("RSVPs", metrics["total_rsvps"], COLORS["rsvps"]),
                       ("attendees", metrics["total_attendees"], COLORS["attendees"]),
                       (f"came back within {window_days} days", metrics["returned_within_window"],
                        COLORS["returned"])],
                  values=len(metrics) <= 25)
    _mark_missing(ax, metrics)
    _mark_open_windows(ax, metrics, window_days)
    rate = ax.twinx()
    rate.plot(range(len(metrics)), metrics["return_rate_window"].to_numpy(dtype=float), marker="o",
              color=COLORS["rate"], linewidth=1.5, markersize=4, label=f"return rate within {window_days} days (%)")
    rate.set_ylim(0, 105)
    rate.set_ylabel(f"came back within {window_days} days (%)")
    rate.spines["right"].set_visible(True)
    titled(fig, ax, "Who comes back: attendees of each event who came to another within "
           f"{window_days} days", takeaway)
    ax.set_ylabel("people")
    _label_events(ax, metrics)
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", ncols=4)
    return fig


def new_members_chart(metrics: pd.DataFrame, takeaway: str) -> Figure:
    """Chart 2: per settled event, RSVPs, attendees, first-time attendees, and first-time RSVPs
    who never attended anything."""
    fig, ax = _event_axis_figure(len(metrics))
    _grouped_bars(ax, [("RSVPs", metrics["total_rsvps"], COLORS["rsvps"]),
                       ("attendees", metrics["total_attendees"], COLORS["attendees"]),
                       ("first-time attendees", metrics["first_time_attendees"], COLORS["first"]),
                       ("first-time RSVPs who never attended", metrics["first_time_rsvps_never_attended"],
                        COLORS["never"])], values=len(metrics) <= 20)
    _mark_missing(ax, metrics)
    titled(fig, ax, "New members: first-timers each event brought", takeaway)
    ax.set_ylabel("people")
    _label_events(ax, metrics)
    ax.legend(loc="upper left", ncols=4)
    return fig


def category_chart(table: pd.DataFrame, takeaway: str) -> Figure:
    """Chart 3: per category, first-time attendees whose first event was in it, stacked by how
    many times they came back."""
    fig, ax = plt.subplots(figsize=(max(WIDTH, 1.1 * len(table) + 4), 6.0), layout="constrained")
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
    titled(fig, ax, "First-time attendees by the category of their first event", takeaway)
    ax.set_ylabel("first-time attendees")
    ax.set_xlabel("category of their first event")
    ax.legend(loc="upper right")
    return fig


def party_funnel_chart(funnel: pd.Series | None, party_category: str, takeaway: str) -> Figure:
    """Chart 4: the funnel of party events, RSVPs → attendees → first-timers → came back."""
    if funnel is None:
        return no_data_chart(f"{party_category.title()} funnel",
                             f"No {party_category} events yet (events whose category is "
                             f"'{party_category}', settled and with check-ins).")
    fig, ax = plt.subplots(figsize=(WIDTH, 5.2), layout="constrained")
    labels = [f"{funnel.iloc[0]:.0f}"] + [
        f"{now:.0f}" + (f" ({now / before * 100:.0f}% of {stage_before})" if before else "")
        for (stage_before, before), now in zip(funnel.iloc[:-1].items(), funnel.iloc[1:])]
    # top to bottom in funnel order
    bars = ax.barh(list(funnel.index)[::-1], funnel.to_numpy(dtype=float)[::-1],
                   color=[COLORS["returned"], COLORS["first"], COLORS["attendees"], COLORS["rsvps"]])
    ax.bar_label(bars, labels=labels[::-1], padding=3)
    ax.set_xlim(0, max(float(funnel.max()), 1.0) * 1.45)
    titled(fig, ax, f"{party_category.title()} funnel: from RSVP to coming back", takeaway)
    ax.set_xlabel("people (all settled party events)")
    return fig


def rsvp_conversion_chart(table: pd.DataFrame, takeaway: str) -> Figure:
    """Chart 5: people who ever RSVPed, by how many events they attended; all events and without
    parties."""
    fig, ax = plt.subplots(figsize=(WIDTH, 5.6), layout="constrained")
    _grouped_bars(ax, [(c, table[c], color) for c, color in zip(table.columns,
                                                                 (COLORS["attendees"], COLORS["first"]))],
                  values=True)
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(table.index)
    titled(fig, ax, "How RSVPs turn into attendance: people who ever RSVPed", takeaway)
    ax.set_xlabel("events attended")
    ax.set_ylabel("people")
    ax.legend()
    return fig


def no_data_chart(title: str, message: str) -> Figure:
    """A chart that says there is nothing to show yet, and why."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.5), layout="constrained")
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
