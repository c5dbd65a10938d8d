"""Several calendars over one generated community: each event managed by one calendar, some listed
by another too, hosts on every event (pure and deterministic for a seed)."""
from __future__ import annotations

import hashlib
import random

from ..text import file_slug
from .community import Community, SimCalendar

SHARED_SHARE = 0.2  # events a second calendar lists besides the one that manages them
CO_HOSTED_SHARE = 0.15  # events with a host of another calendar beside their own


def calendar_id(name: str) -> str:
    """A stable Luma-style calendar id for a calendar name."""
    return "cal-" + hashlib.blake2b(name.encode(), digest_size=8).hexdigest()[:14]


def calendar_host(name: str) -> dict:
    """The host who runs a calendar's events: an address at the calendar's own domain."""
    slug = file_slug(name).lower()
    return {"id": "usr-" + hashlib.blake2b(("host" + name).encode(), digest_size=8).hexdigest()[:14],
            "email": f"hello@{slug}.org", "name": name, "first_name": name.split()[0],
            "last_name": " ".join(name.split()[1:]) or name,
            "avatar_url": f"https://images.lumacdn.com/avatars/{slug}.png"}


def split_into_calendars(community: Community, keys: list[tuple[str, str]], seed: int = 7) -> Community:
    """The community with its events spread over calendars (name, key): each event managed by one,
    a share also listed by another, every event hosted by its calendar's host (some co-hosted)."""
    rng = random.Random(seed)
    calendars = [SimCalendar(calendar_id(name), name, key) for name, key in keys]
    hosts = {cal.id: calendar_host(cal.name) for cal in calendars}
    for event in community.events:
        owner = rng.choice(calendars)
        event.calendar_id = owner.id
        event.hosts = [hosts[owner.id]]
        others = [cal for cal in calendars if cal is not owner]
        if others and rng.random() < SHARED_SHARE:
            rng.choice(others).listed.append(event.id)
        if others and rng.random() < CO_HOSTED_SHARE:
            event.hosts.append(hosts[rng.choice(others).id])
    community.calendars = calendars
    return community
