"""A generated community behind the simulated Luma: events, people and their guest records.

Pure and deterministic: every draw comes from one `random.Random(seed)`, so a seed and an anchor
always give the same community. The guest records carry the noise real exports have (second
emails, nicknames, typos, phone formats, double registrations) while `Community.people` keeps the
ground truth, so identity matching can be scored against it.
"""
from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from heapq import nlargest
from zoneinfo import ZoneInfo

UTC = dt_timezone.utc
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits

HISTORY_DAYS = 425  # about 14 months of past events
LAST_SETTLED_DAYS_AGO = 3  # keeps every "settled" event well over 24 hours before the anchor
UPCOMING_DAYS_AHEAD = (6, 13)
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# --- event catalogue ------------------------------------------------------------------------

CATEGORY_WEIGHTS = {"workshop": 0.29, "social": 0.2, "party": 0.17, "talk": 0.24, "hackathon": 0.1}
SIZE_FACTOR = {"workshop": 0.85, "social": 1.0, "party": 1.3, "talk": 0.9, "hackathon": 1.1}
EVENT_NAMES = {
    "workshop": [
        "Intro to Python Workshop", "Resume Review Workshop", "Git & GitHub for Beginners",
        "SQL Basics: From Zero to Joins", "Figma for Founders", "Pitch Deck Clinic",
        "Intro to Machine Learning Workshop 🤖",
        "Building Your First Web App with Flask and PostgreSQL: A Hands-On Workshop (Bring a Laptop)",
        "Data Visualization for Everyone: Charts, Dashboards and Telling Stories with Numbers",
        "Atelier Café & Code: Introducción a JavaScript",
    ],
    "social": [
        "Spring Welcome Social", "Fall Kickoff Social", "Coffee & Code", "Board Game Night 🎲",
        "Ice Cream Social 🍦", "End-of-Semester Picnic", "Alumni Mixer",
        "Café con Código: Spanish-Language Meetup for Builders, Designers and the Curious",
    ],
    "party": [
        "Halloween Party", "Holiday Party 🎄", "End of Year Party", "Spring Fling",
        "Neon Night Party ✨", "Welcome Back Rooftop Party",
    ],
    "talk": [
        "Founders Fireside Chat", "Women in Tech Panel", "Office Hours with a VC",
        "Product Management 101", "Résumé Secrets from Recruiters",
        "Career Paths in Data Science: A Conversation with Industry Leaders from Boston Biotech",
        "From Dorm Room to Series A — Lessons Learned by Three Student Founders 🚀",
    ],
    "hackathon": [
        "Spring Hackathon", "24-Hour Climate Hackathon 🌍", "AI for Good Hackathon", "Hack Night",
        "HackBeanpot Warm-Up: Team Formation, Idea Brainstorming and Mentor Speed-Dating Night",
    ],
}
BLURBS = {
    "workshop": "Bring a laptop; we'll build something small together. Snacks provided.",
    "social": "Meet the community, grab a drink and say hi to the organisers.",
    "party": "Music, food and good company. Bring a friend!",
    "talk": "A conversation followed by open Q&A and time to mingle.",
    "hackathon": "Form a team, build a prototype, demo it at the end. Food all day.",
}
VENUES = [
    ("CIC Cambridge", "1 Broadway", "Cambridge", "MA", 42.3629, -71.0835),
    ("District Hall", "75 Northern Ave", "Boston", "MA", 42.3519, -71.0445),
    ("The Engine", "750 Main St", "Cambridge", "MA", 42.3626, -71.0972),
    ("Snell Library", "360 Huntington Ave", "Boston", "MA", 42.3384, -71.0880),
    ("BU Questrom, Room 220", "595 Commonwealth Ave", "Boston", "MA", 42.3496, -71.0997),
    ("Workbar Back Bay", "711 Atlantic Ave", "Boston", "MA", 42.3513, -71.0553),
]
ONLINE_SHARE = 0.12
UNTAGGED_SHARE = 0.05
SECOND_TAG_SHARE = 0.1
NO_END_SHARE = 0.05
QUESTIONS_SHARE = 0.85
LOCAL_START_TIMES = [time(18, 0), time(18, 0), time(18, 30), time(19, 0), time(19, 0), time(19, 30)]
OTHER_START_TIMES = [time(10, 0), time(12, 0), time(17, 30)]
DURATION_MINUTES = [120, 150, 180]

GENDER_QUESTIONS = [("What is your gender?", "dropdown"), ("Gender", "text"), ("Pronouns", "dropdown")]
SCHOOL_QUESTIONS = [("Which school do you attend?", "dropdown"), ("University", "text"),
                    ("School / University", "text")]
YEAR_QUESTIONS = [("Class year", "text"), ("Graduation year", "dropdown"),
                  ("What year are you? (e.g. Junior, Senior)", "text")]
HEARD_QUESTION = ('How did you hear about us? (friends, "flyers", etc.)', "text")
DIETARY_QUESTION = ("¿Dietary needs?", "text")
HEARD_ANSWERS = ["A friend", "Instagram", "flyers", "Newsletter", "LinkedIn", 'Saw a "flyer", then a friend',
                 "Luma", "Class, professor mentioned it"]
DIETARY_ANSWERS = ["None", "Vegetarian", "Vegan", "Halal", "Gluten-free", "Sin gluten", "Kosher", "Nut allergy"]
GENDER_ANSWERS = {
    "What is your gender?": {"woman": ["Woman", "Female"], "man": ["Man", "Male"],
                             "non-binary": ["Non-binary"], "unanswered": ["Prefer not to say"]},
    "Gender": {"woman": ["F", "female", "Woman"], "man": ["M", "male", "Man"],
               "non-binary": ["nonbinary", "Non-binary", "enby"], "unanswered": ["-", "n/a"]},
    "Pronouns": {"woman": ["she/her"], "man": ["he/him"], "non-binary": ["they/them"],
                 "unanswered": ["Prefer not to say"]},
}
STANDING = {0: "Senior", 1: "Junior", 2: "Sophomore", 3: "Freshman"}

# --- people ---------------------------------------------------------------------------------

# (first name, usual gender or "any", nickname): a nickname is how one person shows up under two names.
FIRST_NAMES = [
    ("Elizabeth", "woman", "Liz"), ("Katherine", "woman", "Kate"), ("Jennifer", "woman", "Jen"),
    ("Margaret", "woman", "Maggie"), ("Samantha", "woman", "Sam"), ("Rebecca", "woman", "Becca"),
    ("Victoria", "woman", "Tori"), ("Abigail", "woman", "Abby"), ("Olivia", "woman", None),
    ("Emma", "woman", None), ("Sofia", "woman", None), ("Priya", "woman", None), ("Aisha", "woman", None),
    ("Fatima", "woman", None), ("Mei", "woman", None), ("Ananya", "woman", None), ("Lucía", "woman", None),
    ("Zoë", "woman", None), ("Chloé", "woman", None), ("Renée", "woman", None), ("Maya", "woman", None),
    ("Grace", "woman", None), ("Hannah", "woman", None), ("Isabella", "woman", "Bella"),
    ("Amara", "woman", None), ("Yuki", "woman", None), ("Nadia", "woman", None), ("Sarah", "woman", None),
    ("Emily", "woman", None), ("Natalie", "woman", None), ("Camila", "woman", None), ("Ngozi", "woman", None),
    ("Robert", "man", "Bob"), ("William", "man", "Bill"), ("Jonathan", "man", "Jon"),
    ("Michael", "man", "Mike"), ("Alexander", "man", "Alex"), ("Christopher", "man", "Chris"),
    ("Daniel", "man", "Dan"), ("Nicholas", "man", "Nick"), ("Benjamin", "man", "Ben"),
    ("Matthew", "man", "Matt"), ("Joseph", "man", "Joe"), ("Thomas", "man", "Tom"),
    ("Anthony", "man", "Tony"), ("Edward", "man", "Ed"), ("James", "man", "Jim"), ("Steven", "man", "Steve"),
    ("José", "man", None), ("Noah", "man", None), ("Liam", "man", None), ("Mateo", "man", None),
    ("Jamal", "man", None), ("Wei", "man", None), ("Hiroshi", "man", None), ("Chidi", "man", None),
    ("Diego", "man", None), ("Arjun", "man", None), ("Omar", "man", None), ("Ethan", "man", None),
    ("André", "man", None), ("François", "man", None), ("Søren", "man", None), ("Minh", "man", None),
    ("Jordan", "any", None), ("Taylor", "any", None), ("Riley", "any", None),
    ("Casey", "any", None), ("Kai", "any", None), ("Avery", "any", None),
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martínez", "Hernández", "López", "González", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Ramírez",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen",
    "Nguyễn", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Patel", "Kim", "Chen", "Wang", "Singh", "Cohen", "Murphy",
    "O'Brien", "Okafor", "Kowalski", "Nakamura", "Rossi", "Silva", "Dubois", "Müller", "Björk",
    "Ibrahim", "Álvarez", "Chávez", "Gutiérrez", "Sullivan", "McDonald", "Kennedy", "Zhang", "Liu",
    "Hassan", "Mensah", "Van der Berg", "Smith-Jones",
]
NOTABLE_PEOPLE = [("José", "Álvarez", "man"), ("Zoë", "O'Brien", "woman"), ("Minh", "Nguyễn", "man")]
SCHOOLS = [
    ("Boston University", "bu.edu", ["BU", "Boston U", "boston university"]),
    ("Northeastern University", "northeastern.edu", ["Northeastern", "NEU"]),
    ("MIT", "mit.edu", ["Massachusetts Institute of Technology", "mit"]),
    ("Harvard University", "harvard.edu", ["Harvard"]),
    ("Tufts University", "tufts.edu", ["Tufts"]),
    ("Boston College", "bc.edu", ["BC"]),
    ("Emerson College", "emerson.edu", ["Emerson"]),
]
NON_STUDENT_ANSWERS = ["Not a student", "N/A", "Working professional"]
PERSONAL_DOMAINS = ["gmail.com"] * 12 + ["yahoo.com", "outlook.com", "icloud.com", "icloud.com", "hotmail.com",
                                        "proton.me"]
AREA_CODES = ["617", "857", "781", "978", "508", "212", "646", "718", "415", "510", "312", "202", "305",
              "404", "512", "206", "303", "215", "412", "860", "401"]
GENDER_OVERRIDE = {"non-binary": 0.04, "unanswered": 0.08}
SHARED_NAME_SHARE = 0.02
SECOND_EMAIL_SHARE = 0.3
PHONE_SHARE = 0.85
NON_STUDENT_SHARE = 0.1
# A few regulars carry a large share of registrations; most people come once or twice.
TIERS = [(0.08, 15.0, 0.7), (0.3, 3.0, 0.3), (1.0, 1.0, 0.1)]  # (cumulative share, weight, active span)
OUTSIDE_ACTIVE_WEIGHT = 0.02  # people come back now and then outside their active months

# --- guest records --------------------------------------------------------------------------

STATUSES = [("approved", 0.70), ("waitlist", 0.07), ("declined", 0.07), ("pending_approval", 0.05),
            ("invited", 0.08), ("session", 0.03)]
DECLINED_INVITATION_SHARE = 0.5
DECLINED_CHECK_IN_SHARE = 0.01
DOUBLE_REGISTRATION_SHARE = 0.006
CHECK_IN_RATE = (0.55, 0.75)
SECOND_EMAIL_USE = 0.25
EMAIL_UPPER_SHARE = 0.03
EMAIL_SPACES_SHARE = 0.03
NICKNAME_SHARE = 0.25
TYPO_SHARE = 0.02
FIRST_NAME_ONLY_SHARE = 0.02
PHONE_MISSING_SHARE = 0.3
ANSWER_SKIP_SHARE = 0.1
UTM_SOURCES = ["instagram", "newsletter", "twitter", "flyer", "dablbeehiivcom", "linkedin"]
UTM_SHARE = 0.15
PAID_SHARE = {"party": 0.6, "hackathon": 0.3}
# Requests to join each upcoming event that wait for the host's approval (approve_guests.py):
# returning people (at least two settled check-ins) and people never checked in anywhere. Drawn from
# a generator of their own, so every other record stays as it was without them.
PENDING_RETURNING, PENDING_NEWCOMERS = 4, 3
PENDING_SEED_OFFSET = 1_000_003


@dataclass
class SimGuest:
    """One guest record as Luma stores it, plus the index of the real person behind it."""

    id: str
    user_id: str | None  # None for a record that must be matched without it (crowd.py)
    person: int
    name: str
    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    approval_status: str
    registered_at: datetime | None
    invited_at: datetime | None
    checked_in_at: datetime | None
    utm_source: str | None
    answers: list[dict]
    ticket: dict | None


@dataclass
class SimEvent:
    """One event of the calendar with its guest records."""

    id: str
    name: str
    start_at: datetime
    end_at: datetime | None
    timezone: str
    description: str
    url: str
    geo_address: dict | None
    tags: list[str]
    registration_questions: list[dict]
    guests: list[SimGuest]
    coordinate: dict | None = None
    meeting_url: str | None = None
    created_at: datetime | None = None


@dataclass
class Community:
    """The calendar's events (in start order) and the ground truth about the people behind guests."""

    events: list[SimEvent]
    people: list[dict]

    def event(self, event_id: str) -> SimEvent | None:
        """The event with this id, or None."""
        return next((ev for ev in self.events if ev.id == event_id), None)

    def remove_event(self, event_id: str) -> None:
        """Drop an event, as Luma does when a host cancels it."""
        self.events = [ev for ev in self.events if ev.id != event_id]


@dataclass
class _Person:
    """What generation needs about a person beyond the public ground truth."""

    index: int
    first: str
    last: str
    nickname: str | None
    emails: list[str]
    user_ids: list[str]
    phone: str | None
    phone_forms: list[str]
    gender: str
    school: tuple | None
    class_year: int | None
    weight: float
    active: tuple[float, float]


@dataclass
class _EventPlan:
    """Per-event facts shared by all of its guest records."""

    event: SimEvent
    category: str
    anchor: datetime
    settled: bool
    attendance_taken: bool
    check_in_rate: float
    ticket_types: list[tuple[str, str, int]]


def local_to_utc(day: date, at: time, timezone: str) -> datetime:
    """The aware UTC instant of a wall-clock time in an IANA zone (DST applied by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def generate_community(seed: int = 7, *, n_events: int = 40, n_people: int = 300,
                       mean_guests_per_event: float = 35, anchor: datetime | None = None,
                       timezone: str = "America/New_York") -> Community:
    """A deterministic community: same (seed, anchor, sizes) gives the same events and guests."""
    if anchor is None:
        anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    anchor = anchor.astimezone(UTC)
    rng = random.Random(seed)
    people = _people(rng, n_people, anchor)
    scheduled = _schedule(rng, n_events, anchor, timezone)
    events = [event for event, _ in scheduled]
    no_attendance = _pick_no_attendance_event(rng, events, anchor)
    upcoming = []
    for position, (event, category) in enumerate(scheduled):
        plan = _plan(rng, event, category, anchor, event.id != no_attendance)
        progress = position / max(1, len(events) - 1)
        event.guests = _event_guests(rng, plan, people, mean_guests_per_event, progress)
        upcoming += [plan] if event.start_at > anchor else []
    _add_pending_requests(random.Random(seed + PENDING_SEED_OFFSET), upcoming, people,
                          _settled_check_ins(events, anchor))
    return Community(events=events, people=[_ground_truth(p) for p in people])


# --- people -------------------------------------------------------------------------------


def luma_id(rng: random.Random, prefix: str, k: int = 15, alphabet: str = ALNUM) -> str:
    """A Luma-style random id (`gst-…`, `evt-…`)."""
    return prefix + "".join(rng.choices(alphabet, k=k))


def _ascii(text: str) -> str:
    """A name folded to the lower-case ASCII that people use in email addresses."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _people(rng: random.Random, n_people: int, anchor: datetime) -> list[_Person]:
    taken_emails: set[str] = set()
    taken_phones: set[str] = set()
    people: list[_Person] = []
    notable = {rng.randrange(max(1, n_people)): entry for entry in NOTABLE_PEOPLE}
    for index in range(n_people):
        first, gender, nickname = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if index in notable:
            first, last, gender = notable[index]
            nickname = None
        elif people and rng.random() < SHARED_NAME_SHARE:
            twin = rng.choice(people)  # a different person who happens to share the full name
            first, last, gender, nickname = twin.first, twin.last, twin.gender, twin.nickname
        people.append(_person(rng, index, first, last, gender, nickname, anchor, taken_emails, taken_phones))
    return people


def _person(rng: random.Random, index: int, first: str, last: str, gender: str, nickname: str | None,
            anchor: datetime, taken_emails: set[str], taken_phones: set[str]) -> _Person:
    if gender == "any":
        gender = rng.choice(["woman", "man"])
    roll = rng.random()
    for name, share in GENDER_OVERRIDE.items():
        if roll < share:
            gender = name
            break
        roll -= share
    school = None if rng.random() < NON_STUDENT_SHARE else rng.choice(SCHOOLS)
    class_year = anchor.year + rng.randrange(-1, 5) if school else None
    emails = [unique_email(rng, personal_email(rng, first, last), taken_emails)]
    if rng.random() < SECOND_EMAIL_SHARE:
        second = _school_email(rng, first, last, school, class_year) if school else personal_email(rng, first, last)
        emails.append(unique_email(rng, second, taken_emails))
    phone = unique_phone(rng, taken_phones) if rng.random() < PHONE_SHARE else None
    tier_roll = rng.random()
    weight, span = next((w, s) for share, w, s in TIERS if tier_roll < share)
    start = rng.uniform(-span / 2, 1.0 - span / 2)
    return _Person(index, first, last, nickname, emails, [luma_id(rng, "usr-") for _ in emails], phone,
                   phone_forms(phone) if phone else [], gender, school, class_year, weight,
                   (start, start + span))


def personal_email(rng: random.Random, first: str, last: str) -> str:
    """A personal address built from a name the way people build theirs (not yet unique)."""
    f, l = _ascii(first) or "guest", _ascii(last) or "x"
    local = rng.choice([f"{f}.{l}", f"{f}{l}", f"{f[0]}{l}", f"{f}_{l}", f"{f}.{l}{rng.randrange(1, 99)}",
                        f"{f}{rng.randrange(1, 999)}"])
    return f"{local}@{rng.choice(PERSONAL_DOMAINS)}"


def _school_email(rng: random.Random, first: str, last: str, school: tuple, class_year: int) -> str:
    f, l = _ascii(first) or "guest", _ascii(last) or "x"
    local = rng.choice([f"{f[0]}{l}{class_year % 100}", f"{f}.{l}", f"{l}.{f[0]}"])
    return f"{local}@{school[1]}"


def unique_email(rng: random.Random, email: str, taken: set[str]) -> str:
    """The address, with digits added to its local part until nobody in `taken` has it; taken."""
    local, domain = email.split("@")
    while email in taken:
        email = f"{local}{rng.randrange(10, 1000)}@{domain}"
    taken.add(email)
    return email


def unique_phone(rng: random.Random, taken: set[str]) -> str:
    """A valid US number in E.164 that nobody in `taken` has; taken."""
    while True:
        exchange = f"{rng.randrange(2, 10)}{rng.randrange(0, 10)}{rng.randrange(0, 10)}"
        if exchange.endswith("11") or exchange == "555":
            continue  # N11 and 555 exchanges are not valid subscriber numbers
        phone = f"+1{rng.choice(AREA_CODES)}{exchange}{rng.randrange(10_000):04d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def phone_forms(e164: str) -> list[str]:
    """The same US number as people type it; E.164 twice so it stays the most common."""
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return [e164, e164, f"({area}) {exchange}-{line}", f"{area}.{exchange}.{line}",
            f"+1 {area} {exchange} {line}", f"{area}-{exchange}-{line}", f"{area}{exchange}{line}"]


def _ground_truth(p: _Person) -> dict:
    return {"first_name": p.first, "last_name": p.last, "emails": list(p.emails), "phone": p.phone,
            "gender": p.gender, "school": p.school[0] if p.school else None, "class_year": p.class_year}


# --- events -------------------------------------------------------------------------------


def _schedule(rng: random.Random, n_events: int, anchor: datetime,
              timezone: str) -> list[tuple[SimEvent, str]]:
    """Settled events over ~14 months, one within the last 24 hours, then two upcoming ones."""
    n_upcoming = min(len(UPCOMING_DAYS_AHEAD), n_events)
    n_recent = 1 if n_events > n_upcoming else 0
    n_settled = n_events - n_upcoming - n_recent
    today = anchor.astimezone(ZoneInfo(timezone)).date()
    starts = [local_to_utc(today + timedelta(days=d), _start_time(rng), timezone)
              for d in _settled_day_offsets(rng, n_settled)]
    if n_recent:
        starts.append(_recent_start(today, anchor, timezone))
    starts += [local_to_utc(today + timedelta(days=d), time(18, 30), timezone)
               for d in UPCOMING_DAYS_AHEAD[:n_upcoming]]
    starts.sort()
    return [_event(rng, start, timezone) for start in starts]


def _settled_day_offsets(rng: random.Random, n: int) -> list[int]:
    span = HISTORY_DAYS - LAST_SETTLED_DAYS_AGO
    step = span / max(1, n - 1)
    offsets = []
    for i in range(n):
        day = -HISTORY_DAYS + round(i * step)
        if step >= 3:
            day += rng.randrange(-1, 2)
        offsets.append(min(-LAST_SETTLED_DAYS_AGO, max(-HISTORY_DAYS - 1, day)))
    return offsets


def _start_time(rng: random.Random) -> time:
    return rng.choice(LOCAL_START_TIMES) if rng.random() < 0.9 else rng.choice(OTHER_START_TIMES)


def _recent_start(today: date, anchor: datetime, timezone: str) -> datetime:
    """The latest usual evening start that began 30 min to 24 h before the anchor."""
    candidates = [local_to_utc(day, at, timezone) for day in (today, today - timedelta(days=1))
                  for at in (time(19, 0), time(18, 30), time(18, 0), time(12, 0), time(9, 0))]
    fitting = [s for s in candidates if anchor - timedelta(hours=24) < s <= anchor - timedelta(minutes=30)]
    return max(fitting) if fitting else (anchor - timedelta(hours=2)).replace(second=0, microsecond=0)


def _event(rng: random.Random, start: datetime, timezone: str) -> tuple[SimEvent, str]:
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    name = rng.choice(EVENT_NAMES[category])
    end = None if rng.random() < NO_END_SHARE else start + timedelta(minutes=rng.choice(DURATION_MINUTES))
    online = rng.random() < ONLINE_SHARE
    venue = None if online else rng.choice(VENUES)
    event = SimEvent(
        id=luma_id(rng, "evt-"), name=name, start_at=start, end_at=end, timezone=timezone,
        description=f"{name}. {BLURBS[category]}",
        url="https://luma.com/" + "".join(rng.choices(LOWER_ALNUM, k=8)),
        geo_address=_geo_address(venue) if venue else None,
        tags=_tags(rng, category), registration_questions=_questions(rng), guests=[],
        coordinate={"latitude": venue[4], "longitude": venue[5]} if venue else None,
        meeting_url=f"https://us06web.zoom.us/j/{rng.randrange(10**10, 10**11)}" if online else None,
        created_at=start - timedelta(days=rng.randrange(7, 45), milliseconds=rng.randrange(DAY_MS)),
    )
    return event, category


def _geo_address(venue: tuple) -> dict:
    place, street, city, region = venue[:4]
    return {"address": street, "city": city, "region": region, "country": "United States",
            "city_state": f"{city}, {region}", "full_address": f"{street}, {city}, {region}, USA",
            "description": place}


def _tags(rng: random.Random, category: str) -> list[str]:
    roll = rng.random()
    if roll < UNTAGGED_SHARE:
        return []
    if roll < UNTAGGED_SHARE + SECOND_TAG_SHARE:
        return [category, rng.choice([c for c in CATEGORY_WEIGHTS if c != category])]
    return [category]


def _questions(rng: random.Random) -> list[dict]:
    if rng.random() >= QUESTIONS_SHARE:
        return []
    chosen = [rng.choice(GENDER_QUESTIONS), rng.choice(SCHOOL_QUESTIONS), rng.choice(YEAR_QUESTIONS)]
    if rng.random() < 0.6:
        chosen.append(HEARD_QUESTION)
    if rng.random() < 0.4:
        chosen.append(DIETARY_QUESTION)
    return [{"id": "".join(rng.choices(LOWER_ALNUM, k=8)), "label": label, "question_type": kind,
             "required": i < 3 and rng.random() < 0.5} for i, (label, kind) in enumerate(chosen)]


def _pick_no_attendance_event(rng: random.Random, events: list[SimEvent], anchor: datetime) -> str | None:
    settled = [ev.id for ev in events if ev.start_at < anchor - timedelta(hours=24)]
    return rng.choice(settled[1:]) if len(settled) > 1 else None


def _plan(rng: random.Random, event: SimEvent, category: str, anchor: datetime,
          attendance_taken: bool) -> _EventPlan:
    if rng.random() < PAID_SHARE.get(category, 0.05):
        types = [(luma_id(rng, "evtticktyp-"), "General Admission", 1500), (luma_id(rng, "evtticktyp-"), "Student", 500)]
    else:
        types = [(luma_id(rng, "evtticktyp-"), "Standard", 0)]
    return _EventPlan(event, category, anchor, event.start_at < anchor - timedelta(hours=24),
                      attendance_taken, rng.uniform(*CHECK_IN_RATE), types)


# --- guest records ------------------------------------------------------------------------


def _event_guests(rng: random.Random, plan: _EventPlan, people: list[_Person], mean: float,
                  progress: float) -> list[SimGuest]:
    count = round(mean * SIZE_FACTOR[plan.category] * rng.uniform(0.5, 1.5))
    chosen = _weighted_sample(rng, people, min(max(1, count), len(people)), progress)
    guests: list[SimGuest] = []
    for person in chosen:
        if rng.random() < DOUBLE_REGISTRATION_SHARE:
            guests.extend(_double_registration(rng, plan, person))
        else:
            guests.append(_guest(rng, plan, person, _status(rng)))
    guests.sort(key=lambda g: (g.registered_at or g.invited_at, g.id))
    return guests


def _settled_check_ins(events: list[SimEvent], anchor: datetime) -> dict[int, int]:
    """Person index -> events checked in at among those long settled (started 2+ days ago)."""
    counts: dict[int, int] = {}
    for event in events:
        if event.start_at < anchor - timedelta(days=2):
            for person in {g.person for g in event.guests if g.checked_in_at is not None}:
                counts[person] = counts.get(person, 0) + 1
    return counts


def _add_pending_requests(rng: random.Random, plans: list[_EventPlan], people: list[_Person],
                          check_ins: dict[int, int]) -> None:
    """Give each upcoming event pending requests from returning people and from newcomers."""
    for plan in plans:
        on_list = {g.person for g in plan.event.guests}
        returning = [p for p in people if check_ins.get(p.index, 0) >= 2 and p.index not in on_list]
        newcomers = [p for p in people if not check_ins.get(p.index) and p.index not in on_list]
        chosen = (rng.sample(returning, min(PENDING_RETURNING, len(returning)))
                  + rng.sample(newcomers, min(PENDING_NEWCOMERS, len(newcomers))))
        plan.event.guests += [_guest(rng, plan, person, "pending_approval") for person in chosen]
        plan.event.guests.sort(key=lambda g: (g.registered_at or g.invited_at, g.id))


def _weighted_sample(rng: random.Random, people: list[_Person], k: int, progress: float) -> list[_Person]:
    """k distinct people, favouring regulars and those active around this point of the timeline."""
    if not people:
        return []
    rand = rng.random
    keys = []
    for p in people:
        w = p.weight if p.active[0] <= progress <= p.active[1] else p.weight * OUTSIDE_ACTIVE_WEIGHT
        keys.append(rand() ** (1.0 / w))  # Efraimidis-Spirakis weighted sampling without replacement
    return [people[i] for i in nlargest(k, range(len(people)), key=keys.__getitem__)]


def _status(rng: random.Random) -> str:
    roll = rng.random()
    for status, share in STATUSES:
        if roll < share:
            return status
        roll -= share
    return "approved"


def _double_registration(rng: random.Random, plan: _EventPlan, person: _Person) -> list[SimGuest]:
    """Two records of one person at one event, as after re-registering; the later one checks in."""
    later = _guest(rng, plan, person, "approved", force_check_in=True)
    earlier = _guest(rng, plan, person, rng.choice(["approved", "declined"]), force_check_in=False,
                     registered_before=later.registered_at)
    return [earlier, later]


def _guest(rng: random.Random, plan: _EventPlan, person: _Person, status: str, *,
           force_check_in: bool | None = None, registered_before: datetime | None = None) -> SimGuest:
    ev, rand = plan.event, rng.random
    invitation = status == "invited" or (status == "declined" and rand() < DECLINED_INVITATION_SHARE)
    horizon = min(ev.start_at, plan.anchor, registered_before or ev.start_at)
    when = horizon - timedelta(milliseconds=rng.randrange(HOUR_MS, 21 * DAY_MS))
    first, last, name = _guest_name(rng, person)
    email_index = 1 if len(person.emails) > 1 and rand() < SECOND_EMAIL_USE else 0
    return SimGuest(
        id=luma_id(rng, "gst-"), user_id=person.user_ids[email_index], person=person.index,
        name=name, first_name=first, last_name=last, email=noisy_email(rng, person.emails[email_index]),
        phone_number=rng.choice(person.phone_forms) if person.phone_forms and rand() >= PHONE_MISSING_SHARE else None,
        approval_status=status,
        registered_at=None if invitation else when, invited_at=when if invitation else None,
        checked_in_at=_check_in(rng, plan, status, force_check_in),
        utm_source=rng.choice(UTM_SOURCES) if rand() < UTM_SHARE and not invitation else None,
        answers=[] if invitation else _answers(rng, ev, person),
        ticket=None if invitation else _ticket(rng, plan),
    )


def _guest_name(rng: random.Random, person: _Person) -> tuple[str, str, str]:
    first, last, rand = person.first, person.last, rng.random
    if person.nickname and rand() < NICKNAME_SHARE:
        first = person.nickname
    if rand() < TYPO_SHARE:
        if rand() < 0.5:
            first = _typo(rng, first)
        else:
            last = _typo(rng, last)
    if rand() < FIRST_NAME_ONLY_SHARE:
        return first, "", first
    return first, last, f"{first} {last}"


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    replacement = rng.choice([c for c in "aeiourstnl" if c != word[i].lower()])
    return word[:i] + replacement + word[i + 1:]


def noisy_email(rng: random.Random, email: str, case_share: float = EMAIL_UPPER_SHARE,
                spaces_share: float = EMAIL_SPACES_SHARE) -> str:
    """An email as a guest typed it: another case (`case_share` of the time) or spaces around it
    (`spaces_share`), never both."""
    roll = rng.random()
    if roll < case_share:
        return email.upper() if rng.random() < 0.5 else email[0].upper() + email[1:]
    if roll < case_share + spaces_share:
        return rng.choice([f" {email}", f"{email} ", f"  {email}  "])
    return email


def _check_in(rng: random.Random, plan: _EventPlan, status: str, force: bool | None) -> datetime | None:
    start = plan.event.start_at
    if not plan.attendance_taken or start > plan.anchor:
        return None
    if force is None:
        if status == "approved":
            force = rng.random() < plan.check_in_rate
        elif status == "declined":
            force = rng.random() < DECLINED_CHECK_IN_SHARE
    if not force:
        return None
    at = start + timedelta(milliseconds=rng.randrange(HOUR_MS))
    return at if plan.settled or at <= plan.anchor else None


def _answers(rng: random.Random, event: SimEvent, person: _Person) -> list[dict]:
    answers = []
    for q in event.registration_questions:
        if not q["required"] and rng.random() < ANSWER_SKIP_SHARE:
            continue
        answer = _answer(rng, q["label"], person, event.start_at)
        if answer is not None:
            answers.append({"label": q["label"], "question_id": q["id"],
                            "question_type": q["question_type"], "answer": answer})
    return answers


def _answer(rng: random.Random, label: str, person: _Person, start: datetime) -> str | None:
    if label in GENDER_ANSWERS:
        return rng.choice(GENDER_ANSWERS[label][person.gender])
    if label in {q for q, _ in SCHOOL_QUESTIONS}:
        if not person.school:
            return rng.choice(NON_STUDENT_ANSWERS)
        return person.school[0] if label == "Which school do you attend?" or rng.random() < 0.5 \
            else rng.choice(person.school[2])
    if label in {q for q, _ in YEAR_QUESTIONS}:
        return _year_answer(rng, label, person.class_year, start)
    if label == HEARD_QUESTION[0]:
        return rng.choice(HEARD_ANSWERS)
    return rng.choice(DIETARY_ANSWERS)


def _year_answer(rng: random.Random, label: str, class_year: int | None, start: datetime) -> str:
    if class_year is None:
        return rng.choice(["N/A", "Alum", "Not a student"])
    academic_year_end = start.year + (1 if start.month >= 7 else 0)
    standing = STANDING.get(class_year - academic_year_end)
    if standing is None:
        standing = "Alum" if class_year < academic_year_end else "Incoming freshman"
    if label.startswith("What year"):
        return standing if rng.random() < 0.8 else str(class_year)
    if label == "Graduation year":
        return str(class_year)
    return rng.choice([str(class_year), str(class_year), f"'{class_year % 100:02d}",
                       f"Class of {class_year}", standing])


def _ticket(rng: random.Random, plan: _EventPlan) -> dict:
    type_id, name, price = rng.choice(plan.ticket_types)
    discount = price // 2 if price and rng.random() < 0.1 else 0
    return {"id": luma_id(rng, "evtticket-"), "amount": price - discount, "amount_discount": discount,
            "amount_tax": 0, "currency": "usd", "name": name, "event_ticket_type_id": type_id}
