"""A one-page placard (PDF) of one event, drawn with matplotlib from its event-analysis row.

Generic for any community: the title, organisation name, logo and accent colour come from the
caller; the defaults are neutral."""
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

from ..analytics.charts import shorten  # noqa: E402
from ..text import spreadsheet_text  # noqa: E402
from .event_row import PREVIOUS_EVENTS, TOP_SCHOOLS  # noqa: E402

PAGE = (8.5, 11.0)  # US Letter, inches
UP, DOWN, NEUTRAL_GRAY = "#2e7d32", "#c62828", "#6b7280"
SEGMENT_COLORS = ["#4b5563", "#9ca3af", "#d1d5db", "#f3f4f6"]


@dataclass(frozen=True)
class Branding:
    """How the placards look: all neutral unless the organiser says otherwise."""

    title: str = "Event report"
    org_name: str = ""
    logo: Path | None = None
    accent: str = "#334155"


def value(row: dict, column: str) -> float | None:
    """A number from a CSV row ('' is missing)."""
    text = row.get(column)
    if text in (None, ""):
        return None
    return float(text)


def text(row: dict, column: str) -> str:
    """Text from a CSV row, without the apostrophe that kept a spreadsheet from running it."""
    return spreadsheet_text(row.get(column) or "")


def render_placard(row: dict, branding: Branding = Branding()) -> bytes:
    """The placard of one event-analysis row, as the bytes of a one-page PDF."""
    fig = plt.figure(figsize=PAGE)
    try:
        _header(fig, row, branding)
        _kpi_cards(fig, row, branding)
        _demographics(fig, row)
        _retention(fig, row, branding)
        _footer(fig, branding)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="pdf", metadata={"Title": f"{branding.title}: {text(row, 'event_name')}"})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _header(fig: Figure, row: dict, branding: Branding) -> None:
    fig.patches.append(FancyBboxPatch((0, 0.86), 1, 0.14, boxstyle="square,pad=0", transform=fig.transFigure,
                                      facecolor=branding.accent, edgecolor="none"))
    top = " · ".join(filter(None, [branding.org_name, branding.title]))
    fig.text(0.06, 0.965, top.upper(), color="white", fontsize=9, alpha=0.85, va="top")
    fig.text(0.06, 0.935, shorten(text(row, "event_name"), 48), color="white", fontsize=20,
             fontweight="bold", va="top")
    place = " · ".join(filter(None, [text(row, "venue"), text(row, "event_date"), text(row, "category")]))
    fig.text(0.06, 0.893, place, color="white", fontsize=10, va="top")
    previous = text(row, "previous_event_name")
    compared = (f"Compared with {shorten(previous, 40)} ({text(row, 'previous_event_date')})" if previous
                else "No earlier comparable event")
    fig.text(0.06, 0.873, compared, color="white", fontsize=8.5, alpha=0.9, va="top")
    if branding.logo:
        logo = fig.add_axes((0.82, 0.875, 0.13, 0.11))
        logo.imshow(mpimg.imread(branding.logo))
        logo.axis("off")


def _card(fig: Figure, x: float, width: float, label: str, big: str, small: str = "",
          small_color: str = NEUTRAL_GRAY, accent: str = "#334155") -> None:
    """A rounded card: a label, a big number and a line under it (made smaller when long)."""
    y, height = 0.70, 0.135
    fig.patches.append(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.004,rounding_size=0.012",
                                      transform=fig.transFigure, facecolor="#f8fafc", edgecolor="#e2e8f0"))
    fig.text(x + 0.015, y + height - 0.02, label.upper(), fontsize=8, color=NEUTRAL_GRAY, va="top")
    fig.text(x + 0.015, y + 0.055, big, fontsize=24, fontweight="bold", color=accent, va="center")
    fig.text(x + 0.015, y + 0.018, small, fontsize=8.5 if len(small) <= 24 else 7, color=small_color,
             va="center")


def change_label(change: float | None) -> tuple[str, str]:
    """"▲ 25.0% vs previous" in green, "▼ …" in red, or "—" when there is nothing to compare."""
    if change is None:
        return "— no comparison", NEUTRAL_GRAY
    arrow, color = ("▲", UP) if change > 0 else ("▼", DOWN) if change < 0 else ("=", NEUTRAL_GRAY)
    return f"{arrow} {abs(change):.1f}% vs previous", color


def _kpi_cards(fig: Figure, row: dict, branding: Branding) -> None:
    rsvps, attendees, first = value(row, "rsvps"), value(row, "attendees"), value(row, "first_timers")
    cost = value(row, "cost")
    width = 0.2 if cost is not None else 0.27
    x = [0.06, 0.06 + width + 0.02, 0.06 + 2 * (width + 0.02), 0.06 + 3 * (width + 0.02)]
    _card(fig, x[0], width, "RSVPs", _count(rsvps), *change_label(value(row, "rsvps_change_pct")),
          accent=branding.accent)
    share = f" ({attendees / rsvps * 100:.0f}% of RSVPs)" if attendees is not None and rsvps else ""
    small, color = change_label(value(row, "attendees_change_pct"))
    _card(fig, x[1], width, "Attendees" + share, _count(attendees), small, color, accent=branding.accent)
    _card(fig, x[2], width, "First-timers", _count(first), *change_label(value(row, "first_timers_change_pct")),
          accent=branding.accent)
    if cost is not None:
        per = [(label, value(row, column)) for label, column in
               (("/ attendee", "cost_per_attendee"), ("/ first-timer", "cost_per_first_timer"))]
        small = " · ".join(f"{_money(v)} {label}" for label, v in per if v is not None)
        _card(fig, x[3], width, "Cost", _money(cost), small, accent=branding.accent)


def _count(number: float | None) -> str:
    return "—" if number is None else f"{number:,.0f}"


def _money(number: float) -> str:
    return f"{number:,.2f}"


def _demographics(fig: Figure, row: dict) -> None:
    bars = [
        ("Gender", [("female", "gender_female_pct"), ("male", "gender_male_pct"),
                    ("other", "gender_other_pct"), ("unknown", "gender_unknown_pct")]),
        ("Class standing", [("underclass", "underclass_pct"), ("upperclass", "upperclass_pct"),
                            ("other", "class_other_pct"), ("unknown", "class_unknown_pct")]),
        ("Their nth event", [("1st", "first_event_pct"), ("2nd-3rd", "second_third_event_pct"),
                             ("4th+", "fourth_plus_event_pct")]),
        ("School", [(shorten(text(row, f"school_{i}"), 18), f"school_{i}_pct")
                    for i in range(1, TOP_SCHOOLS + 1) if text(row, f"school_{i}")]
         + [("other", "school_other_pct"), ("unknown", "school_unknown_pct")]),
    ]
    ax = fig.add_axes((0.2, 0.41, 0.74, 0.24))
    ax.set_title("Who came", loc="left", fontsize=12, fontweight="bold", x=-0.19)
    for y, (_, parts) in enumerate(bars):
        left = 0.0
        for i, (name, column) in enumerate(parts):
            share = value(row, column) or 0.0
            if share <= 0:
                continue
            ax.barh(y, share, left=left, color=SEGMENT_COLORS[i % len(SEGMENT_COLORS)], edgecolor="white")
            if share >= 9:
                ax.text(left + share / 2, y, f"{name}\n{share:.0f}%", ha="center", va="center", fontsize=7,
                        color="white" if i == 0 else "#111827")
            left += share
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of attendees", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)


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
    ax.set_xlim(0, 110)
    ax.set_xlabel("% who came to this event", fontsize=8)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _footer(fig: Figure, branding: Branding) -> None:
    fig.text(0.06, 0.025, "Attended = checked in. First-timer = first event they attended. "
             "Percent changes against the latest earlier event with enough attendees.",
             fontsize=7, color=NEUTRAL_GRAY)
