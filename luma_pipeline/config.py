"""Configuration: the environment (and `.env`) read once into one typed object.

load_settings reads only the variables VARIABLES names, and the tests clear exactly those, so a
developer's shell never leaks into a test."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

import phonenumbers
import psycopg2
import psycopg2.extensions
from dotenv import find_dotenv, load_dotenv

from .schools import read_alias_file
from .text import template_fields

DEFAULT_LUMA_API_BASE_URL = "https://public-api.luma.com"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Every variable load_settings reads; reading another is a programming error (see _Environment).
VARIABLES = (
    "DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "LUMA_PGDATA",
    "LUMA_API_KEY", "LUMA_API_BASE_URL", "LUMA_MAX_REQUESTS_PER_MINUTE", "LUMA_RATE_LIMIT_WAIT_SECONDS",
    "LUMA_MAX_RETRIES", "LUMA_RETRY_BACKOFF_SECONDS", "LUMA_TIMEOUT_SECONDS", "OUTPUT_DIR", "CSV_DIR",
    "SETTLE_HOURS", "LUMA_TAG_CATEGORY_MAP", "DEFAULT_PHONE_REGION", "FUZZY_NAME_THRESHOLD",
    "QUESTION_FIELD_MAP", "ACADEMIC_YEAR_START_MONTH", "PARTY_CATEGORY", "MIN_COMPARABLE_ATTENDEES",
    "CRON_SCHEDULE", "RUN_ON_START", "LOG_LEVEL",
    # operations and several calendars (issues 11, 16)
    "LUMA_MAX_WAIT_SECONDS", "LUMA_CALENDARS", "ORGANISATIONS", "ANALYZE_CALENDAR",
    # approve_guests.py and notifications (issue 15)
    "APPROVALS", "APPROVE_MIN_EVENTS", "APPROVE_EMAIL_DOMAINS", "APPROVE_EVENT_TAGS",
    "APPROVE_SEND_EMAIL", "NOTIFY_URLS",
    # the importer
    "IMPORT_MAX_ROWS",
)
APPROVAL_MODES = ("off", "dry-run", "on")
# Members over time and the report (analyze.py).
VARIABLES += ("REACTIVATION_TOP", "REACTIVATION_MESSAGE", "RETURN_WINDOW_DAYS", "CHART_EVENTS", "SCHOOL_ALIASES")
# The reactivation list's message, and the fields a template may use (DESIGN.md, "Members over time").
DEFAULT_REACTIVATION_MESSAGE = (
    "Hi {first_name}, it has been a while since {last_event} and we would love to see you again. "
    "Next up: {event} on {date}. Sign up at {url}")
MESSAGE_FIELDS = ("first_name", "last_event", "event", "date", "url")
# The person fields a registration question can fill (QUESTION_FIELD_MAP names one of them).
ANSWER_FIELDS = ("gender", "school", "class_year")


class ConfigError(Exception):
    """A variable is missing or holds a value we cannot use."""


# The name of the calendar a lone LUMA_API_KEY belongs to.
DEFAULT_CALENDAR = "default"


@dataclass(frozen=True)
class Calendar:
    """One Luma calendar to sync: the organiser's name for it and its API key."""

    name: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class Organisation:
    """An organisation behind events: the host emails and email domains that say an event is theirs."""

    name: str
    emails: frozenset = frozenset()
    domains: frozenset = frozenset()


@dataclass(frozen=True)
class Settings:
    """Everything the scripts read from the environment, with its default."""

    database_url: str | None = field(default=None, repr=False)  # may hold a password
    pg_configured: bool = False  # libpq's PG* variables name a server (PGHOST set)
    pg_password: str | None = field(default=None, repr=False)
    pgdata: Path = PROJECT_ROOT / ".pgdata"
    luma_api_key: str | None = field(default=None, repr=False)
    luma_api_base_url: str = DEFAULT_LUMA_API_BASE_URL
    luma_max_requests_per_minute: float = 150.0
    luma_rate_limit_wait_seconds: float = 60.0
    luma_max_retries: int = 5
    luma_retry_backoff_seconds: float = 2.0
    luma_timeout_seconds: float = 30.0
    output_dir: Path = Path("analysis_outputs")
    csv_dir: Path = Path("analysis_outputs/luma_csv")
    settle_hours: float = 24.0
    tag_categories: Mapping[str, str] = field(default_factory=dict)
    default_phone_region: str = "US"
    fuzzy_name_threshold: float = 90.0
    question_fields: tuple[tuple[str, str], ...] = ()
    academic_year_start_month: int = 8
    party_category: str = "party"
    min_comparable_attendees: int = 10
    cron_schedule: str = "0 */6 * * *"
    run_on_start: bool = True
    log_level: str = "INFO"
    # operations and several calendars (issues 11, 16)
    luma_max_wait_seconds: float = 120.0
    calendars: tuple[Calendar, ...] = ()
    organisations: tuple[Organisation, ...] = ()
    analyze_calendar: str | None = None
    # approve_guests.py and notifications
    approvals: str = "off"
    approve_min_events: int | None = None
    approve_email_domains: tuple[str, ...] = ()
    approve_event_tags: tuple[str, ...] = ()
    approve_send_email: bool = True
    notify_urls: tuple[str, ...] = field(default=(), repr=False)  # apprise URLs carry tokens
    import_max_rows: int = 2_000_000  # a guest list with more rows is refused before it is read
    # Members over time and the report (analyze.py).
    reactivation_top: int = 25
    reactivation_message: str = DEFAULT_REACTIVATION_MESSAGE
    return_window_days: int = 60
    chart_events: int = 20
    school_aliases: tuple[tuple[str, str], ...] = ()

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line, an error or an output file."""
        found = [self.luma_api_key, self.pg_password, *(c.api_key for c in self.calendars)]
        if self.database_url:
            password = urlsplit(self.database_url).password
            found += [password, unquote(password or "")]  # as written in the URL, and decoded
        found += [*self.notify_urls, *(_url_password(url) for url in self.notify_urls)]
        return [s for s in found if s and len(s) >= 4]

    def require(self, *names: str) -> None:
        """Fail naming every one of `names` (environment variable names) that is not set.

        LUMA_API_KEY counts as set when LUMA_CALENDARS names calendars instead."""
        missing = [n for n in names if not (self.calendars if n == "LUMA_API_KEY"
                                            else getattr(self, n.lower(), None))]
        if missing:
            also = " (or LUMA_CALENDARS for several calendars)" if "LUMA_API_KEY" in missing else ""
            raise ConfigError("missing environment variable(s): " + ", ".join(missing) + also
                              + " (see .env.example)")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read `.env` (never overriding the real environment), then the environment, into Settings."""
    if environ is None:
        load_dotenv(find_dotenv(usecwd=True), override=False)  # the .env of the folder we run in
        environ = os.environ
    env = _Environment({k: v for k, v in environ.items() if v != ""})
    output_dir = Path(env.get("OUTPUT_DIR", "analysis_outputs"))
    luma_api_key = _secret(env, "LUMA_API_KEY")
    return Settings(
        database_url=_database_url(env),
        pg_configured=env.get("PGHOST") is not None,
        pg_password=_secret(env, "PGPASSWORD"),
        pgdata=in_project(env.get("LUMA_PGDATA", ".pgdata")),
        luma_api_key=luma_api_key,
        luma_api_base_url=env.get("LUMA_API_BASE_URL", DEFAULT_LUMA_API_BASE_URL).rstrip("/"),
        luma_max_requests_per_minute=_number(env, "LUMA_MAX_REQUESTS_PER_MINUTE", 150, minimum=0),
        luma_rate_limit_wait_seconds=_number(env, "LUMA_RATE_LIMIT_WAIT_SECONDS", 60, minimum=0),
        luma_max_retries=int(_number(env, "LUMA_MAX_RETRIES", 5, minimum=0, whole=True)),
        luma_retry_backoff_seconds=_number(env, "LUMA_RETRY_BACKOFF_SECONDS", 2, minimum=0),
        luma_timeout_seconds=_number(env, "LUMA_TIMEOUT_SECONDS", 30, minimum=0.1),
        output_dir=output_dir,
        csv_dir=Path(env.get("CSV_DIR", str(output_dir / "luma_csv"))),
        settle_hours=_number(env, "SETTLE_HOURS", 24, minimum=0),
        tag_categories=parse_tag_categories(env.get("LUMA_TAG_CATEGORY_MAP", "")),
        default_phone_region=_phone_region(env.get("DEFAULT_PHONE_REGION", "US")),
        fuzzy_name_threshold=_number(env, "FUZZY_NAME_THRESHOLD", 90, minimum=50),
        question_fields=_question_fields(env.get("QUESTION_FIELD_MAP", "")),
        academic_year_start_month=_month(env),
        party_category=env.get("PARTY_CATEGORY", "party").strip().lower(),
        min_comparable_attendees=int(_number(env, "MIN_COMPARABLE_ATTENDEES", 10, minimum=0, whole=True)),
        cron_schedule=" ".join(env.get("CRON_SCHEDULE", "0 */6 * * *").split()),
        run_on_start=_flag(env, "RUN_ON_START", True),
        log_level=env.get("LOG_LEVEL", "INFO").upper(),
        **_calendar_settings(env, luma_api_key),
        **_approval_settings(env),
        notify_urls=tuple(filter(None, re.split(r"[\s,]+", env.get("NOTIFY_URLS", "")))),
        import_max_rows=int(_number(env, "IMPORT_MAX_ROWS", 2_000_000, minimum=1, whole=True)),
        **_report_settings(env),
    )


def _report_settings(env: Mapping[str, str]) -> dict:
    """Members over time and the report (analyze.py), and the organiser's school aliases."""
    return {
        "reactivation_top": int(_number(env, "REACTIVATION_TOP", 25, minimum=0, whole=True)),
        "reactivation_message": _message_template(env.get("REACTIVATION_MESSAGE", DEFAULT_REACTIVATION_MESSAGE)),
        "return_window_days": int(_number(env, "RETURN_WINDOW_DAYS", 60, minimum=1, whole=True)),
        "chart_events": int(_number(env, "CHART_EVENTS", 20, minimum=1, whole=True)),
        "school_aliases": _school_aliases(env.get("SCHOOL_ALIASES", "")),
    }


def in_project(path: str) -> Path:
    """A path as given; a relative one is taken from the project's folder, not the current one
    (a script run from elsewhere must find the same embedded database, not start an empty one)."""
    given = Path(path).expanduser()
    return given if given.is_absolute() else PROJECT_ROOT / given


class _Environment(dict):
    """The environment's non-empty variables; asking for one VARIABLES does not name is a bug."""

    def get(self, name: str, default=None):
        if name not in VARIABLES:
            raise KeyError(f"{name} is read but not listed in config.VARIABLES")
        return super().get(name, default)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if raw.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not true or false")


def _phone_region(region: str) -> str:
    region = region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"DEFAULT_PHONE_REGION={region!r} is not a two-letter region code such as US or GB")
    return region


def _question_fields(text: str) -> tuple[tuple[str, str], ...]:
    """QUESTION_FIELD_MAP ("question words=field; …") as (words, field) pairs."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        words, _, name = item.rpartition("=")
        name = name.strip().lower().replace(" ", "_")
        if not words.strip() or name not in ANSWER_FIELDS:
            raise ConfigError(f"QUESTION_FIELD_MAP: {item!r} is not 'question words=gender|school|class_year'")
        pairs.append((words.strip().casefold(), name))
    return tuple(pairs)


def _month(env: Mapping[str, str]) -> int:
    month = int(_number(env, "ACADEMIC_YEAR_START_MONTH", 8, minimum=1, whole=True))
    if month > 12:
        raise ConfigError(f"ACADEMIC_YEAR_START_MONTH={month} is not a month (1-12)")
    return month


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float,
            whole: bool = False) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name}={raw!r} is not {kind}") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum:g}")
    return value


def parse_tag_categories(text: str) -> dict[str, str]:
    """Parse `LUMA_TAG_CATEGORY_MAP` ("Tag=category; Other tag=category") into {tag: category}."""
    mapping = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        tag, sep, category = item.partition("=")
        if not sep or not tag.strip() or not category.strip():
            raise ConfigError(f"LUMA_TAG_CATEGORY_MAP: {item!r} is not of the form 'Tag=category'")
        mapping[tag.strip().casefold()] = category.strip().lower()
    return mapping


# -- secrets, several calendars and organisations (issues 11, 16) -----------------------------

def _calendar_settings(env: Mapping[str, str], luma_api_key: str | None) -> dict:
    """The settings of several calendars and of waiting on Luma (issues 11, 16)."""
    return {"luma_max_wait_seconds": _number(env, "LUMA_MAX_WAIT_SECONDS", 120, minimum=0),
            "calendars": parse_calendars(luma_api_key, env.get("LUMA_CALENDARS", "")),
            "organisations": parse_organisations(env.get("ORGANISATIONS", "")),
            "analyze_calendar": (env.get("ANALYZE_CALENDAR") or "").strip() or None}


def clean_secret(raw: str | None, where: str) -> str | None:
    """A secret with surrounding whitespace trimmed (a pasted key often ends in a newline); None
    when blank. Whitespace or a control character inside it is refused, naming `where`, never
    the value."""
    value = (raw or "").strip()
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        raise ConfigError(f"{where} has a space or a control character inside it; paste it again "
                          "(the value is not shown)")
    return value or None


def _secret(env: Mapping[str, str], name: str) -> str | None:
    return clean_secret(env.get(name), name)


def _database_url(env: Mapping[str, str]) -> str | None:
    """DATABASE_URL trimmed and checked to be a PostgreSQL URL (or libpq key=value string)."""
    url = (env.get("DATABASE_URL") or "").strip()
    if not url:
        return None
    expected = ("DATABASE_URL is not a PostgreSQL URL: set it to postgresql://USER:PASSWORD@HOST:5432/"
                "DATABASE (on Railway: ${{Postgres.DATABASE_URL}}), or unset it to use PG* or the "
                "embedded PostgreSQL (the value is not shown: it may hold a password)")
    if any(unicodedata.category(ch).startswith("C") for ch in url):
        raise ConfigError(expected)
    if "://" in url and urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise ConfigError(expected)
    try:
        psycopg2.extensions.parse_dsn(url)
    except psycopg2.ProgrammingError:
        raise ConfigError(expected) from None
    return url


def parse_calendars(api_key: str | None, text: str) -> tuple[Calendar, ...]:
    """The calendars to sync: LUMA_API_KEY as `default`, then LUMA_CALENDARS (`name=key; name=key`).

    A malformed entry, a duplicate name or an empty key is a ConfigError naming which (never a key)."""
    calendars = [Calendar(DEFAULT_CALENDAR, api_key)] if api_key else []
    for number, item in enumerate(filter(None, (p.strip() for p in text.split(";"))), start=1):
        name, sep, key = item.partition("=")
        name = " ".join(name.split())
        if not sep or not name:
            raise ConfigError(f"LUMA_CALENDARS: entry {number} is not of the form 'name=key' "
                              "(entries are separated by ';')")
        key = clean_secret(key, f"LUMA_CALENDARS: the key of calendar {name!r}")
        if not key:
            raise ConfigError(f"LUMA_CALENDARS: calendar {name!r} has an empty key")
        if any(c.name.casefold() == name.casefold() for c in calendars):
            also = " (LUMA_API_KEY is the calendar 'default')" if name.casefold() == DEFAULT_CALENDAR else ""
            raise ConfigError(f"LUMA_CALENDARS: calendar name {name!r} is used twice{also}")
        calendars.append(Calendar(name, key))
    return tuple(calendars)


def parse_organisations(text: str) -> tuple[Organisation, ...]:
    """ORGANISATIONS (`Name=email or domain, …; Name=…`) as Organisations; emails and domains are
    case-folded, a domain may be written `@uni.edu` or `uni.edu`."""
    organisations: list[Organisation] = []
    for number, item in enumerate(filter(None, (p.strip() for p in text.split(";"))), start=1):
        name, sep, listed = item.partition("=")
        name = " ".join(name.split())
        tokens = [t.strip().casefold().lstrip("@") for t in listed.split(",") if t.strip()]
        if not sep or not name or not tokens:
            raise ConfigError(f"ORGANISATIONS: entry {number} is not of the form "
                              "'Name=email or domain, …'")
        bad = [t for t in tokens if t.count("@") > 1 or "." not in t.rpartition("@")[2] or " " in t]
        if bad:
            raise ConfigError(f"ORGANISATIONS: {name!r}: {bad[0]!r} is neither an email nor a domain")
        if any(o.name.casefold() == name.casefold() for o in organisations):
            raise ConfigError(f"ORGANISATIONS: organisation {name!r} is named twice")
        organisations.append(Organisation(name, frozenset(t for t in tokens if "@" in t),
                                          frozenset(t for t in tokens if "@" not in t)))
    return tuple(organisations)


def _approval_settings(env: Mapping[str, str]) -> dict:
    """APPROVALS and its rules (approve_guests.py)."""
    mode = env.get("APPROVALS", "off").strip().lower()
    if mode not in APPROVAL_MODES:
        raise ConfigError(f"APPROVALS={mode!r} is not one of {', '.join(APPROVAL_MODES)}")
    min_events = env.get("APPROVE_MIN_EVENTS")
    domains = tuple(filter(None, (d.lstrip("@.").lower() for d in
                                  re.split(r"[\s,;]+", env.get("APPROVE_EMAIL_DOMAINS", "")))))
    for domain in domains:
        if "." not in domain or "@" in domain:
            raise ConfigError(f"APPROVE_EMAIL_DOMAINS: {domain!r} is not a domain such as mit.edu")
    return {
        "approvals": mode,
        "approve_min_events": None if min_events is None
        else int(_number(env, "APPROVE_MIN_EVENTS", 1, minimum=1, whole=True)),
        "approve_email_domains": domains,
        "approve_event_tags": tuple(filter(None, (t.strip().casefold() for t in
                                                  env.get("APPROVE_EVENT_TAGS", "").split(",")))),
        "approve_send_email": _flag(env, "APPROVE_SEND_EMAIL", True),
    }


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _message_template(template: str) -> str:
    """REACTIVATION_MESSAGE, checked: it can be read and names only MESSAGE_FIELDS."""
    known = ", ".join("{" + f + "}" for f in MESSAGE_FIELDS)
    try:
        fields = template_fields(template)
    except ValueError as exc:
        raise ConfigError(f"REACTIVATION_MESSAGE cannot be used: {exc} (a literal brace is written "
                          f"{{{{ or }}}}; the fields are {known})") from None
    unknown = [f for f in fields if f not in MESSAGE_FIELDS]
    if unknown:
        raise ConfigError(f"REACTIVATION_MESSAGE names unknown field(s) "
                          f"{', '.join('{' + f + '}' for f in unknown)}; the fields are {known}")
    return template


def _school_aliases(text: str) -> tuple[tuple[str, str], ...]:
    """SCHOOL_ALIASES: a CSV file (alias,name[,source]) or "alias=name; alias=name" as (alias, name)
    pairs; an empty name marks an answer that names no school ("alumni=")."""
    if text.strip().lower().endswith(".csv") or Path(text).expanduser().is_file():
        try:
            return tuple(read_alias_file(Path(text).expanduser()))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"SCHOOL_ALIASES: {exc}") from None
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        alias, sep, name = item.partition("=")
        if not sep or not alias.strip():
            raise ConfigError(f"SCHOOL_ALIASES: {item!r} is not 'answer=school name' (or a CSV file)")
        pairs.append((alias.strip(), name.strip()))
    return tuple(pairs)
