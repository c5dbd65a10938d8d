"""Luma's guest-list CSV export: reading any of its header generations, and writing a guest list in it.

Luma's own exports are UTF-8 with a BOM, CRLF line ends, RFC-4180 quoting, money as `$0.00`, times
in UTC with milliseconds and `Z`, and the registration questions as extra columns after
`ticket_name`, headed by the question text (LUMA_API.md §7)."""
from __future__ import annotations

import csv
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

from ..files import atomic_write
from ..text import file_slug, format_instant

# The 2026-09 header (35 columns), the newest generation seen.
EXPORT_COLUMNS = (
    "guest_id", "name", "first_name", "last_name", "email", "phone_number", "created_at",
    "approval_status", "checked_in_at", "utm_source", "utm_medium", "utm_campaign", "utm_term",
    "utm_content", "google_click_id", "meta_click_id", "x_click_id", "linkedin_click_id",
    "tiktok_click_id", "reddit_click_id", "yandex_click_id", "referrer", "referred_by",
    "qr_code_url", "amount", "amount_tax", "amount_discount", "currency", "coupon_code",
    "eth_address", "solana_address", "survey_response_rating", "survey_response_feedback",
    "ticket_type_id", "ticket_name",
)
# Our files add Luma's user id, which Luma's own exports lack, beside the guest id, so that every
# column after `ticket_name` is still a registration question.
SYNC_COLUMNS = EXPORT_COLUMNS[:1] + ("user_id",) + EXPORT_COLUMNS[1:]
MONEY_COLUMNS = ("amount", "amount_tax", "amount_discount")
EVENT_ID = re.compile(r"evt-[A-Za-z0-9]+")


def money(cents: object, currency: str | None) -> str:
    """A ticket amount in cents as Luma's export writes it (`$12.50`); '' when there is no ticket."""
    if cents is None or cents == "":
        return ""
    value = f"{int(cents) / 100:.2f}"
    return f"${value}" if (currency or "usd").lower() == "usd" else value


def question_columns(guests: Iterable[dict]) -> list[str]:
    """The registration questions of a guest list, in the order first met, as column names.

    A question whose text equals a fixed column's name gets " (question)" added, so that no column
    name is written twice."""
    seen: dict[str, None] = {}
    for guest in guests:
        for label, _ in guest["answers"]:
            seen.setdefault(label if label not in SYNC_COLUMNS else f"{label} (question)")
    return list(seen)


def guest_to_csv_row(guest: dict, questions: Sequence[str]) -> list[str]:
    """One guest (from `luma_entries.guest_from_entry`) as a row of SYNC_COLUMNS + questions."""
    fixed = {name: guest.get(name) for name in SYNC_COLUMNS}
    fixed["created_at"] = format_instant(guest.get("created_at"))
    fixed["checked_in_at"] = format_instant(guest.get("checked_in_at"))
    for column in MONEY_COLUMNS:
        fixed[column] = money(guest.get(column), guest.get("currency"))
    answers = {(label if label not in SYNC_COLUMNS else f"{label} (question)"): text
               for label, text in guest["answers"]}
    row = ["" if fixed[c] is None else str(fixed[c]) for c in SYNC_COLUMNS]
    return row + [answers.get(q, "") for q in questions]


def guest_csv_name(luma_event_id: str, event_name: str, exported_at: datetime) -> str:
    """The file name of an event's guest list: the Luma event id first, so the importer finds it."""
    slug = file_slug(event_name.lower())
    stamp = exported_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{luma_event_id}_{slug}_guests_{stamp}.csv"


def write_guest_csv(path: Path, guests: list[dict]) -> None:
    """Write a guest list as one CSV in Luma's export format, atomically."""
    questions = question_columns(guests)
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(list(SYNC_COLUMNS) + questions)
        writer.writerows(guest_to_csv_row(g, questions) for g in guests)


def pending_csvs(csv_dir: Path, luma_event_id: str) -> list[Path]:
    """Guest lists of one event waiting in `csv_dir` to be imported."""
    return sorted(p for p in csv_dir.glob(f"{luma_event_id}_*.csv") if p.is_file())


# -- reading any generation of the export ---------------------------------------------------------

# Every fixed column of every header generation (LUMA_API.md §7), and ours. Columns are found by
# name, never by position; other columns are registration questions.
KNOWN_COLUMNS = frozenset(SYNC_COLUMNS) | {"api_id", "custom_source"}
GUEST_ID_COLUMNS = ("guest_id", "api_id")
NAME_COLUMNS = ("name", "first_name", "last_name")
# Cells a guest typed may run over several lines; Luma writes every other cell on one line.
FREE_TEXT_COLUMNS = frozenset({"survey_response_feedback"})
# A line inside one cell with this many commas (or half the header's) is a guest row an unbalanced
# quote swallowed, not a guest's answer.
SWALLOWED_ROW_COMMAS = 4
BINARY_SAMPLE = 8192
_BOM = b"\xef\xbb\xbf"


class GuestFileError(Exception):
    """A file that cannot be imported as a guest list; the message says what is wrong with it."""


@dataclass
class GuestFile:
    """A guest-list CSV open for reading: its columns, and its rows read one at a time."""

    path: Path
    columns: list[str]
    questions: list[str]
    records: Iterator[tuple[int, dict]]  # (row number as a spreadsheet shows it, values), lazily

    def column(self, *names: str) -> str | None:
        """The first of `names` that this file has."""
        return next((n for n in names if n in self.columns), None)


@contextmanager
def open_guest_csv(path: Path) -> Iterator[GuestFile]:
    """Open a Luma guest-list CSV of any header generation. Its rows are read as they are asked
    for, so a file of a million rows never sits in memory whole. Raises GuestFileError, also while
    the rows are read, naming the row and what is wrong with it."""
    with open(path, "rb") as handle:
        _refuse_binary(path, handle.read(BINARY_SAMPLE))
        handle.seek(0)
        lines = _Lines(handle)
        reader = csv.reader(lines)
        columns = _header(path, reader, lines)
        yield GuestFile(path, columns, _questions(columns), _records(path, reader, lines, columns))


class _Lines:
    """The lines of a file as UTF-8 text (BOM and NUL bytes dropped), counted for messages."""

    def __init__(self, handle: IO[bytes]):
        self.handle, self.number = handle, 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            # a line ending in a lone CR (an old Mac export) is split there, as a spreadsheet does
            for line in raw.splitlines(keepends=True) if b"\r" in raw[:-2] else (raw,):
                self.number += 1
                if self.number == 1 and line.startswith(_BOM):
                    line = line[len(_BOM):]
                if b"\x00" in line:
                    line = line.replace(b"\x00", b"")
                yield line.decode("utf-8")  # UnicodeDecodeError: the caller names the row


def _refuse_binary(path: Path, sample: bytes) -> None:
    if len(sample.translate(None, delete=_CONTROL_BYTES)) < len(sample) * 0.95:
        raise GuestFileError(f"{path.name}: not a CSV file (binary content)")


def _not_utf8(path: Path, row: int, lines: _Lines, exc: UnicodeDecodeError) -> str:
    near = exc.object[max(exc.start - 12, 0):exc.start + 12].decode("utf-8", "replace").strip()
    return (f"{path.name}: row {row} (line {lines.number}): not UTF-8 text: byte "
            f"0x{exc.object[exc.start]:02x} in {near!r}; export it from Luma again, or save it "
            "as 'CSV UTF-8'")


def _header(path: Path, reader, lines: _Lines) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise GuestFileError(f"{path.name}: the file is empty") from None
    except UnicodeDecodeError as exc:
        raise GuestFileError(_not_utf8(path, 1, lines, exc)) from None
    except csv.Error as exc:
        raise GuestFileError(f"{path.name}: the header row is not CSV ({exc})") from None
    columns = _unique([h.strip() for h in header])
    missing = _missing_columns(columns)
    if missing:
        raise GuestFileError(f"{path.name}: not a Luma guest list: missing column(s) "
                             + ", ".join(missing) + f" (found: {', '.join(columns[:12]) or 'none'})")
    return columns


def _records(path: Path, reader, lines: _Lines, columns: list[str]) -> Iterator[tuple[int, dict]]:
    """The rows after the header, each checked; a blank line keeps its row number."""
    number, runaway = 1, None
    one_line = [c for c in columns if c in KNOWN_COLUMNS and c not in FREE_TEXT_COLUMNS]
    while True:
        number, first_line = number + 1, lines.number + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except UnicodeDecodeError as exc:
            raise GuestFileError(_not_utf8(path, number, lines, exc)) from None
        except csv.Error as exc:
            raise GuestFileError(f"{path.name}: row {number}: not valid CSV ({exc})") from None
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise GuestFileError(f"{path.name}: row {number} has {len(values)} values but the "
                                 f"header has {len(columns)} columns")
        row = dict(zip(columns, values))
        # only a row over several lines, or whose last cell ran to the end of the file, can hold
        # a line break (the reader takes a line at a time)
        spread = lines.number > first_line or values[-1].endswith(("\n", "\r"))
        cell = _runaway_cell(row, one_line, len(columns)) if spread else None
        if cell and cell[1]:
            raise GuestFileError(_quote_message(path, number, first_line, cell[0]))
        runaway = (number, first_line, cell[0]) if cell else None
        yield number, row
    if runaway:  # the last row's cell ran to the end of the file
        raise GuestFileError(_quote_message(path, *runaway))


def _runaway_cell(row: dict, one_line: list[str], width: int) -> tuple[str, bool] | None:
    """A cell an unbalanced quote made swallow the lines after it: (its column, sure). Sure: a line
    break where Luma never writes one, or a swallowed guest row inside the cell; not sure: free text
    ending in a line break, which only the end of the file tells apart from a real answer."""
    for column, value in row.items():
        if "\n" not in value and "\r" not in value:
            continue
        rows_inside = any(line.count(",") >= max(SWALLOWED_ROW_COMMAS, width // 2)
                          for line in value.splitlines()[1:])
        if column in one_line or rows_inside:
            return column, True
        if value.endswith(("\n", "\r")):
            return column, False
    return None


def _quote_message(path: Path, row: int, line: int, column: str) -> str:
    return (f"{path.name}: row {row} (line {line}), column {column}: a quote opens here and is not "
            "closed where the cell ends, so the cell swallows the lines after it (guests would be "
            "lost); fix the quote, or export the file from Luma again")


_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 13})


def _unique(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _missing_columns(columns: list[str]) -> list[str]:
    missing = []
    if not any(c in columns for c in GUEST_ID_COLUMNS):
        missing.append("guest_id (or api_id)")
    for required in ("email", "approval_status"):
        if required not in columns:
            missing.append(required)
    if not any(c in columns for c in NAME_COLUMNS):
        missing.append("name (or first_name/last_name)")
    return missing


def _questions(columns: list[str]) -> list[str]:
    """Registration questions: the columns after `ticket_name`, else every unknown column."""
    if "ticket_name" in columns:
        return columns[columns.index("ticket_name") + 1:]
    return [c for c in columns if c not in KNOWN_COLUMNS]


_OUR_STAMP = re.compile(r"_guests_(\d{8}T\d{6}Z)")
_LUMA_STAMP = re.compile(r"Guests[ _-]+(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})", re.IGNORECASE)


def export_time_from_name(name: str) -> datetime | None:
    """When a guest list was exported, from its file name: ours (`_guests_20261121T114005Z`) or
    Luma's (`<Event> - Guests - 2026-02-26-18-17-47.csv`, taken as UTC); None when neither."""
    ours = _OUR_STAMP.search(name)
    if ours:
        return datetime.strptime(ours.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    luma = _LUMA_STAMP.search(name)
    if luma:
        return datetime.strptime(luma.group(1), "%Y-%m-%d-%H-%M-%S").replace(tzinfo=timezone.utc)
    return None
