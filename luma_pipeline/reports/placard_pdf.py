"""A one-page placard (PDF) of one event, drawn with matplotlib from its event-analysis row.

Generic for any community: the title, organisation name, logo and accent colour come from the
caller; the defaults are neutral. What it says in words is in `placard_words`; every text is fitted
to its card or bar (smaller, then shortened), so nothing overflows."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ..analytics.charts import shorten  # noqa: E402
from .event_row import PREVIOUS_EVENTS, TOP_SCHOOLS  # noqa: E402
from .placard_words import (  # noqa: E402
    NEUTRAL_GRAY,
    attendance_taken,
    change_label,
    compared_line,
    money,
    text,
    value,
    versus,
)

PAGE = (8.5, 11.0)  # US Letter, inches
SEGMENT_COLORS = ["#4b5563", "#9ca3af", "#d1d5db", "#f3f4f6"]
SMALLEST_FONT = 6.0  # points: below this a text is shortened instead


@dataclass(frozen=True)
class Branding:
    """How the placards look: all neutral unless the organiser says otherwise."""

    title: str = "Event report"
    org_name: str = ""
    logo: Path | None = None
    accent: str = "#334155"


def render_placard(row: dict, branding: Branding = Branding()) -> bytes:
    """The placard of one event-analysis row, as the bytes of a one-page PDF."""
    fig = placard_figure(row, branding)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="pdf", metadata={"Title": f"{branding.title}: {text(row, 'event_name')}"})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def placard_figure(row: dict, branding: Branding = Branding()) -> Figure:
    """The placard as a matplotlib figure. An event whose attendance was not taken says so in
    place of the attendance bars and percentages."""
    fig = plt.figure(figsize=PAGE)
    _header(fig, row, branding)
    _kpi_cards(fig, row, branding)
    if attendance_taken(row):
        _demographics(fig, row)
        _retention(fig, row, branding)
    else:
        _not_taken(fig, row)
    _footer(fig)
    return fig


def fit(artist: Text, width_px: float) -> Text:
    """Make a text no wider than `width_px`: a smaller font (down to SMALLEST_FONT), then cut
    with an ellipsis."""
    renderer = artist.figure.canvas.get_renderer()
    while artist.get_window_extent(renderer).width > width_px and artist.get_fontsize() > SMALLEST_FONT:
        artist.set_fontsize(artist.get_fontsize() - 0.5)
    while artist.get_window_extent(renderer).width > width_px and len(artist.get_text()) > 2:
        artist.set_text(artist.get_text()[:-2].rstrip() + "…")
    return artist


def _header(fig: Figure, row: dict, branding: Branding) -> None:
    fig.patches.append(FancyBboxPatch((0, 0.86), 1, 0.14, boxstyle="square,pad=0", transform=fig.transFigure,
                                      facecolor=branding.accent, edgecolor="none"))
    room = (0.76 if branding.logo else 0.88) * fig.bbox.width
    top = " · ".join(filter(None, [branding.org_name, branding.title]))
    fit(fig.text(0.06, 0.965, top.upper(), color="white", fontsize=9, alpha=0.85, va="top"), room)
    fit(fig.text(0.06, 0.935, text(row, "event_name"), color="white", fontsize=20, fontweight="bold",
                 va="top"), room)
    place = " · ".join(filter(None, [text(row, "venue"), text(row, "event_date"), text(row, "category")]))
    fit(fig.text(0.06, 0.893, place, color="white", fontsize=10, va="top"), room)
    fit(fig.text(0.06, 0.873, compared_line(row), color="white", fontsize=8.5, alpha=0.9, va="top"), room)
    if branding.logo:
        logo = fig.add_axes((0.82, 0.875, 0.13, 0.11))
        logo.imshow(mpimg.imread(branding.logo))
        logo.axis("off")


def _card(fig: Figure, x: float, width: float, label: str, big: str, small: str = "",
          small_color: str = NEUTRAL_GRAY, accent: str = "#334155") -> None:
    """A rounded card: a label, a big number and a line under it, each fitted to the card."""
    y, height = 0.70, 0.135
    fig.patches.append(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.004,rounding_size=0.012",
                                      transform=fig.transFigure, facecolor="#f8fafc", edgecolor="#e2e8f0"))
    room = (width - 0.03) * fig.bbox.width
    fit(fig.text(x + 0.015, y + height - 0.02, label.upper(), fontsize=8, color=NEUTRAL_GRAY, va="top"), room)
    fit(fig.text(x + 0.015, y + 0.055, big, fontsize=24, fontweight="bold", color=accent, va="center"), room)
    fit(fig.text(x + 0.015, y + 0.018, small, fontsize=8.5, color=small_color, va="center"), room)


def _kpi_cards(fig: Figure, row: dict, branding: Branding) -> None:
    rsvps, attendees, first = value(row, "rsvps"), value(row, "attendees"), value(row, "first_timers")
    cost, against, taken = value(row, "cost"), versus(row), attendance_taken(row)
    width = 0.2 if cost is not None else 0.27
    x = [0.06 + n * (width + 0.02) for n in range(4)]
    _card(fig, x[0], width, "RSVPs", _count(rsvps), *change_label(value(row, "rsvps_change_pct"), against),
          accent=branding.accent)
    if taken:
        share = f" ({attendees / rsvps * 100:.0f}% of RSVPs)" if attendees is not None and rsvps else ""
        _card(fig, x[1], width, "Attendees" + share, _count(attendees),
              *change_label(value(row, "attendees_change_pct"), against), accent=branding.accent)
        _card(fig, x[2], width, "First-timers", _count(first),
              *change_label(value(row, "first_timers_change_pct"), against), accent=branding.accent)
    else:
        for position, label in ((1, "Attendees"), (2, "First-timers")):
            _card(fig, x[position], width, label, "—", "attendance not taken", accent=branding.accent)
    if cost is not None:
        currency = text(row, "currency")
        per = [(label, value(row, column)) for label, column in
               (("/ attendee", "cost_per_attendee"), ("/ first-timer", "cost_per_first_timer"))]
        small = "\n".join(f"{money(v, currency)} {label}" for label, v in per if v is not None and taken)
        _card(fig, x[3], width, "Cost", money(cost, currency), small, accent=branding.accent)


def _count(number: float | None) -> str:
    return "—" if number is None else f"{number:,.0f}"


def _demographics(fig: Figure, row: dict) -> None:
    bars = [
        ("Gender", [("female", "gender_female_pct"), ("male", "gender_male_pct"),
                    ("other", "gender_other_pct"), ("unknown", "gender_unknown_pct")]),
        ("Class standing", [("underclass", "underclass_pct"), ("upperclass", "upperclass_pct"),
                            ("other", "class_other_pct"), ("unknown", "class_unknown_pct")]),
        ("Their nth event", [("1st", "first_event_pct"), ("2nd-3rd", "second_third_event_pct"),
                             ("4th+", "fourth_plus_event_pct")]),
        ("School", [(text(row, f"school_{i}"), f"school_{i}_pct")
                    for i in range(1, TOP_SCHOOLS + 1) if text(row, f"school_{i}")]
         + [("other", "school_other_pct"), ("unknown", "school_unknown_pct")]),
    ]
    ax = fig.add_axes((0.2, 0.41, 0.74, 0.24))
    ax.set_title("Who came", loc="left", fontsize=12, fontweight="bold", x=-0.19)
    ax.set_xlim(0, 100)
    ax.set_ylim(len(bars) - 0.1, -0.5)  # room under the last bar for its "also:" line
    for y, (_, parts) in enumerate(bars):
        _stacked_bar(ax, y, [(name, value(row, column) or 0.0) for name, column in parts])
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=9)
    ax.set_xlabel("% of attendees", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def _stacked_bar(ax: plt.Axes, y: float, parts: list[tuple[str, float]]) -> None:
    """One bar of shares. A segment's name and share are written inside it when they fit (the
    name shortened if need be); the segments too narrow for that are named in a line under the bar."""
    left, untold = 0.0, []
    renderer = ax.figure.canvas.get_renderer()
    for i, (name, share) in enumerate(parts):
        if share <= 0:
            continue
        segment = ax.barh(y, share, left=left, height=0.6, color=SEGMENT_COLORS[i % len(SEGMENT_COLORS)],
                          edgecolor="white")[0].get_window_extent(renderer)
        label = ax.text(left + share / 2, y, f"{name}\n{share:.0f}%", ha="center", va="center", fontsize=7,
                        color="white" if i == 0 else "#111827")
        if not _inside(label, segment):
            label.set_text(f"{shorten(name, 14)}\n{share:.0f}%")
        if not _inside(label, segment):
            label.remove()
            untold.append(f"{name} {share:.0f}%")
        left += share
    if untold:
        fit(ax.text(0.6, y + 0.42, "also: " + " · ".join(untold), fontsize=6.5, color=NEUTRAL_GRAY, va="top"),
            ax.bbox.width)


def _inside(label: Text, segment) -> bool:
    """Whether a label fits within its bar segment, with a little room to spare."""
    box = label.get_window_extent(label.figure.canvas.get_renderer())
    return box.width <= segment.width - 4 and box.height <= segment.height - 2


def _retention(fig: Figure, row: dict, branding: Branding) -> None:
    earlier = [i for i in range(1, PREVIOUS_EVENTS + 1) if text(row, f"prev{i}_event_name")]
    ax = fig.add_axes((0.2, 0.08, 0.74, 0.25))
    ax.set_title("Who came back from earlier events", loc="left", fontsize=12, fontweight="bold", x=-0.19)
    if not earlier:
        ax.axis("off")
        ax.text(0.5, 0.5, "No earlier comparable events yet", ha="center", va="center", color=NEUTRAL_GRAY)
        return
    names = [f"{shorten(text(row, f'prev{i}_event_name'), 22)}\n{text(row, f'prev{i}_event_date')}" for i in earlier]
    for offset, (label, column, color) in enumerate((
            ("their attendees", "attendees_returned_pct", branding.accent),
            ("their first-timers", "first_timers_returned_pct", "#9ca3af"))):
        shares = [value(row, f"prev{i}_{column}") for i in earlier]
        positions = [p + (offset - 0.5) * 0.38 for p in range(len(earlier))]
        bars = ax.barh(positions, [s or 0 for s in shares], height=0.36, color=color, label=f"% of {label} here")
        ax.bar_label(bars, labels=["—" if s is None else f"{s:.0f}%" for s in shares], padding=2, fontsize=8)
    ax.set_yticks(range(len(earlier)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xlabel("% who came to this event", fontsize=8)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _not_taken(fig: Figure, row: dict) -> None:
    """In place of who came and who came back: a plain statement that attendance was not taken."""
    fig.patches.append(FancyBboxPatch((0.06, 0.2), 0.88, 0.42, boxstyle="round,pad=0.004,rounding_size=0.012",
                                      transform=fig.transFigure, facecolor="#fff7ed", edgecolor="#fdba74"))
    fig.text(0.5, 0.5, "Attendance was not taken at this event", ha="center", va="center", fontsize=18,
             fontweight="bold", color="#9a3412")
    rsvps = _count(value(row, "rsvps"))
    fit(fig.text(0.5, 0.43, f"{rsvps} RSVPs and no check-ins: who came, first-timers and who came back are "
                 "unknown, so no bars or percentages are shown.", ha="center", va="center", fontsize=10,
                 color="#7c2d12"), 0.8 * fig.bbox.width)
    fit(fig.text(0.5, 0.38, "If attendance was taken and nobody came: edit_event.py ID --attendance-taken yes",
                 ha="center", va="center", fontsize=9, color=NEUTRAL_GRAY), 0.8 * fig.bbox.width)


def _footer(fig: Figure) -> None:
    fit(fig.text(0.06, 0.025, "Attended = checked in. First-timer = first event they attended. Changes "
                 "(▲ ▼) are against the event named at the top.", fontsize=7, color=NEUTRAL_GRAY),
        0.88 * fig.bbox.width)
