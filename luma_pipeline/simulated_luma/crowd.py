"""A large community and one noisy guest list of it, with the truth beside every record.

`generate_crowd(seed, n_people, n_records)` draws the people an organiser already knows, named by
the realistic name model of names.py, then one event's guest list: 70% of its records are people
already known, 30% new people, with the noise real guest lists carry (RATES). Each record is a
SimGuest whose `person` is the index in `Crowd.people` of the real person behind it (the known
people first, then the new ones), so that person matching can be scored against the truth.
Records carry no Luma user id, as Luma's own CSV export has none: matching has to go by email,
phone and name. Pure and deterministic: every draw comes from one `random.Random(seed)`.
"""
from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .community import (
    SimEvent,
    SimGuest,
    luma_id,
    noisy_email,
    personal_email,
    phone_forms,
    unique_email,
    unique_phone,
)
from .names import NICKNAMES, ascii_name, name_model

UTC = timezone.utc
EVENT_NAME = "Founders Night"
EVENT_DAYS_AGO = 10  # the guest list is of an event that has settled
EVENT_HOURS = 3
REGISTRATION_DAYS = 30  # guests register during the month before the event
NAMESAKE_TRIES = 1000  # draws allowed to land on a name some known person has

# Rates of the generated data (the import benchmark prints them with --explain).
RATES = {
    "people with a phone on file": 0.85,
    "people with a second email on file": 0.20,
    "rows of people already known": 0.70,
    "known rows using the second email on file (people who have one)": 0.30,
    "known rows with a second email never seen": 0.10,
    "rows with the email's case changed": 0.15,
    "rows with spaces around the email (the guest-list writer trims them)": 0.05,
    "rows with no phone": 0.20,
    "known rows giving a phone never seen (people with no phone on file)": 0.50,
    "known rows using a nickname (first names that have one)": 0.10,
    "known rows with a one-letter typo in the first or last name": 0.03,
    "rows with accents dropped (accented names)": 0.50,
    "rows with only the full name (first/last columns blank)": 0.05,
    "new people given the full name of a known, different person": 0.10,
    "new people who register twice": 0.08,
    "approved guests checked in": 0.50,
}
RATE = dict(zip(
    ("phone_on_file", "second_email_on_file", "known", "use_second_email", "new_email",
     "email_case", "email_spaces", "phone_missing", "phone_new", "nickname", "typo",
     "accents_dropped", "name_only", "namesake", "register_twice", "checked_in"), RATES.values()))
STATUSES = [("approved", 80), ("waitlist", 5), ("declined", 5), ("pending_approval", 4), ("invited", 6)]
NO_TICKET_STATUSES = ("invited", "declined")
SECOND_REGISTRATION = [("same_email", 50), ("other_email_same_phone", 30), ("other_email_no_phone", 20)]


@dataclass
class CrowdPerson:
    """A real person: name, emails (the first is the usual one), phone in E.164 or None."""

    first: str
    last: str
    emails: list[str]
    phone: str | None
    namesake: bool = False  # a new person given a known person's full name on purpose


@dataclass
class Crowd:
    """The people (the first `known` of them already in the organiser's database), the event with
    its guest records in registration order, and the noise each record carries (by guest id)."""

    people: list[CrowdPerson]
    known: int
    event: SimEvent
    noise: dict[str, list[str]]


class _Draw:
    """Every draw of one crowd: one seeded random source, and the addresses and numbers taken."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.names = name_model()
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.ticket_type = luma_id(self.rng, "evtticktyp-")

    def chance(self, rate: float) -> bool:
        """True with probability `rate`."""
        return self.rng.random() < rate

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        """One value of a (value, weight) list."""
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def email(self, first: str, last: str) -> str:
        """A new address nobody has yet."""
        return unique_email(self.rng, personal_email(self.rng, first, last), self.emails)

    def phone(self) -> str:
        """A new number nobody has yet, in E.164."""
        return unique_phone(self.rng, self.phones)

    def person(self, name: tuple[str, str] | None = None) -> CrowdPerson:
        """A person with a name (drawn unless given), one or two emails, and most often a phone."""
        first, last = name or self.names.draw(self.rng)
        emails = [self.email(first, last)]
        if self.chance(RATE["second_email_on_file"]):
            emails.append(self.email(first, last))
        return CrowdPerson(first, last, emails, self.phone() if self.chance(RATE["phone_on_file"]) else None)


def generate_crowd(seed: int = 7, n_people: int = 100_000, n_records: int = 20_000,
                   anchor: datetime | None = None) -> Crowd:
    """A deterministic crowd: the same (seed, sizes, anchor) give the same people and records."""
    if anchor is None:
        anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    draw = _Draw(seed)
    event = _event(draw, anchor.astimezone(UTC) - timedelta(days=EVENT_DAYS_AGO))
    crowd = Crowd([draw.person() for _ in range(n_people)], n_people, event, {})
    crowd.event.guests = _guest_list(draw, crowd, n_records)
    return crowd


def _event(draw: _Draw, start: datetime) -> SimEvent:
    """The one event of the guest list (in-person, no registration questions)."""
    return SimEvent(id=luma_id(draw.rng, "evt-"), name=EVENT_NAME, start_at=start,
                    end_at=start + timedelta(hours=EVENT_HOURS), timezone="America/New_York",
                    description=f"{EVENT_NAME}. Meet the community.",
                    url=luma_id(draw.rng, "https://luma.com/", 8, string.ascii_lowercase + string.digits),
                    geo_address=None, tags=[], registration_questions=[], guests=[])


def _guest_list(draw: _Draw, crowd: Crowd, n_records: int) -> list[SimGuest]:
    """The records of known people, then of new people (added to the crowd) until there are
    `n_records`, in registration order."""
    known = draw.rng.sample(range(crowd.known), min(crowd.known, round(n_records * RATE["known"])))
    records = [_known_record(draw, crowd, index) for index in known]
    held = {(p.first, p.last) for p in crowd.people}
    while len(records) < n_records:
        namesake = draw.chance(RATE["namesake"])
        person = draw.person(_namesake_name(draw, held) if namesake else None)
        person.namesake = namesake
        crowd.people.append(person)
        twice = len(records) + 2 <= n_records and draw.chance(RATE["register_twice"])
        records += _new_person_records(draw, crowd, len(crowd.people) - 1, twice)
    records.sort(key=lambda g: g.registered_at or g.invited_at)
    return records


def _namesake_name(draw: _Draw, held: set[tuple[str, str]]) -> tuple[str, str]:
    """A name some known person already has, drawn as names are drawn (a common name is far more
    likely to be shared than a rare one, as in life)."""
    for _ in range(NAMESAKE_TRIES):
        name = draw.names.draw(draw.rng)
        if name in held:
            return name
    return draw.names.draw(draw.rng)


def _known_record(draw: _Draw, crowd: Crowd, index: int) -> SimGuest:
    """A record of a person already known: the usual email, the second one on file or one never
    seen; the phone on file, or a new one from someone who had none."""
    person, noise = crowd.people[index], []
    if draw.chance(RATE["new_email"]):
        noise.append("new_email")
        email = draw.email(person.first, person.last)
    elif len(person.emails) > 1 and draw.chance(RATE["use_second_email"]):
        noise.append("second_email_on_file")
        email = person.emails[1]
    else:
        email = person.emails[0]
    phone = person.phone
    if phone is None and draw.chance(RATE["phone_new"]):
        noise.append("phone_new")
        phone = draw.phone()
    elif phone is None:
        noise.append("no_phone_on_file")
    return _record(draw, crowd, index, noise, email, _written_phone(draw, phone, noise), known=True)


def _new_person_records(draw: _Draw, crowd: Crowd, index: int, twice: bool) -> list[SimGuest]:
    """The records of a person not yet known: one registration, or two with slightly different data."""
    person, noise = crowd.people[index], ["new_person"]
    first = _record(draw, crowd, index, noise, person.emails[0], _written_phone(draw, person.phone, noise),
                    known=False)
    if not twice:
        return [first]
    variant = draw.pick(SECOND_REGISTRATION)
    if variant == "other_email_same_phone" and not person.phone:
        variant = "other_email_no_phone"
    noise = ["second_registration", variant]
    email = person.emails[0] if variant == "same_email" else draw.email(person.first, person.last)
    phone = None if variant == "other_email_no_phone" else _written_phone(draw, person.phone, noise)
    if variant == "other_email_same_phone" and not phone:
        phone = person.phone  # this variant is about reaching the person through the phone
    return [first, _record(draw, crowd, index, noise, email, phone, known=True,
                           after=first.registered_at or first.invited_at)]


def _record(draw: _Draw, crowd: Crowd, index: int, noise: list[str], email: str, phone: str | None,
            known: bool, after: datetime | None = None) -> SimGuest:
    """One record of a person with this email and phone, a noisy name, and a registration."""
    first, last = _written_name(draw, crowd.people[index], noise, known)
    name_only = draw.chance(RATE["name_only"])
    if name_only:
        noise.append("name_only")
    email = _written_email(draw, email, noise)
    when, status, checked_in = _registration(draw, crowd.event.start_at, after)
    invited = status == "invited"
    guest = SimGuest(
        id=luma_id(draw.rng, "gst-"), user_id=None, person=index, name=f"{first} {last}",
        first_name="" if name_only else first, last_name="" if name_only else last, email=email,
        phone_number=phone, approval_status=status, registered_at=None if invited else when,
        invited_at=when if invited else None, checked_in_at=checked_in, utm_source=None, answers=[],
        ticket=None if status in NO_TICKET_STATUSES else _free_ticket(draw))
    crowd.noise[guest.id] = noise
    return guest


def _written_name(draw: _Draw, person: CrowdPerson, noise: list[str], known: bool) -> tuple[str, str]:
    """(first, last) as the guest typed them: nickname, typo (known people only), accents dropped."""
    first, last = person.first, person.last
    if known and first in NICKNAMES and draw.chance(RATE["nickname"]):
        noise.append("nickname")
        first = draw.rng.choice(NICKNAMES[first])
    if known and draw.chance(RATE["typo"]):
        if draw.rng.random() < 0.5:
            noise.append("typo_first")
            first = one_letter_typo(draw.rng, first)
        else:
            noise.append("typo_last")
            last = one_letter_typo(draw.rng, last)
    if ascii_name(first + last) != first + last and draw.chance(RATE["accents_dropped"]):
        noise.append("accents_dropped")
        first, last = ascii_name(first), ascii_name(last)
    return first, last


def one_letter_typo(rng: random.Random, name: str) -> str:
    """The name with one letter dropped, doubled, swapped with the next or replaced: each one edit
    for the matcher (never the first letter, which people rarely get wrong)."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return name[:i] + name[i + 1:]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    letter = rng.choice([c for c in string.ascii_lowercase if c != name[i].lower()])
    return name[:i] + letter + name[i + 1:]


def _written_email(draw: _Draw, email: str, noise: list[str]) -> str:
    """An email as the guest typed it: sometimes another case, sometimes with spaces around."""
    written = noisy_email(draw.rng, email, RATE["email_case"], RATE["email_spaces"])
    if written != email:
        noise.append("email_spaces" if written.strip() != written else "email_case")
    return written


def _written_phone(draw: _Draw, e164: str | None, noise: list[str]) -> str | None:
    """A phone as the guest typed it, in one of the usual US forms; None when left out."""
    if e164 is None or draw.chance(RATE["phone_missing"]):
        noise.append("phone_missing")
        return None
    written = draw.rng.choice(phone_forms(e164))
    if written != e164:
        noise.append("phone_format")
    return written


def _registration(draw: _Draw, start: datetime, after: datetime | None) -> tuple:
    """(registered at, status, checked in at) of one registration."""
    earliest = after or start - timedelta(days=REGISTRATION_DAYS)
    span = max(2.0, (start - earliest).total_seconds() - 1800)  # the first registration ends 30 min before
    when = earliest + timedelta(seconds=draw.rng.uniform(1, span))
    status = draw.pick(STATUSES)
    checked_in = (start + timedelta(seconds=draw.rng.uniform(-1800, 7200))
                  if status == "approved" and draw.chance(RATE["checked_in"]) else None)
    return when, status, checked_in


def _free_ticket(draw: _Draw) -> dict:
    """A free General Admission ticket (amounts in cents, as Luma's API gives them)."""
    return {"id": luma_id(draw.rng, "evtticket-"), "amount": 0, "amount_discount": 0, "amount_tax": 0,
            "currency": "usd", "name": "General Admission", "event_ticket_type_id": draw.ticket_type}
