"""Luma's JSON shapes for the generated community, in both API generations.

Current entries are flat and use `id`; legacy entries are wrapped (`{api_id, event|guest: {...}}`)
and use `api_id` (LUMA_API.md §4). Pure functions: a SimEvent or SimGuest in, a dict out.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from .community import SimEvent, SimGuest

UTC = timezone.utc
CALENDAR_ID = "cal-SimulatedLuma01"
HOST = {"id": "usr-SimulatedHost01", "email": "organizers@example.org", "name": "Campus Builders Club",
        "first_name": "Campus", "last_name": "Builders",
        "avatar_url": "https://images.lumacdn.com/avatars/simulated-host.png"}


def iso(moment: datetime | None) -> str | None:
    """Luma's time format: ISO 8601 in UTC with milliseconds and Z, or None."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def duration_interval(start: datetime, end: datetime | None) -> str | None:
    """An ISO 8601 duration in Luma's spelled-out form, e.g. P0Y0M0DT2H30M0S."""
    if end is None:
        return None
    seconds = int((end - start).total_seconds())
    days, rest = divmod(seconds, 86_400)
    return f"P0Y0M{days}DT{rest // 3600}H{rest % 3600 // 60}M{rest % 60}S"


def _digest(text: str, size: int = 8) -> str:
    """A stable id fragment derived from another id, so repeated answers agree."""
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def tag_id(name: str) -> str:
    """A stable tag id for a tag name."""
    return "tag-" + _digest(name)[:15]


def event_current(event: SimEvent, *, with_tags: bool = True) -> dict:
    """A current-generation (flat) event; tags appear only in list answers."""
    body = {
        "id": event.id, "platform": "luma", "calendar_id": event.calendar_id or CALENDAR_ID,
        "user_id": HOST["id"],
        "name": event.name, "description": event.description, "description_md": event.description,
        "start_at": iso(event.start_at), "end_at": iso(event.end_at),
        "duration_interval": duration_interval(event.start_at, event.end_at),
        "created_at": iso(event.created_at), "timezone": event.timezone, "url": event.url,
        "cover_url": _cover_url(event), "geo_address_json": event.geo_address,
        "coordinate": event.coordinate, "meeting_url": event.meeting_url, "visibility": "public",
        "registration_questions": event.registration_questions,
    }
    if with_tags:
        body["tags"] = [{"id": tag_id(name), "name": name} for name in event.tags]
    return body


def event_legacy(event: SimEvent) -> dict:
    """A legacy event object (the `event` inside a legacy entry)."""
    lat_lon = event.coordinate or {}
    return {
        "api_id": event.id, "calendar_api_id": event.calendar_id or CALENDAR_ID, "user_api_id": HOST["id"],
        "created_at": iso(event.created_at), "name": event.name, "description": event.description,
        "description_md": event.description, "start_at": iso(event.start_at), "end_at": iso(event.end_at),
        "duration_interval": duration_interval(event.start_at, event.end_at), "timezone": event.timezone,
        "url": event.url, "cover_url": _cover_url(event), "geo_address_json": event.geo_address,
        "geo_latitude": _text(lat_lon.get("latitude")), "geo_longitude": _text(lat_lon.get("longitude")),
        "meeting_url": event.meeting_url, "zoom_meeting_url": event.meeting_url, "visibility": "public",
    }


def event_legacy_entry(event: SimEvent) -> dict:
    """A legacy list-events entry: `{api_id, event, tags}`."""
    return {"api_id": event.id, "event": event_legacy(event),
            "tags": [{"api_id": tag_id(name), "name": name} for name in event.tags]}


def guest_current(guest: SimGuest, event: SimEvent) -> dict:
    """A current-generation guest: check-in lives on the tickets only."""
    return {
        "id": guest.id, "user_id": guest.user_id, "user_email": guest.email, "user_name": guest.name,
        "user_first_name": guest.first_name, "user_last_name": guest.last_name,
        "approval_status": guest.approval_status, "check_in_qr_code": _qr_code(guest, event),
        "invited_at": iso(guest.invited_at), "joined_at": None, "registered_at": iso(guest.registered_at),
        "registration_answers": [{**answer, "value": answer["answer"]} for answer in guest.answers],
        "utm_source": guest.utm_source, "phone_number": guest.phone_number,
        "eth_address": None, "solana_address": None,
        "event_tickets": [_ticket_current(t, guest) for t in _tickets(guest)],
    }


def guest_legacy_entry(guest: SimGuest, event: SimEvent) -> dict:
    """A legacy get-guests entry: `{api_id, guest}` with a top-level `checked_in_at`."""
    tickets = [_ticket_legacy(t, guest) for t in _tickets(guest)]
    return {"api_id": guest.id, "guest": {
        "api_id": guest.id, "user_api_id": guest.user_id, "user_email": guest.email,
        "user_name": guest.name, "user_first_name": guest.first_name, "user_last_name": guest.last_name,
        "name": guest.name, "email": guest.email, "approval_status": guest.approval_status,
        "checked_in_at": iso(guest.checked_in_at), "check_in_qr_code": _qr_code(guest, event),
        "custom_source": guest.utm_source, "created_at": iso(guest.registered_at or guest.invited_at),
        "invited_at": iso(guest.invited_at), "joined_at": None, "registered_at": iso(guest.registered_at),
        "registration_answers": [dict(answer) for answer in guest.answers],
        "phone_number": guest.phone_number, "eth_address": None, "solana_address": None,
        "event_tickets": tickets, "event_ticket": tickets[0] if tickets else None,
    }}


def user_current() -> dict:
    """The calendar owner, as `/v1/users/get-self` answers."""
    return dict(HOST)


def user_legacy() -> dict:
    """The calendar owner, as the legacy `/v1/user/get-self` answers."""
    return {"user": _legacy_person(HOST)}


def hosts(generation: str, event: SimEvent | None = None) -> list[dict]:
    """The event's hosts (the default host when it names none) in the generation's id spelling."""
    people = (event.hosts if event is not None else None) or [HOST]
    return [dict(p) if generation == "current" else _legacy_person(p) for p in people]


def calendar(cal) -> dict:
    """A calendar as `/v1/calendars/get` answers (its id in both spellings)."""
    return {"id": cal.id, "api_id": cal.id, "name": cal.name}


def _legacy_person(person: dict) -> dict:
    return {"api_id": person["id"], **{k: v for k, v in person.items() if k != "id"}}


def _text(value: float | None) -> str | None:
    return None if value is None else str(value)


def _cover_url(event: SimEvent) -> str:
    return f"https://images.lumacdn.com/event-covers/{_digest(event.id, 6)}.png"


def _qr_code(guest: SimGuest, event: SimEvent) -> str:
    return f"https://luma.com/check-in/{event.id}?pk=g-{_digest(guest.id, 6)}"


def _tickets(guest: SimGuest) -> list[dict]:
    """The guest's tickets; a check-in without a ticket (a declined invitee who came anyway)
    gets one free ticket, because current answers can only carry check-ins on tickets."""
    if guest.ticket is not None:
        return [guest.ticket]
    if guest.checked_in_at is None:
        return []
    return [{"id": "evtticket-" + _digest(guest.id)[:15], "amount": 0, "amount_discount": 0,
             "amount_tax": 0, "currency": "usd", "name": "Free",
             "event_ticket_type_id": "evtticktyp-" + _digest("free" + guest.id)[:15]}]


def _ticket_current(ticket: dict, guest: SimGuest) -> dict:
    return {"id": ticket["id"], "amount": ticket["amount"], "amount_discount": ticket["amount_discount"],
            "amount_tax": ticket["amount_tax"], "currency": ticket["currency"],
            "checked_in_at": iso(guest.checked_in_at), "event_ticket_type_id": ticket["event_ticket_type_id"],
            "is_captured": True, "name": ticket["name"]}


def _ticket_legacy(ticket: dict, guest: SimGuest) -> dict:
    return {"api_id": ticket["id"], "amount": ticket["amount"], "amount_discount": ticket["amount_discount"],
            "amount_tax": ticket["amount_tax"], "currency": ticket["currency"],
            "checked_in_at": iso(guest.checked_in_at),
            "event_ticket_type_api_id": ticket["event_ticket_type_id"], "is_captured": True,
            "name": ticket["name"]}
