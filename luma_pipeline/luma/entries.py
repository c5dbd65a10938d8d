"""Luma API entries, in either generation's shape, turned into our rows (pure: no I/O).

Legacy entries wrap the object (`{api_id, event: {...}, tags}` / `{api_id, guest: {...}}`) and name
ids `api_id`, `user_api_id`; current entries are flat and name them `id`, `user_id`. Current guests
keep check-in per ticket (`event_tickets[].checked_in_at`); legacy guests have it at the top."""
from __future__ import annotations

from typing import Mapping

from ..text import clean_text, parse_duration, parse_instant

EVENT_COLUMNS = ("luma_event_id", "name", "start_at", "end_at", "timezone", "description",
                 "signup_url", "venue", "luma_category")


def unwrap(entry: Mapping, key: str) -> Mapping:
    """The object inside a legacy entry (`entry[key]`), or the flat current entry itself."""
    inner = entry.get(key)
    return inner if isinstance(inner, Mapping) else entry


def first_id(*objects: Mapping | None, keys: tuple[str, ...] = ("id", "api_id")) -> str | None:
    """The first non-blank value of `keys` found in `objects`, in order."""
    for obj in objects:
        for key in keys:
            value = clean_text((obj or {}).get(key))
            if value:
                return value
    return None


def event_to_row(entry: Mapping, tag_categories: Mapping[str, str] | None = None) -> dict:
    """An events-table row from a list-events entry of either shape.

    Raises ValueError when the entry has no id or an unreadable time."""
    event = unwrap(entry, "event")
    luma_event_id = first_id(event, entry)
    if not luma_event_id:
        raise ValueError("event entry without an id")
    start_at = parse_instant(event.get("start_at"))
    end_at = parse_instant(event.get("end_at"))
    duration = parse_duration(event.get("duration_interval"))
    if end_at is None and start_at is not None and duration:
        end_at = start_at + duration
    tags = entry.get("tags") or event.get("tags") or []
    return {
        "luma_event_id": luma_event_id,
        "name": clean_text(event.get("name")) or "(untitled event)",
        "start_at": start_at,
        "end_at": end_at,
        "timezone": clean_text(event.get("timezone")),
        "description": clean_text(event.get("description") or event.get("description_md")),
        "signup_url": clean_text(event.get("url")),
        "venue": venue_from_geo(event.get("geo_address_json")),
        "luma_category": category_from_tags(tags, tag_categories or {}),
        "luma_tags": tag_names(tags),
    }


def venue_from_geo(geo: object) -> str | None:
    """A venue an organiser recognises: the place's name, else its address; None when online."""
    if not isinstance(geo, Mapping):
        return None
    for key in ("description", "address", "full_address", "city_state", "city"):
        value = clean_text(geo.get(key))
        if value:
            return value
    return None


def category_from_tags(tags: object, tag_categories: Mapping[str, str]) -> str | None:
    """The category of an event: the first tag found in the organiser's map, else the first tag,
    lower-cased so that "Party" and "party" are one category."""
    names = tag_names(tags)
    for name in names:
        if name.casefold() in tag_categories:
            return tag_categories[name.casefold()]
    return names[0].lower() if names else None


def tag_names(tags: object) -> list[str]:
    """The names of an event's tags (`[{id, name}]`, or plain names), blanks dropped, in order."""
    names = [clean_text(t.get("name") if isinstance(t, Mapping) else t) for t in tags or []]
    return [n for n in names if n]


def guest_from_entry(entry: Mapping) -> dict:
    """A guest of either shape as one flat dict with the names of Luma's CSV export."""
    guest = unwrap(entry, "guest")
    tickets = [t for t in guest.get("event_tickets") or [] if isinstance(t, Mapping)]
    ticket = tickets[0] if tickets else (guest.get("event_ticket") or {})
    return {
        "guest_id": first_id(guest, entry),
        "user_id": first_id(guest, keys=("user_id", "user_api_id")),
        "name": clean_text(guest.get("user_name") or guest.get("name")),
        "first_name": clean_text(guest.get("user_first_name") or guest.get("first_name")),
        "last_name": clean_text(guest.get("user_last_name") or guest.get("last_name")),
        "email": clean_text(guest.get("user_email") or guest.get("email")),
        "phone_number": clean_text(guest.get("phone_number")),
        "created_at": parse_instant(guest.get("registered_at") or guest.get("created_at")
                                    or guest.get("invited_at")),
        "approval_status": clean_text(guest.get("approval_status")),
        "checked_in_at": check_in_time(guest, tickets),
        "utm_source": clean_text(guest.get("utm_source") or guest.get("custom_source")),
        "qr_code_url": clean_text(guest.get("check_in_qr_code")),
        "amount": ticket.get("amount"),
        "amount_tax": ticket.get("amount_tax"),
        "amount_discount": ticket.get("amount_discount"),
        "currency": clean_text(ticket.get("currency")),
        "eth_address": clean_text(guest.get("eth_address")),
        "solana_address": clean_text(guest.get("solana_address")),
        "ticket_type_id": first_id(ticket, keys=("event_ticket_type_id", "event_ticket_type_api_id")),
        "ticket_name": clean_text(ticket.get("name")),
        "answers": registration_answers(guest.get("registration_answers")),
    }


def check_in_time(guest: Mapping, tickets: list[Mapping]):
    """When the guest checked in: the top-level time (legacy), else the earliest ticket's (current)."""
    top = parse_instant(guest.get("checked_in_at"))
    if top is not None:
        return top
    times = [parse_instant(t.get("checked_in_at")) for t in tickets]
    times = [t for t in times if t is not None]
    return min(times) if times else None


def registration_answers(answers: object) -> list[tuple[str, str]]:
    """(question label, answer as text) pairs; `value` (current) or `answer` (legacy)."""
    pairs = []
    for item in answers if isinstance(answers, list) else []:
        if not isinstance(item, Mapping):
            continue
        label = clean_text(item.get("label")) or clean_text(item.get("question_id"))
        value = item.get("value") if item.get("value") is not None else item.get("answer")
        if label:
            pairs.append((label, answer_text(value) or ""))
    return pairs


def answer_text(value: object) -> str | None:
    """An answer of any question type as the text the CSV export shows."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return clean_text("; ".join(filter(None, (answer_text(v) for v in value))))
    if isinstance(value, Mapping):
        return clean_text(", ".join(filter(None, (answer_text(v) for v in value.values()))))
    return clean_text(value)
