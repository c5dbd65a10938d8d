"""What a placard says, in words, from its event-analysis row (pure): what the event was compared
with, the change labels, money with its currency."""
from __future__ import annotations

from ..text import spreadsheet_text
from .comparison import CHOSEN, OTHER_KIND, SAME_KIND

UP, DOWN, NEUTRAL_GRAY = "#2e7d32", "#c62828", "#6b7280"


def value(row: dict, column: str) -> float | None:
    """A number from a CSV row ('' is missing)."""
    text = row.get(column)
    if text in (None, ""):
        return None
    return float(text)


def text(row: dict, column: str) -> str:
    """Text from a CSV row, without the apostrophe that kept a spreadsheet from running it."""
    return spreadsheet_text(row.get(column) or "")


def attendance_taken(row: dict) -> bool:
    """Whether the event's attendance was taken (rows made before the column existed: when it has
    an attendee count)."""
    taken = text(row, "attendance_taken")
    return taken == "yes" if taken else value(row, "attendees") is not None


def versus(row: dict) -> str:
    """What the changes are against, in a few words: "previous workshop", "a social", "chosen event"."""
    how, category = text(row, "comparison"), text(row, "previous_event_category")
    if how == CHOSEN:
        return "chosen event"
    if how == OTHER_KIND:
        return f"a {category}" if category else "previous event"
    return f"previous {category}" if how == SAME_KIND and category else "previous"


def compared_line(row: dict) -> str:
    """The header's line naming the event compared with, and why that one."""
    name, date = text(row, "previous_event_name"), text(row, "previous_event_date")
    if not name:
        return "No earlier comparable event"
    how, category, kind = text(row, "comparison"), text(row, "category"), text(row, "previous_event_category")
    if how == CHOSEN:
        return f"Compared with {name} ({date}), chosen by hand"
    if how == SAME_KIND:
        return f"Compared with the previous {category}: {name} ({date})"
    if how == OTHER_KIND:
        why = f"no earlier {category} had enough attendees" if category else "this event has no category"
        return f"Compared with the previous event, {'a ' + kind if kind else 'of no category'} ({why}): {name} ({date})"
    return f"Compared with {name} ({date})"


def change_label(change: float | None, against: str = "previous") -> tuple[str, str]:
    """"▲ 25.0% vs previous workshop" in green, "▼ …" in red, or "— no comparison"."""
    if change is None:
        return "— no comparison", NEUTRAL_GRAY
    arrow, color = ("▲", UP) if change > 0 else ("▼", DOWN) if change < 0 else ("=", NEUTRAL_GRAY)
    return f"{arrow} {abs(change):.1f}% vs {against}", color


def money(amount: float, currency: str) -> str:
    """"USD 1,250.00"; without a currency the amount says so ("1,250.00, currency not set")."""
    return f"{currency} {amount:,.2f}" if currency else f"{amount:,.2f} (currency not set)"
