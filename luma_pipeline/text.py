"""Small text and time rules shared by every step, each written once (no I/O)."""
from __future__ import annotations

import re
import string
import unicodedata
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def clean_text(value: object) -> str | None:
    """Text fit for Postgres: NUL bytes removed, outer spaces trimmed, empty becomes None."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def parse_instant(value: object) -> datetime | None:
    """An ISO-8601 time as an aware UTC datetime (a time without offset is taken as UTC, as Luma's
    are); None for blank. Raises ValueError for text that is not a time (or one out of range)."""
    text = clean_text(value)
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is before the first instant there is
        raise ValueError(f"{text!r} is out of the range of times") from None


def format_instant(moment: datetime | None) -> str:
    """A time as Luma writes it: UTC, milliseconds, `Z` (`2025-10-29T03:56:00.104Z`); '' for None."""
    if moment is None:
        return ""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$")


def parse_duration(value: object) -> timedelta | None:
    """An ISO-8601 duration such as `P0Y0M0DT1H0M0S` or `PT1H`; None for blank or months/years
    (which have no fixed length, and events do not last that long)."""
    text = clean_text(value)
    match = _DURATION.match(text) if text else None
    if not match or text in ("P", "PT"):
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    if parts.get("years") or parts.get("months"):
        return None
    return timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0),
                     hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                     seconds=parts.get("seconds", 0))


def file_slug(text: str, limit: int = 60) -> str:
    """A name fit for a file name: accents dropped, runs of other characters made one dash
    ("Café Night: Q&A!! 🎉" → "Cafe-Night-Q-A"); "event" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-") or "event"


def zone(timezone_name: str | None) -> tzinfo:
    """An IANA timezone by name; UTC when the name is missing or unknown (an event's date is still
    worth showing when its zone name is not)."""
    try:
        return ZoneInfo(timezone_name) if timezone_name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def local_date(moment: datetime, timezone_name: str | None) -> date:
    """The calendar date of an instant in an IANA timezone (UTC when the zone is missing or unknown)."""
    return moment.astimezone(zone(timezone_name)).date()


def academic_year_end(day: date, start_month: int) -> int:
    """The calendar year in which the academic year of `day` ends (it starts in `start_month`)."""
    return day.year + 1 if day.month >= start_month else day.year


def one_line(exc: BaseException) -> str:
    """An exception as one readable line: its message with line breaks folded, else its type."""
    return " ".join(str(exc).split()) or type(exc).__name__


# A spreadsheet runs a cell starting with one of these as a formula.
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula: a leading ' for text starting with = + - @
    (a plain number such as -50.0 stays a number)."""
    if isinstance(value, str) and value.startswith(SPREADSHEET_TRIGGERS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def spreadsheet_text(cell: str) -> str:
    """A cell as it was before spreadsheet_safe escaped it."""
    escaped = cell.startswith("'") and cell[1:].startswith(SPREADSHEET_TRIGGERS)
    return cell[1:] if escaped and not PLAIN_NUMBER.match(cell[1:]) else cell


def text_table(columns: list[str], rows: list[list[object]]) -> str:
    """Rows as a plain-text table a person reads in a terminal: a header, a rule, columns padded
    to their widest cell (None shows as empty)."""
    cells = [[("" if v is None else " ".join(str(v).split())) for v in row] for row in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths]] + cells
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                     for line in lines) + "\n"

def template_fields(template: str) -> list[str]:
    """The {names} a message template uses, in order. Raises ValueError for a template that cannot
    be read (a lone brace) or a field with a format or conversion ({date:%Y}, {event!r})."""
    fields = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is not None and (spec or conversion):
            raise ValueError(f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} "
                             "has a format or conversion; write the plain field")
        if name is not None:
            fields.append(name)
    return fields
