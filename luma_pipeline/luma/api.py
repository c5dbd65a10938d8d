"""The Luma HTTP client: one request function, one pager, both endpoint generations.

Luma serves a current generation of paths (`/v1/calendars/events/list`, flat entries with `id`) and,
for backward compatibility, a legacy one (`/v1/calendar/list-events`, entries wrapped as
`{api_id, event: {...}}`). We ask the current path first and fall back to the legacy one when it
answers 404; the choice is remembered for the rest of the run. Entries are yielded as Luma sent
them: `luma_entries` turns either shape into our rows."""
from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import requests

from ..config import Settings
from ..logs import redact

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # Luma's maximum page size is undocumented; 100 is accepted and widely used.
MAX_PAGES = 10_000  # a guard against a cursor that never ends (1,000,000 entries)
MAX_BACKOFF_SECONDS = 60.0
ERROR_BODY_CHARS = 300  # enough of an error body to explain it, not enough to flood the log
USER_AGENT = "luma-event-sync/0.1"


class LumaError(Exception):
    """Luma answered in a way we cannot go on from (the message is already redacted)."""


class LumaAuthError(LumaError):
    """Luma refused the key (401/403)."""


class LumaNotFound(LumaError):
    """Luma answered 404."""


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


def wait_out(seconds: float) -> None:
    """Every wait of the client (pacing, Retry-After, backoff) goes through here: the one seam the
    tests replace to record waits instead of sleeping them."""
    time.sleep(seconds)


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
                 timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.rate_limit_wait = rate_limit_wait
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        self.pacer = Pacer(max_requests_per_minute)
        self.session = requests.Session()
        self.session.headers.update({"x-luma-api-key": api_key, "accept": "application/json",
                                     "user-agent": USER_AGENT})
        self.requests_made = 0
        self.last_status: int | None = None  # the HTTP status of the last answer
        self.generation: dict[str, str] = {}  # endpoint's current path -> "current" | "legacy"

    @classmethod
    def from_settings(cls, settings: Settings) -> "LumaClient":
        """A client configured from the environment."""
        settings.require("LUMA_API_KEY")
        return cls(settings.luma_api_base_url, settings.luma_api_key,
                   max_requests_per_minute=settings.luma_max_requests_per_minute,
                   rate_limit_wait=settings.luma_rate_limit_wait_seconds,
                   max_retries=settings.luma_max_retries,
                   backoff=settings.luma_retry_backoff_seconds,
                   timeout=settings.luma_timeout_seconds)

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
            try:
                self.requests_made += 1
                response = self.session.request(method, self.base_url + path, params=params,
                                                json=body, timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as exc:
                problem = f"{type(exc).__name__}"
                pause = self._backoff(attempt)
            else:
                self.last_status = response.status_code
                if 200 <= response.status_code < 300:
                    answer = self._json_object(response)
                    if answer is not None or method != "GET":
                        return answer or {}
                    problem, pause = "a 200 answer whose body is not a JSON object", self._backoff(attempt)
                elif response.status_code == 429:
                    pause, why = retry_after_seconds(response.headers.get("Retry-After"),
                                                    self.rate_limit_wait)
                    problem = f"429 Too Many Requests (waiting {pause:g} s: {why})"
                elif response.status_code >= 500:
                    problem, pause = f"{response.status_code} server error", self._backoff(attempt)
                else:
                    raise self._fatal(response, method, path)
            if attempt > self.max_retries:
                raise LumaError(f"{method} {path}: gave up after {attempt} attempts; last: {problem}")
            log.warning("%s %s: %s; retry %d of %d in %.1f s", method, path, problem, attempt,
                        self.max_retries, pause)
            self.pacer.sleep(pause)

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF_SECONDS, self.backoff * 2 ** (attempt - 1))

    @staticmethod
    def _json_object(response: requests.Response) -> dict | None:
        try:
            body = response.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _fatal(self, response: requests.Response, method: str, path: str) -> LumaError:
        body = redact(response.text[:ERROR_BODY_CHARS], [self.api_key])
        status = response.status_code
        if status in (401, 403):
            return LumaAuthError(
                f"{method} {path}: Luma refused the API key ({status}). Check LUMA_API_KEY (made at "
                "luma.com/calendar/manage/api-keys) and that the calendar has Luma Plus, which the "
                f"API requires. Luma said: {body}")
        kind = LumaNotFound if status == 404 else LumaError
        return kind(f"{method} {path}: {status} {response.reason}: {body}")

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
