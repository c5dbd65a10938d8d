"""Luma's guest-list CSV export: its header generations, and writing a guest list in its format.

Luma's own exports are UTF-8 with a BOM, CRLF line ends, RFC-4180 quoting, money as `$0.00`, times
in UTC with milliseconds and `Z`, and the registration questions as extra columns after
`ticket_name`, headed by the question text (LUMA_API.md §7)."""
from __future__ import annotations

import csv
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from .files import atomic_write
from .text import format_instant

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
    ascii_name = unicodedata.normalize("NFKD", event_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "event"
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
