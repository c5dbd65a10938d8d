"""The Luma HTTP client: one request function, one pager, both endpoint generations.

Luma serves a current generation of paths (`/v1/calendars/events/list`, flat entries with `id`) and,
for backward compatibility, a legacy one (`/v1/calendar/list-events`, entries wrapped as
`{api_id, event: {...}}`). We ask the current path first and fall back to the legacy one when it
answers 404; the choice is remembered for the rest of the run. Entries are yielded as Luma sent
them: `luma_entries` turns either shape into our rows."""
from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, NamedTuple

import requests
import urllib3

from ..config import DEFAULT_CALENDAR, Calendar, Settings
from ..logs import redact

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # Luma's maximum page size is undocumented; 100 is accepted and widely used.
MAX_PAGES = 10_000  # a guard against a cursor that never ends (1,000,000 entries)
MAX_BACKOFF_SECONDS = 60.0
ERROR_BODY_CHARS = 300  # enough of an error body to explain it, not enough to flood the log
USER_AGENT = "luma-event-sync/0.1"
BODY_CHUNK = 65_536  # bytes read at a time while the answer's deadline is watched


class LumaError(Exception):
    """Luma answered in a way we cannot go on from (the message is already redacted)."""


class LumaAuthError(LumaError):
    """Luma refused the key (401/403)."""


class LumaNotFound(LumaError):
    """Luma answered 404."""


class LumaWaitTooLong(LumaError):
    """Luma asked us to wait longer than LUMA_MAX_WAIT_SECONDS."""


class AnswerTooSlow(Exception):
    """The whole answer (connect, headers, body) did not arrive within the timeout."""


class Answer(NamedTuple):
    """One HTTP answer, read whole within its deadline."""

    status: int
    reason: str
    headers: Mapping
    body: bytes

    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Endpoint:
    """One list endpoint in its two generations, with the name of its event-id parameter."""

    current: str
    legacy: str
    current_id_param: str = ""
    legacy_id_param: str = ""
    fixed_params: tuple[tuple[str, str], ...] = ()

    def request(self, generation: str, event_id: str | None, cursor: str | None) -> tuple[str, dict]:
        """The path and query parameters of one page in the given generation."""
        params = {**dict(self.fixed_params), "pagination_limit": PAGE_LIMIT}
        if event_id is not None:
            params[self.current_id_param if generation == "current" else self.legacy_id_param] = event_id
        if cursor:
            params["pagination_cursor"] = cursor
        return (self.current if generation == "current" else self.legacy), params


EVENTS = Endpoint("/v1/calendars/events/list", "/v1/calendar/list-events",
                  fixed_params=(("sort_column", "start_at"), ("sort_direction", "asc")))
GUESTS = Endpoint("/v1/events/guests/list", "/v1/event/get-guests", "event_id", "event_api_id")
PENDING_GUESTS = Endpoint(GUESTS.current, GUESTS.legacy, "event_id", "event_api_id",
                          fixed_params=(("approval_status", "pending_approval"),))
# Setting a guest's status: (current path, legacy path). Legacy paths sit under /v1 on our base URL.
UPDATE_STATUS = ("/v1/events/guests/update-status", "/v1/event/update-guest-status")
EVENT_GET = Endpoint("/v1/events/get", "/v1/event/get", "event_id", "api_id")
CALENDAR_PATH = "/v1/calendars/get"  # current generation only; the legacy one has no such path


def key_variable(calendar: Calendar) -> str:
    """Where a calendar's key is configured, as an operator would look for it."""
    return "LUMA_API_KEY" if calendar.name == DEFAULT_CALENDAR else f"the key of {calendar.name!r} in LUMA_CALENDARS"


def _read_before(response: requests.Response, deadline: float, path: str) -> bytes:
    """The next piece of the body (b"" at its end), or AnswerTooSlow once the deadline (a
    time.monotonic() value) has passed; no socket read may wait beyond it."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AnswerTooSlow(path)
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(remaining)
    try:
        return response.raw.read1(BODY_CHUNK, decode_content=True)
    except (TimeoutError, urllib3.exceptions.ReadTimeoutError):
        raise AnswerTooSlow(path) from None


# Set when the step is stopping (SIGTERM): every client's wait ends and no new request starts, so
# the calendars' threads finish at once and the step can roll back.
STOPPING = threading.Event()


def wait_out(seconds: float) -> None:
    """Every wait of the client (pacing, Retry-After, backoff) goes through here: the one seam the
    tests replace to record waits instead of sleeping them. It ends early when the step stops."""
    STOPPING.wait(seconds)


class Pacer:
    """Spaces request starts so that at most `per_minute` begin in any minute (0 = no pacing)."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.clock = clock
        self.sleep = sleep or (lambda seconds: wait_out(seconds))  # looked up late: tests replace it
        self.next_start = 0.0

    def wait(self) -> None:
        """Sleep until the next request may start, and book the slot after it."""
        now = self.clock()
        if now < self.next_start:
            self.sleep(self.next_start - now)
            now = self.next_start
        self.next_start = now + self.interval


def retry_after_seconds(header: str | None, default: float) -> tuple[float, str]:
    """Seconds to wait after a 429, from `Retry-After` (seconds or an HTTP date), else `default`."""
    if header:
        header = header.strip()
        if header.isdigit():
            return float(header), "Retry-After"
        try:
            when = email.utils.parsedate_to_datetime(header)
            return max(0.0, when.timestamp() - time.time()), "Retry-After"
        except (TypeError, ValueError):
            pass
    return default, "no Retry-After; LUMA_RATE_LIMIT_WAIT_SECONDS"


class LumaClient:
    """Talks to one Luma calendar with one API key."""

    def __init__(self, base_url: str, api_key: str, *, max_requests_per_minute: float = 150,
                 rate_limit_wait: float = 60, max_retries: int = 5, backoff: float = 2,
                 timeout: float = 30, max_wait: float = 120, key_variable: str = "LUMA_API_KEY"):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.rate_limit_wait = rate_limit_wait
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_wait = max_wait
        self.key_variable = key_variable  # where the key was configured, for the refusal message
        self.pacer = Pacer(max_requests_per_minute)
        self.session = requests.Session()
        self.session.headers.update({"x-luma-api-key": api_key, "accept": "application/json",
                                     "user-agent": USER_AGENT})
        self.requests_made = 0
        self.last_status: int | None = None  # the HTTP status of the last answer
        self.generation: dict[str, str] = {}  # endpoint's current path -> "current" | "legacy"

    @classmethod
    def from_settings(cls, settings: Settings, calendar: Calendar | None = None) -> "LumaClient":
        """A client of one calendar (the first configured when none is named): its own key, its
        own pacing and its own retry budget."""
        settings.require("LUMA_API_KEY")
        calendar = calendar or settings.calendars[0]
        return cls(settings.luma_api_base_url, calendar.api_key,
                   max_requests_per_minute=settings.luma_max_requests_per_minute,
                   rate_limit_wait=settings.luma_rate_limit_wait_seconds,
                   max_retries=settings.luma_max_retries,
                   backoff=settings.luma_retry_backoff_seconds,
                   timeout=settings.luma_timeout_seconds,
                   max_wait=settings.luma_max_wait_seconds,
                   key_variable=key_variable(calendar))

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()

    # -- the one request function -------------------------------------------------------------

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET a JSON object (see `request`)."""
        return self.request("GET", path, params)

    def request(self, method: str, path: str, params: dict | None = None,
                body: dict | None = None) -> dict:
        """Send one request (a JSON `body` for a POST) and return the JSON object answered, retrying
        429, 5xx, timeouts, connection errors and non-JSON bodies; reads and writes share the pacing.
        A write's 2xx without a JSON body is an empty answer."""
        attempt = 0
        while True:
            attempt += 1
            self.pacer.wait()
            if STOPPING.is_set():
                raise LumaError(f"{method} {path}: not sent, the step is stopping")
            try:
                self.requests_made += 1
                answer = self.fetch_answer(method, path, params, body)
            except AnswerTooSlow:
                problem = f"no complete answer within {self.timeout:g} s (LUMA_TIMEOUT_SECONDS)"
                pause = self._backoff(attempt)
            except (requests.Timeout, requests.ConnectionError, urllib3.exceptions.HTTPError) as exc:
                problem = f"{type(exc).__name__}"
                pause = self._backoff(attempt)
            else:
                found, problem, pause = self._judge(answer, method, path, attempt)
                if found is not None:
                    return found
            if attempt > self.max_retries:
                raise LumaError(f"{method} {path}: gave up after {attempt} attempts; last: {problem}")
            log.warning("%s %s: %s; retry %d of %d in %.1f s", method, path, problem, attempt,
                        self.max_retries, pause)
            self.pacer.sleep(pause)

    def _judge(self, answer: Answer, method: str, path: str, attempt: int) -> tuple[dict | None, str, float]:
        """(the JSON object answered, or None with what went wrong and how long to wait before
        the retry); a refusal or another 4xx raises at once."""
        self.last_status = answer.status
        if 200 <= answer.status < 300:
            found = self._json_object(answer)
            if found is not None or method != "GET":
                return found or {}, "", 0.0
            return None, "a 200 answer whose body is not a JSON object", self._backoff(attempt)
        if answer.status == 429:
            pause, problem = self._rate_limited(method, path, answer)
            return None, problem, pause
        if answer.status >= 500:
            return None, f"{answer.status} server error", self._backoff(attempt)
        raise self._fatal(answer, method, path)

    def fetch_answer(self, method: str, path: str, params: dict | None, body: dict | None = None) -> Answer:
        """One request, its whole answer read within `timeout` seconds from the start (requests'
        own timeout is per read: a server trickling a byte a second would never trip it)."""
        deadline = time.monotonic() + self.timeout
        response = self.session.request(method, self.base_url + path, params=params, json=body,
                                        timeout=self.timeout, stream=True)
        chunks = []
        try:
            while chunk := _read_before(response, deadline, path):
                chunks.append(chunk)
        except BaseException:
            response.close()  # drops the connection: it may still carry the rest of this answer
            raise
        response.raw.release_conn()  # read to the end: the connection can serve the next request
        return Answer(response.status_code, response.reason or "", response.headers, b"".join(chunks))

    def _rate_limited(self, method: str, path: str, answer: Answer) -> tuple[float, str]:
        """How long to wait after a 429, and why; a wait above LUMA_MAX_WAIT_SECONDS ends the step."""
        header = answer.headers.get("Retry-After")
        pause, why = retry_after_seconds(header, self.rate_limit_wait)
        if pause > self.max_wait:
            raise LumaWaitTooLong(
                f"{method} {path}: 429 Too Many Requests and Luma asked to wait {pause:g} s ({why}: "
                f"{(header or '').strip()[:40]!r}), more than LUMA_MAX_WAIT_SECONDS={self.max_wait:g}; "
                "stopping now rather than holding the lock that long (the next run tries again)")
        return pause, f"429 Too Many Requests (waiting {pause:g} s: {why})"

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF_SECONDS, self.backoff * 2 ** (attempt - 1))

    @staticmethod
    def _json_object(answer: Answer) -> dict | None:
        try:
            body = json.loads(answer.body)
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _fatal(self, answer: Answer, method: str, path: str) -> LumaError:
        body = redact(answer.text()[:ERROR_BODY_CHARS], [self.api_key])
        status = answer.status
        if status in (401, 403):
            return LumaAuthError(
                f"{method} {path}: Luma refused the API key ({status}). Check {self.key_variable} (made at "
                "luma.com/calendar/manage/api-keys) and that the calendar has Luma Plus, which the "
                f"API requires. Luma said: {body}")
        kind = LumaNotFound if status == 404 else LumaError
        return kind(f"{method} {path}: {status} {answer.reason}: {body}")

    # -- the one pager ------------------------------------------------------------------------

    def paginate(self, endpoint: Endpoint, event_id: str | None = None) -> Iterator[dict]:
        """Yield every entry of a list endpoint, following the cursor until `has_more` is false."""
        generation = self.generation.get(endpoint.current, "current")
        cursor, seen, page = None, set(), 1
        while page <= MAX_PAGES:
            path, params = endpoint.request(generation, event_id, cursor)
            try:
                body = self.get(path, params)
            except LumaNotFound:
                if page > 1 or generation == "legacy" or endpoint.current in self.generation:
                    raise
                log.info("%s answered 404; using the legacy path %s", endpoint.current, endpoint.legacy)
                generation = "legacy"
                continue
            self.generation[endpoint.current] = generation
            entries = body.get("entries")
            if not isinstance(entries, list):
                raise LumaError(f"GET {path}: page {page} has no 'entries' list")
            yield from entries
            if not body.get("has_more"):
                return
            cursor = body.get("next_cursor")
            if not cursor:
                raise LumaError(f"GET {path}: page {page} says has_more but gives no next_cursor; "
                                "stopping rather than returning a partial list")
            if cursor in seen:
                raise LumaError(f"GET {path}: page {page} repeats an earlier cursor")
            seen.add(cursor)
            page += 1
        raise LumaError(f"GET {endpoint.current}: more than {MAX_PAGES} pages; stopping")

    # -- what the sync asks for ---------------------------------------------------------------

    def fetch_events(self) -> Iterator[dict]:
        """Every event entry of the calendar, oldest first, in whichever shape Luma sends."""
        return self.paginate(EVENTS)

    def fetch_guests(self, luma_event_id: str) -> Iterator[dict]:
        """Every guest entry of one event, in whichever shape Luma sends."""
        return self.paginate(GUESTS, luma_event_id)

    def fetch_calendar(self) -> dict | None:
        """The calendar this key opens (`/v1/calendars/get`), or None where Luma will not say (no
        such path, or not for this key): the caller then works it out from the events."""
        try:
            return self.get(CALENDAR_PATH)
        except LumaError as exc:
            log.info("the calendar's own id is not known from %s (%s); taking the one most of its "
                     "events carry", CALENDAR_PATH, exc)
            return None

    def fetch_event(self, luma_event_id: str) -> dict:
        """One event with its `hosts[]`, in the generation the event list answered in."""
        if self.generation.get(EVENTS.current) == "legacy":
            return self.get(EVENT_GET.legacy, {EVENT_GET.legacy_id_param: luma_event_id})
        return self.get(EVENT_GET.current, {EVENT_GET.current_id_param: luma_event_id})

    def fetch_pending_guests(self, luma_event_id: str) -> Iterator[dict]:
        """Every guest of one event waiting for approval (Luma's `approval_status` filter)."""
        return self.paginate(PENDING_GUESTS, luma_event_id)

    # -- what approve_guests.py writes -------------------------------------------------------

    def approve_guest(self, luma_event_id: str, guest_id: str, send_email: bool = True) -> int | None:
        """Approve one guest and return Luma's HTTP status: the current update-status call, else
        the legacy one where the current path answers 404 (remembered for the run)."""
        current, legacy = UPDATE_STATUS
        if self.generation.get(current, "current") == "current":
            try:
                self.request("POST", current, body={"event_id": luma_event_id, "guest_id": guest_id,
                                                    "status": "approved", "send_email": send_email})
                self.generation[current] = "current"
                return self.last_status
            except LumaNotFound:
                if current in self.generation:
                    raise
                log.info("%s answered 404; trying the legacy path %s", current, legacy)
        self.request("POST", legacy, body={"guest": {"type": "api_id", "api_id": guest_id},
                                           "event_api_id": luma_event_id, "status": "approved"})
        self.generation[current] = "legacy"
        return self.last_status
