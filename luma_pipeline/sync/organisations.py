"""Pure: which organisation is behind an event, from its hosts' emails, the calendars that manage
it and the organiser's ORGANISATIONS map, with a confidence and the evidence (DESIGN.md)."""
from __future__ import annotations

from typing import Iterable, NamedTuple

from ..config import Organisation

HOST_EMAIL, HOST_DOMAIN, CALENDAR, CONFLICT = "host_email", "host_domain", "calendar", "conflict"
CONFIDENCE = {HOST_EMAIL: 100, HOST_DOMAIN: 85, CALENDAR: 60}


class Resolution(NamedTuple):
    """An event's organisation (None when unknown), confidence (0-100) and source."""

    organisation: str | None
    confidence: int | None
    source: str | None


NONE = Resolution(None, None, None)


def parent_domains(domain: str) -> list[str]:
    """The domain and each parent with at least two labels: a.b.uni.edu → a.b.uni.edu, b.uni.edu, uni.edu."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(max(1, len(labels) - 1))]


def host_matches(email: str, organisations: Iterable[Organisation]) -> list[tuple[int, str, str]]:
    """(confidence, organisation, source) of every organisation one host email points at."""
    email = email.strip().casefold()
    domains = parent_domains(email.rpartition("@")[2])
    found = []
    for org in organisations:
        if email in org.emails:
            found.append((CONFIDENCE[HOST_EMAIL], org.name, HOST_EMAIL))
        elif any(d in org.domains for d in domains):
            found.append((CONFIDENCE[HOST_DOMAIN], org.name, HOST_DOMAIN))
    return found


def resolve_organisation(hosts: Iterable[str], managing_calendars: Iterable[str],
                         organisations: Iterable[Organisation]) -> Resolution:
    """The organisation behind an event: the best match over all its hosts (a listed email 100,
    its domain or a parent domain 85); else the calendar that manages it (60); else none. Two
    organisations at the best confidence are a conflict, reported rather than guessed."""
    organisations = list(organisations)
    matches = [m for email in hosts for m in host_matches(email, organisations)]
    if matches:
        best = max(confidence for confidence, _, _ in matches)
        names = {name for confidence, name, _ in matches if confidence == best}
        if len(names) > 1:
            return Resolution(None, None, CONFLICT)
        source = next(src for confidence, _, src in matches if confidence == best)
        return Resolution(names.pop(), best, source)
    calendars = sorted(set(managing_calendars))
    if len(calendars) == 1:
        return Resolution(calendars[0], CONFIDENCE[CALENDAR], CALENDAR)
    return Resolution(None, None, CONFLICT) if calendars else NONE
