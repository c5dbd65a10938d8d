"""Who approve_guests.py admits: the organiser's rules and a pending guest turned into a decision
(pure: no I/O)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from ..config import Settings
from ..importing.demographics import demographics
from ..importing.identity import fold_name, normalize_email, normalize_phone, split_name
from ..importing.matching import Guest, PeopleIndex, match_guest
from ..importing.rows import ImportOptions

MIN_EVENTS, EMAIL_DOMAIN = "min_events", "email_domain"  # the rule names the decisions table keeps


@dataclass(frozen=True)
class Rules:
    """APPROVE_MIN_EVENTS, APPROVE_EMAIL_DOMAINS and APPROVE_EVENT_TAGS, plus how matching reads."""

    min_events: int | None = None
    email_domains: tuple[str, ...] = ()
    event_tags: tuple[str, ...] = ()  # case-folded
    matching: ImportOptions = ImportOptions()  # the importer's matching settings, read the same way

    @classmethod
    def from_settings(cls, settings: Settings) -> "Rules":
        """The rules of the environment."""
        return cls(settings.approve_min_events, settings.approve_email_domains,
                   settings.approve_event_tags, ImportOptions.from_settings(settings))

    def any_rule(self) -> bool:
        """Whether any rule can admit anyone."""
        return self.min_events is not None or bool(self.email_domains)

    def covers_event(self, tags: Iterable[str] | None) -> bool:
        """Whether approvals apply to an event with these tags (all events when no tag is named)."""
        return not self.event_tags or any(t.casefold() in self.event_tags for t in tags or ())

    def admits(self, attended: int, email: str | None) -> str | None:
        """The first rule that admits a guest who attended `attended` settled events, or None."""
        if self.min_events is not None and attended >= self.min_events:
            return MIN_EVENTS
        if email_in_domains(email, self.email_domains):
            return EMAIL_DOMAIN
        return None


def email_in_domains(email: str | None, domains: Iterable[str]) -> bool:
    """Whether an email's domain is one of `domains` or a subdomain of one (`alum.mit.edu` is in
    `mit.edu`; `notmit.edu` is not)."""
    address = normalize_email(email)
    if not address:
        return False
    domain = address.rpartition("@")[2].rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class Decision:
    """What the rules say about one pending guest."""

    guest_id: str
    name: str | None
    email: str | None
    person_id: int | None
    match_method: str
    rule: str | None  # None: no rule admits the guest


def decide(guest: Mapping, matched_as: Guest, index: PeopleIndex, attended: Mapping[int, int],
           rules: Rules) -> Decision:
    """Match a pending guest (a `guest_from_entry` dict; `matched_as`: guest_for_matching of it)
    to a known person, read-only, and apply the rules. A guest matched to nobody has attended
    nothing."""
    match = match_guest(matched_as, index, rules.matching.fuzzy_threshold)
    count = attended.get(match.person_id, 0) if match.person_id is not None else 0
    return Decision(guest["guest_id"], guest.get("name"), guest.get("email"), match.person_id,
                    match.method, rules.admits(count, guest.get("email")))


def guest_for_matching(guest: Mapping, options: ImportOptions, event_start: datetime | None) -> Guest:
    """A flat API guest as the matching cascade reads it (identifiers normalised, names folded,
    gender and class year from the registration answers)."""
    first, last = split_name(guest.get("name"), guest.get("first_name"), guest.get("last_name"))
    found = demographics(dict(guest.get("answers") or ()), event_start, options.question_fields,
                         options.academic_year_start_month)
    return Guest(user_id=guest.get("user_id"), email=normalize_email(guest.get("email")),
                 phone=normalize_phone(guest.get("phone_number"), options.phone_region),
                 first=fold_name(first), last=fold_name(last),
                 gender=found.get("gender"), class_year=found.get("class_year"))
